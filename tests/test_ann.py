"""The vector index type follows the index size; approximate search stays close to exact."""

from __future__ import annotations

import numpy as np
import pytest

from retriever import Retriever
from retriever.store import ann
from retriever.store.vectors import VectorIndex

DIMENSION = 32


def clustered(count: int, seed: int = 0, dimension: int = DIMENSION) -> np.ndarray:
    """Unit vectors around 50 centres: roughly how embeddings of a corpus are spread."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, dimension))
    vectors = centres[rng.integers(0, 50, count)] + 0.5 * rng.standard_normal((count, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def small_tiers(monkeypatch):
    """Tiers at toy sizes: exact below 200 vectors, compressed from 2,000."""
    monkeypatch.setattr(ann, "EXACT_BELOW", 200)
    monkeypatch.setattr(ann, "COMPRESS_FROM", 2000)


def built(vectors: np.ndarray) -> VectorIndex:
    ids = np.arange(len(vectors), dtype=np.int64) * 3 + 7  # ids are row ids, not positions

    def pages():
        for start in range(0, len(vectors), 500):
            yield ids[start : start + 500], vectors[start : start + 500]

    return VectorIndex(DIMENSION, ann.build(DIMENSION, pages))


@pytest.mark.parametrize(("count", "kind"), [(150, "flat"), (800, "ivf"), (3000, "ivf-sq8")])
def test_the_index_kind_follows_the_size_and_recall_stays_high(small_tiers, count, kind):
    vectors = clustered(count)
    index = built(vectors)
    assert ann.plan_of(index.index).kind == kind and len(index) == count
    queries = clustered(40, seed=1)
    found = 0
    for query in queries:
        truth = set((np.argsort(-(vectors @ query))[:10] * 3 + 7).tolist())
        found += len(truth & {i for i, _ in index.search(query, 10)})
    assert found / (10 * len(queries)) >= (1.0 if kind == "flat" else 0.9)


@pytest.mark.parametrize("count", [150, 800, 3000])
def test_every_index_kind_lists_its_ids_and_vectors_for_checks(small_tiers, count):
    """What the lexical side of a search and `doctor` ask of the served index, on each tier."""
    vectors = clustered(count)
    index = built(vectors)
    ids = np.arange(count) * 3 + 7
    assert index.ids().tolist() == ids.tolist()
    assert index.contains([7, 8, int(ids[-1]), int(ids[-1]) + 3]) == [True, False, True, False]
    held = index.vectors()
    assert sorted(held) == ids.tolist()
    tolerance = 0.02 if index.lossy else 0.0
    assert index.lossy == (ann.plan_of(index.index).kind == "ivf-sq8")
    assert all(
        np.abs(held[int(i)] - v).max() <= tolerance for i, v in zip(ids, vectors, strict=True)
    )


def test_a_selective_filter_still_gets_k_hits_from_an_inverted_file(small_tiers):
    vectors = clustered(3000)
    index = built(vectors)
    query = vectors[0]
    # Twelve vectors far from the query: outside every list a plain search would probe.
    far = np.argsort(vectors @ query)[:12] * 3 + 7
    hits = index.search(query, 10, allowed=far)
    assert len(hits) == 10 and {i for i, _ in hits} <= set(far.tolist())


def test_vectors_can_be_removed_from_an_inverted_file(small_tiers):
    vectors = clustered(800)
    index = built(vectors)
    index.remove(np.array([7, 10], dtype=np.int64))
    assert len(index) == 798
    assert 7 not in {i for i, _ in index.search(vectors[0], 10)}


def test_crossing_a_size_tier_needs_a_rebuild_but_hovering_near_it_does_not(small_tiers):
    flat = built(clustered(150)).index
    assert not ann.needs_rebuild(flat, 150)
    assert not ann.needs_rebuild(flat, 220)  # within the margin above the threshold
    assert ann.needs_rebuild(flat, 400)
    ivf = built(clustered(800)).index
    assert not ann.needs_rebuild(ivf, 180)
    assert ann.needs_rebuild(ivf, 100)


def test_an_index_that_grows_past_the_exact_tier_is_rebuilt_as_an_inverted_file(
    tmp_path, minilm_dir, monkeypatch
):
    monkeypatch.setattr(ann, "EXACT_BELOW", 20)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(40):
        text = f"# Note {n}\n\nUpload part {n} retries with backoff.\n"
        (corpus / f"note{n}.md").write_text(text)
    with Retriever.open(tmp_path / "index", model="minilm") as retriever:
        retriever.index([corpus])
        served = retriever.vectors.serving(retriever.encoder.fingerprint.dimension)
        assert ann.plan_of(served.index).kind == "ivf" and len(served) == 40
        hits = retriever.search("upload part 17 retries", k=3, mode="dense")
        assert hits and hits[0].path == "note17.md"
        # note3.md and note30-39.md: eleven matches, all found whichever lists they are in.
        filtered = retriever.search("retries", k=11, filters={"path_glob": "note3*"}, mode="dense")
        assert {h.path for h in filtered} == {"note3.md", *(f"note3{n}.md" for n in range(10))}
