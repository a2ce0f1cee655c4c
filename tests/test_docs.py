"""The README and the pages of docs/: the README stays a newcomer's page, every page is reachable from
it, every link resolves, every Python example runs as printed, and the architecture page lists the
modules that exist."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import zonemap

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
PYTHON = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def _links(page: Path) -> list[str]:
    text = re.sub(r"^```.*?^```$", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```$", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {_anchor(h) for h in re.findall(r"^#+ (.*)$", text, flags=re.M)}


def test_readme_is_a_newcomers_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    # CI (.ci/run) runs the README's test command; both commands stay as they are.
    assert "```\nmake map\n```" in text and "```\nmake test\n```" in text
    assert "(docs/map.png)" in text
    # No timings in the README: they live in docs/performance.md.
    assert not re.search(r"\b\d+(\.\d+)? ?(s|ms|min)\b", text)


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_links_resolve(page):
    for target in _links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md" and resolved.parent in (ROOT, ROOT / "docs"):
            assert anchor in _anchors(resolved), f"{page.name}: no heading for #{anchor} in {resolved.name}"


def test_every_docs_page_is_reachable_from_the_readme():
    seen, todo = set(), [README.resolve()]
    while todo:
        page = todo.pop()
        if page in seen or page.suffix != ".md" or not page.exists():
            continue
        seen.add(page)
        todo += [(page.parent / t.partition("#")[0]).resolve() for t in _links(page) if t.partition("#")[0]]
    assert {p.resolve() for p in PAGES} - seen == set()


def _fixtures(folder: Path) -> None:
    """What the examples call "your own" files, made from the shipped data, and geodata/ itself."""
    (folder / "geodata").symlink_to(ROOT / "geodata")
    (folder / "events.csv").write_bytes((ROOT / "geodata" / "incidents_sample.csv").read_bytes())
    zonemap.load_layer("contact_lines").iloc[[1]].to_file(folder / "my_front_2024.geojson", driver="GeoJSON")
    lines = zonemap.timeline.timeline().rename(columns={"as_of": "date"})
    lines.to_file(folder / "my_fronts.gpkg", driver="GPKG")
    fronts = lines.iloc[[0, 2]][["geometry"]].assign(
        as_of=["2019-01-01", "2019-09-01"], valid_until=[None, "2020-01-01"]
    )
    fronts.to_file(folder / "fronts.geojson", driver="GeoJSON")  # lines that state no accuracy_km


PAGES_WITH_PYTHON = [p for p in PAGES if PYTHON.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", PAGES_WITH_PYTHON, ids=[p.relative_to(ROOT).as_posix() for p in PAGES_WITH_PYTHON])
def test_python_examples_run_as_printed(page, tmp_path, monkeypatch):
    """Each page's Python blocks run in order, in one namespace, from a folder holding geodata/."""
    monkeypatch.chdir(tmp_path)
    _fixtures(tmp_path)
    namespace = {"__name__": "__docs__"}
    for number, block in enumerate(PYTHON.findall(page.read_text(encoding="utf-8")), start=1):
        exec(compile(block, f"{page.name}, Python block {number}", "exec"), namespace)


def test_architecture_lists_every_module():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for module in sorted((ROOT / "zonemap").glob("*/*.py")):
        if module.name != "__init__.py":
            folder = f"`zonemap/{module.parent.name}/`"
            section = text[text.index(folder) :].split("\n\n`zonemap/", 1)[0]
            assert f"- `{module.name}` —" in section, f"{module.relative_to(ROOT)} is not in docs/architecture.md"


OLD_MODULES = (
    "data zones timeline uncertainty measure gazetteer classification ingest incidents csv_stream summary scale "
    "engines synthetic layers styles maps incident_map figure export projection geodesy grid_index"
).split()


def test_what_moved_names_every_old_module_and_real_new_ones():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("## What moved in 0.3") :]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `zonemap\.(\w+)` \| (.*) \|$", table, flags=re.M)}
    assert set(OLD_MODULES) <= set(rows)
    for old in OLD_MODULES:
        for new in re.findall(r"`(zonemap\.\w+\.\w+)`", rows[old]):
            assert (ROOT / (new.replace(".", "/") + ".py")).exists(), f"{old}: {new} does not exist"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("timeline", "zonemap.model.timeline"),
        ("figure", "zonemap.render.figure"),
        ("summary", "zonemap.incidents.summary"),
        ("uncertainty", "zonemap.model.uncertainty"),
        ("scale", "zonemap.incidents.scale"),
    ],
)
def test_modules_users_import_by_name_keep_their_old_paths(old, new):
    """`from zonemap import X`, `import zonemap.X` and `from zonemap.X import name` all give the moved module."""
    code = (
        f"import importlib, zonemap\n"
        f"from zonemap import {old} as a\n"
        f"import zonemap.{old} as b\n"
        f"assert a is b is importlib.import_module({new!r}), (a, b)\n"
        f"print(b.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == new


def test_old_paths_of_other_modules_fail_plainly():
    with pytest.raises(ModuleNotFoundError):
        __import__("zonemap.measure")


def test_area_ranges_moved_but_still_reachable_from_uncertainty():
    from zonemap import uncertainty
    from zonemap.model import scenarios

    assert uncertainty.area_ranges_km2 is scenarios.area_ranges_km2
