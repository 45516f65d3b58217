"""The house: the package's folders are layers, and a module imports only from its own layer
or the layers below it; there is no import cycle between modules (checked with grimp)."""

from __future__ import annotations

import grimp
import pytest

# lowest first; modules of one line may import each other (pathway and life are peers)
LAYERS = (
    ("sim.engine",),
    ("sim.pathway", "sim.life"),
    ("sim.levers",),
    ("sim.measure",),
    ("sim.scenario",),
    ("sim.model", "sim.agents"),
    ("sim.experiments",),
    ("sim.app",),
)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("sim", cache_dir=None)  # no cache folder in the source tree


def layer_of(module: str) -> int | None:
    for i, names in enumerate(LAYERS):
        if any(module == n or module.startswith(n + ".") for n in names):
            return i
    return None  # sim itself, sim.__main__, sim.data


def test_every_module_is_in_a_layer(graph):
    loose = sorted(m for m in graph.modules if layer_of(m) is None
                   and m not in ("sim", "sim.__main__") and not m.startswith("sim.data"))
    assert not loose, f"modules outside the layers: {loose}"


def test_imports_go_only_downward(graph):
    upward = []
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = layer_of(importer), layer_of(imported)
            if a is not None and b is not None and b > a:
                upward.append(f"{importer} -> {imported}")
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_pathway_and_life_do_not_import_each_other(graph):
    def part(module):
        return module.split(".")[1] if module.count(".") else ""

    crossing = [f"{a} -> {b}" for a in graph.modules
                for b in graph.find_modules_directly_imported_by(a)
                if {part(a), part(b)} == {"pathway", "life"}]
    assert not crossing, crossing


def test_there_is_no_import_cycle(graph):
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                cycles.append(" -> ".join([module, *back]))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles))[:10])
