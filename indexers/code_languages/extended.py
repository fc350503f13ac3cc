"""CUDA, HLSL, Arduino and GLSL (C and C++ dialects), Solidity (contracts), PowerShell,
GDScript and Fortran; the build languages Starlark (Bazel), Make and CMake."""

from __future__ import annotations

from dataclasses import replace

import tree_sitter_arduino
import tree_sitter_cmake
import tree_sitter_cuda
import tree_sitter_fortran
import tree_sitter_gdscript
import tree_sitter_glsl
import tree_sitter_hlsl
import tree_sitter_make
import tree_sitter_powershell
import tree_sitter_solidity
import tree_sitter_starlark
from tree_sitter import Node

from indexers.code_languages.base import (
    LanguageSpec,
    direct_members,
    first_named,
    named_child_name,
    node_text,
    text_of,
)
from indexers.code_languages.mainstream import SPECS as MAINSTREAM

_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})

# Solidity -------------------------------------------------------------------------------

_SOLIDITY = LanguageSpec(
    grammar=tree_sitter_solidity.language,
    definitions={
        "contract_declaration": "class",
        "interface_declaration": "interface",
        "library_declaration": "namespace",
        "struct_declaration": "struct",
        "enum_declaration": "enum",
        "function_definition": "function",
        "modifier_definition": "function",
        "constructor_definition": "method",
        "fallback_receive_definition": "method",
        "event_definition": "type",
        "error_declaration": "type",
    },
    namers={
        "constructor_definition": lambda node: "constructor",
        "fallback_receive_definition": lambda node: (
            node_text(node).split("(", 1)[0].strip() or None
        ),
    },
)


# PowerShell -----------------------------------------------------------------------------

_POWERSHELL = LanguageSpec(
    grammar=tree_sitter_powershell.language,
    definitions={
        "function_statement": "function",  # `function` and `filter`
        "class_statement": "class",
        "enum_statement": "enum",
        "class_method_definition": "method",
    },
    namers={
        "function_statement": named_child_name("function_name"),
        "class_statement": named_child_name("simple_name"),
        "enum_statement": named_child_name("simple_name"),
        "class_method_definition": named_child_name("simple_name"),
    },
    flatten=frozenset({"statement_list"}),
    # A class holds its properties and methods as its own children.
    body=direct_members("class_statement"),
)


# Starlark -------------------------------------------------------------------------------


def _target_name(node: Node) -> Node | None:
    """``cc_library(name = "lib", ...)``: the string given as ``name``."""
    call = first_named(node, "call")
    arguments = call.child_by_field_name("arguments") if call is not None else None
    for argument in arguments.named_children if arguments is not None else ():
        key = argument.child_by_field_name("name")
        value = argument.child_by_field_name("value")
        if argument.type == "keyword_argument" and key is not None and key.text == b"name":
            return value if value is not None and value.type == "string" else None
    return None


def starlark_target_kind(node: Node) -> str | None:
    """A rule call with a ``name`` declares a build target."""
    return "target" if _target_name(node) is not None else None


def starlark_target_name(node: Node) -> str | None:
    name = _target_name(node)
    return node_text(name).strip("\"'") or None if name is not None else None


_STARLARK = LanguageSpec(
    grammar=tree_sitter_starlark.language,
    definitions={
        "function_definition": "function",
        "expression_statement": starlark_target_kind,
    },
    namers={"expression_statement": starlark_target_name},
)


# GDScript -------------------------------------------------------------------------------

_GDSCRIPT = LanguageSpec(
    grammar=tree_sitter_gdscript.language,
    definitions={
        "function_definition": "function",
        "constructor_definition": "function",
        "class_definition": "class",
        "enum_definition": "enum",
    },
    namers={"constructor_definition": lambda node: "_init"},
    # `class_name Player` names the script's class: its functions read as Player's.
    scoping=frozenset({"class_name_statement"}),
)


# Fortran --------------------------------------------------------------------------------

_FORTRAN_HEADS = (
    "module_statement",
    "submodule_statement",
    "program_statement",
    "function_statement",
    "subroutine_statement",
    "interface_statement",
    "derived_type_statement",
)


def fortran_name(node: Node) -> str | None:
    """The name on a unit's opening statement: ``pure real function area(c)`` -> ``area``."""
    head = first_named(node, *_FORTRAN_HEADS)
    name = first_named(head, "name", "type_name") if head is not None else None
    return text_of(name)


_FORTRAN = LanguageSpec(
    grammar=tree_sitter_fortran.language,
    definitions={
        "module": "namespace",
        "submodule": "namespace",
        "program": "function",
        "function": "function",
        "subroutine": "function",
        "module_procedure": "function",
        "interface": "interface",
        "derived_type_definition": "struct",
    },
    namers=dict.fromkeys(
        ("module", "submodule", "program", "function", "subroutine", "interface"), fortran_name
    )
    | {"derived_type_definition": fortran_name},
    flatten=frozenset({"internal_procedures"}),
    body=direct_members("module", "submodule"),
)


# Make and CMake -------------------------------------------------------------------------


def make_rule_kind(node: Node) -> str | None:
    """A rule is a target; ``.PHONY:`` and other special targets are settings."""
    targets = first_named(node, "targets")
    return "target" if targets is not None and not node_text(targets).startswith(".") else None


_MAKE = LanguageSpec(
    grammar=tree_sitter_make.language,
    definitions={"rule": make_rule_kind, "define_directive": "function"},
    namers={"rule": lambda node: node_text(first_named(node, "targets")).strip() or None},
)


def cmake_command_name(node: Node) -> str | None:
    """``function(shop_add_test name)`` -> ``shop_add_test``."""
    command = first_named(node, "function_command", "macro_command")
    arguments = first_named(command, "argument_list") if command is not None else None
    return text_of(first_named(arguments, "argument")) if arguments is not None else None


_CMAKE = LanguageSpec(
    grammar=tree_sitter_cmake.language,
    definitions={"function_def": "function", "macro_def": "function"},
    namers={"function_def": cmake_command_name, "macro_def": cmake_command_name},
    attached=frozenset({"line_comment", "bracket_comment"}),
)

SPECS: dict[str, LanguageSpec] = {
    "cuda": replace(MAINSTREAM["cpp"], grammar=tree_sitter_cuda.language),
    "hlsl": replace(MAINSTREAM["cpp"], grammar=tree_sitter_hlsl.language),
    "arduino": replace(MAINSTREAM["cpp"], grammar=tree_sitter_arduino.language),
    "glsl": replace(MAINSTREAM["c"], grammar=tree_sitter_glsl.language),
    "solidity": _SOLIDITY,
    "powershell": _POWERSHELL,
    "starlark": _STARLARK,
    "gdscript": _GDSCRIPT,
    "fortran": _FORTRAN,
    "make": _MAKE,
    "cmake": _CMAKE,
}
