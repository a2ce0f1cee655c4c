"""The ``zonemap`` command line: ``zonemap areas``, ``export``, ``map``, ``figure`` and ``incidents``.

Errors a user can fix print one line on stderr and exit with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from . import export, figure, incidents, maps, measure, summary, zones
from .errors import ArgumentError, ZonemapError, ZonemapWarning


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints usage as well by default)
        raise ArgumentError(message)


def _positive_km(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of km: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"width must be a positive number of km, got {text}")
    return value


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--width-km",
        nargs=2,
        type=_positive_km,
        metavar=("MIN", "MAX"),
        default=list(zones.SOCHI_WIDTH_KM),
        help="Sochi DMZ depth in km, min and max (default 15 20)",
    )
    parser.add_argument(
        "--contact-line", default="2018", help="contact line for the DMZ: 2018, 2020 or a file (default 2018)"
    )
    parser.add_argument(
        "--corridor-km",
        type=_positive_km,
        default=zones.M4_CORRIDOR_KM,
        help="M4 corridor depth each side of the road in km (default 6)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zonemap", description="Model and map the Syrian de-escalation zones.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    areas = commands.add_parser("areas", help="print the geodesic area table (km²)")
    _add_model_options(areas)
    areas.add_argument("--json", action="store_true", help="print a JSON list of {zone, area_km2, official_km2}")
    exporter = commands.add_parser("export", help="write every layer to one file")
    _add_model_options(exporter)
    exporter.add_argument("--format", required=True, choices=export.FORMATS)
    exporter.add_argument("-o", "--output", required=True, metavar="PATH")
    mapper = commands.add_parser("map", help="write the interactive Leaflet map (HTML)")
    _add_model_options(mapper)
    mapper.add_argument("-o", "--output", required=True, metavar="PATH.html")
    _add_symmetric(mapper)
    mapper.add_argument("--incidents", metavar="FILE", help="add incidents (CSV/ACLED, GeoJSON, GeoParquet)")
    _add_reading_options(mapper)
    mapper.add_argument(
        "--self-contained",
        action="store_true",
        help="inline Leaflet and plugins so the file opens with no network; starts on 'No tiles'",
    )
    drawing = commands.add_parser("figure", help="write the static report figure (PNG, SVG or PDF; matplotlib)")
    _add_model_options(drawing)
    drawing.add_argument("-o", "--output", required=True, metavar="PATH.png|svg|pdf")
    _add_symmetric(drawing)
    drawing.add_argument("--title", help="figure title (default: what the DMZ is and which line it follows)")
    drawing.add_argument("--dpi", type=int, default=200, help="resolution of a PNG in dots per inch (default 200)")
    events = commands.add_parser("incidents", help="classify incidents against the zones and summarise them")
    events.add_argument("file", metavar="FILE", help="CSV (e.g. an ACLED export), GeoJSON, GeoParquet or a folder")
    _add_model_options(events)
    events.add_argument(
        "-o", "--output", required=True, metavar="OUT.csv|geojson|parquet",
        help="with --engine dask: OUT.parquet becomes a folder of GeoParquet parts, one per input file",
    )  # fmt: skip
    events.add_argument("--rejects", metavar="PATH.csv", help="write rejected rows with their reasons")
    events.add_argument("--summary", metavar="PATH.csv", help="write counts and fatalities per zone and month")
    events.add_argument("--by-event-type", action="store_true", help="split the summary by event type as well")
    events.add_argument(
        "--engine", choices=("memory", "dask"), default="memory",
        help="dask: one partition (file of a folder) at a time, written as it is done, for inputs larger than memory",
    )  # fmt: skip
    _add_reading_options(events)
    return parser


def _add_reading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lon-column", help="longitude column (default: longitude, lon, lng, long or x)")
    parser.add_argument("--lat-column", help="latitude column (default: latitude, lat or y)")
    parser.add_argument("--date-column", help="date column (default: event_date, date, datetime, …)")
    parser.add_argument("--encoding", help="text encoding when not UTF-8/UTF-16 (e.g. cp1252)")


def _read_events(args, path: str):
    return incidents.read_incidents(
        path, lon=args.lon_column, lat=args.lat_column, date=args.date_column, encoding=args.encoding
    )


def _add_symmetric(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symmetric", action="store_true", help="DMZ on both sides of the contact line")


def _model(args) -> dict:
    """The model options every command shares: DMZ widths (km), contact line, corridor depth (km)."""
    return {"width_km": _check_range(args), "contact_line": args.contact_line, "corridor_km": args.corridor_km}


def _check_range(args) -> tuple[float, float]:
    low, high = args.width_km
    if low > high:
        raise ArgumentError(f"--width-km: MIN {low:g} is greater than MAX {high:g}")
    return low, high


def run_areas(args) -> None:
    table = measure.area_table(**_model(args))
    table["area_km2"] = table["area_km2"].round(1)
    if args.json:
        records = [{k: (None if v != v else v) for k, v in row.items()} for row in table.to_dict("records")]
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return
    width = max(map(len, table["zone"]))
    print(f"{'zone':<{width}}  {'area_km2':>10}  {'official_km2':>12}")
    for row in table.itertuples():
        official = "" if row.official_km2 != row.official_km2 else f"{row.official_km2:,.1f}"
        print(f"{row.zone:<{width}}  {row.area_km2:>10,.1f}  {official:>12}")


def run_export(args) -> None:
    counts = export.export_layers(args.output, args.format, **_model(args))
    print(f"wrote {sum(counts.values())} features in {len(counts)} layers to {args.output}")


def run_map(args) -> None:
    events = _read_events(args, args.incidents) if args.incidents else None
    if events is not None:
        print(events.report())
    m = maps.zone_map(
        **_model(args),
        symmetric=args.symmetric,
        offline=args.self_contained,
        incidents=None if events is None else events.accepted,
    )
    size = maps.save_map(m, args.output, self_contained=args.self_contained)
    print(f"wrote {args.output} ({size / 1e6:.2f} MB{', self-contained' if args.self_contained else ''})")


def run_figure(args) -> None:
    if not 20 <= args.dpi <= 1200:
        raise ArgumentError(f"--dpi must be between 20 and 1200, got {args.dpi}")
    fig = figure.zone_figure(**_model(args), symmetric=args.symmetric, title=args.title)
    size = figure.save_figure(fig, args.output, dpi=args.dpi)
    print(f"wrote {args.output} ({size / 1e6:.2f} MB)")


INCIDENT_FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet"}


def run_incidents(args) -> None:
    from . import classification
    from .output import atomic_path, check_writable

    fmt = INCIDENT_FORMATS.get(os.path.splitext(args.output)[1].lower())
    if fmt is None:
        raise ArgumentError(f"{args.output}: output must end in .csv, .geojson or .parquet")
    if args.engine == "dask" and fmt != "parquet":
        raise ArgumentError(
            f"{args.output}: with --engine dask the output is a folder of GeoParquet parts: OUT.parquet"
        )
    for path in (None if args.engine == "dask" else args.output, args.rejects, args.summary):  # dask: a folder
        if path:
            check_writable(path)
    model = classification.zone_model(**_model(args))
    if args.engine == "dask":
        _incidents_on_dask(args, model)
        return
    events = _read_events(args, args.file)
    classified = classification.classify(events.accepted, model)
    print(events.report())
    sides = {c: int((classified[c] == "opposition").sum()) for c in classified.columns if c.startswith("side_")}
    _print_zones(summary.zone_counts(classified), sides)
    with atomic_path(args.output) as tmp:
        if fmt == "csv":
            table = classified.drop(columns="geometry").assign(
                event_date=classified["event_date"].dt.strftime("%Y-%m-%d")
            )
            table.to_csv(tmp, index=False, encoding="utf-8")
        elif fmt == "geojson":
            classified.assign(event_date=classified["event_date"].dt.strftime("%Y-%m-%d")).to_file(
                tmp, driver="GeoJSON"
            )
        else:
            classified.to_parquet(tmp)
    print(f"wrote {len(classified):,} classified incidents to {args.output}")
    if args.rejects:
        print(f"wrote {events.write_rejects(args.rejects):,} rejected rows to {args.rejects}")
    if args.summary:
        _write_summary(summary.monthly_summary(classified, by_event_type=args.by_event_type), args.summary)


def _incidents_on_dask(args, model) -> None:
    """``--engine dask``: each partition is written as soon as it is classified; only summaries come back."""
    from . import scale
    from .output import atomic_path

    names = {"lon": args.lon_column, "lat": args.lat_column, "date": args.date_column}
    written = scale.classify_to_parquet(args.file, args.output, model, **names, by_event_type=args.by_event_type)
    print(incidents.report(args.file, written.rows_read, written.accepted, written.rejected, written.warnings))
    _print_zones(written.zone_counts, written.opposition)
    parts = f"{written.parts:,} GeoParquet part{'' if written.parts == 1 else 's'}"
    print(f"wrote {written.accepted:,} classified incidents to {args.output} ({parts})")
    if args.rejects:
        with atomic_path(args.rejects) as tmp:
            written.rejected.to_csv(tmp, index=False, encoding="utf-8")
        print(f"wrote {len(written.rejected):,} rejected rows to {args.rejects}")
    if args.summary:
        _write_summary(written.monthly, args.summary)


def _print_zones(counts, opposition: dict[str, int]) -> None:
    """The second sentence of the summary: incidents (and deaths) per zone, and per side of each line."""
    inside = "; ".join(f"{r.zone} {r.events:,} ({r.fatalities:,.0f} killed)" for r in counts.iloc[1:].itertuples())
    sides = "; ".join(
        f"{n:,} on the opposition side of the {c.removeprefix('side_')} line" for c, n in opposition.items()
    )
    print(f"Inside zones: {inside}. {sides[:1].upper() + sides[1:]}.")


def _write_summary(table, path: str) -> None:
    from .output import atomic_path

    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    print(f"wrote the monthly summary ({len(table):,} rows) to {path}")


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"zonemap: warning: {message}", file=sys.stderr)


COMMANDS = {"areas": run_areas, "export": run_export, "map": run_map, "figure": run_figure, "incidents": run_incidents}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input or arguments). Warnings print as one line."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", ZonemapWarning)
        warnings.showwarning = _one_line_warning
        try:
            args = build_parser().parse_args(argv)
            COMMANDS[args.command](args)
        except ZonemapError as exc:
            print(f"zonemap: error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"zonemap: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
