"""`retriever doctor`: a healthy index passes; damage is reported on one screen or as JSON
with a non-zero exit; `--repair` rebuilds what is derived; a damaged database is reported,
never "repaired". The checks of the rows run on both backends; the vector files and SQLite's
own damage are the embedded backend's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from typer.testing import CliRunner

from kill_loop import write_corpus
from retriever import Retriever
from retriever.cli import app

CHECKS = ["database", "manifest", "identities", "orphans", "full-text", "vectors", "files"]
#: The lexical table of each backend (its ``rowid`` is the chunk's row id on both).
TERMS = {"sqlite": "chunks_fts", "postgresql": "chunk_terms"}


@pytest.fixture
def index_dir(tmp_path: Path, tiny_modernbert: Path) -> Path:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, "A", files=12)
    directory = tmp_path / "index"
    with Retriever.open(directory, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
    return directory


@pytest.fixture
def any_index(index_location: str, tmp_path: Path, tiny_modernbert: Path) -> str:
    """A small index on either backend."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, "A", files=6)
    with Retriever.open(index_location, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
    return index_location


def doctor(index_dir: Path | str, *options: str):
    return CliRunner().invoke(app, ["doctor", "--index", str(index_dir), *options])


def outcomes(index_dir: Path | str, *options: str) -> tuple[int, dict[str, str]]:
    result = doctor(index_dir, "--json", *options)
    report = json.loads(result.stdout)
    assert [check["name"] for check in report["checks"]] == CHECKS
    assert report["healthy"] == (result.exit_code == 0)
    return result.exit_code, {c["name"]: c["outcome"] for c in report["checks"]}


def execute(index_dir: Path, *statements: str) -> None:
    database = sqlite3.connect(index_dir / "index.sqlite3")
    database.execute("PRAGMA foreign_keys = OFF")
    for statement in statements:
        database.execute(statement)
    database.commit()
    database.close()


def execute_sql(location: str, statement: str) -> None:
    """Damage an index of either backend behind its back (foreign keys not enforced)."""
    if location.startswith("postgresql"):
        url = location.replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        url = f"sqlite:///{Path(location) / 'index.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(sql(statement))
    engine.dispose()


def test_a_healthy_index_passes(any_index: str) -> None:
    result = doctor(any_index)
    assert result.exit_code == 0, result.output
    assert "healthy" in result.stdout and all(name in result.stdout for name in CHECKS)
    assert outcomes(any_index) == (0, dict.fromkeys(CHECKS, "ok"))


def test_lexical_rows_out_of_step_are_found_and_rebuilt(any_index: str, index_location) -> None:
    backend = "postgresql" if any_index.startswith("postgresql") else "sqlite"
    table = TERMS[backend]
    execute_sql(any_index, f"DELETE FROM {table} WHERE rowid = (SELECT min(id) FROM chunks)")
    execute_sql(
        any_index,
        f"UPDATE {table} SET body = 'stale words' WHERE rowid = (SELECT max(id) FROM chunks)",
    )
    code, found = outcomes(any_index)
    assert code == 1 and found["orphans"] == "problem" and found["full-text"] == "problem"
    code, found = outcomes(any_index, "--repair")
    assert code == 0 and found["orphans"] == found["full-text"] == "repaired"
    assert outcomes(any_index) == (0, dict.fromkeys(CHECKS, "ok"))


@pytest.mark.parametrize("embedding", ["context_header", "late_chunking"])
def test_an_index_that_embeds_more_than_the_text_passes(
    tmp_path: Path, minilm_dir: Path, embedding: str
) -> None:
    """There the stored hash is the vector key (header or window included), not the text's."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, "A", files=4)
    directory = tmp_path / "index"
    with Retriever.open(directory, model=str(minilm_dir), **{embedding: True}) as retriever:
        retriever.index([corpus])
    assert outcomes(directory) == (0, dict.fromkeys(CHECKS, "ok"))


def test_derived_damage_is_found_then_repaired(index_dir: Path) -> None:
    execute(
        index_dir,
        "DELETE FROM chunks_fts WHERE rowid = (SELECT min(id) FROM chunks)",
        "UPDATE chunks SET document_id = 999999 WHERE id = (SELECT max(id) FROM chunks)",
    )
    (vector_file,) = index_dir.glob("vectors.*.faiss")
    vector_file.write_bytes(vector_file.read_bytes()[:-8])
    (index_dir / ".vectors.000007.faiss.tmp").write_bytes(b"left by a killed writer")

    code, found = outcomes(index_dir)
    assert code == 1
    assert found == {
        **dict.fromkeys(CHECKS, "ok"),
        "orphans": "problem",
        "vectors": "problem",
        "files": "warning",
    }
    assert "repair" in doctor(index_dir).stdout  # the screen says what to do

    code, found = outcomes(index_dir, "--repair")
    assert code == 0
    assert {name for name, outcome in found.items() if outcome == "repaired"} == {
        "orphans",
        "vectors",
        "files",
    }
    assert outcomes(index_dir) == (0, dict.fromkeys(CHECKS, "ok"))
    with Retriever.open(index_dir, create=False) as retriever:
        assert retriever.search("retry the upload", k=3)


def test_damaged_rows_are_reported_not_repaired(index_dir: Path) -> None:
    execute(index_dir, "UPDATE chunks SET text = text || 'tampered' WHERE id = 1")
    for options in ((), ("--repair",)):
        code, found = outcomes(index_dir, *options)
        assert code == 1 and found["identities"] == "problem"


def test_a_damaged_database_is_one_clear_report(index_dir: Path) -> None:
    database = index_dir / "index.sqlite3"
    database.write_bytes(database.read_bytes()[:4096])
    result = doctor(index_dir)
    assert result.exit_code == 1
    assert "problem" in result.stdout and "Traceback" not in result.output


def test_a_writer_at_work_is_no_problem(index_dir: Path) -> None:
    with Retriever.open(index_dir, create=False) as retriever, retriever.lock.hold():
        execute(index_dir, "UPDATE manifest SET value = value + 1 WHERE key = 'data_version'")
        code, found = outcomes(index_dir)
    assert code == 0 and found["vectors"] == "warning"
