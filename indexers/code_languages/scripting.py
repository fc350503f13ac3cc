"""Lua and Luau, Perl, Julia and Zig; SQL schemas, HCL (Terraform) and Bicep configuration."""

from __future__ import annotations

import re
from dataclasses import replace

import tree_sitter_bicep
import tree_sitter_hcl
import tree_sitter_julia
import tree_sitter_lua
import tree_sitter_luau
import tree_sitter_perl
import tree_sitter_sql
import tree_sitter_zig
from tree_sitter import Node

from indexers.code_languages.base import (
    LanguageSpec,
    direct_members,
    field_name,
    first_named,
    named_child_name,
    node_text,
    text_of,
)

# Lua ------------------------------------------------------------------------------------


def lua_function_kind(node: Node) -> str:
    """``function M:load()`` is a method (it takes ``self``); anything else a function."""
    name = node.child_by_field_name("name")
    return "method" if name is not None and name.type == "method_index_expression" else "function"


def lua_function_name(node: Node) -> str | None:
    """``function M.Loader:load()`` -> ``M.Loader.load``."""
    name = field_name(node)
    return name.replace(":", ".") if name else None


def _lua_assignment(node: Node) -> Node | None:
    if node.type == "assignment_statement":
        return node
    return first_named(node, "assignment_statement")  # `local f = ...`


def lua_assignment_kind(node: Node) -> str | None:
    """``M.load = function() ... end`` and ``local f = function() ... end`` are functions."""
    assignment = _lua_assignment(node)
    values = first_named(assignment, "expression_list") if assignment is not None else None
    if values is None or values.named_child_count != 1:
        return None
    return "function" if values.named_children[0].type == "function_definition" else None


def lua_assignment_name(node: Node) -> str | None:
    assignment = _lua_assignment(node)
    targets = first_named(assignment, "variable_list") if assignment is not None else None
    return text_of(targets) if targets is not None and targets.named_child_count == 1 else None


_LUA = LanguageSpec(
    grammar=tree_sitter_lua.language,
    definitions={
        "function_declaration": lua_function_kind,
        "assignment_statement": lua_assignment_kind,
        "variable_declaration": lua_assignment_kind,
    },
    namers={
        "function_declaration": lua_function_name,
        "assignment_statement": lua_assignment_name,
        "variable_declaration": lua_assignment_name,
    },
)


# Perl -----------------------------------------------------------------------------------

_PERL = LanguageSpec(
    grammar=tree_sitter_perl.language,
    definitions={
        "subroutine_declaration_statement": "function",
        "package_statement": "namespace",
    },
    attached=frozenset({"comment", "pod"}),
    # `package Shop::Cart;` names everything after it; `package Shop::Cart { ... }` is a block.
    scoping=frozenset({"package_statement"}),
)


# Julia ----------------------------------------------------------------------------------

_JULIA_NAME = re.compile(r"[\w.!]+")
_JULIA_CALL_SHAPES = frozenset({"call_expression", "typed_expression", "where_expression"})


def _julia_name(node: Node | None) -> str | None:
    match = _JULIA_NAME.match(node_text(node)) if node is not None else None
    return match.group() if match else None


def julia_function_name(node: Node) -> str | None:
    """``function Base.show(io, x)``, ``f(x)::T where T`` -> ``Base.show``, ``f``."""
    target = first_named(node, "signature") or node
    target = target.named_children[0] if target.named_children else None
    while target is not None and target.type in _JULIA_CALL_SHAPES and target.named_children:
        target = target.named_children[0]
    return _julia_name(target)


def julia_assignment_kind(node: Node) -> str | None:
    """``area(b::Box) = b.w^2`` (also typed, or ``where {T}``) is a function; ``x = f(y)`` is
    not."""
    target = node.named_children[0] if node.named_children else None
    while target is not None and target.type in ("typed_expression", "where_expression"):
        target = target.named_children[0] if target.named_children else None
    return "function" if target is not None and target.type == "call_expression" else None


_JULIA = LanguageSpec(
    grammar=tree_sitter_julia.language,
    definitions={
        "module_definition": "namespace",
        "function_definition": "function",
        "macro_definition": "function",
        "assignment": julia_assignment_kind,
        "struct_definition": "struct",
        "abstract_definition": "type",
        "primitive_definition": "type",
    },
    namers={
        "function_definition": julia_function_name,
        "macro_definition": julia_function_name,
        "assignment": julia_function_name,
        "struct_definition": lambda node: _julia_name(first_named(node, "type_head")),
        "abstract_definition": lambda node: _julia_name(first_named(node, "type_head")),
        "primitive_definition": lambda node: _julia_name(first_named(node, "type_head")),
    },
    # A docstring is a string literal right above its definition.
    attached=frozenset({"comment", "line_comment", "block_comment", "string_literal"}),
    body=direct_members("module_definition"),
)


# Zig ------------------------------------------------------------------------------------

_ZIG_CONTAINERS = {
    "struct_declaration": "struct",
    "union_declaration": "struct",
    "enum_declaration": "enum",
    "opaque_declaration": "type",
}


def _zig_container(node: Node) -> Node | None:
    return first_named(node, *_ZIG_CONTAINERS)


def zig_variable_kind(node: Node) -> str | None:
    """``const Parser = struct { ... };`` is a type; other constants are module code."""
    container = _zig_container(node)
    return _ZIG_CONTAINERS[container.type] if container is not None else None


def zig_test_name(node: Node) -> str | None:
    """``test "parse works" { ... }`` -> ``parse works``; ``test Parser {}`` -> ``Parser``."""
    label = first_named(node, "string", "identifier")
    if label is not None and label.type == "string":
        content = first_named(label, "string_content")
        return node_text(content) if content is not None else None
    return text_of(label)


_ZIG = LanguageSpec(
    grammar=tree_sitter_zig.language,
    definitions={
        "function_declaration": "function",
        "variable_declaration": zig_variable_kind,
        "test_declaration": "function",
    },
    namers={
        "variable_declaration": named_child_name("identifier"),
        "test_declaration": zig_test_name,
    },
    body=lambda node: _zig_container(node) if node.type == "variable_declaration" else None,
)


# SQL ------------------------------------------------------------------------------------

_SQL = LanguageSpec(
    grammar=tree_sitter_sql.language,
    definitions={
        "create_table": "table",
        "create_view": "view",
        "create_materialized_view": "view",
        "create_function": "function",
        "create_procedure": "function",
        "create_trigger": "trigger",
        "create_type": "type",
    },
    namers=dict.fromkeys(
        (
            "create_table",
            "create_view",
            "create_materialized_view",
            "create_function",
            "create_procedure",
            "create_trigger",
            "create_type",
        ),
        named_child_name("object_reference", "identifier"),
    ),
    wrappers=frozenset({"statement"}),
    attached=frozenset({"comment", "marginalia"}),
)


# HCL ------------------------------------------------------------------------------------


def hcl_block_name(node: Node) -> str | None:
    """``resource "aws_instance" "web" {`` -> ``resource.aws_instance.web``."""
    labels = [
        text_of(child)
        for child in node.named_children
        if child.type in ("identifier", "string_lit")
    ]
    return ".".join(label for label in labels if label) or None


_HCL = LanguageSpec(
    grammar=tree_sitter_hcl.language,
    definitions={"block": "block"},
    namers={"block": hcl_block_name},
    flatten=frozenset({"body"}),
)


# Bicep ----------------------------------------------------------------------------------


def bicep_block_name(node: Node) -> str | None:
    """``resource storage '...' = {`` -> ``resource.storage``, like HCL's blocks."""
    keyword = node.type.removesuffix("_declaration")
    name = first_named(node, "identifier")
    return f"{keyword}.{node_text(name)}" if name is not None else None


_BICEP = LanguageSpec(
    grammar=tree_sitter_bicep.language,
    definitions={
        "resource_declaration": "block",
        "module_declaration": "block",
        "user_defined_function": "function",
        "type_declaration": "type",
    },
    namers={
        "resource_declaration": bicep_block_name,
        "module_declaration": bicep_block_name,
        "type_declaration": named_child_name("identifier"),
    },
    attached=frozenset({"comment", "decorators"}),
)

SPECS: dict[str, LanguageSpec] = {
    "lua": _LUA,
    # Roblox's typed Lua: Lua's definitions, and `type` aliases.
    "luau": replace(
        _LUA,
        grammar=tree_sitter_luau.language,
        definitions={**_LUA.definitions, "type_definition": "type"},
    ),
    "perl": _PERL,
    "julia": _JULIA,
    "zig": _ZIG,
    "sql": _SQL,
    "hcl": _HCL,
    "bicep": _BICEP,
}
