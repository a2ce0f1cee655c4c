"""Area tables: geodesic areas (km², WGS84) of every zone, with their ranges under the lines' stated accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ..errors import ArgumentError, InputError
from ..geodesy.area import geodesic_area_km2
from . import scenarios

__all__ = [
    "area_table",
    "geodesic_area_km2",
    "taken_between_km2",
    "width_sweep",
]  # geodesic_area_km2 lives in zonemap.geodesy.area


def area_table(
    *, width_km=(15.0, 20.0), contact_line="2018", later_line="2020", corridor_km: float = 6.0
) -> pd.DataFrame:
    """Geodesic areas (km²) of every zone, the DMZ at its min and max width, and what changed.

    Rows: the Idlib governorate as OCHA's COD-AB draws it (P-code SY07), beside the published
    6,097 km² in ``official_km2`` (a figure quoted from official sources, which rest on other
    boundaries; no available polygon gives it — see docs/model.md), the four Astana
    areas, the Sochi DMZ along ``contact_line`` at ``width_km`` min and max, the M4 corridor
    (``corridor_km`` each side), and the max-width DMZ split by ``later_line`` into the part on the
    government side (taken by the government between the two lines' dates) and the part still
    held by the opposition at the later line's date.

    ``area_km2_low`` and ``area_km2_high`` (km²) are the least and greatest area when each line a row
    depends on is moved by its stated ``accuracy_km`` toward either side: outlines of the
    governorate and the Astana areas in and out; the contact line (and ``later_line``) sideways,
    with the Idlib area's outline following the line where it runs along it
    (:func:`zonemap.model.scenarios.scenarios`); the M4 road sideways. Rows resting on a line stating
    no accuracy have NaN low and high (range unknown). These are bounds of a systematic shift, not
    confidence intervals.

    Examples
    --------
    >>> table = area_table()
    >>> round(table.loc[table["zone"] == "Idlib governorate (OCHA SY07)", "area_km2"].item(), 1)
    5416.5
    """
    from . import data, zones

    rows = []
    govs = data.load_layer("governorates")
    idlib = govs[govs["pcode"] == "SY07"]
    rows.append(("Idlib governorate (OCHA SY07)", geodesic_area_km2(idlib.geometry.iloc[0]), 6097.0))
    spans = [scenarios.outline_range_km2(idlib.geometry.iloc[0], idlib["accuracy_km"].iloc[0])[1:]]
    areas = data.load_layer("de_escalation_areas")
    for name, geom, accuracy in zip(areas["name"], areas.geometry, areas["accuracy_km"]):
        area, low, high = scenarios.outline_range_km2(geom, accuracy)
        rows.append((name, area, np.nan))
        spans.append((low, high))
    low_km, high_km = zones._check_width_range(width_km)
    widths = sorted({low_km, high_km})

    def bands(lines, area):
        return [zones.dmz_geometry(lines["contact"], w, area=area) for w in widths]

    for w, (area, low, high) in zip(widths, scenarios.area_ranges_km2(bands, {"contact": contact_line}, missing="nan")):
        rows.append((f"Sochi DMZ, {w:g} km ({contact_line} line)", area, np.nan))
        spans.append((low, high))

    def corridor(lines, _area):
        return [zones.m4_corridor(lines["road"], north_km=corridor_km, south_km=corridor_km).geometry.iloc[0]]

    ((area, low, high),) = scenarios.area_ranges_km2(corridor, {"road": zones.corridor_section()}, edge=False)
    rows.append((f"M4 security corridor, {corridor_km:g} km each side", area, np.nan))
    spans.append((low, high))

    def split_by_later_line(lines, area):
        widest = zones.dmz_geometry(lines["contact"], widths[-1], area=area)
        taken = shapely.intersection(widest, zones.government_side(lines["later"], area))
        return [taken, shapely.difference(widest, taken)]

    label = f"Sochi DMZ {widths[-1]:g} km ({contact_line})"
    if str(later_line) != str(contact_line):  # against its own line the split says nothing
        lines = {"contact": contact_line, "later": later_line}
        taken, kept = scenarios.area_ranges_km2(split_by_later_line, lines, missing="nan")
        since, until = zones.as_line(contact_line).as_of, zones.as_line(later_line).as_of
        sides = (  # the band lies on the opposition side of its own line: what is government-held later was taken
            (f"taken by the government between {since} and {until}", taken),
            (f"still held by the opposition on {until}", kept),
        )
        for what, (area, low, high) in sides:
            rows.append((f"{label}: {what}", area, np.nan))
            spans.append((low, high))
    table = pd.DataFrame(rows, columns=["zone", "area_km2", "official_km2"])
    table.insert(2, "area_km2_low", [low for low, _ in spans])
    table.insert(3, "area_km2_high", [high for _, high in spans])
    return table


def width_sweep(widths_km=(15, 16, 17, 18, 19, 20), *, contact_line="2018", symmetric: bool = False) -> pd.DataFrame:
    """Geodesic area (km²) of the DMZ band at each width in ``widths_km`` (km), with its range.

    ``area_km2_low`` and ``area_km2_high`` (km²): the least and greatest area when the contact line
    is moved by its stated ``accuracy_km`` toward either side (see :func:`area_table`).

    Examples
    --------
    >>> sweep = width_sweep((15, 20))
    >>> bool(sweep["area_km2"].is_monotonic_increasing)
    True
    >>> bool((sweep["area_km2_low"] <= sweep["area_km2"]).all() and (sweep["area_km2"] <= sweep["area_km2_high"]).all())
    True
    """
    from .zones import dmz_geometry

    widths = [float(w) for w in widths_km]

    def bands(lines, area):
        return [dmz_geometry(lines["contact"], w, symmetric=symmetric, area=area) for w in widths]

    ranges = scenarios.area_ranges_km2(bands, {"contact": contact_line}, missing="nan") if widths else []
    return pd.DataFrame(
        {
            "width_km": widths,
            "area_km2": [area for area, _, _ in ranges],
            "area_km2_low": [low for _, low, _ in ranges],
            "area_km2_high": [high for _, _, high in ranges],
        },
        dtype=float,
    )


def taken_between_km2(
    start,
    end,
    *,
    interval: float = 0.9,
    draws: int | None = None,
    seed: int | None = None,
    correlation_km: float | None = None,
    source=None,
    date_column: str = "as_of",
) -> dict:
    """How much of the Idlib area the government took between two dates (km², geodesic), with a
    probabilistic interval and the worst-case bound.

    The area is the part opposition-held under the line in force on ``start`` and government-held
    under the line in force on ``end`` (:func:`zonemap.model.timeline.taken_between`). ``interval``
    (default 90 %) is the central interval of the area over simulated lines, each moved by a smooth
    random error along it (σ = accuracy / 1.96 of each stretch, correlated over ``correlation_km``;
    seeded; see :mod:`zonemap.model.simulation`). The bound is the least and greatest area with each
    line moved to either side by the full stated accuracy of each stretch
    (:func:`zonemap.model.scenarios.area_range_km2`): a bound, not an
    interval, and far wider. Where a line's stated accuracy reaches Idlib city (moved by it, which
    side is whose could no longer be told) there is no bound: ``bound_low_km2`` and
    ``bound_high_km2`` are None and ``no_bound_reason`` says why; the area and its interval stand.

    Returns a dict: ``start``, ``end``, ``line_start``, ``line_end`` (dates of the lines in force),
    ``area_km2``, ``interval`` (the probability), ``interval_low_km2``, ``interval_high_km2``,
    ``median_km2``, ``bound_low_km2``, ``bound_high_km2``, ``no_bound_reason`` (None, or why there
    is no bound), ``draws``, ``seed``, ``correlation_km``.

    Examples
    --------
    >>> taken = taken_between_km2("2019-09-01", "2020-03-06", draws=40)
    >>> taken["line_start"], taken["line_end"]  # the evidence lines in force on the two days
    ('2019-08-30', '2020-03-04')
    >>> taken["interval_low_km2"] < taken["area_km2"] < taken["interval_high_km2"]
    True
    >>> taken["bound_low_km2"], taken["no_bound_reason"][:52]  # a stretch of 21.9 km accuracy near Idlib city
    (None, 'the line of 2019-08-30 states an accuracy of 21.9 km')
    """
    from . import data, simulation, timeline, zones

    if not 0 < interval < 1:
        raise ArgumentError(f"interval must be a probability between 0 and 1, got {interval!r}")
    draws = simulation.DRAWS if draws is None else int(draws)
    seed = simulation.SEED if seed is None else int(seed)
    correlation_km = simulation.CORRELATION_KM if correlation_km is None else float(correlation_km)
    tl = timeline.load_timeline(source, date_column=date_column)
    before, after = tl.state(tl.index_of(start)), tl.state(tl.index_of(end))
    if after.index < before.index:
        raise ArgumentError(f"end {end!r} is before start {start!r}")
    area = float(geodesic_area_km2(timeline.taken_between(start, end, source, date_column=date_column)))
    lines = {"before": (before.line.geometry, before.stretch_accuracy_km),  # each stretch with its accuracy
             "after": (after.line.geometry, after.stretch_accuracy_km)}  # fmt: skip

    def taken(lines, zone):
        held = zones.opposition_side(lines["before"], zone, beyond_edge="whole")
        return shapely.difference(held, zones.opposition_side(lines["after"], zone, beyond_edge="whole"))

    bound, no_bound_reason = (area, area), None
    if after.index != before.index:
        try:  # it refuses a line whose accuracy reaches Idlib city, the side the simulation takes as reference
            _, *bound = scenarios.area_range_km2(taken, lines, before.area.geometry, reference=data.place("Idlib"))
        except InputError as exc:
            words = exc.reason.replace("line 'before'", f"the line of {before.as_of}")
            bound, no_bound_reason = (None, None), words.replace("line 'after'", f"the line of {after.as_of}")
    simulated = simulation.simulate_taken_km2(lines["before"], lines["after"], before.area.geometry, draws=draws,
                                              seed=seed, correlation_km=correlation_km)  # fmt: skip
    low, median, high = np.quantile(simulated, [(1 - interval) / 2, 0.5, (1 + interval) / 2])
    return {
        "start": str(start), "end": str(end), "line_start": before.as_of, "line_end": after.as_of,
        "area_km2": area, "interval": interval, "interval_low_km2": float(low), "interval_high_km2": float(high),
        "median_km2": float(median), "bound_low_km2": _km2_or_none(bound[0]), "bound_high_km2": _km2_or_none(bound[1]),
        "no_bound_reason": no_bound_reason, "draws": draws, "seed": seed, "correlation_km": correlation_km,
    }  # fmt: skip


def _km2_or_none(value) -> float | None:
    """``value`` as a float (km²), or None where there is no value."""
    return None if value is None else float(value)
