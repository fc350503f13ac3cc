"""Consistency checks and repairs of the SQLite side of an index, for ``retriever doctor``.

Each check returns what it found wrong as short lines (empty: all well). Repairs only rebuild
what is derived from other rows (the full-text table from the chunks) or delete rows that
nothing refers to; the documents and chunks themselves are never rewritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy import text as sql

from indexers.chunk import content_hash
from retriever.store import fulltext
from retriever.store.metadata import MetadataStore, make_chunk_ids, make_doc_id
from retriever.store.models import ChunkRow, DocumentRow

#: Rows read at a time while walking every chunk.
PAGE = 2048
#: Example ids quoted in a finding at most.
EXAMPLES = 3


def integrity(store: MetadataStore) -> list[str]:
    """SQLite's own check of every page, index and constraint of the database."""
    with store.engine.connect() as connection:
        rows = [row[0] for row in connection.execute(sql("PRAGMA integrity_check"))]
    return [] if rows == ["ok"] else rows[:EXAMPLES]


def orphans(store: MetadataStore) -> list[str]:
    """Rows that point at nothing: chunks without a document, full-text rows without a chunk,
    chunks without a full-text row."""
    chunk_ids = select(ChunkRow.id)
    fts_ids = select(fulltext.fts.c.rowid)
    queries = {
        "chunks without a document": select(ChunkRow.id).where(
            ChunkRow.document_id.not_in(select(DocumentRow.id))
        ),
        "full-text rows without a chunk": fts_ids.where(fulltext.fts.c.rowid.not_in(chunk_ids)),
        "chunks without a full-text row": chunk_ids.where(ChunkRow.id.not_in(fts_ids)),
    }
    found = []
    with store.engine.connect() as connection:
        for what, query in queries.items():
            ids = list(connection.scalars(query))
            if ids:
                found.append(f"{len(ids)} {what} (ids {_examples(ids)})")
    return found


def identities(store: MetadataStore, dimension: int, *, text_keys: bool = True) -> list[str]:
    """Every stored id and hash recomputed from what it identifies: a document's id from its
    root and path, a chunk's content hash from its text (where ``text_keys``: the index embeds
    the text alone), its id from its document and content, its vector's size from the model's
    dimension. A damaged row fails one of them."""
    bad: dict[str, list[Any]] = {}
    with store.engine.connect() as connection:
        documents = connection.execute(select(DocumentRow.id, DocumentRow.doc_id, *_ROOT_PATH))
        doc_ids = {}
        for row_id, doc_id, root, path in documents:
            doc_ids[row_id] = doc_id
            if not isinstance(root, str) or doc_id != make_doc_id(root, path):
                bad.setdefault("document ids", []).append(doc_id)
        for document_id, rows in groupby(_chunks(connection), key=lambda row: row.document_id):
            if document_id not in doc_ids:
                continue  # an orphan: the orphan check reports it
            rows = list(rows)
            expected = make_chunk_ids(doc_ids[document_id], (r.content_hash for r in rows))
            for row, chunk_id in zip(rows, expected, strict=True):
                if row.chunk_id != chunk_id:
                    bad.setdefault("chunk ids", []).append(row.id)
                # A damaged record header can turn a text cell into another type.
                if not isinstance(row.text, str) or (
                    text_keys and row.content_hash != content_hash(row.text)
                ):
                    bad.setdefault("chunk texts", []).append(row.id)
                if row.vector_bytes != 4 * dimension:
                    bad.setdefault("vector sizes", []).append(row.id)
    return [f"{len(ids)} wrong {what} (e.g. {_examples(ids)})" for what, ids in bad.items()]


def fulltext_problems(store: MetadataStore) -> list[str]:
    """FTS5's own structure check, then every full-text row against the one its chunk gives
    (rows missing on either side are the orphan check's business)."""
    with store.engine.connect() as connection:
        connection.execute(sql("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')"))
        stored = connection.execution_options(yield_per=PAGE).execute(
            select(fulltext.fts).order_by(fulltext.fts.c.rowid)
        )
        expected = (fulltext.row(*row) for row in _fulltext_source(connection))
        differ = [
            rowid
            for rowid, (row, wanted) in _merge(
                ((r.rowid, r._asdict()) for r in stored), ((e["rowid"], e) for e in expected)
            )
            if row != wanted
        ]
    return [f"{len(differ)} full-text rows differ from their chunk"] if differ else []


def rebuild_fulltext(store: MetadataStore) -> None:
    """Drop the full-text table and fill it again from the chunks, in one transaction."""
    with store.engine.begin() as connection:
        connection.execute(sql("DROP TABLE IF EXISTS chunks_fts"))
        fulltext.ensure(connection)
        for page in _pages(_fulltext_source(connection)):
            fulltext.add(connection, [fulltext.row(*row) for row in page])


def delete_orphans(store: MetadataStore) -> None:
    """Remove chunks whose document is gone (their full-text rows go with the rebuild)."""
    with store.engine.begin() as connection:
        connection.execute(
            delete(ChunkRow).where(ChunkRow.document_id.not_in(select(DocumentRow.id)))
        )


_ROOT_PATH = (DocumentRow.root, DocumentRow.path)


def _chunks(connection: Connection) -> Iterator[Any]:
    query = select(
        ChunkRow.id,
        ChunkRow.document_id,
        ChunkRow.chunk_id,
        ChunkRow.content_hash,
        ChunkRow.text,
        func.length(ChunkRow.vector).label("vector_bytes"),
    ).order_by(ChunkRow.document_id, ChunkRow.ordinal)
    return connection.execution_options(yield_per=PAGE).execute(query)


def _fulltext_source(connection: Connection) -> Iterator[Any]:
    query = (
        select(ChunkRow.id, ChunkRow.text, DocumentRow.path, ChunkRow.symbol, ChunkRow.heading)
        .join(DocumentRow)
        .order_by(ChunkRow.id)
    )
    return connection.execution_options(yield_per=PAGE).execute(query)


def _merge(
    left: Iterator[tuple[int, Any]], right: Iterator[tuple[int, Any]]
) -> Iterator[tuple[int, tuple[Any, Any]]]:
    """Pairs of values with equal keys from two iterators sorted by key."""
    a, b = next(left, None), next(right, None)
    while a is not None and b is not None:
        if a[0] == b[0]:
            yield a[0], (a[1], b[1])
            a, b = next(left, None), next(right, None)
        elif a[0] < b[0]:
            a = next(left, None)
        else:
            b = next(right, None)


def _pages(rows: Iterator[Any]) -> Iterator[list[Any]]:
    page: list[Any] = []
    for row in rows:
        page.append(row)
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def _examples(ids: list[Any]) -> str:
    shown = ", ".join(str(i) for i in ids[:EXAMPLES])
    return shown + (", ..." if len(ids) > EXAMPLES else "")
