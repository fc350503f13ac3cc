"""The chunk: the unit that is embedded, stored and returned as a hit."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

#: Counts the tokens the encoder sees for ``text`` exactly as it will be embedded: special
#: tokens and any prefix or context header included. The engine supplies it, so this package
#: never needs a tokenizer (or torch) of its own.
TokenCounter = Callable[[str], int]


def content_hash(text: str) -> str:
    """Stable identity of a piece of text (hex, 32 characters)."""
    return bytes_hash(text.encode("utf-8"))


def bytes_hash(data: bytes) -> str:
    """Stable identity of a file's raw bytes (hex, 32 characters)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Chunk:
    """A contiguous slice of one file's text.

    Lines are 1-based and inclusive. Byte offsets index the UTF-8 encoding of the decoded text
    (identical to the file's own bytes for UTF-8 files without a BOM); ``end_byte`` is exclusive.
    """

    path: str
    language: str
    kind: str
    symbol: str | None
    heading: str | None
    text: str
    start_line: int
    end_line: int
    start_byte: int
    end_byte: int
    token_count: int
    #: Embedded before ``text`` (path, symbol or heading) when context headers are on; counted
    #: in ``token_count``, never part of the returned text.
    header: str = ""
    #: Where a person looks in a document (PDF, slides, notebook): ``"page"``, ``"slide"`` or
    #: ``"cell"``, and the first and last one the chunk covers (1-based, inclusive). None for
    #: text files, where the line range says it.
    unit: str | None = None
    start_unit: int | None = None
    end_unit: int | None = None

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    @property
    def embedded(self) -> str:
        """What the encoder reads for this chunk on its own: its header, then its text."""
        return self.header + self.text
