"""What ``zonemap incidents`` runs (classify a file chunk by chunk, or on dask; write the outputs
and the secondary CSVs), and the checks every command shares: the files a run reads (inputs for the
output checks), the model options, the text encoding.
"""

from __future__ import annotations

import codecs
import os

import pandas as pd

from .errors import ArgumentError
from .incidents import write
from .incidents.cells import escape_formulas
from .incidents.summary import DATE_UNCERTAIN
from .model import data
from .output import plan_outputs, writing


def run_incidents(args) -> None:
    """``zonemap incidents``: options checked, outputs planned (none on an input), then the work."""
    from .model import cache

    check_reading(args)
    if args.period_summary and args.fixed_lines:
        raise ArgumentError(
            "--period-summary counts incidents by the contact line in force on their date; leave out --fixed-lines"
        )
    folder = args.engine == "dask"
    plan = plan_outputs(
        {
            "-o": args.output,
            "--rejects": args.rejects,
            "--summary": args.summary,
            "--period-summary": args.period_summary,
            "--outside": args.outside,
        },
        inputs=inputs(args, args.file, args.timeline),
        folders=("-o",) if folder else (),
    )
    fmt = write.output_format(args.output)
    if folder and fmt != "parquet":
        raise ArgumentError(
            f"{args.output}: with --engine dask the output is a folder of GeoParquet parts: OUT.parquet"
        )
    timeline = {
        "timeline": args.timeline,
        "timeline_date_column": args.timeline_date_column,
        "timeline_valid_until": args.valid_until,
    }
    if args.accuracy_km is not None:
        timeline["timeline_accuracy_km"] = args.accuracy_km
    model = cache.cached_zone_model(**model_options(args), **timeline)
    with plan:
        if folder:
            done = _incidents_on_dask(args, model, plan)
        else:
            done = _incidents_in_memory(args, model, plan, fmt)
    for line in done:
        print(line)


def _incidents_in_memory(args, model, plan, fmt: str) -> list[str]:
    """Read, classify and write chunk by chunk to the temporary paths; returns the lines to print once committed."""
    from .incidents import stream

    reading = {"lon": args.lon_column, "lat": args.lat_column, "date": args.date_column, "encoding": args.encoding}
    with writing(args.output):
        tally = stream.classify_file(
            args.file, plan.path("-o"), model, fmt=fmt, by_event_type=args.by_event_type,
            monthly=bool(args.summary), periods=bool(args.period_summary), outside=bool(args.outside),
            as_of=_as_of(args), raw_csv_cells=args.raw_csv_cells, **reading,
        )  # fmt: skip
        if fmt == "gpkg":  # opens in QGIS styled by dmz_status, on the temporal controller by event_day
            from .render import export

            export.style_incidents(plan.path("-o"))
    return _report_tally(args, plan, tally, f"wrote {tally.accepted:,} classified incidents to {args.output}")


def _incidents_on_dask(args, model, plan) -> list[str]:
    """``--engine dask``: each partition is written as soon as it is classified; only summaries come back."""
    from .incidents import scale

    names = {"lon": args.lon_column, "lat": args.lat_column, "date": args.date_column}
    with writing(args.output):
        written = scale.write_parts(
            args.file, plan.path("-o"), model, **names, by_event_type=args.by_event_type, monthly=bool(args.summary),
            periods=bool(args.period_summary), outside=bool(args.outside), as_of=_as_of(args),
        )  # fmt: skip
    parts = f"{written.parts:,} GeoParquet part{'' if written.parts == 1 else 's'}"
    done = f"wrote {written.accepted:,} classified incidents to {args.output} ({parts})"
    return _report_tally(args, plan, written.tally, done)


def _as_of(args):
    """How ``zonemap incidents`` judges incidents: each as of its own date, all as of one, or by fixed lines."""
    return None if args.fixed_lines else (args.as_of or "event")


def _report_tally(args, plan, tally, done: str) -> list[str]:
    """Print the reading's account and the zones line; write the secondary CSVs; lines to print after."""
    print(tally.report(args.file))
    _print_zones(tally.zone_counts(), tally.opposition)
    secondary = (  # option, table (made only when asked for), what the line printed afterwards says
        ("--rejects", tally.rejected, "rejected rows"),
        ("--summary", tally.monthly, "rows of the monthly summary"),
        ("--period-summary", tally.periods, "rows of the summary by contact-line period"),
        ("--outside", tally.outside, "accepted rows outside Syria"),
    )
    lines = [done]
    for option, table, what in secondary:
        path = getattr(args, option.lstrip("-").replace("-", "_"))
        if path:
            rows = table()
            with writing(path):
                escape_formulas(rows, raw=args.raw_csv_cells).to_csv(plan.path(option), index=False, encoding="utf-8")
            lines.append(f"wrote {len(rows):,} {what} to {path}")
    return lines


def _print_zones(counts, opposition: dict[str, int]) -> None:
    """The second sentence of the summary: incidents (and deaths) per zone, and per side of each line."""

    def zone(row) -> str:
        sure = ""
        if "certain_inside" in counts and row.certain_inside == row.certain_inside:  # the DMZ: parts that add up
            sure = (f": {row.certain_inside:,.0f} certainly inside + {row.uncertain_inside:,.0f} uncertain but inside; "
                    f"{row.uncertain_outside:,.0f} more uncertain but outside; "
                    f"expected {row.expected:,.1f}")  # fmt: skip
        unknown = row.date_uncertain if DATE_UNCERTAIN in counts and pd.notna(row.date_uncertain) else 0
        if unknown > 0:  # dated to a month or year it was in force part of
            among = " of them" if sure else " more"  # the DMZ's are among its uncertain ones (p: share of the period)
            sure += (f"; {unknown:,.0f}{among} of unknown membership: their month or year straddles"
                     " its start or end")  # fmt: skip
        return f"{row.zone} {row.events:,} ({row.fatalities:,.0f} killed{sure})"

    inside = "; ".join(zone(row) for row in counts.iloc[1:].itertuples())
    sides = "; ".join(
        f"{n:,} on the opposition side of "
        + ("the line in force on their date" if c == "side" else f"the {c.removeprefix('side_')} line")
        for c, n in opposition.items()
    )
    print(f"Inside zones: {inside}. {sides[:1].upper() + sides[1:]}.")


def check_reading(args) -> None:
    """The reading options, before any output is planned: a text encoding that exists and decodes
    bytes (not ``rot13``, a text transform), and distinct longitude and latitude columns."""
    if args.encoding:
        try:
            text = codecs.lookup(args.encoding)._is_text_encoding
        except LookupError:
            text = None
        if not text:
            what = "unknown text encoding" if text is None else "not an encoding of text as bytes"
            raise ArgumentError(f"--encoding: {what} {args.encoding[:80]!r} (e.g. utf-8, cp1252, latin-1)")
    lon, lat = args.lon_column, args.lat_column
    if lon is not None and lat is not None and lon.strip().lower() == lat.strip().lower():
        raise ArgumentError(f"--lon-column and --lat-column both name {lon[:80]!r}: give the two columns")


def inputs(args, *files) -> list[str]:
    """The files this run reads, for the output checks: the given ones (a folder with every part
    in it), a contact line given as a file, and zonemap's shipped data (the model's sources)."""
    line = getattr(args, "contact_line", None)
    given = [str(f) for f in (*files, line) if f and isinstance(f, (str, os.PathLike)) and os.path.exists(f)]
    return [*given, str(data.geodata_dir())]


def model_options(args) -> dict:
    """The model options every command shares: DMZ widths (km), contact line, corridor depth (km)."""
    return {"width_km": check_range(args), "contact_line": args.contact_line, "corridor_km": args.corridor_km}


def check_range(args) -> tuple[float, float]:
    low, high = args.width_km
    if low > high:
        raise ArgumentError(f"--width-km: MIN {low:g} is greater than MAX {high:g}")
    return low, high
