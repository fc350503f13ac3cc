#!/usr/bin/env python
"""Freshness benchmark: watch mode, branch switches, ``--since`` and ``--verify`` on a real
repository.

Builds a git repository of real code and prose from packages installed on this machine (many
small files, a fixed list of sources in sorted order, ``--files`` of them), with a second
branch that changes ``--switch-files`` Python files by one added function each. Then:

  1. discovery: walking the tree vs git's own file list (``git ls-files``), same result;
  2. a full index (``retriever index --json``, its own process): time and chunks encoded;
  3. ``retriever watch --json`` in its own process, and with it running:
     a. idle CPU: the watcher's CPU seconds over ``--idle-seconds`` with nothing changing;
     b. edit-to-searchable latency: ``--edits`` one-function edits (a comment line with a
        unique word inside one function of one file), each timed from the file's close until
        a search in this process (like any reader) returns the new text and the index has
        published the update's vectors;
     c. a branch switch (``git checkout``) changing the switch files, and back: wall time
        until the index reflects the branch, updates it took, chunks encoded;
  4. with no watcher: ``index --since main`` after a checkout vs a full incremental pass;
  5. the staleness guard's cost: hybrid searches with and without ``verify``.

Results: ``benchmarks/results/freshness.json``. Run from the repository root:

    HF_HUB_OFFLINE=1 python benchmarks/freshness_benchmark.py [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index_benchmark import WORK, child_env, machine, measured, retriever_command, versions

SITE = Path(shutil.__file__).parent / "site-packages"
HOME = WORK / "freshness"
REPO = HOME / "repo"
INDEX = HOME / "index"
RESULTS = Path(__file__).resolve().parent / "results" / "freshness.json"

#: (package directory, most files taken): real code and prose, many small files.
SOURCES = [
    ("awscli/examples", 900),
    ("transformers", 300),
    ("torch", 250),
    ("moto", 250),
    ("cfnlint", 150),
    ("sympy", 150),
    ("langsmith", 120),
    ("scipy", 100),
    ("numpy", 80),
]
EXTENSIONS = {".py", ".md", ".rst"}
SIZE_RANGE = (300, 2048)  # bytes: small files keep the CPU-encoded full index short
QUERIES = [
    "create an S3 bucket with versioning",
    "describe EC2 instances by tag",
    "tokenizer configuration for a pretrained model",
    "parse a CloudFormation template",
    "mock an AWS service in tests",
    "solve a linear system of equations",
    "compute the eigenvalues of a matrix",
    "retry a request with exponential backoff",
    "list the objects in a bucket",
    "load model weights from a checkpoint",
    "validate the resource properties",
    "symbolic differentiation of an expression",
    "trace a run and send it to the server",
    "sparse matrix multiplication",
    "delete a CloudWatch alarm",
    "attention mask for padding tokens",
    "convert a tensor to a numpy array",
    "stream log events from a log group",
    "parse command line options",
    "random number generator seed",
]


def git(*arguments: str, cwd: Path = REPO) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def build_repo(total_files: int, switch_files: int) -> dict[str, Any]:
    """Copy the sources into a fresh git repository; commit on ``main``; branch ``switch``
    adds one function to each of ``switch_files`` Python files."""
    shutil.rmtree(HOME, ignore_errors=True)
    REPO.mkdir(parents=True)
    copied: dict[str, int] = {}
    size = 0
    scale = total_files / sum(most for _, most in SOURCES)  # the same mix at any size
    for package, most in SOURCES:
        top = SITE / package
        if not top.is_dir():
            continue
        taken = 0
        for path in sorted(top.rglob("*")):
            if taken >= round(most * scale) or sum(copied.values()) >= total_files:
                break
            if (
                path.suffix not in EXTENSIONS
                or not path.is_file()
                or "__pycache__" in path.parts
                or not SIZE_RANGE[0] <= path.stat().st_size <= SIZE_RANGE[1]
            ):
                continue
            target = REPO / path.relative_to(SITE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            taken += 1
            size += path.stat().st_size
        copied[package] = taken
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "corpus")
    python = sorted(p for p in REPO.rglob("*.py") if "def " in p.read_text(errors="replace"))
    chosen = python[:: max(1, len(python) // switch_files)][:switch_files]
    git("checkout", "-qb", "switch")
    for number, path in enumerate(chosen):
        with path.open("a") as handle:
            handle.write(
                f"\n\ndef branch_switch_helper_{number}(value):\n"
                f'    """Added on the switch branch: scale value by {number}."""\n'
                f"    return value * {number}\n"
            )
    git("commit", "-qam", "switch: one function more in each of many files")
    git("checkout", "-q", "main")
    return {
        "files": sum(copied.values()),
        "bytes": size,
        "by_source": copied,
        "switch_files": len(chosen),
    }


def git_listed_files() -> list[str]:
    """Git's own view: tracked files plus untracked ones that are not ignored."""
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return list(dict.fromkeys(path for path in listed.split("\0") if path))


def discovery_timings() -> dict[str, Any]:
    """Walking the tree vs git's list of files, checked by the same rules (median of 5)."""
    from indexers.discovery import discover, discover_paths

    def timed(run) -> tuple[float, set]:
        times, found = [], set()
        for _ in range(5):
            started = time.perf_counter()
            found = {(type(item).__name__, item.path) for item in run()}
            times.append(time.perf_counter() - started)
        return round(statistics.median(times) * 1000, 1), found

    walk_ms, walked = timed(lambda: discover(REPO))
    listed_ms, listed = timed(lambda: discover_paths(REPO, git_listed_files()))
    started = time.perf_counter()
    for _ in range(5):
        git_listed_files()
    git_ms = round((time.perf_counter() - started) / 5 * 1000, 1)
    return {
        "walk_ms": walk_ms,
        "git_listing_then_checks_ms": listed_ms,
        "git_ls_files_alone_ms": git_ms,
        "same_result": walked == listed,
        "entries": len(walked),
    }


class Watch:
    """``retriever watch --json`` in a child process; its updates arrive on a queue."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            retriever_command() + ["watch", str(REPO), "--index", str(INDEX), "--json"],
            stdout=subprocess.PIPE,
            stderr=(HOME / "watch.log").open("w"),
            text=True,
            cwd=HOME,
            env=child_env(),
        )
        self.updates: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.updates.put(json.loads(line))

    def next_update(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self.updates.get(timeout=timeout)
        except queue.Empty:
            return None

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.process.send_signal(2)  # SIGINT: Ctrl-C
        code = self.process.wait(timeout=120)
        return {"exit_code": code, "seconds_to_exit": round(time.perf_counter() - started, 2)}


def edit_latencies(watch: Watch, targets: list[str], reader) -> list[dict[str, Any]]:
    """One comment line with a unique word added inside the first function of each target.

    Two times per edit, from the file's close: until a search in this process (any reader)
    finds the new text (lexical: the unique word; its rows are committed), and until the
    watcher's update has finished, vectors published (from the update's own timestamp)."""
    results = []
    for number, relative in enumerate(targets):
        path = REPO / relative
        lines = path.read_text().splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def "))
        indent = " " * (len(lines[at]) - len(lines[at].lstrip()) + 4)
        word = f"freshprobe{number}x{os.getpid()}"
        lines.insert(at + 1, f"{indent}# {word}: checked by the freshness benchmark\n")
        path.write_text("".join(lines))
        saved, saved_wall = time.perf_counter(), time.time()
        while not any(
            word in hit.text and hit.path == relative
            for hit in reader.search(word, k=3, mode="lexical")
        ):
            if time.perf_counter() - saved > 60:
                raise SystemExit(f"edit of {relative} not searchable after 60 s")
            time.sleep(0.02)
        searchable = time.perf_counter() - saved
        update = watch.next_update(timeout=60)
        if update is None:
            raise SystemExit(f"no update reported for the edit of {relative}")
        results.append(
            {
                "file": relative,
                "searchable_s": round(searchable, 3),
                "published_s": round(update["finished_at"] - saved_wall, 3),
                "update_seconds": update["report"]["seconds"],
                "chunks_encoded": update["report"]["chunks_encoded"],
            }
        )
        drain(watch, quiet=0.3)
    return results


def edit_targets(reader, count: int) -> list[str]:
    """``count`` indexed Python files with a function, spread over the repository."""
    indexed = [doc.path for doc in reader.documents(limit=100_000, path_glob="*.py").documents]
    with_function = [path for path in indexed if "\ndef " in (REPO / path).read_text()]
    return with_function[1 :: len(with_function) // count][:count]


def drain(watch: Watch, quiet: float) -> list[dict[str, Any]]:
    """Updates until none arrives for ``quiet`` seconds."""
    seen = []
    while (update := watch.next_update(timeout=quiet)) is not None:
        seen.append(update)
    return seen


def branch_switch(watch: Watch, branch: str, expected_files: int) -> dict[str, Any]:
    started_wall = time.time()
    started = time.perf_counter()
    git("checkout", "-q", branch)
    checkout_s = time.perf_counter() - started
    updates = wait_until_indexed(watch, expected_files)
    return {
        "branch": branch,
        "git_checkout_s": round(checkout_s, 3),
        "until_indexed_s": round(max(u["finished_at"] for u in updates) - started_wall, 3),
        "updates": len(updates),
        "changed_paths": sum(u["changed"] for u in updates),
        "files_indexed": sum(u["report"]["files_indexed"] for u in updates),
        "chunks_encoded": sum(u["report"]["chunks_encoded"] for u in updates),
        "update_seconds": round(sum(u["report"]["seconds"] for u in updates), 3),
    }


def refresh(branch: str, options: list[str]) -> dict[str, Any]:
    """Check out ``branch`` with no watcher running, then bring the index up to date."""
    git("checkout", "-q", branch)
    run = measured(["index", str(REPO), "--index", str(INDEX), "--json", *options])
    return {key: run[key] for key in ("wall_seconds", "cpu_seconds", "report")}


def wait_until_indexed(watch: Watch, files: int) -> list[dict[str, Any]]:
    """The updates until ``files`` files have been indexed, and any that follow at once."""
    updates: list[dict[str, Any]] = []
    while sum(u["report"]["files_indexed"] for u in updates) < files:
        update = watch.next_update(timeout=600)
        if update is None:
            raise SystemExit(f"the watcher did not index {files} files in 600 s")
        updates.append(update)
    return updates + drain(watch, quiet=3)


def verify_cost(reader, rounds: int = 3) -> dict[str, Any]:
    """Per query: hybrid search, k=10, without and with ``verify`` (interleaved)."""
    plain, verified, verify_ms = [], [], []
    for _ in range(rounds):
        for query in QUERIES:
            for check, into in ((False, plain), (True, verified)):
                started = time.perf_counter()
                result = reader.search(query, k=10, verify=check)
                into.append((time.perf_counter() - started) * 1000)
                if check:
                    verify_ms.append(result.timings["verify_ms"])
    return {
        "queries": len(plain),
        "search_p50_ms": round(statistics.median(plain), 2),
        "search_verified_p50_ms": round(statistics.median(verified), 2),
        "verify_p50_ms": round(statistics.median(verify_ms), 3),
        "verify_p95_ms": round(statistics.quantiles(verify_ms, n=20)[18], 3),
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2200)
    parser.add_argument("--switch-files", type=int, default=500)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument(
        "--keep", action="store_true", help="reuse the repository, index and full-index figures"
    )
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    previous = json.loads(RESULTS.read_text()) if args.keep and RESULTS.exists() else {}
    if "full_index" in previous and REPO.is_dir() and INDEX.is_dir():
        git("checkout", "-q", "main")
        git("checkout", "-q", "--", ".")
        results["repository"] = previous["repository"]
        results["full_index"] = previous["full_index"]
    else:
        results["repository"] = build_repo(args.files, args.switch_files)
    repository = results["repository"]
    print(f"repository: {repository['files']} files, {repository['bytes'] / 1e6:.2f} MB")
    results["discovery"] = discovery_timings()
    print("discovery:", results["discovery"])

    if "full_index" not in results:
        shutil.rmtree(INDEX, ignore_errors=True)
        results["full_index"] = measured(
            ["index", str(REPO), "--index", str(INDEX), "--model", "minilm", "--json"]
        )
        print("full index:", results["full_index"]["report"])
        save(results)  # a later phase failing keeps the long one (reuse it with --keep)

    from retriever import Retriever

    watch = Watch()
    initial = watch.next_update(timeout=600)
    results["watch_initial_pass"] = initial
    print("watch started:", initial["report"])
    with Retriever.open(INDEX, create=False) as reader:
        reader.search("warm up the model", k=1)
        before = watch.cpu_seconds()
        load_before = os.getloadavg()[0]
        time.sleep(args.idle_seconds)
        results["idle"] = {
            "seconds": args.idle_seconds,
            "cpu_seconds": round(watch.cpu_seconds() - before, 3),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
        print("idle:", results["idle"])

        targets = edit_targets(reader, args.edits)
        load_before = os.getloadavg()[0]
        edits = edit_latencies(watch, targets, reader)
        latencies = [edit["searchable_s"] for edit in edits]
        published = [edit["published_s"] for edit in edits]
        updates = [edit["update_seconds"] for edit in edits]
        results["edits"] = {
            "count": len(edits),
            "searchable_p50_s": round(statistics.median(latencies), 3),
            "searchable_p95_s": round(percentile(latencies, 0.95), 3),
            "published_p50_s": round(statistics.median(published), 3),
            "published_p95_s": round(percentile(published, 0.95), 3),
            "update_p50_s": round(statistics.median(updates), 3),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "runs": edits,
        }
        print("edits:", {k: v for k, v in results["edits"].items() if k != "runs"})
        git("checkout", "-q", "--", ".")  # the probes go; the watcher applies that too
        wait_until_indexed(watch, len(edits))

        switch_files = repository["switch_files"]
        results["branch_switch"] = [
            branch_switch(watch, "switch", switch_files),
            branch_switch(watch, "main", switch_files),
        ]
        print("branch switch:", results["branch_switch"])
        results["watch_stop"] = watch.stop()

        results["verify_cost"] = verify_cost(reader)
        print("verify:", results["verify_cost"])

    results["since_vs_full_pass"] = {
        how: {
            f"{before}_to_{after}": refresh(after, ["--since", before] if how == "since" else [])
            for before, after in (("main", "switch"), ("switch", "main"))
        }
        for how in ("since", "full_pass")
    }
    print("since vs full pass:", results["since_vs_full_pass"])
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    save(results)
    print(f"written to {RESULTS}")


def save(results: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
