"""The static report figure: formats, same layers as the map, geodesic scale bar, reproducible, atomic."""

import re

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from zonemap import cli
from zonemap.geodesy.projection import GEOD
from zonemap.render import figure
from zonemap.render.layers import drawn_layers

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}


@pytest.fixture(scope="module")
def default_figure():
    return figure.zone_figure()


@pytest.fixture(scope="module")
def svg_text(default_figure, tmp_path_factory):
    path = tmp_path_factory.mktemp("figure") / "zones.svg"
    figure.save_figure(default_figure, path)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", figure.FIGURE_FORMATS)
def test_cli_writes_each_format(tmp_path, fmt, capsys):
    path = tmp_path / f"zones.{fmt}"
    assert cli.main(["figure", "-o", str(path), "--dpi", "60"]) == 0
    assert path.read_bytes().startswith(MAGIC[fmt])
    assert f"wrote {path}" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_svg_has_title_legend_for_every_overlay_and_provenance(svg_text):
    words = " ".join(re.findall(r">([^<>]+)</text>", svg_text))
    assert "Sochi DMZ 15–20 km on the opposition side of the 2018 contact line" in words
    for key, layer in drawn_layers().items():
        if key not in ("outlines", "dmz_edges"):
            assert " ".join(layer.label.split()) in " ".join(words.split()), layer.label
    assert "DMZ inner edge (15 km)" in words and "DMZ outer edge (20 km)" in words
    assert "accuracy 3-10 km" in words and "20 km" in words  # footer and the scale bar


def test_scale_bar_is_geodesically_exact(default_figure):
    ax = default_figure.axes[0]
    bar = [line for line in ax.get_lines() if line.get_gid() == "scalebar"][0]
    (lon0, lon1), (lat0, lat1) = bar.get_xdata(), bar.get_ydata()
    label = next(t.get_text() for t in ax.texts if t.get_text().endswith(" km"))
    assert GEOD.inv(lon0, lat0, lon1, lat1)[2] == pytest.approx(float(label.split()[0]) * 1000, abs=0.01)


@pytest.mark.parametrize("span, expected", [(100, 20), (130, 20), (60, 10), (26, 5), (9, 1)])
def test_scale_bar_length_is_round(span, expected):
    assert figure._nice_length_km(span) == expected


def test_options_change_title_and_bands(tmp_path):
    fig = figure.zone_figure(width_km=(10, 12), contact_line="2020", symmetric=True)
    assert fig.axes[0].get_title(loc="left") == "DMZ 10–12 km on both sides of the 2020 contact line"  # not "Sochi"


def test_title_text_is_literal_not_mathtext(tmp_path):
    fig = figure.zone_figure(title="cost $5 and $6 {{ 7*7 }}")
    path = tmp_path / "zones.svg"
    figure.save_figure(fig, path)
    assert "cost $5 and $6 {{ 7*7 }}" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", figure.FIGURE_FORMATS)
def test_same_inputs_give_same_bytes(tmp_path, fmt):
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    figure.save_figure(figure.zone_figure(), first, dpi=50)
    figure.save_figure(figure.zone_figure(), second, dpi=50)
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["figure", "-o", "zones.jpg"], "must be one of .png, .svg, .pdf"),
        (["figure", "-o", "zones.png", "--dpi", "5"], "--dpi must be between"),
        (["figure", "-o", "/nonexistent/dir/zones.png"], "does not exist"),
    ],
)
def test_bad_figure_arguments_exit_2_with_one_line(args, message, capsys):
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err


def test_failed_figure_leaves_existing_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "zones.png"
    path.write_bytes(b"previous good figure")

    def half_write_then_fail(self, fname, **kwargs):
        with open(fname, "wb") as handle:
            handle.write(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", half_write_then_fail)
    assert cli.main(["figure", "-o", str(path)]) == 2
    assert path.read_bytes() == b"previous good figure"
    assert [p.name for p in tmp_path.iterdir()] == ["zones.png"]


def test_every_overlay_is_drawn_in_its_map_colour(default_figure):
    from matplotlib.colors import to_hex

    ax = default_figure.axes[0]
    used = set()
    for artist in ax.collections:
        for colours in (artist.get_facecolor(), artist.get_edgecolor()):
            used |= {to_hex(c[:3]) for c in colours}
    used |= {to_hex(line.get_color()) for line in ax.get_lines()}
    for key, layer in drawn_layers().items():
        assert layer.colour in used, key


# --------------------------------------------------------------------------- issue 15: options, labels
def _label_boxes(fig):
    renderer = fig.canvas.get_renderer()
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in fig.axes[0].texts
        if (t.get_gid() or "").startswith("label-") and t.get_visible()
    ]


def test_no_two_place_labels_overlap_in_the_default_figure(default_figure):
    boxes = _label_boxes(default_figure)
    names = [name for name, _ in boxes]
    assert {"Kafr Zita", "Morek", "Halfaya", "Mhardeh"} <= set(names)  # the pairs that used to collide
    assert {str(n) for n in range(1, 13)} <= set(names)  # observation posts numbered as by SOHR
    overlapping = [(a, b) for i, (a, box) in enumerate(boxes) for b, other in boxes[i + 1 :] if box.overlaps(other)]
    assert overlapping == []


def test_footer_says_what_geodata_readme_says(svg_text):
    from pathlib import Path

    from zonemap.render.layers import DIGITISED

    readme = (Path(__file__).resolve().parents[1] / "geodata" / "README.md").read_text(encoding="utf-8")
    assert DIGITISED.removeprefix("contact lines ") in readme
    assert DIGITISED in " ".join(re.findall(r">([^<>]+)</text>", svg_text))
    assert "published maps" not in svg_text


def test_scale_bar_is_not_hidden_by_the_legend(default_figure):
    renderer = default_figure.canvas.get_renderer()
    legend = default_figure.legends[0].get_window_extent(renderer)
    bar = [line for line in default_figure.axes[0].get_lines() if line.get_gid() == "scalebar"]
    assert bar and not any(line.get_window_extent(renderer).overlaps(legend) for line in bar)


def test_user_contact_line_is_drawn_and_named(tmp_path):
    from zonemap.model import data

    path = tmp_path / "my_front.geojson"
    data.contact_line("2020").assign(name="Front as I see it", accuracy_km=2.0).to_file(path)
    fig = figure.zone_figure(contact_line=str(path), width_km=(10, 25))
    ax = fig.axes[0]
    assert any(c.get_gid() == "layer-contact_line" for c in ax.collections)
    labels = [" ".join(h.get_label().split()) for h in fig.legends[0].legend_handles]
    assert "Contact line: Front as I see it" in labels
    assert any("DMZ 10-25 km" in label and "Front as I see it" in label for label in labels)
    assert not any("Sochi DMZ 15-20" in label for label in labels)


def test_cli_figure_with_user_line_layers_colours_and_areas(tmp_path, capsys):
    import geopandas as gpd
    import shapely

    from zonemap.model import data

    line, area = tmp_path / "line.geojson", tmp_path / "patrol_area.geojson"
    data.contact_line("2020").assign(name="My line").to_file(line)
    gpd.GeoDataFrame({"name": ["Patrol box"]}, geometry=[shapely.box(36.5, 35.7, 36.7, 35.9)], crs=4326).to_file(area)
    out = tmp_path / "f.svg"
    args = ["figure", "-o", str(out), "--contact-line", str(line), "--layers", "idlib", "contact_line", "dmz",
            "--add", str(area), "--colour", "user1=#00ff00", "--colour", "dmz=#123456"]  # fmt: skip
    assert cli.main(args) == 0
    text = out.read_text(encoding="utf-8")
    assert "Contact line: My line" in text and "patrol_area" in text and ">Patrol box<" in text  # named on the map
    assert "#00ff00" in text and "#123456" in text
    assert "Contact line, Sep 2018" not in text  # only the chosen layers are in the legend


def test_incidents_are_drawn_by_dmz_status_with_a_legend():
    from zonemap.incidents.synthetic import synthetic_incidents

    events = synthetic_incidents(600, seed=4)
    events["dmz_status"] = (["inside", "outside", "uncertain"] * 200)[: len(events)]
    fig = figure.zone_figure(incidents=events, layers=["idlib", "dmz"])
    gids = {c.get_gid() for c in fig.axes[0].collections}
    assert {"incidents-inside", "incidents-outside", "incidents-uncertain"} <= gids
    labels = [h.get_label() for h in fig.legends[0].legend_handles]
    assert any(label.startswith("Incidents, DMZ inside (") for label in labels)


def test_incidents_without_status_are_drawn_by_event_type():
    from zonemap.incidents.synthetic import synthetic_incidents

    events = synthetic_incidents(300, seed=5)
    fig = figure.zone_figure(incidents=events, layers=["idlib"])
    types = events["event_type"].unique()
    gids = {c.get_gid() for c in fig.axes[0].collections}
    assert {f"incidents-{t}" for t in types[:3]} <= gids


def _ink(rgba, box=None):
    """Dark pixels (the labels' #222222 text) of an RGBA buffer, cropped to a display-space box."""
    ink = (np.asarray(rgba)[..., :3] < 110).all(axis=-1)
    if box is not None:
        height = ink.shape[0]
        ink = ink[int(height - box.y1) : int(np.ceil(height - box.y0)), int(box.x0) : int(np.ceil(box.x1))]
    rows, cols = np.nonzero(ink)
    return ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def _drawn_alone(text, props, dpi):
    fig = Figure(figsize=(2, 0.6), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.text(0.05, 0.3, text, fontproperties=props, color="#222222")
    fig.canvas.draw()
    return _ink(fig.canvas.buffer_rgba())


def test_arabic_labels_are_drawn_joined_and_right_to_left():
    """The DRAWN label of Idlib (إدلب) in the Arabic figure: the same pixels as matplotlib's own layout of
    the logical word, and alef-with-hamza (a tall stroke) at its right end, where an Arabic reader starts."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont("DejaVu Sans"))
    if 0x0625 not in font.get_charmap():
        pytest.skip("the font matplotlib uses has no Arabic letters (apt-get install fonts-dejavu-core)")
    import arabic_reshaper
    from bidi import get_display

    word = "إدلب"
    fig = figure.zone_figure(lang="ar", layers=["idlib", "towns"])
    [label] = [t for t in fig.axes[0].texts if t.get_text() in (word, get_display(arabic_reshaper.reshape(word)))]
    for artist in [*fig.get_children()[1:], *fig.axes[0].get_children()]:  # the label alone on the page
        artist.set_visible(artist is label or artist is fig.axes[0])
    fig.axes[0].axis("off")
    fig.set_dpi(600)  # the 6 pt labels, drawn large enough to compare glyph by glyph
    fig.canvas.draw()
    drawn = _ink(fig.canvas.buffer_rgba(), label.get_window_extent(fig.canvas.get_renderer()))
    reference = _drawn_alone(word, label.get_fontproperties(), 600)
    assert drawn.shape == reference.shape
    assert (drawn == reference).mean() > 0.97
    right = drawn[:, -3:]  # the last columns of ink: alef's stem runs most of the word's height
    rows = np.nonzero(right.any(axis=1))[0]
    assert rows.max() - rows.min() > 0.6 * drawn.shape[0]


def test_the_shaping_capability_is_measured():
    """On a matplotlib that lays out right-to-left text itself the logical text is handed over unchanged."""
    word = "إدلب"
    shaped = figure._shaper("ar")(word)
    assert (shaped == word) is figure.matplotlib_orders_right_to_left()


def test_timeline_figure_has_a_panel_per_line_with_dates_and_areas(tmp_path):
    from zonemap.model import timeline

    table = timeline.timeline_table("hand")  # nine panels; the evidence's 74 take ~40 s (see below)
    fig = figure.timeline_figure("hand")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert len(titles) == len(table)
    areas = [float(t.split(": ")[1].split(" km²")[0].replace(",", "")) for t in titles][:6]  # to 5 Mar 2020
    assert areas == sorted(areas, reverse=True) and areas[0] > areas[-1]
    assert titles[0].startswith("17 Sep 2018") and titles[5].startswith("5 Mar 2020")
    assert titles[-1].startswith("1 Dec 2024")
    ranged = timeline.timeline_table("hand", ranges=True)
    for title, low, high in zip(titles, ranged["opposition_km2_low"], ranged["opposition_km2_high"]):
        assert f"({low:,.0f}–{high:,.0f})" in title  # the range beside each area
    out = tmp_path / "tl.png"
    assert cli.main(["figure", "--timeline", "hand", "-o", str(out), "--dpi", "40"]) == 0
    assert out.read_bytes().startswith(MAGIC["png"])


def test_timeline_figure_of_many_lines_keeps_its_panels_apart_and_says_no_range():
    from zonemap.model import timeline

    frame = timeline.timeline().iloc[:14]  # 14 evidence lines: more than 12, so the panels go about square
    wide = frame.assign(accuracy_km=[45.0 if i == 2 else 3.0 for i in range(14)])  # one range impossible
    fig = figure.timeline_figure(wide.drop(columns="vertices"))
    boxes = [ax.get_position(original=True) for ax in fig.axes]
    assert len(boxes) == 14 and len({round(b.x0, 3) for b in boxes}) == 4  # ceil(sqrt(14)) columns
    assert all(b.width > 0 and b.height > 0 for b in boxes)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[2].endswith("(no range)") and not titles[0].endswith("(no range)")
