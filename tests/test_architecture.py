"""The package's shape: layers import downward only, only the network and geometry layers
touch the Rust extension, and the command line lives in `linregions.cli` (one module per
command) and imports no torch until a command needs it. Read from the source with `ast`, so
lazy imports count, and so do imports under `if TYPE_CHECKING:` for the cycle test (a
type-only cycle is still two modules that each need the other)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "python" / "linregions"
# Modules allowed to import the extension `_core`.
CORE_USERS = ("linregions.model", "linregions.geometry")


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


def test_only_model_and_geometry_import_the_extension():
    offenders = sorted(
        m
        for m, deps in _graph().items()
        if "linregions._core" in deps and not m.startswith(CORE_USERS)
    )
    assert offenders == []


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
