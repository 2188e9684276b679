"""ohti's imports point one way: from the command line down to the ground, never up, no cycle.

The layers, top to bottom (ARCHITECTURE.md's picture; README's "Layout"):

    cli → publish → build | documents → analysis | register → indicators → sources | stats → ground

Packages on one line (``build | documents``) are siblings: neither imports the other. The ground
is the modules directly in ``ohti/`` (errors, paths, i18n, _files, _version, yamlsafe, lazy,
_lifetime). The walk reads every import statement, also those inside functions.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ohti"

#: Each layer's height: a module may import from its own package or from a lower layer.
LAYERS = {"ground": 0, "sources": 1, "stats": 1, "indicators": 2, "analysis": 3, "register": 3,
          "documents": 4, "build": 4, "publish": 5, "cli": 6}
#: The build runs notebooks; what they compute is none of its business.
BUILD_MAY_IMPORT = {"ground", "build"}
MAX_LEVELS = 8


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "ground"
    if (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return "cli" if parts[1] in ("cli", "__main__") else "ground"


def ohti_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of an ohti module in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "ohti"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ohti":
            assert node.level == 0, f"{path}:{node.lineno}: a relative import (ohti imports absolutely)"
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / (submodule.replace(".", "/") + ".py")).is_file() or \
                    (PACKAGE.parent / submodule.replace(".", "/")).is_dir()
                found.append((node.lineno, submodule if is_module else node.module))
    return found


def graph() -> dict[str, set[str]]:
    edges = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        edges[name] = {target for _, target in ohti_imports(path) if target != name}
    return edges


def test_the_walk_sees_every_module_and_its_imports():
    edges = graph()
    assert len(edges) > 60 and "ohti.indicators.compute" in edges
    assert "ohti.indicators.registry" in edges["ohti.indicators.compute"]
    assert sum(len(targets) for targets in edges.values()) > 200


def test_no_module_imports_upwards_or_sideways():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        mine = layer_of(module_name(path))
        for line, target in ohti_imports(path):
            theirs = layer_of(target)
            if theirs == mine:
                continue
            if LAYERS[theirs] >= LAYERS[mine] or (mine == "build" and theirs not in BUILD_MAY_IMPORT):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {mine} imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    edges = graph()
    state, cycles = {}, []

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                cycles.append(" → ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_the_layers_are_at_most_eight():
    heights = sorted(set(LAYERS.values()))
    assert len(heights) <= MAX_LEVELS
    assert {layer_of(name) for name in graph()} <= set(LAYERS)


def test_ohti_modules_are_imported_at_the_top():
    """Only third-party libraries that are slow to import are loaded lazily; ohti's own modules
    are imported at the top of each module, so that who depends on whom is visible there."""
    inner = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                if any(name and name.split(".")[0] == "ohti" for name in names):
                    inner.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert inner == [], inner


@pytest.mark.parametrize("name", ["load_source", "compute_values", "compare_values", "rank_values",
                                  "build_area_documents", "seasonally_adjust"])
def test_the_public_api_resolves(name):
    ohti = importlib.import_module("ohti")
    assert callable(getattr(ohti, name)) and name in dir(ohti)
    with pytest.raises(AttributeError):
        ohti.no_such_function  # noqa: B018


def test_the_command_starts_without_the_drawing_libraries():
    """`ohti` loads matplotlib and geopandas only when it draws: a build with nothing to build,
    the catalogue and the audit start half a second sooner."""
    import subprocess
    import sys

    code = ("import sys, ohti.cli; "
            "print(sorted(m for m in ('matplotlib', 'matplotlib.pyplot', 'geopandas') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"


def test_a_lazy_module_is_prepared_once_before_its_import():
    from ohti.lazy import LazyModule

    steps = []
    math = LazyModule("math", prepare=lambda: steps.append("prepared"))
    assert steps == []
    assert math.sqrt(16.0) == 4.0 and math.pi > 3
    assert steps == ["prepared"]


def test_charts_draw_with_the_agg_backend_whatever_the_environment_asks():
    import os
    import subprocess
    import sys

    code = ("from ohti.documents import charts; import matplotlib; charts.plt.figure(); "
            "print(matplotlib.get_backend().lower())")
    environment = {**os.environ, "MPLBACKEND": "svg"}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=environment).stdout
    assert shown.strip() == "agg"
