"""Static report figure of the zones (PNG, SVG or PDF), drawn with matplotlib; no tiles needed.

The figure shows the same overlays as the interactive map (:mod:`zonemap.render.layers`), with a legend,
a geodesic scale bar, a locator inset of Syria and a provenance footer. Output is reproducible:
the same inputs give the same bytes (no creation dates, fixed SVG ids).
"""

from __future__ import annotations

import functools
import math
import os
import textwrap
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from adjustText import adjust_text
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..errors import ArgumentError
from ..geodesy.projection import GEOD
from ..model import data, timeline, zones
from ..output import atomic_path
from .layers import (
    CURATED_KINDS,
    DIGITISED,
    FEATURE_STYLES,
    HELD_COLOUR,
    OVERLAYS,
    STATUS_COLOURS,
    UNKNOWN_STATUS_COLOUR,
    Layer,
    accuracy_halo,
    date_label,
    drawn_layers,
    line_label,
    no_line_text,
)
from .palette import EVENT_TYPE_COLOURS, OTHER_EVENT_TYPE_COLOUR

FIGURE_FORMATS = ("png", "svg", "pdf")

#: Margin around the Idlib de-escalation area, in degrees of the plot frame (not a metric buffer).
FRAME_MARGIN_DEG = 0.12

LAND = {"Syria": "#fbfaf6", "default": "#eeeeea"}

SEA = "#dfeaf2"

#: The footer of every figure: how the geometry was made and where it comes from.
FOOTER = (
    f"Geometry approximate: {DIGITISED}, stated accuracy 3-10 km (see each feature's provenance).\n"
    "Buffers and areas are geodesic (WGS84). Sources: Sochi memorandum S/2018/852; Moscow protocol (PA-X 2273); "
    "OCHA COD-AB; Natural Earth; GeoNames. Made with zonemap."
)


def _plain(text: str) -> str:
    """Text shown literally by matplotlib (no mathtext from a ``$`` in data)."""
    return str(text).replace("$", r"\$")


def _dashes(style: dict) -> str | tuple:
    pattern = style.get("dashArray")
    if not pattern:
        return "solid"
    return (0, tuple(float(x) / 2 for x in pattern.split()))


def _draw_layer(ax, layer: Layer) -> None:
    """Draw one layer with its Leaflet style translated to matplotlib."""
    base, frame = layer.style, layer.frame
    if "point" in base:
        point = base["point"]
        xy = shapely.get_coordinates(frame.geometry.to_numpy())
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=(point["radius"] * 1.3) ** 2,
            facecolor=point["fillColor"],
            edgecolor=point["color"],
            linewidth=0.6,
            zorder=6,
            gid=f"layer-{layer.key}",
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
            gid=f"layer-{layer.key}",
        )


def _inactive(layer: Layer) -> bool:
    """Whether every feature of a layer is a zone not in force on the date (drawn faded)."""
    return "_style" in layer.frame and bool(len(layer.frame)) and bool((layer.frame["_style"] == "inactive").all())


def _legend_handles(drawn: dict[str, Layer], lang: str = "en") -> list:
    handles = []
    for key, layer in drawn.items():
        style = layer.style
        label = textwrap.fill(_plain(layer.label), 34)
        if key == "outlines":
            continue
        if layer.kind == "point":
            point = style["point"]
            edge = point["color"]
            handles.append(
                Line2D([], [], linestyle="none", marker="o", markersize=point["radius"] * 1.1,
                       markerfacecolor=point["fillColor"], markeredgecolor=edge, label=label)
            )  # fmt: skip
        elif key == "dmz_edges":
            for _, edge in layer.frame.iterrows():
                inner = edge.get("edge") == "inner"
                text = f"DMZ {edge.get('edge', '')} edge ({edge.get('width_max_km', 0):g} km)"
                dashes = _dashes(FEATURE_STYLES["inner"]) if inner else "solid"
                handles.append(Line2D([], [], color=style["color"], linestyle=dashes, label=text))
        elif layer.kind == "line":
            handles.append(Line2D([], [], color=style["color"], linewidth=style["weight"] * 0.5,
                                  linestyle=_dashes(style), label=label))  # fmt: skip
        else:
            faded = _inactive(layer)
            opacity = FEATURE_STYLES["inactive"]["fillOpacity"] if faded else style["fillOpacity"]
            handles.append(Patch(facecolor=matplotlib.colors.to_rgba(style["color"], opacity),
                                 edgecolor=style["color"] if style.get("weight", 1) > 0 or faded else "none",
                                 linestyle=_dashes(FEATURE_STYLES["inactive"]) if faded else "solid",
                                 label=label))  # fmt: skip
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


def _locator(fig, frames, drawn, extent) -> None:
    """A small map of Syria with all four Astana areas and the main frame outlined."""
    inset = fig.add_axes((0.72, 0.09, 0.25, 0.25))
    countries = data.load_layer("countries")
    countries.plot(ax=inset, facecolor=LAND["default"], edgecolor="#999999", linewidth=0.3)
    countries[countries["name"] == "Syria"].plot(ax=inset, facecolor=LAND["Syria"], edgecolor="#555555", linewidth=0.5)
    for key in ("astana", "idlib"):
        style = drawn[key].style
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


@functools.cache
def matplotlib_orders_right_to_left() -> bool:
    """Whether the installed matplotlib lays out right-to-left text itself (bidi and shaping, e.g. libraqm in 3.11).

    Measured, not guessed from the version: two isolated Arabic letters, beh then alef (logical
    order), are drawn with the default font; if alef (the tall stroke) lands on the left, matplotlib
    reordered them as a right-to-left run, so it also joins the letters and must be given the logical
    text. Otherwise the text must be reshaped and put in visual order before it is drawn.

    Examples
    --------
    >>> isinstance(matplotlib_orders_right_to_left(), bool)
    True
    """
    fig = Figure(figsize=(1.5, 0.6), dpi=100)
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.25, "\ufe8f\ufe8d", fontsize=24)  # isolated beh, isolated alef
    fig.canvas.draw()
    ink = np.asarray(fig.canvas.buffer_rgba())[..., 0] < 128  # black text on white
    rows, cols = np.nonzero(ink)
    if not len(rows):
        return False
    top = cols[rows == rows.min()].mean()  # alef's top
    return bool(top < (cols.min() + cols.max()) / 2)


def _shaper(lang: str):
    """Text as matplotlib should be given it to draw it right: for Arabic, the logical text when
    matplotlib shapes and orders it itself (:func:`matplotlib_orders_right_to_left`), else reshaped
    (joined letter forms, arabic-reshaper) and in visual order (python-bidi)."""
    if lang != "ar" or matplotlib_orders_right_to_left():
        return _plain
    import arabic_reshaper
    from bidi import get_display

    return lambda text: _plain(get_display(arabic_reshaper.reshape(str(text))))


def _in_frame(xy: np.ndarray, extent) -> np.ndarray:
    return (xy[:, 0] > extent[0]) & (xy[:, 0] < extent[2]) & (xy[:, 1] > extent[1]) & (xy[:, 1] < extent[3])


def _place_labels(ax, drawn: dict[str, Layer], extent, shape) -> list:
    """Town names (curated towns and cities), observation post numbers and the names of the user's
    own lines and areas, placed without overlaps."""
    texts, anchors = [], []
    for key in ("towns", "posts"):
        if key not in drawn:
            continue
        frame = drawn[key].frame
        if key == "towns":
            frame = frame[frame["major"]] if "major" in frame else frame
            column, style = "label", {"fontsize": 6, "color": "#222222"}
        else:
            column, style = "number", {"fontsize": 6, "color": "#000000", "fontweight": "bold"}
            if column not in frame:
                continue
        xy = shapely.get_coordinates(frame.geometry.to_numpy())
        for (x, y), text in zip(xy[_in_frame(xy, extent)], frame.loc[_in_frame(xy, extent), column]):
            if text is None or (isinstance(text, float) and np.isnan(text)):
                continue
            texts.append(ax.text(x, y, shape(text), zorder=7, gid=f"label-{key}", **style))
            anchors.append((x, y))
    frame_box = shapely.box(*extent)
    for key in [k for k in drawn if k.startswith("user")]:  # the user's own lines and areas, by name
        for geom, name in zip(drawn[key].frame.geometry, drawn[key].frame["label"]):
            inside = shapely.intersection(geom, frame_box)
            if inside.is_empty:
                continue
            point = shapely.point_on_surface(inside)
            texts.append(ax.text(point.x, point.y, _plain(name), zorder=7, gid=f"label-{key}", fontsize=6.5,
                                 color=drawn[key].colour, fontweight="bold"))  # fmt: skip
            anchors.append((point.x, point.y))
    if texts:
        xy = np.array(anchors)
        adjust_text(texts, x=xy[:, 0], y=xy[:, 1], ax=ax, expand=(1.15, 1.3), ensure_inside_axes=True,
                    iter_lim=400, arrowprops={"arrowstyle": "-", "color": "#777777", "linewidth": 0.4})  # fmt: skip
    return texts


def _draw_incidents(ax, incidents, extent) -> list:
    """Incidents as dots: by ``dmz_status`` when present, else by ``event_type``; returns legend handles
    (counts in the frame), the last one saying how many lie outside the frame, when any do."""
    xy = shapely.get_coordinates(incidents.geometry.to_numpy())
    size, edge = (22, "#333333") if len(incidents) < 500 else ((6, "none") if len(incidents) < 5000 else (2, "none"))
    if "dmz_status" in incidents:
        groups = incidents["dmz_status"].astype("string").fillna("unknown").to_numpy()
        order = [k for k in STATUS_COLOURS if (groups == k).any()] + sorted(set(groups) - set(STATUS_COLOURS))
        colours = {**STATUS_COLOURS, **{k: UNKNOWN_STATUS_COLOUR for k in order if k not in STATUS_COLOURS}}
        label = "Incidents, DMZ {}".format
    elif "event_type" in incidents:
        types = incidents["event_type"].astype("string").fillna("unknown")
        top = types.value_counts().index[: len(EVENT_TYPE_COLOURS)].tolist()
        groups = np.where(types.isin(top), types, "other").astype(object)
        order = top + (["other"] if (groups == "other").any() else [])
        colours = dict(zip(top, EVENT_TYPE_COLOURS)) | {"other": OTHER_EVENT_TYPE_COLOUR}
        label = "Incidents: {}".format
    else:
        groups, order, label = np.full(len(incidents), "all", dtype=object), ["all"], (lambda _: "Incidents")
        colours = {"all": UNKNOWN_STATUS_COLOUR}
    handles = []
    for group in order:
        chosen = groups == group
        count = int(chosen.sum())
        ax.scatter(xy[chosen, 0], xy[chosen, 1], s=size, color=colours[group], edgecolor=edge, linewidth=0.4, alpha=0.9,
                   zorder=5, gid=f"incidents-{group}", rasterized=count > 5000)  # fmt: skip
        inside = int((chosen & _in_frame(xy, extent)).sum())
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=4, markerfacecolor=colours[group],
                              markeredgecolor="none", label=_plain(f"{label(group)} ({inside:,})")))  # fmt: skip
    outside = int((~_in_frame(xy, extent)).sum())
    if outside:
        text = f"{outside:,} incidents outside the frame, not drawn"
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=4, markerfacecolor="none",
                              markeredgecolor="#777777", label=text))  # fmt: skip
    return handles


def _base_map(ax, extent) -> None:
    ax.set_facecolor(SEA)
    countries, outline = data.load_layer("countries"), OVERLAYS["outlines"][1]["color"]
    for _, country in countries.iterrows():
        colour = LAND.get(country["name"], LAND["default"])
        countries.loc[[country.name]].plot(ax=ax, facecolor=colour, edgecolor=outline, linewidth=0.6, zorder=1)
    data.load_layer("governorates").plot(ax=ax, facecolor="none", edgecolor="#aaaaaa", linewidth=0.4, zorder=2)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect(1 / math.cos(math.radians((extent[1] + extent[3]) / 2)))


def _idlib_extent() -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = data.de_escalation_area("idlib").total_bounds
    return (minx - FRAME_MARGIN_DEG, miny - FRAME_MARGIN_DEG, maxx + FRAME_MARGIN_DEG, maxy + FRAME_MARGIN_DEG)


def _subtitle(drawn: dict[str, Layer], as_of, source=None, date_column: str = "as_of") -> str:
    """The line under the title: which zones are drawn (as of a date: those in force then)."""
    if as_of is None:
        return "Idlib de-escalation area, M4 corridor (Moscow, 5 Mar 2020) and the Astana zones"
    names = {"idlib": "Idlib de-escalation area", "dmz": "Sochi DMZ", "m4_corridor": "M4 corridor",
             "astana": "Astana areas"}  # fmt: skip
    active = [name for key, name in names.items() if key in drawn and not _inactive(drawn[key])]
    shown = date_label(as_of)
    zones_text = ", ".join(active) if active else "no zone"
    line = (f"line in force: {date_label(drawn['line_as_of'].frame['as_of'].iloc[0])}" if "line_as_of" in drawn
            else no_line_text(as_of, source, date_column) or "no dated contact line")  # fmt: skip
    return f"In force on {shown}: {zones_text}; {line}"


def zone_figure(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    symmetric: bool = False,
    corridor_km: float = zones.M4_CORRIDOR_KM,
    title: str | None = None,
    layers=None,
    colours: dict | None = None,
    user_layers=(),
    lang: str = "en",
    incidents=None,
    as_of=None,
    show_inactive: bool = False,
    timeline_source=None,
    timeline_date_column: str = "as_of",
) -> Figure:
    """The zones as a matplotlib Figure for reports (widths in km), framed on the Idlib area.

    Same layers, labels, colours and options as :func:`zonemap.zone_map`; the scale bar is
    geodesic; town names and observation post numbers are placed without overlaps (adjustText).

    Parameters
    ----------
    width_km, contact_line, symmetric, corridor_km
        The model options (km).
    title : str, optional
        The heading (default: what the DMZ is and which line it follows).
    layers, colours, user_layers, lang
        As for :func:`zonemap.render.layers.drawn_layers`; ``lang="ar"`` draws Arabic place names,
        shaped and ordered right to left (arabic-reshaper, python-bidi).
    incidents : geopandas.GeoDataFrame, optional
        Points drawn by ``dmz_status`` when present, else by ``event_type``, with counts in the legend.
    as_of, show_inactive, timeline_source, timeline_date_column
        The zones as of a date: those in force then, the line in force with its accuracy band and the
        opposition-held area (see :func:`zonemap.render.layers.drawn_layers`); the title says the date.

    Examples
    --------
    >>> fig = zone_figure()
    >>> fig.axes[0].get_title(loc="left").startswith("Sochi DMZ")
    True
    >>> zone_figure(as_of="2019-09-01").axes[0].get_title(loc="left").endswith("as of 1 Sep 2019")
    True
    """
    drawn = drawn_layers(width_km=width_km, contact_line=contact_line, symmetric=symmetric, corridor_km=corridor_km,
                         layers=layers, colours=colours, user_layers=user_layers, lang=lang, as_of=as_of,
                         show_inactive=show_inactive, timeline_source=timeline_source,
                         timeline_date_column=timeline_date_column)  # fmt: skip
    if "towns" in drawn and "kind" in drawn["towns"].frame:  # a report map shows the curated places only
        towns = drawn["towns"]
        curated = towns.frame[towns.frame["kind"].isin(CURATED_KINDS)].reset_index(drop=True)
        drawn["towns"] = Layer(towns.key, towns.label, towns.style, curated, towns.kind)
    extent = _idlib_extent()
    shape = _shaper(lang)
    fig = Figure(figsize=(11, 8.2), dpi=150, layout=None)
    ax = fig.add_axes((0.06, 0.09, 0.62, 0.8))
    _base_map(ax, extent)
    for key, layer in drawn.items():
        if key != "outlines":
            _draw_layer(ax, layer)
    handles = _legend_handles(drawn, lang)
    if incidents is not None and len(incidents):
        handles += _draw_incidents(ax, incidents, extent)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.1f}°E"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.1f}°N"))
    if "dmz" in drawn:
        low, high = zones._check_width_range(width_km)
        side = "both sides of" if symmetric else "the opposition side of"
        default_heading = f"{'Sochi DMZ' if drawn['dmz'].label.startswith('Sochi') else 'DMZ'} {low:g}–{high:g} km on {side} the {line_label(contact_line)}"  # noqa: E501
    else:
        default_heading = "Syrian de-escalation zones around Idlib"
    if as_of is not None:
        default_heading += f", as of {date_label(as_of)}"
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(_plain(title or default_heading), loc="left", fontsize=12, fontweight="bold", pad=16)
    subtitle = _subtitle(drawn, as_of, timeline_source, timeline_date_column)
    ax.text(0, 1.008, _plain(subtitle), transform=ax.transAxes, fontsize=8, color="#444444",
            va="bottom")  # fmt: skip
    scale_bar(ax)
    ax.text(0.985, 0.975, "N\n↑", transform=ax.transAxes, ha="center", va="top", fontsize=9, fontweight="bold")
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.7, 0.89), fontsize=7,
               frameon=False, title="Layers", title_fontsize=8, alignment="left")  # fmt: skip
    if {"astana", "idlib"} <= set(drawn):
        _locator(fig, {key: drawn[key].frame for key in ("astana", "idlib")}, drawn, extent)
    fig.text(0.06, 0.03, FOOTER, fontsize=6, color="#555555", va="bottom")
    FigureCanvasAgg(fig)  # attached after plotting (geopandas redraws a live canvas on every plot call)
    _place_labels(ax, drawn, extent, shape)  # measured with the renderer that draws the labels
    return fig


#: Size (inches) of one panel of :func:`timeline_figure` with its title, and of the text above and below.
PANEL_IN, HEADER_IN, FOOTER_IN = (3.6, 3.4), 1.0, 0.35


def timeline_figure(
    source=None, *, date_column: str = "as_of", ncols: int | None = None, ranges: bool = True
) -> Figure:
    """Small multiples of the Idlib pocket: one panel per dated contact line of :mod:`zonemap.model.timeline`.

    Each panel shows the Idlib de-escalation area, the part held by the opposition at the line's
    date (shaded), the line with its accuracy band (per stretch), and in its title the date
    and the opposition-held area in km² (geodesic); with ``ranges`` also its low–high bound when
    each line is moved by its stated accuracy (:func:`zonemap.model.timeline.timeline_table`; "no
    range" where the moved lines leave the area). ``ncols``: panels per row (default: 3 up to 12
    lines, else about a square; each panel keeps its size, the figure grows).

    Examples
    --------
    >>> fig = timeline_figure("hand")
    >>> fig.axes[0].get_title(loc="left").split(":")[0]
    '17 Sep 2018'
    """
    lines = timeline.load_timeline(source, date_column=date_column)
    table = timeline.timeline_table(lines, ranges=ranges)
    states = lines.states()
    ncols = ncols or (3 if len(states) <= 12 else math.ceil(math.sqrt(len(states))))
    nrows = math.ceil(len(states) / ncols)
    (panel_w, panel_h), fig_w = PANEL_IN, PANEL_IN[0] * ncols + 0.2
    fig_h = HEADER_IN + panel_h * nrows + FOOTER_IN
    fig = Figure(figsize=(fig_w, fig_h), dpi=150, layout=None)
    extent = _idlib_extent()
    area_style = OVERLAYS["idlib"][1]
    for index, (state, (_, row)) in enumerate(zip(states, table.iterrows())):
        r, c = divmod(index, ncols)
        left_in, bottom_in = 0.1 + c * panel_w + 0.05, FOOTER_IN + (nrows - 1 - r) * panel_h + 0.05
        ax = fig.add_axes((left_in / fig_w, bottom_in / fig_h, (panel_w - 0.1) / fig_w, (panel_h - 0.4) / fig_h))
        _base_map(ax, extent)
        ax.set_xlabel("")
        ax.set_ylabel("")
        gpd.GeoSeries([state.area.geometry], crs=data.WGS84).plot(
            ax=ax, facecolor="none", edgecolor=area_style["color"], linewidth=1.0, zorder=3)  # fmt: skip
        held, halo = matplotlib.colors.to_rgba(HELD_COLOUR, 0.35), matplotlib.colors.to_rgba("#000000", 0.12)
        gpd.GeoSeries([state.opposition], crs=data.WGS84).plot(ax=ax, facecolor=held, edgecolor="none", zorder=3)
        band = accuracy_halo(state.line.geometry, state.stretch_accuracy_km)
        gpd.GeoSeries([band], crs=data.WGS84).plot(ax=ax, facecolor=halo, edgecolor="none", zorder=4)
        gpd.GeoSeries([state.line.geometry], crs=data.WGS84).plot(ax=ax, color="#000000", linewidth=1.2, zorder=5)
        area = f"{row['opposition_km2']:,.0f} km²"
        if {"opposition_km2_low", "opposition_km2_high"} <= set(table.columns):
            low, high = row["opposition_km2_low"], row["opposition_km2_high"]
            area += " (no range)" if pd.isna(low) or pd.isna(high) else f" ({low:,.0f}–{high:,.0f})"
        date = pd.Timestamp(state.as_of).strftime("%-d %b %Y")
        ax.set_title(f"{date}: {area}", fontsize=8, loc="left")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
    shipped = {label for _, label in timeline.SHIPPED_TIMELINES.values()}
    which = f"Lines: {lines.label}. " if lines.label in shipped else ""
    fig.text(0.1 / fig_w, 1 - 0.35 / fig_h, "The Idlib pocket shrinking: opposition-held part of the Idlib"
             " de-escalation area by date", fontsize=11, fontweight="bold")  # fmt: skip
    fig.text(0.1 / fig_w, 1 - 0.6 / fig_h, f"{which}Shaded: opposition-held at the line's date, area in the title"
             " (geodesic km²; in brackets with each line moved by its stated accuracy); black: the contact line,"
             " grey band: its accuracy.", fontsize=7, color="#444444")  # fmt: skip
    fig.text(0.1 / fig_w, 0.05 / fig_h, FOOTER, fontsize=6, color="#555555", va="bottom")
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
