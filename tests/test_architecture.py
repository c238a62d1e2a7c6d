"""The package's shape: layers import downward only, the Rust extension has a facade of two
modules (the network, `model/network.py`, and the polytope engine, `geometry/engine.py`; no
other module imports `_core`), and the command line lives in `linregions.cli` (one module per
command) and imports no torch until a command needs it. Read from the source with `ast`, so
lazy imports count, and so do imports under `if TYPE_CHECKING:` for the cycle test (a
type-only cycle is still two modules that each need the other). The Rust modules have no
import cycles either, and each geometric algorithm (facets, insphere) has one home, the
core."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "python" / "linregions"
# The facade of the extension: the only modules that import `_core` (the network side and
# the polytope side).
CORE_USERS = ("linregions.model.network", "linregions.geometry.engine")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_targets(
    path: Path, modules: set[str], type_only: bool = False, import_time: bool = False
) -> tuple[set[str], set[str]]:
    """What `path` imports: (modules of the package, top-level names of other packages).
    Imports under `if TYPE_CHECKING:` count only when `type_only`; imports inside function
    bodies (lazy imports) count unless `import_time`, which keeps what importing `path` runs."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    external: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node) and not type_only:
            for child in node.orelse:
                visit(child)
            return
        if import_time and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("linregions"))
            external.update(
                a.name.split(".")[0] for a in node.names if not a.name.startswith("linregions")
            )
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("linregions"):
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in modules else target)
            elif target != "__future__":
                external.add(target.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return {m for m in found if m in modules}, external


def _imports(path: Path, modules: set[str], type_only: bool = False) -> set[str]:
    """Modules of the package that `path` imports anywhere outside `if TYPE_CHECKING:`, and
    inside it too when `type_only`."""
    return _import_targets(path, modules, type_only)[0]


def _graph(type_only: bool = False) -> dict[str, set[str]]:
    paths = sorted(PKG.rglob("*.py"))
    modules = {_module_name(p) for p in paths} | {"linregions._core"}
    return {_module_name(p): _imports(p, modules, type_only) - {_module_name(p)} for p in paths}


def _core_importers(graph: dict[str, set[str]]) -> list[str]:
    """The modules of `graph` that import the extension `linregions._core`."""
    return sorted(m for m, deps in graph.items() if "linregions._core" in deps)


def test_only_the_facade_imports_the_extension():
    """At most two modules import `_core`, and they are exactly the network and the polytope
    engine (imports under `if TYPE_CHECKING:` and lazy imports count too)."""
    importers = _core_importers(_graph(type_only=True))
    assert len(CORE_USERS) <= 2
    assert importers == sorted(CORE_USERS)


def test_the_facade_check_sees_a_third_importer(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "PKG", tmp_path / "linregions")
    for sub in ("model", "geometry", "analysis"):
        (tmp_path / "linregions" / sub).mkdir(parents=True)
        (tmp_path / "linregions" / sub / "__init__.py").write_text("")
    (tmp_path / "linregions" / "__init__.py").write_text("")
    (tmp_path / "linregions" / "model" / "network.py").write_text("from .. import _core\n")
    (tmp_path / "linregions" / "geometry" / "engine.py").write_text(
        "from linregions import _core\n"
    )
    assert _core_importers(_graph(type_only=True)) == sorted(CORE_USERS)
    third = tmp_path / "linregions" / "analysis" / "third.py"
    for src in (
        "from linregions._core import Polytope\n",
        "import linregions._core\n",
        "def f():\n    from .. import _core\n    return _core\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import _core\n",
    ):
        third.write_text(src)
        assert _core_importers(_graph(type_only=True)) == sorted(
            [*CORE_USERS, "linregions.analysis.third"]
        ), src


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def dfs(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                dfs(dep, stack + [dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            dfs(module, [module])
    return cycles


def test_import_graph_has_no_cycles():
    assert _cycles(_graph()) == []


def test_import_graph_has_no_cycles_through_type_only_imports():
    assert _cycles(_graph(type_only=True)) == []


def test_the_cycle_check_sees_type_only_imports(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "PKG", tmp_path / "linregions")
    (tmp_path / "linregions").mkdir()
    a = tmp_path / "linregions" / "a.py"
    a.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from linregions.b import B\n"
    )
    modules = {"linregions.a", "linregions.b"}
    assert _imports(a, modules) == set()
    assert _imports(a, modules, type_only=True) == {"linregions.b"}
    assert _cycles({"x": {"y"}, "y": {"x"}}) == [["x", "y", "x"]]


def _foreign_core_lines(source: str) -> list[int]:
    """Lines of `x._core` attribute reads in `source` where `x` is anything but `self`."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and node.attr == "_core"
        and not (isinstance(node.value, ast.Name) and node.value.id == "self")
    ]


def _touches_core(source: str) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr == "_core"
        for node in ast.walk(ast.parse(source))
    )


def test_only_the_network_touches_its_core():
    """`Network` owns the extension object: no module reaches into another object's `._core`,
    and only `model/network.py` touches `self._core`."""
    sources = {_module_name(p): p.read_text() for p in sorted(PKG.rglob("*.py"))}
    offenders = [f"{m}:{line}" for m, src in sources.items() for line in _foreign_core_lines(src)]
    assert offenders == []
    assert [m for m, src in sources.items() if _touches_core(src)] == ["linregions.model.network"]


def test_the_core_check_sees_foreign_access():
    assert _foreign_core_lines("def f(net):\n    return net._core.walk\n") == [2]
    assert _foreign_core_lines("class N:\n    def f(self):\n        return self._core\n") == []


#: The command line's room: `linregions.cli` and its modules, one per command.
CLI = "linregions.cli"


def _import_time_closure(start: set[str]) -> dict[str, set[str]]:
    """Every module of the package that importing the modules `start` runs (parent packages
    included), each with the other packages it imports at import time."""
    paths = {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}
    modules = set(paths)
    seen: dict[str, set[str]] = {}
    todo = sorted(start)
    while todo:
        m = todo.pop()
        if m in seen or m not in paths:
            continue
        deps, seen[m] = _import_targets(paths[m], modules, import_time=True)
        parents = {m.rsplit(".", k)[0] for k in range(1, m.count(".") + 1)}
        todo += sorted((deps | parents) - set(seen))
    return seen


def test_the_command_line_imports_no_torch_until_a_command_needs_it():
    """`linregions --help`, `inspect` and `regions` (ONNX only) work without torch: no module
    that importing `linregions.cli` runs imports torch at import time (demo and study import
    it inside their `run`)."""
    start = {
        m for m in map(_module_name, PKG.rglob("*.py")) if m.split(".")[:2] == ["linregions", "cli"]
    }
    reached = _import_time_closure(start)
    assert {CLI, f"{CLI}.inspect", f"{CLI}.regions", "linregions"} <= set(reached)
    assert sorted(m for m, ext in reached.items() if "torch" in ext) == []


def test_the_import_time_check_sees_module_level_torch(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "PKG", tmp_path / "linregions")
    (tmp_path / "linregions").mkdir()
    a = tmp_path / "linregions" / "a.py"
    a.write_text("import numpy as np\ndef f():\n    import torch\n")
    assert _import_targets(a, set(), import_time=True) == (set(), {"numpy"})
    assert _import_targets(a, set()) == (set(), {"numpy", "torch"})
    a.write_text("try:\n    import torch.nn as nn\nexcept ImportError:\n    nn = None\n")
    assert _import_targets(a, set(), import_time=True)[1] == {"torch"}


def test_every_command_is_a_module_of_the_cli_and_only_the_cli_parses_arguments():
    from linregions import cli

    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    assert sorted(sub.choices) == sorted(m.__name__.rpartition(".")[2] for m in cli.COMMANDS)
    assert all(m.__name__.startswith(f"{CLI}.") for m in cli.COMMANDS)
    parsing = sorted(
        _module_name(p) for p in PKG.rglob("*.py") if "argparse" in _import_targets(p, set())[1]
    )
    assert parsing and all(m.startswith(CLI) for m in parsing)


# --- Rust modules -----------------------------------------------------------------------

RUST = Path(__file__).resolve().parents[1] / "rust" / "src"


def _rust_module(path: Path, src: Path) -> tuple[str, ...]:
    """`rust/src/a/b.rs` and `rust/src/a/b/mod.rs` -> ("crate", "a", "b")."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return ("crate", *parts)


def _without_comments_and_tests(text: str) -> str:
    """Rust source without comments and `#[cfg(test)]` items (a test module may use any
    module: it is not part of the graph the library compiles)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    while m := re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        text = text[: m.start()] + text[i:]
    return text


def _use_paths(tree: str) -> list[str]:
    """The paths of a `use` tree: `a::{b, c::{d, e as f}}` -> `a::b`, `a::c::d`, `a::c::e`."""
    tree = re.sub(r"\s+", " ", tree).strip()
    start = tree.find("{")
    if start < 0:
        return [tree.split(" as ")[0].replace(" ", "")]
    prefix, body = tree[:start].replace(" ", ""), tree[start + 1 : tree.rindex("}")]
    items, depth, current = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        current += ch
    items.append(current)
    return [p for item in items if item.strip() for p in _use_paths(prefix + item.strip())]


def _rust_graph(src: Path | None = None) -> dict[str, set[str]]:
    """Module -> modules it names, by `use` declarations and paths in code (`crate::x::f`,
    `super::y::T`, `child::g`), each resolved to the deepest module file it reaches (an item
    re-exported by a parent counts as the parent's)."""
    src = src or RUST
    mods = {_rust_module(p, src): p for p in sorted(src.rglob("*.rs"))}
    graph: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in mods}
    path_re = r"(?<![\w:])((?:crate|super|self|[a-z_][a-z0-9_]*)(?:::[A-Za-z_]\w*)+)"
    for mod, path in mods.items():
        text = _without_comments_and_tests(path.read_text())
        children = {m[-1] for m in mods if m[:-1] == mod}
        paths = [p for m in re.finditer(r"\buse\s+([^;]+);", text) for p in _use_paths(m[1])]
        paths += re.findall(path_re, text)
        for found in paths:
            segs = found.split("::")
            if segs[0] == "crate":
                base, rest = ("crate",), segs[1:]
            elif segs[0] in ("super", "self"):
                base, rest = mod, list(segs)
                while rest and rest[0] in ("super", "self"):
                    if rest.pop(0) == "super":
                        base = base[:-1]
            elif segs[0] in children:
                base, rest = mod, segs
            else:
                continue  # an external crate or a local item
            target = base
            for seg in rest:
                if target + (seg,) not in mods:
                    break
                target += (seg,)
            if target != mod and target in mods:
                graph[mod].add(target)
    return {"::".join(k): {"::".join(v) for v in vs} for k, vs in graph.items()}


def test_rust_modules_have_no_import_cycles():
    graph = _rust_graph()
    assert len(graph) > 40 and "crate::ipm::lp" in graph["crate::facets"]
    assert _cycles(graph) == []


def test_the_rust_cycle_check_sees_uses_paths_and_parents(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "lib.rs").write_text("pub mod a;\npub mod b;\n")
    (tmp_path / "a" / "mod.rs").write_text(
        "mod c;\npub use c::Thing;\nfn f() { c::g() }\n// use crate::b;\n"
    )
    (tmp_path / "a" / "c.rs").write_text(
        "use super::{Other, super::b::{self, X as Y}};\n"
        "#[cfg(test)]\nmod tests {\n    use crate::*;\n}\n"
    )
    (tmp_path / "b.rs").write_text("pub fn h() { crate::a::c::g() }\n")
    graph = _rust_graph(tmp_path)
    assert graph["crate::a"] == {"crate::a::c"}
    assert graph["crate::a::c"] == {"crate::a", "crate::b"}
    assert graph["crate::b"] == {"crate::a::c"}
    assert _cycles(graph) == [
        ["crate::a", "crate::a::c", "crate::a"],
        ["crate::a::c", "crate::b", "crate::a::c"],
    ]


# --- one home per algorithm ---------------------------------------------------------------

#: The geometry layer's door to the extension (the only geometry module that imports it).
ENGINE = "linregions.geometry.engine"
#: What the polytope engine may read of the extension: the one entry per algorithm (facets,
#: insphere, class maxima and their certificate and presence LP) and the types and constants
#: around them; never a building block of an algorithm (an LP, the witnesses) to drive from
#: Python.
GEOMETRY_CORE_NAMES = {
    "Polytope",
    "Settings",
    "Status",
    "InsphereResult",
    "FacetReport",
    "ClassMaximum",
    "ClassPresence",
    "insphere",
    "facets",
    "class_maxima",
    "class_gap",
    "class_presence",
    "RECESSION_TOL",
    "FACET_TOL",
    "DUPLICATE_TOL",
    "MAX_BENDS",
    "BOUNDARY_TOL",
    "WALK_TOL",
    "SLICE_TOL",
    "MAX_POLYGONS",
}


def _core_names(tree: ast.AST) -> set[str]:
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "_core"
    }


def _lp_solver_uses(tree: ast.AST) -> list[str]:
    """Imports of an LP solver (scipy.optimize's `linprog`/`milp`, highspy) and calls of
    `linprog` (non-negative least squares, `nnls`, is not an LP)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            ("scipy.optimize", "highspy")
        ):
            names = {a.name for a in node.names}
            if (node.module or "").startswith("highspy") or not names <= {"nnls"}:
                found.append(f"from {node.module} import")
        elif isinstance(node, ast.Import):
            found += [
                f"import {a.name}"
                for a in node.names
                if a.name.startswith(("scipy.optimize", "highspy"))
            ]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "linprog":
                found.append("linprog()")
    return found


def test_geometry_holds_no_facet_or_insphere_algorithm():
    """Facets and inspheres are computed in the Rust core, one call each: no module of
    `linregions.geometry` runs an LP solver, the engine drives none of the core's building
    blocks, and the other geometry modules read nothing of `_core` (they call the engine)."""
    offenders = {}
    engine_names: set[str] = set()
    for path in sorted((PKG / "geometry").rglob("*.py")):
        tree = ast.parse(path.read_text())
        names = _core_names(tree)
        if _module_name(path) == ENGINE:
            engine_names = names
            names = names - GEOMETRY_CORE_NAMES
        bad = _lp_solver_uses(tree) + sorted(names)
        if bad:
            offenders[_module_name(path)] = bad
    assert offenders == {}
    assert {"Polytope", "insphere", "facets", "class_maxima", "class_gap"} <= engine_names


def test_the_algorithm_check_sees_lp_solvers_and_building_blocks():
    src = (
        "from scipy.optimize import linprog\nimport highspy\n"
        "def f(c):\n    linprog(c)\n    return _core.lp_minimize(c), _core.facets(c)\n"
    )
    tree = ast.parse(src)
    assert _lp_solver_uses(tree) == [
        "from scipy.optimize import",
        "import highspy",
        "linprog()",
    ]
    assert _core_names(tree) - GEOMETRY_CORE_NAMES == {"lp_minimize"}
