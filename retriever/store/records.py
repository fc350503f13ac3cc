"""What is written to an index: documents on their way in, what is known of stored ones, and
the stable ids of documents and chunks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexers.chunk import Chunk, content_hash
from retriever.store.lexical import expand


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: int
    content_hash: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class PendingDocument:
    """A new or changed document, chunked, before its vectors are known."""

    root: str
    path: str
    language: str
    encoding: str
    size: int
    mtime_ns: int
    content_hash: str
    chunks: Sequence[Chunk]


@dataclass(frozen=True, slots=True)
class DocumentUpdate:
    """A pending document with one vector per chunk, and the key of what each vector was
    computed from (see :mod:`retriever.ingest.indexing`): what ``write`` stores."""

    document: PendingDocument
    vectors: np.ndarray
    keys: Sequence[str]


def make_doc_id(root: str, path: str) -> str:
    return content_hash(f"{root}\0{path}")


def make_chunk_ids(doc_id: str, keys: Iterable[str]) -> list[str]:
    """Stable ids from the chunks' vector keys: a chunk keeps its id (and its vector) while what
    it embeds is unchanged, whatever happens to other chunks of its file."""
    seen: dict[str, int] = {}
    ids = []
    for key in keys:
        occurrence = seen[key] = seen.get(key, -1) + 1
        ids.append(content_hash(f"{doc_id}\0{key}\0{occurrence}"))
    return ids


def terms_row(
    chunk_id: int, body: str, path: str, symbol: str | None, heading: str | None
) -> dict[str, Any]:
    """A chunk's row of the lexical table: its fields, identifiers expanded into their parts."""
    return {
        "rowid": chunk_id,
        "body": expand(body),
        "path": expand(path),
        "symbol": expand(symbol or ""),
        "heading": heading or "",
    }
