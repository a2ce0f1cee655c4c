"""Seeded synthetic incidents (ACLED-like columns) for tests, benchmarks and demonstrations.

Not real events: most lie within a few km of the 2018 and 2020 contact lines, the rest anywhere
in north-west Syria; dates, types, actors and fatalities are drawn at random.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..geodesy.projection import GEOD, densify_geodesic
from ..model import data

EVENT_TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians", "Strategic developments")

ACTORS = ("Military Forces of Syria", "HTS: Hayat Tahrir al-Sham", "NLF: National Liberation Front",
          "Military Forces of Russia", "Military Forces of Turkey", "Civilians (Syria)")  # fmt: skip

#: Where the background events fall (lon/lat box around the Idlib area).
REGION = (35.7, 35.0, 37.6, 36.7)


def synthetic_incidents(n: int, seed: int = 0, *, start: str = "2018-09-17", end: str = "2021-12-31"):
    """``n`` synthetic incidents as a GeoDataFrame in EPSG:4326 (same seed, same rows).

    70 % lie within a normal spread (σ = 8 km, geodesic offsets) of a contact line, 30 % uniformly
    in ``REGION``. Columns follow ACLED: event_id_cnty, event_date, event_type, actor1, actor2,
    location, latitude, longitude, fatalities, notes.

    Examples
    --------
    >>> events = synthetic_incidents(5, seed=1)
    >>> len(events), events.crs.to_epsg(), events["event_id_cnty"].iloc[0]
    (5, 4326, 'SYN0000001')
    """
    rng = np.random.default_rng(seed)
    near = rng.random(n) < 0.7
    vertices = np.vstack([shapely.get_coordinates(densify_geodesic(g, 1.0))
                          for g in data.load_layer("contact_lines").geometry])  # fmt: skip
    pick = vertices[rng.integers(0, len(vertices), n)]
    lon_near, lat_near, _ = GEOD.fwd(pick[:, 0], pick[:, 1], rng.uniform(0, 360, n), np.abs(rng.normal(0, 8000, n)))
    lon = np.where(near, lon_near, rng.uniform(REGION[0], REGION[2], n))
    lat = np.where(near, lat_near, rng.uniform(REGION[1], REGION[3], n))
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    days = rng.integers(0, (last - first).days + 1, n)
    ids = np.arange(1, n + 1)
    frame = pd.DataFrame(
        {
            "event_id_cnty": [f"SYN{i:07d}" for i in ids],
            "event_date": first + pd.to_timedelta(days, unit="D"),
            "event_type": np.asarray(EVENT_TYPES)[rng.integers(0, len(EVENT_TYPES), n)],
            "actor1": np.asarray(ACTORS)[rng.integers(0, len(ACTORS), n)],
            "actor2": np.asarray(ACTORS)[rng.integers(0, len(ACTORS), n)],
            "location": "synthetic",
            "latitude": np.round(lat, 5),
            "longitude": np.round(lon, 5),
            "fatalities": rng.poisson(0.8, n).astype(float),
            "notes": [f"Synthetic event {i} (not a real incident)" for i in ids],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs=data.WGS84)


def synthetic_timeline(lines: int, *, start: str = "2018-09-17", step_days: int = 3, shift_m: float = 5.0):
    """``lines`` dated contact lines (a GeoDataFrame in EPSG:4326) for tests and benchmarks of long timelines.

    Not real lines: the hand-digitised timeline's lines in turn, line ``i`` moved ``shift_m`` × (i // 9)
    metres east (on a local azimuthal equidistant plane), dated ``step_days`` apart from ``start``;
    each states the accuracy of the line it copies (``accuracy_km``).

    Examples
    --------
    >>> frame = synthetic_timeline(8)
    >>> len(frame), frame["as_of"].iloc[:2].tolist(), frame.crs.to_epsg()
    (8, ['2018-09-17', '2018-09-20'], 4326)
    """
    from ..geodesy.projection import LocalProjection
    from ..model import timeline

    shipped = timeline.timeline("hand")
    proj = LocalProjection.around(*shipped.geometry)
    metric = proj.to_metric(shipped.geometry.to_numpy())
    copy = np.arange(lines) % len(shipped)
    east_m = shift_m * (np.arange(lines) // len(shipped))
    moved = np.array([shapely.affinity.translate(metric[k], xoff=x) for k, x in zip(copy, east_m)])
    days = np.datetime64(start, "D") + np.arange(lines) * step_days
    return gpd.GeoDataFrame(
        {"as_of": np.datetime_as_string(days, unit="D"), "accuracy_km": shipped["accuracy_km"].to_numpy()[copy]},
        geometry=proj.to_lonlat(moved),
        crs=data.WGS84,
    )
