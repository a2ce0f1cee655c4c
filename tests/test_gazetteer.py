"""The gazetteer: places by any alias, places inside zones, OCHA governorates of points."""

import json
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pytest
import shapely

import zonemap
from zonemap import cli
from zonemap.errors import ArgumentError, InputError
from zonemap.geodesy.projection import GEOD, densify_geodesic
from zonemap.model import data, gazetteer, zones

#: lon 35.8-37.6, lat 35.0-36.7: the region the gazetteer must cover with at least 150 places.
REGION = (35.8, 35.0, 37.6, 36.7)


# --------------------------------------------------------------------------- contents
def test_gazetteer_covers_the_region():
    places = data.load_layer("places")
    assert len(places.cx[REGION[0] : REGION[2], REGION[1] : REGION[3]]) >= 150
    assert places["name"].is_unique


def test_every_curated_place_has_a_cited_arabic_name():
    places = data.load_layer("places")
    curated = places[places["kind"] != "populated_place"]
    assert len(curated) >= 50
    assert curated["name_ar"].str.contains("[\u0600-\u06ff]").all()
    assert curated["name_ar_source"].str.len().gt(20).all()


def test_every_syrian_place_has_its_ocha_governorate():
    places = data.load_layer("places")
    syrian = places[places["country"] == "SY"]
    govs = data.load_layer("governorates").set_index("pcode")
    assert syrian["admin1_pcode"].notna().all()
    assert (syrian["admin1"].to_numpy() == govs.loc[syrian["admin1_pcode"], "name_en"].to_numpy()).all()


def test_all_twelve_observation_posts_with_sohr_number_and_date():
    posts = data.load_layer("places").query("kind == 'observation_post'").sort_values("sohr_no")
    assert posts["sohr_no"].tolist() == list(range(1, 13))
    assert posts["established"].str.match(r"20(17|18)-\d\d").all()
    zaytunah = posts[posts["sohr_no"] == 8].iloc[0]
    assert zaytunah["admin1_pcode"] == "SY06" and zaytunah["accuracy_km"] >= 2  # Jabal al-Turkman, Latakia
    assert "2018-04-03" in zaytunah["established"] and "No source gives coordinates" in zaytunah["notes"]
    # about 200 m from the border, measured geodesically to OCHA's outline
    border = shapely.get_coordinates(
        densify_geodesic(data.load_layer("countries").set_index("name").geometry["Syria"].boundary, 0.05)
    )
    near = border[np.hypot(border[:, 0] - zaytunah.geometry.x, border[:, 1] - zaytunah.geometry.y) < 0.05]
    distance_m = GEOD.inv(np.full(len(near), zaytunah.geometry.x), np.full(len(near), zaytunah.geometry.y), *near.T)[2]
    assert 150 < distance_m.min() < 260


# --------------------------------------------------------------------------- finding places
@pytest.mark.parametrize(
    "name, aliases",
    [
        ("Saraqib", ["Saraqeb", "SARAQIB", "سراقب"]),
        ("Maarat Misrin", ["Maaret Tamsrin", "Ma‘arratmişrīn", "maarat misrin"]),
        ("Jisr al-Shughur", ["Jisr Ash-Shugur", "Jisr ash Shughūr", "جسر الشغور"]),
        ("Maarat al-Numan", ["Ma'arrat an-Nu'man", "Maarat al Numan", "معرة النعمان"]),
        ("Ain al-Hawr", ["Ain al-Havr", "ain al hawr", "Ayn al-Hawr"]),
        ("Khan Shaykhun", ["Khan Sheikhoun", "Khān Shaykhūn", "خان شيخون"]),
        ("Kafranbel", ["Kafr Nabl", "KAFRANBEL", "كفرنبل"]),
        ("Idlib", ["Idleb", "Edlib", "إدلب"]),
        ("Tell Rifaat", ["Tall Rif‘at", "Tal Rifaat", "تل رفعت"]),
        ("Morek", ["Murak", "Mūrak", "مورك"]),
        ("Zaytunah observation post", ["OP 8", "observation post 8", "al-Zaytunah"]),
        ("Ḩīsh", ["Hish", "hīsh", "HISH"]),
        ("Kafr Nabudah", ["Kafar Nabuda", "Kfar Nabuda", "كفر نبودة"]),
    ],
)
def test_known_places_resolve_by_three_aliases(name, aliases):
    point = data.place(name)
    for alias in aliases:
        assert data.place(alias) == point, alias
        assert gazetteer.lookup(alias)["name"].item() == name


def test_no_match_suggests_near_names():
    with pytest.raises(InputError, match="no place named 'Saraqab'.*did you mean .*Saraqib"):
        zonemap.place("Saraqab")
    with pytest.raises(InputError, match=r"no place named 'Xq'[^;]*$"):
        zonemap.place("Xq")


def test_a_place_named_like_another_alias_is_reached_by_its_own_name():
    suran_hama, suran_aleppo = data.place("Suran"), data.place("Şūrān (Aleppo)")
    assert suran_hama != suran_aleppo
    pcodes, _ = data.admin1_of([suran_hama.x, suran_aleppo.x], [suran_hama.y, suran_aleppo.y])
    assert pcodes.tolist() == ["SY05", "SY02"]


def test_fold_name_ignores_case_diacritics_articles_and_spelling_details():
    assert data.fold_name("Ma‘arrat an Nu‘mān") == data.fold_name("MAARAT AL-NUMAN") == "maratnuman"
    assert data.fold_name("Tall Rif‘at") == data.fold_name("Tell Rifaat")
    assert data.fold_name("إدلب") == data.fold_name("ادلب")
    assert data.fold_name("Al") == "al"  # a name made only of an article is kept


# --------------------------------------------------------------------------- places in zones
def _km_to_line(point, line) -> float:
    """Slow reference: geodesic distance (km) from a point to a line densified every 100 m."""
    xy = shapely.get_coordinates(densify_geodesic(line, 0.1))
    return GEOD.inv(np.full(len(xy), point.x), np.full(len(xy), point.y), xy[:, 0], xy[:, 1])[2].min() / 1000


#: Places known inside / outside the 20 km DMZ of the September 2018 line (none within 1.5 km of an edge).
DMZ_2018 = [
    ("Khan Shaykhun", True),
    ("Jisr al-Shughur", True),
    ("Kafr Zita", True),
    ("Morek", True),
    ("Latamneh", True),
    ("Khan Tuman", True),
    ("Idlib", False),  # opposition side, 35 km from the line
    ("Binnish", False),
    ("Maarat al-Numan", False),
    ("Atarib", False),
    ("Ariha", False),
    ("Hama", False),  # government side
    ("Aleppo", False),
    ("Halfaya", False),
    ("Suran", False),
    ("Afrin", False),  # outside the Idlib area
]


def test_places_in_the_2018_dmz_against_a_table_checked_with_pyproj_geod():
    inside = set(zonemap.places_in("dmz_20km")["name"])
    line = data.contact_line("2018").geometry.iloc[0]
    opposition = zones.opposition_side("2018")
    for name, expected in DMZ_2018:
        assert (name in inside) is expected, name
        point = data.place(name)
        by_hand = bool(opposition.contains(point) and _km_to_line(point, line) < 20.0)
        assert by_hand is expected, name


def test_places_in_reports_the_distance_to_the_zone_edge():
    found = zonemap.places_in("dmz_20km").set_index("name")
    band = zonemap.zone_model().zones["dmz_20km_2018_line"]
    for name in ("Khan Shaykhun", "Jisr al-Shughur", "Latamneh"):
        by_hand = _km_to_line(data.place(name), band.boundary)  # the band's edges: the line and the 20 km edge
        assert found.loc[name, "to_edge_km"] == pytest.approx(by_hand, abs=0.02), name
    assert (found["to_edge_km"] >= 0).all()


def test_places_in_a_users_line():
    user_line = data.contact_line("2020")[["geometry"]]  # a plain frame: zonemap sees a user's line
    mine = zonemap.places_in("dmz_20km", contact_line=user_line)
    assert set(mine["name"]) == set(zonemap.places_in("dmz_20km", contact_line="2020")["name"])
    assert "Idlib" in set(mine["name"]) and "Saraqib" not in set(mine["name"])  # Saraqib: government side in 2020
    assert _km_to_line(data.place("Idlib"), user_line.geometry.iloc[0]) < 20


def test_places_in_as_of_keeps_the_zone_and_judges_sides_on_the_line_in_force():
    found = zonemap.places_in("dmz_20km", as_of="2020-03-06")
    assert set(found["side_as_of"]) <= {"opposition", "government", "outside"}
    assert "Idlib" not in set(found["name"])  # the Sochi DMZ stays the band on the 2018 line
    with pytest.raises(
        ArgumentError, match="not in force on 2017-01-01: it was from 2018-09-17 up to, not including, 2024-11-27"
    ):
        zonemap.places_in("dmz_20km", as_of="2017-01-01")
    band = zonemap.places_in("dmz_20km", as_of="2020-03-06", contact_line="2020")  # asked for by name
    assert "Idlib" in set(band["name"]) and "not the Sochi DMZ" in band.attrs["zone"]


def test_places_in_other_zones_and_bad_zone():
    corridor = zonemap.places_in("m4_corridor", kinds=["town", "village"])
    assert {"Ariha", "Jisr al-Shughur", "Mhambel"} <= set(corridor["name"])
    assert "Saraqib" not in set(corridor["name"])  # 2 km east of Trumba, where the corridor ends square
    assert "Rastan" in set(zonemap.places_in("northern_homs")["name"])
    with pytest.raises(ArgumentError, match="unknown zone 'dmz'; choose one of idlib"):
        zonemap.places_in("dmz")


# --------------------------------------------------------------------------- governorates of points
def test_admin1_of_known_points():
    pcode, name = data.admin1_of(
        [36.6339, 37.1612, 36.7578, 35.7823, 36.16, 40.0], [35.9306, 36.2012, 35.1318, 35.5236, 36.21, 30.0]
    )
    assert pcode.tolist() == ["SY07", "SY02", "SY05", "SY06", None, None]  # Antakya (Turkey), a desert point
    assert name.tolist() == ["Idleb", "Aleppo", "Hama", "Lattakia", None, None]


def test_admin1_of_matches_a_slow_reference_and_is_thread_safe():
    rng = np.random.default_rng(16)
    lon, lat = rng.uniform(35.5, 42.5, 4000), rng.uniform(32.0, 37.5, 4000)
    pcode, _ = data.admin1_of(lon, lat)
    govs = data.load_layer("governorates")
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    joined = points.sjoin(govs[["pcode", "geometry"]], how="left", predicate="intersects")
    reference = joined[~joined.index.duplicated()]["pcode"].to_numpy(dtype=object)
    assert (pcode == np.where(reference == reference, reference, None)).all()
    with ThreadPoolExecutor(4) as pool:
        parts = list(
            pool.map(lambda s: data.admin1_of(lon[s], lat[s])[0], [slice(i, i + 500) for i in range(0, 4000, 500)])
        )
    assert (np.concatenate(parts) == pcode).all()


# --------------------------------------------------------------------------- CLI
def test_cli_places(capsys):
    assert cli.main(["places", "--in", "dmz_20km", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    names = {r["name"] for r in records}
    assert {"Khan Shaykhun", "Jisr al-Shughur"} <= names and "Idlib" not in names
    assert all(isinstance(r["lon"], float) and r["admin1_pcode"] for r in records if r["country"] == "SY")
    assert cli.main(["places", "--in", "m4_corridor"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["name", "kind", "governorate"] and out[-1].endswith("places in m4_corridor")
    assert cli.main(["places", "--in", "nowhere"]) == 2
    assert "unknown zone 'nowhere'" in capsys.readouterr().err
