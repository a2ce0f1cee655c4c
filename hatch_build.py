"""Hatch build hook: put the offline Leaflet assets (npm packages) and the geodata inside the wheel.

A self-contained map inlines Leaflet and its plugins from ``zonemap/assets/node_modules``
(``zonemap.maps.OFFLINE_ASSETS``). That folder is installed by npm and never committed, so this
hook runs ``npm ci`` when it is missing, then adds to the wheel exactly the files the map inlines,
the images their stylesheets point to, and the licence and ``package.json`` of every npm package
installed with them (the measure plugin's bundle contains code of its dependencies). A wheel built
this way makes offline maps without Node.js. ``geodata/`` goes in as ``zonemap/_geodata``, without
the build's download cache (``geodata/.cache``, megabytes of registry packages). Editable installs
use the source tree and skip this.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ASSETS = Path("zonemap") / "assets"
#: The shipped data, installed as zonemap/_geodata (zonemap.model.data looks there first).
GEODATA = Path("geodata")
LICENCE_NAMES = re.compile(r"(?i)^(licen[cs]e|copying|mit-licen[cs]e|notice)([.-].*)?$")
CSS_URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")


def offline_assets(maps_py: Path) -> dict[str, str]:
    """``OFFLINE_ASSETS`` of zonemap/render/maps.py, read without importing zonemap (the build has no deps)."""
    for node in ast.parse(maps_py.read_text(encoding="utf-8")).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(target, ast.Name) and target.id == "OFFLINE_ASSETS" for target in targets):
            return ast.literal_eval(node.value)
    raise RuntimeError(f"{maps_py}: no OFFLINE_ASSETS dict")


def asset_files(root: Path) -> list[Path]:
    """Every file of ``root``/zonemap/assets/node_modules the wheel must carry, relative to ``root``."""
    modules = root / ASSETS / "node_modules"
    wanted: set[Path] = set()
    for where in offline_assets(root / "zonemap" / "render" / "maps.py").values():
        if where.startswith("folium:"):
            continue  # shipped inside the folium package
        path = modules / where
        if not path.is_file():
            raise RuntimeError(f"offline asset {path} is missing after npm ci")
        wanted.add(path)
        if path.suffix == ".css":
            for match in CSS_URL.finditer(path.read_text(encoding="utf-8")):
                ref = match.group(2)
                if not ref.startswith(("data:", "#")) and (path.parent / ref).is_file():
                    wanted.add((path.parent / ref).resolve())
    for folder in _packages(modules):
        wanted.add(folder / "package.json")
        wanted.update(p for p in folder.iterdir() if p.is_file() and LICENCE_NAMES.match(p.name))
    return sorted(p.resolve().relative_to(root.resolve()) for p in wanted)


def _packages(modules: Path) -> list[Path]:
    """Folders of the npm packages under ``modules`` (``name``, ``@scope/name``, nested too)."""
    found = []
    for package_json in modules.glob("**/package.json"):
        folder = package_json.parent
        if folder.parent.name == "node_modules" or (
            folder.parent.name.startswith("@") and folder.parent.parent.name == "node_modules"
        ):  # not a package.json inside a package's own sources or tests
            found.append(folder)
    return found


def stale_reason(root: Path) -> str | None:
    """Why ``npm ci`` must run first (assets missing or not the locked versions), or None."""
    lock = json.loads((root / ASSETS / "package-lock.json").read_text(encoding="utf-8"))
    for key, locked in lock.get("packages", {}).items():
        if not key or locked.get("optional") or locked.get("link"):
            continue  # the root project, platform-specific extras, links
        package_json = root / ASSETS / key / "package.json"
        if not package_json.is_file():
            return f"{key} is not installed"
        version = json.loads(package_json.read_text(encoding="utf-8")).get("version")
        if version != locked.get("version"):
            return f"{key} is {version}, the lock file wants {locked.get('version')}"
    return None


def geodata_files(root: Path) -> list[Path]:
    """Files of ``root``/geodata for the wheel, relative to ``root``: all but hidden folders (the
    build's download cache ``.cache``) and ``__pycache__``."""
    return sorted(
        path.relative_to(root)
        for path in (root / GEODATA).rglob("*")
        if path.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(root).parts)
    )


class OfflineAssetsHook(BuildHookInterface):
    """Runs ``npm ci`` when needed and force-includes the offline assets and geodata in the wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        reason = stale_reason(root)
        if reason:
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError(
                    f"building the wheel needs the offline map assets ({reason}): install Node.js and npm, "
                    "or run `npm ci --prefix zonemap/assets` where npm exists and build from that tree"
                )
            self.app.display_info(f"npm ci --prefix zonemap/assets ({reason}): offline Leaflet assets for the wheel")
            subprocess.run(
                [npm, "ci", "--prefix", str(root / ASSETS), "--no-audit", "--no-fund", "--loglevel=error"],
                check=True,
            )
        for path in asset_files(root):
            build_data["force_include"][str(root / path)] = path.as_posix()
        for path in geodata_files(root):
            build_data["force_include"][str(root / path)] = f"zonemap/_geodata/{path.relative_to(GEODATA).as_posix()}"
