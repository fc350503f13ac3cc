"""Source code segmenter: tree-sitter definitions become segments the packer can budget.

Top-level definitions (functions, classes, ...) are one non-mergeable segment each, with the
comments and decorators directly above them; the code between them is grouped into mergeable
``module`` segments. Oversized segments split lazily: containers (classes, namespaces) into a
header and their members, anything else at the line starts of its statements, recursively.
Boundaries sit at line starts wherever the code allows it.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, partial
from itertools import accumulate

from tree_sitter import Language, Node, Parser

from indexers.code_languages import SPECS, LanguageSpec, field_name
from indexers.code_languages.base import BLOCK_SUFFIXES, find_body
from indexers.packing import Segment, check_partition

#: Every language with a grammar table, in the order they were added.
LANGUAGES: tuple[str, ...] = tuple(SPECS)

#: Kinds whose oversized segments split into their member definitions.
CONTAINER_KINDS = frozenset({"class", "interface", "enum", "struct", "trait", "impl", "namespace"})

Segmenter = Callable[[str], list[Segment]]


@dataclass(frozen=True, slots=True)
class Definition:
    node: Node  # the definition itself, inside any wrapper
    kind: str
    symbol: str | None


@dataclass(slots=True)
class _Item:
    """A run of sibling nodes that starts a segment at ``start`` (a character offset)."""

    start: int
    nodes: list[Node]
    definition: Definition | None


def segmenter(language: str) -> Segmenter:
    """The segmenter for one of :data:`LANGUAGES` (``KeyError`` for any other)."""
    spec = SPECS[language]

    def segment(text: str) -> list[Segment]:
        if not text:
            return []
        try:
            return _Document(text, spec, _parser(language)).segments()
        except Exception:  # a chunker must never take the indexer down: fall back to lines
            return [Segment(0, len(text), "module", mergeable=True)]

    return segment


@cache
def _language(name: str) -> Language:
    return Language(SPECS[name].grammar())


_local = threading.local()


def _parser(name: str) -> Parser:
    """Parsers are not thread-safe: one per language per thread."""
    parsers: dict[str, Parser] = _local.__dict__.setdefault("parsers", {})
    if name not in parsers:
        parsers[name] = Parser(_language(name))
    return parsers[name]


def _qualify(prefix: str | None, name: str | None) -> str | None:
    if prefix is None or name is None:
        return name or prefix
    return f"{prefix}.{name}"


def _multiline(node: Node) -> bool:
    return node.start_point.row < node.end_point.row


def _size(node: Node) -> int:
    return node.end_byte - node.start_byte


def _utf8_length(character: str) -> int:
    point = ord(character)
    return 1 if point < 0x80 else 2 if point < 0x800 else 3 if point < 0x10000 else 4


class _Document:
    """One parse of one text, with the byte -> character mapping it needs."""

    def __init__(self, text: str, spec: LanguageSpec, parser: Parser) -> None:
        self.text = text
        self.spec = spec
        self.data = text.encode("utf-8")
        self.root = parser.parse(self.data).root_node
        # Byte offset of each character; None when the text is ASCII and offsets coincide.
        self.char_bytes: array[int] | None = None
        if len(self.data) != len(text):
            self.char_bytes = array("q", accumulate(map(_utf8_length, text), initial=0))

    # Positions ----------------------------------------------------------------------------

    def char(self, byte: int) -> int:
        return byte if self.char_bytes is None else bisect_left(self.char_bytes, byte)

    def line_start(self, node: Node) -> int | None:
        """Start of ``node``'s line if only indentation precedes it there, else ``None``."""
        begin = self.char(node.start_byte)
        # Walk back over the indentation only: minified code has megabyte-long lines.
        while begin and self.text[begin - 1] in " \t\r\f\v":
            begin -= 1
        return begin if begin == 0 or self.text[begin - 1] == "\n" else None

    def adjacent(self, first: Node, second: Node) -> bool:
        """No blank line between the two nodes."""
        # From the last byte of `first`: some grammars end line comments with their newline.
        return self.data.count(b"\n", first.end_byte - 1, second.start_byte) <= 1

    # Top level and members ----------------------------------------------------------------

    def segments(self) -> list[Segment]:
        items = self.items(self.root.named_children, None, None)
        if not items:
            return [Segment(0, len(self.text), "module", mergeable=True)]
        items[0].start = 0  # leading blank lines belong to the first segment
        return self.item_segments(items, len(self.text), "module", None)

    def items(
        self, nodes: Iterable[Node], prefix: str | None, container: str | None
    ) -> list[_Item]:
        """Siblings as items: each definition with its leading comments, and the rest."""
        items: list[_Item] = []
        pending: list[Node] = []  # comments and decorators that may lead a definition
        outer = prefix  # a scoping statement replaces the one before it
        for node in self.expand(nodes):
            if node.type in self.spec.attached:
                if pending and not self.adjacent(pending[-1], node):
                    self.add_plain(items, pending)
                pending.append(node)
                continue
            definition = None
            if node.type in self.spec.scoping and self.body(node) is None:
                prefix = _qualify(outer, field_name(node))
            else:
                # A scoping block (`package P { }`) is named from the scope outside any other.
                scope = outer if node.type in self.spec.scoping else prefix
                definition = self.resolve(node, scope, container)
            if definition is not None and self.continues(items, definition):
                self.add_plain(items, pending)  # pending comments join the earlier clause
                items[-1].nodes.append(node)
            elif definition is not None and pending and self.adjacent(pending[-1], node):
                self.add(items, [*pending, node], definition)
            else:
                self.add_plain(items, pending)
                self.add(items, [node], definition)
            pending = []
        self.add_plain(items, pending)
        return items

    def continues(self, items: list[_Item], definition: Definition) -> bool:
        """Another clause of the definition just before (``clauses`` languages only)."""
        last = items[-1].definition if items and self.spec.clauses else None
        return (
            last is not None
            and definition.symbol is not None
            and (last.kind, last.symbol) == (definition.kind, definition.symbol)
        )

    def body(self, node: Node) -> Node | None:
        return self.spec.body(node) if self.spec.body is not None else find_body(node)

    def expand(self, nodes: Iterable[Node]) -> Iterator[Node]:
        """Read through transparent blocks (and parse errors, to recover what they hold)."""
        for node in nodes:
            if node.type in self.spec.flatten or node.type == "ERROR":
                children = node.named_children
                if not children or node.start_byte < children[0].start_byte:
                    yield node  # its own first line, e.g. `#ifdef X` or `extern "C" {`
                yield from self.expand(children)
            else:
                yield node

    def add_plain(self, items: list[_Item], nodes: list[Node]) -> None:
        for node in nodes:
            self.add(items, [node], None)
        nodes.clear()

    def add(self, items: list[_Item], nodes: list[Node], definition: Definition | None) -> None:
        start = self.line_start(nodes[0])
        if start is None and definition is not None:
            start = self.char(nodes[0].start_byte)  # a definition mid-line still starts one
        if items and (start is None or start <= items[-1].start):
            items[-1].nodes.extend(nodes)  # shares a line with what precedes it
        else:
            fallback = self.char(nodes[0].start_byte)
            items.append(_Item(fallback if start is None else start, nodes, definition))

    def resolve(self, node: Node, prefix: str | None, container: str | None) -> Definition | None:
        if node.type in self.spec.wrappers:
            inner = (self.resolve(child, prefix, container) for child in node.named_children)
            return next((found for found in inner if found is not None), None)
        rule = self.spec.definitions.get(node.type)
        kind = rule(node) if callable(rule) else rule
        if kind is None or (kind == "namespace" and self.body(node) is None):
            return None
        if kind == "function" and container not in (None, "namespace"):
            kind = "method"
        name = self.spec.namers.get(node.type, field_name)(node)
        return Definition(node, kind, _qualify(prefix, name))

    def item_segments(
        self, items: Sequence[_Item], end: int, kind: str, symbol: str | None
    ) -> list[Segment]:
        """Definitions alone; each run of other items as one mergeable ``kind`` segment."""
        segments: list[Segment] = []
        stops = [item.start for item in items[1:]] + [end]
        run: list[Node] = []
        run_start = items[0].start
        for item, stop in zip(items, stops, strict=True):
            if item.definition is None:
                run_start = item.start if not run else run_start
                run.extend(item.nodes)
                continue
            if run:
                segments.append(self.statements_segment(run, run_start, item.start, kind, symbol))
                run = []
            segments.append(self.definition_segment(item, item.definition, stop))
        if run:
            segments.append(self.statements_segment(run, run_start, end, kind, symbol))
        return segments

    def definition_segment(self, item: _Item, definition: Definition, end: int) -> Segment:
        kind, symbol = definition.kind, definition.symbol
        if kind in CONTAINER_KINDS:
            build = partial(self.member_segments, definition, item, end)
        else:
            # Units from inside the definition, so leading comments stay with the signature.
            node = definition.node
            units = self.units(node)
            if self.spec.clauses:
                # A type signature or `@spec` leads the first clause: no cut at its name (a
                # one-line unit where the clause starts); later clauses are units of their own.
                units = [u for u in units if u.start_byte > node.start_byte or _multiline(u)]
                units += [n for n in item.nodes if n.start_byte >= node.end_byte]
            build = partial(self.statement_segments, units, item.start, end, kind, symbol)
        return self.segment(item.start, end, kind, symbol, False, build)

    def member_segments(self, definition: Definition, item: _Item, end: int) -> list[Segment]:
        """Header (signature, fields) as mergeable segments, member definitions alone."""
        kind, symbol = definition.kind, definition.symbol
        body = self.body(definition.node)
        members = self.items(body.named_children, symbol, kind) if body is not None else []
        members = [member for member in members if item.start < member.start < end]
        if not members:
            units = self.units(definition.node)
            return self.statement_segments(units, item.start, end, kind, symbol)
        if members[0].definition is None:  # the signature joins the fields that follow it
            members[0].start = item.start
            return self.item_segments(members, end, kind, symbol)
        header = self.segment(item.start, members[0].start, kind, symbol, True, None)
        return [header, *self.item_segments(members, end, kind, symbol)]

    # Statements ---------------------------------------------------------------------------

    def statements_segment(
        self, units: list[Node], start: int, end: int, kind: str, symbol: str | None
    ) -> Segment:
        build = partial(self.statement_segments, units, start, end, kind, symbol)
        return self.segment(start, end, kind, symbol, True, build if units else None)

    def statement_segments(
        self, units: list[Node], start: int, end: int, kind: str, symbol: str | None
    ) -> list[Segment]:
        """``[start, end)`` cut at the line starts of ``units`` (or of what they contain)."""
        units, cuts = self.cuts(units, start, end)
        if len(cuts) == 1:  # nothing left to cut at: the packer splits by lines
            return [Segment(start, end, kind, symbol, mergeable=True)]
        buckets: list[list[Node]] = [[] for _ in cuts]
        for unit in units:
            index = bisect_right(cuts, self.char(unit.start_byte)) - 1
            buckets[max(index, 0)].append(unit)
        stops = [*cuts[1:], end]
        return [
            self.statements_segment(bucket, cut, stop, kind, symbol)
            for cut, stop, bucket in zip(cuts, stops, buckets, strict=True)
        ]

    def cuts(self, units: list[Node], start: int, end: int) -> tuple[list[Node], list[int]]:
        """Line starts of ``units`` inside the range; with none, look inside the biggest."""
        while True:
            starts = (self.line_start(unit) for unit in units)
            cuts = sorted({cut for cut in starts if cut is not None and start < cut < end})
            if cuts:
                return units, [start, *cuts]
            inside = [u for u in units if u.named_child_count and self.overlaps(u, start, end)]
            if not inside:
                return units, [start]
            units = self.units(max(inside, key=_size))

    def units(self, node: Node) -> list[Node]:
        """Children of ``node``, reading through blocks to the statements they hold."""
        units: list[Node] = []
        for child in node.named_children:
            if child.type in self.spec.flatten or child.type.endswith(BLOCK_SUFFIXES):
                units.extend(self.units(child))
            else:
                units.append(child)
        return units

    def overlaps(self, node: Node, start: int, end: int) -> bool:
        return self.char(node.start_byte) < end and self.char(node.end_byte) > start

    def segment(
        self,
        start: int,
        end: int,
        kind: str,
        symbol: str | None,
        mergeable: bool,
        build: Callable[[], list[Segment]] | None,
    ) -> Segment:
        """A segment whose children, if any, are built lazily and never raise."""
        if build is None:
            return Segment(start, end, kind, symbol, mergeable=mergeable)

        def children() -> list[Segment]:
            try:
                segments = build()
                check_partition(segments, start, end)
                return segments
            except Exception:  # the packer splits by lines instead
                return [Segment(start, end, kind, symbol, mergeable=True)]

        return Segment(start, end, kind, symbol, mergeable=mergeable, children=children)
