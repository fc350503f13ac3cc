"""Plain-text segmenters, and the line, block and section helpers the prose segmenters share.

The prose formats (Markdown, reStructuredText, HTML) all reduce to the same shape: a list of
section heads (offset and breadcrumb) and a list of offsets where blocks start. :func:`sections`
turns that shape into segments; the formats only differ in how they find heads and blocks.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from enum import Enum
from functools import partial
from itertools import pairwise
from typing import NamedTuple

from indexers.packing import Segment

#: A section head: where the section starts and its breadcrumb (None before any heading).
Head = tuple[int, str | None]


class Line(NamedTuple):
    """One line of a text: ``[start, end)`` includes the line break, ``text`` does not."""

    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip())


def split_lines(text: str) -> list[Line]:
    """The lines of ``text``, split at ``\\n`` only, as the packer and HTMLParser count them."""
    lines: list[Line] = []
    start = 0
    while start < len(text):
        newline = text.find("\n", start)
        end = len(text) if newline == -1 else newline + 1
        lines.append(Line(start, end, text[start:end].rstrip("\r\n")))
        start = end
    return lines


class Role(Enum):
    """How a line relates to the block before it."""

    BLANK = "blank"  # separates blocks and belongs to the block before it
    TEXT = "text"  # starts a block after a blank line, else continues the current one
    START = "start"  # always starts a block (a code fence, the line after one)
    GLUE = "glue"  # never starts a block (inside a code fence, an indented literal body)


def plain_roles(lines: Sequence[Line]) -> list[Role]:
    return [Role.BLANK if line.blank else Role.TEXT for line in lines]


def block_starts(lines: Sequence[Line], roles: Sequence[Role]) -> list[int]:
    """Offsets where blocks start, apart from the first: leading blank lines join that one."""
    starts: list[int] = []
    content = gap = False  # the current block has content / a blank line followed it
    for line, role in zip(lines, roles, strict=True):
        if role is Role.BLANK:
            gap = content
            continue
        if content and (role is Role.START or (role is Role.TEXT and gap)):
            starts.append(line.start)
        content, gap = True, False
    return starts


class Breadcrumbs:
    """The path of headings above the current one, e.g. ``"Install > From source"``."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def push(self, level: int, title: str) -> str | None:
        """Enter a heading of ``level`` (1 is the top) and return the breadcrumb ending in it."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))
        # An empty heading still closes deeper ones but adds nothing to read.
        return " > ".join(title for _, title in self._stack if title) or None


def sections(
    text: str, heads: Iterable[Head], cuts: Iterable[int], start: int = 0, kind: str = "section"
) -> list[Segment]:
    """Partition ``text[start:]`` into one non-mergeable segment per section.

    Each section runs from its head to the next one. An oversized section splits at the
    ``cuts`` inside it into mergeable blocks that keep its kind and heading.
    """
    if start >= len(text):
        return []
    opened = _section_starts(text, heads, start)
    ends = [offset for offset, _ in opened[1:]] + [len(text)]
    ordered = sorted(set(cuts))
    segments: list[Segment] = []
    for (begin, heading), end in zip(opened, ends, strict=True):
        children = partial(_blocks, begin, end, ordered, kind, heading)
        segments.append(Segment(begin, end, kind, heading=heading, children=children))
    return segments


def _section_starts(text: str, heads: Iterable[Head], start: int) -> list[Head]:
    """Heads from ``start`` on, the first at ``start``, no two at one offset.

    Text before the first head is a section with heading None unless it is blank: then the
    first section takes it. Of heads sharing an offset (two headings on one line) the first
    is kept.
    """
    opened: list[Head] = []
    for offset, heading in heads:
        if opened and offset <= opened[-1][0]:
            continue
        if not opened and not text[start:offset].strip():
            offset = start
        opened.append((offset, heading))
    if not opened or opened[0][0] > start:
        opened.insert(0, (start, None))
    return opened


def _blocks(
    start: int, end: int, cuts: Sequence[int], kind: str, heading: str | None
) -> list[Segment]:
    """Mergeable segments of ``[start, end)`` split at the sorted ``cuts`` strictly inside it."""
    inner = cuts[bisect.bisect_right(cuts, start) : bisect.bisect_left(cuts, end)]
    return [
        Segment(begin, stop, kind, heading=heading, mergeable=True)
        for begin, stop in pairwise([start, *inner, end])
    ]


def segment_paragraphs(text: str) -> list[Segment]:
    """Plain text: the whole file as one segment whose children are its paragraphs.

    Paragraphs are separated by blank lines, which stay with the paragraph before them.
    """
    lines = split_lines(text)
    return sections(text, [], block_starts(lines, plain_roles(lines)), kind="text")


#: The fallback for languages without a segmenter (JSON, YAML, TOML, CSS, SQL...): blocks
#: separated by blank lines, as for prose; the packer splits an oversized block by lines.
segment_lines = segment_paragraphs
