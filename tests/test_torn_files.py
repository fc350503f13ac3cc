"""Torn and damaged files, N times (RETRIEVER_TORN_RUNS, default 50), in turn the vector file,
the manifest (the manifest and generations rows) and the database file, truncated or with one
bit flipped at a random place. Never a crash, never wrong results:

- a damaged vector file is rebuilt from SQLite, with the same results as before;
- a damaged manifest value gives the same results or one clear error;
- the database is the source of truth: damage to it gives the same results, or one clear
  error, or results that `doctor` flags as coming from a damaged index (a flipped bit inside
  a chunk's text is still readable SQLite; the content hashes tell it).
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from kill_loop import QUERIES, write_corpus
from retriever import Retriever, RetrieverError
from retriever.ops.doctor import examine

RUNS = int(os.environ.get("RETRIEVER_TORN_RUNS", "50"))
TARGETS = ("vectors", "manifest", "database")


def results(index_dir: Path) -> list[list[tuple[str, str]]] | RetrieverError:
    """(chunk id, text) of the top 10 per query and mode, or the clear error opening gave."""
    try:
        with Retriever.open(index_dir, create=False) as retriever:
            return [
                [(hit.chunk_id, hit.text) for hit in retriever.search(query, 10, mode=mode)]
                for query in QUERIES
                for mode in ("dense", "hybrid")
            ]
    except RetrieverError as error:
        return error


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, tiny_modernbert: Path) -> tuple[Path, list]:
    """An undamaged index, and its results."""
    corpus = tmp_path_factory.mktemp("torn-corpus")
    write_corpus(corpus, "A", files=40)
    index_dir = tmp_path_factory.mktemp("torn") / "index"
    with Retriever.open(index_dir, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
    expected = results(index_dir)
    assert not isinstance(expected, RetrieverError)
    return index_dir, expected


def tear_file(path: Path, chooser: random.Random, flip: bool) -> None:
    data = bytearray(path.read_bytes())
    offset = chooser.randrange(len(data))
    if flip:
        data[offset] ^= 1 << chooser.randrange(8)
    else:
        del data[offset:]
    path.write_bytes(bytes(data))


def tear_manifest(database: Path, chooser: random.Random, flip: bool) -> str:
    """Damage one value of the manifest or of the generation row; says which."""
    connection = sqlite3.connect(database)
    cells = [
        ("manifest", "value", "key", key)
        for (key,) in connection.execute("SELECT key FROM manifest")
    ]
    cells += [
        ("generations", column, "generation", number)
        for (number,) in connection.execute("SELECT generation FROM generations")
        for column in ("file", "checksum", "vector_count", "dimension", "data_version")
    ]
    table, column, key_column, key = chooser.choice(cells)
    (value,) = connection.execute(
        f"SELECT {column} FROM {table} WHERE {key_column} = ?", (key,)
    ).fetchone()
    if isinstance(value, int):
        damaged = value ^ (1 << chooser.randrange(16)) if flip else int(str(value)[:-1] or 0)
        placeholder = "?"
    else:
        data = bytearray(value.encode())
        offset = chooser.randrange(len(data))
        if flip:
            data[offset] ^= 1 << chooser.randrange(8)
        else:
            del data[offset:]
        damaged, placeholder = bytes(data), "CAST(? AS TEXT)"  # maybe not UTF-8 any more
    connection.execute(
        f"UPDATE {table} SET {column} = {placeholder} WHERE {key_column} = ?", (damaged, key)
    )
    connection.commit()
    connection.close()
    return f"{table}.{column}[{key}]"


@pytest.mark.parametrize("run", range(RUNS))
def test_torn_files_never_crash_or_give_wrong_results(
    run: int, pristine: tuple[Path, list], tmp_path: Path
) -> None:
    original, expected = pristine
    chooser = random.Random(run)
    target, flip = TARGETS[run % len(TARGETS)], chooser.random() < 0.5
    index_dir = tmp_path / "index"
    shutil.copytree(original, index_dir)
    database = index_dir / "index.sqlite3"
    if target == "vectors":
        (vector_file,) = index_dir.glob("vectors.*.faiss")
        tear_file(vector_file, chooser, flip)
    elif target == "manifest":
        tear_manifest(database, chooser, flip)
    else:
        tear_file(database, chooser, flip)

    found = results(index_dir)
    diagnosis = examine(index_dir)
    if target == "vectors":
        assert found == expected  # rebuilt from SQLite ...
        assert diagnosis.healthy  # ... and published by the reader
    elif isinstance(found, RetrieverError):
        assert "\n" not in str(found)
    elif target == "manifest":
        assert found == expected
    else:
        assert found == expected or not diagnosis.healthy
