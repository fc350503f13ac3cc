"""Ignore files compiled with a bound on their cost.

The matcher (``pathspec``) turns each pattern into a regular expression that backtracks: a
name segment with k wildcards costs up to n**k steps on an n-character name, so a hostile
``*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b`` stalls discovery for minutes on a 40-character name. Ordinary
patterns are kept as written; a pathological one is widened with a warning, into a pattern
that matches everything it matched (and maybe more: ignoring too much never indexes what the
author meant to hide):

- a run of ``*`` inside a segment (``a**b``) is one ``*``, as git reads it;
- a segment with more than ``MAX_SEGMENT_STARS`` stars keeps its text before the first star,
  its first starred piece and its text after the last star (``*a*a*a*a*b`` -> ``*a*b``);
- a pattern with more than ``MAX_GLOBSTARS`` ``**`` segments keeps what lies up to its second
  ``**`` and from its last one (``**/a/**/b/**/c`` -> ``**/a/**/c``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pathspec import GitIgnoreSpec

log = logging.getLogger("indexers")

MAX_SEGMENT_STARS = 3
MAX_GLOBSTARS = 2


def compile_rules(lines: Iterable[tuple[str, str]]) -> GitIgnoreSpec:
    """The matcher for ``(ignore file, line)`` pairs, pathological patterns widened."""
    patterns = []
    for path, line in lines:
        pattern, warning = safe_pattern(line)
        if warning:
            log.warning("%s: %s", path, warning)
        patterns.append(pattern)
    return GitIgnoreSpec.from_lines(patterns)


def safe_pattern(line: str) -> tuple[str, str | None]:
    """``(pattern to use, warning or None)`` for one line of an ignore file."""
    if not line.strip() or line.startswith("#"):
        return line, None
    negated = line.startswith("!")
    segments = (line[1:] if negated else line).split("/")
    kept = [segment if segment == "**" else _safe_segment(segment) for segment in segments]
    globstars = [i for i, segment in enumerate(kept) if segment == "**"]
    if len(globstars) > MAX_GLOBSTARS:
        kept = kept[: globstars[1]] + kept[globstars[-1] :]
    pattern = ("!" if negated else "") + "/".join(kept)
    if pattern == line:
        return line, None
    return pattern, f"ignore pattern {line!r} is too costly to match; using {pattern!r}"


def _safe_segment(segment: str) -> str:
    """``segment`` with runs of stars collapsed and at most MAX_SEGMENT_STARS stars."""
    pieces = _split_stars(segment)  # the text between unescaped stars
    if len(pieces) - 1 > MAX_SEGMENT_STARS:
        pieces = [pieces[0], pieces[1], pieces[-1]]
    return "*".join(pieces)


def _split_stars(segment: str) -> list[str]:
    """The pieces of ``segment`` between its unescaped stars (outside ``[...]``), a run of
    stars counting as one."""
    pieces, current, i = [], "", 0
    while i < len(segment):
        char = segment[i]
        if char == "\\":
            current += segment[i : i + 2]
            i += 2
            continue
        if char == "[":
            close = segment.find("]", i + 2)
            if close != -1:
                current += segment[i : close + 1]
                i = close + 1
                continue
        if char == "*":
            pieces.append(current)
            current = ""
            while i < len(segment) and segment[i] == "*":
                i += 1
            continue
        current += char
        i += 1
    pieces.append(current)
    return pieces
