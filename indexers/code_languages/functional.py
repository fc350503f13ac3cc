"""Haskell, OCaml, F# and Elixir: definitions made of clauses, signatures and modules."""

from __future__ import annotations

from dataclasses import replace

import tree_sitter_elixir
import tree_sitter_fsharp
import tree_sitter_haskell
import tree_sitter_ocaml
from tree_sitter import Node

from indexers.code_languages.base import (
    LanguageSpec,
    Namer,
    field_name,
    find_body,
    first_named,
    named_child_name,
    node_text,
    text_of,
)

# Haskell --------------------------------------------------------------------------------


def haskell_instance_name(node: Node) -> str | None:
    """``instance Show a => Show (Tree a)`` -> ``Tree``: named after its type, like Rust's
    ``impl``; the class name where the head has no type constructor."""
    patterns = node.child_by_field_name("patterns")
    target = patterns
    while target is not None and target.type not in ("name", "qualified"):
        target = target.named_children[0] if target.named_children else None
    return text_of(target) or field_name(node)


def haskell_binding_name(node: Node) -> str | None:
    """``runX`` or an operator as its signature writes it: ``(<+>)``, also for ``a <+> b = ..``."""
    name = node.child_by_field_name("name")
    if name is not None:
        return node_text(name).strip() or None
    infix = first_named(node, "infix")
    operator = infix.child_by_field_name("operator") if infix is not None else None
    if operator is None:
        return None
    text = node_text(operator).strip()
    return f"({text})" if operator.type == "operator" else text.strip("`") or None


def haskell_body(node: Node) -> Node | None:
    return node.child_by_field_name("declarations")


_HASKELL = LanguageSpec(
    grammar=tree_sitter_haskell.language,
    definitions={
        "function": "function",
        "bind": "function",
        "data_type": "type",
        "newtype": "type",
        "type_synonym": "type",
        "type_family": "type",
        "class": "class",
        "instance": "impl",
    },
    namers={
        "instance": haskell_instance_name,
        "function": haskell_binding_name,
        "bind": haskell_binding_name,
    },
    # A type signature leads its equations the way a comment does.
    attached=frozenset({"comment", "haddock", "signature", "pragma"}),
    flatten=frozenset({"declarations"}),
    body=haskell_body,
    clauses=True,
)


# OCaml ----------------------------------------------------------------------------------

_FUNCTION_BODIES = frozenset({"fun_expression", "function_expression"})


def ocaml_value_kind(node: Node) -> str | None:
    """``let f x = ...`` and ``let f = fun x -> ...`` are functions; other lets are values."""
    binding = first_named(node, "let_binding")
    if binding is None or binding.child_by_field_name("pattern") is None:
        return None
    body = binding.child_by_field_name("body")
    has_parameters = first_named(binding, "parameter") is not None
    functional = has_parameters or (body is not None and body.type in _FUNCTION_BODIES)
    return "function" if functional else None


def ocaml_specification_kind(node: Node) -> str | None:
    """``val total : product list -> int`` declares a function; ``val limit : int`` a value."""
    target = node.child_by_field_name("type")
    return "function" if target is not None and target.type == "function_type" else None


def ocaml_value_name(node: Node) -> str | None:
    binding = first_named(node, "let_binding")
    pattern = binding.child_by_field_name("pattern") if binding is not None else None
    return text_of(pattern) if pattern is not None and pattern.type == "value_name" else None


def ocaml_binding_name(binding: str, name: str) -> Namer:
    """Namer: the ``name`` child of the node's first ``binding`` child."""

    def namer(node: Node) -> str | None:
        found = first_named(node, binding)
        inner = found.child_by_field_name("name") if found is not None else None
        return text_of(inner or (first_named(found, name) if found is not None else None))

    return namer


def ocaml_body(node: Node) -> Node | None:
    """Modules are ``struct``/``sig`` bodies inside their binding; classes are ``object``."""
    binding = first_named(node, "module_binding", "class_binding")
    if binding is not None:
        # `module M = struct .. end`, or `module M : sig .. end` in an interface
        body = binding.child_by_field_name("body") or binding.child_by_field_name("module_type")
        return body if body is not None and body.type in _OCAML_BODIES else None
    return find_body(node)


_OCAML_BODIES = frozenset({"structure", "signature", "object_expression"})
_OCAML = LanguageSpec(
    grammar=tree_sitter_ocaml.language_ocaml,
    definitions={
        "module_definition": "namespace",
        "module_type_definition": "interface",
        "type_definition": "type",
        "class_definition": "class",
        "value_definition": ocaml_value_kind,
        "method_definition": "method",
        "value_specification": ocaml_specification_kind,
    },
    namers={
        "module_definition": ocaml_binding_name("module_binding", "module_name"),
        "module_type_definition": named_child_name("module_type_name"),
        "type_definition": ocaml_binding_name("type_binding", "type_constructor"),
        "class_definition": ocaml_binding_name("class_binding", "class_name"),
        "value_definition": ocaml_value_name,
        "method_definition": named_child_name("method_name"),
        "value_specification": named_child_name("value_name"),
    },
    body=ocaml_body,
)


# Elixir ---------------------------------------------------------------------------------

_ELIXIR_KINDS = {
    "defmodule": "namespace",
    "defprotocol": "interface",
    "defimpl": "impl",
    "def": "function",
    "defp": "function",
    "defmacro": "function",
    "defmacrop": "function",
    "defguard": "function",
    "defguardp": "function",
    "defdelegate": "function",
}


def _elixir_macro(node: Node) -> str:
    target = node.child_by_field_name("target")
    return node_text(target) if target is not None and target.type == "identifier" else ""


def elixir_call_kind(node: Node) -> str | None:
    """Everything is a call: ``defmodule``, ``def`` and friends are the definitions."""
    return _ELIXIR_KINDS.get(_elixir_macro(node))


def elixir_call_name(node: Node) -> str | None:
    """``def f(x) when ...`` -> ``f``; ``defimpl P, for: T`` -> ``P.T`` (its module)."""
    arguments = first_named(node, "arguments")
    head = arguments.named_children[0] if arguments and arguments.named_children else None
    if head is not None and head.type == "binary_operator":  # a `when` guard
        head = head.child_by_field_name("left")
    if head is None:
        return None
    if head.type == "call":
        return text_of(head.child_by_field_name("target"))
    if head.type not in ("identifier", "alias"):
        return None  # operators and unquoted names
    name = text_of(head)
    if _elixir_macro(node) == "defimpl":
        keywords = first_named(arguments, "keywords")
        pair = first_named(keywords, "pair") if keywords is not None else None
        value = pair.child_by_field_name("value") if pair is not None else None
        if value is not None and value.type == "alias":
            name = f"{name}.{text_of(value)}"
    return name


_ELIXIR = LanguageSpec(
    grammar=tree_sitter_elixir.language,
    definitions={"call": elixir_call_kind},
    namers={"call": elixir_call_name},
    # `@doc`, `@spec` and `@impl` lead their function the way comments do.
    attached=frozenset({"comment", "unary_operator"}),
    clauses=True,
)


# F# -------------------------------------------------------------------------------------

_FSHARP_CLASSES = frozenset({"anon_type_defn", "interface_type_defn"})


def fsharp_type_kind(node: Node) -> str | None:
    """Records, unions and abbreviations are types; ``type C(x) = member ...`` a class."""
    inner = node.named_children[0] if node.named_children else None
    return "class" if inner is not None and inner.type in _FSHARP_CLASSES else "type"


def fsharp_type_name(node: Node) -> str | None:
    inner = node.named_children[0] if node.named_children else None
    return text_of(first_named(inner, "type_name")) if inner is not None else None


def fsharp_let_kind(node: Node) -> str | None:
    """``let area shape = ...`` is a function; ``let limit = 10`` a value."""
    binding = first_named(node, "function_or_value_defn")
    return "function" if binding and first_named(binding, "function_declaration_left") else None


def fsharp_let_name(node: Node) -> str | None:
    binding = first_named(node, "function_or_value_defn")
    left = first_named(binding, "function_declaration_left") if binding is not None else None
    return text_of(left.named_children[0]) if left is not None and left.named_children else None


def fsharp_member_name(node: Node) -> str | None:
    """``member this.Add(item)`` -> ``Add``; ``abstract member Run: unit -> unit`` -> ``Run``."""
    definition = first_named(node, "method_or_prop_defn")
    if definition is not None:
        name = definition.child_by_field_name("name")
        return (text_of(name) or "").rsplit(".", 1)[-1] or None
    signature = first_named(node, "member_signature")
    return text_of(first_named(signature, "identifier")) if signature is not None else None


def fsharp_body(node: Node) -> Node | None:
    """Modules and namespaces hold their declarations directly; a class its members, inside
    the type's definition."""
    if node.type == "type_definition":
        inner = node.named_children[0] if node.named_children else None
        return inner if inner is not None and inner.type in _FSHARP_CLASSES else None
    return node


_FSHARP = LanguageSpec(
    grammar=tree_sitter_fsharp.language,
    definitions={
        "named_module": "namespace",
        "namespace": "namespace",
        "module_defn": "namespace",
        "type_definition": fsharp_type_kind,
        "declaration_expression": fsharp_let_kind,
        "member_defn": "method",
    },
    namers={
        "module_defn": named_child_name("identifier"),
        "type_definition": fsharp_type_name,
        "declaration_expression": fsharp_let_name,
        "member_defn": fsharp_member_name,
    },
    attached=frozenset({"xml_doc", "line_comment", "block_comment"}),
    flatten=frozenset({"type_extension_elements"}),
    body=fsharp_body,
)

SPECS: dict[str, LanguageSpec] = {
    "haskell": _HASKELL,
    "ocaml": _OCAML,
    "ocaml_interface": replace(_OCAML, grammar=tree_sitter_ocaml.language_ocaml_interface),
    "elixir": _ELIXIR,
    "fsharp": _FSHARP,
}
