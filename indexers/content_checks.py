"""A file's content: read whole while it holds still, then what its text says about indexing
it (binary after all, empty, minified, generated)."""

from __future__ import annotations

import os
import re
from typing import BinaryIO

from indexers.skip_rules import (
    CONTROL_MAX_SHARE,
    CONTROL_MIN_COUNT,
    CONTROL_SAMPLE_CHARS,
    GENERATED_HEAD_LINES,
    GENERATED_MARKERS,
    MINIFIED_AVG_LINE,
    MINIFIED_FEW_NEWLINES,
    MINIFIED_HEAD_LINES,
    MINIFIED_LONG_LINE,
    MINIFIED_MIN_CHARS,
    MINIFIED_SAMPLE_CHARS,
    PROSE_LANGUAGES,
    PROSE_RULES,
    READ_ATTEMPTS,
)

#: Characters no text file is made of: C0 controls but tab, line breaks, form feed and escape
#: (ANSI colours in logs), DEL, the five bytes that cp1252 leaves undefined (decoded as Latin-1
#: they become C1 controls; the other C1 controls are cp1252's quotes and dashes in a file
#: with one stray byte) and U+FFFD (a malformed unit under a BOM).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f\x81\x8d\x8f\x90\x9d\ufffd]")


def read_unchanged(handle: BinaryIO, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of the open file, from a read during which its size and mtime
    stayed the same (a read torn by a concurrent write is retried); None if it kept changing.
    A file replaced by rename while open is read whole as it was: the handle keeps its inode."""
    for _ in range(READ_ATTEMPTS):
        before = os.fstat(handle.fileno())
        handle.seek(0)
        data = handle.read(limit)
        after = os.fstat(handle.fileno())
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns):
            return data
    return None


def content_reason(text: str, language: str = "text") -> tuple[str, str] | None:
    """The skip reason the decoded text gives (binary, empty, minified, generated), with its
    detail; ``language`` (of the file's name) picks how minified code is told from prose."""
    sample = text[:CONTROL_SAMPLE_CHARS]
    controls = len(_CONTROL.findall(sample))
    if controls >= CONTROL_MIN_COUNT and controls > CONTROL_MAX_SHARE * len(sample):
        share = f"{controls / len(sample):.0%}"
        return "binary", f"{share} control characters in the first {len(sample):,} characters"
    if not text.strip():
        return "empty", ""
    if _looks_minified(text, "prose" if language in PROSE_LANGUAGES else "code"):
        return "minified", "very long lines that do not read as prose"
    head = "\n".join(text.split("\n", GENERATED_HEAD_LINES)[:GENERATED_HEAD_LINES]).lower()
    marker = next((marker for marker in GENERATED_MARKERS if marker in head), None)
    if marker is not None:
        return "generated", f"marker {marker!r} near the top"
    return None


def _looks_minified(text: str, kind: str) -> bool:
    if len(text) <= MINIFIED_MIN_CHARS:
        return False
    lines = text.split("\n")
    if len(text) / len(lines) > MINIFIED_AVG_LINE:
        long_lines = [line for line in lines if len(line) > MINIFIED_AVG_LINE]
    else:
        head = lines[:MINIFIED_HEAD_LINES]
        if len(lines) > MINIFIED_FEW_NEWLINES + 1:
            return False
        long_lines = [line for line in head if len(line) > MINIFIED_LONG_LINE]
    sample = "\n".join(long_lines)[:MINIFIED_SAMPLE_CHARS]
    return bool(sample) and not _reads_as_prose(sample, kind)


#: A token that is a word: opening punctuation, letters or digits (joined by apostrophes,
#: hyphens, or the dots, commas, slashes and colons of numbers and abbreviations), closing
#: punctuation.
_WORD = re.compile(r"[\"'“‘«¿¡(\[*_#-]*[^\W_]+(?:[-'’.,/:][^\W_]+)*[\"'”’».,;:!?)\]*_…%-]*")
_CODE_PUNCTUATION = re.compile(r"[{}\[\]=;<>|&$\\]")


def _reads_as_prose(sample: str, kind: str) -> bool:
    """Whether long lines read as sentences rather than minified code (see ``ProseRule``)."""
    rule = PROSE_RULES[kind]
    tokens = sample.split()
    visible = sum(len(token) for token in tokens)
    if not visible:
        return True
    script = sum(1 for char in sample if char.isalpha() and ord(char) > 0x2FF)
    if script / visible > rule.min_script_share:
        return True
    words = sum(1 for token in tokens if _WORD.fullmatch(token))
    code = len(_CODE_PUNCTUATION.findall(sample))
    return (
        words / len(tokens) >= rule.min_word_share
        and visible / len(tokens) <= rule.max_token_chars
        and code / visible <= rule.max_code_share
    )
