"""Turkish observation posts as of a date: drawn only while surely manned (established, not yet
withdrawn by the earliest report of their withdrawal), none after the zones ended."""

from __future__ import annotations

import pytest

import zonemap
from zonemap.render.layers import drawn_layers


def _posts_on(day) -> set[int]:
    drawn = drawn_layers(layers=["posts"], as_of=day)
    return set() if "posts" not in drawn else {int(n) for n in drawn["posts"].frame["sohr_no"]}


@pytest.mark.parametrize(
    ("day", "numbers"),
    [
        ("2020-10-18", set(range(1, 13))),  # all twelve set up by May 2018, none withdrawn yet
        ("2020-10-19", set(range(1, 13)) - {9}),  # Morek: Reuters 19 Oct 2020
        ("2020-11-01", set(range(1, 13)) - {3, 9, 11}),  # Sheikh Aqil and Shir Mughar: "Nov 2020" counts from 1 Nov
        ("2021-02-01", {1, 2, 8, 12}),  # the four posts reported manned after the withdrawals
        ("2024-12-07", {1, 2, 8, 12}),
        ("2024-12-08", set()),  # the zones ended: posts of an agreement that no longer held
    ],
)
def test_posts_are_drawn_only_while_manned(day, numbers):
    assert _posts_on(day) == numbers


def test_every_post_cites_its_withdrawal_or_its_staying():
    places = zonemap.load_layer("places")
    posts = places[places["kind"] == "observation_post"]
    assert len(posts) == 12
    for post in posts.itertuples():
        if isinstance(post.withdrawn, str):
            assert f"withdrawn {post.withdrawn}: " in post.source and "http" in post.source.split("withdrawn")[-1]
        else:
            assert "not reported withdrawn; latest report of it manned:" in post.source
    assert dict(zip(posts["sohr_no"], posts["withdrawn"].fillna(""))) == {
        1: "", 2: "", 3: "2020-11", 4: "2020-12-16", 5: "2020-12-17", 6: "2020-12-10",
        7: "2020-12-27", 8: "", 9: "2020-10-19", 10: "2020-11-26", 11: "2020-11", 12: "",
    }  # fmt: skip


def test_the_legend_says_how_many_posts_are_left_out():
    drawn = drawn_layers(layers=["posts"], as_of="2021-02-01")
    assert drawn["posts"].label.endswith("manned on 1 Feb 2021 (8 not yet or no longer)")
