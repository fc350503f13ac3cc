"""Odin, Verilog and VHDL (hardware units with their functions), and Common Lisp (forms that
define)."""

from __future__ import annotations

import tree_sitter_commonlisp
import tree_sitter_odin
import tree_sitter_verilog
import tree_sitter_vhdl
from tree_sitter import Node

from indexers.code_languages.base import (
    LanguageSpec,
    Namer,
    direct_members,
    first_named,
    named_child_name,
    node_text,
    text_of,
)

# Odin -----------------------------------------------------------------------------------

_ODIN_KINDS = {
    "procedure_declaration": "function",
    "overloaded_procedure_declaration": "function",
    "struct_declaration": "struct",
    "union_declaration": "struct",
    "enum_declaration": "enum",
    "bit_field_declaration": "struct",
}
_ODIN = LanguageSpec(
    grammar=tree_sitter_odin.language,
    definitions=_ODIN_KINDS,
    namers=dict.fromkeys(_ODIN_KINDS, named_child_name("identifier")),
)


# Verilog --------------------------------------------------------------------------------


def first_descendant(*types: str, depth: int = 4) -> Namer:
    """Namer: the text of the nearest descendant of one of ``types`` (breadth first)."""

    def namer(node: Node) -> str | None:
        frontier = [node]
        for _ in range(depth):
            frontier = [child for current in frontier for child in current.named_children]
            found = next((child for child in frontier if child.type in types), None)
            if found is not None:
                return text_of(found)
        return None

    return namer


_VERILOG = LanguageSpec(
    grammar=tree_sitter_verilog.language,
    definitions={
        "module_declaration": "class",
        "interface_declaration": "interface",
        "package_declaration": "namespace",
        "class_declaration": "class",
        "function_declaration": "function",
        "task_declaration": "function",
    },
    namers={
        "module_declaration": first_descendant("simple_identifier", depth=2),
        "interface_declaration": first_descendant("interface_identifier", "simple_identifier"),
        "package_declaration": first_descendant("package_identifier", "simple_identifier"),
        "class_declaration": first_descendant("class_identifier", "simple_identifier"),
        "function_declaration": first_descendant("function_identifier"),
        "task_declaration": first_descendant("task_identifier"),
    },
    # Items of a module wrap its functions and tasks two levels deep.
    flatten=frozenset(
        {"module_or_generate_item", "package_or_generate_item_declaration", "class_item"}
    ),
    body=direct_members(
        "module_declaration", "interface_declaration", "package_declaration", "class_declaration"
    ),
)


# VHDL -----------------------------------------------------------------------------------

_VHDL_BODIES = {
    "architecture_definition": "architecture_head",
    "package_declaration": "package_declaration_body",
    "package_definition": "package_definition_body",
}


def vhdl_subprogram_name(node: Node) -> str | None:
    specification = first_named(node, "function_specification", "procedure_specification")
    if specification is None:
        return None
    name = specification.child_by_field_name("function")
    return text_of(name or specification.child_by_field_name("procedure"))


_VHDL = LanguageSpec(
    grammar=tree_sitter_vhdl.language,
    definitions={
        "entity_declaration": "interface",
        # An architecture implements its entity: named after it, as Rust's `impl` is.
        "architecture_definition": "impl",
        "package_declaration": "namespace",
        "package_definition": "namespace",
        "subprogram_definition": "function",
        "subprogram_declaration": "function",
    },
    namers={
        "entity_declaration": lambda node: text_of(node.child_by_field_name("entity")),
        "architecture_definition": lambda node: text_of(node.child_by_field_name("entity")),
        "package_declaration": lambda node: text_of(node.child_by_field_name("package")),
        "package_definition": lambda node: text_of(node.child_by_field_name("package")),
        "subprogram_definition": vhdl_subprogram_name,
        "subprogram_declaration": vhdl_subprogram_name,
    },
    attached=frozenset({"line_comment", "block_comment"}),
    flatten=frozenset({"design_unit"}),
    body=lambda node: (
        first_named(node, _VHDL_BODIES[node.type]) if node.type in _VHDL_BODIES else None
    ),
)


# Common Lisp ----------------------------------------------------------------------------

_LISP_TYPES = {"defclass": "class", "defstruct": "struct", "define-condition": "class"}


def _lisp_head(node: Node) -> str:
    head = first_named(node, "sym_lit")
    return node_text(head).lower() if head is not None else ""


def lisp_form_kind(node: Node) -> str | None:
    """``(defun ...)`` and ``(defmacro ...)`` are functions, ``(defmethod ...)`` a method of
    its generic function, ``(defclass ...)`` and ``(defstruct ...)`` types."""
    definition = first_named(node, "defun")
    if definition is not None:
        header = first_named(definition, "defun_header")
        keyword = header.child_by_field_name("keyword") if header is not None else None
        method = keyword is not None and node_text(keyword).lower() == "defmethod"
        return "method" if method else "function"
    return _LISP_TYPES.get(_lisp_head(node))


def lisp_form_name(node: Node) -> str | None:
    definition = first_named(node, "defun")
    if definition is not None:
        header = first_named(definition, "defun_header")
        name = header.child_by_field_name("function_name") if header is not None else None
        return node_text(name).strip() or None if name is not None else None
    symbols = [child for child in node.named_children if child.type == "sym_lit"]
    return node_text(symbols[1]).strip() or None if len(symbols) > 1 else None


_COMMONLISP = LanguageSpec(
    grammar=tree_sitter_commonlisp.language,
    definitions={"list_lit": lisp_form_kind},
    namers={"list_lit": lisp_form_name},
    attached=frozenset({"comment", "block_comment"}),
)

SPECS: dict[str, LanguageSpec] = {
    "odin": _ODIN,
    "verilog": _VERILOG,
    "vhdl": _VHDL,
    "commonlisp": _COMMONLISP,
}
