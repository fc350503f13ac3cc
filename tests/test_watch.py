"""Watch mode and the change sets it feeds the indexer: edits, creations, deletions, renames and
a branch switch reach the index without a full pass; Ctrl-C stops the CLI cleanly; a server
with `watch` stays current."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from watchfiles import Change

from api.app import create_app
from gitrepo import disk_state, git, indexed_state, make_repo, wait_for
from paths import REPO
from retriever import Retriever
from retriever.errors import IndexLockedError
from retriever.ingest.watching import Watcher, WatchUpdate, run_in_thread


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return make_repo(tmp_path / "repo")


@pytest.fixture
def retriever(repo: Path, tiny_modernbert: Path):
    # The index lives inside the watched tree, as with `retriever watch .`.
    with Retriever.open(repo / ".retriever", model=str(tiny_modernbert)) as opened:
        yield opened


def found(retriever: Retriever, word: str, path: str) -> bool:
    return any(hit.path == path for hit in retriever.search(word, k=5, mode="lexical"))


# -- change sets, without a watcher -------------------------------------------------------------
def test_only_the_changed_paths_are_looked_at(retriever, repo):
    retriever.index([repo])
    (repo / "src/uploads.py").write_text("def resume_upload(path):\n    return path\n")
    (repo / "notes.txt").write_text("Unnamed change: not looked at.\n")
    report = retriever.index([repo], changed=[repo / "src/uploads.py"])
    assert (report.files_seen, report.files_indexed) == (1, 1)
    assert found(retriever, "resume_upload", "src/uploads.py")
    assert not found(retriever, "unnamed", "notes.txt")


def test_gone_paths_leave_and_new_directories_are_walked(retriever, repo):
    retriever.index([repo])
    (repo / "notes.txt").unlink()
    shutil.move(repo / "docs", repo / "manual")
    report = retriever.index([repo], changed=[repo / "notes.txt", repo / "docs", repo / "manual"])
    assert report.files_removed == 2 and report.chunks_encoded == 0  # the move reuses vectors
    assert indexed_state(retriever) == disk_state(repo)


def test_a_changed_ignore_file_re_examines_its_directory(retriever, repo):
    retriever.index([repo])
    (repo / ".gitignore").write_text("build/\n*.log\nnotes.txt\n")
    retriever.index([repo], changed=[repo / ".gitignore"])
    assert "notes.txt" not in indexed_state(retriever)


def test_ignored_and_index_paths_in_a_change_set_are_left_out(retriever, repo):
    retriever.index([repo])
    (repo / "build").mkdir()
    (repo / "build/out.py").write_text("def generated_output():\n    pass\n")
    (repo / "debug.log").write_text("a log line\n")
    report = retriever.index(
        [repo],
        changed=[repo / "build/out.py", repo / "debug.log", repo / ".retriever/index.sqlite3"],
    )
    assert report.files_seen == 0
    assert indexed_state(retriever) == disk_state(repo)


def test_the_watch_filter_drops_the_index_and_never_entered_directories(retriever, repo):
    watcher = Watcher(retriever, [repo], on_update=print, on_error=print)
    root = repo.resolve()
    assert watcher._relevant(Change.modified, str(root / "src/uploads.py"))
    assert not watcher._relevant(Change.modified, str(root / ".retriever/index.sqlite3"))
    assert not watcher._relevant(Change.modified, str(root / ".git/index"))
    assert not watcher._relevant(Change.added, str(root / "src/__pycache__/uploads.pyc"))
    assert not watcher._relevant(Change.added, str(root.parent / "elsewhere.py"))


# -- the watch loop -----------------------------------------------------------------------------
class Watching:
    """A watcher running in a thread; its updates are collected."""

    def __init__(self, retriever: Retriever, repo: Path) -> None:
        self.updates: list[WatchUpdate] = []
        self.errors: list[Exception] = []
        self.watcher = Watcher(
            retriever, [repo], on_update=self.updates.append, on_error=self.errors.append
        )
        self.thread = run_in_thread(self.watcher)
        wait_for(lambda: self.updates, "the initial index")

    def stop(self) -> None:
        self.watcher.stop.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()


@pytest.fixture
def watching(retriever, repo):
    retriever.settings.watch_debounce_ms = 50
    running = Watching(retriever, repo)
    yield running
    running.stop()
    assert not running.errors


def test_watch_applies_edits_creations_deletions_and_renames(watching, retriever, repo):
    assert watching.updates[0].changed is None  # the initial index
    assert indexed_state(retriever) == disk_state(repo)

    (repo / "src/uploads.py").write_text("def resume_upload(path):\n    return path\n")
    wait_for(lambda: found(retriever, "resume_upload", "src/uploads.py"), "the edit")

    (repo / "docs/faq.md").write_text("# FAQ\n\nWhy does the upload stall?\n")
    wait_for(lambda: found(retriever, "stall", "docs/faq.md"), "the new file")

    (repo / "build").mkdir()
    (repo / "build/out.py").write_text("def generated_output():\n    pass\n")
    (repo / "notes.txt").unlink()
    wait_for(lambda: "notes.txt" not in indexed_state(retriever), "the deletion")
    assert "build/out.py" not in indexed_state(retriever)  # ignored, like discovery does

    renamed_from = len(watching.updates)
    shutil.move(repo / "src/billing.py", repo / "src/payments.py")
    wait_for(lambda: found(retriever, "invoice_total", "src/payments.py"), "the rename")
    wait_for(lambda: "src/billing.py" not in indexed_state(retriever), "the old name to go")
    assert sum(u.report.chunks_encoded for u in watching.updates[renamed_from:]) == 0
    assert indexed_state(retriever) == disk_state(repo)


def test_watch_follows_a_branch_switch(watching, retriever, repo):
    git(repo, "checkout", "-qb", "feature")
    for number in range(60):
        (repo / f"pkg/module_{number}.py").parent.mkdir(exist_ok=True)
        (repo / f"pkg/module_{number}.py").write_text(
            f"def feature_{number}(value):\n    return value + {number}\n"
        )
    git(repo, "rm", "-q", "notes.txt")
    git(repo, "add", "pkg")
    git(repo, "commit", "-qm", "feature")
    wait_for(lambda: indexed_state(retriever) == disk_state(repo), "the feature branch")

    git(repo, "checkout", "-q", "main")  # 60 files go, one comes back, in one checkout
    wait_for(lambda: indexed_state(retriever) == disk_state(repo), "the switch back to main")
    assert found(retriever, "Plain notes", "notes.txt")
    assert not any(path.startswith("pkg/") for path in indexed_state(retriever))


def test_watch_keeps_changes_that_arrive_while_another_writer_holds_the_index(
    watching, retriever, repo, monkeypatch
):
    refused = threading.Event()
    index = retriever.index

    def index_or_note_the_refusal(*args, **kwargs):
        try:
            return index(*args, **kwargs)
        except IndexLockedError:
            refused.set()
            raise

    monkeypatch.setattr(retriever, "index", index_or_note_the_refusal)
    with retriever.lock.hold():
        (repo / "notes.txt").write_text("Notes written while the index was busy.\n")
        assert refused.wait(60), "the update was never tried while the index was locked"
    wait_for(lambda: found(retriever, "busy", "notes.txt"), "the delayed update")


def test_serve_with_watch_keeps_the_api_current(retriever, repo):
    retriever.settings.watch_debounce_ms = 50
    retriever.index([repo])  # the roots a server watches are the indexed ones
    with TestClient(create_app(retriever, watch=True), base_url="http://127.0.0.1") as client:

        def searchable() -> bool:
            body = {"query": "resume_upload", "k": 3, "mode": "lexical"}
            hits = client.post("/v1/search", json=body).json()["hits"]
            return any(hit["path"] == "src/uploads.py" for hit in hits)

        wait_for(lambda: not retriever.lock.held_elsewhere(), "the initial pass")
        (repo / "src/uploads.py").write_text("def resume_upload(path):\n    return path\n")
        wait_for(searchable, "the edit through the API")


def test_cli_watch_reports_updates_and_stops_cleanly_on_ctrl_c(repo, tmp_path, tiny_modernbert):
    environment = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "retriever", "watch", str(repo), "--json"]
    options = ["--index", str(tmp_path / "index"), "--model", str(tiny_modernbert)]
    process = subprocess.Popen(
        [*command, *options, "--debounce-ms", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout]).start()
    try:
        initial = json.loads(lines.get(timeout=300))
        assert initial["changed"] is None and initial["report"]["files_indexed"] == 5
        (repo / "notes.txt").write_text("Changed notes.\n")
        update = json.loads(lines.get(timeout=120))
        assert update["changed"] >= 1 and update["report"]["files_indexed"] == 1
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        process.kill()
