"""The `retriever` command: each subcommand opens the index, calls the Retriever (or, for
doctor, migrate and eval, the operation in :mod:`retriever.ops`) and turns user errors into one
clear line."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from retriever.cli import display
from retriever.cli.display import err, safe
from retriever.cli.options import (
    IndexOption,
    JsonOption,
    MlmOption,
    ModeOption,
    RerankModelOption,
    RerankOption,
    TopKOption,
    app,
)
from retriever.cli.support import (
    ConsoleHandler,
    Lazy,
    _given,
    _masked_lm,
    _open_for_writing,
    _progress,
    _split,
    _user_errors,
)
from retriever.errors import RetrieverError
from retriever.settings import Settings

if TYPE_CHECKING:
    from retriever.engine import Retriever
    from retriever.ingest.watching import WatchUpdate
else:
    # The engine (SQLAlchemy, numpy) loads when a command runs, not for `retriever --help`.
    Retriever = Lazy("retriever.engine", "Retriever")


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
    since: Annotated[
        str | None,
        typer.Option(
            help="A git revision: look only at paths that differ from it (git diff, plus "
            "untracked files), not the whole tree.",
        ),
    ] = None,
    classify_labels: Annotated[
        str | None,
        typer.Option(
            help="Tag each chunk with the best of these comma-separated labels "
            "(filter: search --label)."
        ),
    ] = None,
    classify_template: Annotated[
        str | None, typer.Option(help="Prompt for --classify-labels, with {text} and {mask}.")
    ] = None,
    mlm_model: MlmOption = None,
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
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="Chunk and encode on a Ray cluster: 'auto' (run on a node of it) or 'local' "
            "(pip install 'retriever[ray]').",
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
        mlm_model=mlm_model,
        context_header=context_header,
        late_chunking=late_chunking,
    )
    with (
        _user_errors(),
        _open_for_writing(index_dir, paths, settings) as retriever,
        _progress() as advance,
    ):
        report = retriever.index(
            [str(p) for p in paths],
            progress=advance,
            since=since,
            classify_labels=_split(classify_labels),
            classify_template=classify_template,
            ray=ray,
        )
    if as_json:
        display.print_json(report.to_dict())
    else:
        display.print_report(report)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words or code.")],
    k: Annotated[int, typer.Option("-k", "--top-k", help="How many passages.")] = 10,
    path_glob: Annotated[
        str | None,
        typer.Option(
            "--path-glob", "--path", help="Only paths matching this glob, e.g. 'src/*.py'."
        ),
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
    label: Annotated[
        list[str] | None,
        typer.Option(help="Only chunks tagged with these labels at ingest (repeatable)."),
    ] = None,
    mode: ModeOption = "hybrid",
    rerank: RerankOption = False,
    rerank_model: RerankModelOption = None,
    index_dir: IndexOption = None,
    full: Annotated[bool, typer.Option(help="Print whole passages, not snippets.")] = False,
    verify: Annotated[
        bool,
        typer.Option(help="Re-hash the cited files; leave out hits whose file has changed."),
    ] = False,
    flag_stale: Annotated[
        bool, typer.Option(help="Re-hash the cited files; keep stale hits, marked stale.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Print the passages that best answer QUERY."""
    filters = {
        "path_glob": path_glob,
        "language": language or None,
        "kind": kind or None,
        "symbol": symbol,
        "label": label or None,
    }
    settings = _given(rerank_model=rerank_model)
    with _user_errors(), Retriever.open(index_dir, create=False, **settings) as retriever:
        checking = "flag" if flag_stale else verify
        hits = retriever.search(
            query, k=k, filters=filters, mode=mode, verify=checking, rerank=rerank
        )
    if as_json:
        display.print_json({"query": query, "hits": [hit.to_dict() for hit in hits]})
    elif not hits:
        err.print("no results")
    else:
        for rank, hit in enumerate(hits, start=1):
            display.print_hit(rank, hit, full)


@app.command(name="fill-mask")
def fill_mask(
    text: Annotated[str, typer.Argument(help="Text with [MASK] where words are missing.")],
    k: TopKOption = 5,
    mlm_model: MlmOption = None,
    as_json: JsonOption = False,
) -> None:
    """Predict the words behind each [MASK] of TEXT, with their probabilities."""
    with _user_errors():
        result = _masked_lm(mlm_model).fill_mask(text, k)
    if as_json:
        display.print_json(result.to_dict())
    else:
        display.print_fill_mask(result)


@app.command()
def classify(
    texts: Annotated[list[str], typer.Argument(help="The texts to classify.")],
    labels: Annotated[
        str, typer.Option(help="Comma-separated label words, e.g. 'bad,good,great'.")
    ],
    template: Annotated[
        str | None,
        typer.Option(
            help="Prompt with {text} and {mask} (default: the text, a line break, "
            "'In one word: {mask}.').",
        ),
    ] = None,
    mlm_model: MlmOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pick, for each text, the label word that best fills the template's {mask}."""
    with _user_errors():
        results = _masked_lm(mlm_model).classify(texts, _split(labels) or [], template)
    if as_json:
        display.print_json(
            [{"text": t, **r.to_dict()} for t, r in zip(texts, results, strict=True)]
        )
    else:
        display.print_classifications(texts, results)


@app.command()
def cloze(
    question: Annotated[
        str, typer.Argument(help="A sentence with one [MASK], or a plain question.")
    ],
    context: Annotated[str | None, typer.Option(help="Text to answer from.")] = None,
    k: TopKOption = 5,
    mlm_model: MlmOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer QUESTION with the likeliest words for its [MASK] (one word per answer)."""
    with _user_errors():
        result = _masked_lm(mlm_model).cloze(question, context, k)
    if as_json:
        display.print_json(result.to_dict())
    else:
        display.print_cloze(result)


@app.command()
def similarity(
    texts: Annotated[list[str], typer.Argument(help="Two or more texts to compare.")],
    index_dir: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cosine similarities of TEXTS with the index's encoder."""
    with _user_errors(), Retriever.open(index_dir, create=False) as retriever:
        matrix = retriever.similarity(texts)
    if as_json:
        display.print_json({"texts": texts, "similarities": matrix.round(6).tolist()})
    else:
        display.print_similarity(texts, matrix)


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
def doctor(
    index_dir: IndexOption = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair", help="Rebuild what is derived (vectors, full-text rows), drop orphans."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the index: database integrity, manifest, vector file, counts and orphans. Exits
    non-zero while a problem remains."""
    from retriever.ops.doctor import examine

    with _user_errors():
        diagnosis = examine(Settings(**_given(index=index_dir)).index, repair=repair)
    if as_json:
        display.print_json(diagnosis.to_dict())
    else:
        display.print_diagnosis(diagnosis)
    if not diagnosis.healthy:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; a non-loopback address needs API keys.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    index_dir: IndexOption = None,
    watch: Annotated[
        bool, typer.Option(help="Keep the index current: watch the roots and apply changes.")
    ] = False,
) -> None:
    """Serve the HTTP API (docs at /docs) and the search page over the index."""
    import uvicorn

    from api.app import create_app
    from api.security import is_loopback

    with _user_errors():
        settings = Settings(**_given(index=index_dir))
        if not is_loopback(host) and not (settings.api_read_keys or settings.api_admin_keys):
            err.print(
                f"[bold red]error:[/] refusing to serve on {safe(host)} without API keys: "
                "set RETRIEVER_API_READ_KEYS or RETRIEVER_API_ADMIN_KEYS, or bind 127.0.0.1"
            )
            raise typer.Exit(2)
        if watch:  # one line per update in the server log
            logging.getLogger("retriever.api").setLevel(logging.INFO)
        with Retriever.open(index_dir, create=False) as retriever:
            app = create_app(retriever, host=host, watch=watch)
            uvicorn.run(app, host=host, port=port, log_level="info")


@app.command()
def watch(
    paths: Annotated[list[Path], typer.Argument(help="Directories or files to keep indexed.")],
    index_dir: IndexOption = None,
    model: Annotated[
        str | None,
        typer.Option(help="'auto', 'minilm', a hub id or a local model directory."),
    ] = None,
    debounce_ms: Annotated[
        int | None,
        typer.Option(help="Apply changes once files have been quiet this long (default 200)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per update on stdout.")
    ] = False,
) -> None:
    """Index PATHS, then keep the index current as files change, until Ctrl-C."""
    from retriever.ingest.watching import Watcher, WatchStopped

    stop = threading.Event()

    def interrupt(_signal: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        err.print("stopping (Ctrl-C again to abort)")

    def report(update: WatchUpdate) -> None:
        if as_json:
            sys.stdout.write(json.dumps(update.to_dict()) + "\n")
            sys.stdout.flush()
        else:
            display.print_update(update)

    def warn(error: RetrieverError) -> None:
        err.print(f"[bold red]error:[/] {safe(error)}")

    settings = _given(model=model, watch_debounce_ms=debounce_ms)
    with (
        _user_errors(),
        _open_for_writing(index_dir, paths, settings) as retriever,
        _progress(idle="watching") as advance,
    ):
        watcher = Watcher(
            retriever,
            [str(p) for p in paths],
            on_update=report,
            on_error=warn,
            stop=stop,
            progress=advance,
        )
        previous = signal.signal(signal.SIGINT, interrupt)
        err.print(f"watching {safe(', '.join(watcher.paths))} (Ctrl-C to stop)")
        try:
            watcher.run()
        except WatchStopped as stopped:
            err.print(safe(stopped))
        finally:
            signal.signal(signal.SIGINT, previous)


@app.command()
def mcp(index_dir: IndexOption = None) -> None:
    """Serve the index to LLM clients over MCP on stdio (tools: search, get_context,
    get_document, fill_mask, classify, cloze, similarity)."""
    from api.mcp import run_stdio

    with _user_errors(), Retriever.open(index_dir, create=False) as retriever:
        run_stdio(retriever)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, handlers=[ConsoleHandler()])
    app()
