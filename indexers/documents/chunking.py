"""An extracted document to chunks: each part (page, slide, cell) is segmented as its language
is (prose by its headings and paragraphs, code cells by the structural chunker), then the whole
document is packed at once, so every chunk knows which parts it covers.

Pages and slides are sections, never packed together: a chunk covers one page or slide unless
that page's own text runs over the budget. Code cells are code: consecutive top-level
statements under one heading may pack across cells, and the chunk then says ``cells 3-5``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from itertools import accumulate

from indexers.chunk import Chunk, TokenCounter
from indexers.chunking import SEGMENTERS, header_line
from indexers.documents.parts import Extraction, Part
from indexers.packing import Packer, Segment, check_partition, to_chunks
from indexers.secrets import redact
from indexers.text import block_starts, plain_roles, sections, segment_lines, split_lines


def chunk_document(
    extraction: Extraction,
    path: str,
    budget: int,
    count: TokenCounter,
    context_header: bool = False,
) -> list[Chunk]:
    """Chunks of at most ``budget`` tokens that partition :func:`document_text`, each with the
    language of its part and the range of page, slide or cell numbers it covers."""
    extraction = replace(extraction, parts=tuple(_redacted(part) for part in extraction.parts))
    text = extraction.text
    if not text:
        return []
    starts: list[int] = []
    segments: list[Segment] = []
    offset = 0
    for part in extraction.parts:
        starts.append(offset)
        segments.extend(_segments(part, offset))
        offset += len(part.text)
    check_partition(segments, 0, len(text))
    header = (lambda segment: header_line(path, segment)) if context_header else None
    pieces = Packer(text, budget, count, header).pack(segments)
    chunks = to_chunks(text, pieces, path, extraction.format)
    parts = extraction.parts
    placed: list[Chunk] = []
    for piece, chunk in zip(pieces, chunks, strict=True):
        # Of parts sharing an offset (empty ones), the last is the one holding the text.
        first = parts[bisect_right(starts, piece.start) - 1]
        last = parts[bisect_right(starts, piece.end - 1) - 1]
        unit = extraction.unit if first.number is not None else None
        placed.append(
            replace(
                chunk,
                language=first.language,
                unit=unit,
                start_unit=first.number if unit else None,
                end_unit=last.number if unit else None,
            )
        )
    return placed


def _redacted(part: Part) -> Part:
    """``part`` with its secrets masked (:func:`indexers.secrets.redact`: same lines, same
    UTF-8 length); its headings stay at the starts of their lines."""
    text = redact(part.text)
    if len(text) == len(part.text):
        return replace(part, text=text) if text != part.text else part
    old = list(accumulate((len(line) for line in part.text.splitlines(True)), initial=0))
    new = list(accumulate((len(line) for line in text.splitlines(True)), initial=0))
    heads = tuple((new[bisect_right(old, offset) - 1], head) for offset, head in part.heads)
    return replace(part, text=text, heads=heads)


def _segments(part: Part, offset: int) -> list[Segment]:
    if not part.text:
        return []
    if part.kind == "code":
        segments = SEGMENTERS.get(part.language, segment_lines)(part.text)
    else:
        heads = list(part.heads)
        if not heads or heads[0][0] > 0:
            heads.insert(0, (0, part.heading))
        lines = split_lines(part.text)
        segments = sections(part.text, heads, block_starts(lines, plain_roles(lines)), 0, part.kind)
    return [_shifted(segment, offset, part.heading) for segment in segments]


def _shifted(segment: Segment, offset: int, heading: str | None) -> Segment:
    """``segment`` moved by ``offset``, under ``heading`` when it has none of its own; its
    children (computed only if it has to be split) move with it."""
    children = segment.children
    return replace(
        segment,
        start=segment.start + offset,
        end=segment.end + offset,
        heading=segment.heading if segment.heading is not None else heading,
        children=None
        if children is None
        else lambda: [_shifted(child, offset, heading) for child in children()],
    )
