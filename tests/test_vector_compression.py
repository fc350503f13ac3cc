"""Compressed vectors (8-bit codes, sign bits) searched, rescored from the stored floats, kept
through removals, filters, generations and `doctor`, and switched by the setting."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_ann import clustered as clustered_32d
from typer.testing import CliRunner

from retriever import Retriever
from retriever.cli import app
from retriever.store import ann
from retriever.store.vectors import VectorIndex

IDS_STEP, IDS_FROM = 3, 7  # ids are row ids, not positions
#: Sign bits need many dimensions to rank well: 256, not test_ann's 32.
DIMENSION = 256


def clustered(count: int, seed: int = 0) -> np.ndarray:
    return clustered_32d(count, seed, DIMENSION)


@pytest.fixture
def small_tiers(monkeypatch):
    """Tiers at toy sizes: compressed from 100 vectors, exact below 2,000."""
    monkeypatch.setattr(ann, "COMPRESS_MIN", 100)
    monkeypatch.setattr(ann, "EXACT_BELOW", 2000)


def built(vectors: np.ndarray, compression: ann.Compression) -> VectorIndex:
    ids = np.arange(len(vectors), dtype=np.int64) * IDS_STEP + IDS_FROM

    def pages():
        for start in range(0, len(vectors), 500):
            yield ids[start : start + 500], vectors[start : start + 500]

    return VectorIndex(DIMENSION, ann.build(DIMENSION, pages, compression))


def floats_of(vectors: np.ndarray):
    """The stored float vectors by id, as SQLite gives them."""

    def floats(ids):
        return {i: vectors[(i - IDS_FROM) // IDS_STEP].tobytes() for i in ids}

    return floats


def recall_at_10(index: VectorIndex, vectors: np.ndarray, floats=None) -> float:
    """Against exact search, for queries near indexed vectors (as a query is near its answers)."""
    rng = np.random.default_rng(1)
    queries = vectors[rng.integers(0, len(vectors), 40)] + 0.3 * rng.standard_normal(
        (40, DIMENSION)
    )
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    found = 0
    for query in queries:
        truth = set((np.argsort(-(vectors @ query))[:10] * IDS_STEP + IDS_FROM).tolist())
        found += len(truth & {i for i, _ in index.search(query, 10, floats=floats)})
    return found / (10 * len(queries))


@pytest.mark.parametrize(
    ("compression", "count", "kind"),
    [
        ("int8", 50, "flat"),  # too few vectors to train codes on
        ("int8", 800, "flat-sq8"),
        ("int8", 3000, "ivf-sq8"),
        ("binary", 50, "flat"),
        ("binary", 3000, "binary"),
        ("none", 3000, "ivf"),
    ],
)
def test_the_compression_decides_what_each_vector_is_stored_as(
    small_tiers, compression, count, kind
):
    index = built(clustered(count), compression)
    assert ann.plan_of(index.index).kind == kind and len(index) == count
    assert index.lossy == (kind in {"flat-sq8", "ivf-sq8", "binary"})


@pytest.mark.parametrize("compression", ["int8", "binary"])
def test_rescoring_from_the_floats_gives_exact_scores_and_high_recall(small_tiers, compression):
    vectors = clustered(1500)
    index = built(vectors, compression)
    floats = floats_of(vectors)
    rescored = index.search(vectors[0], 10, floats=floats)
    # Exact scores: each hit's score is its float vector's inner product with the query.
    for i, score in rescored:
        assert score == pytest.approx(float(vectors[(i - IDS_FROM) // IDS_STEP] @ vectors[0]))
    assert [score for _, score in rescored] == sorted((s for _, s in rescored), reverse=True)
    with_rescoring, without = recall_at_10(index, vectors, floats), recall_at_10(index, vectors)
    # Sign bits keep far less than 8-bit codes: rescoring is what makes them usable.
    if compression == "int8":
        assert with_rescoring >= 0.95 and with_rescoring >= without
    else:
        assert with_rescoring >= without + 0.2


def test_a_candidate_without_a_stored_vector_is_dropped(small_tiers):
    """A chunk deleted since the served generation has no float vector: not a hit."""
    vectors = clustered(800)
    index = built(vectors, "binary")
    floats = floats_of(vectors)
    best = index.search(vectors[0], 1, floats=floats)[0][0]
    hits = index.search(
        vectors[0], 10, floats=lambda ids: {i: v for i, v in floats(ids).items() if i != best}
    )
    assert len(hits) == 10 and best not in {i for i, _ in hits}


@pytest.mark.parametrize("compression", ["int8", "binary"])
def test_compressed_indexes_filter_remove_and_survive_a_save(small_tiers, tmp_path, compression):
    vectors = clustered(3000)
    index = built(vectors, compression)
    floats = floats_of(vectors)
    query = vectors[0]
    far = np.argsort(vectors @ query)[:12] * IDS_STEP + IDS_FROM
    hits = index.search(query, 10, allowed=far, floats=floats)
    assert len(hits) == 10 and {i for i, _ in hits} <= set(far.tolist())

    copy = index.copy()
    copy.remove(np.array([IDS_FROM], dtype=np.int64))
    assert len(copy) == 2999 and len(index) == 3000
    assert IDS_FROM not in {i for i, _ in copy.search(query, 10, floats=floats)}
    copy.add(np.array([1], dtype=np.int64), vectors[:1])
    assert copy.contains([1, IDS_FROM]) == [True, False]

    name, checksum = copy.save(tmp_path, 1)
    loaded = VectorIndex.load(tmp_path / name, checksum, DIMENSION, len(copy), 1)
    assert loaded is not None and ann.plan_of(loaded.index) == ann.plan_of(copy.index)
    assert loaded.search(query, 5, floats=floats) == copy.search(query, 5, floats=floats)


@pytest.mark.parametrize("compression", ["none", "int8", "binary"])
def test_what_an_index_holds_agrees_with_its_floats_and_only_with_them(small_tiers, compression):
    """What `doctor` compares: codes within a quantisation step, or sign bits."""
    vectors = clustered(800)
    index = built(vectors, compression)
    held = index.vectors()
    ids = np.arange(800) * IDS_STEP + IDS_FROM
    assert sorted(held) == ids.tolist()
    assert all(index.agrees(held[int(i)], v) for i, v in zip(ids, vectors, strict=True))
    assert not index.agrees(held[IDS_FROM], -vectors[0])


def test_needs_rebuild_when_another_compression_is_asked_for(small_tiers):
    index = built(clustered(800), "auto").index
    assert not ann.needs_rebuild(index, 800, "auto")
    assert not ann.needs_rebuild(index, 800, "none")
    assert ann.needs_rebuild(index, 800, "int8")
    assert ann.needs_rebuild(index, 800, "binary")
    assert not ann.needs_rebuild(built(clustered(800), "binary").index, 800, "binary")


def test_an_index_switches_compression_at_the_next_run_and_doctor_checks_it(
    tmp_path, minilm_dir, monkeypatch
):
    monkeypatch.setattr(ann, "COMPRESS_MIN", 20)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(40):
        (corpus / f"note{n}.md").write_text(
            f"# Note {n}\n\nUpload part {n} retries with backoff.\n"
        )
    directory = tmp_path / "index"

    def served_kind(retriever: Retriever) -> str:
        dimension = retriever.encoder.fingerprint.dimension
        return ann.plan_of(retriever.vectors.serving(dimension).index).kind

    with Retriever.open(directory, model="minilm", vector_compression="binary") as retriever:
        retriever.index([corpus])
        assert served_kind(retriever) == "binary"
        assert retriever.store.manifest()["vector_compression"] == "binary"
        hits = retriever.search("upload part 17 retries", k=3, mode="dense")
        assert hits and hits[0].path == "note17.md"
        filtered = retriever.search("retries", k=11, filters={"path_glob": "note3*"}, mode="dense")
        assert {h.path for h in filtered} == {"note3.md", *(f"note3{n}.md" for n in range(10))}
        (corpus / "note17.md").unlink()
        retriever.index([corpus])
        assert "note17.md" not in {h.path for h in retriever.search("upload part 17", k=5)}
    report = json.loads(
        CliRunner().invoke(app, ["doctor", "--index", str(directory), "--json"]).stdout
    )
    assert report["healthy"], report

    # Opened without the setting, the index keeps its compression; given, the next run applies it.
    with Retriever.open(directory, model="minilm") as retriever:
        retriever.index([corpus])
        assert served_kind(retriever) == "binary"
    with Retriever.open(directory, model="minilm", vector_compression="int8") as retriever:
        retriever.index([corpus])
        assert served_kind(retriever) == "flat-sq8"
        assert retriever.search("upload part 18 retries", k=1, mode="dense")[0].path == "note18.md"
    report = json.loads(
        CliRunner().invoke(app, ["doctor", "--index", str(directory), "--json"]).stdout
    )
    assert report["healthy"], report
