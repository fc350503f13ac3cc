"""Commands over a whole index rather than its contents: migrate, eval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from retriever.cli import display
from retriever.cli.display import err, safe
from retriever.cli.options import (
    IndexOption,
    JsonOption,
    ModeOption,
    RerankModelOption,
    RerankOption,
    app,
)
from retriever.cli.support import _given, _progress, _user_errors
from retriever.errors import RetrieverError
from retriever.settings import Settings
from retriever.types import SEARCH_MODES


@app.command()
def migrate(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="postgresql:// URL of the database to copy into (it must hold no documents).",
        ),
    ],
    index_dir: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy the index (a directory) into PostgreSQL: documents, chunks with their vectors,
    skipped files, labels and manifest, all or nothing; the source is not changed."""
    from retriever.ops import migration

    with _user_errors(), _progress("copying chunks") as advance:
        source = Settings(**_given(index=index_dir)).index
        report = migration.migrate(
            source, to, progress=lambda done, total: advance(done, total, "")
        )
    if as_json:
        display.print_json(report.to_dict())
    else:
        err.print(
            f"migrated [bold]{report.documents}[/] documents, {report.chunks} chunks, "
            f"{report.labels} labels and {report.skipped_files} skipped files into "
            f"{safe(report.target)} in {report.seconds:.1f} s"
        )


@app.command(name="eval")
def evaluate(
    dataset: Annotated[Path, typer.Argument(help="A folder with corpus/ and queries.jsonl.")],
    index_dir: Annotated[
        Path | None,
        typer.Option(
            "--index",
            help="Index of the corpus \\[default: in the user cache, per dataset and model].",
        ),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Encoder for a new index.")] = None,
    mode: ModeOption = "hybrid",
    compare: Annotated[
        str | None,
        typer.Option(help="Several modes side by side, comma-separated: dense,lexical,hybrid."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Use only the first N queries.")] = None,
    rerank: RerankOption = False,
    rerank_model: RerankModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure ranking quality on DATASET: nDCG@10, Recall@1/5/10/100, MRR@10, latency."""
    from retriever.engine import Retriever
    from retriever.ops.evaluation import eval_index_location, load_queries, vector_recall_at_10
    from retriever.ops.evaluation import evaluate as run_eval

    modes = [m.strip() for m in compare.split(",")] if compare else [mode]
    with _user_errors():
        unknown = [m for m in modes if m not in SEARCH_MODES]
        if unknown:
            raise RetrieverError(f"unknown mode {unknown[0]!r}; modes: {', '.join(SEARCH_MODES)}")
        queries = load_queries(dataset)[:limit]
        location = index_dir or eval_index_location(dataset, Settings(**_given(model=model)).model)
        if index_dir is None:
            err.print(f"[dim]index of the corpus:[/] {safe(location)}")
        with Retriever.open(
            location, create=True, **_given(model=model, rerank_model=rerank_model)
        ) as retriever:
            with _progress() as advance:
                retriever.index([dataset / "corpus"], progress=advance)
            results = [run_eval(retriever, queries, m, rerank) for m in modes]
            if any(m != "lexical" for m in modes):
                results[0].vector_recall_at_10 = vector_recall_at_10(retriever, queries)
    if as_json:
        display.print_json({"dataset": str(dataset), "results": [r.to_dict() for r in results]})
    else:
        display.print_eval(results)
