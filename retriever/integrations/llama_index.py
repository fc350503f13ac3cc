"""A LlamaIndex retriever over a Retriever: ``LlamaIndexRetriever(r).retrieve(query)``.

Needs ``llama-index-core``: ``pip install 'retriever[llamaindex]'``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

try:
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.callbacks import CallbackManager
    from llama_index.core.schema import (
        NodeRelationship,
        NodeWithScore,
        QueryBundle,
        RelatedNodeInfo,
        TextNode,
    )
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "retriever.integrations.llama_index needs llama-index-core: "
        "pip install 'retriever[llamaindex]'"
    ) from error

from retriever.engine import Retriever
from retriever.search.context import citation
from retriever.types import Filters, Hit

#: Metadata an LLM or an embedding model is not shown: ids, ranks and exact positions.
HIDDEN_METADATA = ["chunk_id", "doc_id", "score", "start_line", "end_line", "kind"]


class LlamaIndexRetriever(BaseRetriever):
    """The ``k`` best passages for a query as scored text nodes: the node id is the chunk id,
    the source document is the hit's document, and ``metadata`` holds every other hit field plus
    ``citation`` (``path:start-end``). ``filters`` are those of :meth:`Retriever.search`."""

    def __init__(
        self,
        retriever: Retriever,
        k: int = 10,
        filters: Filters | Mapping[str, Any] | None = None,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        super().__init__(callback_manager=callback_manager)
        self.retriever = retriever
        self.k = k
        # Bad filters fail here, with the engine's message, not at the first query.
        self.filters = Filters.parse(filters) or None

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.retriever.search(query_bundle.query_str, self.k, self.filters)
        return [NodeWithScore(node=_node(hit), score=hit.score) for hit in hits]

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        # Encoding the query is CPU/GPU work: keep it off the event loop.
        return await asyncio.to_thread(self._retrieve, query_bundle)


def _node(hit: Hit) -> TextNode:
    metadata = {name: value for name, value in hit.to_dict().items() if name != "text"}
    metadata["citation"] = citation(
        hit.path, hit.start_line, hit.end_line, hit.unit, hit.start_unit, hit.end_unit
    )
    return TextNode(
        id_=hit.chunk_id,
        text=hit.text,
        metadata=metadata,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=hit.doc_id)},
        excluded_llm_metadata_keys=HIDDEN_METADATA,
        excluded_embed_metadata_keys=HIDDEN_METADATA,
    )
