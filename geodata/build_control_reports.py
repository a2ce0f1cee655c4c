"""Build ``geodata/control_reports.csv`` from the compiled research files in ``sources/control_reports/``.

Run from the repository root: ``python geodata/build_control_reports.py``. Deterministic: the same
sources give the same bytes.

Each row of a period file is one dated public report of one place's control (see
``geodata/README.md``). The build keeps every row (disagreeing sources stay separate rows) and:

1. fills missing coordinates, best first, from ``geocoded_places.csv`` (places placed from a cited
   description), then from the gazetteer ``places.geojson`` (names and aliases), then from GeoNames
   ``geonames_cities1000_region.csv``; names are matched with :func:`zonemap.model.data.fold_name`,
   only when the name designates one point (a name with two different positions is left unplaced);
2. names the gazetteer place (``gazetteer_name``) and its GeoNames id where the gazetteer has one;
3. keeps rows it cannot place, with empty lon/lat and ``placed`` = false: they stay in the data,
   unused by the estimator, and are counted;
4. gives every row its ``side_basis`` (:func:`side_basis`: how the report knows the side) and
   ``capture`` (:func:`is_capture`: the report says the reported side took the place that day);
5. applies ``corrections.csv`` (one row per corrected field: report id, place, field, value,
   reason), each recorded in the row's ``notes``: wrong homonyms and generic points unplaced,
   dates set per the cited page, ``side_basis`` set by hand where the sample check named the row.

It prints the count of reports, placed reports per year and unplaced rows.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from zonemap.model.data import fold_name  # noqa: E402

SOURCES = HERE / "sources" / "control_reports"
PERIODS = [
    "period_2017_2018.csv",
    "period_2019.csv",
    "period_2019_12_2020_01.csv",
    "period_2020_02_03.csv",
    "period_2020_2024.csv",
]
HEADER = "place,lon,lat,coord_source,coord_accuracy_km,date,date_to,side,outlet,report_date,title,url,evidence,notes"
OUT_COLUMNS = [
    "report_id",
    "place",
    "gazetteer_name",
    "geonameid",
    "lon",
    "lat",
    "placed",
    "coord_source",
    "coord_accuracy_km",
    "date",
    "date_to",
    "side",
    "side_basis",
    "capture",
    "outlet",
    "report_date",
    "title",
    "url",
    "evidence",
    "notes",
    "compiled_in",
]
#: Accuracy (km) of a GeoNames cities1000 point for a village or town (as in places.geojson).
GEONAMES_KM = 1.0
#: Rows of a period file whose name is a *different* place from the one geocoded_places.csv placed
#: (its notes say so): (file, place, a word of the row's coord_source).
NOT_THE_GEOCODED_PLACE = {("period_2020_2024.csv", "Kafr Basin", "Aleppo")}

#: Words saying who holds or took a place (evidence or title): the report states the side.
HOLDS = re.compile(
    r"captur|\btook\b|taken|take[ns]? (full )?control|seiz|liberat|regain|retook|retake|recaptur|reclaim|recover|"
    r"restor|\bousted|control|-held|held by|\bheld\b|\bholds?\b|stronghold|\bentered|storm|secur|withdr|evacuat|"
    r"\bfell\b|overr[au]n|in (the )?hands|handed|surrender|reconcil|freed|\bfree[sd]?\b|expel|cleared|occupied|"
    r"deployed inside|administration|thwart|rebuff|repel|retreat|besieg|encircl|pocket"
)
#: Words of a strike on the place (shelling, air strikes): alone they only suggest the other side holds it.
STRIKES = re.compile(
    r"shell|strike|struck|air ?raid|\braids?\b|bomb|barrel|artillery|rocket|missile|mortar|warplane|targeted|"
    r"\bhit\b|pound|pummel|\bfired\b|killed|wounded|injur"
)
#: A note saying the side was inferred from a strike, or only implied by context.
NOTE_STRIKE = re.compile(
    r"(implied|inferred)[^.;]*(shell|strike|bomb|target)|(shell|strike|bomb)[^.;]*(implied|inferred)"
)
NOTE_IMPLIED = re.compile(r"anchor \(implied\)|weak anchor: inferred|side (is )?implied")
#: A capture of the place that day by the reported side, from the other side (evidence).
CAPTURED = re.compile(
    r"\b(captur(ed|es)|took|taken|seiz(ed|es)|liberat(ed|es)|regain(ed|s)|retook|recaptur(ed|es)|reclaim(ed|s)|"
    r"recover(ed|s)|ousted|overr(an|un)|fell to|cleared|took control|established control|imposed (full )?control)\b"
)
#: Not a capture that day from the other side: attempts, earlier or later captures, fights between factions
#: of one side or with third parties (IS, SDF).
NOT_CAPTURED = re.compile(
    r"attempt|push to|failed|trying|tried|\baim|target|next|\bbid\b|rebuff|thwart|repel|before|prior|until|"
    r"still|earlier|recently|lost|short-lived|took over|\bis\b|isis|sdf|zenki|zinki|rival|not yet|unclear"
)
SIDE_BASES = ("explicit", "implied", "inferred_from_strike")
CORRECTED_FIELDS = {"lon", "lat", "coord_source", "coord_accuracy_km", "date", "date_to", "side_basis"}


def side_basis(row: dict) -> str:
    """How the report knows the side: ``explicit``, ``implied`` or ``inferred_from_strike``.

    The rule, in order, on the row's own text (lower case): a note saying the side was inferred
    from a strike -> ``inferred_from_strike``; a note saying it is only implied -> ``implied``; the
    evidence or title saying who holds or took the place (:data:`HOLDS`) -> ``explicit``; the
    evidence naming only a strike on it (:data:`STRIKES`) -> ``inferred_from_strike``; anything
    else (next target, supply route, a convoy, an attack) -> ``implied``.
    """
    notes, text = row["notes"].lower(), f"{row['evidence']} {row['title']}".lower()
    if NOTE_STRIKE.search(notes):
        return "inferred_from_strike"
    if NOTE_IMPLIED.search(notes):
        return "implied"
    if HOLDS.search(text):
        return "explicit"
    if STRIKES.search(row["evidence"].lower()):
        return "inferred_from_strike"
    return "implied"


def is_capture(row: dict) -> bool:
    """The report says its side took the place from the other side that day (so the other side held it before).

    Rule: side ``government`` or ``opposition``, ``side_basis`` explicit, the evidence uses a verb of
    capture (:data:`CAPTURED`) and none of :data:`NOT_CAPTURED` (attempts, captures earlier or
    later than the report's day, fights within one side or with IS or the SDF).
    """
    evidence = row["evidence"].lower()
    return (
        row["side"] in ("government", "opposition")
        and row["side_basis"] == "explicit"
        and bool(CAPTURED.search(evidence))
        and not NOT_CAPTURED.search(evidence)
    )


def corrections() -> list[dict]:
    """The corrections (``sources/control_reports/corrections.csv``), checked: known fields and values."""
    with open(SOURCES / "corrections.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, c in enumerate(rows, start=2):
        if c["field"] not in CORRECTED_FIELDS or (c["field"] == "side_basis" and c["value"] not in SIDE_BASES):
            raise SystemExit(f"corrections.csv: line {i}: cannot set {c['field']!r} to {c['value']!r}")
    return rows


def apply_corrections(rows: list[dict], fixes: list[dict]) -> None:
    """Apply each correction to its report (the place must match); ``lon`` empty: the report is not placed.

    Each corrected row's ``notes`` end with "Corrected: <reason>" (one per reason).
    """
    by_id = {r["report_id"]: r for r in rows}
    for c in fixes:
        row = by_id.get(c["report_id"])
        if row is None or row["place"] != c["place"]:
            raise SystemExit(f"corrections.csv: {c['report_id']} is not a report of {c['place']!r}")
        if c["field"] == "lon" and not c["value"]:
            row.update(lon="", lat="", coord_accuracy_km="", coord_source=f"not placed (corrected): {c['reason']}")
        else:
            row[c["field"]] = c["value"]
        if c["reason"]:
            row["notes"] = f"{row['notes']} Corrected: {c['reason']}.".strip()


def _unique_points(pairs) -> dict[str, tuple[float, float, str]]:
    """Folded name -> (lon, lat, label) where every entry of that name gives the same point (within 1 km)."""
    found: dict[str, list[tuple[float, float, str]]] = {}
    for name, lon, lat, label in pairs:
        if name.strip():
            found.setdefault(fold_name(name), []).append((lon, lat, label))
    out = {}
    for key, points in found.items():
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        if (max(lons) - min(lons)) < 0.01 and (max(lats) - min(lats)) < 0.01:
            out[key] = points[0]
    return out


def gazetteer() -> tuple[dict, dict]:
    """Folded names to points: (places.geojson names and aliases, GeoNames cities1000)."""
    places = json.loads((HERE / "places.geojson").read_text(encoding="utf-8"))["features"]
    pairs = []
    for f in places:
        p = f["properties"]
        if p.get("kind") == "observation_post":
            continue
        lon, lat = f["geometry"]["coordinates"]
        geonameid = re.search(r"geonameid (\d+)", p.get("source") or "")
        label = (p["name"], geonameid.group(1) if geonameid else "", p.get("accuracy_km") or GEONAMES_KM)
        for name in [p["name"], *(p.get("aliases") or "").split(";")]:
            pairs.append((name, lon, lat, label))
    with open(HERE / "sources" / "geonames_cities1000_region.csv", encoding="utf-8", newline="") as f:
        geonames = [(r["name"], float(r["lon"]), float(r["lat"]), r["name"]) for r in csv.DictReader(f)]
    return _unique_points(pairs), _unique_points(geonames)


def geocoded() -> dict[str, list[dict]]:
    """Folded name -> the rows of ``geocoded_places.csv`` of that name (two villages may fold alike)."""
    out: dict[str, list[dict]] = {}
    with open(SOURCES / "geocoded_places.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(fold_name(r["place"]), []).append(r)
    return out


def read_period(name: str) -> list[dict]:
    path = SOURCES / name
    with open(path, encoding="utf-8", newline="") as f:
        header = f.readline().strip()
        if header != HEADER:
            raise SystemExit(f"{path}: header differs from the research format")
        f.seek(0)
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows, start=2):
        if row["side"] not in {"government", "opposition", "contested"}:
            raise SystemExit(f"{path}: line {i}: side {row['side']!r}")
        row["compiled_in"] = name
    return rows


def place_row(row: dict, places: dict, geonames: dict, coded: dict) -> dict:
    """The row with coordinates filled (or not) and its gazetteer name."""
    key = fold_name(re.sub(r"\(.*?\)", "", row["place"]))
    hit = places.get(key)
    out = dict(row, gazetteer_name=hit[2][0] if hit else "", geonameid=hit[2][1] if hit else "")
    if row["lon"] and row["lat"]:
        return out
    skip = any(
        row["compiled_in"] == f and row["place"] == p and w in row["coord_source"] for f, p, w in NOT_THE_GEOCODED_PLACE
    )
    # a qualified name ("Mushayrifah (SE Idlib)") takes only a geocoded row of that name: homonyms differ
    coded_key = fold_name(row["place"]) if "(" in row["place"] else key
    # of villages whose names fold alike ("Umm Tinah", "Umm al-Tinah"), the one of the same spelling
    rows = coded.get(coded_key, [])
    c = next((r for r in rows if r["place"] == row["place"]), rows[0] if len(rows) == 1 else None)
    if rows and c is None:  # never a guess between two villages
        names = ", ".join(repr(r["place"]) for r in rows)
        raise SystemExit(f"geocoded_places.csv: {names} fold like the report's {row['place']!r}, none spelled so")
    if c is not None and not skip:
        return out | {
            "lon": c["lon"],
            "lat": c["lat"],
            "coord_accuracy_km": c["coord_accuracy_km"],
            "coord_source": f"geocoded_places.csv: {c['coord_source']}",
        }
    if hit:
        return out | {
            "lon": f"{hit[0]:.5f}",
            "lat": f"{hit[1]:.5f}",
            "coord_accuracy_km": f"{hit[2][2]:g}",
            "coord_source": f"places.geojson ({hit[2][0]}); research note: {row['coord_source']}",
        }
    if key in geonames:
        g = geonames[key]
        return out | {
            "lon": f"{g[0]:.5f}",
            "lat": f"{g[1]:.5f}",
            "coord_accuracy_km": f"{GEONAMES_KM:g}",
            "coord_source": f"GeoNames cities1000 ({g[2]}); research note: {row['coord_source']}",
        }
    return out


def build() -> list[dict]:
    places, geonames = gazetteer()
    coded = geocoded()
    rows = [place_row(r, places, geonames, coded) for name in PERIODS for r in read_period(name)]
    for i, row in enumerate(rows, start=1):
        row["report_id"] = f"R{i:04d}"
        row["date_to"] = row["date_to"] or row["date"]
        row["side_basis"] = side_basis(row)
    apply_corrections(rows, corrections())
    for row in rows:
        row["placed"] = "true" if row["lon"] and row["lat"] else "false"
        row["capture"] = "true" if is_capture(row) else "false"
    return rows


def main() -> None:
    rows = build()
    out = HERE / "control_reports.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, OUT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: row[k] for k in OUT_COLUMNS} for row in rows)
    placed = [r for r in rows if r["placed"] == "true"]
    years = Counter(r["date"][:4] for r in placed)
    print(f"wrote {len(rows)} reports to {out.name}: {len(placed)} placed, {len(rows) - len(placed)} not placed")
    print("placed reports per year: " + ", ".join(f"{y} {n}" for y, n in sorted(years.items())))
    bases = Counter(r["side_basis"] for r in rows)
    print("side_basis: " + ", ".join(f"{b} {bases[b]}" for b in SIDE_BASES))
    print(f"captures: {sum(r['capture'] == 'true' for r in rows)}")


if __name__ == "__main__":
    main()
