"""How the CLI shows results to a person (stdout) and progress or summaries (stderr)."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from retriever.types import Hit, IndexReport, Status

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_report(report: IndexReport) -> None:
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


def print_hit(rank: int, hit: Hit, full: bool) -> None:
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


def print_status(status: Status) -> None:
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
    table.add_row("embedding", _embedding(status.settings) if model else "-")
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


def print_eval(results: list) -> None:
    """One row per mode: the ranking metrics and latency."""
    table = Table(title=f"{results[0].queries} queries", title_justify="left")
    names = list(results[0].metrics)
    for column in ["mode", *names, "p50 ms", "p95 ms"]:
        table.add_column(column, justify="left" if column == "mode" else "right")
    for result in results:
        table.add_row(
            result.mode,
            *(f"{result.metrics[name]:.3f}" for name in names),
            f"{result.latency_ms['p50']:.0f}",
            f"{result.latency_ms['p95']:.0f}",
        )
    out.print(table)
    recall = results[0].vector_recall_at_10
    if recall is not None:
        out.print(f"vector index recall@10 against exact search: {recall:.3f}")


def _embedding(settings: dict) -> str:
    """What a chunk's vector is computed from (late chunking embeds no header)."""
    if settings.get("late_chunking"):
        return "late chunking: each chunk's tokens in its file's window"
    return "context header + chunk text" if settings.get("context_header") else "chunk text"
