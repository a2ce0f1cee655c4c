"""The ``zonemap`` command line: ``zonemap areas``, ``export``, ``map``, ``figure``, ``incidents`` and ``lines``.

Errors a user can fix print one line on stderr and exit with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import warnings

from .cli_incidents import check_reading, inputs, model_options, run_incidents
from .errors import ArgumentError, ZonemapError, ZonemapWarning
from .incidents import read
from .model import areas as measure
from .model import zones
from .model.dates import _iso, read_day
from .model.line_accuracy import stated_accuracy_km
from .output import plan_outputs, writing
from .render import export


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
    if value < zones.MIN_WIDTH_KM:
        raise argparse.ArgumentTypeError(f"width {text} km is less than the {zones.MIN_WIDTH_KM:g} km zonemap models")
    if value > zones.MAX_WIDTH_KM:
        raise argparse.ArgumentTypeError(f"width {text} km is more than the {zones.MAX_WIDTH_KM:g} km zonemap models")
    return value


def _text(value: str) -> str:
    """Text for the output (a title): refuses bytes that are not valid UTF-8 (kept as surrogates by Python)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("not valid UTF-8 text") from None
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
        "--contact-line",
        default="2018",
        help="contact line for the DMZ: 2018 (the Sochi DMZ, default), 2020 or a file (a band on that line)",
    )
    parser.add_argument(
        "--corridor-km",
        type=_positive_km,
        default=zones.M4_CORRIDOR_KM,
        help="M4 corridor depth each side of the road in km (default 6)",
    )


def _colour_option(text: str) -> tuple[str, str]:
    key, sep, colour = text.partition("=")
    if not sep or not key or not colour:
        raise argparse.ArgumentTypeError(f"expected LAYER=#rrggbb, got {text!r}")
    return key, colour


def _add_drawing_options(parser: argparse.ArgumentParser, *, title: bool = True) -> None:
    """What the map and the figure draw and how: layers, colours, the user's files, labels, title."""
    from .render.layers import OVERLAYS

    parser.add_argument("--layers", nargs="+", metavar="LAYER", choices=list(OVERLAYS),
                        help=f"layers to draw, in any order (default all): {', '.join(OVERLAYS)}")  # fmt: skip
    parser.add_argument("--colour", action="append", type=_colour_option, default=[], metavar="LAYER=#RRGGBB",
                        help="colour of a layer (repeat; the files of --add are user1, user2, ...)")  # fmt: skip
    parser.add_argument("--add", action="append", default=[], metavar="FILE",
                        help="draw your own lines or areas (GeoJSON, GeoPackage, ...), named (repeat)")  # fmt: skip
    parser.add_argument("--lang", choices=("en", "ar"), default="en", help="language of place labels (default en)")
    if title:
        parser.add_argument("--title", type=_text, help="legend title (default: zonemap: Syrian de-escalation zones)")


def _add_as_of(parser: argparse.ArgumentParser, *, inactive: bool = True) -> None:
    parser.add_argument("--as-of", metavar="DATE", type=_day,
                        help="the zones in force on DATE, the line then and the area held")  # fmt: skip
    if inactive:
        parser.add_argument("--show-inactive", action="store_true", help="with --as-of: zones not in force, faded")


def _drawing(args) -> dict:
    return {"layers": args.layers, "colours": dict(args.colour), "user_layers": args.add, "lang": args.lang,
            "as_of": args.as_of, "show_inactive": args.show_inactive}  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zonemap", description="Model and map the Syrian de-escalation zones.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    areas = commands.add_parser("areas", help="print the geodesic area table (km²)")
    _add_model_options(areas)
    areas.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of {zone, area_km2, area_km2_low, area_km2_high, official_km2}",
    )
    exporter = commands.add_parser("export", help="write every layer to one file")
    _add_model_options(exporter)
    exporter.add_argument("--format", required=True, choices=export.FORMATS)
    exporter.add_argument("-o", "--output", required=True, metavar="PATH")
    _add_as_of(exporter, inactive=False)
    mapper = commands.add_parser("map", help="write the interactive Leaflet map (HTML)")
    _add_model_options(mapper)
    mapper.add_argument("-o", "--output", required=True, metavar="PATH.html")
    _add_symmetric(mapper)
    mapper.add_argument(
        "--incidents", metavar="FILE", help="add incidents (CSV/ACLED, GeoJSON, GeoParquet, GeoPackage)"
    )
    _add_reading_options(mapper)
    mapper.add_argument(
        "--self-contained",
        action="store_true",
        help="inline Leaflet and plugins so the file opens with no network; starts on 'No tiles'",
    )
    _add_drawing_options(mapper)
    _add_as_of(mapper)
    mapper.add_argument("--base", choices=("osm", "positron", "imagery", "none"),
                        help="base layer shown first (default osm; none with --self-contained)")  # fmt: skip
    mapper.add_argument("--no-date-control", action="store_true", help="leave out the date slider over the dated lines")
    _add_timeline_option(mapper)
    drawing = commands.add_parser("figure", help="write the static report figure (PNG, SVG or PDF; matplotlib)")
    _add_model_options(drawing)
    drawing.add_argument("-o", "--output", required=True, metavar="PATH.png|svg|pdf")
    _add_symmetric(drawing)
    drawing.add_argument(
        "--title", type=_text, help="figure title (default: what the DMZ is and which line it follows)"
    )
    drawing.add_argument("--dpi", type=int, default=200, help="resolution of a PNG in dots per inch (default 200)")
    _add_drawing_options(drawing, title=False)
    _add_as_of(drawing)
    drawing.add_argument("--incidents", metavar="FILE", help="draw incidents (by dmz_status or event type)")
    _add_reading_options(drawing)
    drawing.add_argument(
        "--timeline", nargs="?", const=True, metavar="FILE|evidence|hand",
        help="small multiples: one panel per dated contact line (of the evidence timeline, the hand-digitised"
        " lines with 'hand', or those of FILE), areas in titles",
    )  # fmt: skip
    drawing.add_argument("--timeline-date-column", default="as_of", metavar="NAME", help="date column of --timeline")
    _add_line_options(drawing)
    events = commands.add_parser("incidents", help="classify incidents against the zones and summarise them")
    events.add_argument(
        "file", metavar="FILE", help="CSV (e.g. an ACLED export), GeoJSON, GeoParquet, GeoPackage or a folder"
    )
    _add_model_options(events)
    events.add_argument(
        "-o", "--output", required=True, metavar="OUT.csv|geojson|parquet",
        help="with --engine dask: OUT.parquet becomes a folder of GeoParquet parts, one per input file",
    )  # fmt: skip
    events.add_argument("--rejects", metavar="PATH.csv", help="write rejected rows with their reasons")
    events.add_argument("--summary", metavar="PATH.csv", help="write counts and fatalities per zone and month")
    events.add_argument("--by-event-type", action="store_true", help="split the summary by event type as well")
    events.add_argument(
        "--period-summary", metavar="PATH.csv", help="write counts and fatalities per zone and contact-line period"
    )
    events.add_argument(
        "--outside", metavar="PATH.csv", help="write every accepted row that lies outside Syria (swapped coordinates?)"
    )
    judging = events.add_mutually_exclusive_group()
    judging.add_argument(
        "--as-of", metavar="DATE", type=_day, help="judge every incident as of DATE (default: each as of its own date)"
    )
    judging.add_argument(
        "--fixed-lines", action="store_true", help="no dates: only the fixed lines' answers (zones regardless of dates)"
    )
    _add_timeline_option(events)
    events.add_argument(
        "--engine", choices=("memory", "dask"), default="memory",
        help="dask: one partition (file of a folder) at a time, written as it is done, for inputs larger than memory",
    )  # fmt: skip
    _add_reading_options(events)
    events.add_argument(
        "--raw-csv-cells", action="store_true",
        help="write CSV cells as they are (by default text starting with = + - @ is escaped with ' for spreadsheets)",
    )  # fmt: skip
    history = commands.add_parser("timeline", help="print the dated contact lines and what each changed (km²)")
    _add_timeline_option(history)
    history.add_argument("--as-of", metavar="DATE", help="print the line in force on DATE (or why there is none)")
    history.add_argument("--json", action="store_true", help="print a JSON list, one object per dated line")
    history.add_argument(
        "--between",
        nargs=2,
        metavar=("A", "B"),
        help="the area taken between dates A and B, with its 90%% interval and worst-case bound",
    )
    history.add_argument("--draws", type=int, help="with --between: simulations of the lines' error (default 400)")
    history.add_argument("--seed", type=int, help="with --between: random seed (default 20180917)")
    history.add_argument(
        "--correlation-km",
        type=_positive_km,
        metavar="KM",
        help="with --between: correlation length of a line's error along it (default 20 km)",
    )
    towns = commands.add_parser("places", help="list the gazetteer places inside a zone (e.g. dmz_20km)")
    towns.add_argument(
        "--in",
        dest="zone",
        required=True,
        metavar="ZONE",
        help="idlib_area, dmz_20km (the Sochi DMZ at 20 km; with --contact-line a band on that line), m4_corridor, …",
    )
    towns.add_argument("--as-of", metavar="DATE", type=_day,
                       help="each place's side of the line in force on DATE, p_opposition, dmz_status")  # fmt: skip
    _add_model_options(towns)
    towns.add_argument("--json", action="store_true", help="print a JSON list of places with lon, lat")
    lines = commands.add_parser("lines", help="contact lines estimated from dated control reports, with their accuracy")
    given = lines.add_mutually_exclusive_group()
    given.add_argument("--reports", metavar="FILE", help="your control reports (CSV: place, lon, lat, date, side, …)")
    given.add_argument("--acled", metavar="FILE", help="an ACLED export: its territory events are control reports")
    lines.add_argument("--with-shipped", action="store_true", help="use your reports together with the shipped ones")
    what = lines.add_mutually_exclusive_group(required=True)
    what.add_argument("--date", metavar="DATE", help="the line as of DATE (YYYY-MM-DD)")
    what.add_argument("--every-change", action="store_true", help="a line for every date a reported place changes side")
    what.add_argument("--validate", action="store_true", help="leave each report out in turn; print the table")
    lines.add_argument("-o", "--output", metavar="PATH.gpkg", help="GeoPackage: lines, stretches, held, contested")
    return parser


def _add_timeline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeline", metavar="FILE|evidence|hand",
        help="dated contact lines: evidence (default: estimated from the cited control reports), hand (the"
        " hand-digitised lines, a cross-check) or a FILE of line features with an as_of date",
    )  # fmt: skip
    parser.add_argument("--timeline-date-column", default="as_of", metavar="NAME", help="date column of --timeline")
    _add_line_options(parser)


def _add_line_options(parser: argparse.ArgumentParser) -> None:
    """``--valid-until`` and ``--accuracy-km``: what a user's timeline does not say of its lines."""
    parser.add_argument(
        "--valid-until", metavar="DATE", type=_day,
        help="first day the last line of --timeline no longer stands for, when the file has no valid_until"
        " column (default: the zones' end, 2024-12-08, with a warning)",
    )  # fmt: skip
    parser.add_argument(
        "--accuracy-km", metavar="KM", type=_option(lambda text: stated_accuracy_km(text, what="accuracy")),
        help="accuracy (km, 95 %%) of every --timeline line that states no accuracy_km (else such a line is refused)",
    )  # fmt: skip


def _timeline(args):
    """The timeline of ``--timeline``: a user's file (read once, with ``--valid-until`` and ``--accuracy-km``),
    a shipped one by key (``evidence``, ``hand``), or None for the default (the evidence timeline)."""
    from .model import timeline

    path = None if args.timeline in (None, True) else args.timeline
    return path and timeline.load_timeline(
        path, date_column=args.timeline_date_column, valid_until=args.valid_until, accuracy_km=args.accuracy_km
    )


def _shipped_timeline(value) -> bool:
    """Whether ``--timeline`` names a shipped timeline (none given, ``evidence`` or ``hand``), not a user's file."""
    from .model import timeline

    return value is True or timeline.shipped_key(value) is not None


def _option(read):
    """An argparse ``type`` from a reader raising :class:`ArgumentError`: its message, as the option's error."""

    def option(text: str):
        try:
            return read(text)
        except ArgumentError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return option


#: ``--as-of`` read by zonemap's one date reader (an ISO day or a day spelled out), as ISO text.
_day = _option(lambda text: _iso(read_day(text, what="date")))


def _add_reading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lon-column", help="longitude column (default: longitude, lon, lng, long or x)")
    parser.add_argument("--lat-column", help="latitude column (default: latitude, lat or y)")
    parser.add_argument("--date-column", help="date column (default: event_date, date, datetime, …)")
    parser.add_argument("--encoding", help="text encoding when not UTF-8/UTF-16 (e.g. cp1252)")


def _read_events(args, path: str):
    check_reading(args)
    return read.read_incidents(
        path, lon=args.lon_column, lat=args.lat_column, date=args.date_column, encoding=args.encoding
    )


def _add_symmetric(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symmetric", action="store_true", help="DMZ on both sides of the contact line")


def run_areas(args) -> None:
    table = measure.area_table(**model_options(args))
    numbers = ["area_km2", "area_km2_low", "area_km2_high"]
    table[numbers] = table[numbers].round(1)
    if args.json:
        records = [{k: (None if v != v else v) for k, v in row.items()} for row in table.to_dict("records")]
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return
    # whole km²: the lines' stated accuracy makes tenths meaningless; the range shows how far off they may be
    cells = [f"{row.area_km2:,.0f} (range unknown)" if row.area_km2_low != row.area_km2_low
             else f"{row.area_km2:,.0f} ({row.area_km2_low:,.0f}–{row.area_km2_high:,.0f})"
             for row in table.itertuples()]  # fmt: skip
    width, cell = max(map(len, table["zone"])), max(map(len, cells))
    print(f"{'zone':<{width}}  {'area_km2':>{cell}}  {'official_km2':>12}")
    for row, text in zip(table.itertuples(), cells):
        official = "" if row.official_km2 != row.official_km2 else f"{row.official_km2:,.1f}"
        print(f"{row.zone:<{width}}  {text:>{cell}}  {official:>12}")
    print(
        "(low–high): the area with each line moved by its stated accuracy toward either side (km²); "
        "range unknown: a line with no accuracy_km"
    )


def run_export(args) -> None:
    plan_outputs({"-o": args.output}, inputs=inputs(args))
    counts = export.export_layers(args.output, args.format, **model_options(args), as_of=args.as_of)
    print(f"wrote {sum(counts.values())} features in {len(counts)} layers to {args.output}")


def run_map(args) -> None:
    from .render import maps

    plan_outputs({"-o": args.output}, inputs=inputs(args, args.incidents, args.timeline, *args.add))
    events = _read_events(args, args.incidents) if args.incidents else None
    if events is not None:
        print(events.report())
    m = maps.zone_map(
        timeline_source=_timeline(args),
        timeline_date_column=args.timeline_date_column,
        timeline_valid_until=args.valid_until,
        **model_options(args),
        **_drawing(args),
        symmetric=args.symmetric,
        offline=args.self_contained,
        incidents=None if events is None else events.accepted,
        title=args.title,
        base=args.base,
        date_control=not args.no_date_control,
    )
    size = maps.save_map(m, args.output, self_contained=args.self_contained)
    print(f"wrote {args.output} ({size / 1e6:.2f} MB{', self-contained' if args.self_contained else ''})")


def run_figure(args) -> None:
    from .render import figure

    if not 20 <= args.dpi <= 1200:
        raise ArgumentError(f"--dpi must be between 20 and 1200, got {args.dpi}")
    source = None if args.timeline in (None, True) else args.timeline
    plan_outputs({"-o": args.output}, inputs=inputs(args, args.incidents, source, *args.add))
    if args.timeline:
        fig = figure.timeline_figure(_timeline(args), date_column=args.timeline_date_column)
    else:
        events = _read_events(args, args.incidents) if args.incidents else None
        if events is not None:
            print(events.report())
        fig = figure.zone_figure(**model_options(args), **_drawing(args), symmetric=args.symmetric, title=args.title,
                                 incidents=None if events is None else events.accepted,
                                 timeline_source=_timeline(args))  # fmt: skip
    size = figure.save_figure(fig, args.output, dpi=args.dpi)
    print(f"wrote {args.output} ({size / 1e6:.2f} MB)")


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    _err(f"zonemap: warning: {message}")


class _PipeSafeStdout:
    """stdout for the run: once the reader has gone (``zonemap … | head``), the rest is dropped
    quietly; a closed pipe never stops the work or the outputs."""

    def __init__(self, stream):
        self.stream = stream
        self.closed_pipe = False

    def write(self, text: str) -> int:
        if not self.closed_pipe:
            try:
                self.stream.write(text)
                self.stream.flush()
            except (BrokenPipeError, ValueError):  # ValueError: the stream was closed
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.closed_pipe:
            try:
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                self._drop()

    def _drop(self) -> None:
        self.closed_pipe = True
        with contextlib.suppress(OSError, ValueError, AttributeError):  # Python's own flush at exit must not fail
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _err(text: str) -> None:
    with contextlib.suppress(BrokenPipeError, ValueError):
        print(text, file=sys.stderr, flush=True)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that temporary files are removed on the way out."""


def _on_sigterm(signum, frame) -> None:
    raise _Terminated()


def run_places(args) -> None:
    from .cli_tables import print_places

    print_places(args, **model_options(args))


def run_timeline(args) -> None:
    from .cli_tables import print_timeline

    print_timeline(args, _timeline(args))


def run_lines(args) -> None:
    from .model import evidence, evidence_check, reports

    if not args.validate and not (args.output or "").lower().endswith(".gpkg"):
        raise ArgumentError("-o PATH.gpkg: the lines are written to a GeoPackage (give a .gpkg path)")
    output = None if args.validate else args.output
    plan = plan_outputs({"-o": output}, inputs=inputs(args, args.reports, args.acled))
    found = reports.load_evidence(args.reports, args.acled, with_shipped=args.with_shipped)
    print(found.report())
    if args.validate:
        print(evidence_check.validation_text(evidence_check.validate(found)))
        return
    estimate = evidence.evidence_timeline if args.every_change else evidence.lines_from_reports
    lines, held = estimate(found) if args.every_change else estimate(found, args.date)
    with plan, writing(args.output):
        evidence.write_lines(plan.path("-o"), lines, held)
    for note in lines.loc[lines.geometry.is_empty, "notes"].head(1):
        print(note)
    span = f"{lines['as_of'].iloc[0]} to {lines['valid_until'].iloc[-1]}"
    print(f"wrote {len(lines)} line{'s' * (len(lines) != 1)} ({span}) with stretches and held areas to {args.output}")


COMMANDS = {"areas": run_areas, "export": run_export, "map": run_map, "figure": run_figure, "incidents": run_incidents}

COMMANDS["places"] = run_places

COMMANDS["timeline"] = run_timeline

COMMANDS["lines"] = run_lines


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input or arguments, 130 Ctrl-C, 143 SIGTERM).

    Every problem prints one line on stderr, never a traceback; warnings print as one line too.
    """
    previous, stdout = signal.getsignal(signal.SIGTERM), sys.stdout
    sys.stdout = _PipeSafeStdout(stdout) if stdout is not None else stdout
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ZonemapWarning)
            warnings.showwarning = _one_line_warning
            args = build_parser().parse_args(argv)
            if getattr(args, "accuracy_km", None) is not None and _shipped_timeline(getattr(args, "timeline", None)):
                raise ArgumentError("--accuracy-km states the accuracy of --timeline's lines: give --timeline FILE")
            COMMANDS[args.command](args)
    except ZonemapError as exc:
        _err(f"zonemap: error: {_one_line(exc)}")
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _err(f"zonemap: error: {where}{exc.strerror or _one_line(exc)}")
        return 2
    except KeyboardInterrupt:
        _err("zonemap: interrupted; no output was changed")
        return 130
    except _Terminated:
        _err("zonemap: terminated; no output was changed")
        return 143
    except RecursionError:
        _err("zonemap: error: input nested too deeply to read")
        return 2
    except MemoryError:
        _err("zonemap: error: out of memory (try --engine dask for inputs larger than memory)")
        return 2
    finally:
        sys.stdout = stdout
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main_exit() -> None:
    """Console-script entry point (and ``python -m zonemap``): runs :func:`main` and ends the process.

    Every output is written and renamed into place before :func:`main` returns, so the process then
    ends at once (``os._exit`` after flushing stdout and stderr) rather than spending ~0.15 s
    tearing down the interpreter's heap of frames, arrays and the zone model.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # a closed pipe (`| head`): the lines had no reader
            pass
        except (OSError, ValueError):  # e.g. a full disk under a redirection: the run did not say all
            code = code or 2
    os._exit(code)


if __name__ == "__main__":
    main_exit()
