"""The `retriever` command: one subcommand per Retriever method, errors as one clear line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from retriever import display
from retriever.engine import SEARCH_MODES, Retriever, SearchMode
from retriever.errors import RetrieverError
from retriever.settings import Settings

app = typer.Typer(
    name="retriever",
    help="Index documents and source code; search them with ModernBERT embeddings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = display.err

IndexOption = Annotated[
    Path | None,
    typer.Option("--index", help="Index directory [env: RETRIEVER_INDEX; default: .retriever]"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
ModeOption = Annotated[
    SearchMode,
    typer.Option(help="hybrid (dense + lexical, fused), dense (embeddings) or lexical (BM25)."),
]
RerankOption = Annotated[
    bool,
    typer.Option(
        "--rerank",
        help="Re-score the best candidates with the cross-encoder of the rerank_model setting.",
    ),
]


@app.command()
def index(
    paths: Annotated[list[Path], typer.Argument(help="Directories or files to index.")],
    index_dir: IndexOption = None,
    model: Annotated[
        str | None,
        typer.Option(help="'auto', 'minilm', a hub id or a local model directory."),
    ] = None,
    chunk_tokens: Annotated[
        int | None, typer.Option(help="Token budget per chunk (default 512).")
    ] = None,
    max_file_bytes: Annotated[
        int | None, typer.Option(help="Skip files larger than this (default 1 MiB).")
    ] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda or mps.")] = None,
    context_header: Annotated[
        bool | None,
        typer.Option(
            "--context-header/--no-context-header",
            help="Embed each chunk with its path and symbol or heading (re-encodes on change).",
        ),
    ] = None,
    late_chunking: Annotated[
        bool | None,
        typer.Option(
            "--late-chunking/--no-late-chunking",
            help="Pool chunk vectors from whole-file windows (re-encodes on change).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Index (or refresh) PATHS: new and changed files are added, removed files go."""
    settings = _given(
        model=model,
        chunk_tokens=chunk_tokens,
        max_file_bytes=max_file_bytes,
        device=device,
        context_header=context_header,
        late_chunking=late_chunking,
    )
    with (
        _user_errors(),
        Retriever.open(index_dir, create=True, **settings) as retriever,
        _progress() as bar,
    ):
        task = bar.add_task("indexing", total=None)

        def advance(done: int, total: int, path: str) -> None:
            bar.update(task, completed=done, total=total, description=path or "indexing")

        report = retriever.index([str(p) for p in paths], progress=advance)
    if as_json:
        display.print_json(report.to_dict())
    else:
        display.print_report(report)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words or code.")],
    k: Annotated[int, typer.Option("-k", "--top-k", help="How many passages.")] = 10,
    path: Annotated[
        str | None, typer.Option("--path", help="Only paths matching this glob, e.g. 'src/*.py'.")
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option(help="Only these languages (repeatable).")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="Only these chunk kinds: function, section, ...")
    ] = None,
    symbol: Annotated[
        str | None, typer.Option(help="Only symbols matching this glob, e.g. 'Uploader.*'.")
    ] = None,
    mode: ModeOption = "hybrid",
    rerank: RerankOption = False,
    index_dir: IndexOption = None,
    full: Annotated[bool, typer.Option(help="Print whole passages, not snippets.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Print the passages that best answer QUERY."""
    filters = {
        "path_glob": path,
        "language": language or None,
        "kind": kind or None,
        "symbol": symbol,
    }
    with _user_errors(), Retriever.open(index_dir, create=False) as retriever:
        hits = retriever.search(query, k=k, filters=filters, mode=mode, rerank=rerank)
    if as_json:
        display.print_json({"query": query, "hits": [hit.to_dict() for hit in hits]})
    elif not hits:
        err.print("no results")
    else:
        for rank, hit in enumerate(hits, start=1):
            display.print_hit(rank, hit, full)


@app.command()
def status(index_dir: IndexOption = None, as_json: JsonOption = False) -> None:
    """Show the index: model, counts, skipped files by reason, size."""
    with _user_errors(), Retriever.open(index_dir, create=False) as retriever:
        result = retriever.status()
    if as_json:
        display.print_json(result.to_dict())
    else:
        display.print_status(result)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; a non-loopback address needs API keys.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    index_dir: IndexOption = None,
) -> None:
    """Serve the HTTP API (docs at /docs) and the search page over the index."""
    import uvicorn

    from api.app import create_app
    from api.security import is_loopback

    with _user_errors():
        settings = Settings(**_given(index=index_dir))
        if not is_loopback(host) and not (settings.api_read_keys or settings.api_admin_keys):
            err.print(
                f"[bold red]error:[/] refusing to serve on {escape(host)} without API keys: "
                "set RETRIEVER_API_READ_KEYS or RETRIEVER_API_ADMIN_KEYS, or bind 127.0.0.1"
            )
            raise typer.Exit(2)
        with Retriever.open(index_dir, create=False) as retriever:
            uvicorn.run(create_app(retriever, host=host), host=host, port=port, log_level="info")


@app.command()
def mcp(index_dir: IndexOption = None) -> None:
    """Serve the index to LLM clients over MCP on stdio (tools: search, get_context,
    get_document)."""
    from api.mcp import run_stdio

    with _user_errors(), Retriever.open(index_dir, create=False) as retriever:
        run_stdio(retriever)


@app.command(name="eval")
def evaluate(
    dataset: Annotated[Path, typer.Argument(help="A folder with corpus/ and queries.jsonl.")],
    index_dir: Annotated[
        Path | None,
        typer.Option("--index", help="Index of the corpus [default: DATASET/.retriever]."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Encoder for a new index.")] = None,
    mode: ModeOption = "hybrid",
    compare: Annotated[
        str | None,
        typer.Option(help="Several modes side by side, comma-separated: dense,lexical,hybrid."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Use only the first N queries.")] = None,
    rerank: RerankOption = False,
    as_json: JsonOption = False,
) -> None:
    """Measure ranking quality on DATASET: nDCG@10, Recall@1/5/10/100, MRR@10, latency."""
    from retriever.evaluation import evaluate as run_eval
    from retriever.evaluation import load_queries, vector_recall_at_10

    modes = [m.strip() for m in compare.split(",")] if compare else [mode]
    with _user_errors():
        unknown = [m for m in modes if m not in SEARCH_MODES]
        if unknown:
            raise RetrieverError(f"unknown mode {unknown[0]!r}; modes: {', '.join(SEARCH_MODES)}")
        queries = load_queries(dataset)[:limit]
        location = index_dir or dataset / ".retriever"
        with Retriever.open(location, create=True, **_given(model=model)) as retriever:
            with _progress() as bar:
                task = bar.add_task("indexing", total=None)
                retriever.index(
                    [dataset / "corpus"],
                    progress=lambda done, total, path: bar.update(
                        task, completed=done, total=total, description=path or "indexing"
                    ),
                )
            results = [run_eval(retriever, queries, m, rerank) for m in modes]
            if any(m != "lexical" for m in modes):
                results[0].vector_recall_at_10 = vector_recall_at_10(retriever, queries)
    if as_json:
        display.print_json({"dataset": str(dataset), "results": [r.to_dict() for r in results]})
    else:
        display.print_eval(results)


class _ConsoleHandler(logging.Handler):
    """Warnings as one line each on stderr, e.g. the offline model fallback."""

    def emit(self, record: logging.LogRecord) -> None:
        colour = "red" if record.levelno >= logging.ERROR else "yellow"
        err.print(f"[{colour}]{record.levelname.lower()}:[/] {escape(record.getMessage())}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, handlers=[_ConsoleHandler()])
    app()


# -- helpers ----------------------------------------------------------------------------------
def _given(**options: Any) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None}


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except RetrieverError as error:
        err.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(1) from None
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        err.print(f"[bold red]error:[/] invalid setting {field}: {problem['msg']}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted: what was committed stays in the index")
        raise typer.Exit(130) from None


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}", table_column=None),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
