"""Consistency checks and repairs of the rows of an index, for ``retriever doctor``.

Each check returns what it found wrong as short lines (empty: all well). Repairs only rebuild
what is derived from other rows (the lexical table from the chunks) or delete rows that
nothing refers to; the documents and chunks themselves are never rewritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, delete, select

from indexers.chunk import content_hash
from retriever.store.metadata import PAGE, SQLStore
from retriever.store.metadata import terms_source as _terms_source
from retriever.store.models import ChunkRow, DocumentRow
from retriever.store.records import make_chunk_ids, make_doc_id, terms_row

#: Example ids quoted in a finding at most.
EXAMPLES = 3


def orphans(store: SQLStore) -> list[str]:
    """Rows that point at nothing: chunks without a document, full-text rows without a chunk,
    chunks without a full-text row."""
    chunk_ids = select(ChunkRow.id)
    terms_ids = select(store.terms.c.rowid)
    queries = {
        "chunks without a document": select(ChunkRow.id).where(
            ChunkRow.document_id.not_in(select(DocumentRow.id))
        ),
        "full-text rows without a chunk": terms_ids.where(store.terms.c.rowid.not_in(chunk_ids)),
        "chunks without a full-text row": chunk_ids.where(ChunkRow.id.not_in(terms_ids)),
    }
    found = []
    with store.engine.connect() as connection:
        for what, query in queries.items():
            ids = list(connection.scalars(query))
            if ids:
                found.append(f"{len(ids)} {what} (ids {_examples(ids)})")
    return found


def identities(store: SQLStore, dimension: int, *, text_keys: bool = True) -> list[str]:
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
        for document_id, rows in groupby(
            _chunks(store, connection), key=lambda row: row.document_id
        ):
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


def fulltext_problems(store: SQLStore) -> list[str]:
    """The lexical table's own structure check, then every row against the one its chunk
    gives (rows missing on either side are the orphan check's business)."""
    with store.engine.connect() as connection:
        store.check_terms(connection)
        stored = connection.execute(
            select(store.terms).order_by(store.terms.c.rowid),
            execution_options={"yield_per": PAGE},
        )
        expected = (terms_row(*row) for row in _terms_source(connection))
        differ = [
            rowid
            for rowid, (row, wanted) in _merge(
                ((r.rowid, r._asdict()) for r in stored), ((e["rowid"], e) for e in expected)
            )
            if row != wanted
        ]
    return [f"{len(differ)} full-text rows differ from their chunk"] if differ else []


def rebuild_fulltext(store: SQLStore) -> None:
    """Empty the lexical table and fill it again from the chunks, in one transaction."""
    with store.engine.begin() as connection:
        store.clear_terms(connection)
        store.fill_terms(connection)


def delete_orphans(store: SQLStore) -> None:
    """Remove chunks whose document is gone (their full-text rows go with the rebuild)."""
    with store.engine.begin() as connection:
        connection.execute(
            delete(ChunkRow).where(ChunkRow.document_id.not_in(select(DocumentRow.id)))
        )


_ROOT_PATH = (DocumentRow.root, DocumentRow.path)


def _chunks(store: SQLStore, connection: Connection) -> Iterator[Any]:
    query = select(
        ChunkRow.id,
        ChunkRow.document_id,
        ChunkRow.chunk_id,
        ChunkRow.content_hash,
        ChunkRow.text,
        store.vector_size().label("vector_bytes"),
    ).order_by(ChunkRow.document_id, ChunkRow.ordinal)
    # Per statement: on the connection itself, the option would outlive this query.
    return connection.execute(query, execution_options={"yield_per": PAGE})


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


def _examples(ids: list[Any]) -> str:
    shown = ", ".join(str(i) for i in ids[:EXAMPLES])
    return shown + (", ..." if len(ids) > EXAMPLES else "")
