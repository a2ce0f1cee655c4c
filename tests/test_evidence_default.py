"""The evidence timeline is the default (issue 29): every answer as of a date uses the evidence line of
that day with its accuracy per stretch; the hand-digitised lines stay a named cross-check ("hand")."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zonemap import cli
from zonemap.errors import ArgumentError
from zonemap.geodesy.projection import LocalProjection
from zonemap.incidents.classification import classify
from zonemap.model import data, gazetteer, zones
from zonemap.model import timeline as tl

#: A day between two hand lines (31 Aug 2019 and 29 Jan 2020) on which the evidence has a line of its own.
BETWEEN_HAND_LINES = "2019-10-01"


def _file_lines(layer: str) -> gpd.GeoDataFrame:
    """A shipped timeline read straight from its file, not through zonemap: what the default must be."""
    frame = gpd.read_file(data.geodata_dir() / f"{layer}.geojson")
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.strftime("%Y-%m-%d")
    return frame.sort_values("as_of").reset_index(drop=True)


def _in_force(frame: gpd.GeoDataFrame, day: str) -> str:
    """The as_of of the file's latest line dated on or before ``day``."""
    return frame.loc[frame["as_of"] <= day, "as_of"].iloc[-1]


def _events(points, dates) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"event_date": pd.to_datetime(dates)}, geometry=[shapely.Point(p) for p in points], crs="EPSG:4326"
    )


def test_the_default_timeline_is_the_evidence_file_and_hand_is_the_cross_check():
    evidence, hand = _file_lines("evidence_timeline"), _file_lines("contact_line_timeline")
    assert len(evidence) != len(hand)  # else this test could not tell them apart
    default = tl.load_timeline()
    assert default is tl.load_timeline("evidence")
    assert default.as_of == evidence["as_of"].tolist() and default.label == "the evidence timeline"
    assert tl.hand_timeline() is tl.load_timeline("hand")
    assert tl.hand_timeline().as_of == hand["as_of"].tolist()
    assert tl.timeline()["as_of"].tolist() == evidence["as_of"].tolist()
    assert tl.timeline("hand")["as_of"].tolist() == hand["as_of"].tolist()


def test_an_event_between_two_hand_lines_gets_the_evidence_line_of_its_own_day():
    evidence, hand = _file_lines("evidence_timeline"), _file_lines("contact_line_timeline")
    own, hand_day = _in_force(evidence, BETWEEN_HAND_LINES), _in_force(hand, BETWEEN_HAND_LINES)
    assert own != hand_day
    idlib = data.place("Idlib")
    events = _events([(idlib.x, idlib.y)], [BETWEEN_HAND_LINES])
    default = classify(events)
    assert default["line_date"].dt.strftime("%Y-%m-%d").tolist() == [own]
    expected_until = evidence.loc[evidence["as_of"] == own, "valid_until"].map(lambda d: str(d)[:10]).tolist()
    assert default["line_until"].dt.strftime("%Y-%m-%d").tolist() == expected_until
    assert default["side"].astype(str).tolist() == ["opposition"]
    crosscheck = classify(events, timeline="hand")
    assert crosscheck["line_date"].dt.strftime("%Y-%m-%d").tolist() == [hand_day]
    assert tl.zones_as_of(BETWEEN_HAND_LINES).as_of == own
    assert tl.zones_as_of(BETWEEN_HAND_LINES, "hand").as_of == hand_day
    assert tl.line_as_of(BETWEEN_HAND_LINES).as_of == own


def _stretches(state):
    """(segment index, its two vertices' mean accuracy, a point 1 km off its middle) for the line's long
    stretches whose middle-offset point is nearest to that stretch."""
    xy = shapely.get_coordinates(state.line.geometry)
    accuracy = np.asarray(state.stretch_accuracy_km, dtype=float)
    found = []
    for k in range(len(xy) - 1):
        middle = (xy[k] + xy[k + 1]) / 2
        proj = LocalProjection(*middle)
        a, b = shapely.get_coordinates(proj.to_metric(shapely.LineString(xy[k : k + 2])))
        if np.hypot(*(b - a)) < 5_000:
            continue
        normal = np.array([-(b - a)[1], (b - a)[0]]) / np.hypot(*(b - a))
        point = proj.to_lonlat(shapely.Point(normal * 1_000.0))
        metric = shapely.get_coordinates(proj.to_metric(shapely.LineString(xy)))
        segments = [shapely.LineString(metric[i : i + 2]) for i in range(len(metric) - 1)]
        here = proj.to_metric(point)
        if int(np.argmin([s.distance(here) for s in segments])) == k:
            found.append((k, (accuracy[k] + accuracy[k + 1]) / 2, (point.x, point.y)))
    return found


def test_each_event_gets_the_accuracy_of_the_evidence_lines_stretch_nearest_it():
    state = tl.zones_as_of(BETWEEN_HAND_LINES)
    assert state.vertex_accuracy_km is not None
    expected = [vertex["accuracy_km"] for vertex in _vertices(state)]
    assert np.asarray(state.stretch_accuracy_km).tolist() == expected  # the file's per-vertex accuracies
    stretches = _stretches(state)
    low, high = min(stretches, key=lambda s: s[1]), max(stretches, key=lambda s: s[1])
    assert high[1] - low[1] > 5.0  # the line's accuracy differs along it
    result = classify(_events([low[2], high[2]], [BETWEEN_HAND_LINES] * 2))
    assert result["line_accuracy_km"].tolist() == pytest.approx([low[1], high[1]], abs=0.1)
    assert (result["line_date"].dt.strftime("%Y-%m-%d") == state.as_of).all()
    wider = result["p_opposition"].sub(0.5).abs()  # 1 km from the line, a wider stretch is less sure
    assert wider.iloc[1] < wider.iloc[0]


def _vertices(state) -> list[dict]:
    frame = tl.load_timeline().frame
    return json.loads(frame["vertices"].iloc[state.index])


def test_before_the_first_evidence_line_and_after_the_zones_there_is_no_line():
    first = _file_lines("evidence_timeline")["as_of"].iloc[0]
    before = str(np.datetime64(first) - 1)
    with pytest.raises(
        ArgumentError, match=rf"no contact line in force on {before} .*before the first dated line \({first}\)"
    ):
        tl.zones_as_of(before)
    assert tl.zones_as_of(first).as_of == first
    with pytest.raises(ArgumentError, match="after the zones ended on 2024-12-08"):
        tl.zones_as_of("2024-12-08")
    idlib = data.place("Idlib")
    result = classify(_events([(idlib.x, idlib.y)] * 3, [before, first, "2024-12-08"]))
    assert result["side"].isna().tolist() == [True, False, True]
    assert "before the first dated line" in result["as_of_basis"].iloc[0] and "ended" in result["as_of_basis"].iloc[2]


def test_the_sochi_dmz_stays_on_the_2018_line_whatever_the_timeline():
    sochi = zones.as_line("2018")
    for source in (None, "hand"):
        state = tl.zones_as_of(BETWEEN_HAND_LINES, source)
        assert state.dmz_line.geometry.equals(sochi.geometry) and state.dmz_line.as_of == "2018-09-17"
    assert "2018-09-17" not in tl.load_timeline().as_of  # the evidence has no line of that day: the DMZ must not move
    dmz_default, dmz_hand = (tl.zones_as_of(BETWEEN_HAND_LINES, s).dmz(20.0) for s in (None, "hand"))
    assert dmz_default.equals(dmz_hand)


def test_places_as_of_use_the_evidence_line_of_the_day():
    own = _in_force(_file_lines("evidence_timeline"), BETWEEN_HAND_LINES)
    found = gazetteer.places_in("idlib_area", as_of=BETWEEN_HAND_LINES)
    assert set(found["line_date"]) == {own}
    state = tl.zones_as_of(BETWEEN_HAND_LINES)
    xy = shapely.get_coordinates(found.geometry.to_numpy())
    assert found["side_as_of"].tolist() == state.side(xy[:, 0], xy[:, 1]).tolist()


def test_cli_timeline_names_evidence_hand_or_a_file(capsys):
    evidence, hand = _file_lines("evidence_timeline"), _file_lines("contact_line_timeline")
    outputs = {}
    for option in ([], ["--timeline", "evidence"], ["--timeline", "hand"]):
        assert cli.main(["timeline", *option, "--as-of", BETWEEN_HAND_LINES]) == 0
        outputs[tuple(option)] = capsys.readouterr().out
    assert f"dated {_in_force(evidence, BETWEEN_HAND_LINES)}," in outputs[()]
    assert outputs[()] == outputs[("--timeline", "evidence")]
    assert f"dated {_in_force(hand, BETWEEN_HAND_LINES)}," in outputs[("--timeline", "hand")]
    assert cli.main(["timeline", "--timeline", "hand", "--accuracy-km", "5"]) == 2
    assert "give --timeline FILE" in capsys.readouterr().err


def test_an_area_range_the_moved_lines_cannot_give_is_left_out_and_said_why():
    frame = _file_lines("contact_line_timeline")  # a hand line, 6 km all along: a range can be measured
    line = frame[frame["as_of"].astype(str).str.startswith("2019-08-31")].drop(columns="vertices")  # one: fast
    table = tl.timeline_table(line, ranges=True)
    assert table["no_range_reason"].iloc[0] is None
    low, area, high = (table[f"opposition_km2{end}"].iloc[0] for end in ("_low", "", "_high"))
    assert low <= area <= high and low < high
    wide = tl.timeline_table(line.assign(accuracy_km=45.0), ranges=True)  # moved 45 km, it leaves the area
    assert np.isnan(wide["opposition_km2_low"].iloc[0]) and np.isnan(wide["dmz_opposition_km2_high"].iloc[0])
    assert wide["opposition_km2"].iloc[0] == pytest.approx(table["opposition_km2"].iloc[0])
    assert "45 km" in wide["no_range_reason"].iloc[0]
    assert "no area range can be measured" in wide["no_range_reason"].iloc[0]


def test_the_between_interval_follows_each_stretchs_accuracy():
    from zonemap.model import areas, simulation

    start, end = tl.zones_as_of("2019-06-01"), tl.zones_as_of("2020-03-05")
    assert start.vertex_accuracy_km.std() > 1 and end.vertex_accuracy_km.std() > 1  # accuracies vary along
    taken = areas.taken_between_km2("2019-06-01", "2020-03-05", draws=30)
    along = simulation.simulate_taken_km2(
        (start.line.geometry, start.vertex_accuracy_km), (end.line.geometry, end.vertex_accuracy_km), draws=30
    )
    flat = simulation.simulate_taken_km2(start.line, end.line, draws=30)  # each line's one accuracy_km
    assert (taken["interval_low_km2"], taken["interval_high_km2"]) == pytest.approx(
        tuple(np.quantile(along, [0.05, 0.95]))
    )
    assert not np.allclose(along, flat)


def test_the_default_named_is_the_default_models_cache_file():
    from zonemap.model import cache

    assert cache._model_key({"timeline": "evidence"}) == cache._model_key({"timeline": None})
    assert cache._model_key({"timeline": "hand"}) != cache._model_key({"timeline": None})
