"""Ada and Pascal (Delphi, Free Pascal): packages and units of typed subprograms."""

from __future__ import annotations

import tree_sitter_ada
import tree_sitter_pascal
from tree_sitter import Node

from indexers.code_languages.base import (
    LanguageSpec,
    direct_members,
    field_name,
    first_named,
    named_child_name,
)

# Ada ------------------------------------------------------------------------------------

_ADA_SPECIFICATIONS = ("function_specification", "procedure_specification")


def ada_subprogram_name(node: Node) -> str | None:
    """``function Total (C : Cart) return Natural is`` -> ``Total``."""
    specification = first_named(node, *_ADA_SPECIFICATIONS)
    return field_name(specification) if specification is not None else None


_ADA_PACKAGES = ("package_declaration", "package_body", "generic_package_declaration")
_ADA = LanguageSpec(
    grammar=tree_sitter_ada.language,
    definitions={
        **dict.fromkeys(_ADA_PACKAGES, "namespace"),
        "subprogram_body": "function",
        "subprogram_declaration": "function",
        "expression_function_declaration": "function",
        "full_type_declaration": "type",
        "task_body": "function",
    },
    namers={
        "subprogram_body": ada_subprogram_name,
        "subprogram_declaration": ada_subprogram_name,
        "expression_function_declaration": ada_subprogram_name,
        "full_type_declaration": named_child_name("identifier"),
    },
    # Units and declarative parts are lists read through: their items are the definitions.
    flatten=frozenset({"compilation_unit", "non_empty_declarative_part", "generic_declaration"}),
    body=direct_members(*_ADA_PACKAGES),
)


# Pascal ---------------------------------------------------------------------------------

_PASCAL_TYPES = {
    "declClass": "class",
    "declIntf": "interface",
    "declObject": "class",
    "declHelper": "impl",
}


def _pascal_type(node: Node) -> Node | None:
    target = node.child_by_field_name("type")
    return target if target is not None and target.type in _PASCAL_TYPES else None


def pascal_type_kind(node: Node) -> str | None:
    """``TCart = class ... end`` is a class, ``TItem = record ... end`` a struct; aliases are
    module code."""
    target = _pascal_type(node)
    if target is None:
        return None
    if target.children and target.children[0].type == "kRecord":
        return "struct"
    return _PASCAL_TYPES[target.type]


def pascal_routine_kind(node: Node) -> str:
    """``procedure TCart.Add(...)`` implements a method; a plain name is a function."""
    header = node.child_by_field_name("header")
    name = header.child_by_field_name("name") if header is not None else None
    return "method" if name is not None and name.type == "genericDot" else "function"


def pascal_routine_name(node: Node) -> str | None:
    header = node.child_by_field_name("header")
    return field_name(header) if header is not None else None


_PASCAL = LanguageSpec(
    grammar=tree_sitter_pascal.language,
    definitions={
        "declType": pascal_type_kind,
        # Routines with a body; their `interface` and in-class headers are declarations only
        # (as C prototypes are).
        "defProc": pascal_routine_kind,
    },
    namers={"defProc": pascal_routine_name},
    # A unit's sections, its `type` blocks and a class's visibility sections are read through.
    flatten=frozenset(
        {"unit", "program", "library", "interface", "implementation", "declTypes", "declSection"}
    ),
    body=lambda node: _pascal_type(node) if node.type == "declType" else None,
)

SPECS: dict[str, LanguageSpec] = {"ada": _ADA, "pascal": _PASCAL}
