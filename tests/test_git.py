"""Git awareness: `index --since REV` looks only at what changed, and the manifest records the
commit each root was indexed at, which `status` compares with the work tree."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gitrepo import UPLOADS, disk_state, git, indexed_state, make_repo
from retriever import Retriever
from retriever.cli import app


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return make_repo(tmp_path / "repo")


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def open_index(index_dir: Path, model: Path) -> Retriever:
    return Retriever.open(index_dir, model=str(model))


def test_since_looks_only_at_paths_that_differ(repo, index_dir, tiny_modernbert):
    first = git(repo, "rev-parse", "HEAD").strip()
    with open_index(index_dir, tiny_modernbert) as retriever:
        retriever.index([repo])
        # Committed: an edit, a deletion and a rename; then uncommitted and untracked work.
        with (repo / "src/uploads.py").open("a") as handle:
            handle.write("\n\ndef cancel_upload(path):\n    return path\n")
        git(repo, "rm", "-q", "notes.txt")
        git(repo, "mv", "src/billing.py", "src/payments.py")
        git(repo, "commit", "-qam", "second")
        (repo / "docs/guide.md").write_text("# Guide\n\nInstall it differently.\n")
        (repo / "docs/new.md").write_text("# New\n\nA new page.\n")
        (repo / "build").mkdir()
        (repo / "build/out.py").write_text("print('ignored')\n")

        report = retriever.index([repo], since=first)

        assert report.files_seen == 4  # uploads, payments, guide (edited), new: nothing else
        assert report.files_removed == 2  # notes.txt, src/billing.py
        assert indexed_state(retriever) == disk_state(repo)
        hits = retriever.search("cancel_upload", k=1, mode="lexical")
        assert hits[0].path == "src/uploads.py"


def test_since_reuses_the_vectors_of_a_renamed_file(repo, index_dir, tiny_modernbert):
    with open_index(index_dir, tiny_modernbert) as retriever:
        retriever.index([repo])
        git(repo, "mv", "src/uploads.py", "src/transfer.py")
        report = retriever.index([repo], since="HEAD")
    assert (report.files_indexed, report.files_removed, report.chunks_encoded) == (1, 1, 0)


def test_status_shows_the_commit_indexed_and_whether_the_tree_moved(
    repo, index_dir, tiny_modernbert
):
    head = git(repo, "rev-parse", "HEAD").strip()
    with open_index(index_dir, tiny_modernbert) as retriever:
        retriever.index([repo])
        state = retriever.status().git[str(repo.resolve())]
        assert state == {"indexed_commit": head, "head": head, "dirty": False, "moved": False}

        (repo / "notes.txt").write_text("Changed notes.\n")
        state = retriever.status().git[str(repo.resolve())]
        assert state["dirty"] and state["moved"] and state["head"] == head

        git(repo, "commit", "-qam", "notes")
        state = retriever.status().git[str(repo.resolve())]
        assert state["moved"] and not state["dirty"] and state["head"] != head

        retriever.index([repo], since=head)
        assert not retriever.status().git[str(repo.resolve())]["moved"]

    shown = CliRunner().invoke(app, ["status", "--index", str(index_dir)])
    assert f"indexed at {git(repo, 'rev-parse', 'HEAD')[:12]}" in shown.stdout
    assert "has not moved since" in shown.stdout


def test_an_index_inside_the_work_tree_does_not_make_it_dirty(repo, tiny_modernbert):
    with open_index(repo / ".retriever", tiny_modernbert) as retriever:
        retriever.index([repo])
        assert not retriever.status().git[str(repo.resolve())]["dirty"]


def test_roots_outside_git_record_no_commit(tmp_path, index_dir, tiny_modernbert):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.md").write_text("# A\n\nText.\n")
    with open_index(index_dir, tiny_modernbert) as retriever:
        retriever.index([plain])
        assert retriever.status().git == {}


@pytest.mark.parametrize(
    ("make", "revision", "message"),
    [
        (lambda tmp: tmp, "HEAD", "--since needs a git work tree"),
        (lambda tmp: make_repo(tmp), "no-such-branch", "unknown revision 'no-such-branch'"),
        (lambda tmp: make_repo(tmp), "--all", "not a revision"),
    ],
)
def test_bad_since_is_one_clear_line(tmp_path, tiny_modernbert, make, revision, message):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make(corpus)
    (corpus / "a.md").write_text("# A\n\nText.\n")
    arguments = ["index", str(corpus), "--index", str(tmp_path / "index")]
    result = CliRunner().invoke(
        app, [*arguments, "--model", str(tiny_modernbert), "--since", revision]
    )
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_cli_index_since_reports_only_the_changed_files(repo, index_dir, tiny_modernbert):
    runner = CliRunner()
    arguments = ["index", str(repo), "--index", str(index_dir), "--json"]
    assert runner.invoke(app, [*arguments, "--model", str(tiny_modernbert)]).exit_code == 0
    shutil.copy(repo / "docs/guide.md", repo / "docs/copy.md")
    result = runner.invoke(app, [*arguments, "--since", "HEAD"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["files_seen"], report["files_indexed"], report["chunks_encoded"]) == (1, 1, 0)


def arm_repository(repo: Path, markers: Path) -> list[Path]:
    """Configure ``repo`` the way a hostile repository could: every command git may run on
    its own account (fsmonitor, filter and diff drivers, hooks, pager) touches a marker file."""
    names = ["fsmonitor", "clean", "smudge", "process", "textconv", "external", "hooks"]
    hooks = repo / ".git" / "evil-hooks"
    hooks.mkdir()
    for hook in ("post-index-change", "reference-transaction", "pre-commit"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {markers / 'hooks'}\n")
        (hooks / hook).chmod(0o755)
    (repo / ".gitattributes").write_text("*.py filter=evil diff=evil\n*.md filter=evil\n")
    settings = {
        "core.fsmonitor": f"touch {markers / 'fsmonitor'}; echo",
        "filter.evil.clean": f"touch {markers / 'clean'}; cat",
        "filter.evil.smudge": f"touch {markers / 'smudge'}; cat",
        "diff.evil.textconv": f"touch {markers / 'textconv'}; cat",
        "diff.external": f"touch {markers / 'external'}; true",
        "core.hooksPath": str(hooks),
        "core.pager": f"touch {markers / 'pager'}; cat",
    }
    for key, value in settings.items():
        git(repo, "config", key, value)
    return [markers / name for name in [*names, "pager"]]


def test_git_never_runs_the_repositorys_own_commands(repo, index_dir, tiny_modernbert, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    first = git(repo, "rev-parse", "HEAD").strip()
    with open_index(index_dir, tiny_modernbert) as retriever:
        retriever.index([repo])
        armed = arm_repository(repo, markers)
        # Stat data that no longer matches makes git re-read (and so filter) the files.
        for path in repo.rglob("*"):
            if path.is_file() and ".git" not in path.parts:
                os.utime(path, (1_000_000_000, 1_000_000_000))
        (repo / "src/uploads.py").write_text(UPLOADS + "\n# edited\n")

        retriever.status()
        retriever.index([repo], since=first)
        CliRunner().invoke(app, ["status", "--index", str(index_dir)])

    assert [marker.name for marker in armed if marker.exists()] == []


def test_http_status_runs_git_at_most_once_in_a_while(repo, index_dir, tiny_modernbert) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with open_index(index_dir, tiny_modernbert) as retriever:
        retriever.index([repo])
        calls = []
        found = retriever.git_states

        def counted(*arguments):
            calls.append(1)
            return found(*arguments)

        retriever.git_states = counted
        with TestClient(create_app(retriever), base_url="http://127.0.0.1") as client:
            answers = [client.get("/v1/status").json()["git"] for _ in range(20)]
    assert len(calls) == 1
    assert (
        answers[-1][str(repo.resolve())]["indexed_commit"] == git(repo, "rev-parse", "HEAD").strip()
    )
