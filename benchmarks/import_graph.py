"""The shape of zonemap's import graph: units, edges, levels (the longest chain) and cycles.

Every import counts, also those inside functions; ``__init__`` modules are left out (they only name
the public API). ``--packages`` counts each folder (geodesy, model, incidents, render) as one unit;
``-v`` lists each unit with its level and what it imports. ``lint-imports`` checks the direction.

    python benchmarks/import_graph.py [ROOT] [--packages] [-v]
"""

import ast
import collections
import pathlib
import sys

args = [a for a in sys.argv[1:] if not a.startswith("-")]
root = pathlib.Path(args[0]) if args else pathlib.Path(__file__).resolve().parents[1]
by_pkg = "--packages" in sys.argv
mods = {}
for p in (root / "zonemap").rglob("*.py"):
    if "assets" in p.parts:
        continue
    name = ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
    mods[name] = p


def unit(m):
    if not by_pkg:
        return m
    parts = m.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else m


edges = collections.defaultdict(set)
for name, p in mods.items():
    tree = ast.parse(p.read_text())
    pkg = name if p.name == "__init__.py" else name.rsplit(".", 1)[0]
    for n in ast.walk(tree):
        ts = []
        if isinstance(n, ast.ImportFrom):
            base = n.module or ""
            if n.level:
                parts = pkg.split(".")[: len(pkg.split(".")) - n.level + 1]
                base = ".".join(parts + ([base] if base else []))
            ts = [base] + [f"{base}.{a.name}" for a in n.names]
        elif isinstance(n, ast.Import):
            ts = [a.name for a in n.names]
        for t in ts:
            if (
                t in mods
                and t != name
                and not p.name == "__init__.py"
                and t != "zonemap"
                and not t.endswith("__init__")
            ):
                if t in ("zonemap.geodesy", "zonemap.model", "zonemap.incidents", "zonemap.render"):
                    continue
                a, b = unit(name), unit(t)
                if a != b:
                    edges[a].add(b)
units = {unit(m) for m in mods if not mods[m].name == "__init__.py"}
level = {}


def lv(u, stack=()):
    if u in stack:
        return 0
    if u in level:
        return level[u]
    level[u] = 1 + max((lv(v, stack + (u,)) for v in edges.get(u, ())), default=0)
    return level[u]


for u in units:
    lv(u)
# cycles
cycles = []


def dfs(u, path):
    for v in edges.get(u, ()):
        if v in path:
            cycles.append(path[path.index(v) :] + [v])
        elif len(path) < 12:
            dfs(v, path + [v])


for u in units:
    dfs(u, [u])
ne = sum(len(v) for v in edges.values())
print(f"units {len(units)}, edges {ne}, levels {max(level.values())}, cycles {len({frozenset(c) for c in cycles})}")
if "-v" in sys.argv:
    for u in sorted(units, key=lambda u: -level[u]):
        print(level[u], u, "->", sorted(edges.get(u, ())))
    for c in list({frozenset(c): c for c in cycles}.values())[:10]:
        print("cycle", " -> ".join(c))
