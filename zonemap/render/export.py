"""Export every layer — shipped and modelled — to GeoJSON, GeoPackage or GeoParquet.

A GeoPackage opens styled in QGIS: each layer carries a human-readable identifier and description
(``gpkg_contents``), real DATE fields, and its default style (QML and SLD, the colours of the map,
field aliases) in the ``layer_styles`` table that QGIS reads on load.
"""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import ArgumentError
from ..model import data, timeline, zones
from ..model.dates import read_day
from ..output import atomic_path
from . import styles

FORMATS = ("geojson", "gpkg", "parquet")

#: Columns of QGIS's ``layer_styles`` table, in QGIS's order.
LAYER_STYLES_COLUMNS = (
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
)

#: GeoPackage 1.3, which QGIS 3.22 with GDAL 3.6 (Debian 12) reads without a version warning.
GPKG_DATASET_OPTIONS = {"VERSION": "1.3"}

ISO_DATE = r"\d{4}-\d{2}-\d{2}"


def all_layers(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    corridor_km: float = zones.M4_CORRIDOR_KM,
    as_of=None,
) -> dict[str, gpd.GeoDataFrame]:
    """Shipped layers plus the modelled ones (``sochi_dmz``, ``dmz_edges``, ``m4_corridor``) and the
    dated ones, EPSG:4326: ``contact_line_timeline`` (each dated line, in force from ``as_of`` until
    ``until``) and ``opposition_held`` (the opposition-held part of the Idlib area over the same periods).

    With ``as_of`` (a date): only the zones in force on it (:func:`zonemap.model.validity.in_force`),
    and the line and opposition-held area of that day.

    Examples
    --------
    >>> sorted(all_layers())[:3]
    ['contact_line_timeline', 'contact_lines', 'countries']
    >>> sorted(all_layers(as_of="2019-09-01"))  # no M4 corridor before 6 Mar 2020
    ... # doctest: +NORMALIZE_WHITESPACE
    ['contact_line_timeline', 'contact_lines', 'countries', 'de_escalation_areas', 'dmz_edges', 'governorates',
     'opposition_held', 'places', 'roads', 'sochi_dmz']
    """
    layers = data.load_layers()
    layers["sochi_dmz"] = zones.sochi_dmz(contact_line, width_km=width_km)
    layers["dmz_edges"] = zones.dmz_edges(contact_line, width_km=width_km)
    layers["m4_corridor"] = zones.m4_corridor(north_km=corridor_km, south_km=corridor_km)
    layers |= dated_layers()
    if as_of is None:
        return layers
    day = read_day(as_of, what="as_of")
    for name, zone in (("sochi_dmz", "sochi_dmz"), ("dmz_edges", "sochi_dmz"), ("m4_corridor", "m4_corridor")):
        if not timeline.in_force(zone, [day])[0]:
            del layers[name]
    areas = layers["de_escalation_areas"]
    layers["de_escalation_areas"] = areas[[bool(timeline.in_force(z, [day])[0]) for z in areas["zone"]]]
    index = int(timeline.line_index([day])[0])
    for name in ("contact_line_timeline", "opposition_held"):
        layers[name] = layers[name].iloc[[index]] if index >= 0 else layers[name].iloc[:0]
    return {name: frame.reset_index(drop=True) for name, frame in layers.items()}


def dated_layers(source=None, *, date_column: str = "as_of") -> dict[str, gpd.GeoDataFrame]:
    """The timeline as two layers a GIS steps through by date: ``contact_line_timeline`` and
    ``opposition_held``, each feature valid from ``as_of`` until ``until`` (exclusive: the line's
    ``valid_until``), with the line's ``accuracy_km``; built by :func:`zonemap.model.timeline.zones_as_of`.

    Examples
    --------
    >>> held = dated_layers()["opposition_held"]
    >>> held[["as_of", "until"]].iloc[0].tolist()
    ['2017-12-13', '2017-12-26']
    """
    tl = timeline.load_timeline(source, date_column=date_column)
    rows, held = [], []
    for state in tl.states():
        row = {"name": state.line.name, "as_of": state.as_of, "until": state.until, "source": state.line.source,
               "accuracy_km": state.accuracy_km}  # fmt: skip
        rows.append({**row, "geometry": state.line.geometry})
        held.append({**row, "name": f"Opposition-held, line of {state.as_of}", "geometry": state.opposition})
    return {
        "contact_line_timeline": gpd.GeoDataFrame(rows, geometry="geometry", crs=data.WGS84),
        "opposition_held": gpd.GeoDataFrame(held, geometry="geometry", crs=data.WGS84),
    }


def export_layers(path: str | os.PathLike, fmt: str, *, as_of=None, **model_options) -> dict[str, int]:
    """Write every layer to ``path``: one GeoPackage layer each, or one GeoJSON/GeoParquet file
    with a ``layer`` column. The file is written atomically. Returns feature counts per layer.

    ``as_of``: the layers as of that date (see :func:`all_layers`). A GeoPackage opens styled in
    QGIS, with the dated lines and held areas on QGIS's temporal controller (``as_of`` to ``until``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> counts = export_layers(pathlib.Path(tempfile.mkdtemp()) / "zones.geojson", "geojson")
    >>> counts["sochi_dmz"], counts["contact_line_timeline"]  # the lines of the evidence timeline
    (2, 118)
    """
    if fmt not in FORMATS:
        raise ArgumentError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    layers = all_layers(**model_options, as_of=as_of)
    with atomic_path(path) as tmp:
        if fmt == "gpkg":
            _write_geopackage(layers, tmp)
        else:
            combined = pd.concat([frame.assign(layer=name) for name, frame in layers.items()], ignore_index=True)
            combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=data.WGS84)
            if fmt == "geojson":
                combined.to_file(tmp, driver="GeoJSON")
            else:
                combined.to_parquet(tmp)
    return {name: len(frame) for name, frame in layers.items()}


def with_dates(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with every text column that holds only ISO dates (``YYYY-MM-DD``) as ``datetime.date``.

    Written with GDAL's Arrow path, such a column becomes a GeoPackage DATE field.

    Examples
    --------
    >>> import shapely
    >>> frame = gpd.GeoDataFrame({"as_of": ["2018-09-17"], "ref": ["M4"]}, geometry=[shapely.Point(36, 35)])
    >>> with_dates(frame)["as_of"].tolist(), with_dates(frame)["ref"].tolist()
    ([datetime.date(2018, 9, 17)], ['M4'])
    """
    converted = {}
    for column in frame.columns:
        values = frame[column]
        if column == frame.geometry.name or not (
            pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values)
        ):
            continue
        present = values.dropna()
        if len(present) and present.map(type).eq(str).all() and present.str.fullmatch(ISO_DATE).all():
            dates = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
            if dates[values.notna()].notna().all():  # every present value is a real calendar day
                converted[column] = pd.Series([d.date() if pd.notna(d) else None for d in dates],
                                              index=frame.index, dtype=object)  # fmt: skip
    return frame.assign(**converted)


def _geometry_kind(geometry_type: str) -> str | None:
    """``point``, ``line`` or ``polygon`` for a GDAL geometry type name (None for mixed or unknown)."""
    kinds = {"Point": "point", "LineString": "line", "Polygon": "polygon"}
    return kinds.get(geometry_type.removeprefix("Multi").removesuffix(" Z"))


def write_geopackage(layers: dict[str, gpd.GeoDataFrame], path: str | os.PathLike) -> None:
    """Write ``layers`` to a new GeoPackage, each with its title, DATE fields and default style.

    Written under a temporary name beside ``path`` and renamed over it when complete: a failure
    leaves any file already at ``path`` as it was.

    Layers named in :data:`zonemap.render.styles.LAYER_STYLES` get a row in ``layer_styles`` (QML and
    SLD, ``useAsDefault`` true), which QGIS applies when it opens the layer; other layers (and
    layers of mixed geometry kinds) are written unstyled.

    Examples
    --------
    >>> import tempfile, pathlib, sqlite3
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "zones.gpkg"
    >>> write_geopackage({"m4_corridor": zones.m4_corridor()}, path)
    >>> sqlite3.connect(path).execute("SELECT f_table_name, styleName FROM layer_styles").fetchall()
    [('m4_corridor', 'M4 security corridor (2020)')]
    """
    with atomic_path(path) as tmp:
        _write_geopackage(layers, tmp)


def _write_geopackage(layers: dict[str, gpd.GeoDataFrame], path) -> None:
    """:func:`write_geopackage` into ``path`` itself (a new file: the caller's temporary path)."""
    rows = []
    for name, frame in layers.items():
        spec = styles.LAYER_STYLES.get(name)
        options = {"IDENTIFIER": spec.title, "DESCRIPTION": spec.description} if spec else {}
        frame = with_dates(frame)
        frame.to_file(path, layer=name, driver="GPKG", promote_to_multi=True, use_arrow=True, layer_options=options,
                      dataset_options=GPKG_DATASET_OPTIONS)  # fmt: skip
        row = _style_row(path, name, spec) if spec else None
        if row is not None:
            rows.append(row)
    _write_styles(path, rows)


def _style_row(path, name: str, spec: styles.LayerStyle) -> dict | None:
    """The ``layer_styles`` row of layer ``name`` of the GeoPackage ``path`` (None for mixed geometry kinds)."""
    info = pyogrio.read_info(path, layer=name)
    kind = _geometry_kind(info["geometry_type"])
    if kind is None:
        return None
    return {
        "f_table_catalog": "",
        "f_table_schema": "",
        "f_table_name": name,
        "f_geometry_column": info["geometry_name"],
        "styleName": spec.title,
        "styleQML": styles.qml(spec, kind, list(info["fields"])),
        "styleSLD": styles.sld(spec, kind).replace("<se:Name>incidents</se:Name>", f"<se:Name>{name}</se:Name>", 1),
        "useAsDefault": True,
        "description": f"zonemap: {spec.description}, in the colours of the zonemap map",
        "owner": "",
        "ui": None,
        "update_time": pd.Timestamp.now(tz="UTC").floor("s"),  # GDAL writes it as 2026-01-02T03:04:05.000Z
    }


def _write_styles(path, rows: list[dict]) -> None:
    if rows:
        table = pd.DataFrame(rows, columns=list(LAYER_STYLES_COLUMNS))
        pyogrio.write_dataframe(table, path, layer="layer_styles", driver="GPKG", dataset_options=GPKG_DATASET_OPTIONS)


def style_incidents(path: str | os.PathLike, layer: str = "incidents") -> None:
    """Give the incidents layer of a GeoPackage zonemap wrote its default QGIS style: points by
    ``dmz_status`` and the temporal controller on ``event_day`` (the DATE field of exact days).

    Examples
    --------
    >>> import tempfile, pathlib, sqlite3, zonemap
    >>> from zonemap.incidents.write import write_incidents
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.gpkg"
    >>> write_incidents(zonemap.classify(zonemap.synthetic_incidents(5, seed=1)), path)
    >>> style_incidents(path)
    >>> sqlite3.connect(path).execute("SELECT styleName FROM layer_styles").fetchall()
    [('Incidents by DMZ status',)]
    """
    spec = styles.INCIDENTS_STYLE
    fields = pyogrio.read_info(path, layer=layer)["fields"]
    if "dmz_status" not in fields:
        spec = styles.LayerStyle(spec.title, spec.description, (styles.Rule("Incident", "incidents_unknown"),),
                                 temporal=spec.temporal)  # fmt: skip
    row = _style_row(path, layer, spec)
    _write_styles(path, [row] if row else [])
