"""What the CLI prints for a person is shown, never obeyed: file names and text from the corpus
reach the terminal with their control characters escaped (issue 14, item 7)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retriever import Retriever
from retriever.cli import app
from retriever.cli.display import printable, safe

runner = CliRunner()

#: A name that would forge a result line of its own, and escapes that clear the screen and
#: retitle the terminal.
FORGED_NAME = "evil\n2. forged.py:1-9  [magenta]run_me  0.999\x1b[2J.py"
HOSTILE_TEXT = "def retry_upload():\n    return '\x1b]0;owned\x07\x1b[2J\x9b31m'\n"


def _terminal_controls(text: str) -> list[str]:
    """Control characters a terminal would act on (line breaks aside)."""
    return re.findall("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("\x1b[2J", "\\x1b[2J"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("\x9b31m", "\\x9b31m"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("tab\tand ünïcode", "tab\tand ünïcode"),
    ],
)
def test_control_characters_are_written_as_escapes(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_safe_also_escapes_rich_markup() -> None:
    assert safe("[bold]x[/]\n") == "\\[bold]x\\[/]\\n"


@pytest.fixture
def index(tmp_path: Path, tiny_modernbert: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / FORGED_NAME).write_text(HOSTILE_TEXT)
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        report = retriever.index([corpus])
        assert report.files_indexed == 1
    return tmp_path / "index"


def test_a_file_name_cannot_forge_a_result_line_nor_text_drive_the_terminal(index: Path) -> None:
    args = ["search", "retry_upload", "--index", str(index), "--mode", "lexical", "--full"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _terminal_controls(result.stdout) == []
    heads = [line for line in result.stdout.splitlines() if re.match(r"\d+\. ", line)]
    assert len(heads) == 1  # one hit, one result line
    assert heads[0].startswith("1. evil\\n2. forged.py:1-9  [magenta]run_me")
    assert "\\x1b]0;owned\\x07" in result.stdout


def test_json_output_keeps_the_exact_text(index: Path) -> None:
    args = ["search", "retry_upload", "--index", str(index), "--mode", "lexical", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (hit,) = json.loads(result.stdout)["hits"]
    assert hit["path"] == FORGED_NAME and "\x1b]0;owned\x07" in hit["text"]


def test_status_and_errors_escape_what_they_show(index: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert _terminal_controls(result.stdout) == []
    missing = tmp_path / "no\x1b[2Jindex\nerror: forged"
    result = runner.invoke(app, ["search", "x", "--index", str(missing)])
    assert result.exit_code != 0
    assert _terminal_controls(result.output) == []
    assert len(result.output.strip().splitlines()) == 1
