"""The house's layout: rooms by concern, imports flowing one way, small modules, no cycles.

docs/architecture.md draws the same picture; this test keeps the two honest."""

from __future__ import annotations

import ast
from pathlib import Path

from paths import REPO

PACKAGE = REPO / "retriever"
#: The rooms of `retriever/`, lowest first: a module imports only from its own layer or below.
#: Top-level modules are named by their module name, rooms by their package.
LAYERS: list[set[str]] = [
    {"errors", "types", "settings"},
    {"store"},
    {"encoding"},
    {"masked_lm"},
    {"manifest"},
    {"search"},
    {"ingest"},
    {"engine", "__init__"},
    {"ops", "integrations"},
    {"cli", "__main__"},
]
MAX_LINES = 450
MAX_TOP_LEVEL = 12


def _modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(REPO).with_suffix("").parts): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _imports(path: Path) -> set[str]:
    """Every retriever module ``path`` imports, at module level or inside a function (a lazy
    import is still a dependency); imports only for type checkers do not count."""
    found = set()
    tree = ast.parse(path.read_text())
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "retriever":
                found |= {f"retriever.{alias.name}" for alias in node.names}
            elif node.module.startswith("retriever."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("retriever.")}
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        if f"{name}.__init__" in modules:
            return f"{name}.__init__"
        name = name.rpartition(".")[0]
    return name or None


def _layer(module: str) -> int:
    room = module.split(".")[1]
    return next(i for i, layer in enumerate(LAYERS) if room in layer)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        targets = {_resolve(target, modules) for target in _imports(path)}
        graph[name] = {t for t in targets if t and t != name}
    return graph


def test_top_level_stays_small() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top


def test_every_module_is_small() -> None:
    long = {
        str(path.relative_to(REPO)): lines
        for path in _modules().values()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long


def test_every_module_has_a_room() -> None:
    for module in _modules():
        _layer(module)


def test_imports_flow_one_way() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert not upward


def test_store_knows_nothing_of_search_or_ops() -> None:
    leaks = [
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if module.startswith("retriever.store.")
        for target in targets
        if not target.startswith(
            ("retriever.store.", "retriever.errors", "retriever.types", "retriever.settings")
        )
    ]
    assert not leaks


def test_no_import_cycles() -> None:
    graph = _graph()
    # A package's __init__ re-exporting its modules is not a cycle with them.
    edges = {
        module: {t for t in targets if not (t.endswith("__init__") and module.startswith(t[:-8]))}
        for module, targets in graph.items()
    }
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*stack[stack.index(target) :], target]))
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles
