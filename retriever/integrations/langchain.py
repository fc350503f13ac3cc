"""A LangChain retriever over a Retriever: ``LangChainRetriever(retriever=r).invoke(query)``.

Needs ``langchain-core``: ``pip install 'retriever[langchain]'``.
"""

from __future__ import annotations

from typing import Any

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "retriever.integrations.langchain needs langchain-core: pip install 'retriever[langchain]'"
    ) from error
from pydantic import InstanceOf, field_validator

from retriever.engine import Retriever
from retriever.search.context import citation
from retriever.types import Filters, Hit


class LangChainRetriever(BaseRetriever):
    """The ``k`` best passages for a query as LangChain documents: ``page_content`` is the
    passage text; ``metadata`` holds every other hit field plus ``citation`` (``path:start-end``);
    ``id`` is the chunk id. ``filters`` are those of :meth:`Retriever.search`."""

    retriever: InstanceOf[Retriever]
    k: int = 10
    filters: InstanceOf[Filters] | None = None

    @field_validator("filters", mode="before")
    @classmethod
    def _parse_filters(cls, value: Any) -> Filters | None:
        # Bad filters fail here, with the engine's message, not at the first query.
        return Filters.parse(value) or None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [_document(hit) for hit in self.retriever.search(query, self.k, self.filters)]


def _document(hit: Hit) -> Document:
    metadata = {name: value for name, value in hit.to_dict().items() if name != "text"}
    metadata["citation"] = citation(
        hit.path, hit.start_line, hit.end_line, hit.unit, hit.start_unit, hit.end_unit
    )
    return Document(page_content=hit.text, metadata=metadata, id=hit.chunk_id)
