"""reStructuredText and HTML by sections, with breadcrumbs of their titles."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from html.parser import HTMLParser

from indexers.packing import Segment
from indexers.text import (
    Breadcrumbs,
    Head,
    Line,
    Role,
    block_starts,
    sections,
    segment_paragraphs,
    split_lines,
)

#: An rST adornment: one punctuation character repeated, from the first column.
_ADORNMENT = re.compile(f"([{re.escape(string.punctuation)}])\\1*")
#: Lines whose indented continuation is one block: explicit markup (directives, comments).
_EXPLICIT = re.compile(r"[ \t]*\.\.(?:[ \t]|$)")

_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figure",
        "footer",
        "form",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    }
)


def segment_rst(text: str) -> list[Segment]:
    """One non-mergeable ``section`` per title, breadcrumb as heading."""
    lines = split_lines(text)
    return sections(text, _rst_titles(lines), block_starts(lines, _rst_roles(lines)))


def _rst_titles(lines: Sequence[Line]) -> list[Head]:
    """Section titles; a level per adornment style, numbered in order of first appearance."""
    levels: dict[tuple[str, bool], int] = {}
    crumbs = Breadcrumbs()
    heads: list[Head] = []
    i, fresh = 0, True  # fresh: line i may open a title (first line, after a blank or a title)
    while i < len(lines):
        title = _title_at(lines, i) if fresh else None
        if title is None:
            fresh = lines[i].blank
            i += 1
            continue
        style, name, size = title
        level = levels.setdefault(style, len(levels) + 1)
        heads.append((lines[i].start, crumbs.push(level, name)))
        i, fresh = i + size, True
    return heads


def _title_at(lines: Sequence[Line], i: int) -> tuple[tuple[str, bool], str, int] | None:
    """The title starting at line ``i``: its style (char, overlined), text and line count."""
    over = _ADORNMENT.fullmatch(lines[i].text.rstrip())
    if over is not None:
        if i + 2 >= len(lines):
            return None
        name, under = lines[i + 1].text.strip(), lines[i + 2].text.rstrip()
        fits = 0 < len(name) <= len(over[0]) and not _ADORNMENT.fullmatch(name)
        return ((over[1], True), name, 3) if fits and under == over[0] else None
    if i + 1 >= len(lines) or lines[i].blank or lines[i].indent:
        return None
    name = lines[i].text.rstrip()
    under = _ADORNMENT.fullmatch(lines[i + 1].text.rstrip())
    return ((under[1], False), name, 2) if under and len(under[0]) >= len(name) else None


def _rst_roles(lines: Sequence[Line]) -> list[Role]:
    """Keep a literal block (after ``::``) or a directive's body with the line that opens it."""
    roles: list[Role] = []
    opener: int | None = None  # indentation of the line that opened an indented body
    for line in lines:
        if line.blank:
            roles.append(Role.BLANK)
        elif opener is not None and line.indent > opener:
            roles.append(Role.GLUE)
        else:
            roles.append(Role.TEXT)
            opens = line.text.rstrip().endswith("::") or _EXPLICIT.match(line.text)
            opener = line.indent if opens else None
    return roles


def segment_html(text: str) -> list[Segment]:
    """One non-mergeable ``section`` per ``<h1>``..``<h6>``, from the line the heading is on."""
    lines = split_lines(text)
    outline = _Outline([line.start for line in lines])
    try:
        outline.feed(text)
        outline.close()
    except AssertionError:  # how HTMLParser reports the markup it cannot parse
        return segment_paragraphs(text)
    return sections(text, outline.heads, outline.cuts)


class _Outline(HTMLParser):
    """Collects headings (with breadcrumbs) and the line starts of block-level tags."""

    def __init__(self, line_starts: Sequence[int]) -> None:
        super().__init__(convert_charrefs=True)  # entities arrive unescaped in handle_data
        self.line_starts = line_starts
        self.heads: list[Head] = []
        self.cuts: list[int] = []
        self.crumbs = Breadcrumbs()
        self.heading: tuple[int, int] | None = None  # (level, line start) of the open heading
        self.words: list[str] = []

    def line_start(self) -> int:
        return self.line_starts[self.getpos()[0] - 1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HEADINGS:
            self.end_heading()  # a heading left open ends where the next one starts
            self.heading = (_HEADINGS[tag], self.line_start())
        elif tag in _BLOCK_TAGS:
            self.cuts.append(self.line_start())

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS:
            self.end_heading()

    def handle_data(self, data: str) -> None:
        if self.heading is not None:
            self.words.append(data)

    def close(self) -> None:
        super().close()
        self.end_heading()

    def end_heading(self) -> None:
        if self.heading is None:
            return
        level, start = self.heading
        title = " ".join("".join(self.words).split())
        self.heads.append((start, self.crumbs.push(level, title)))
        self.heading = None
        self.words.clear()
