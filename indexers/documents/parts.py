"""What a document extractor returns: the document's text as parts (pages, slides, cells), each
with its number and the headings inside it; and how it refuses a file it will not read.

Pure data and limits: no reader library is imported here, so discovery and the skip rules can
import it cheaply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Skip reasons only documents give (the others, ``too-large`` among them, are shared).
DOCUMENT_SKIP_REASONS: dict[str, str] = {
    "encrypted": "a password-protected document",
    "malformed": "a document its reader could not parse (damaged, or not what its name says)",
    "no-text": "a document without a text layer (scanned pages, images only)",
    "timeout": "a document whose extraction made no progress within its time bound",
}

#: Bounds on one document. A document past any of them is skipped with a reason.
#: The file itself, by format: documents are containers (fonts, images, compression), so they
#: get a cap of their own instead of the text files' one. A notebook is parsed whole, outputs
#: and all, before they are left out: its cap is lower.
MAX_DOCUMENT_BYTES: dict[str, int] = {
    "pdf": 64 << 20,
    "docx": 64 << 20,
    "pptx": 64 << 20,
    "ipynb": 32 << 20,
}
MAX_PAGES = 2000  # PDF pages
MAX_UNZIPPED_BYTES = 256 << 20  # what a DOCX/PPTX says its parts expand to
MAX_ZIP_ENTRIES = 10_000
MAX_TEXT_CHARS = 20_000_000  # extracted text, all parts together
#: Seconds an extraction may go without finishing a page, slide or cell before it is stopped
#: (8, so that with a worker's start a hostile file is skipped within 10 s).
STALL_SECONDS = 8.0
#: Memory an isolated extraction may add to its worker process.
EXTRA_MEMORY_BYTES = 500 << 20

#: What a person looks at in each format: the unit of a part's ``number``.
UNITS: dict[str, str | None] = {"pdf": "page", "docx": None, "pptx": "slide", "ipynb": "cell"}


class Refused(Exception):
    """A document that will not be indexed: ``reason`` is a skip reason, ``detail`` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


#: Called after each part: raises :class:`Refused` when the extraction is over a bound.
Progress = Callable[[], None]


@dataclass(frozen=True, slots=True)
class Part:
    """One page, slide or cell (or a whole document that has none).

    ``heads`` are the headings that start inside the part: (offset in ``text``, breadcrumb),
    in order. ``heading`` is the breadcrumb in effect where the part begins.
    """

    text: str
    number: int | None
    language: str
    heading: str | None = None
    heads: tuple[tuple[int, str | None], ...] = ()
    kind: str = "section"


@dataclass(frozen=True, slots=True)
class Extraction:
    """A document as text: its format (``pdf``, ``docx``, ``pptx``, ``ipynb``) and parts."""

    format: str
    parts: tuple[Part, ...]

    @property
    def unit(self) -> str | None:
        return UNITS[self.format]

    @property
    def text(self) -> str:
        """The text its chunks are slices of: the parts, in order."""
        return "".join(part.text for part in self.parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "parts": [
                [p.text, p.number, p.language, p.heading, [list(h) for h in p.heads], p.kind]
                for p in self.parts
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extraction:
        parts = tuple(
            Part(text, number, language, heading, tuple((o, h) for o, h in heads), kind)
            for text, number, language, heading, heads, kind in data["parts"]
        )
        return cls(data["format"], parts)


@dataclass(slots=True)
class Budget:
    """Counts what an extraction produces and stops it at the bounds: text size always, and
    time when ``stall_seconds`` is set (an isolated worker has its parent watch the time)."""

    stall_seconds: float | None = None
    chars: int = 0
    last: float = field(default_factory=time.monotonic)
    tick: Callable[[], None] | None = None

    def add(self, text: str) -> str:
        self.chars += len(text)
        if self.chars > MAX_TEXT_CHARS:
            raise Refused("too-large", f"over {MAX_TEXT_CHARS:,} characters of text")
        return text

    def step(self) -> None:
        """One part done: report progress, and stop if the last one took too long."""
        now = time.monotonic()
        if self.stall_seconds is not None and now - self.last > self.stall_seconds:
            raise Refused("timeout", f"one part took over {self.stall_seconds:g} s")
        self.last = now
        if self.tick is not None:
            self.tick()


def cite(path: str, unit: str | None, start: int | None, end: int | None) -> str:
    """Where a person looks: ``manual.pdf p.12–13``, ``deck.pptx slide 4``,
    ``analysis.ipynb cell 7``; just ``path`` for a file without units."""
    if unit is None or start is None:
        return path
    span = str(start) if end is None or end == start else f"{start}\u2013{end}"
    if unit == "page":
        return f"{path} p.{span}"
    return f"{path} {unit}s {span}" if end not in (None, start) else f"{path} {unit} {span}"
