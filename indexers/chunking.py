"""One entry point from a file's text to its chunks, whatever the language."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from indexers import code, markdown, markup, text
from indexers.chunk import Chunk, TokenCounter
from indexers.packing import Packer, Segment, check_partition, to_chunks
from indexers.secrets import redact

if TYPE_CHECKING:
    from indexers.discovery import LoadedFile

#: Bump when chunk boundaries or metadata change, so indexes built by older chunkers re-chunk.
CHUNKER_VERSION = 2

Segmenter = Callable[[str], list[Segment]]

#: Language -> segmenter. Languages not listed use the line-aware text fallback.
SEGMENTERS: dict[str, Segmenter] = {
    **{language: code.segmenter(language) for language in code.LANGUAGES},
    "markdown": markdown.segment,
    "rst": markup.segment_rst,
    "html": markup.segment_html,
    "text": text.segment_paragraphs,
}


def chunk_text(
    source: str,
    path: str,
    language: str,
    budget: int,
    count: TokenCounter,
    context_header: bool = False,
) -> list[Chunk]:
    """Split ``source`` into chunks of at most ``budget`` tokens (as ``count`` measures them).

    The chunks partition the text: joined in order they give back ``source`` exactly, except
    that secrets (private keys, provider tokens) are masked in place first (see
    :func:`indexers.secrets.redact`: same lines, same byte offsets). With ``context_header``,
    each chunk carries its header (see :func:`header_line`), counted in its budget.
    """
    if not source:
        return []
    source = redact(source)
    segmenter = SEGMENTERS.get(language, text.segment_lines)
    segments = segmenter(source)
    check_partition(segments, 0, len(source))
    header = (lambda segment: header_line(path, segment)) if context_header else None
    pieces = Packer(source, budget, count, header).pack(segments)
    return to_chunks(source, pieces, path, language)


def chunk_file(
    loaded: LoadedFile, budget: int, count: TokenCounter, context_header: bool = False
) -> list[Chunk]:
    """The chunks of a file as ``load`` read it: :func:`chunk_text` for text, and the document
    chunker (pages, slides, cells) for a PDF, DOCX, PPTX or notebook."""
    path = loaded.source.path
    if loaded.document is not None:
        from indexers.documents.chunking import chunk_document

        return chunk_document(loaded.document, path, budget, count, context_header)
    return chunk_text(loaded.text, path, loaded.language, budget, count, context_header)


def header_line(path: str, segment: Segment) -> str:
    """What a chunk's text does not say about where it sits: its file, and its qualified
    symbol (code) or heading breadcrumb (prose), one per line."""
    label = segment.symbol or segment.heading
    return f"{path}\n{label}\n" if label else f"{path}\n"
