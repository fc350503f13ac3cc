"""What a language table is made of, and the helpers every table uses to name definitions."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tree_sitter import Node

#: A definition's kind, or a function returning it (``None``: not a definition after all).
KindRule = str | Callable[[Node], str | None]
Namer = Callable[[Node], str | None]
#: The node whose named children are a container's members (``None``: it has none).
BodyFinder = Callable[[Node], Node | None]


@dataclass(frozen=True)
class LanguageSpec:
    """How to read one grammar's tree.

    ``wrappers`` are transparent (decorators, ``export``, ``template<>``): the definition is the
    first child that is one, the segment covers the wrapper. ``attached`` nodes (comments,
    decorators) directly above a definition join its segment. ``flatten`` nodes are read as if
    their children were siblings (``#ifdef`` blocks, ``extern "C" {}``). ``scoping`` nodes
    without a body qualify every definition after them (C# ``namespace X;``). ``body`` finds a
    container's member list where the generic search would not (members as direct children).
    With ``clauses``, consecutive definitions of one name are one definition (Haskell
    equations, Elixir function clauses).
    """

    grammar: Callable[[], object]
    definitions: Mapping[str, KindRule]
    namers: Mapping[str, Namer] = field(default_factory=dict)
    wrappers: frozenset[str] = frozenset()
    attached: frozenset[str] = frozenset({"comment"})
    flatten: frozenset[str] = frozenset()
    scoping: frozenset[str] = frozenset()
    body: BodyFinder | None = None
    clauses: bool = False


#: Node types holding a list of statements or members, read through when splitting.
BLOCK_SUFFIXES = (
    "block",
    "_body",
    "compound_statement",
    "statement_list",
    "declaration_list",
    "body_statement",
    "do_group",
)

_GENERIC_ARGUMENTS = re.compile(r"<[^<>]*>")


def clean_name(text: str) -> str:
    """``ns::Vec<T>`` -> ``ns.Vec``; ``App\\Models`` -> ``App.Models``; quotes dropped."""
    name = "".join(text.split()).strip("\"'`")
    if "operator" not in name:  # operator< and friends are names, not generic arguments
        while (stripped := _GENERIC_ARGUMENTS.sub("", name)) != name:
            name = stripped
    return name.replace("::", ".").replace("\\", ".").strip(".")


def node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def field_name(node: Node) -> str | None:
    name = node.child_by_field_name("name")
    return (clean_name(node_text(name)) or None) if name is not None else None


def first_named(node: Node, *types: str) -> Node | None:
    return next((child for child in node.named_children if child.type in types), None)


def text_of(node: Node | None) -> str | None:
    """The cleaned text of ``node`` as a name (``None`` for no node or no text)."""
    return (clean_name(node_text(node)) or None) if node is not None else None


def named_child_name(*types: str) -> Namer:
    """Namer: the text of the first named child of one of ``types``."""
    return lambda node: text_of(first_named(node, *types))


def with_body(kind: str) -> KindRule:
    """Forward declarations (``struct S;``, ``mod m;``) are not definitions."""
    return lambda node: kind if node.child_by_field_name("body") is not None else None


def direct_members(*types: str) -> BodyFinder:
    """Body finder: containers of ``types`` hold their members as their own children; any
    other container has a body to find."""
    containers = frozenset(types)
    return lambda node: node if node.type in containers else find_body(node)


def find_body(node: Node) -> Node | None:
    """The member list of a container: its ``body`` field, else a body-like descendant."""
    frontier = [node]
    for _ in range(4):
        deeper: list[Node] = []
        for current in frontier:
            body = current.child_by_field_name("body")
            if body is not None:
                return body
            for child in current.named_children:
                if child.type.endswith(BLOCK_SUFFIXES):
                    return child
                deeper.append(child)
        frontier = deeper
    return None
