"""The `retriever` command, end to end: JSON on stdout, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paths import SAMPLE
from retriever.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_index_search_status_on_the_sample_corpus(tmp_path: Path) -> None:
    index_dir = str(tmp_path / "index")
    result = run("index", str(SAMPLE), "--index", index_dir, "--model", "minilm", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["files_indexed"] >= 30 and report["chunks_encoded"] > 0
    assert set(report) >= {
        "files_seen",
        "files_unchanged",
        "files_removed",
        "files_skipped",
        "chunks_added",
        "chunks_removed",
        "seconds",
    }

    result = run(
        "search", "where do we retry failed uploads?", "--index", index_dir, "--json", "-k", "3"
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 3
    assert set(hits[0]) == {
        "path",
        "start_line",
        "end_line",
        "text",
        "score",
        "language",
        "kind",
        "symbol",
        "heading",
        "chunk_id",
        "doc_id",
        "label",
        "file_hash",
        "stale",
        "unit",
        "start_unit",
        "end_unit",
    }

    result = run("search", "thumbnail resize", "--index", index_dir, "--language", "rust")
    assert result.exit_code == 0
    assert ".rs:" in result.stdout

    result = run("status", "--index", index_dir, "--json")
    status = json.loads(result.stdout)
    assert status["documents"] == report["files_indexed"]

    again = json.loads(run("index", str(SAMPLE), "--index", index_dir, "--json").stdout)
    assert again["chunks_encoded"] == 0 and again["files_unchanged"] == report["files_indexed"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["index", "does/not/exist"], "no such file or directory"),
        (["search", "anything"], "no index at"),
        (["status"], "no index at"),
        (["index", ".", "--model", "not a model"], "unknown model"),
        (["index", ".", "--chunk-tokens", "3"], "invalid setting chunk_tokens"),
    ],
)
def test_bad_input_is_one_line_and_a_nonzero_exit(tmp_path: Path, args, message) -> None:
    result = run(*args, "--index", str(tmp_path / "index"))
    assert result.exit_code != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["index", "watch"])
def test_a_missing_path_leaves_no_index_behind(tmp_path: Path, command: str) -> None:
    result = run(command, str(tmp_path / "missing"), "--index", str(tmp_path / "index"))
    assert result.exit_code == 1 and "no such file or directory" in result.stderr
    assert not (tmp_path / "index").exists()


def test_empty_query_is_rejected(tmp_path: Path, tiny_modernbert: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\ntext\n")
    index_dir = str(tmp_path / "index")
    assert (
        run("index", str(corpus), "--index", index_dir, "--model", str(tiny_modernbert)).exit_code
        == 0
    )
    result = run("search", "  ", "--index", index_dir)
    assert result.exit_code == 1 and "query is empty" in result.stderr


def test_help_does_not_load_torch() -> None:
    code = "import sys; from retriever.cli import app; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    result = subprocess.run(["retriever", "--help"], capture_output=True, text=True, check=True)
    for command in ("index", "search", "status"):
        assert command in result.stdout


@pytest.mark.parametrize("content", [b"\x00garbage" * 500, b"SQLite format 3\x00broken"])
def test_a_corrupt_index_is_one_clear_line(tmp_path: Path, content: bytes) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "index.sqlite3").write_bytes(content)
    for command in (["status"], ["search", "retry"]):
        result = run(*command, "--index", str(index_dir))
        assert result.exit_code == 1
        assert "is damaged" in result.stderr and "Traceback" not in result.output
    assert (index_dir / "index.sqlite3").read_bytes() == content  # nothing overwritten


def test_a_run_names_the_files_it_skipped_for_their_content(tmp_path: Path) -> None:
    """Prose written one paragraph per line is indexed; what is skipped for its content (here
    a minified script) is named in the run's summary, not only in `status`."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentence = "Each paragraph of this guide sits on one line of its own, as editors wrap it. "
    (corpus / "guide.md").write_text(
        "# Guide\n\n" + "\n\n".join(sentence * 10 for _ in range(8)) + "\n", encoding="utf-8"
    )
    (corpus / "bundle.js").write_text("var a=1;" * 400, encoding="utf-8")
    result = run("index", str(corpus), "--index", str(tmp_path / "index"), "--model", "minilm")
    assert result.exit_code == 0, result.output
    summary = result.stderr
    assert "1 indexed" in summary
    assert "bundle.js" in summary and "minified" in summary
    assert "guide.md" not in summary


def test_a_failed_first_run_leaves_no_index_behind(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nSome text.\n", encoding="utf-8")
    index_dir = tmp_path / "nested" / "index"
    result = run("index", str(corpus), "--index", str(index_dir), "--model", "nosuch/model")
    assert result.exit_code == 1 and "nosuch/model" in result.stderr
    assert not index_dir.exists() and not index_dir.parent.exists()


def test_an_index_path_that_is_a_file_is_named_as_such(tmp_path: Path) -> None:
    some_file = tmp_path / "notes.txt"
    some_file.write_text("not an index\n", encoding="utf-8")
    for command in (["search", "anything"], ["status"]):
        result = run(*command, "--index", str(some_file))
        assert result.exit_code == 1
        assert "is a file, not an index directory" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--language", "klingon"], "'klingon'; known languages: ada, arduino, bash,"),
        (["--language", "python", "--language", "Klingon"], "unknown language 'Klingon'"),
        (["--path-glob", "["], "invalid glob '[' for path_glob: unclosed '['"),
        (["--path", "src/[a-z"], "invalid glob 'src/[a-z' for path_glob"),
        (["--symbol", "A[^]"], "invalid glob 'A[^]' for symbol"),
    ],
)
def test_filters_that_can_match_nothing_are_errors(sample_index: Path, args, message) -> None:
    result = run("search", "retry", "--index", str(sample_index), *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "no results" not in result.output
