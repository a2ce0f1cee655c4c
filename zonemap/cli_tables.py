"""The tables ``zonemap places`` and ``zonemap timeline`` print (the parsers live in :mod:`zonemap.cli`).

Every number resting on a line says as of which date and carries its range or probability.
"""

from __future__ import annotations

import json

from .model import gazetteer


def print_places(args, **options) -> None:
    """``zonemap places --in ZONE [--as-of DATE]``: the places in a zone, judged on the date if given."""
    if options.get("contact_line") == "2018":
        del options["contact_line"]  # the Sochi DMZ; another line is asked for by name
    found = gazetteer.places_in(args.zone, args.as_of, **options)
    if args.json:
        records = found.drop(columns="geometry").assign(lon=found.geometry.x.round(6), lat=found.geometry.y.round(6))
        text = records.astype(object).where(records.notna(), None).to_dict("records")
        print(json.dumps(text, indent=2, ensure_ascii=False, default=int))
        return
    dated = ["side_as_of", "p_opposition", "dmz_status"] if args.as_of else ["side_2018", "side_2020"]
    rows = [("name", "kind", "governorate", *dated, "to_edge_km")]
    for row in found.itertuples():
        admin = f"{row.admin1} ({row.admin1_pcode})" if isinstance(row.admin1_pcode, str) else str(row.admin1 or "")
        values = [getattr(row, column) for column in dated]
        cells = [f"{v:.2f}" if isinstance(v, float) and v == v else ("–" if v is None or v != v else str(v))
                 for v in values]  # fmt: skip
        rows.append((row.name, row.kind, admin, *cells, f"{row.to_edge_km:.2f}"))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(f"{c!s:<{w}}" for c, w in zip(r, widths)).rstrip())
    print(f"{len(found)} places in {found.attrs['zone']}" + (f" as of {args.as_of}" if args.as_of else ""))
    if args.as_of:
        line = found["line_date"].iloc[0] if len(found) else "–"
        print(f"side_as_of, p_opposition: the contact line in force on {args.as_of} (line of {line}), with its and "
              "the place's stated accuracy; dmz_status: the Sochi DMZ (p_in_dmz ≥ 0.95 inside, ≤ 0.05 "
              "outside)")  # fmt: skip


def print_timeline(args, source=None) -> None:
    """``zonemap timeline [--as-of D | --between A B]``: the dated lines and what each changed, the line in
    force on a day (or why there is none), or the area taken between two dates with its probabilistic
    interval and its worst-case bound. ``source``: the user's timeline already read (None: shipped)."""
    from .model import timeline

    if args.between:
        _print_taken(args, source)
        return
    lines = {"date_column": args.timeline_date_column, "valid_until": args.valid_until}
    if args.as_of:  # the line in force that day, or one line saying why there is none
        state = timeline.zones_as_of(args.as_of, source, **lines)
        print(f"{args.as_of}: {state.line.name} (dated {state.as_of}, stands until {state.until}, exclusive)")
        return
    table = timeline.timeline_table(source, ranges=True, **lines)
    if args.json:
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return
    tl = timeline.load_timeline(source, **lines)
    print(f"Contact lines of {tl.label}: areas of the Idlib de-escalation area in km²,")
    print("geodesic, with the range when each line moves by its stated accuracy (a bound, not an interval;")
    print("for a figure to quote between two dates: zonemap timeline --between A B).")
    header = ("as of", "until", "±km", "opposition-held", "DMZ still opposition-held", "taken since previous")
    rows = [header]
    for row in table.itertuples():
        rows.append(
            (
                row.as_of,
                row.valid_until,
                f"{row.accuracy_km:g}",
                _with_range(row.opposition_km2, row.opposition_km2_low, row.opposition_km2_high),
                _with_range(row.dmz_opposition_km2, row.dmz_opposition_km2_low, row.dmz_opposition_km2_high),
                _with_range(
                    row.taken_since_previous_km2, row.taken_since_previous_km2_low, row.taken_since_previous_km2_high
                ),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(f"{c:>{w}}" if i else f"{c:<{w}}" for i, (c, w) in enumerate(zip(r, widths))))
    for row in table.itertuples():
        if row.to_government or row.to_opposition:
            changed = [f"to the government: {', '.join(row.to_government)}"] if row.to_government else []
            changed += [f"to the opposition: {', '.join(row.to_opposition)}"] if row.to_opposition else []
            print(f"{row.as_of}: {'; '.join(changed)}")
    for reason in dict.fromkeys(r for r in table["no_range_reason"] if isinstance(r, str)):
        print(f"No range: {reason}.")
    gaps = [tl.why_no_line(day) for day in tl.valid_until]
    for gap in dict.fromkeys(g for g in gaps if g):
        print(f"No line: {gap}.")
    end = timeline.zones_end()
    if end is not None:
        print(f"Every zone had ended by {str(end)[:10]}: past it zonemap gives no line, side or probability.")


def _print_taken(args, source) -> None:
    from .model.areas import taken_between_km2

    start, end = args.between
    taken = taken_between_km2(start, end, draws=args.draws, seed=args.seed, correlation_km=args.correlation_km,
                              source=source, date_column=args.timeline_date_column)  # fmt: skip
    if args.json:
        print(json.dumps(taken, indent=2, ensure_ascii=False))
        return
    share = f"{taken['interval']:.0%}"
    reason = taken["no_bound_reason"]
    low, high = taken["bound_low_km2"], taken["bound_high_km2"]
    bound = "no worst-case bound" if reason else f"worst-case bound {low:,.0f}–{high:,.0f}"
    how = "each line moved to either side by the full stated accuracy of each stretch"
    print(
        f"Taken by the government between {start} (line of {taken['line_start']}) and {end} "
        f"(line of {taken['line_end']}): {taken['area_km2']:,.0f} km² "
        f"({share} interval {taken['interval_low_km2']:,.0f}–{taken['interval_high_km2']:,.0f}; {bound})"
    )
    print(
        f"Interval: {taken['draws']} simulations of each line's error (σ = accuracy/1.96, smooth along the line, "
        f"correlation length {taken['correlation_km']:g} km, seed {taken['seed']}); "
        + (f"no bound: {reason}." if reason else f"bound: {how}.")
    )


def _with_range(value, low, high) -> str:
    if value != value:
        return "–"
    if low != low or high != high:
        return f"{value:,.0f} (no range)"
    return f"{value:,.0f} ({low:,.0f}–{high:,.0f})"
