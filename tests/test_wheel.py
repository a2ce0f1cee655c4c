"""The wheel alone makes offline maps: built, installed in a fresh venv without Node.js, opened in chromium.

The fresh venv sees zonemap only from the wheel, and of the project venv's packages only the
distributions the wheel's ``Requires-Dist`` pulls in (transitively): each is linked into a folder
the venv reaches through a ``.pth`` file, so a missing dependency fails here as it would for a
``pip install`` user, without downloading geopandas & co. again. About 15 s.
"""

import importlib.metadata
import importlib.util
import re
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from conftest import offline_page
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from zonemap.render import maps

ROOT = Path(__file__).resolve().parents[1]
#: The licence of each package whose code the self-contained map inlines.
LICENCES = [
    "leaflet/LICENSE",
    "leaflet.fullscreen/LICENSE",
    "leaflet-measure/LICENSE",
    "leaflet.markercluster/MIT-LICENCE.txt",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(ROOT)]
    if importlib.util.find_spec("hatchling"):
        command.insert(4, "--no-build-isolation")  # offline; else pip fetches hatchling from PyPI
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("zonemap-*.whl")
    return path


def _requirements(requires: list[str] | None, extras: frozenset = frozenset()) -> set[tuple[str, frozenset]]:
    """(name, extras asked for) of each requirement that applies here with ``extras`` requested."""
    found = set()
    for line in requires or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in ("", *extras)):
            found.add((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return found


def dependency_closure(wheel: Path) -> list[importlib.metadata.Distribution]:
    """The installed distributions the wheel needs: its Requires-Dist, their requirements, and so on."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    todo, seen, found = _requirements(metadata.get_all("Requires-Dist")), set(), {}
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = importlib.metadata.distribution(name)  # PackageNotFoundError: a dependency the venv lacks
        found[name] = dist
        todo |= _requirements(dist.requires, extras)
    return list(found.values())


def _link_distributions(dists, folder: Path) -> None:
    """Symlink each distribution's top-level files and folders (from its RECORD) into ``folder``."""
    folder.mkdir()
    for dist in dists:
        site = Path(dist.locate_file(""))
        for top in {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}:
            target = folder / top
            if (site / top).exists() and not target.exists():
                target.symlink_to(site / top)


def test_wheel_carries_the_offline_assets_and_their_licences(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    inlined = [where for where in maps.OFFLINE_ASSETS.values() if not where.startswith("folium:")]
    for where in inlined + LICENCES:
        assert f"zonemap/assets/node_modules/{where}" in names, where
    assert "zonemap/assets/node_modules/leaflet/dist/images/layers.png" in names  # a stylesheet's image
    assert "zonemap/_geodata/contact_lines.geojson" in names
    assert not [n for n in names if "/.cache/" in n or n.endswith(".map") or "/src/" in n]
    assert wheel.stat().st_size < 5_000_000, wheel.stat().st_size


def test_wheel_in_a_fresh_venv_without_node_makes_a_map_that_works_offline(wheel, tmp_path, chromium):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-compile", str(wheel)], check=True, timeout=300)  # fmt: skip
    deps = tmp_path / "deps"
    _link_distributions(dependency_closure(wheel), deps)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "zonemap-test-dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")

    env = {"PATH": str(venv / "bin"), "HOME": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "mpl"), "LANG": "C.UTF-8"}
    assert not any((venv / "bin" / tool).exists() for tool in ("node", "npm"))
    probe = "import shutil, zonemap.render.maps; print(zonemap.render.maps.ASSETS, shutil.which('node'))"
    where = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assets, node = where.stdout.split()
    assert Path(assets).is_relative_to(site) and node == "None"  # zonemap from the wheel, no Node.js

    html = tmp_path / "m.html"
    done = subprocess.run([str(venv / "bin" / "zonemap"), "map", "--self-contained", "-o", str(html)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = html.read_text(encoding="utf-8")
    assert not re.search(r'<script[^>]+src="https?://', text)  # Leaflet and plugins are inlined

    with offline_page(chromium, html) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 20", timeout=20000)
        report = page.evaluate(
            """() => ({
                leaflet: typeof L === 'object' && L.version,
                paths: document.querySelectorAll('path.leaflet-interactive').length,
                measure: !!document.querySelector('.leaflet-control-measure'),
                strokes: Array.from(document.querySelectorAll('path.leaflet-interactive'))
                              .map(p => p.getAttribute('stroke')),
            })"""
        )
    assert report["leaflet"] == "1.9.4"
    assert report["measure"]
    assert maps.OVERLAYS["line_2018"][1]["color"] in report["strokes"]  # the zone layers are drawn
    assert maps.OVERLAYS["m4_corridor"][1]["color"] in report["strokes"]
    assert external == [] and errors == []


def test_dependency_closure_follows_requirements(wheel):
    names = {canonicalize_name(d.metadata["Name"]) for d in dependency_closure(wheel)}
    assert {"geopandas", "shapely", "folium", "branca", "jinja2", "numpy", "pandas"} <= names
    assert "pytest" not in names and "dask" not in names  # extras stay out


def test_hook_lists_exactly_what_the_map_inlines():
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed in this venv (the wheel build fetches it)")
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    assert hook.offline_assets(ROOT / "zonemap" / "render" / "maps.py") == maps.OFFLINE_ASSETS
    assert hook.stale_reason(ROOT) is None
    assert all(not str(p).startswith("geodata/.cache") for p in hook.geodata_files(ROOT))
