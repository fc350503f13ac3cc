"""Turn a partition of a text into chunks that fit a token budget.

Chunkers describe *structure*: a list of :class:`Segment` that partitions the text (each
definition, section or paragraph), with a way to split a segment further when it is too big.
This module enforces the *budget*: it emits segments whole when they fit, packs runs of small
mergeable segments together, and splits oversized ones - first by the chunker's own children,
then by lines, then by characters - so nothing is ever truncated or dropped.

With a context header (a short line naming the file and the symbol or heading, embedded with the
chunk), each chunk's count includes its header, so the budget leaves room for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from indexers.chunk import Chunk, TokenCounter

#: The context header of a segment's chunks (``""`` for none).
HeaderOf = Callable[["Segment"], str]


@dataclass(frozen=True, slots=True)
class Segment:
    """A half-open character range ``[start, end)`` of the text with its metadata.

    ``mergeable`` segments may be packed with adjacent mergeable segments that share kind,
    symbol and heading (paragraphs of one section, statements of one function). ``children``,
    when given, returns a finer partition of the same range, used when the segment is too big.
    """

    start: int
    end: int
    kind: str
    symbol: str | None = None
    heading: str | None = None
    mergeable: bool = False
    children: Callable[[], list[Segment]] | None = field(default=None, compare=False)

    def same_context(self, other: Segment) -> bool:
        return (self.kind, self.symbol, self.heading) == (other.kind, other.symbol, other.heading)


@dataclass(frozen=True, slots=True)
class Piece:
    start: int
    end: int
    kind: str
    symbol: str | None
    heading: str | None
    tokens: int
    header: str = ""


def check_partition(segments: Sequence[Segment], start: int, end: int) -> None:
    """Raise ``ValueError`` unless ``segments`` cover ``[start, end)`` contiguously, in order."""
    position = start
    for segment in segments:
        if segment.start != position or segment.end < segment.start:
            raise ValueError(f"segments do not partition [{start}, {end}) at {position}")
        position = segment.end
    if position != end:
        raise ValueError(f"segments stop at {position}, expected {end}")


class Packer:
    """Packs segments of one text into budget-sized pieces."""

    def __init__(
        self, text: str, budget: int, count: TokenCounter, header: HeaderOf | None = None
    ) -> None:
        self.text = text
        self.budget = budget
        self.count = count
        self.header = header
        self._headers: dict[tuple, str] = {}
        # Tokens an empty text costs (special tokens, prefix, header): paid once per chunk, so
        # summed segment counts over-estimate a merged chunk by this much per extra segment.
        self.overhead = count("")
        if budget <= self.overhead:
            raise ValueError(f"token budget {budget} leaves no room for text")

    def tokens(self, start: int, end: int, header: str = "") -> int:
        return self.count(header + self.text[start:end])

    def head(self, segment: Segment) -> str:
        """The segment's context header, or ``""`` when it would take over half the room a
        chunk has for text (a header must never crowd out the text it introduces)."""
        if self.header is None:
            return ""
        key = (segment.kind, segment.symbol, segment.heading)
        if key not in self._headers:
            header = self.header(segment)
            room = self.budget - self.overhead
            fits = self.count(header) - self.overhead <= room // 2
            self._headers[key] = header if fits else ""
        return self._headers[key]

    def pack(self, segments: Sequence[Segment]) -> list[Piece]:
        pieces: list[Piece] = []
        run: list[tuple[Segment, int]] = []  # mergeable segments waiting to be packed

        def flush() -> None:
            pieces.extend(self._pack_run(run))
            run.clear()

        for segment in segments:
            if segment.start == segment.end:
                continue
            tokens = self.tokens(segment.start, segment.end, self.head(segment))
            if tokens > self.budget:
                flush()
                pieces.extend(self.pack(self._split(segment)))
            elif segment.mergeable:
                if run and not run[0][0].same_context(segment):
                    flush()
                run.append((segment, tokens))
            else:
                flush()
                pieces.append(self._piece(segment, segment.start, segment.end, tokens))
        flush()
        return pieces

    def _pack_run(self, run: Sequence[tuple[Segment, int]]) -> list[Piece]:
        """Greedy packing of same-context segments that each fit the budget on their own."""
        pieces: list[Piece] = []
        if not run:
            return pieces
        header = self.head(run[0][0])  # one context, so one header
        overhead = self.count(header)
        i = 0
        while i < len(run):
            j, estimate = i + 1, run[i][1]
            while j < len(run) and estimate + run[j][1] - overhead <= self.budget:
                estimate += run[j][1] - overhead
                j += 1
            # The estimate ignores tokens that merge across a boundary; check the real count and
            # give back segments until it fits (a single segment always fits).
            while True:
                start, end = run[i][0].start, run[j - 1][0].end
                tokens = run[i][1] if j == i + 1 else self.tokens(start, end, header)
                if tokens <= self.budget:
                    break
                j -= 1
            pieces.append(self._piece(run[i][0], start, end, tokens))
            i = j
        return pieces

    def _split(self, segment: Segment) -> list[Segment]:
        if segment.children is not None:
            children = segment.children()
            check_partition(children, segment.start, segment.end)
            if len(children) > 1:
                return children
        plain = replace(segment, mergeable=True, children=None)
        lines = self._line_segments(plain)
        if len(lines) > 1:
            return lines
        return self._char_segments(plain)

    def _line_segments(self, segment: Segment) -> list[Segment]:
        out: list[Segment] = []
        start = segment.start
        while start < segment.end:
            newline = self.text.find("\n", start, segment.end)
            end = segment.end if newline == -1 else newline + 1
            out.append(replace(segment, start=start, end=end))
            start = end
        return out

    def _char_segments(self, segment: Segment) -> list[Segment]:
        """Split one over-long line at the longest prefixes that fit (binary search)."""
        out: list[Segment] = []
        header = self.head(segment)
        start = segment.start
        while start < segment.end:
            low, high = start + 1, segment.end
            while low < high:
                middle = (low + high + 1) // 2
                if self.tokens(start, middle, header) <= self.budget:
                    low = middle
                else:
                    high = middle - 1
            out.append(replace(segment, start=start, end=low))
            start = low
        return out

    def _piece(self, segment: Segment, start: int, end: int, tokens: int) -> Piece:
        return Piece(
            start, end, segment.kind, segment.symbol, segment.heading, tokens, self.head(segment)
        )


def to_chunks(text: str, pieces: Sequence[Piece], path: str, language: str) -> list[Chunk]:
    """Attach line and byte coordinates, computed in one pass over contiguous pieces."""
    chunks: list[Chunk] = []
    line, byte, position = 1, 0, 0
    for piece in pieces:
        if piece.start != position:
            raise ValueError(f"pieces are not contiguous at {position}")
        body = text[piece.start : piece.end]
        size = len(body.encode("utf-8"))
        newlines = body.count("\n")
        # A chunk ending in a newline ends on that line, not the next one.
        end_line = line + newlines - (1 if body.endswith("\n") else 0)
        chunks.append(
            Chunk(
                path=path,
                language=language,
                kind=piece.kind,
                symbol=piece.symbol,
                heading=piece.heading,
                text=body,
                start_line=line,
                end_line=max(end_line, line),
                start_byte=byte,
                end_byte=byte + size,
                token_count=piece.tokens,
                header=piece.header,
            )
        )
        line, byte, position = line + newlines, byte + size, piece.end
    if position != len(text):
        raise ValueError(f"pieces stop at {position} of {len(text)}")
    return chunks
