"""The `retriever` typer application and the options its commands share."""

from __future__ import annotations

from typing import Annotated

import typer

from retriever.types import SearchMode

app = typer.Typer(
    name="retriever",
    help="Index documents and source code; search them with ModernBERT embeddings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

IndexOption = Annotated[
    str | None,
    typer.Option(
        "--index",
        help="Index directory, or a postgresql:// URL [env: RETRIEVER_INDEX; default: .retriever]",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
MlmOption = Annotated[
    str | None,
    typer.Option(
        "--mlm-model",
        help="Masked LM: a hub id or a local directory "
        "(env: RETRIEVER_MLM_MODEL; default: answerdotai/ModernBERT-base).",
    ),
]
TopKOption = Annotated[int, typer.Option("-k", "--top-k", help="How many predictions.")]
ModeOption = Annotated[
    SearchMode,
    typer.Option(help="hybrid (dense + lexical, fused), dense (embeddings) or lexical (BM25)."),
]
RerankModelOption = Annotated[
    str | None,
    typer.Option(
        "--rerank-model",
        help="The cross-encoder of --rerank: a hub id or a local directory (default: the "
        "rerank_model setting, RETRIEVER_RERANK_MODEL).",
    ),
]
RerankOption = Annotated[
    bool,
    typer.Option(
        "--rerank",
        help="Re-score the best candidates with the cross-encoder of the rerank_model setting.",
    ),
]
