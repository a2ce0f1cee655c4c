"""Static report figure of the zones (PNG, SVG or PDF), drawn with matplotlib; no tiles needed.

The figure shows the same overlays as the interactive map (:mod:`zonemap.layers`), with a legend,
a geodesic scale bar, a locator inset of Syria and a provenance footer. Output is reproducible:
the same inputs give the same bytes (no creation dates, fixed SVG ids).
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from . import data, zones
from .errors import ArgumentError
from .layers import FEATURE_STYLES, OVERLAYS, overlay_frames
from .maps import _line_label
from .output import atomic_path
from .projection import GEOD

FIGURE_FORMATS = ("png", "svg", "pdf")
#: Margin around the Idlib de-escalation area, in degrees of the plot frame (not a metric buffer).
FRAME_MARGIN_DEG = 0.12
LAND = {"Syria": "#fbfaf6", "default": "#eeeeea"}
SEA = "#dfeaf2"
LABEL_KINDS = ("city", "town")


def _plain(text: str) -> str:
    """Text shown literally by matplotlib (no mathtext from a ``$`` in data)."""
    return str(text).replace("$", r"\$")


def _dashes(style: dict) -> str | tuple:
    pattern = style.get("dashArray")
    if not pattern:
        return "solid"
    return (0, tuple(float(x) / 2 for x in pattern.split()))


def _draw_overlay(ax, key: str, frame) -> None:
    """Draw one overlay with the map's Leaflet style translated to matplotlib."""
    base = OVERLAYS[key][1]
    if "point" in base:
        point = base["point"]
        xy = np.array([(g.x, g.y) for g in frame.geometry])
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=(point["radius"] * 1.3) ** 2,
            facecolor=point["fillColor"],
            edgecolor=point["color"] if point["color"] != "#ffffff" else "#7a0000",
            linewidth=0.6,
            zorder=6,
        )
        return
    for _, row in frame.iterrows():
        style = {**base, **FEATURE_STYLES.get(row.get("_style"), {})} if "_style" in frame else base
        filled = style.get("fill", True) and row.geometry.geom_type in ("Polygon", "MultiPolygon")
        colour = style.get("color", "#000000")
        frame.loc[[row.name]].plot(
            ax=ax,
            facecolor=matplotlib.colors.to_rgba(colour, style.get("fillOpacity", 0.2)) if filled else "none",
            edgecolor=colour if style.get("weight", 1) > 0 else "none",
            linewidth=style.get("weight", 1) * 0.5,
            linestyle=_dashes(style),
            zorder=3 if filled else 4,
        )


def _legend_handles() -> list:
    handles = []
    for key, (long_label, style) in OVERLAYS.items():
        label = textwrap.fill(long_label, 34)
        if key == "outlines":
            continue
        if "point" in style:
            point = style["point"]
            handles.append(
                Line2D([], [], linestyle="none", marker="o", markersize=point["radius"] * 1.1,
                       markerfacecolor=point["fillColor"], markeredgecolor="#444444", label=label)
            )  # fmt: skip
        elif key == "dmz_edges":
            handles.append(Line2D([], [], color=style["color"], linestyle=_dashes(FEATURE_STYLES["inner"]),
                                  label="DMZ inner edge (min width)"))  # fmt: skip
            handles.append(Line2D([], [], color=style["color"], label="DMZ outer edge (max width)"))
        elif style.get("fill") is False:
            handles.append(Line2D([], [], color=style["color"], linewidth=style["weight"] * 0.5,
                                  linestyle=_dashes(style), label=label))  # fmt: skip
        else:
            handles.append(Patch(facecolor=matplotlib.colors.to_rgba(style["color"], style["fillOpacity"]),
                                 edgecolor=style["color"], label=label))  # fmt: skip
    return handles


def _nice_length_km(span_km: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^n km) near a fifth of ``span_km``."""
    target = span_km / 5
    power = 10 ** math.floor(math.log10(target))
    return max(step * power for step in (1, 2, 5) if step * power <= target)


def scale_bar(ax, *, length_km: float | None = None, at=(0.04, 0.05)):
    """Draw a geodesic scale bar on a lon/lat axes; returns (length_km, (lon0, lat0), (lon1, lat1)).

    The bar runs due east from its start point for exactly ``length_km`` on the WGS84 ellipsoid.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    lon0, lat0 = x0 + at[0] * (x1 - x0), y0 + at[1] * (y1 - y0)
    if length_km is None:
        span_km = GEOD.inv(x0, lat0, x1, lat0)[2] / 1000
        length_km = _nice_length_km(span_km)
    lon1, lat1, _ = GEOD.fwd(lon0, lat0, 90.0, length_km * 1000)
    tick = (y1 - y0) * 0.008
    for xs, ys, colour, width in (
        ([lon0, lon1], [lat0, lat1], "#000000", 3.0),
        ([lon0, (lon0 + lon1) / 2], [lat0, (lat0 + lat1) / 2], "#ffffff", 1.6),
    ):
        ax.plot(xs, ys, color=colour, linewidth=width, solid_capstyle="butt", zorder=9, gid="scalebar")
    for lon, text in ((lon0, "0"), (lon1, f"{length_km:g} km")):
        ax.text(lon, lat0 + 2 * tick, text, ha="center", va="bottom", fontsize=7, zorder=9)
    return length_km, (lon0, lat0), (lon1, lat1)


def _locator(fig, frames, extent) -> None:
    """A small map of Syria with all four Astana areas and the main frame outlined."""
    inset = fig.add_axes((0.72, 0.09, 0.25, 0.25))
    countries = data.load_layer("countries")
    countries.plot(ax=inset, facecolor=LAND["default"], edgecolor="#999999", linewidth=0.3)
    countries[countries["name"] == "Syria"].plot(ax=inset, facecolor=LAND["Syria"], edgecolor="#555555", linewidth=0.5)
    for key in ("astana", "idlib"):
        style = OVERLAYS[key][1]
        frames[key].plot(ax=inset, facecolor=matplotlib.colors.to_rgba(style["color"], 0.45), edgecolor=style["color"],
                         linewidth=0.5)  # fmt: skip
    minx, miny, maxx, maxy = extent
    inset.add_patch(Rectangle((minx, miny), maxx - minx, maxy - miny, fill=False, edgecolor="#000000", linewidth=0.8))
    inset.set_xlim(35.4, 42.6)
    inset.set_ylim(32.1, 37.6)
    inset.set_aspect(1 / math.cos(math.radians(35)))
    inset.set_facecolor(SEA)
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_title("Astana areas (2017)", fontsize=6, pad=2)


def zone_figure(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    symmetric: bool = False,
    corridor_km: float = zones.M4_CORRIDOR_KM,
    title: str | None = None,
) -> Figure:
    """The zones as a matplotlib Figure for reports (widths in km), framed on the Idlib area.

    Same overlays and colours as :func:`zonemap.zone_map`; the scale bar is geodesic.

    Examples
    --------
    >>> fig = zone_figure()
    >>> fig.axes[0].get_title(loc="left").startswith("Sochi DMZ")
    True
    """
    low, high = zones._check_width_range(width_km)
    frames = overlay_frames(width_km=width_km, contact_line=contact_line, symmetric=symmetric, corridor_km=corridor_km)
    minx, miny, maxx, maxy = data.de_escalation_area("idlib").total_bounds
    extent = (minx - FRAME_MARGIN_DEG, miny - FRAME_MARGIN_DEG, maxx + FRAME_MARGIN_DEG, maxy + FRAME_MARGIN_DEG)

    fig = Figure(figsize=(11, 8.2), dpi=150, layout=None)
    ax = fig.add_axes((0.06, 0.09, 0.62, 0.8))
    ax.set_facecolor(SEA)
    countries, outline = data.load_layer("countries"), OVERLAYS["outlines"][1]["color"]
    for _, country in countries.iterrows():
        colour = LAND.get(country["name"], LAND["default"])
        countries.loc[[country.name]].plot(ax=ax, facecolor=colour, edgecolor=outline, linewidth=0.6, zorder=1)
    data.load_layer("governorates").plot(ax=ax, facecolor="none", edgecolor="#aaaaaa", linewidth=0.4, zorder=2)
    for key, frame in frames.items():
        if key != "outlines":
            _draw_overlay(ax, key, frame)
    towns = frames["towns"]
    for _, town in towns[towns["kind"].isin(LABEL_KINDS)].iterrows():
        x, y = town.geometry.x, town.geometry.y
        if extent[0] < x < extent[2] and extent[1] < y < extent[3]:
            ax.annotate(_plain(town["name"]), (x, y), xytext=(3, 2), textcoords="offset points", fontsize=6,
                        color="#222222", zorder=7)  # fmt: skip

    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect(1 / math.cos(math.radians((extent[1] + extent[3]) / 2)))
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.1f}°E"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.1f}°N"))
    side = "both sides of" if symmetric else "the opposition side of"
    heading = title or f"Sochi DMZ {low:g}–{high:g} km on {side} the {_line_label(contact_line)}"
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(_plain(heading), loc="left", fontsize=12, fontweight="bold", pad=16)
    ax.text(0, 1.008, "Idlib de-escalation area, M4 corridor (Moscow, 5 Mar 2020) and the Astana zones",
            transform=ax.transAxes, fontsize=8, color="#444444", va="bottom")  # fmt: skip
    scale_bar(ax)
    ax.text(0.985, 0.975, "N\n↑", transform=ax.transAxes, ha="center", va="top", fontsize=9, fontweight="bold")
    fig.legend(handles=_legend_handles(), loc="upper left", bbox_to_anchor=(0.7, 0.89), fontsize=7,
               frameon=False, title="Layers", title_fontsize=8, alignment="left")  # fmt: skip
    _locator(fig, frames, extent)
    fig.text(
        0.06,
        0.03,
        "Geometry approximate: contact lines and zones digitised from published maps, stated accuracy 3-10 km "
        "(see each feature's provenance).\nBuffers and areas are geodesic (WGS84). Sources: Sochi memorandum "
        "S/2018/852; Moscow protocol (PA-X 2273); Natural Earth; GeoNames. Made with zonemap.",
        fontsize=6,
        color="#555555",
        va="bottom",
    )
    return fig


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 200) -> int:
    """Write a figure to ``path`` (.png, .svg or .pdf, by suffix) atomically; returns its size in bytes.

    Files carry no creation date, so the same figure gives the same bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> save_figure(zone_figure(), pathlib.Path(tempfile.mkdtemp()) / "zones.svg") > 100_000
    True
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        given = Path(path).suffix or "no suffix"
        raise ArgumentError(f"{path}: figure format must be one of .png, .svg, .pdf (got {given})")
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
    with matplotlib.rc_context({"svg.hashsalt": "zonemap", "svg.fonttype": "none"}), atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata[fmt])
        size = tmp.stat().st_size
    return size
