"""How the CLI shows results to a person (stdout) and progress or summaries (stderr)."""

from __future__ import annotations

import json
import re
import sys
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from indexers.skip_rules import CONTENT_REASONS
from retriever.masked_lm.tasks import Classification, ClozeResult, FillMaskResult
from retriever.search.context import citation
from retriever.types import Hit, IndexReport, Status

if TYPE_CHECKING:
    from retriever.ingest.watching import WatchUpdate
    from retriever.ops.doctor import Diagnosis

out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

#: What a terminal acts on rather than shows: C0 controls but tab (line breaks included, so a
#: name cannot start a line of its own), DEL, C1 controls (CSI and OSC among them), and the
#: Unicode line separators and bidirectional overrides that reorder what is shown.
_CONTROL = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r"}


def printable(value: object) -> str:
    """``value`` as text a terminal shows as it is: each control character written as an
    escape (a newline as ``\\n``, ESC as ``\\x1b``). Everything the CLI prints that comes from
    files, the index or the user goes through here (JSON output is escaped by JSON)."""
    return _CONTROL.sub(_escaped, str(value))


def safe(value: object) -> str:
    """``value`` made printable and with rich markup escaped: for interpolation into markup."""
    return escape(printable(value))


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_report(report: IndexReport) -> None:
    skipped = sum(report.files_skipped.values())
    reasons = ", ".join(f"{n} {safe(reason)}" for reason, n in sorted(report.files_skipped.items()))
    err.print(
        f"[bold]{report.files_seen}[/] files: {report.files_indexed} indexed, "
        f"{report.files_unchanged} unchanged, {report.files_removed} removed, "
        f"{skipped} skipped{f' ({reasons})' if reasons else ''}"
    )
    err.print(
        f"chunks: {report.chunks_added} added, {report.chunks_removed} removed, "
        f"{report.chunks_encoded} encoded ({report.tokens_encoded} tokens)"
        f"{f', {report.chunks_labelled} labelled' if report.chunks_labelled else ''}"
        f" in {report.seconds:.1f}s"
    )
    named = report.skipped_for_content
    if named:
        shown = ", ".join(f"{safe(s['path'])} ({s['reason']})" for s in named[:5])
        more = sum(n for r, n in report.files_skipped.items() if r in CONTENT_REASONS) - 5
        err.print(
            f"[yellow]not indexed for their content:[/] {shown}"
            f"{f' and {more} more' if more > 0 else ''} (`retriever status` lists them all)"
        )


def print_update(update: WatchUpdate) -> None:
    """One line per watch update, on stderr."""
    report = update.report
    what = "indexed" if update.changed is None else f"{update.changed} changed paths"
    when = time.strftime("%H:%M:%S", time.localtime(update.finished_at))
    err.print(
        f"[dim]{when}[/] {what}: {report.files_indexed} files updated, "
        f"{report.files_removed} removed, {report.files_unchanged} unchanged; "
        f"{report.chunks_encoded} chunks encoded in {report.seconds:.2f}s"
    )


def print_hit(rank: int, hit: Hit, full: bool) -> None:
    where = safe(hit.symbol or hit.heading or hit.kind)
    label = f"  [green]{safe(hit.label)}[/]" if hit.label else ""
    stale = "  [bold red]stale: the file changed since it was indexed[/]" if hit.stale else ""
    place = citation(hit.path, hit.start_line, hit.end_line, hit.unit, hit.start_unit, hit.end_unit)
    out.print(
        f"[bold]{rank}.[/] [cyan]{safe(place)}[/]  "
        f"[magenta]{where}[/]{label}  [dim]{hit.score:.3f}[/]{stale}"
    )
    lines = hit.text.strip("\n").splitlines()
    shown = lines if full else lines[:6]
    for line in shown:
        out.print(f"    {printable(line)}", markup=False)
    if len(shown) < len(lines):
        out.print(f"    [dim]… {len(lines) - len(shown)} more lines[/]")
    out.print()


def print_status(status: Status) -> None:
    model = status.model
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("index", safe(status.index_dir))
    table.add_row(
        "model",
        f"{safe(model.get('model', '-'))} ({model.get('dimension', '?')}-d, "
        f"{model.get('pooling', '?')} pooling, max {model.get('max_tokens', '?')} tokens)"
        if model
        else "- (nothing indexed yet)",
    )
    table.add_row("chunk tokens", str(status.settings.get("chunk_tokens") or "-"))
    table.add_row("embedding", _embedding(status.settings) if model else "-")
    table.add_row("roots", "\n".join(safe(root) for root in status.roots) or "-")
    table.add_row("documents", f"{status.documents:,}")
    table.add_row(
        "chunks",
        f"{status.chunks:,} ({status.vectors:,} vectors, generation {status.generation or '-'})",
    )
    table.add_row(
        "languages",
        ", ".join(f"{safe(name)} {n}" for name, n in sorted(status.languages.items())) or "-",
    )
    table.add_row(
        "skipped",
        ", ".join(f"{n} {safe(reason)}" for reason, n in sorted(status.skipped.items())) or "none",
    )
    table.add_row("size", f"{status.size_bytes / 1e6:.1f} MB")
    for root, state in status.git.items():
        table.add_row(f"git {safe(root)}", safe(_git_line(state)))
    out.print(table)
    for item in status.skipped_files[:20]:
        line = f"{item['path']}: {item['reason']} {item['detail']}".rstrip()
        out.print(f"  [dim]skipped[/] {safe(line)}")
    if len(status.skipped_files) > 20:
        out.print(f"  [dim]… {len(status.skipped_files) - 20} more (see --json)[/]")


def _git_line(state: dict[str, Any]) -> str:
    indexed = (state["indexed_commit"] or "-")[:12]
    if not state["moved"]:
        return f"indexed at {indexed}; the work tree has not moved since"
    moves = []
    if state["head"] != state["indexed_commit"]:
        moves.append(f"HEAD is now {(state['head'] or '-')[:12]}")
    if state["dirty"]:
        moves.append("uncommitted changes")
    return f"indexed at {indexed}; moved since: {', '.join(moves)}"


def print_eval(results: list) -> None:
    """One row per mode: the ranking metrics and latency."""
    table = Table(title=f"{results[0].queries} queries", title_justify="left")
    names = list(results[0].metrics)
    for column in ["mode", *names, "p50 ms", "p95 ms"]:
        table.add_column(column, justify="left" if column == "mode" else "right", no_wrap=True)
    for result in results:
        table.add_row(
            safe(result.mode),
            *(f"{result.metrics[name]:.3f}" for name in names),
            f"{result.latency_ms['p50']:.0f}",
            f"{result.latency_ms['p95']:.0f}",
        )
    # Whole, however narrow the terminal (or 80 columns when piped): a table cut to
    # `ndcg@…` says nothing.
    wide = Measurement.get(out, out.options.update_width(10_000), table).maximum
    Console(highlight=False, width=max(out.width, wide)).print(table)
    recall = results[0].vector_recall_at_10
    if recall is not None:
        out.print(f"vector index recall@10 against exact search: {recall:.3f}")


def print_fill_mask(result: FillMaskResult) -> None:
    """Each mask's candidates, quoted so a leading space shows (`" Paris"`)."""
    for number, predictions in enumerate(result.masks, start=1):
        shown = "  ".join(f"{json.dumps(p.token)} {p.probability:.3f}" for p in predictions)
        out.print(f"[bold]mask {number}:[/] {safe(shown)}")
    out.print(f"[dim]filled:[/] {safe(result.filled)}")


def print_classifications(texts: list[str], results: list[Classification]) -> None:
    for text, result in zip(texts, results, strict=True):
        scores = ", ".join(f"{label} {p:.3f}" for label, p in result.scores.items())
        snippet = text if len(text) <= 60 else text[:59] + "…"
        out.print(f"[bold]{safe(result.label)}[/]  [dim]({safe(scores)})[/]  {safe(snippet)}")


def print_cloze(result: ClozeResult) -> None:
    for rank, answer in enumerate(result.answers, start=1):
        out.print(f"[bold]{rank}.[/] {safe(answer.answer)}  [dim]{answer.probability:.3f}[/]")


def print_similarity(texts: list[str], matrix: np.ndarray) -> None:
    """Two texts: one number; more: a matrix, rows and columns numbered like the texts."""
    if len(texts) == 2:
        out.print(f"{matrix[0, 1]:.4f}")
        return
    table = Table(box=None)
    table.add_column("")
    for number in range(1, len(texts) + 1):
        table.add_column(str(number), justify="right")
    for number, (text, row) in enumerate(zip(texts, matrix, strict=True), start=1):
        snippet = text if len(text) <= 40 else text[:39] + "…"
        table.add_row(f"{number}. {safe(snippet)}", *(f"{value:.3f}" for value in row))
    out.print(table)


_OUTCOME_STYLES = {"ok": "green", "warning": "yellow", "problem": "bold red", "repaired": "cyan"}


def print_diagnosis(diagnosis: Diagnosis) -> None:
    table = Table(title=f"retriever doctor: {safe(diagnosis.index_dir)}", title_justify="left")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for check in diagnosis.checks:
        style = _OUTCOME_STYLES[check.outcome]
        table.add_row(safe(check.name), f"[{style}]{check.outcome}[/]", safe(check.detail))
    out.print(table)
    problems = [c for c in diagnosis.checks if c.outcome == "problem"]
    if not problems:
        out.print("[green]healthy[/]")
    elif any(c.repairable for c in problems):
        out.print(
            f"[bold red]{len(problems)} problems[/]: `retriever doctor --repair` fixes the "
            "repairable ones"
        )
    else:
        out.print(f"[bold red]{len(problems)} problems[/] that only re-indexing fixes")


def _embedding(settings: dict) -> str:
    """What a chunk's vector is computed from (late chunking embeds no header)."""
    if settings.get("late_chunking"):
        return "late chunking: each chunk's tokens in its file's window"
    return "context header + chunk text" if settings.get("context_header") else "chunk text"
