"""Colours that each mean one thing: the incidents' event types, the density classes of the
hexagons and the heat map, and how far apart two colours look (CIEDE2000).

Every colour the map or the figure uses for a meaning (a status of incidents, a zone, a line, the
held area, a place kind, an event type, a density class) differs from every other by a CIEDE2000
colour difference of at least :data:`MIN_DELTA_E` (``tests/test_palette.py`` checks the constants
and the colours the rendered map and figure draw). ΔE00 ≈ 2 is the smallest difference most people
see side by side; 10 keeps two symbols apart at a glance on a map.
"""

from __future__ import annotations

import numpy as np

#: The smallest CIEDE2000 difference between two colours that mean different things.
MIN_DELTA_E = 10.0

#: Incidents by ``event_type`` (the figure, when they have no ``dmz_status``): the most frequent
#: types in turn, then "other". Chosen (a greedy search of the sRGB cube for the colour farthest
#: from all others) away from the status colours, every zone's and line's colour, the zones' fills
#: as drawn (the DMZ's pink, the corridor's pale blue, over Syria's land) and from one another.
EVENT_TYPE_COLOURS = ("#58b0f8", "#704800", "#d008f8", "#005800", "#00e088", "#980040")

#: Incidents of the less frequent event types, grouped as "other".
OTHER_EVENT_TYPE_COLOUR = "#707820"

#: Hexagon fills of the quantile classes, fewest incidents first, and the heat map's gradient: a
#: pink-to-plum ramp (light to dark), away from the status, zone and line colours.
DENSITY_COLOURS = ("#f9e2f8", "#eeaadf", "#c47fb5", "#8f4a86", "#5c1a57")


def hex_to_lab(colours) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB hex colours (``#rrggbb`` or ``#rgb``), one row per colour.

    Examples
    --------
    >>> np.round(hex_to_lab(["#ffffff", "#000000", "#ff0000"]), 1)  # doctest: +NORMALIZE_WHITESPACE
    array([[100. ,   0. ,   0. ], [  0. ,   0. ,   0. ], [ 53.2,  80.1,  67.2]])
    """
    rgb = []
    for colour in colours:
        text = colour.lstrip("#")
        text = "".join(c * 2 for c in text) if len(text) == 3 else text
        rgb.append([int(text[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    rgb = np.asarray(rgb, dtype=float).reshape(-1, 3)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])  # fmt: skip
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])  # D65 white
    delta = 6 / 29
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta**2) + 4 / 29)
    return np.column_stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])])


def delta_e2000(lab1, lab2) -> np.ndarray:
    """CIEDE2000 colour difference of L*a*b* colours (rows), pairwise by row (broadcasting).

    Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
    supplementary test data, and mathematical observations", Color Res. Appl. 30(1); the examples
    are pairs 1, 7 and 17 of their test data.

    Examples
    --------
    >>> pairs = [([50, 2.6772, -79.7751], [50, 0, -82.7485]), ([50, 0, 0], [50, -1, 2]),
    ...          ([50, 2.5, 0], [73, 25, -18])]
    >>> np.round(delta_e2000([p[0] for p in pairs], [p[1] for p in pairs]), 4)
    array([ 2.0425,  2.3669, 27.1492])
    """
    lab1, lab2 = np.asarray(lab1, dtype=float), np.asarray(lab2, dtype=float)
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dlp, dcp = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dhp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lp_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    hp_mean = np.where(np.abs(h1p - h2p) > 180, np.where(h_sum < 360, h_sum + 360, h_sum - 360), h_sum) / 2
    hp_mean = np.where(c1p * c2p == 0, h_sum, hp_mean)
    t = (1 - 0.17 * np.cos(np.radians(hp_mean - 30)) + 0.24 * np.cos(np.radians(2 * hp_mean))
         + 0.32 * np.cos(np.radians(3 * hp_mean + 6)) - 0.20 * np.cos(np.radians(4 * hp_mean - 63)))  # fmt: skip
    sl = 1 + 0.015 * (lp_mean - 50) ** 2 / np.sqrt(20 + (lp_mean - 50) ** 2)
    sc, sh = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    rotation = np.radians(60 * np.exp(-(((hp_mean - 275) / 25) ** 2)))
    rt = -2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7)) * np.sin(rotation)
    return np.sqrt((dlp / sl) ** 2 + (dcp / sc) ** 2 + (dhp / sh) ** 2 + rt * (dcp / sc) * (dhp / sh))


def closest_pairs(colours: dict[str, str], threshold: float = MIN_DELTA_E) -> list[tuple[str, str, float]]:
    """The pairs of meanings (keys of ``colours``, name -> hex colour) whose colours differ by less
    than ``threshold`` (CIEDE2000), closest first.

    Examples
    --------
    >>> closest_pairs({"a": "#ff7f00", "b": "#ff7f0e", "c": "#1f77b4"})
    [('a', 'b', 0.7)]
    """
    names = list(colours)
    lab = hex_to_lab([colours[n] for n in names])
    i, j = np.triu_indices(len(names), 1)
    distance = delta_e2000(lab[i], lab[j])
    close = np.flatnonzero(distance < threshold)
    return sorted(((names[i[k]], names[j[k]], round(float(distance[k]), 1)) for k in close), key=lambda p: p[2])
