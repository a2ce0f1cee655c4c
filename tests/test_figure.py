"""The static report figure: formats, same layers as the map, geodesic scale bar, reproducible, atomic."""

import re

import pytest
from matplotlib.figure import Figure

from zonemap import cli, figure
from zonemap.layers import OVERLAYS
from zonemap.projection import GEOD

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
    for key, (label, _) in OVERLAYS.items():
        if key not in ("outlines", "dmz_edges"):
            assert " ".join(label.split()) in " ".join(words.split()), label
    assert "DMZ inner edge (min width)" in words and "DMZ outer edge (max width)" in words
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
    assert fig.axes[0].get_title(loc="left") == "Sochi DMZ 10–12 km on both sides of the 2020 contact line"


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
    for key, (_, style) in OVERLAYS.items():
        colour = style["point"]["fillColor"] if "point" in style else style["color"]
        assert colour in used, key
