"""The package's layers point one way (issue 25, item 3):

    io -> schema -> catalogue -> points -> runner / fidelity / baseline / pyfunc -> report -> cli

with slurm above runner. A module may import its own room and the rooms of its own or a
lower layer; no two modules and no two rooms import each other in a circle. The graph is
read from the source with ast (nothing is imported); every import counts, also one inside
a function or under ``if TYPE_CHECKING:`` (a type is knowledge of the room that has it).
"""

from __future__ import annotations

import ast
import unittest
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "sumbench"

# Room (a top-level module or subpackage of sumbench) -> layer. Within the bottom layer
# the order is the one below: each module may import only the ones listed before it.
BOTTOM = ("errors", "io", "folders", "commands", "paths", "procs", "parse", "topology", "machine",
          "interpreters")
LAYERS = {
    **{name: 0 for name in BOTTOM}, "": 0,
    "schema": 1,
    "catalogue": 2, "sources": 2, "builds": 2,
    "points": 3, "tidy_table": 3,
    "runner": 4, "fidelity": 4, "baseline": 4, "pyfunc": 4,
    "slurm": 5,
    "report": 6,
    "cli": 7,
}


def _module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST):
    return (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the sumbench modules it imports (``from . import x`` names module x)."""
    modules = {_module_of(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
                targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem
                           for a in node.names]
            else:
                stem = node.module or ""
                targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem
                           for a in node.names]
            graph[module] |= {t for t in targets if t in modules and t != module}
    return graph


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def wrong_way(graph: dict[str, set[str]]) -> list[str]:
    """Each import that points up a layer, or across the bottom layer's order."""
    bad = []
    for a, targets in sorted(graph.items()):
        for b in sorted(targets):
            ra, rb = room(a), room(b)
            if ra == rb:
                continue
            if ra not in LAYERS or rb not in LAYERS:
                bad.append(f"{a} -> {b}: room {ra or rb!r} has no layer (test_layers.LAYERS)")
            elif LAYERS[rb] > LAYERS[ra]:
                bad.append(f"{a} -> {b}: layer {LAYERS[ra]} imports layer {LAYERS[rb]}")
            elif ra in BOTTOM and rb in BOTTOM and BOTTOM.index(rb) > BOTTOM.index(ra):
                bad.append(f"{a} -> {b}: {ra} comes before {rb} in the bottom layer")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan's algorithm, iterative)."""
    index, low, on, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def room_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    rooms: dict[str, set[str]] = {}
    for a, targets in graph.items():
        rooms.setdefault(room(a), set()).update(room(b) for b in targets if room(b) != room(a))
    return rooms


class Layers(unittest.TestCase):
    def test_no_wrong_way_import(self):
        graph = import_graph()
        self.assertGreater(len(graph), 50)  # the package was found and read
        self.assertEqual(wrong_way(graph), [])

    def test_no_cycle_of_modules_or_rooms(self):
        graph = import_graph()
        self.assertEqual(cycles(graph), [])
        self.assertEqual(cycles(room_graph(graph)), [])

    def test_every_room_has_a_layer(self):
        self.assertEqual(sorted(set(map(room, import_graph())) - set(LAYERS)), [])


class TheCheckCanFail(unittest.TestCase):
    """Synthetic graphs: a wrong-way import and a cycle are found, a right-way one is not."""

    def test_wrong_way_edge_is_found(self):
        graph = {"sumbench.catalogue": {"sumbench.baseline.modes"}, "sumbench.baseline.modes": set()}
        self.assertEqual(len(wrong_way(graph)), 1)
        self.assertIn("sumbench.catalogue -> sumbench.baseline.modes", wrong_way(graph)[0])
        self.assertEqual(wrong_way({"sumbench.slurm.submit": {"sumbench.runner.config"}}), [])
        self.assertEqual(len(wrong_way({"sumbench.runner.sweep": {"sumbench.slurm.attempts"}})), 1)
        self.assertEqual(len(wrong_way({"sumbench.errors": {"sumbench.paths"}})), 1)

    def test_cycles_are_found(self):
        graph = {"sumbench.runner.plan": {"sumbench.runner.config"},
                 "sumbench.runner.config": {"sumbench.runner.launch"},
                 "sumbench.runner.launch": {"sumbench.runner.plan"},
                 "sumbench.io": {"sumbench.errors"}, "sumbench.errors": set()}
        self.assertEqual(cycles(graph), [["sumbench.runner.config", "sumbench.runner.launch",
                                          "sumbench.runner.plan"]])
        del graph["sumbench.runner.launch"]
        self.assertEqual(cycles(graph), [])
        rooms = room_graph({"sumbench.report.a": {"sumbench.pyfunc.b"},
                            "sumbench.pyfunc.b": {"sumbench.report.c"}})
        self.assertEqual(cycles(rooms), [["pyfunc", "report"]])

    def test_imports_in_functions_and_type_checking_count(self):
        tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .plan import P\n"
                         "def f():\n    from ..slurm import attempts\n")
        self.assertEqual(sorted(n.module for n in _imports(tree) if isinstance(n, ast.ImportFrom)),
                         ["plan", "slurm", "typing"])


if __name__ == "__main__":
    unittest.main()
