"""The `retriever` command: one subcommand per Retriever method, errors as one clear line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from retriever.engine import Retriever
from retriever.errors import RetrieverError
from retriever.types import Hit, IndexReport, Status

app = typer.Typer(
    name="retriever",
    help="Index documents and source code; search them with ModernBERT embeddings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

IndexOption = Annotated[
    Path | None,
    typer.Option("--index", help="Index directory [env: RETRIEVER_INDEX; default: .retriever]"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


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
    as_json: JsonOption = False,
) -> None:
    """Index (or refresh) PATHS: new and changed files are added, removed files go."""
    settings = _given(
        model=model, chunk_tokens=chunk_tokens, max_file_bytes=max_file_bytes, device=device
    )
    with (
        _user_errors(),
        _open(index_dir, create=True, **settings) as retriever,
        _progress() as bar,
    ):
        task = bar.add_task("indexing", total=None)

        def advance(done: int, total: int, path: str) -> None:
            bar.update(task, completed=done, total=total, description=path or "indexing")

        report = retriever.index([str(p) for p in paths], progress=advance)
    if as_json:
        _print_json(report.to_dict())
    else:
        _print_report(report)


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
    index_dir: IndexOption = None,
    full: Annotated[bool, typer.Option(help="Print whole passages, not snippets.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Print the passages that best answer QUERY."""
    filters = {"path_glob": path, "language": language or None, "kind": kind or None}
    with _user_errors(), _open(index_dir, create=False) as retriever:
        hits = retriever.search(query, k=k, filters=filters)
    if as_json:
        _print_json({"query": query, "hits": [hit.to_dict() for hit in hits]})
    elif not hits:
        err.print("no results")
    else:
        for rank, hit in enumerate(hits, start=1):
            _print_hit(rank, hit, full)


@app.command()
def status(index_dir: IndexOption = None, as_json: JsonOption = False) -> None:
    """Show the index: model, counts, skipped files by reason, size."""
    with _user_errors(), _open(index_dir, create=False) as retriever:
        result = retriever.status()
    if as_json:
        _print_json(result.to_dict())
    else:
        _print_status(result)


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
def _open(index_dir: Path | None, *, create: bool, **settings: Any) -> Iterator[Retriever]:
    with Retriever.open(index_dir, create=create, **settings) as retriever:
        yield retriever


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


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _print_report(report: IndexReport) -> None:
    skipped = sum(report.files_skipped.values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(report.files_skipped.items()))
    err.print(
        f"[bold]{report.files_seen}[/] files: {report.files_indexed} indexed, "
        f"{report.files_unchanged} unchanged, {report.files_removed} removed, "
        f"{skipped} skipped{f' ({reasons})' if reasons else ''}"
    )
    err.print(
        f"chunks: {report.chunks_added} added, {report.chunks_removed} removed, "
        f"{report.chunks_encoded} encoded ({report.tokens_encoded} tokens) in {report.seconds:.1f}s"
    )


def _print_hit(rank: int, hit: Hit, full: bool) -> None:
    where = hit.symbol or hit.heading or hit.kind
    out.print(
        f"[bold]{rank}.[/] [cyan]{hit.path}:{hit.start_line}-{hit.end_line}[/]  "
        f"[magenta]{where}[/]  [dim]{hit.score:.3f}[/]"
    )
    lines = hit.text.strip("\n").splitlines()
    shown = lines if full else lines[:6]
    for line in shown:
        out.print(f"    {line}", markup=False)
    if len(shown) < len(lines):
        out.print(f"    [dim]… {len(lines) - len(shown)} more lines[/]")
    out.print()


def _print_status(status: Status) -> None:
    model = status.model
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("index", status.index_dir)
    table.add_row(
        "model",
        f"{model.get('model', '-')} ({model.get('dimension', '?')}-d, "
        f"{model.get('pooling', '?')} pooling, max {model.get('max_tokens', '?')} tokens)"
        if model
        else "- (nothing indexed yet)",
    )
    table.add_row("chunk tokens", str(status.settings.get("chunk_tokens") or "-"))
    table.add_row("roots", "\n".join(status.roots) or "-")
    table.add_row("documents", f"{status.documents:,}")
    table.add_row(
        "chunks",
        f"{status.chunks:,} ({status.vectors:,} vectors, generation {status.generation or '-'})",
    )
    table.add_row(
        "languages",
        ", ".join(f"{name} {n}" for name, n in sorted(status.languages.items())) or "-",
    )
    table.add_row(
        "skipped",
        ", ".join(f"{n} {reason}" for reason, n in sorted(status.skipped.items())) or "none",
    )
    table.add_row("size", f"{status.size_bytes / 1e6:.1f} MB")
    out.print(table)
    for item in status.skipped_files[:20]:
        out.print(f"  [dim]skipped[/] {item['path']}: {item['reason']} {item['detail']}".rstrip())
    if len(status.skipped_files) > 20:
        out.print(f"  [dim]… {len(status.skipped_files) - 20} more (see --json)[/]")
