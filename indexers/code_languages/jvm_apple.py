"""Kotlin, Scala (the JVM's other languages), Swift and Objective-C."""

from __future__ import annotations

import tree_sitter_kotlin
import tree_sitter_objc
import tree_sitter_scala
import tree_sitter_swift
from tree_sitter import Node

from indexers.code_languages.base import (
    LanguageSpec,
    Namer,
    direct_members,
    field_name,
    first_named,
    named_child_name,
    text_of,
)
from indexers.code_languages.mainstream import C_DEFINITIONS, C_NAMERS, PREPROCESSOR_BLOCKS

_COMMENTS = frozenset({"comment", "line_comment", "block_comment", "multiline_comment"})


def constant(name: str) -> Namer:
    return lambda node: name


# Kotlin ---------------------------------------------------------------------------------


def kotlin_class_kind(node: Node) -> str:
    """``interface I``, ``enum class E`` and plain, data, sealed or inner classes."""
    if any(child.type == "interface" for child in node.children):
        return "interface"
    modifiers = first_named(node, "modifiers")
    if modifiers is not None and any(
        child.type == "class_modifier" and child.text == b"enum" for child in modifiers.children
    ):
        return "enum"
    return "class"


def kotlin_function_name(node: Node) -> str | None:
    """``fun <T> List<T>.second()`` -> ``List.second``: extensions carry their receiver."""
    name = field_name(node)
    receiver = None
    for child in node.named_children:
        if child == node.child_by_field_name("name"):
            break
        if child.type in ("user_type", "nullable_type"):
            receiver = child
    if receiver is not None and receiver.type == "nullable_type":  # fun String?.orEmpty()
        receiver = first_named(receiver, "user_type")
    prefix = text_of(receiver)
    return f"{prefix}.{name}" if prefix and name else name


_KOTLIN = LanguageSpec(
    grammar=tree_sitter_kotlin.language,
    definitions={
        "class_declaration": kotlin_class_kind,
        "object_declaration": "class",
        "companion_object": "class",
        "function_declaration": "function",
        "secondary_constructor": "method",
        "type_alias": "type",
    },
    namers={
        "function_declaration": kotlin_function_name,
        "companion_object": lambda node: field_name(node) or "Companion",
        "secondary_constructor": constant("constructor"),
        "type_alias": lambda node: text_of(node.child_by_field_name("type")),
    },
    attached=_COMMENTS,
)


# Swift ----------------------------------------------------------------------------------

_SWIFT_KINDS = {
    "class": "class",
    "actor": "class",
    "struct": "struct",
    "enum": "enum",
    "extension": "impl",
}


def swift_declaration_kind(node: Node) -> str | None:
    """``class_declaration`` covers classes, structs, enums, actors and extensions."""
    keyword = node.child_by_field_name("declaration_kind")
    return _SWIFT_KINDS.get(keyword.type if keyword is not None else "", "class")


_SWIFT = LanguageSpec(
    grammar=tree_sitter_swift.language,
    definitions={
        "class_declaration": swift_declaration_kind,
        "protocol_declaration": "interface",
        "function_declaration": "function",
        "protocol_function_declaration": "method",
        "init_declaration": "method",
        "deinit_declaration": "method",
        "subscript_declaration": "method",
        "typealias_declaration": "type",
    },
    namers={
        "init_declaration": constant("init"),
        "deinit_declaration": constant("deinit"),
        "subscript_declaration": constant("subscript"),
    },
    attached=_COMMENTS,
)


# Scala ----------------------------------------------------------------------------------


def scala_extension_name(node: Node) -> str | None:
    """``extension (j: Json)`` -> ``Json``: named after the type it extends."""
    parameters = node.child_by_field_name("parameters")
    parameter = first_named(parameters, "parameter") if parameters is not None else None
    target = parameter.child_by_field_name("type") if parameter is not None else None
    return text_of(target)


_SCALA = LanguageSpec(
    grammar=tree_sitter_scala.language,
    definitions={
        "class_definition": "class",
        "object_definition": "class",
        "trait_definition": "trait",
        "enum_definition": "enum",
        "package_object": "namespace",
        "extension_definition": "impl",
        "function_definition": "function",
        "function_declaration": "method",
        "type_definition": "type",
        "given_definition": "function",
    },
    namers={
        "extension_definition": scala_extension_name,
        # `given Ordering[Json] = ...` is named after the instance type it provides.
        "given_definition": lambda node: (
            field_name(node) or text_of(node.child_by_field_name("return_type"))
        ),
    },
    attached=_COMMENTS | {"annotation"},
    # An `extension` with a single method has it as its body: members of its own.
    body=direct_members("extension_definition"),
)


# Objective-C ----------------------------------------------------------------------------


def objc_selector(node: Node) -> str | None:
    """``- (id)initWithName:(NSString *)n age:(int)a`` -> ``initWithName:age:``."""
    parts = [child for child in node.named_children if child.type == "identifier"]
    if not parts:
        return None
    if not any(child.type == "method_parameter" for child in node.named_children):
        return text_of(parts[0])
    return "".join(f"{text_of(part)}:" for part in parts)


_OBJC = LanguageSpec(
    grammar=tree_sitter_objc.language,
    definitions={
        **C_DEFINITIONS,
        "class_interface": "class",
        "class_implementation": "impl",
        "protocol_declaration": "interface",
        "method_definition": "method",
        "method_declaration": "method",
    },
    namers={
        **C_NAMERS,
        "class_interface": named_child_name("identifier"),
        "class_implementation": named_child_name("identifier"),
        "protocol_declaration": named_child_name("identifier"),
        "method_definition": objc_selector,
        "method_declaration": objc_selector,
    },
    flatten=PREPROCESSOR_BLOCKS | {"implementation_definition"},
    # Interfaces, implementations and protocols hold their members directly.
    body=direct_members("class_interface", "class_implementation", "protocol_declaration"),
)

SPECS: dict[str, LanguageSpec] = {
    "kotlin": _KOTLIN,
    "swift": _SWIFT,
    "scala": _SCALA,
    "objc": _OBJC,
}
