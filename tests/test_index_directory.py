"""What `--index` points at is checked before anything is written (issue 14, items 10 and 11):
a directory that holds something else, or a database that is not ours, is refused untouched; an
index its user cannot write is still searchable, lexically and densely; a new index under a
read-only parent and a damaged manifest are one line each."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retriever import Retriever
from retriever.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _one_line_error(result) -> str:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "uploads.py").write_text(
        "def retry_upload(path, attempts=3):\n    '''Retry a failed upload.'''\n    return path\n"
    )
    (root / "guide.md").write_text("# Guide\n\nInstall the package, then run it.\n")
    return root


# -- item 10: a directory or database that is not an index ------------------------------------
def test_a_non_empty_directory_without_an_index_is_refused_untouched(tmp_path: Path, corpus):
    target = tmp_path / "not-an-index"
    target.mkdir()
    (target / "vectors.000001.faiss").write_bytes(b"someone's data")
    (target / ".vectors.000002.faiss.tmp").write_bytes(b"more of it")
    (target / "notes.txt").write_text("keep me")
    before = _snapshot(target)
    result = runner.invoke(app, ["index", str(corpus), "--index", str(target), "--model", "minilm"])
    assert "not empty" in _one_line_error(result)
    assert _snapshot(target) == before


def test_a_database_that_is_not_ours_is_refused_untouched(tmp_path: Path, corpus):
    target = tmp_path / "app-data"
    target.mkdir()
    with sqlite3.connect(target / "index.sqlite3") as connection:
        connection.execute("CREATE TABLE users (name TEXT)")
        connection.execute("INSERT INTO users VALUES ('ada')")
    connection.close()
    before = _snapshot(target)
    for args in (
        ["index", str(corpus), "--index", str(target), "--model", "minilm"],
        ["search", "upload", "--index", str(target)],
        ["status", "--index", str(target)],
        ["doctor", "--index", str(target), "--repair"],
    ):
        result = runner.invoke(app, args)
        assert "not a retriever index" in _one_line_error(result), args
        assert _snapshot(target) == before, args  # no table added, no WAL file, no lock file


def test_an_empty_directory_becomes_an_index(tmp_path: Path, corpus, tiny_modernbert: Path):
    target = tmp_path / "empty"
    target.mkdir()
    with Retriever.open(target, model=str(tiny_modernbert)) as retriever:
        assert retriever.index([corpus]).files_indexed == 2


# -- item 11: read-only indexes, read-only parents, damaged manifests ------------------------
@pytest.fixture
def world_readable() -> Iterator[Path]:
    """A directory other users can read (pytest's own are private to root)."""
    directory = Path(tempfile.mkdtemp(prefix="retriever-ro-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


def _index_of(corpus: Path, directory: Path) -> Path:
    """An index of ``corpus`` (the bundled MiniLM) in ``directory``, read-only to others."""
    index = directory / "index"
    with Retriever.open(index, model="minilm") as retriever:
        retriever.index([corpus])
    for path in [index, *index.iterdir()]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return index


SEARCH_AS_ANOTHER_USER = """
import json, sys
from retriever import Retriever, RetrieverError
with Retriever.open(sys.argv[1], create=False) as retriever:
    found = {
        mode: [hit.path for hit in retriever.search("retry a failed upload", k=2, mode=mode)]
        for mode in ("lexical", "dense", "hybrid")
    }
    found["documents"] = retriever.status().documents
    try:
        retriever.index([sys.argv[2]])
    except RetrieverError as error:
        found["index"] = str(error)
print(json.dumps(found))
"""


def _as_nobody(*args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HOME": "/tmp", "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, *args],
        user=NOBODY,
        group=NOBODY,
        env=environment,
        cwd="/tmp",
        capture_output=True,
        text=True,
        timeout=300,
    )


needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="runs a search as another user"
)


@needs_root
def test_an_index_its_user_cannot_write_is_searchable(corpus, world_readable: Path):
    shutil.copytree(corpus, world_readable / "corpus")
    index = _index_of(world_readable / "corpus", world_readable)
    before = _snapshot(index)
    done = _as_nobody("-c", SEARCH_AS_ANOTHER_USER, str(index), str(world_readable / "corpus"))
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    for mode in ("lexical", "dense", "hybrid"):
        assert found[mode][0] == "uploads.py", found
    assert "read-only" in found["index"] and found["documents"] == 2
    assert _snapshot(index) == before


@needs_root
def test_a_new_index_under_a_read_only_parent_is_one_line(corpus, world_readable: Path):
    shutil.copytree(corpus, world_readable / "corpus")
    parent = world_readable / "parent"
    parent.mkdir(mode=0o555)
    new = str(parent / "index")
    args = ["index", str(world_readable / "corpus"), "--index", new, "--model", "minilm"]
    done = _as_nobody("-m", "retriever", *args)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    (line,) = done.stderr.strip().splitlines()
    assert "cannot create the index" in line and "Permission denied" in line
    assert not (parent / "index").exists()


def test_the_read_only_setting_searches_without_writing(corpus, tmp_path: Path):
    index = tmp_path / "index"
    with Retriever.open(index, model="minilm") as retriever:
        retriever.index([corpus])
    (index / "write.lock").unlink()
    before = _snapshot(index)
    with Retriever.open(index, create=False, read_only=True) as retriever:
        for mode in ("lexical", "dense", "hybrid"):
            assert retriever.search("retry a failed upload", k=1, mode=mode)[0].path == "uploads.py"
        with pytest.raises(Exception, match="read-only"):
            retriever.index([corpus])
    assert _snapshot(index) == before  # no lock file, no WAL, no shared memory file
    result = runner.invoke(
        app,
        ["search", "retry_upload", "--index", str(index), "--json"],
        env={"RETRIEVER_READ_ONLY": "1"},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hits"][0]["path"] == "uploads.py"
    assert _snapshot(index) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("model", "gte"), ("chunk_tokens", "512"), ("roots", {"a": 1}), ("schema_version", [1])],
)
def test_a_manifest_field_of_the_wrong_type_is_one_line(corpus, tmp_path: Path, field, value):
    index = tmp_path / "index"
    with Retriever.open(index, model="minilm") as retriever:
        retriever.index([corpus])
    with sqlite3.connect(index / "index.sqlite3") as connection:
        connection.execute(
            "UPDATE manifest SET value = ? WHERE key = ?", (json.dumps(value), field)
        )
    connection.close()
    for args in (["search", "upload", "--index", str(index)], ["status", "--index", str(index)]):
        line = _one_line_error(runner.invoke(app, args))
        assert "damaged manifest" in line and repr(field) in line
