"""Build the dated contact-line timeline and the zones' validity dates from their sources.

Inputs (``geodata/sources/``):

- ``contact_lines_timeline.lines.csv``: one row per dated line (``line_date``, ``name``,
  ``accuracy_km``, ``notes``, ``valid_until``: the first day the line no longer stands for, which
  is the next line's date or the day after the last date reports show the front unchanged, and
  ``until_reports``: the reports that show it held that long, required when ``valid_until`` is not
  the next line's date);
- ``contact_lines_timeline.vertices.csv``: the vertices of each line in order (``line_date``,
  ``order``, ``lon``, ``lat`` (both blank: the western end of the shipped lines, which
  ``geodata/build.py`` snaps to the Turkish border), what the vertex ``marks``, who held what there (``control``), the
  ``reports`` behind it as ids of the reports table, the vertex's ``accuracy_km``);
- ``contact_lines_timeline.reports.csv``: the dated reports (``report`` id, ``publisher``,
  ``date``, ``title``, ``url``, ``notes``);
- ``zone_validity.csv``: when each zone came into force and ended, with the reports that say so.

Outputs (``geodata/``): ``contact_line_timeline.geojson`` (one LineString per date, with
``name``, ``as_of``, ``valid_until``, ``source``, ``until_source``, ``accuracy_km``, ``notes`` and
``vertices``, the vertex list with what each marks and its ``accuracy_km``) and
``zone_validity.json``. The lines dated like a line of
``contact_lines.geojson`` must repeat it vertex for vertex (6 decimals); the build stops if not.
Every line must be simple (no self-crossing) and cut the Idlib de-escalation area in two.

Run ``python geodata/build_timeline.py`` (or ``make geodata``); same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
LINES_CSV = SOURCES / "contact_lines_timeline.lines.csv"
VERTICES_CSV = SOURCES / "contact_lines_timeline.vertices.csv"
REPORTS_CSV = SOURCES / "contact_lines_timeline.reports.csv"
VALIDITY_CSV = SOURCES / "zone_validity.csv"
TIMELINE_OUT = HERE / "contact_line_timeline.geojson"
VALIDITY_OUT = HERE / "zone_validity.json"
SHIPPED_LINES = HERE / "contact_lines.geojson"


class BuildError(Exception):
    """An input row cannot be used; the message names the file, row and problem."""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _iso(text: str, where: str, *, partial: bool = False) -> str:
    """A date as ISO text; ``partial`` allows YYYY-MM (a report dated to the month)."""
    try:
        if partial and len(text) == 7:
            date.fromisoformat(text + "-01")
        else:
            date.fromisoformat(text)
    except ValueError:
        raise BuildError(f"{where}: not an ISO date: {text!r}") from None
    return text


def _positive(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BuildError(f"{where}: accuracy_km is not a number: {text!r}") from None
    if not value > 0:
        raise BuildError(f"{where}: accuracy_km must be positive, got {text!r}")
    return value


def read_reports() -> dict[str, dict[str, str]]:
    reports = {}
    for number, row in enumerate(_rows(REPORTS_CSV), start=2):
        where = f"{REPORTS_CSV.name}: row {number}"
        if row["report"] in reports:
            raise BuildError(f"{where}: report id {row['report']!r} repeated")
        _iso(row["date"], where, partial=True)
        reports[row["report"]] = row
    return reports


def citation(report: dict[str, str]) -> str:
    """``Publisher, date, "title", url`` for one report."""
    text = f'{report["publisher"]}, {report["date"]}, "{report["title"]}"'
    return f"{text}, {report['url']}" if report["url"] else text


def _report_ids(text: str, reports, where: str) -> list[str]:
    ids = [part.strip() for part in text.split(";") if part.strip()]
    if not ids:
        raise BuildError(f"{where}: no report given")
    for report_id in ids:
        if report_id not in reports:
            raise BuildError(f"{where}: unknown report {report_id!r} (not in {REPORTS_CSV.name})")
    return ids


def shipped_lines() -> dict[str, list[list[float]]]:
    """The coordinates of the shipped contact lines (6 decimals), by ``as_of``."""
    features = json.loads(SHIPPED_LINES.read_text())["features"]
    return {
        f["properties"]["as_of"]: [[round(x, 6), round(y, 6)] for x, y in f["geometry"]["coordinates"]]
        for f in features
    }


def shipped_western_end() -> tuple[float, float]:
    """The shipped lines' common western end on the Turkish border."""
    ends = {tuple(coords[0]) for coords in shipped_lines().values()}
    if len(ends) != 1:
        raise BuildError(f"the shipped contact lines do not share one western end ({sorted(ends)})")
    return ends.pop()


def read_lines(reports) -> list[dict]:
    lines = {}
    western_end = shipped_western_end()
    for number, row in enumerate(_rows(LINES_CSV), start=2):
        where = f"{LINES_CSV.name}: row {number}"
        as_of = _iso(row["line_date"], where)
        if as_of in lines:
            raise BuildError(f"{where}: line date {as_of} repeated")
        valid_until = _iso(row["valid_until"], where)
        if valid_until <= as_of:
            raise BuildError(f"{where}: valid_until {valid_until} is not after line_date {as_of}")
        until_reports = _report_ids(row["until_reports"], reports, where) if row["until_reports"].strip() else []
        lines[as_of] = {
            **row,
            "as_of": as_of,
            "valid_until": valid_until,
            "until_reports": until_reports,
            "accuracy_km": _positive(row["accuracy_km"], where),
            "vertices": [],
        }
    for number, row in enumerate(_rows(VERTICES_CSV), start=2):
        where = f"{VERTICES_CSV.name}: row {number}"
        as_of = _iso(row["line_date"], where)
        if as_of not in lines:
            raise BuildError(f"{where}: line date {as_of} is not in {LINES_CSV.name}")
        if not row["lon"] and not row["lat"]:
            lon, lat = western_end
        else:
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except ValueError:
                raise BuildError(f"{where}: lon/lat not numbers: {row['lon']!r}, {row['lat']!r}") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BuildError(f"{where}: coordinates outside lon/lat range: {lon}, {lat}")
        vertex = {
            "order": int(row["order"]),
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "marks": row["marks"],
            "control": row["control"],
            "reports": _report_ids(row["reports"], reports, where),
            "accuracy_km": _positive(row["accuracy_km"], where),
        }
        lines[as_of]["vertices"].append(vertex)
    out = []
    for as_of in sorted(lines):
        line = lines[as_of]
        orders = [v["order"] for v in line["vertices"]]
        if orders != list(range(len(orders))):
            raise BuildError(f"{VERTICES_CSV.name}: line {as_of}: vertex order must run 0, 1, 2, ... in file order")
        if len(orders) < 2:
            raise BuildError(f"{VERTICES_CSV.name}: line {as_of} has fewer than two vertices")
        out.append(line)
    for line, following in zip(out, out[1:] + [None]):
        where = f"{LINES_CSV.name}: line {line['as_of']}"
        if following is not None and line["valid_until"] > following["as_of"]:
            raise BuildError(
                f"{where}: valid_until {line['valid_until']} is after the next line ({following['as_of']})"
            )
        if (following is None or line["valid_until"] != following["as_of"]) and not line["until_reports"]:
            raise BuildError(
                f"{where}: valid_until {line['valid_until']} is not the next line's date: give until_reports"
            )
    return out


def check_shipped(lines) -> None:
    """Lines dated like a shipped contact line must repeat it exactly."""
    shipped = shipped_lines()
    for line in lines:
        theirs = shipped.get(line["as_of"])
        if theirs is None:
            continue
        ours = [[v["lon"], v["lat"]] for v in line["vertices"]]
        if ours != theirs:
            raise BuildError(
                f"line {line['as_of']} differs from the shipped {SHIPPED_LINES.name} line of that date;"
                " copy its vertices into the timeline sources"
            )


def check_geometry(lines) -> None:
    """Each line is simple and cuts the Idlib area in two (through zonemap's own checks)."""
    sys.path.insert(0, str(HERE.parent))
    import shapely

    from zonemap.model import zones

    for line in lines:
        geometry = shapely.LineString([(v["lon"], v["lat"]) for v in line["vertices"]])
        try:
            zones.opposition_side(geometry)
        except Exception as exc:  # the zonemap error names the problem; add the date
            raise BuildError(f"line {line['as_of']}: {exc}") from None


def line_feature(line, reports) -> dict:
    used = []
    for vertex in line["vertices"]:
        used += [r for r in vertex["reports"] if r not in used]
    vertices = [
        {
            "order": v["order"],
            "marks": v["marks"],
            "control": v["control"],
            "reports": v["reports"],
            "accuracy_km": v["accuracy_km"],
        }
        for v in line["vertices"]
    ]
    return {
        "type": "Feature",
        "properties": {
            "name": line["name"],
            "as_of": line["as_of"],
            "valid_until": line["valid_until"],
            "source": "zonemap digitisation through places whose control at the date dated reports state: "
            + "; ".join(citation(reports[r]) for r in used),
            "until_source": "; ".join(citation(reports[r]) for r in line["until_reports"]),
            "accuracy_km": line["accuracy_km"],
            "notes": line["notes"],
            "vertices": json.dumps(vertices, ensure_ascii=False),
        },
        "geometry": {"type": "LineString", "coordinates": [[v["lon"], v["lat"]] for v in line["vertices"]]},
    }


def read_validity(reports) -> list[dict]:
    out = []
    for number, row in enumerate(_rows(VALIDITY_CSV), start=2):
        where = f"{VALIDITY_CSV.name}: row {number}"
        valid_from = _iso(row["valid_from"], where)
        valid_to = _iso(row["valid_to"], where) if row["valid_to"] else None
        if valid_to is not None and valid_to <= valid_from:
            raise BuildError(f"{where}: valid_to {valid_to} is not after valid_from {valid_from}")
        record = {
            "zone": row["zone"],
            "valid_from": valid_from,
            "valid_to": valid_to,
            "from_event": row["from_event"],
            "from_sources": [citation(reports[r]) for r in _report_ids(row["from_reports"], reports, where)],
            "to_event": row["to_event"] or None,
            "to_sources": (
                [citation(reports[r]) for r in _report_ids(row["to_reports"], reports, where)] if valid_to else []
            ),
            "notes": row["notes"],
        }
        out.append(record)
    return out


def build() -> None:
    reports = read_reports()
    lines = read_lines(reports)
    check_shipped(lines)
    check_geometry(lines)
    collection = {"type": "FeatureCollection", "features": [line_feature(line, reports) for line in lines]}
    TIMELINE_OUT.write_text(json.dumps(collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    validity = {
        "about": "When each zone was in force: from valid_from (inclusive) up to, not including, valid_to"
        " (null: no end known). Dates are calendar days.",
        "zones": read_validity(reports),
    }
    VALIDITY_OUT.write_text(json.dumps(validity, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TIMELINE_OUT.name} ({len(lines)} lines) and {VALIDITY_OUT.name} ({len(validity['zones'])} zones)")


if __name__ == "__main__":
    try:
        build()
    except BuildError as exc:
        sys.exit(f"build_timeline: {exc}")
