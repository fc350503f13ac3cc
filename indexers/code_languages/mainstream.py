"""The first thirteen languages: Python, JavaScript/TypeScript, Go, Rust, Java, the C family,
C#, Ruby, PHP and Bash."""

from __future__ import annotations

import re
from collections.abc import Callable

import tree_sitter_bash
import tree_sitter_c
import tree_sitter_c_sharp
import tree_sitter_cpp
import tree_sitter_go
import tree_sitter_java
import tree_sitter_javascript
import tree_sitter_php
import tree_sitter_python
import tree_sitter_ruby
import tree_sitter_rust
import tree_sitter_typescript
from tree_sitter import Node

from indexers.code_languages.base import (
    KindRule,
    LanguageSpec,
    Namer,
    clean_name,
    field_name,
    first_named,
    node_text,
    with_body,
)

# C and C++ ------------------------------------------------------------------------------

_C_NAME_TYPES = frozenset(
    {
        "identifier",
        "field_identifier",
        "type_identifier",
        "qualified_identifier",
        "destructor_name",
        "operator_name",
        "template_function",
    }
)
_C_TYPE_KINDS = {
    "struct_specifier": "struct",
    "union_specifier": "struct",
    "enum_specifier": "enum",
}


def c_declarator_name(node: Node) -> str | None:
    """Follow the declarator chain (pointers, function declarators) down to the name."""
    current = node.child_by_field_name("declarator")
    while current is not None:
        if current.type in _C_NAME_TYPES:
            return clean_name(node_text(current))
        inner = current.child_by_field_name("declarator")
        current = inner if inner is not None else next(iter(current.named_children), None)
    return None


def c_typedef_kind(node: Node) -> str | None:
    """Only ``typedef struct {...} T;`` is a definition; ``typedef int T;`` is module code."""
    target = node.child_by_field_name("type")
    if target is None or target.child_by_field_name("body") is None:
        return None
    return _C_TYPE_KINDS.get(target.type)


C_DEFINITIONS: dict[str, KindRule] = {
    "function_definition": "function",
    "struct_specifier": with_body("struct"),
    "union_specifier": with_body("struct"),
    "enum_specifier": with_body("enum"),
    "type_definition": c_typedef_kind,
}
C_NAMERS: dict[str, Namer] = {
    "function_definition": c_declarator_name,
    "type_definition": c_declarator_name,
}
PREPROCESSOR_BLOCKS = frozenset({"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif"})


# Go -------------------------------------------------------------------------------------

_GO_TYPE_KINDS = {"struct_type": "struct", "interface_type": "interface"}


def go_type_kind(node: Node) -> str | None:
    spec = first_named(node, "type_spec", "type_alias")
    if spec is None:
        return None
    target = spec.child_by_field_name("type")
    return _GO_TYPE_KINDS.get(target.type if target is not None else "", "type")


def go_type_name(node: Node) -> str | None:
    spec = first_named(node, "type_spec", "type_alias")
    return field_name(spec) if spec is not None else None


def go_method_name(node: Node) -> str | None:
    """``func (s *List[T]) Push()`` -> ``List.Push``."""
    name = field_name(node)
    receiver = node.child_by_field_name("receiver")
    parameter = first_named(receiver, "parameter_declaration") if receiver else None
    target = parameter.child_by_field_name("type") if parameter else None
    match = re.search(r"\w+", node_text(target)) if target is not None else None
    return f"{match.group()}.{name}" if match and name else name


# Rust -----------------------------------------------------------------------------------


def rust_impl_name(node: Node) -> str | None:
    """``impl<T> fmt::Display for Wrapper<T>`` -> ``Wrapper`` (the type, not the trait)."""
    target = node.child_by_field_name("type")
    return clean_name(node_text(target)).rsplit(".", 1)[-1] if target is not None else None


# JavaScript and TypeScript --------------------------------------------------------------

_FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)


def _declarator_value(node: Node) -> tuple[Node | None, Node | None]:
    declarator = first_named(node, "variable_declarator")
    value = declarator.child_by_field_name("value") if declarator else None
    return declarator, value


def js_declaration_kind(node: Node) -> str | None:
    """``const f = () => ...`` is a function, ``const C = class {...}`` a class."""
    _, value = _declarator_value(node)
    if value is None:
        return None
    if value.type in _FUNCTION_VALUES:
        return "function"
    return "class" if value.type == "class" else None


def js_declaration_name(node: Node) -> str | None:
    declarator, _ = _declarator_value(node)
    return field_name(declarator) if declarator is not None else None


_JS_DEFINITIONS: dict[str, KindRule] = {
    "function_declaration": "function",
    "generator_function_declaration": "function",
    "function_expression": "function",  # export default function () {}
    "class_declaration": "class",
    "class": "class",
    "method_definition": "method",
    "lexical_declaration": js_declaration_kind,
    "variable_declaration": js_declaration_kind,
}
_JS_NAMERS: dict[str, Namer] = {
    "lexical_declaration": js_declaration_name,
    "variable_declaration": js_declaration_name,
}
_TS_DEFINITIONS: dict[str, KindRule] = {
    **_JS_DEFINITIONS,
    "abstract_class_declaration": "class",
    "interface_declaration": "interface",
    "type_alias_declaration": "type",
    "enum_declaration": "enum",
    "internal_module": "namespace",
    "module": "namespace",
}
# `namespace X {}` parses as an expression statement; `declare ...` as an ambient declaration.
_TS_WRAPPERS = frozenset({"export_statement", "ambient_declaration", "expression_statement"})
_JS_ATTACHED = frozenset({"comment", "decorator"})


def _typescript(grammar: Callable[[], object]) -> LanguageSpec:
    return LanguageSpec(
        grammar=grammar,
        definitions=_TS_DEFINITIONS,
        namers=_JS_NAMERS,
        wrappers=_TS_WRAPPERS,
        attached=_JS_ATTACHED,
    )


SPECS: dict[str, LanguageSpec] = {
    "python": LanguageSpec(
        grammar=tree_sitter_python.language,
        definitions={"function_definition": "function", "class_definition": "class"},
        wrappers=frozenset({"decorated_definition"}),
    ),
    "javascript": LanguageSpec(
        grammar=tree_sitter_javascript.language,
        definitions=_JS_DEFINITIONS,
        namers=_JS_NAMERS,
        wrappers=frozenset({"export_statement"}),
        attached=_JS_ATTACHED,
    ),
    "typescript": _typescript(tree_sitter_typescript.language_typescript),
    "tsx": _typescript(tree_sitter_typescript.language_tsx),
    "go": LanguageSpec(
        grammar=tree_sitter_go.language,
        definitions={
            "function_declaration": "function",
            "method_declaration": "method",
            "type_declaration": go_type_kind,
        },
        namers={"method_declaration": go_method_name, "type_declaration": go_type_name},
    ),
    "rust": LanguageSpec(
        grammar=tree_sitter_rust.language,
        definitions={
            "function_item": "function",
            "struct_item": "struct",
            "union_item": "struct",
            "enum_item": "enum",
            "trait_item": "trait",
            "impl_item": "impl",
            "type_item": "type",
            "mod_item": with_body("namespace"),
        },
        namers={"impl_item": rust_impl_name},
        attached=frozenset({"line_comment", "block_comment", "attribute_item"}),
    ),
    "java": LanguageSpec(
        grammar=tree_sitter_java.language,
        definitions={
            "class_declaration": "class",
            "record_declaration": "class",
            "interface_declaration": "interface",
            "annotation_type_declaration": "interface",
            "enum_declaration": "enum",
            "method_declaration": "method",
            "constructor_declaration": "method",
            "compact_constructor_declaration": "method",
        },
        attached=frozenset({"line_comment", "block_comment"}),
        flatten=frozenset({"enum_body_declarations"}),
    ),
    "c": LanguageSpec(
        grammar=tree_sitter_c.language,
        definitions=C_DEFINITIONS,
        namers=C_NAMERS,
        flatten=PREPROCESSOR_BLOCKS,
    ),
    "cpp": LanguageSpec(
        grammar=tree_sitter_cpp.language,
        definitions={
            **C_DEFINITIONS,
            "class_specifier": with_body("class"),
            "namespace_definition": "namespace",
        },
        namers=C_NAMERS,
        wrappers=frozenset({"template_declaration"}),
        flatten=PREPROCESSOR_BLOCKS | {"linkage_specification", "declaration_list"},
    ),
    "csharp": LanguageSpec(
        grammar=tree_sitter_c_sharp.language,
        definitions={
            "class_declaration": "class",
            "record_declaration": "class",
            "struct_declaration": "struct",
            "interface_declaration": "interface",
            "enum_declaration": "enum",
            "namespace_declaration": "namespace",
            "method_declaration": "method",
            "constructor_declaration": "method",
            "destructor_declaration": "method",
            "operator_declaration": "method",
        },
        scoping=frozenset({"file_scoped_namespace_declaration"}),
    ),
    "ruby": LanguageSpec(
        grammar=tree_sitter_ruby.language,
        definitions={
            "class": "class",
            "module": "namespace",
            "method": "function",
            "singleton_method": "function",
        },
        # `class << self` is transparent: its methods read as the class's own.
        flatten=frozenset({"singleton_class", "body_statement"}),
    ),
    "php": LanguageSpec(
        grammar=tree_sitter_php.language_php,
        definitions={
            "class_declaration": "class",
            "interface_declaration": "interface",
            "trait_declaration": "trait",
            "enum_declaration": "enum",
            "function_definition": "function",
            "method_declaration": "method",
            "namespace_definition": "namespace",
        },
        scoping=frozenset({"namespace_definition"}),
    ),
    "bash": LanguageSpec(
        grammar=tree_sitter_bash.language,
        definitions={"function_definition": "function"},
    ),
}
