"""Ranked chunks -> a prompt-ready context: merged, deduplicated, cited, within a token budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from indexers.documents import cite

#: Counts tokens of plain text (no special tokens): the caller's prompt tokenizer.
TextCounter = Callable[[str], int]

#: A trimmed passage is only worth including with at least this many tokens of text.
MIN_TRIMMED_TOKENS = 24


@dataclass(frozen=True, slots=True)
class RankedChunk:
    """A search result with the position of its chunk in its document."""

    doc_id: str
    path: str
    ordinal: int
    start_line: int
    end_line: int
    text: str
    score: float
    language: str
    symbol: str | None
    heading: str | None
    unit: str | None = None
    start_unit: int | None = None
    end_unit: int | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """Adjacent chunks of one file merged into one citable span."""

    path: str
    start_line: int
    end_line: int
    text: str
    score: float
    language: str
    symbols: list[str]
    headings: list[str]
    citation: str
    tokens: int
    #: For documents: ``page``, ``slide`` or ``cell`` and the range the passage covers.
    unit: str | None = None
    start_unit: int | None = None
    end_unit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Context:
    passages: list[Passage]
    context: str
    tokens: int
    token_budget: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def merge_adjacent(chunks: Sequence[RankedChunk]) -> list[list[RankedChunk]]:
    """Group chunks of one document whose ordinals follow each other (chunks partition their
    file, so consecutive ordinals are adjacent text); groups are ordered by best score."""
    by_document: dict[str, list[RankedChunk]] = {}
    for chunk in chunks:
        by_document.setdefault(chunk.doc_id, []).append(chunk)
    groups: list[list[RankedChunk]] = []
    for members in by_document.values():
        unique = {chunk.ordinal: chunk for chunk in members}
        ordered = [unique[ordinal] for ordinal in sorted(unique)]
        group = [ordered[0]]
        for chunk in ordered[1:]:
            if chunk.ordinal == group[-1].ordinal + 1:
                group.append(chunk)
            else:
                groups.append(group)
                group = [chunk]
        groups.append(group)
    return sorted(groups, key=lambda g: max(c.score for c in g), reverse=True)


def assemble(chunks: Sequence[RankedChunk], token_budget: int, count: TextCounter) -> Context:
    """Build the context: passages in relevance order while they fit ``token_budget``; the first
    passage that does not fit is trimmed at a line boundary, and assembly stops there."""
    passages: list[Passage] = []
    blocks: list[str] = []
    used = 0
    seen_texts: set[str] = set()
    for group in merge_adjacent(chunks):
        text = "".join(chunk.text for chunk in group)
        if text.strip() in seen_texts:  # the same text in two files: cite it once
            continue
        seen_texts.add(text.strip())
        passage = _passage(group, text, len(passages) + 1, count)
        if used + passage.tokens <= token_budget:
            passages.append(passage)
            blocks.append(_block(passage, len(passages)))
            used += passage.tokens
            continue
        trimmed = _trim(group, text, len(passages) + 1, token_budget - used, count)
        if trimmed is not None:
            passages.append(trimmed)
            blocks.append(_block(trimmed, len(passages)))
            used += trimmed.tokens
        break
    return Context(passages, "\n".join(blocks), used, token_budget)


def citation(
    path: str,
    start_line: int,
    end_line: int,
    unit: str | None = None,
    start_unit: int | None = None,
    end_unit: int | None = None,
) -> str:
    """``path:start-end``; for a PDF, a deck or a notebook the place a person looks instead:
    ``manual.pdf p.12–13``, ``deck.pptx slide 4``, ``analysis.ipynb cells 3–5``."""
    if unit is not None and start_unit is not None:
        return cite(path, unit, start_unit, end_unit)
    return f"{path}:{start_line}-{end_line}"


def _passage(
    group: Sequence[RankedChunk], text: str, number: int, count: TextCounter, end_line: int = 0
) -> Passage:
    first = group[0]
    last_line = end_line or group[-1].end_line
    # A trimmed passage ends in the last chunk it still reaches.
    last = next((c for c in reversed(group) if c.start_line <= last_line), first)
    draft = Passage(
        path=first.path,
        start_line=first.start_line,
        end_line=last_line,
        text=text,
        score=max(chunk.score for chunk in group),
        language=first.language,
        symbols=_distinct(chunk.symbol for chunk in group),
        headings=_distinct(chunk.heading for chunk in group),
        citation=citation(
            first.path, first.start_line, last_line, first.unit, first.start_unit, last.end_unit
        ),
        tokens=0,
        unit=first.unit,
        start_unit=first.start_unit,
        end_unit=last.end_unit,
    )
    return replace(draft, tokens=count(_block(draft, number)))


def _trim(
    group: Sequence[RankedChunk], text: str, number: int, room: int, count: TextCounter
) -> Passage | None:
    """The longest prefix of whole lines of ``text`` whose block fits in ``room`` tokens."""
    lines = text.splitlines(keepends=True)
    low, high, best = 1, len(lines) - 1, None
    while low <= high:
        middle = (low + high) // 2
        candidate = _passage(
            group, "".join(lines[:middle]), number, count, group[0].start_line + middle - 1
        )
        if candidate.tokens <= room:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    if best is None or best.tokens < MIN_TRIMMED_TOKENS:
        return None
    return best


def _block(passage: Passage, number: int) -> str:
    label = ", ".join(passage.symbols or passage.headings)
    header = f"[{number}] {passage.citation}" + (f" ({label})" if label else "")
    return f"{header}\n{passage.text.rstrip()}\n"


def _distinct(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
