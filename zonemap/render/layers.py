"""What the map and the static figure draw: each layer's features, legend label and style.

One place decides the layers so the interactive map (:mod:`zonemap.render.maps`) and the report figure
(:mod:`zonemap.render.figure`) always show the same thing. Every legend label comes from the options
actually used (widths, contact line, corridor depth, the user's own files), never from defaults.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ArgumentError
from ..geodesy.projection import LocalProjection
from ..model import data, timeline, zones
from ..model.areas import geodesic_area_km2
from ..model.dates import read_day

#: Overlay key -> (label, style). Styles are Leaflet path options; ``point`` styles circle markers.
#: The labels here are those of the default options; :func:`drawn_layers` words them for the options used.
OVERLAYS = {
    "outlines": ("Country and governorate outlines", {"color": "#686860", "weight": 1, "fill": False}),
    "astana": (
        "Astana de-escalation areas: Homs, Ghouta, south (2017)",
        {"color": "#4d9221", "weight": 2, "fillOpacity": 0.08},
    ),
    "idlib": ("Idlib de-escalation area (2017-18)", {"color": "#b8860b", "weight": 3, "fillOpacity": 0.04}),
    "dmz": ("Sochi DMZ 15-20 km (2018)", {"color": "#d62728", "weight": 0, "fillOpacity": 0.18}),
    "dmz_edges": ("Sochi DMZ edges: inner dashed, outer solid", {"color": "#8b0000", "weight": 2, "fill": False}),
    "held": (
        "Opposition-held area on the date",
        {"color": "#35978f", "weight": 2, "fillOpacity": 0.1, "dashArray": "1 4"},
    ),
    "halo": ("Contact line accuracy band", {"color": "#787880", "weight": 0, "fillOpacity": 0.16}),
    "line_2018": ("Contact line, Sep 2018", {"color": "#d62728", "weight": 4, "fill": False}),
    "line_2020": ("Contact line, Mar 2020", {"color": "#6a3d9a", "weight": 4, "fill": False}),
    "contact_line": ("Contact line (user-supplied)", {"color": "#e7298a", "weight": 4, "fill": False}),
    "line_as_of": ("Contact line in force on the date", {"color": "#000000", "weight": 4, "fill": False}),
    "m4_corridor": ("M4 security corridor (2020)", {"color": "#1f77b4", "weight": 1, "fillOpacity": 0.25}),
    "roads": ("M4 and M5 roads", {"color": "#202828", "weight": 2, "dashArray": "6 4", "fill": False}),
    "towns": (
        "Towns",
        {"point": {"radius": 4, "color": "#000000", "fillColor": "#ffffff", "fillOpacity": 1, "weight": 1}},
    ),
    "posts": (
        "Turkish observation posts (numbered as by SOHR)",
        {"point": {"radius": 6, "color": "#000000", "fillColor": "#17becf", "fillOpacity": 1, "weight": 1.5}},
    ),
}

#: Per-feature style overrides, chosen in Python by ``_style``.
#: ``inactive``: a zone not in force on the date, drawn only when asked for (``show_inactive``): faded, dashed.
FEATURE_STYLES = {
    "inner": {"dashArray": "8 6"},
    "outer": {},
    "inner_band": {"fillOpacity": 0.28},
    "inactive": {"fillOpacity": 0.04, "opacity": 0.5, "dashArray": "3 5", "weight": 1},
}

#: Validity record (:mod:`zonemap.model.validity`) of each layer drawn only while its zone is in force.
LAYER_VALIDITY = {"idlib": "idlib", "dmz": "sochi_dmz", "dmz_edges": "sochi_dmz", "m4_corridor": "m4_corridor"}

#: Colours of the user's own lines and areas (``user1``, ``user2``, ...), in turn: none is the
#: user-supplied contact line's pink, and each differs from every other meaning's colour by a
#: CIEDE2000 ΔE of 10 or more (:mod:`zonemap.render.palette`).
USER_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#70b018", "#e6ab02")

#: Incident colours by ``dmz_status`` (see :mod:`zonemap.model.uncertainty`), on the map and the figure:
#: used for nothing else (no zone, line, place or cluster icon is orange, pale yellow or dark grey).
STATUS_COLOURS = {"inside": "#ff7f00", "uncertain": "#fee08b", "outside": "#4d4d4d"}

#: Incidents with no ``dmz_status`` (and statuses zonemap does not know).
UNKNOWN_STATUS_COLOUR = "#999999"

#: Fill of the opposition-held area on the date chosen (map) and in each timeline panel (figure).
HELD_COLOUR = OVERLAYS["held"][1]["color"]

#: Place kinds labelled at low zoom (curated towns and cities); other places only when zoomed in.
MAJOR_KINDS = ("city", "town")

#: zonemap's curated places (the gazetteer's other rows are GeoNames ``populated_place``): the figure
#: draws these only, the map shows the others when zoomed in.
CURATED_KINDS = ("city", "town", "village")

LANGUAGES = ("en", "ar")

#: How the contact lines were made, in the words of geodata/README.md (map legend and figure footer).
DIGITISED = "contact lines digitised by zonemap through places reported on the front at each date"

_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


@dataclass(frozen=True)
class Layer:
    """One drawn layer: its key, legend label (from the options used), style and features (EPSG:4326).

    ``kind`` is ``area``, ``line`` or ``point`` (how the legend draws its swatch). Each feature has
    a ``label`` column: the text shown on the map and the figure, in the chosen language.
    """

    key: str
    label: str
    style: dict
    frame: gpd.GeoDataFrame
    kind: str

    @property
    def colour(self) -> str:
        """The swatch colour: the fill of a point symbol, else the stroke colour."""
        return self.style["point"]["fillColor"] if "point" in self.style else self.style["color"]


def default_layers() -> tuple[str, ...]:
    """The keys drawn when none are chosen: every overlay (the user's files are added to them).

    Examples
    --------
    >>> default_layers()[:3]
    ('outlines', 'astana', 'idlib')
    """
    return tuple(OVERLAYS)


def line_label(contact_line) -> str:
    """How the legend names the DMZ's contact line: the year of a shipped line, else its name.

    Examples
    --------
    >>> line_label("2020"), line_label(None)
    ('2020 contact line', '2018 contact line')
    """
    if contact_line is None or (isinstance(contact_line, str) and contact_line in data.CONTACT_LINE_KEYS):
        return f"{contact_line or '2018'} contact line"
    return f"contact line “{zones.as_line(contact_line).name}”"


def dmz_label(width_km=zones.SOCHI_WIDTH_KM, contact_line="2018", symmetric: bool = False) -> str:
    """Legend text of the DMZ bands for the options used (widths in km).

    Examples
    --------
    >>> dmz_label()
    'Sochi DMZ 15-20 km, opposition side of the 2018 contact line'
    >>> dmz_label((10, 25), "2020")
    'DMZ 10-25 km, opposition side of the 2020 contact line'
    """
    low, high = zones._check_width_range(width_km)
    sochi = (low, high) == tuple(zones.SOCHI_WIDTH_KM) and not symmetric and line_label(contact_line).startswith("2018")
    widths = f"{low:g} km" if low == high else f"{low:g}-{high:g} km"
    side = "both sides" if symmetric else "opposition side"
    return f"{'Sochi DMZ' if sochi else 'DMZ'} {widths}, {side} of the {line_label(contact_line)}"


def accuracy_halo(line, accuracy_km) -> shapely.Geometry:
    """The band within ``accuracy_km`` (km) of a lon/lat line, built in a local metric projection.

    ``accuracy_km`` is one number, or one per vertex of a LineString: then the band's width follows
    the accuracy of each stretch, interpolated between its vertices (each segment's band is the hull
    of the circles at its ends).

    Examples
    --------
    >>> band = accuracy_halo(shapely.LineString([(36.0, 35.9), (37.1066, 35.9)]), 5)
    >>> import math  # 99.9 km long, 2 x 5 km wide, round ends
    >>> abs(float(geodesic_area_km2(band)) - (99.9 * 10 + math.pi * 5**2)) < 1
    True
    >>> tapered = accuracy_halo(shapely.LineString([(36.0, 35.9), (37.1066, 35.9)]), [5, 1])
    >>> round(float(geodesic_area_km2(tapered)))  # 99.9 × (10 + 2) / 2 km², and half circles of 5 and 1 km
    640
    """
    values = np.asarray(accuracy_km, dtype=float)
    if values.ndim == 0:
        if not accuracy_km or accuracy_km <= 0 or not np.isfinite(accuracy_km):
            return shapely.Polygon()
        proj = LocalProjection.around(line)
        return proj.to_lonlat(shapely.buffer(proj.to_metric(line), accuracy_km * 1000, quad_segs=8))
    if len(values) != len(shapely.get_coordinates(line)) or not (np.isfinite(values) & (values > 0)).all():
        raise ArgumentError("accuracy_km per vertex needs one positive number for each vertex of the line")
    proj = LocalProjection.around(line)
    return proj.to_lonlat(zones.variable_band_m(shapely.get_coordinates(proj.to_metric(line)), values * 1000))


def _check_colour(key: str, colour: str) -> str:
    if not isinstance(colour, str) or not _COLOUR.fullmatch(colour):
        raise ArgumentError(f"colour of {key!r} must be #rrggbb or #rgb, got {colour!r}")
    if len(colour) == 4:
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return colour.lower()


def _recolour(style: dict, colour: str | None) -> dict:
    if colour is None:
        return style
    if "point" in style:
        return {**style, "point": {**style["point"], "fillColor": colour}}
    return {**style, "color": colour}


def _place_labels(places: gpd.GeoDataFrame, lang: str) -> pd.Series:
    names = places["name"].astype(str)
    if lang == "ar" and "name_ar" in places:
        arabic = places["name_ar"].astype("string")
        names = arabic.where(arabic.notna() & (arabic.str.strip() != ""), names).astype(str)
    return names


def _user_layer(obj, index: int) -> tuple[gpd.GeoDataFrame, str]:
    """A user's file or frame of lines/areas with a ``name`` per feature; returns it and its legend name."""
    frame = data.read_geometries(obj, what="layer to draw").reset_index(drop=True)
    title = Path(obj).stem if isinstance(obj, (str, os.PathLike)) else f"User layer {index}"
    if "name" not in frame:
        frame["name"] = [f"{title} {i + 1}" for i in range(len(frame))] if len(frame) > 1 else [title]
    frame["name"] = frame["name"].astype("string").fillna(title).astype(str)
    return frame, title


def date_label(date) -> str:
    """A date as legends and titles write it (``1 Sep 2019``), read by :func:`zonemap.model.dates.read_day`.

    Examples
    --------
    >>> date_label("2019-09-01")
    '1 Sep 2019'
    """
    day = read_day(date, what="as_of").astype(object)  # a datetime.date: any year 1-9999
    return f"{day.day} {day:%b %Y}"


def no_line_text(as_of, source=None, date_column: str = "as_of") -> str | None:
    """Why no contact line is drawn as of ``as_of`` (one line, for titles and legends), or None when one is.

    Examples
    --------
    >>> no_line_text("2025-01-01")
    'no contact line: after the zones ended on 2024-12-08'
    >>> no_line_text("2019-09-01") is None
    True
    """
    why = timeline.load_timeline(source, date_column=date_column).why_no_line(as_of)
    return None if why is None else f"no contact line: {why}"


def _line_of_date(day, frames: dict, labels: dict, wanted: set, source, date_column: str) -> None:
    """The contact line in force on ``day`` (``line_as_of``) and the opposition-held area then (``held``)."""
    if int(timeline.line_index([day], source, date_column=date_column)[0]) < 0:
        return  # before the timeline's first line: no line and no held area to draw, said in the legend
    state = timeline.zones_as_of(day, source, date_column=date_column)
    shown = date_label(day)
    dates = {"as_of": state.as_of, "until": state.until, "source": state.line.source}
    if "line_as_of" in wanted:
        frames["line_as_of"] = gpd.GeoDataFrame([{"name": state.line.name, **dates, "accuracy_km": state.accuracy_km}],
                                                geometry=[state.line.geometry], crs=data.WGS84)  # fmt: skip
        labels["line_as_of"] = f"Contact line in force on {shown} (line of {date_label(state.as_of)})"
    if "held" in wanted:
        frames["held"] = gpd.GeoDataFrame([{"name": f"Opposition-held on {shown}", **dates,
                                            "accuracy_km": state.accuracy_km}],
                                          geometry=[state.opposition], crs=data.WGS84)  # fmt: skip
        labels["held"] = f"Opposition-held part of the Idlib area on {shown}"


def _zones_on_date(day, frames: dict, labels: dict, show_inactive: bool) -> None:
    """Keep the zones in force on ``day`` (:func:`zonemap.model.validity.in_force`); with ``show_inactive``
    the others stay, styled ``inactive`` and labelled "not in force"."""
    shown = date_label(day)
    for key in [k for k in ("astana", *LAYER_VALIDITY) if k in frames]:
        frame = frames[key]
        zone_keys = frame["zone"] if key == "astana" else pd.Series(LAYER_VALIDITY[key], index=frame.index)
        active = np.array([bool(timeline.in_force(z, [day])[0]) for z in zone_keys], dtype=bool)
        if key == "astana":
            labels[key] = f"Astana de-escalation areas in force on {shown}" if active.any() else labels[key]
        if active.all():
            continue
        if not show_inactive:
            frames[key] = frame[active]
            continue
        frames[key] = frame.assign(_style=np.where(active, frame.get("_style", "outer"), "inactive"))
        if not active.any():
            labels[key] = f"{labels[key]}: not in force on {shown}"
    if "posts" in frames and "established" in frames["posts"]:
        posts = frames["posts"]
        manned = _surely_established(posts["established"], day)
        if "withdrawn" in posts:
            manned &= ~_possibly_withdrawn(posts["withdrawn"], day)
        end = timeline.zones_end()
        if end is not None and read_day(day) >= end:  # posts of an agreement that had ended: nothing to show
            manned[:] = False
        frames["posts"] = posts[manned]
        if not manned.all():
            label = labels.get("posts", OVERLAYS["posts"][0])
            labels["posts"] = f"{label}, manned on {shown} ({int((~manned).sum())} not yet or no longer)"


def _surely_established(text: pd.Series, day) -> np.ndarray:
    """Whether each observation post was surely set up by ``day``, from ``established`` as written in
    geodata (``2018-02-15``, ``2018-05 (~9 May)``, ``2017-10/11``): a month counts from its end (no day
    is invented), a ``/`` range from the end of its last month; unreadable text counts as not known.

    Examples
    --------
    >>> _surely_established(pd.Series(["2018-02-15", "2017-10/11", "2018-05 (~9 May)"]), "2017-12-01").tolist()
    [False, True, False]
    """
    parts = text.astype("string").str.extract(r"^(\d{4})-(\d{2})(?:-(\d{2})|/(\d{2}))?")
    year, month = pd.to_numeric(parts[0]), pd.to_numeric(parts[3].fillna(parts[1]))
    start = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}), errors="coerce")
    ready = (start + pd.offsets.MonthBegin(1)).where(parts[2].isna(), start + pd.to_timedelta(
        pd.to_numeric(parts[2]) - 1, unit="D"))  # fmt: skip
    return ready.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]") <= read_day(day)  # NaT: False


def _possibly_withdrawn(text: pd.Series, day) -> np.ndarray:
    """Whether each observation post may have been withdrawn by ``day``, from ``withdrawn`` as written in
    geodata (the earliest report: ``2020-10-19``, or ``2020-11`` counted from the month's first day, so
    a post is never shown on a day it may already have gone); empty: never reported withdrawn.

    Examples
    --------
    >>> _possibly_withdrawn(pd.Series(["2020-10-19", "2020-11", None]), "2020-11-01").tolist()
    [True, True, False]
    """
    parts = text.astype("string").str.extract(r"^(\d{4}-\d{2})(-\d{2})?")
    first = (parts[0] + parts[1].fillna("-01")).astype(object).where(parts[0].notna(), None)
    start = pd.to_datetime(pd.Series(first, dtype=object), format="%Y-%m-%d", errors="coerce")
    return start.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]") <= read_day(day)  # NaT: False


def _kind(style: dict) -> str:
    return "point" if "point" in style else ("line" if style.get("fill") is False else "area")


def drawn_layers(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    symmetric: bool = False,
    corridor_km: float = zones.M4_CORRIDOR_KM,
    layers=None,
    colours: dict | None = None,
    user_layers=(),
    lang: str = "en",
    as_of=None,
    show_inactive: bool = False,
    timeline_source=None,
    timeline_date_column: str = "as_of",
) -> dict[str, Layer]:
    """The layers to draw, in drawing order, each labelled for the options used.

    Parameters
    ----------
    width_km, contact_line, symmetric, corridor_km
        The model options (widths in km) as for :func:`zonemap.sochi_dmz` and :func:`zonemap.m4_corridor`.
    layers : sequence of str, optional
        Keys of ``OVERLAYS`` to draw (default: all). The shipped 2018/2020 lines are drawn as
        ``line_2018``/``line_2020``; a contact line from a file is drawn as ``contact_line``
        with its own name. ``halo`` is each drawn line's stated accuracy (± ``accuracy_km``).
    colours : dict, optional
        Layer key -> ``#rrggbb`` colour (user layers are ``user1``, ``user2``, ...).
    user_layers : sequence
        The user's own lines or areas (files or GeoDataFrames), drawn with their features' names.
    lang : {"en", "ar"}
        Language of place labels (Arabic from the gazetteer's ``name_ar``; English where absent).
    as_of : date, optional
        Draw the zones as of this date: only the zones in force on it (:func:`zonemap.model.validity.in_force`;
        Astana areas one by one, observation posts once established), the contact line in force on it
        (``line_as_of``, instead of the shipped 2018/2020 lines) with its accuracy band, and the
        opposition-held part of the Idlib area then (``held``); the labels say the date.
    show_inactive : bool
        With ``as_of``: also draw the zones not in force on the date, faded and labelled "not in force".
    timeline_source, timeline_date_column
        The dated lines ``as_of`` reads (default: shipped; see :func:`zonemap.model.timeline.load_timeline`).

    Returns
    -------
    dict of str to Layer
        Only the layers that have something to draw: the legend lists exactly these.

    Examples
    --------
    >>> drawn = drawn_layers(width_km=(10, 25), contact_line="2020", layers=["dmz", "line_2020", "towns"])
    >>> list(drawn), drawn["dmz"].label
    (['dmz', 'line_2020', 'towns'], 'DMZ 10-25 km, opposition side of the 2020 contact line')
    """
    if lang not in LANGUAGES:
        raise ArgumentError(f"label language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    chosen = list(default_layers() if layers is None else layers)
    unknown = [key for key in chosen if key not in OVERLAYS]
    if unknown:
        raise ArgumentError(f"unknown layer {unknown[0]!r}; choose from {', '.join(OVERLAYS)}")
    shipped = contact_line is None or (isinstance(contact_line, str) and contact_line in data.CONTACT_LINE_KEYS)
    wanted = set(chosen)
    colours = {key: _check_colour(key, colour) for key, colour in (colours or {}).items()}
    layer_data = data.load_layers()
    frames: dict[str, gpd.GeoDataFrame] = {}
    labels = {key: label for key, (label, _) in OVERLAYS.items()}
    if "outlines" in wanted:
        outlines = pd.concat([layer_data["countries"], layer_data["governorates"]], ignore_index=True)
        frames["outlines"] = gpd.GeoDataFrame(outlines, crs=data.WGS84)
    if wanted & {"astana", "idlib"}:
        areas = layer_data["de_escalation_areas"]
        areas = areas.assign(area_km2=geodesic_area_km2(areas.geometry))
        frames["astana"] = areas[areas["zone"] != "idlib"]
        frames["idlib"] = areas[areas["zone"] == "idlib"]
    if "dmz" in wanted:
        dmz = zones.sochi_dmz(contact_line, width_km=width_km, symmetric=symmetric).iloc[::-1]  # widest first
        frames["dmz"] = dmz.assign(_style=["outer", "inner_band"] if len(dmz) == 2 else ["outer"] * len(dmz))
        labels["dmz"] = dmz_label(width_km, contact_line, symmetric)
    if "dmz_edges" in wanted:
        edges = zones.dmz_edges(contact_line, width_km=width_km, symmetric=symmetric)
        frames["dmz_edges"] = edges.assign(_style=edges["edge"])
        low, high = zones._check_width_range(width_km)
        labels["dmz_edges"] = (
            f"DMZ edge at {high:g} km" if low == high else f"DMZ edges: {low:g} km dashed, {high:g} km solid"
        )
    lines = layer_data["contact_lines"]
    line_frames = {
        "line_2018": lines[lines["as_of"] == data.CONTACT_LINE_KEYS["2018"]],
        "line_2020": lines[lines["as_of"] == data.CONTACT_LINE_KEYS["2020"]],
    }
    for key, frame in line_frames.items():
        if key in wanted and as_of is None:  # as of a date: the line in force then, not the shipped two
            frames[key] = frame
    if as_of is not None:
        _line_of_date(read_day(as_of, what="as_of"), frames, labels, wanted, timeline_source, timeline_date_column)
    if "contact_line" in wanted and not shipped:
        feature = zones.as_line(contact_line)
        frames["contact_line"] = gpd.GeoDataFrame(
            [{"name": feature.name, "as_of": feature.as_of, "source": feature.source,
              "accuracy_km": feature.accuracy_km}],
            geometry=[feature.geometry], crs=data.WGS84,
        )  # fmt: skip
        labels["contact_line"] = f"Contact line: {feature.name}"
    if "halo" in wanted:
        drawn_lines = [frames[k] for k in ("line_2018", "line_2020", "contact_line", "line_as_of") if k in frames]
        rows = []
        for frame in drawn_lines:
            for _, row in frame.iterrows():
                accuracy = float(row.get("accuracy_km", np.nan))
                if np.isfinite(accuracy) and accuracy > 0:
                    rows.append({"name": f"± {accuracy:g} km around {row['name']}", "as_of": row.get("as_of"),
                                 "source": row.get("source"), "accuracy_km": accuracy,
                                 "geometry": accuracy_halo(row.geometry, accuracy)})  # fmt: skip
        if rows:
            frames["halo"] = gpd.GeoDataFrame(rows, crs=data.WGS84)
            accuracies = sorted({r["accuracy_km"] for r in rows})
            span = f"{accuracies[0]:g}" if len(accuracies) == 1 else f"{accuracies[0]:g}-{accuracies[-1]:g}"
            labels["halo"] = f"Contact line accuracy (± {span} km)"
    if "m4_corridor" in wanted:
        frames["m4_corridor"] = zones.m4_corridor(north_km=corridor_km, south_km=corridor_km)
        labels["m4_corridor"] = f"M4 security corridor, {corridor_km:g} km each side (2020)"
    if "roads" in wanted:
        frames["roads"] = layer_data["roads"]
    places = layer_data["places"]
    if "towns" in wanted:
        frames["towns"] = places[places["kind"] != "observation_post"]
    if "posts" in wanted:
        posts = places[places["kind"] == "observation_post"]
        if "sohr_no" in posts:
            posts = posts.sort_values("sohr_no", kind="stable")
        frames["posts"] = posts
    if as_of is not None:
        _zones_on_date(read_day(as_of, what="as_of"), frames, labels, show_inactive)
    result: dict[str, Layer] = {}
    for key in OVERLAYS:
        if key not in frames or key not in wanted or frames[key].empty:
            continue
        frame = frames[key].reset_index(drop=True)
        if key in ("towns", "posts"):
            frame = frame.assign(label=_place_labels(frame, lang).to_numpy())
            if key == "posts" and "sohr_no" in frame:
                numbers = pd.to_numeric(frame["sohr_no"], errors="coerce")
                frame["number"] = [None if pd.isna(n) else str(int(n)) for n in numbers]
                frame["name"] = [
                    name if n is None else f"No. {n}: {name}" for n, name in zip(frame["number"], frame["name"])
                ]
            kinds = frame["kind"] if "kind" in frame else pd.Series("town", index=frame.index)
            frame["major"] = kinds.isin(MAJOR_KINDS).to_numpy()
            frame["curated"] = kinds.isin(CURATED_KINDS).to_numpy()
        elif "name" in frame:
            frame = frame.assign(label=frame["name"].astype(str))
        style = OVERLAYS[key][1]
        result[key] = Layer(key, labels[key], _recolour(style, colours.pop(key, None)), frame, _kind(style))
    for index, obj in enumerate(user_layers or (), start=1):
        key = f"user{index}"
        frame, title = _user_layer(obj, index)
        polygonal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any()
        base = USER_COLOURS[(index - 1) % len(USER_COLOURS)]
        style = (
            {"color": base, "weight": 3, "fillOpacity": 0.15}
            if polygonal
            else {"color": base, "weight": 3, "fill": False}
        )
        frame = frame.assign(label=frame["name"])
        result[key] = Layer(key, title, _recolour(style, colours.pop(key, None)), frame, _kind(style))
    if colours:
        raise ArgumentError(f"colour given for {next(iter(colours))!r}, which is not drawn; drawn: {', '.join(result)}")
    return result


def overlay_frames(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    symmetric: bool = False,
    corridor_km: float = zones.M4_CORRIDOR_KM,
) -> dict[str, gpd.GeoDataFrame]:
    """Every default overlay as a GeoDataFrame in EPSG:4326, keyed and ordered as drawn.

    Widths are in km. Areas carry ``area_km2`` (geodesic); a ``_style`` column names a
    per-feature style in ``FEATURE_STYLES`` (DMZ inner band, inner/outer edge).

    Examples
    --------
    >>> frames = overlay_frames()
    >>> frames["dmz_edges"]["_style"].tolist()
    ['inner', 'outer']
    """
    drawn = drawn_layers(width_km=width_km, contact_line=contact_line, symmetric=symmetric, corridor_km=corridor_km)
    return {key: layer.frame for key, layer in drawn.items()}
