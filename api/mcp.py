"""The MCP server: seven read-only tools over a Retriever, served over stdio or streamable HTTP.

``python -m api.mcp --index DIR`` (the CLI's ``retriever mcp``) serves stdio for desktop clients;
:func:`streamable_http_app` is the ASGI app that ``retriever serve`` mounts at ``/mcp``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field
from starlette.applications import Starlette

from retriever import MAX_HITS, Retriever, RetrieverError, SearchMode, citation

INSTRUCTIONS = (
    "Searches one local index of documents and source code. Start with `search` to find where "
    "something is (each hit cites `path:start-end` and carries a doc_id); use `get_context` for "
    "a ready-to-paste block of cited passages that answers a question within a token budget; "
    "use `get_document` with a doc_id from a hit to read the whole file. Cite passages by their "
    "`path:start-end`. Four more tools work on any text, with no index: `fill_mask` predicts "
    "the word behind a [MASK], `classify` picks the label word that fits each text, `cloze` "
    "answers a question with one-word candidates, and `similarity` compares texts."
)
RERANK = (
    "Re-order the best candidates with the server's cross-encoder (slower, usually more "
    "precise); an error says so when the server has no reranker."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


#: The search filters (the fields of :class:`retriever.Filters`), as tool parameters.
PathGlob = Annotated[
    str | None,
    Field(description="Only paths matching this glob (`*` spans `/`), e.g. `src/*.py`."),
]
Language = Annotated[
    str | list[str] | None,
    Field(description="Only these languages (one or a list), e.g. `python`, `markdown`."),
]
Kind = Annotated[
    str | list[str] | None,
    Field(description="Only these chunk kinds (one or a list), e.g. `function`, `section`."),
]
Symbol = Annotated[
    str | None,
    Field(description="Only code symbols matching this glob over qualified names, `Cart.*`."),
]
Label = Annotated[
    str | list[str] | None,
    Field(description="Only chunks given these labels at ingest (one or a list)."),
]
Mode = Annotated[
    SearchMode,
    Field(
        description="`hybrid` (dense and lexical fused), `dense` (embeddings) or `lexical` "
        "(BM25 over identifier-aware terms): `lexical` for exact names."
    ),
]


UNIT = "For a PDF, deck or notebook: `page`, `slide` or `cell`; null for other files."


class SearchHit(BaseModel):
    """One ranked passage."""

    citation: str = Field(
        description="Where the passage is: `path:start_line-end_line`, or for documents the "
        "page, slide or cell: `manual.pdf p.12–13`, `deck.pptx slide 4`, `nb.ipynb cell 7`."
    )
    path: str = Field(description="Path of the file, relative to the indexed root.")
    start_line: int = Field(description="First line of the passage (1-based).")
    end_line: int = Field(description="Last line of the passage (inclusive).")
    symbol: str | None = Field(description="Qualified name of the code definition, if code.")
    heading: str | None = Field(description="Heading breadcrumb of the section, if prose.")
    score: float = Field(description="Similarity to the query; higher is better.")
    doc_id: str = Field(description="The document's id, for `get_document`.")
    text: str = Field(description="The passage, exactly as in the file.")
    label: str | None = Field(None, description="The label given at ingest, if any.")
    unit: str | None = Field(None, description=UNIT)
    start_unit: int | None = Field(None, description="First page, slide or cell (1-based).")
    end_unit: int | None = Field(None, description="Last page, slide or cell (inclusive).")


class ContextResult(BaseModel):
    """Passages for a prompt."""

    context: str = Field(description="Numbered, cited passages, ready to paste into a prompt.")
    citations: list[str] = Field(description="The passages' `path:start-end`, in context order.")
    tokens: int = Field(description="Tokens the context takes.")


class DocumentChunk(BaseModel):
    """One chunk of a document, in file order."""

    start_line: int
    end_line: int
    kind: str
    symbol: str | None
    heading: str | None
    text: str
    unit: str | None = Field(None, description=UNIT)
    start_unit: int | None = None
    end_unit: int | None = None


class DocumentResult(BaseModel):
    """A whole indexed document, as its chunks."""

    doc_id: str
    path: str = Field(description="Path relative to the indexed root.")
    language: str
    chunks: list[DocumentChunk] = Field(description="The chunks in order; together, the file.")


class TokenPrediction(BaseModel):
    token: str = Field(description="The token as the model spells it; a leading space is kept.")
    probability: float


class MaskFill(BaseModel):
    """Predictions for the masks of a text."""

    filled: str = Field(description="The text with every mask replaced by its best token.")
    masks: list[list[TokenPrediction]] = Field(description="Per mask: candidates, best first.")


class LabelChoice(BaseModel):
    """The label that fits one text best, and every label's probability."""

    label: str
    scores: dict[str, float]


class Answer(BaseModel):
    answer: str
    probability: float


class Similarities(BaseModel):
    similarities: list[list[float]] = Field(
        description="Cosine similarity of text i and text j at [i][j]; 1.0 on the diagonal."
    )


def create_mcp_server(retriever: Retriever) -> MCPServer:
    """An MCP server whose tools (``search``, ``get_context``, ``get_document`` and the
    masked-LM and similarity tools) call ``retriever``; user errors come back as tool errors
    with their one-line message."""
    server: MCPServer = MCPServer(
        "retriever", instructions=INSTRUCTIONS, log_level="WARNING", version=_version()
    )

    def search(
        query: Annotated[str, Field(description="What to look for, in natural language or code.")],
        k: Annotated[int, Field(description=f"How many hits to return (1-{MAX_HITS}).")] = 10,
        path_glob: PathGlob = None,
        language: Language = None,
        kind: Kind = None,
        symbol: Symbol = None,
        label: Label = None,
        mode: Mode = "hybrid",
        rerank: Annotated[bool, Field(description=RERANK)] = False,
    ) -> list[SearchHit]:
        """Find the passages of the indexed documents and code most relevant to a query, best
        first. Use it to locate where something is defined, handled or explained; each hit
        gives `path:start-end` (and `path`, `start_line`, `end_line`), the symbol or heading, a
        score, the text and a doc_id."""
        filters = _filters(path_glob, language, kind, symbol, label)
        with _tool_errors():
            # An LLM acts on what it reads: never hand it a passage whose file has changed.
            hits = retriever.search(query, k, filters, mode=mode, verify=True, rerank=rerank)
        return [
            SearchHit(
                citation=citation(
                    hit.path, hit.start_line, hit.end_line, hit.unit, hit.start_unit, hit.end_unit
                ),
                path=hit.path,
                start_line=hit.start_line,
                end_line=hit.end_line,
                symbol=hit.symbol,
                heading=hit.heading,
                score=round(hit.score, 4),
                doc_id=hit.doc_id,
                text=hit.text,
                label=hit.label,
                unit=hit.unit,
                start_unit=hit.start_unit,
                end_unit=hit.end_unit,
            )
            for hit in hits
        ]

    def get_context(
        query: Annotated[str, Field(description="The question the context should answer.")],
        token_budget: Annotated[int, Field(description="Most tokens the context may take.")] = 2000,
        k: Annotated[int, Field(description=f"How many chunks to consider (1-{MAX_HITS}).")] = 20,
        rerank: Annotated[bool, Field(description=RERANK)] = False,
    ) -> ContextResult:
        """Build a prompt-ready context for a question: the most relevant passages, adjacent
        ones merged and duplicates dropped, each headed by its `path:start-end` citation, cut to
        a token budget. Use it when you need material to answer from rather than a hit list."""
        with _tool_errors():
            result = retriever.context(query, token_budget, k, verify=True, rerank=rerank)
        return ContextResult(
            context=result.context,
            citations=[passage.citation for passage in result.passages],
            tokens=result.tokens,
        )

    def get_document(
        doc_id: Annotated[str, Field(description="A doc_id from a `search` hit.")],
    ) -> DocumentResult:
        """Read a whole indexed document as its chunks in order (lines, symbol or heading,
        text). Use it after `search` when a hit's surroundings matter."""
        with _tool_errors():
            document = retriever.document(doc_id)
        if document is None:
            raise ToolError(f"no document with id {doc_id!r}: take doc_id from a search hit")
        return DocumentResult(
            doc_id=document["doc_id"],
            path=document["path"],
            language=document["language"],
            chunks=[DocumentChunk.model_validate(chunk) for chunk in document["chunks"]],
        )

    def fill_mask(
        text: Annotated[str, Field(description="Text with [MASK] where a word is missing.")],
        k: Annotated[int, Field(description="Candidates per mask (1-100).")] = 5,
    ) -> MaskFill:
        """Predict the word behind each [MASK] of a text with the masked language model
        (ModernBERT), with probabilities. Use it to complete or check a phrase."""
        with _tool_errors():
            result = retriever.fill_mask(text, k)
        return MaskFill(
            filled=result.filled,
            masks=[
                [TokenPrediction(token=p.token, probability=p.probability) for p in mask]
                for mask in result.masks
            ],
        )

    def classify(
        texts: Annotated[list[str], Field(description="The texts to classify.")],
        labels: Annotated[list[str], Field(description="2-50 label words, e.g. bad, good.")],
        template: Annotated[
            str | None,
            Field(description="Prompt with one {text} and one {mask}; a general one if unset."),
        ] = None,
    ) -> list[LabelChoice]:
        """Classify texts without training: for each text, the label word that best fills the
        {mask} of a prompt, e.g. 'Overall, it was a {mask} experience.' over bad, good,
        great. Use it to tag or route passages."""
        with _tool_errors():
            results = retriever.classify(texts, labels, template)
        return [LabelChoice(label=r.label, scores=r.scores) for r in results]

    def cloze(
        question: Annotated[
            str, Field(description="A sentence with one [MASK], or a plain question.")
        ],
        context: Annotated[str | None, Field(description="Text to answer from.")] = None,
        k: Annotated[int, Field(description="How many answers (1-100).")] = 5,
    ) -> list[Answer]:
        """Answer a question with the likeliest one-word answers, e.g. 'Where was Albert
        Einstein born? He was born in [MASK].' A context, when given, is read first."""
        with _tool_errors():
            result = retriever.cloze(question, context, k)
        return [Answer(answer=a.answer, probability=a.probability) for a in result.answers]

    def similarity(
        texts: Annotated[list[str], Field(description="Two or more texts to compare.")],
    ) -> Similarities:
        """Compare texts by meaning: the cosine similarity of every pair, with the index's
        encoder (1.0 means the same meaning). Use it to check that passages agree or to
        find near-duplicates."""
        with _tool_errors():
            matrix = retriever.similarity(texts)
        return Similarities(similarities=matrix.round(6).tolist())

    for tool in (search, get_context, get_document, fill_mask, classify, cloze, similarity):
        description = inspect.cleandoc(tool.__doc__ or "")
        server.add_tool(tool, description=description, annotations=READ_ONLY)
    return server


def _filters(
    path_glob: str | None,
    language: str | list[str] | None,
    kind: str | list[str] | None,
    symbol: str | None,
    label: str | list[str] | None,
) -> dict[str, str | list[str]]:
    given = {
        "path_glob": path_glob,
        "language": language,
        "kind": kind,
        "symbol": symbol,
        "label": label,
    }
    return {name: value for name, value in given.items() if value is not None}


def streamable_http_app(retriever: Retriever, *, host: str = "127.0.0.1") -> Starlette:
    """The MCP server as an ASGI app answering streamable HTTP at its root, to mount at
    ``/mcp``. Stateless (any replica can answer any request) with JSON responses.

    A mounted app's lifespan does not run by itself: the host app must enter
    ``app.router.lifespan_context(app)`` in its own lifespan, or requests fail. ``host`` is the
    address served on; on a loopback address the SDK rejects other Host headers (DNS rebinding
    protection)."""
    return create_mcp_server(retriever).streamable_http_app(
        streamable_http_path="/", stateless_http=True, json_response=True, host=host
    )


def run_stdio(retriever: Retriever) -> None:
    """Serve the MCP tools over stdin/stdout until the client disconnects."""
    create_mcp_server(retriever).run("stdio")


@contextmanager
def _tool_errors() -> Iterator[None]:
    """A user's mistake becomes a tool error with its one-line message, not a crash."""
    try:
        yield
    except RetrieverError as error:
        raise ToolError(str(error)) from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("retriever")
    except PackageNotFoundError:
        return "0"
