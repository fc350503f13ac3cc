"""kill -9 during `retriever index`, N times: the loop behind the crash test and its benchmark.

Two versions of one corpus, A and B (B edits a third of A's files, deletes some, adds some),
are each indexed from scratch once: the references. A working index starts as a copy of A's.
Each round writes the other version into the corpus directory, starts `retriever index` in
its own process and kills it (SIGKILL) at a random moment between its start and the time a
whole run takes (measured by every tenth round, which is not killed). Then:

- the index's documents equal those of A or of B (the state before or after the run);
- the index opens and its top 10 for a fixed query set, dense and lexical, equal those of that
  state's reference, up to the batch noise of the precision they were encoded in
  (tests/vector_noise.py);
- `doctor` finds no problem.

A corpus this small fits one write transaction, so a run is all or nothing; larger runs commit
every ~64k tokens, and then each file is as before or as after (see docs/architecture.md).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paths import REPO
from retriever import Retriever
from retriever.ops.doctor import examine
from vector_noise import index_tolerance, same_ranking

#: Every CALIBRATE_EVERY-th round is not killed but timed.
CALIBRATE_EVERY = 10
QUERIES = ("retry the upload", "parse the config file", "cache invalidation", "install guide")
WORDS = [
    "upload",
    "retry",
    "config",
    "parse",
    "cache",
    "install",
    "guide",
    "token",
    "index",
    "search",
    "vector",
    "file",
    "network",
    "timeout",
    "queue",
    "worker",
    "schedule",
    "report",
    "export",
    "import",
    "user",
    "session",
]


def write_corpus(root: Path, version: str, files: int = 300) -> None:
    """Version ``A`` or ``B`` of the corpus, written afresh into ``root``; every file unique."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    picks = random.Random(7)
    for number in range(files + (20 if version == "B" else 0)):
        words = [picks.choice(WORDS) for _ in range(12)]  # the same draws in A and B
        if version == "B" and number % 10 == 9:
            continue  # deleted in B
        edited = version == "B" and number % 3 == 0
        if number % 2:
            text = f"def {words[0]}_{number}(value):\n    return '{' '.join(words)}'\n"
            if edited:
                text += f"\n\ndef {words[1]}_extra_{number}():\n    return {number}\n"
            name = f"src/module_{number:03d}.py"
        else:
            text = f"# {words[0].title()} {number}\n\n{' '.join(words)}.\n"
            if edited:
                text += f"\n## Changed {number}\n\n{' '.join(reversed(words))}.\n"
            name = f"docs/page_{number:03d}.md"
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(text)


def documents(index_dir: Path) -> dict[str, str]:
    """The index's state: content hash by path."""
    with Retriever.open(index_dir, create=False) as retriever:
        page = retriever.documents(limit=100_000)
        return {doc.path: doc.content_hash for doc in page.documents}


def top10(index_dir: Path) -> list[list[tuple[str, float]]]:
    """(chunk id, score) of the top 10, per query, dense and lexical."""
    with Retriever.open(index_dir, create=False) as retriever:
        return [
            [(hit.chunk_id, hit.score) for hit in retriever.search(query, 10, mode=mode)]
            for query in QUERIES
            for mode in ("dense", "lexical")
        ]


def index_command(corpus: Path, index_dir: Path | str, model: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "retriever",
        "index",
        str(corpus),
        "--index",
        str(index_dir),
        "--model",
        model,
    ]


def child_environment() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1"}


@dataclass
class Reference:
    documents: dict[str, str]
    top10: list[list[tuple[str, float]]]


@dataclass
class Summary:
    runs: int = 0
    killed: int = 0  # killed before it finished
    ended_before: int = 0  # the index was found as before the run
    ended_after: int = 0  # ... or as after it
    full_run_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "failures": list(self.failures)}


def kill_loop(
    work: Path,
    model: str,
    runs: int,
    seed: int = 0,
    log: Callable[[str], None] = lambda line: None,
    after_round: Callable[[Summary], None] = lambda summary: None,
) -> Summary:
    """``runs`` rounds of start, kill at random, check. Failures are collected, not raised;
    ``after_round`` sees the summary so far after every round."""
    corpus, index_dir = work / "corpus", work / "index"
    references = {}
    for version in ("A", "B"):
        write_corpus(corpus, version)
        built = work / f"reference-{version}"
        with Retriever.open(built, model=str(model)) as retriever:
            retriever.index([corpus])
        references[version] = Reference(documents(built), top10(built))
    shutil.copytree(work / "reference-A", index_dir)
    epsilon = max(index_tolerance(work / f"reference-{version}") for version in references)
    summary = Summary()
    state, chooser = "A", random.Random(seed)

    # Every tenth round runs to the end: it checks the loop itself and times a whole run
    # afresh (the machine's load changes), so kill moments keep spanning whole runs.
    round_number = 0
    while summary.runs < runs:
        target = "B" if state == "A" else "A"
        write_corpus(corpus, target)
        started = time.monotonic()
        process = subprocess.Popen(
            index_command(corpus, index_dir, model),
            env=child_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        timing = round_number % CALIBRATE_EVERY == 0
        if timing:
            process.wait()
            summary.full_run_seconds = round(time.monotonic() - started, 2)
        else:
            try:
                process.wait(timeout=chooser.uniform(0, summary.full_run_seconds))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                summary.killed += 1
            summary.runs += 1
        state_now = next(
            (v for v, ref in references.items() if ref.documents == documents(index_dir)), None
        )
        problem = _check(index_dir, references, state_now, epsilon)
        log(f"round {round_number}: {state} -> {target}: found {state_now}; {problem or 'ok'}")
        if problem:
            summary.failures.append(f"round {round_number}: {problem}")
            break
        if not timing:
            summary.ended_before += state_now == state
            summary.ended_after += state_now == target
        state = state_now
        round_number += 1
        after_round(summary)
    return summary


def _check(
    index_dir: Path, references: dict[str, Reference], state: str | None, epsilon: float
) -> str | None:
    if state is None:
        return "the index is neither the state before nor the state after the run"
    found = top10(index_dir)
    if not all(map(same_ranking, found, references[state].top10, [epsilon] * len(found))):
        return f"top 10 differ from a from-scratch index of {state}"
    diagnosis = examine(index_dir)
    if not diagnosis.healthy:
        return f"doctor: {diagnosis.to_dict()}"
    return None
