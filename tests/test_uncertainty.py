"""Membership probabilities against their analytic limits and a Monte-Carlo reference; displaced lines."""

import math

import numpy as np
import pandas as pd
import pytest
import shapely

from zonemap.errors import ArgumentError
from zonemap.geodesy.area import geodesic_area_km2
from zonemap.geodesy.projection import GEOD, LocalProjection, densify_geodesic
from zonemap.model import scenarios, uncertainty, zones


def test_normal_cdf_matches_erfc():
    z = np.linspace(-12, 12, 24_001)
    exact = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    assert np.abs(uncertainty.normal_cdf(z) - exact).max() < 5e-8
    assert np.isnan(uncertainty.normal_cdf([np.nan])).all()


def test_point_on_the_line_is_even_and_three_sigma_is_nearly_sure():
    sigma = uncertainty.combined_sigma_km(uncertainty.sigma_km(5.0), uncertainty.sigma_km(2.0))
    assert uncertainty.p_opposition(0.0, sigma) == pytest.approx(0.5, abs=0.01)
    assert uncertainty.p_opposition(3 * sigma, sigma) >= 0.99
    assert uncertainty.p_opposition(-3 * sigma, sigma) <= 0.01


def test_probabilities_are_monotone_in_the_signed_distance():
    d = np.linspace(-40, 60, 2001)
    p = uncertainty.p_opposition(d, 3.0)
    assert np.all(np.diff(p) >= 0) and p[0] < 1e-9 and p[-1] > 1 - 1e-9
    band = uncertainty.p_in_band(d, 20.0, 3.0)
    rising, falling = band[d <= 10], band[d >= 10]
    assert np.all(np.diff(rising) >= 0) and np.all(np.diff(falling) <= 0)


def test_deep_inside_the_band_with_tiny_errors_is_sure():
    assert uncertainty.p_in_band(10.0, 20.0, 0.01) == pytest.approx(1.0, abs=1e-12)
    assert uncertainty.p_in_band(10.0, 20.0, 0.0) == 1.0
    assert uncertainty.p_opposition([-1.0, 0.0, 1.0], 0.0).tolist() == [0.0, 0.5, 1.0]


def test_status_thresholds():
    assert uncertainty.status([0.95, 0.9499, 0.05, 0.0501]).tolist() == ["inside", "uncertain", "outside", "uncertain"]
    with pytest.raises(ArgumentError):
        uncertainty.status([0.5], 0.9, 0.1)


def test_event_accuracy_prefers_accuracy_km_then_geo_precision():
    frame = pd.DataFrame({"accuracy_km": [3.0, np.nan, np.nan, np.nan], "geo_precision": [1, 3, 7, 2]})
    assert uncertainty.event_accuracy_km(frame).tolist() == [3.0, 15.0, 2.0, 5.0]
    assert uncertainty.event_sigma_km(frame)[0] == pytest.approx(3.0 / 1.959964, rel=1e-6)
    basis = uncertainty.event_accuracy_basis(frame).tolist()
    assert basis == ["accuracy_km", "geo_precision 3 (15 km)", "default 2 km (none stated)", "geo_precision 2 (5 km)"]


@pytest.mark.parametrize("stated", [-1.0, np.inf, "five", 1e308])
def test_a_stated_accuracy_that_is_not_a_distance_is_refused_never_replaced(stated):
    frame = pd.DataFrame({"accuracy_km": [stated], "geo_precision": [2]})
    with pytest.raises(ArgumentError, match="accuracy_km .* is not a distance of 0 to 1,000 km"):
        uncertainty.event_accuracy_km(frame)


def test_add_probabilities_columns_and_missing_distances():
    frame = pd.DataFrame(
        {
            "dist_2018_km": [10.0, 0.0, np.nan, 40.0],
            "dist_2020_km": [-30.0, 0.0, 1.0, 2.0],
            "accuracy_km": [0.1, 2.0, 2.0, 2.0],
        }
    )
    out = uncertainty.add_probabilities(frame)
    assert out["p_in_dmz"].iloc[0] == pytest.approx(1.0, abs=1e-3)
    assert out["p_opposition_2018"].iloc[1] == pytest.approx(0.5, abs=1e-6)
    assert np.isnan(out["p_in_dmz"].iloc[2]) and pd.isna(out["dmz_status"].iloc[2])
    assert out["dmz_status"].tolist()[:1] + out["dmz_status"].tolist()[3:] == ["inside", "outside"]
    assert out["p_opposition_2020"].iloc[0] < 1e-6
    assert out["p_opposition"].equals(out["p_opposition_2018"])
    # one line accuracy for all lines, the exact limits at zero error
    exact = uncertainty.add_probabilities(frame, 0.0, event_accuracy_km=0.0)
    assert exact["p_in_dmz"].tolist()[:2] == [1.0, 0.5] and exact["p_opposition_2020"].tolist()[1] == 0.5


def test_line_in_force_column_is_used_for_p_opposition():
    frame = pd.DataFrame(
        {"dist_2018_km": [9.0], "dist_line_km": [-5.0], "line_accuracy_km": [1.0], "accuracy_km": [1.0]}
    )
    out = uncertainty.add_probabilities(frame)
    assert out["p_opposition"].item() < 0.01 < 0.99 < out["p_opposition_2018"].item()
    assert "p_opposition_line" not in out


def test_add_probabilities_refuses_what_it_cannot_answer():
    with pytest.raises(ArgumentError, match="dist_2018_km"):
        uncertainty.add_probabilities(pd.DataFrame({"dist_2020_km": [1.0]}))
    with pytest.raises(ArgumentError):
        uncertainty.add_probabilities(pd.DataFrame({"dist_2018_km": [1.0]}), -1.0)
    with pytest.raises(ArgumentError):
        uncertainty.add_probabilities(pd.DataFrame({"dist_2018_km": [1.0]}), dmz_width_km=0)


def test_closed_form_agrees_with_monte_carlo_shifts_of_line_and_point():
    """A curved line (a circle of 60 km, opposition inside), 300 points, 10,000 seeded draws that move
    the line by N(0, σ_line) across itself and each point by an isotropic N(0, σ_event²) in 2-D."""
    rng = np.random.default_rng(14)
    radius_km, width_km = 60.0, 20.0
    sigma_line, sigma_event = uncertainty.sigma_km(5.0), uncertainty.sigma_km(3.0)
    n_points, draws = 300, 10_000
    r = radius_km - rng.uniform(-15, 35, n_points)  # signed distance d = radius − r, from −15 to +35 km
    angle = rng.uniform(0, 2 * np.pi, n_points)
    x, y = r * np.cos(angle), r * np.sin(angle)
    inside_band = np.zeros(n_points)
    opposition = np.zeros(n_points)
    for chunk in np.array_split(np.arange(draws), 10):
        shift = rng.normal(0, sigma_line, (len(chunk), 1))  # the line's radius moves by −shift
        ex, ey = rng.normal(0, sigma_event, (2, len(chunk), n_points))
        true_d = (radius_km - shift) - np.hypot(x + ex, y + ey)
        opposition += (true_d > 0).sum(axis=0)
        inside_band += ((true_d > 0) & (true_d <= width_km)).sum(axis=0)
    d = radius_km - r
    sigma = uncertainty.combined_sigma_km(sigma_line, sigma_event)
    assert np.abs(uncertainty.p_opposition(d, sigma) - opposition / draws).max() < 0.02
    assert np.abs(uncertainty.p_in_band(d, width_km, sigma) - inside_band / draws).max() < 0.02


def test_expected_counts_match_the_poisson_binomial():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 40)
    frame = pd.DataFrame({"p_in_dmz": p, "event_date": pd.Timestamp("2020-02-01")})
    row = uncertainty.expected_counts(frame).iloc[0]
    distribution = np.array([1.0])
    for q in p:  # the exact distribution of the count, by convolution
        distribution = np.convolve(distribution, [1 - q, q])
    counts = np.arange(len(distribution))
    assert row["expected"] == pytest.approx((counts * distribution).sum())
    covered = distribution[(counts >= row["expected_low"]) & (counts <= row["expected_high"])].sum()
    assert 0.9 < covered < 0.99
    assert row["inside"] + row["uncertain"] + row["outside"] == row["events"] == 40


# --------------------------------------------------------------------------- displaced lines
def _geodesic_distance_to_line_m(lon, lat, line) -> float:
    """Brute force: the least pyproj.Geod distance from a point to a line densified every 20 m."""
    coords = shapely.get_coordinates(densify_geodesic(line, 0.02))
    return float(np.min(GEOD.inv(np.full(len(coords), lon), np.full(len(coords), lat), coords[:, 0], coords[:, 1])[2]))


@pytest.mark.parametrize("offset_km", [-5.0, 3.0])
def test_displaced_line_lies_at_the_offset_geodesically(offset_km):
    line = shapely.LineString([(36.2, 35.5), (36.6, 35.7), (37.0, 35.6)])
    moved = scenarios.displace_line(line, offset_km)
    inner = shapely.get_coordinates(shapely.segmentize(moved, 0.01))[5:-5]  # away from the round ends
    sample = inner[:: max(1, len(inner) // 25)]
    distances = [_geodesic_distance_to_line_m(lon, lat, line) for lon, lat in sample]
    assert np.allclose(distances, abs(offset_km) * 1000, atol=15.0)
    # + is to the left: the line runs east, so + moves it north
    assert (shapely.get_y(moved.interpolate(0.5, normalized=True)) > 35.7) == (offset_km > 0)


SLOPE = np.tan(np.radians(25.0))
PROJ = LocalProjection(36.6, 35.9)
BOX_M = shapely.box(-30_000, -30_000, 30_000, 30_000)
NORTH_M = shapely.Point(0, 29_000)


def _north_of(offset_m: float, within_m) -> float:
    """Geodesic area (km²) of ``within_m`` north of the slanted line y = SLOPE x moved by ``offset_m`` (+ north)."""
    cut = shapely.offset_curve(shapely.LineString([(-90_000, -90_000 * SLOPE), (90_000, 90_000 * SLOPE)]), offset_m)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all([within_m.boundary, cut]))))
    return geodesic_area_km2(PROJ.to_lonlat(next(f for f in faces if f.contains(NORTH_M))))


def _opposition_areas(area_m):
    line = PROJ.to_lonlat(shapely.LineString([(-30_000, -30_000 * SLOPE), (30_000, 30_000 * SLOPE)]))
    north = PROJ.to_lonlat(NORTH_M)
    out = {}
    for scenario in scenarios.scenarios({"line": (line, 5.0)}, PROJ.to_lonlat(area_m)):
        held = zones.opposition_side(scenario.lines["line"], scenario.area, opposition_at=north)
        out[scenario.offsets_km["line"]] = geodesic_area_km2(held)
    return out


def test_moved_line_short_of_the_edge_is_carried_to_it():
    """A slanted line across a 60 km square, moved 5 km either way: one end falls short of the edge
    (and would leave the square uncut). The side held matches the square cut by the moved line."""
    got = _opposition_areas(BOX_M)
    assert list(got) == [0.0, -5.0, 5.0]
    for offset_km, area in got.items():
        assert area == pytest.approx(_north_of(offset_km * 1000, BOX_M), rel=1e-3)


def test_outline_along_the_line_moves_with_it():
    """An area whose southern outline follows the line for 44 km (as the Idlib area follows the 2018
    line), then leaves it: moving the line 5 km south must add the 44 km x 5 km strip the area's
    outline moves with it, and 20 km x 5 km more where the area reaches past the line."""
    t = SLOPE
    area_m = shapely.Polygon(
        [(-30_000, -30_000 * t), (10_000, 10_000 * t), (10_000, 10_000 * t - 10_000),
         (30_000, 30_000 * t - 10_000), (30_000, 30_000), (-30_000, 30_000)]
    )  # fmt: skip
    got = _opposition_areas(area_m)
    followed_km, beyond_km = 40 / np.cos(np.radians(25)), 20 / np.cos(np.radians(25))
    assert got[-5.0] - got[0.0] == pytest.approx(5 * (followed_km + beyond_km), rel=0.03)
    assert got[5.0] == pytest.approx(_north_of(5000, area_m), rel=1e-3)


def test_zero_accuracy_leaves_everything_in_place():
    line = PROJ.to_lonlat(shapely.LineString([(-30_000, -30_000 * SLOPE), (30_000, 30_000 * SLOPE)]))
    assert [s.offsets_km for s in scenarios.scenarios({"line": (line, 0.0)}, PROJ.to_lonlat(BOX_M))] == [{"line": 0.0}]
    box = PROJ.to_lonlat(BOX_M)
    area, low, high = scenarios.outline_range_km2(box, 0.0)
    assert low == area == high


def test_same_line_under_two_names_moves_as_one():
    offsets = [s.offsets_km for s in scenarios.scenarios({"a": "2020", "b": "2020"})]
    assert offsets == [{"a": 0.0, "b": 0.0}, {"a": -5.0, "b": -5.0}, {"a": 5.0, "b": 5.0}]


def test_shipped_line_moved_either_way_never_raises():
    """Moving the 2018 line 5 km toward the opposition used to leave it short of the area's edge."""

    def band(lines, area):
        return zones.dmz_geometry(lines["line"], 20.0, area=area)

    area, low, high = scenarios.area_range_km2(band, {"line": "2018"})
    assert low < area < high and high - low > 300
