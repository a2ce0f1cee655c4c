"""Every output as of a date: map, figure and export draw the zones in force then, the line of the date
with its accuracy band and the opposition-held area, and say the date."""

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from zonemap import cli
from zonemap.model import timeline
from zonemap.render import export, figure, maps
from zonemap.render.layers import drawn_layers

DAY = "2019-09-01"  # before the M4 corridor (6 Mar 2020) and the 2020 line
STATE = timeline.zones_as_of(DAY)  # the evidence line in force that day (the hand line then: 31 Aug 2019)
LINE_DAY = pd.Timestamp(STATE.as_of).strftime("%-d %b %Y")


def test_layers_as_of_a_date_are_those_in_force_with_the_line_of_the_date():
    drawn = drawn_layers(as_of=DAY)
    assert "m4_corridor" not in drawn and "astana" not in drawn  # not yet / no longer in force
    assert "line_2018" not in drawn and "line_2020" not in drawn
    line = drawn["line_as_of"].frame
    assert line["as_of"].tolist() == [STATE.as_of] and line["until"].tolist() == [STATE.until]
    assert STATE.as_of == timeline.load_timeline().as_of[timeline.line_index([DAY])[0]] != "2019-08-31"
    assert line.geometry.iloc[0].equals(timeline.line_as_of(DAY).geometry)
    assert drawn["held"].frame.geometry.iloc[0].equals(timeline.zones_as_of(DAY).opposition)
    assert drawn["halo"].frame["accuracy_km"].tolist() == [timeline.zones_as_of(DAY).accuracy_km]
    hand = drawn_layers(as_of=DAY, timeline_source="hand")["line_as_of"].frame
    assert hand["as_of"].tolist() == ["2019-08-31"] and hand["until"].tolist() == ["2020-01-29"]
    assert "1 Sep 2019" in drawn["line_as_of"].label and "1 Sep 2019" in drawn["held"].label


def test_zones_not_in_force_drawn_faded_only_when_asked():
    drawn = drawn_layers(as_of=DAY, show_inactive=True)
    assert drawn["m4_corridor"].frame["_style"].tolist() == ["inactive"]
    assert drawn["m4_corridor"].label.endswith("not in force on 1 Sep 2019")
    assert set(drawn["astana"].frame["_style"]) == {"inactive"}  # Homs, Ghouta, south all ended in 2018
    assert "inactive" not in set(drawn["dmz"].frame["_style"])
    early = drawn_layers(as_of="2018-05-01", show_inactive=True)["astana"].frame  # Homs until 16 May 2018
    assert dict(zip(early["zone"], early["_style"])) == {
        "northern_homs": "outer", "eastern_ghouta": "inactive", "southern": "outer"}  # fmt: skip


def test_before_the_first_line_no_line_is_drawn_and_observation_posts_follow_their_dates():
    before = str(np.datetime64(timeline.load_timeline().as_of[0]) - 1)
    drawn = drawn_layers(as_of=before)
    assert "line_as_of" not in drawn and "held" not in drawn and "dmz" not in drawn
    drawn = drawn_layers(as_of="2018-03-01", timeline_source="hand")  # before the first hand line
    assert "line_as_of" not in drawn and "held" not in drawn and "dmz" not in drawn
    assert "line_as_of" in drawn_layers(as_of="2018-03-01")  # the evidence has a line that day
    assert sorted(drawn["posts"].frame["number"].astype(int)) == [1, 2, 3, 4, 5, 6]


def test_figure_as_of_draws_no_corridor_and_says_the_date():
    fig = figure.zone_figure(as_of=DAY)
    ax = fig.axes[0]
    assert ax.get_title(loc="left").endswith("as of 1 Sep 2019")
    gids = {artist.get_gid() for artist in ax.collections}
    assert "layer-m4_corridor" not in gids and "layer-line_as_of" in gids and "layer-held" in gids
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert f"Contact line in force on 1 Sep 2019 (line of {LINE_DAY})" in legend.replace("\n", " ")
    assert "M4" not in ax.texts[0].get_text() and "In force on 1 Sep 2019" in ax.texts[0].get_text()


def test_cli_figure_and_map_take_as_of(tmp_path, capsys):
    png = tmp_path / "f.png"
    assert cli.main(["figure", "--as-of", DAY, "-o", str(png), "--dpi", "40"]) == 0
    html = tmp_path / "m.html"
    assert cli.main(["map", "--as-of", DAY, "-o", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    legend = json.loads(re.search(r'id="zonemap-legend">(.*?)</script>', page).group(1))
    assert legend["title"].endswith(", as of 1 Sep 2019")
    data = json.loads(re.search(r'id="zonemap-data">(.*?)</script>', page).group(1))
    assert "m4_corridor" not in data and "line_2020" not in data
    start = STATE.index  # the date control starts on the line in force that day
    assert re.search(rf"show\({start}\);\s*\}}\)\(\);", page)
    assert cli.main(["map", "--as-of", "not a date", "-o", str(html)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_map_without_date_control_draws_the_line_and_held_area_of_the_date():
    page = maps.zone_map(as_of=DAY, date_control=False).get_root().render()
    data = json.loads(re.search(r'id="zonemap-data">(.*?)</script>', page).group(1))
    assert data["line_as_of"]["features"][0]["properties"]["as_of"] == STATE.as_of
    assert "held" in data


@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_export_as_of(tmp_path, fmt):
    path = tmp_path / f"zones.{fmt}"
    counts = export.export_layers(path, fmt, as_of=DAY)
    assert "m4_corridor" not in counts and counts["contact_line_timeline"] == 1 and counts["opposition_held"] == 1
    if fmt == "gpkg":
        held = gpd.read_file(path, layer="opposition_held")
        assert str(held["as_of"].iloc[0])[:10] == STATE.as_of
    assert cli.main(["export", "--format", fmt, "--as-of", DAY, "-o", str(tmp_path / f"cli.{fmt}")]) == 0
