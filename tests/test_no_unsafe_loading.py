"""No unsafe loading: nothing on a load path unpickles, and an index directory seeded with
pickle payloads runs none of them, whatever command opens it."""

from __future__ import annotations

import ast
import json
import os
import pickle
import sqlite3
from pathlib import Path

import faiss
import pytest

from paths import REPO
from retriever import Retriever
from retriever.ops.doctor import examine
from retriever.store.vectors import file_checksum

PACKAGES = ("retriever", "indexers", "api")
#: Modules whose loading runs code from the data.
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve"}


def unsafe_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names]
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else names
            found += [m for m in modules if m.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value)
            keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
            call = f"{owner}.{node.func.attr}"
            if owner == "torch" and node.func.attr == "load":
                if keywords.get("weights_only") != "True":
                    found.append(f"{call} without weights_only=True")
            elif owner in {"np", "numpy"} and node.func.attr == "load":
                if keywords.get("allow_pickle") not in (None, "False"):
                    found.append(f"{call} with allow_pickle")
            elif owner == "faiss" and node.func.attr in {
                "read_index",
                "read_index_binary",
                "deserialize_index",
                "deserialize_index_binary",
            }:
                found.append(call)  # allowed only in retriever/store/vectors.py, checksum first
        if isinstance(node, ast.keyword) and node.arg == "trust_remote_code":
            found.append("trust_remote_code")
    return found


def test_no_load_path_unpickles() -> None:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            calls = unsafe_calls(ast.parse(path.read_text(), str(path)))
            if calls:
                found[str(path.relative_to(REPO))] = calls
    # FAISS reads only a file whose BLAKE2b checksum SQLite recorded when it was written.
    assert found == {
        "retriever/store/vectors.py": ["faiss.deserialize_index", "faiss.deserialize_index_binary"]
    }


class Payload:
    """Unpickling this creates ``marker``: proof that something unpickled it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


@pytest.fixture
def seeded(tmp_path: Path, tiny_modernbert: Path) -> tuple[Path, Path, Path]:
    """An index whose directory is full of pickles: (corpus, index dir, marker)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Notes\n\nRetry the upload.\n")
    index_dir = tmp_path / "index"
    with Retriever.open(index_dir, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Payload(marker))
    (current,) = index_dir.glob("vectors.*.faiss")
    for name in (current.name, "vectors.000009.faiss", "index.pkl", "vectors.pickle", "x.npy"):
        (index_dir / name).write_bytes(payload)
    # Even with SQLite rewritten to vouch for the payload, FAISS parses it and finds no index.
    database = sqlite3.connect(index_dir / "index.sqlite3")
    database.execute("UPDATE generations SET checksum = ?", (file_checksum(payload),))
    database.execute(
        "UPDATE manifest SET value = ? WHERE key = 'created_at'", (json.dumps(payload.hex()),)
    )
    database.commit()
    database.close()
    return corpus, index_dir, marker


def test_a_directory_seeded_with_pickles_runs_nothing(seeded) -> None:
    corpus, index_dir, marker = seeded
    with Retriever.open(index_dir, create=False) as retriever:
        assert retriever.search("retry the upload", k=1)
        retriever.status()
        retriever.index([corpus])
    examine(index_dir)
    examine(index_dir, repair=True)
    assert not marker.exists()


def test_faiss_never_reads_a_file_that_fails_its_checksum(seeded, monkeypatch) -> None:
    _, index_dir, _ = seeded
    database = sqlite3.connect(index_dir / "index.sqlite3")
    database.execute("UPDATE generations SET checksum = 'something else'")
    database.commit()
    database.close()
    read: list[object] = []
    real = faiss.deserialize_index
    monkeypatch.setattr(faiss, "deserialize_index", lambda data: read.append(data) or real(data))
    with Retriever.open(index_dir, create=False) as retriever:
        assert retriever.search("retry the upload", k=1)
    assert read == []
