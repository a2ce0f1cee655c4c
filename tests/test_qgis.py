"""The GeoPackage export in the real client: PyQGIS (Debian's python3-qgis) opens every layer styled.

Debian's PyQGIS is built for the system Python (/usr/bin/python3), not the project venv, so QGIS
runs in a subprocess (headless, QT_QPA_PLATFORM=offscreen) that loads each layer as QGIS does
when a user adds it, and reports what QGIS made of it as JSON. Skipped with the reason when PyQGIS
is not installed; ``make test-qgis`` installs it (as root) and runs this file.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from zonemap.model import timeline
from zonemap.render import export, styles

QGIS_PYTHON = os.environ.get("ZONEMAP_QGIS_PYTHON", "/usr/bin/python3")

#: Runs under QGIS's Python: loads each layer like "Add vector layer" (default style applied).
PROBE = r"""
import json, os, sys
from qgis.core import Qgis, QgsApplication, QgsRenderContext, QgsVectorLayer

app = QgsApplication([], False)
app.initQgis()
path, names = sys.argv[1], json.loads(sys.argv[2])
report = {"qgis": Qgis.QGIS_VERSION, "layers": {}}
for name in names:
    layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    info = {"valid": layer.isValid(), "features": layer.featureCount()}
    info["title"], info["abstract"] = layer.metadata().title(), layer.metadata().abstract()
    renderer = layer.renderer()
    info["renderer"] = renderer.type() if renderer else None
    info["fields"] = {field.name(): field.typeName() for field in layer.fields()}
    info["aliases"] = {field.name(): layer.attributeAlias(i) for i, field in enumerate(layer.fields())}
    info["labels"] = layer.labelsEnabled() and layer.labeling() is not None
    info["label_field"] = layer.labeling().settings().fieldName if info["labels"] else None
    info["rules"], info["drawn_by"] = [], []
    if renderer is not None and renderer.type() == "RuleRenderer":
        for rule in renderer.rootRule().children():
            symbol = rule.symbol()
            first = symbol.symbolLayer(0)
            info["rules"].append({
                "label": rule.label(),
                "type": first.layerType(),
                "color": symbol.color().name(),
                "alpha": symbol.color().alpha(),
                "stroke": first.strokeColor().name() if first.layerType() != "SimpleLine" else None,
            })
        context = QgsRenderContext()
        renderer.startRender(context, layer.fields())
        for feature in layer.getFeatures():
            info["drawn_by"].append([rule.label() for rule in renderer.rootRule().rulesForFeature(feature, context)
                                     if rule.symbol() is not None])
        renderer.stopRender(context)
    # QGIS 3.22 applies a default style's symbology and labels when it opens a layer, its temporal part
    # only when the style is loaded (Layer Properties > Style > Default, as here; the renderer is replaced)
    layer.loadDefaultStyle()
    temporal = layer.temporalProperties()
    info["temporal"] = {"active": temporal.isActive(), "mode": int(temporal.mode()),
                        "start": temporal.startField(), "end": temporal.endField()}
    report["layers"][name] = info
print(json.dumps(report), flush=True)
os._exit(0)  # skip Qt/QGIS teardown: it can crash on exit (SIGSEGV) once the report is written
"""


def _qgis_missing(env: dict) -> str | None:
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} not found"
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, env=env, timeout=60)
    if probe.returncode:
        return f"PyQGIS not importable by {QGIS_PYTHON} (apt-get install python3-qgis, or make test-qgis)"
    return None


def _probe(folder: Path, path: Path, names: list[str]) -> dict:
    """What QGIS makes of the layers ``names`` of the GeoPackage ``path`` (skips without PyQGIS)."""
    runtime = folder / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env |= {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime)}
    reason = _qgis_missing(env)
    if reason:
        pytest.skip(reason)
    script = folder / "probe.py"  # a script file: QGIS crashes on exit when run with ``python -c``
    script.write_text(PROBE, encoding="utf-8")
    done = subprocess.run([QGIS_PYTHON, str(script), str(path), json.dumps(names)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def qgis_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qgis")
    path = folder / "zonemap.gpkg"
    counts = export.export_layers(path, "gpkg")
    return _probe(folder, path, list(counts)), counts


def _symbol_colour(style: dict) -> str:
    """The colour QGIS reports for a symbol drawn with Leaflet options ``style``."""
    return style["point"]["fillColor"] if "point" in style else style.get("fillColor", style["color"])


def test_qgis_loads_every_layer_valid_with_its_features(qgis_report):
    report, counts = qgis_report
    print(f"QGIS {report['qgis']}:", {name: info["features"] for name, info in report["layers"].items()})
    assert set(report["layers"]) == set(counts)
    for name, info in report["layers"].items():
        assert info["valid"], name
        assert info["features"] == counts[name], name


@pytest.mark.parametrize("layer", sorted(styles.LAYER_STYLES))
def test_qgis_applies_the_default_style_from_layer_styles(qgis_report, layer):
    info = qgis_report[0]["layers"][layer]
    spec = styles.LAYER_STYLES[layer]
    assert info["renderer"] == "RuleRenderer"  # a fresh layer without our style gets singleSymbol
    assert [rule["label"] for rule in info["rules"]] == [rule.label for rule in spec.rules]
    for found, rule in zip(info["rules"], spec.rules):
        style = rule.style()
        assert found["color"] == _symbol_colour(style), rule.label
        if found["type"] == "SimpleMarker":
            assert found["stroke"] == style["point"]["color"]
        elif found["type"] == "SimpleFill":
            assert found["stroke"] == style["color"]
            filled = style.get("fill", True)
            assert found["alpha"] == (round(255 * style.get("fillOpacity", 0.2)) if filled else 0), rule.label


@pytest.mark.parametrize("layer", sorted(styles.LAYER_STYLES))
def test_qgis_draws_every_feature_with_exactly_one_rule(qgis_report, layer):
    info = qgis_report[0]["layers"][layer]
    assert all(len(drawn) == 1 for drawn in info["drawn_by"]), info["drawn_by"]
    if layer == "contact_lines":
        assert [drawn[0] for drawn in info["drawn_by"]] == [rule.label for rule in styles.LAYER_STYLES[layer].rules[:2]]


@pytest.mark.parametrize("layer", sorted(styles.LAYER_STYLES))
def test_qgis_shows_the_readable_title_and_description(qgis_report, layer):
    info = qgis_report[0]["layers"][layer]
    spec = styles.LAYER_STYLES[layer]
    assert (info["title"], info["abstract"]) == (spec.title, spec.description)  # layer metadata in QGIS


@pytest.mark.parametrize("layer", sorted(styles.LAYER_STYLES))
def test_qgis_shows_field_aliases_and_date_fields(qgis_report, layer):
    info = qgis_report[0]["layers"][layer]
    aliases = {field: alias for field, alias in info["aliases"].items() if field != "fid"}
    assert aliases == {field: styles.field_alias(field) for field in aliases}
    assert info["fields"]["as_of"] == "Date"


@pytest.mark.parametrize("layer", ["contact_line_timeline", "opposition_held"])
def test_qgis_steps_the_dated_lines_and_held_areas_through_time(qgis_report, layer):
    info = qgis_report[0]["layers"][layer]
    assert info["fields"]["as_of"] == "Date" and info["fields"]["until"] == "Date"
    # QgsVectorLayerTemporalProperties.ModeFeatureDateTimeStartAndEndFromFields == 2
    assert info["temporal"] == {"active": True, "mode": 2, "start": "as_of", "end": "until"}
    assert info["features"] == len(timeline.timeline())  # every dated line, each with its valid_until


def test_qgis_labels_the_places_by_name(qgis_report):
    info = qgis_report[0]["layers"]["places"]
    assert info["labels"] and info["label_field"] == "name"


def test_qgis_styles_classified_incidents_by_dmz_status_on_their_day(tmp_path):
    from zonemap import cli

    path = tmp_path / "events.gpkg"
    sample = Path(__file__).resolve().parents[1] / "geodata" / "incidents_sample.csv"
    assert cli.main(["incidents", str(sample), "-o", str(path)]) == 0
    info = _probe(tmp_path, path, ["incidents"])["layers"]["incidents"]
    assert info["valid"] and info["fields"]["event_day"] == "Date"
    assert info["temporal"] == {"active": True, "mode": 1, "start": "event_day", "end": ""}  # one instant per event
    assert [rule["label"] for rule in info["rules"]] == [rule.label for rule in styles.INCIDENTS_STYLE.rules]
    assert [rule["color"] for rule in info["rules"][:3]] == list(styles.STATUS_COLOURS.values())
    assert all(len(drawn) == 1 for drawn in info["drawn_by"])
