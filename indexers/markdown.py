"""Markdown by sections: ATX and setext headings outside code fences, front matter apart."""

from __future__ import annotations

import re
from collections.abc import Sequence

from indexers.packing import Segment
from indexers.text import (
    Breadcrumbs,
    Head,
    Line,
    Role,
    block_starts,
    plain_roles,
    sections,
    split_lines,
)

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
_UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*")
#: Lines that end a paragraph, so a setext underline after them is not a heading: list items,
#: block quotes, tables, HTML, thematic breaks and indented code.
_NOT_PARAGRAPH = re.compile(
    r" {0,3}(?:(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)|[>|<]|([-*_])(?:[ \t]*\1){2,}[ \t]*$)| {4}|\t"
)


def segment(text: str) -> list[Segment]:
    """One non-mergeable ``section`` per heading, breadcrumb as heading; front matter apart."""
    lines = split_lines(text)
    body = _front_matter(lines)
    scanner = _Scanner(lines)
    scanner.scan(body)
    start = lines[body].start if body < len(lines) else len(text)
    front = [Segment(0, start, "front_matter")] if body else []
    return front + sections(text, scanner.heads, block_starts(lines, scanner.roles), start)


def _front_matter(lines: Sequence[Line]) -> int:
    """How many lines a leading ``---`` YAML block takes, blank lines after it included."""
    if not lines or lines[0].text.lstrip("\ufeff").rstrip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].text.rstrip() in ("---", "..."):
            end = i + 1
            while end < len(lines) and lines[end].blank:
                end += 1
            return end
    return 0  # never closed: a thematic break, not front matter


def _opening_fence(text: str) -> str:
    """The backticks or tildes that open a code fence on this line, else ``""``."""
    match = _FENCE.fullmatch(text)
    # An info string with a backtick means inline code, not a fence.
    if match is None or (match[1][0] == "`" and "`" in match[2]):
        return ""
    return match[1]


def _closes(line: Line, fence: str) -> bool:
    """A closing fence: the same character, at least as many, nothing else on the line."""
    mark = line.text.strip()
    return line.indent < 4 and mark.startswith(fence) and mark == fence[0] * len(mark)


class _Scanner:
    """One pass over the lines: headings outside code fences, and each line's block role."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = lines
        self.roles = plain_roles(lines)
        self.heads: list[Head] = []
        self.crumbs = Breadcrumbs()
        self.fence = ""  # the open fence's backticks or tildes; "" outside code
        self.paragraph: int | None = None  # first line of the paragraph being read

    def scan(self, first: int) -> None:
        for i in range(first, len(self.lines)):
            if self.fence:
                self._code(i)
            else:
                self._line(i)

    def _code(self, i: int) -> None:
        self.roles[i] = Role.GLUE  # a fence is one block, blank lines included
        if _closes(self.lines[i], self.fence):
            self.fence = ""
            # Whatever follows a fence is a new block, blank line or not.
            if i + 1 < len(self.roles) and self.roles[i + 1] is Role.TEXT:
                self.roles[i + 1] = Role.START

    def _line(self, i: int) -> None:
        text = self.lines[i].text
        # Any line but a paragraph's own (the last branch) ends the paragraph.
        paragraph, self.paragraph = self.paragraph, None
        if self.lines[i].blank:
            return
        if fence := _opening_fence(text):
            self.fence = fence
            self.roles[i] = Role.START
        elif atx := _ATX.fullmatch(text):
            self._head(i, len(atx[1]), _CLOSING_HASHES.sub("", (atx[2] or "").strip()))
        elif paragraph is not None and (underline := _UNDERLINE.fullmatch(text)):
            # A setext heading's text is the whole paragraph above its underline.
            title = " ".join(line.text.strip() for line in self.lines[paragraph:i])
            self._head(paragraph, 1 if underline[1][0] == "=" else 2, title)
        elif not _NOT_PARAGRAPH.match(text):
            self.paragraph = i if paragraph is None else paragraph

    def _head(self, i: int, level: int, title: str) -> None:
        self.heads.append((self.lines[i].start, self.crumbs.push(level, title.strip())))
