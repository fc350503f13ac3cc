"""kill -9 at a random moment of `retriever index`, N times (RETRIEVER_KILL_RUNS, default 30):
the index always opens, `doctor` finds nothing wrong, it is the state before or after the run,
and its top 10 equal a from-scratch index of that content (see tests/kill_loop.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kill_loop import kill_loop

RUNS = int(os.environ.get("RETRIEVER_KILL_RUNS", "30"))


@pytest.mark.slow  # RUNS processes killed and checked
@pytest.mark.precision  # incremental vectors against from-scratch ones
def test_kill_nine_during_indexing_never_corrupts_the_index(tmp_path: Path) -> None:
    # The bundled MiniLM: a random-weight model ranks everything alike, so top 10 say nothing.
    summary = kill_loop(tmp_path, "minilm", RUNS, seed=RUNS, log=print)
    assert summary.failures == []
    assert summary.runs == RUNS and summary.killed, summary
