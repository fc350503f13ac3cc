"""Context headers: embedded with each chunk, counted in its budget, recorded in the manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexers.chunk import TokenCounter
from indexers.chunking import chunk_text
from retriever import Retriever
from shop import CART, GUIDE
from vector_noise import same_vectors, tolerance


def test_headers_name_the_file_and_symbol_and_fit_the_budget(minilm_count: TokenCounter):
    chunks = chunk_text(CART, "shop/cart.py", "python", 40, minilm_count, context_header=True)
    assert "".join(chunk.text for chunk in chunks) == CART
    for chunk in chunks:
        assert chunk.header.startswith("shop/cart.py\n")
        assert chunk.token_count == minilm_count(chunk.header + chunk.text) <= 40
    assert any(chunk.header == "shop/cart.py\nCart.add_item\n" for chunk in chunks)
    assert all(chunk.header == "" for chunk in chunk_text(CART, "c.py", "python", 40, minilm_count))


def test_the_header_room_comes_out_of_the_text(minilm_count: TokenCounter) -> None:
    plain = chunk_text(CART, "shop/cart.py", "python", 512, minilm_count)
    budget = max(chunk.token_count for chunk in plain)  # the largest chunk just fits, alone
    assert len(chunk_text(CART, "shop/cart.py", "python", budget, minilm_count)) == len(plain)
    headed = chunk_text(CART, "shop/cart.py", "python", budget, minilm_count, context_header=True)
    assert len(headed) > len(plain) and all(chunk.token_count <= budget for chunk in headed)


def test_prose_headers_carry_the_heading_breadcrumb(minilm_count: TokenCounter) -> None:
    chunks = chunk_text(GUIDE, "guide.md", "markdown", 256, minilm_count, context_header=True)
    assert {chunk.header for chunk in chunks} >= {"guide.md\nGuide > Usage\n"}


def test_a_header_never_takes_over_half_the_room(word_count: TokenCounter) -> None:
    path = "/".join(["deeply", "nested"] * 20) + "/cart.py"
    chunks = chunk_text(CART, path, "python", 40, word_count, context_header=True)
    assert "".join(chunk.text for chunk in chunks) == CART
    assert all(chunk.header == "" for chunk in chunks)


def stored_vectors(retriever: Retriever) -> dict[str, tuple[dict, np.ndarray]]:
    """Chunk text -> (hit row, stored vector)."""
    ids, blobs = next(retriever.store.iter_vectors())
    rows = retriever.store.hits([int(i) for i in ids])
    return {
        rows[int(i)]["text"]: (rows[int(i)], np.frombuffer(blob, dtype=np.float32))
        for i, blob in zip(ids, blobs, strict=True)
    }


def test_re_embedding_waits_for_every_root(tmp_path: Path, tiny_modernbert: Path) -> None:
    roots = [tmp_path / "a", tmp_path / "b"]
    for root in roots:
        root.mkdir()
        (root / "notes.txt").write_text(f"Notes about {root.name}.\n")
    directory = tmp_path / "index"
    with Retriever.open(directory, model=str(tiny_modernbert), context_header=False) as r:
        r.index(roots)
    with Retriever.open(directory, context_header=True) as r:
        assert r.index(roots[:1]).chunks_encoded == 1
        assert r.store.manifest()["reembed"] == [str(roots[1])]  # b: text-only vectors still
    with Retriever.open(directory) as r:
        assert r.index(roots[1:]).chunks_encoded == 1
        assert r.store.manifest()["reembed"] == []
        assert r.index(roots).chunks_encoded == 0


def test_the_header_is_embedded_and_a_change_re_encodes(
    tmp_path: Path, shop_corpus: Path, tiny_modernbert: Path
) -> None:
    # fp32 whatever RETRIEVER_PRECISION says: on the tiny random model a header moves a vector
    # by ~5e-4, inside bf16's batch noise (0.02), so only fp32 tells "embedded" from noise.
    directory, fp32 = tmp_path / "index", {"precision": "fp32"}
    model = str(tiny_modernbert)
    with Retriever.open(directory, model=model, context_header=False, **fp32) as retriever:
        first = retriever.index([shop_corpus])
        plain = stored_vectors(retriever)
    with Retriever.open(directory, context_header=True, **fp32) as retriever:
        switched = retriever.index([shop_corpus])
        assert retriever.status().settings["context_header"] is True
        encoder = retriever.encoder
        text, (row, vector) = next(
            (text, item) for text, item in stored_vectors(retriever).items() if "add_item" in text
        )
        assert row["symbol"] == "Cart"
        embedded = "shop/cart.py\nCart\n" + text
        expected = encoder.encode_documents([embedded], [encoder.count_tokens(embedded)])[0]
        # Stored from a batch, `expected` alone: equal up to fp32's batch noise.
        assert same_vectors(vector[None], expected[None], "fp32")
        assert np.linalg.norm(plain[text][1] - expected) > tolerance("fp32")
    assert switched.chunks_encoded == first.chunks_encoded  # every chunk, again
    with Retriever.open(directory) as retriever:
        assert retriever.store.manifest()["reembed"] == []  # every root was re-embedded
    with Retriever.open(directory) as retriever:  # not given: the index keeps its setting
        assert retriever.index([shop_corpus]).chunks_encoded == 0
        assert retriever.status().settings["context_header"] is True
