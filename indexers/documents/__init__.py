"""Documents people have that are not plain text: PDF, Word, PowerPoint and Jupyter notebooks.

Each format has a module that turns a file's bytes into an :class:`Extraction`: the text as
parts (pages, slides, cells) with their numbers and headings. :mod:`indexers.documents.chunking`
turns that into the same chunks the text chunkers make, each saying which pages, slides or cells
it covers. Extraction runs in a worker process (:mod:`indexers.documents.worker`) so a hostile
file is bounded in time and memory; it is refused with a skip reason, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from indexers.documents.parts import (
    DOCUMENT_SKIP_REASONS,
    MAX_DOCUMENT_BYTES,
    Budget,
    Extraction,
    Part,
    Refused,
    cite,
)

__all__ = [
    "DOCUMENT_SKIP_REASONS",
    "FORMATS",
    "MAX_DOCUMENT_BYTES",
    "Budget",
    "Extraction",
    "Part",
    "Refused",
    "cite",
    "document_format",
    "extract",
    "read_document",
    "size_cap",
]

#: File extension (lower case) -> document format.
FORMATS: dict[str, str] = {".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".ipynb": "ipynb"}


def document_format(path: str) -> str | None:
    """The document format of ``path`` by its extension, or None for any other file."""
    return FORMATS.get(PurePosixPath(path).suffix.lower())


def size_cap(path: str, max_file_bytes: int) -> int:
    """The size cap of ``path``: documents are containers (fonts, images, compression), so
    they have caps of their own instead of the text files' ``max_file_bytes``."""
    format = document_format(path)
    return max_file_bytes if format is None else MAX_DOCUMENT_BYTES[format]


def _extractor(format: str) -> Callable[[bytes, Budget], Extraction]:
    if format == "pdf":
        from indexers.documents import pdf as module
    elif format == "docx":
        from indexers.documents import word as module
    elif format == "pptx":
        from indexers.documents import powerpoint as module
    elif format == "ipynb":
        from indexers.documents import notebook as module
    else:
        raise ValueError(f"not a document format: {format!r}")
    return module.extract


def extract(format: str, data: bytes, budget: Budget | None = None) -> Extraction:
    """The text of a document in this process; raises :class:`Refused` for a file it will not
    read. Bounded in text size; in time only when ``budget`` says so (see ``read_document``)."""
    return _extractor(format)(data, budget or Budget())


def read_document(format: str, data: bytes, *, isolated: bool = True) -> Extraction:
    """The text of a document, in the worker process unless ``isolated`` is False; raises
    :class:`Refused` for a file it will not read (or that goes past its time or memory bound)."""
    cap = MAX_DOCUMENT_BYTES[format]
    if len(data) > cap:
        raise Refused("too-large", f"over the {cap >> 20} MiB cap for {format} files")
    if not isolated:
        return extract(format, data)
    from indexers.documents.worker import extract_isolated

    return extract_isolated(format, data)
