"""Counts that add up: certainly inside + uncertain but inside = inside the band; the uncertain outside
are counted apart; expected = Σp. Checked with numbers, in the CLI line, the summaries and expected_counts."""

import re

import numpy as np
import pandas as pd
import pytest

import zonemap
from zonemap import cli
from zonemap.incidents import summary
from zonemap.model import uncertainty

FRAME = pd.DataFrame(
    {
        "in_dmz_20km_2018_line": [True, True, True, False, False, False, True],
        "p_in_dmz": [0.99, 0.96, 0.5, 0.7, 0.04, 0.2, 0.02],  # the last: drawn inside, yet p ≤ 0.05
        "fatalities": [1.0, 0, 2, 0, 0, 0, 0],
        "event_date": pd.to_datetime(
            ["2019-01-05", "2019-01-20", "2019-02-01", "2019-02-03", "2019-02-09", "2019-01-01", "2019-02-28"]
        ),  # fmt: skip
    }
)


def test_zone_counts_parts_add_up_to_the_band():
    row = summary.zone_counts(FRAME).set_index("zone").loc["dmz_20km_2018_line"]
    assert row["events"] == 4
    assert (row["certain_inside"], row["uncertain_inside"], row["uncertain_outside"]) == (2, 2, 2)
    assert row["certain_inside"] + row["uncertain_inside"] == row["events"]
    assert row["expected"] == pytest.approx(0.99 + 0.96 + 0.5 + 0.7 + 0.04 + 0.2 + 0.02)


def test_monthly_parts_add_up_to_the_band_and_to_the_whole():
    table = summary.monthly_summary(FRAME).set_index(["zone", "month"])
    band = table.loc["dmz_20km_2018_line"]
    assert band["events"].tolist() == [2, 2]  # January: 2 inside; February: 2 inside (and 2 outside, one uncertain)
    assert (band["certain_inside"] + band["uncertain_inside"]).tolist() == band["events"].tolist()
    assert band["uncertain_outside"].tolist() == [1, 1]
    assert band["expected"].sum() == pytest.approx(FRAME["p_in_dmz"].sum())
    assert band["certain_inside"].dtype == "Int64"  # whole numbers in the CSV, not 1.0


def test_expected_counts_split_the_uncertain_by_where_the_map_draws_them():
    table = uncertainty.expected_counts(FRAME, zone_column="in_dmz_20km_2018_line", by_month=False).iloc[0]
    assert (table["inside"], table["uncertain"], table["outside"]) == (2, 3, 2)
    assert table["inside"] + table["uncertain"] + table["outside"] == table["events"] == 7
    assert (table["uncertain_inside"], table["uncertain_outside"]) == (1, 2)
    assert table["uncertain_inside"] + table["uncertain_outside"] == table["uncertain"]


def test_cli_line_says_parts_that_add_up(tmp_path, capsys):
    events = zonemap.synthetic_incidents(400, seed=7)
    source = tmp_path / "events.csv"
    table = events.drop(columns="geometry").assign(longitude=events.geometry.x, latitude=events.geometry.y)
    table.to_csv(source, index=False)
    out = tmp_path / "out.parquet"
    assert cli.main(["incidents", str(source), "-o", str(out)]) == 0
    line = capsys.readouterr().out
    match = re.search(r"dmz_20km_2018_line ([\d,]+) \([\d,]+ killed: ([\d,]+) certainly inside \+ ([\d,]+) uncertain "
                      r"but inside; ([\d,]+) more uncertain but outside; expected ([\d,.]+)\)", line)  # fmt: skip
    assert match, line
    total, sure, maybe_in, maybe_out = (int(g.replace(",", "")) for g in match.groups()[:4])
    classified = pd.read_parquet(out)
    inside = classified["in_dmz_20km_2018_line"].fillna(False).to_numpy(dtype=bool)
    p = classified["p_in_dmz"].to_numpy(dtype=float)
    assert sure + maybe_in == total == inside.sum()
    assert maybe_out == int((~inside & (p > 0.05)).sum())
    assert float(match.group(5).replace(",", "")) == pytest.approx(np.nansum(p), abs=0.05)
