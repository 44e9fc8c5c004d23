"""The core and the CLI never import Qt: they must run headless and stay testable without it."""

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import cnnstudio.core, cnnstudio.cli, cnnstudio.progress, cnnstudio.glossary, cnnstudio.commands
for info in pkgutil.walk_packages(cnnstudio.commands.__path__, "cnnstudio.commands."):
    importlib.import_module(info.name)
for info in pkgutil.walk_packages(cnnstudio.core.__path__, "cnnstudio.core."):
    importlib.import_module(info.name)
import cnnstudio.__main__
print(len([name for name in sys.modules if name.startswith("cnnstudio.core.")]))
bad = sorted(n for n in sys.modules if n.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")
             or n.startswith("cnnstudio.gui"))
print(bad)
"""


def test_core_and_cli_import_no_qt():
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    )
    count, bad = result.stdout.splitlines()
    assert int(count) >= 15  # the walk really imported the core's modules
    assert bad == "[]"


def _core_imports() -> dict[str, set[str]]:
    """Each core module's imports of other cnnstudio modules, read from its source."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "cnnstudio"
    graph: dict[str, set[str]] = {}
    for path in (root / "core").rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cnnstudio"):
                targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("cnnstudio")}
        graph[name] = targets
    return graph


def _top_level_only(path) -> list[str]:
    """cnnstudio imports made inside functions (to dodge an import circle)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                    "cnnstudio"
                ):
                    found.append(f"{path.name}:{inner.lineno} {inner.module}")
    return found


def test_core_has_no_import_circle():
    graph = _core_imports()
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in graph.get(module, ()):
            if state.get(target) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail, module, target]))
            if target in graph and not state.get(target):
                visit(target, [*trail, module])
        state[module] = 2

    for module in graph:
        if not state.get(module):
            visit(module, [])


def test_core_packages_are_layered():
    """A package imports only the ones below it:
    data/model < spec < training < insight < runs < export."""
    order = [
        "errors",
        "files",
        "params",
        "threads",
        "data",
        "model",
        "spec",
        "training",
        "insight",
        "runs",
        "export",
    ]
    rank = {name: i for i, name in enumerate(order)}
    rank["model"] = rank["data"]  # side by side: neither imports the other
    wrong = []
    for module, targets in _core_imports().items():
        here = module.split(".")[2] if module.count(".") >= 2 else None
        for target in targets:
            there = target.split(".")[2] if target.count(".") >= 2 else None
            if here and there and here != there and rank[there] >= rank[here]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_core_imports_its_modules_at_the_top():
    from pathlib import Path

    core = Path(__file__).resolve().parents[1] / "cnnstudio" / "core"
    assert [hit for path in core.rglob("*.py") for hit in _top_level_only(path)] == []
