"""Which place matched; a file's own admin columns kept, zonemap's named ocha_*."""

import pandas as pd
import pytest

import zonemap
from zonemap import cli


def test_lookup_says_which_place_matched_and_how():
    row = zonemap.lookup("Maarat al-Numan").iloc[0]
    assert row["name"] == "Maarat al-Numan" and row["match"] == "name" and row["similarity"] == 1.0
    alias = zonemap.lookup("idleb").iloc[0]
    assert (alias["name"], alias["matched"], alias["match"]) == ("Idlib", "Idleb", "alias")
    assert alias["similarity"] == pytest.approx(0.8)  # "idleb" against "Idleb": case differs
    arabic = zonemap.lookup("معرة النعمان").iloc[0]
    assert arabic["match"] == "name_ar" and arabic["source"]
    assert zonemap.place("idleb") == alias.geometry  # place() still gives the point


def test_a_files_own_admin_columns_stay_and_zonemaps_are_named_ocha(tmp_path):
    source = tmp_path / "acled.csv"
    pd.DataFrame({"event_date": ["2020-02-01"], "latitude": [35.93], "longitude": [36.63], "admin1": ["Idleb"],
                  "admin2": ["Idleb"], "admin3": ["Idleb"], "fatalities": [0]}).to_csv(source, index=False)  # fmt: skip
    out = tmp_path / "out.csv"
    assert cli.main(["incidents", str(source), "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert table[["admin1", "admin2", "admin3"]].iloc[0].tolist() == ["Idleb"] * 3
    assert table[["ocha_admin1_pcode", "ocha_admin1"]].iloc[0].tolist() == ["SY07", "Idleb"]
    assert not [c for c in table.columns if c.endswith("_in_file")]


def test_a_users_column_named_like_ours_is_still_kept():
    events = zonemap.synthetic_incidents(3, seed=1).assign(side=["a", "b", "c"])
    with_side = zonemap.classify(events)
    assert with_side["side_in_file"].tolist() == ["a", "b", "c"]  # not zonemap's output: kept, renamed
