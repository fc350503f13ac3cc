"""The public surface: `retriever`'s `__all__` is sorted and complete, every type a public
signature of `Retriever` names is exported, and `api` uses nothing else (after httpx's
tests/test_exported_members.py)."""

from __future__ import annotations

import ast
import inspect
import re
import types

import retriever
from paths import REPO

#: Names a signature may use that are not ours to export.
FOREIGN = {
    "Any",
    "Iterable",
    "Literal",
    "Mapping",
    "None",
    "Path",
    "Sequence",
    "bool",
    "dict",
    "float",
    "int",
    "list",
    "np",
    "ndarray",
    "object",
    "str",
    "tuple",
}


def test_all_imports_are_exported() -> None:
    members = [
        name
        for name in dir(retriever)
        if not name.startswith("_")
        and not isinstance(getattr(retriever, name), types.ModuleType)
        and name not in {"TYPE_CHECKING", "Any", "importlib"}
    ]
    assert retriever.__all__ == sorted(members)


def test_every_export_resolves() -> None:
    for name in retriever.__all__:
        assert getattr(retriever, name) is not None


def test_types_in_public_signatures_are_exported() -> None:
    named = set()
    for name, member in inspect.getmembers(retriever.Retriever):
        if name.startswith("_") and name != "__init__":
            continue
        function = member.fget if isinstance(member, property) else member
        annotations = getattr(function, "__annotations__", {})
        for annotation in annotations.values():
            unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", str(annotation))
            named |= set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", unquoted))
    missing = sorted(named - FOREIGN - set(retriever.__all__))
    assert not missing


def test_api_imports_only_the_public_namespace() -> None:
    private = []
    for path in sorted((REPO / "api").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("retriever."):
                private.append(f"{path.name}: {node.module}")
            if isinstance(node, ast.ImportFrom) and node.module == "retriever":
                private += [
                    f"{path.name}: {a.name}" for a in node.names if a.name not in retriever.__all__
                ]
    assert not private
