"""Progress of an index run, as a person sees it on stderr: files, chunks and tokens encoded,
and an estimate of the time left on long runs."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rich.console import Console

from retriever import IndexReport, Retriever
from retriever.cli import support
from retriever.ingest import indexing


def test_a_progress_callback_can_follow_chunks_and_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A callback that takes a fourth argument gets the run's report so far (updated at each
    flush: here small, so that there are several); one of three arguments is called as
    before."""
    monkeypatch.setattr(indexing, "FLUSH_TOKENS", 300)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(12):
        words = " ".join(f"word{number}x{i}" for i in range(60))
        (corpus / f"note{number}.md").write_text(f"# Note {number}\n\n{words}\n")
    seen: list[tuple[int, int, int]] = []
    plain: list[int] = []

    def follow(done: int, total: int, path: str, report: IndexReport) -> None:
        seen.append((done, report.chunks_encoded, report.tokens_encoded))

    with Retriever.open(tmp_path / "index", model="minilm") as retriever:
        final = retriever.index([corpus], progress=follow)
    with Retriever.open(tmp_path / "other", model="minilm") as retriever:
        retriever.index([corpus], progress=lambda done, total, path: plain.append(done))
    assert seen[-1][1:] == (final.chunks_encoded, final.tokens_encoded) and final.chunks_encoded
    chunk_counts = [chunks for _, chunks, _ in seen]
    assert chunk_counts == sorted(chunk_counts) and len(set(chunk_counts)) > 2  # as it goes
    assert plain and plain[-1] == final.files_seen


def test_the_progress_line_shows_chunks_tokens_and_an_eta(monkeypatch: pytest.MonkeyPatch):
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200, color_system=None)
    monkeypatch.setattr(support, "err", console)
    monkeypatch.setattr(support, "ETA_AFTER_SECONDS", 0.0)
    report = IndexReport()
    with support._progress() as advance:
        for done in range(1, 5):
            report.chunks_encoded += 1000
            report.tokens_encoded += 250_000
            advance(done, 10, f"src/file{done}.py", report)
            time.sleep(0.05)
    shown = screen.getvalue()
    assert "4,000 chunks" in shown and "1,000,000 tokens encoded" in shown
    assert "ETA" in shown and "4/10" in shown
