"""LangChain and LlamaIndex retrievers over a Retriever, used through each framework's own API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from retriever import InvalidQueryError, Retriever

HIT_FIELDS = {
    "path",
    "start_line",
    "end_line",
    "score",
    "language",
    "kind",
    "symbol",
    "heading",
    "chunk_id",
    "doc_id",
    "file_hash",
    "stale",
    "citation",
    "label",
    "unit",
    "start_unit",
    "end_unit",
}
UPLOADER = "client/python/parcel_client/uploader.py"
QUERY = "where do we retry failed uploads?"


@pytest.fixture(scope="module")
def tiny(shop_index: Path) -> Iterator[Retriever]:
    with Retriever.open(shop_index, create=False) as retriever:
        yield retriever


@pytest.fixture(scope="module")
def sample(sample_index: Path) -> Iterator[Retriever]:
    with Retriever.open(sample_index, create=False) as retriever:
        yield retriever


def check_cited(shop_corpus: Path, text: str, metadata: dict) -> None:
    """The metadata point at the exact lines the text came from."""
    assert set(metadata) == HIT_FIELDS
    start, end = metadata["start_line"], metadata["end_line"]
    assert metadata["citation"] == f"{metadata['path']}:{start}-{end}"
    lines = (shop_corpus / metadata["path"]).read_text().splitlines(keepends=True)
    assert "".join(lines[start - 1 : end]).startswith(text.rstrip("\n"))


# -- LangChain ------------------------------------------------------------------------------
def test_langchain_documents_carry_hit_metadata(tiny: Retriever, shop_corpus: Path) -> None:
    pytest.importorskip("langchain_core")
    from retriever.integrations.langchain import LangChainRetriever

    documents = LangChainRetriever(retriever=tiny, k=3).invoke("cart total")

    assert 1 <= len(documents) <= 3
    scores = [document.metadata["score"] for document in documents]
    assert scores == sorted(scores, reverse=True)
    for document in documents:
        check_cited(shop_corpus, document.page_content, document.metadata)
        assert document.id == document.metadata["chunk_id"]


def test_langchain_filters_and_async(tiny: Retriever) -> None:
    pytest.importorskip("langchain_core")
    from retriever.integrations.langchain import LangChainRetriever

    prose = LangChainRetriever(retriever=tiny, filters={"path_glob": "*.md"})
    documents = asyncio.run(prose.ainvoke("install"))

    assert documents and {d.metadata["path"] for d in documents} == {"guide.md"}
    assert any(d.metadata["heading"] for d in documents)
    with pytest.raises(InvalidQueryError, match="unknown filter 'colour'"):
        LangChainRetriever(retriever=tiny, filters={"colour": "red"})
    with pytest.raises(InvalidQueryError, match="the query is empty"):
        prose.invoke(" ")


def test_langchain_finds_the_uploader_retry(sample: Retriever) -> None:
    pytest.importorskip("langchain_core")
    from retriever.integrations.langchain import LangChainRetriever

    documents = LangChainRetriever(retriever=sample, k=3).invoke(QUERY)

    assert UPLOADER in [document.metadata["path"] for document in documents]


# -- LlamaIndex -----------------------------------------------------------------------------
def test_llama_index_nodes_carry_hit_metadata(tiny: Retriever, shop_corpus: Path) -> None:
    pytest.importorskip("llama_index.core")
    from retriever.integrations.llama_index import LlamaIndexRetriever

    nodes = LlamaIndexRetriever(tiny, k=3).retrieve("cart total")

    assert 1 <= len(nodes) <= 3
    assert [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
    for scored in nodes:
        node = scored.node
        check_cited(shop_corpus, node.get_content(), node.metadata)
        assert node.node_id == node.metadata["chunk_id"]
        assert node.ref_doc_id == node.metadata["doc_id"]
        assert scored.score == node.metadata["score"]
        # What an LLM is shown: the citation and the text, not ids or scores.
        shown = node.get_content(metadata_mode="llm")
        assert node.metadata["citation"] in shown and node.metadata["chunk_id"] not in shown


def test_llama_index_filters_and_async(tiny: Retriever) -> None:
    pytest.importorskip("llama_index.core")
    from retriever.integrations.llama_index import LlamaIndexRetriever

    python = LlamaIndexRetriever(tiny, filters={"language": "python"})
    nodes = asyncio.run(python.aretrieve("install"))

    assert nodes and {n.node.metadata["path"] for n in nodes} == {"shop/cart.py"}
    assert any(n.node.metadata["symbol"] for n in nodes)
    with pytest.raises(InvalidQueryError, match="unknown filter 'colour'"):
        LlamaIndexRetriever(tiny, filters={"colour": "red"})
    with pytest.raises(InvalidQueryError, match="k must be between"):
        LlamaIndexRetriever(tiny, k=0).retrieve("cart")


def test_llama_index_finds_the_uploader_retry(sample: Retriever) -> None:
    pytest.importorskip("llama_index.core")
    from retriever.integrations.llama_index import LlamaIndexRetriever

    nodes = LlamaIndexRetriever(sample, k=3).retrieve(QUERY)

    assert UPLOADER in [scored.node.metadata["path"] for scored in nodes]
