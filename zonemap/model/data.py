"""Load the shipped layers in ``geodata/`` and coerce users' own geometries to EPSG:4326.

Every shipped feature carries ``source``, ``as_of``, ``accuracy_km`` and ``notes``. Places are
found by any of their names (:func:`place`); points are given their OCHA governorate by
:func:`admin1_of`.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import threading
import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import ArgumentError, InputError

WGS84 = "EPSG:4326"

#: Shipped layer names, each a ``geodata/<name>.geojson`` file.
LAYERS = (
    "countries",
    "governorates",
    "de_escalation_areas",
    "contact_lines",
    "roads",
    "places",
)

#: Short keys for the dated contact lines, usable wherever a contact line is asked for.
CONTACT_LINE_KEYS = {"2018": "2018-09-17", "2020": "2020-03-05"}


def geodata_dir() -> Path:
    """The folder holding the shipped GeoJSON (inside the wheel, or ``geodata/`` in a checkout)."""
    here = Path(__file__).resolve().parents[1]  # the package: zonemap/
    for candidate in (here / "_geodata", here.parent / "geodata"):
        if (candidate / "places.geojson").is_file():
            return candidate
    raise FileNotFoundError(f"zonemap's geodata folder is missing (looked in {here})")


@functools.cache
def _read_layer(name: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(geodata_dir() / f"{name}.geojson")
    frame["as_of"] = frame["as_of"].dt.strftime("%Y-%m-%d")  # GDAL parses dates; keep ISO text
    return frame


def load_layer(name: str) -> gpd.GeoDataFrame:
    """One shipped layer as a GeoDataFrame in EPSG:4326 (a fresh copy each call).

    Examples
    --------
    >>> zones = load_layer("de_escalation_areas")
    >>> zones.crs.to_string(), "Idlib de-escalation area" in set(zones["name"])
    ('EPSG:4326', True)
    """
    if name not in LAYERS:
        raise InputError(f"unknown layer {name!r}; choose one of {', '.join(LAYERS)}")
    return _read_layer(name).copy()


def load_layers() -> dict[str, gpd.GeoDataFrame]:
    """Every shipped layer (GeoDataFrames in EPSG:4326), keyed by name.

    Examples
    --------
    >>> sorted(load_layers()) == sorted(LAYERS)
    True
    """
    return {name: load_layer(name) for name in LAYERS}


#: Arabic article particles (and their assimilated forms) left out when names are compared.
_ARTICLES = frozenset({"al", "el", "il", "ad", "adh", "an", "ar", "as", "ash", "at", "ath", "az", "ed", "es", "ez"})

#: Spelling variants of common name words, compared as one.
_WORD_VARIANTS = {"tall": "tel", "tal": "tel", "tell": "tel", "kfar": "kafr", "kafar": "kafr", "kefr": "kafr"}

_WORD_VARIANTS |= {"ayn": "ain", "ein": "ain", "jebel": "jabal", "jbel": "jabal"}

_LETTERS = str.maketrans({"ı": "i", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})


def fold_name(name: str) -> str:
    """A place name reduced to a key that its spelling variants share.

    Case, diacritics, apostrophes/ʿayn marks, hyphens and spaces, the article (``al-``, ``Al ``,
    ``ash-``, Arabic ``ال``…), doubled letters and a few word variants (Tell/Tall, Kafr/Kfar,
    Ain/Ayn) are ignored.

    Examples
    --------
    >>> fold_name("Ma‘arrat an Nu‘mān") == fold_name("Maarat al-Numan")
    True
    >>> fold_name("Jisr ash Shughūr"), fold_name("جِسْرُ ٱلشُّغُورِ") == fold_name("جسر الشغور")
    ('jisrshughur', True)
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().translate(_LETTERS)
    text = re.sub(r"['‘’ʿʾ`´]", "", text)
    words = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in re.findall(r"[^\W_]+", text)]
    words = [_WORD_VARIANTS.get(w, w) for w in words if w not in _ARTICLES] or words
    return re.sub(r"(.)\1+", r"\1", "".join(words))


@functools.cache
def _place_keys() -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Folded names to gazetteer rows: (own names, other names: aliases and Arabic)."""
    places = _read_layer("places")[["name", "aliases", "name_ar"]].fillna("")
    own: dict[str, list[int]] = {}
    other: dict[str, list[int]] = {}
    for i, (name, aliases, name_ar) in enumerate(zip(places["name"], places["aliases"], places["name_ar"])):
        own.setdefault(fold_name(name), []).append(i)
        for alias in [*aliases.split(";"), name_ar]:
            if alias.strip() and i not in other.setdefault(fold_name(alias), []):
                other[fold_name(alias)].append(i)
    return own, other


def place_row(name: str) -> int:
    """The gazetteer row (position in the ``places`` layer) a name or alias designates.

    Raises :class:`~zonemap.errors.InputError` naming near matches when no place has that name,
    or naming the candidates when an alias belongs to several places.

    Examples
    --------
    >>> load_layer("places")["name"].iloc[place_row("Saraqeb")]
    'Saraqib'
    """
    if not isinstance(name, str):
        raise ArgumentError(f"a place name must be text (str), not {type(name).__name__}: give one name at a time")
    key = fold_name(name)
    own, other = _place_keys()
    hits = own.get(key) or other.get(key, [])
    places = _read_layer("places")
    names = places["name"]
    if len(hits) > 1:  # a village's name designates the village, not the observation post named after it
        hits = [i for i in hits if places["kind"].iloc[i] != "observation_post"] or hits
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise InputError(f"{name!r} names several places ({', '.join(names.iloc[hits])}); give one of these names")
    near = difflib.get_close_matches(key, [*own, *other], n=8, cutoff=0.75) if key else []
    suggestions = list(dict.fromkeys(names.iloc[i] for k in near for i in own.get(k) or other[k]))[:5]
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise InputError(f"no place named {name!r} in the gazetteer{hint}")


def place(name: str) -> shapely.Point:
    """A gazetteer place's point (lon, lat), by its name or any alias (ACLED, GeoNames, Arabic…).

    The match ignores case, diacritics, the article and spelling details (see :func:`fold_name`);
    with no match the error suggests near names. Which place matched, by which spelling and how
    closely: :func:`zonemap.lookup` (its gazetteer row with ``matched``, ``match``, ``similarity``).

    Examples
    --------
    >>> round(place("Idlib").y, 3)
    35.931
    >>> place("Ma'arrat an-Nu'man") == place("معرة النعمان") == place("Maarat al-Numan")
    True
    """
    return _read_layer("places").geometry.iloc[place_row(name)]


def de_escalation_area(zone: str = "idlib") -> gpd.GeoDataFrame:
    """One Astana de-escalation area (``idlib``, ``northern_homs``, ``eastern_ghouta``, ``southern``), EPSG:4326.

    Examples
    --------
    >>> de_escalation_area("idlib")[["zone", "as_of"]].values.tolist()
    [['idlib', '2018-09-17']]
    """
    areas = load_layer("de_escalation_areas")
    hit = areas[areas["zone"] == zone]
    if hit.empty:
        raise InputError(f"unknown zone {zone!r}; choose one of {', '.join(areas['zone'])}")
    return hit.reset_index(drop=True)


def contact_line(which: str = "2018") -> gpd.GeoDataFrame:
    """A shipped contact line by year key (``"2018"``, ``"2020"``), ``as_of`` date or full name.

    Examples
    --------
    >>> contact_line("2020")["as_of"].iloc[0]
    '2020-03-05'
    """
    lines = load_layer("contact_lines")
    as_of = CONTACT_LINE_KEYS.get(which, which)
    hit = lines[(lines["as_of"] == as_of) | (lines["name"] == which)]
    if hit.empty:
        raise InputError(
            f"unknown contact line {which!r}; choose one of {', '.join(CONTACT_LINE_KEYS)}"
            " or give a file, GeoDataFrame or shapely line"
        )
    return hit.reset_index(drop=True)


def road(ref: str = "M4") -> gpd.GeoDataFrame:
    """A shipped road by reference (``"M4"`` or ``"M5"``), EPSG:4326.

    Examples
    --------
    >>> road("M4")["ref"].tolist()
    ['M4']
    """
    roads = load_layer("roads")
    hit = roads[roads["ref"] == ref]
    if hit.empty:
        raise InputError(f"unknown road {ref!r}; choose one of {', '.join(roads['ref'])}")
    return hit.reset_index(drop=True)


def read_geometries(obj, *, what: str) -> gpd.GeoDataFrame:
    """Bring a user's geometry (GeoDataFrame, GeoSeries, shapely geometry or file path) to EPSG:4326.

    A frame without CRS is refused (the CRS cannot be guessed); another CRS is reprojected.
    Coordinates outside lon -180..180 / lat -90..90 after that are refused, naming the row.

    Examples
    --------
    >>> from shapely import LineString
    >>> read_geometries(LineString([(36.6, 35.9), (36.8, 35.8)]), what="contact line").crs.to_epsg()
    4326
    """
    if isinstance(obj, BaseGeometry):
        frame = gpd.GeoDataFrame(geometry=[obj], crs=WGS84)
        source = f"the {what}"
    elif isinstance(obj, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=obj)
        source = f"the {what}"
    elif isinstance(obj, gpd.GeoDataFrame):
        frame = obj
        source = f"the {what}"
    elif isinstance(obj, (str, os.PathLike)):
        source = str(obj)
        frame = _read_geofile(Path(obj), what, source)
        if not isinstance(frame, gpd.GeoDataFrame):  # e.g. a CSV without a geometry column
            raise InputError(f"holds no geometries (expected the {what})", source=source)
    else:
        raise InputError(f"the {what} must be a GeoDataFrame, shapely geometry or file path")
    if frame.empty:
        raise InputError(f"holds no features (expected the {what})", source=source)
    if frame.crs is None:
        raise InputError("has no CRS; set one first (e.g. gdf.set_crs('EPSG:4326'))", source=source)
    frame = frame.to_crs(WGS84)
    _check_lon_lat(frame, source)
    return frame


#: Suffixes read as GeoParquet (with pyarrow, as zonemap reads GeoParquet incidents; not GDAL's driver).
PARQUET_SUFFIXES = (".parquet", ".geoparquet")


def _read_geofile(path: Path, what: str, source: str):
    """A user's geodata file as a frame; every way it can be unreadable is one line naming the file."""
    if not path.is_file():
        raise InputError(f"no such file (expected the {what})", source=source)
    if path.stat().st_size == 0:
        raise InputError(f"is empty (0 bytes; expected the {what})", source=source)
    if path.suffix.lower() in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
            if not schema.metadata or b"geo" not in schema.metadata:
                raise InputError(f"holds no GeoParquet geometry column (expected the {what})", source=source)
            return gpd.read_parquet(path)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 (pyarrow raises several types for damaged files)
            raise InputError(f"not a readable Parquet file ({_first_line(exc)})", source=source) from None
    try:
        with warnings.catch_warnings():  # GDAL keeps such a column as text; zonemap then judges the text
            warnings.filterwarnings("ignore", message=r"Could not parse column .* as JSON")
            return gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 (pyogrio raises several types; all mean "unreadable")
        reason = _first_line(exc)
        if "point array must contain 0 or >1 elements" in reason:
            feature = _one_vertex_feature(path)
            which = f"feature {feature} is" if feature else "a feature is"
            raise InputError(f"{which} a line with one vertex (a line needs two or more)", source=source) from None
        raise InputError(f"cannot read as geodata ({reason})", source=source) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _one_vertex_feature(path: Path) -> int | None:
    """The number (1-based) of the first feature whose geometry GEOS cannot make (a one-vertex line)."""
    import pyogrio

    try:
        geometries = pyogrio.raw.read(path, columns=[])[2]
    except Exception:  # noqa: BLE001 (the caller's message stands without a number)
        return None
    made = shapely.from_wkb(geometries, on_invalid="ignore")
    broken = np.flatnonzero(shapely.is_missing(made) & np.array([g is not None for g in geometries], dtype=bool))
    return int(broken[0]) + 1 if len(broken) else None


def _check_lon_lat(frame: gpd.GeoDataFrame, source: str) -> None:
    bounds = frame.geometry.bounds
    bad = (bounds["minx"] < -180) | (bounds["maxx"] > 180)
    bad |= (bounds["miny"] < -90) | (bounds["maxy"] > 90)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 1
        raise InputError("coordinates outside lon -180..180 / lat -90..90", source=source, row=row)


class _Governorates(threading.local):
    """OCHA governorates, each thread with its own prepared copies (GEOS geometries must not be
    queried from two threads at once; see :mod:`zonemap.geodesy.grid_index`)."""

    def __init__(self):
        frame = _read_layer("governorates")
        self.pcode = frame["pcode"].to_numpy(dtype=object)
        self.name_en = frame["name_en"].to_numpy(dtype=object)
        self.geometry = shapely.from_wkb(shapely.to_wkb(frame.geometry.to_numpy()))
        shapely.prepare(self.geometry)
        self.bounds = shapely.bounds(self.geometry)


_GOVERNORATES = None


def admin1_of(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """OCHA admin-1 P-code and English name of the governorate holding each point (lon/lat, degrees).

    Vectorised (``shapely.intersects_xy`` on prepared polygons after a bounding-box filter); safe to
    call from several threads. Points outside Syria get ``None``; a point on a shared edge gets the
    first governorate by P-code.

    Examples
    --------
    >>> pcode, name = admin1_of([36.6339, 37.1612, 40.0], [35.9306, 36.2012, 30.0])
    >>> pcode.tolist(), name.tolist()
    (['SY07', 'SY02', None], ['Idleb', 'Aleppo', None])
    """
    global _GOVERNORATES
    if _GOVERNORATES is None:
        _GOVERNORATES = _Governorates()
    govs = _GOVERNORATES
    lon, lat = np.asarray(lon, dtype=float).ravel(), np.asarray(lat, dtype=float).ravel()
    found = np.full(len(lon), -1, dtype=np.int64)
    for i, (polygon, (west, south, east, north)) in enumerate(zip(govs.geometry, govs.bounds)):
        check = np.flatnonzero((found < 0) & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
        if len(check):
            found[check[shapely.intersects_xy(polygon, lon[check], lat[check])]] = i
    pcode = np.where(found >= 0, govs.pcode[found], None)
    name = np.where(found >= 0, govs.name_en[found], None)
    return pcode, name
