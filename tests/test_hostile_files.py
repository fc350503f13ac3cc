"""Hostile files that must not stall or fool discovery: pathological ignore patterns, and
binary bytes under a source-code name."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from indexers.discovery import LoadedFile, Skipped, SourceFile, discover, load
from indexers.ignore_rules import safe_pattern

PATHOLOGICAL = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"


def run_discovery(root: Path, timeout: float) -> list[str]:
    """The paths one discovery of ``root`` yields, in a child process killed at ``timeout``."""
    script = textwrap.dedent(
        f"""
        from indexers.discovery import discover
        for item in discover({str(root)!r}):
            print(item.path)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_pathological_ignore_pattern_does_not_stall(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text(PATHOLOGICAL + "\n")
    names = ["a" * 40, "a" * 39 + "b", "notes.md"]
    for name in names:
        (tmp_path / name).write_text("x\n")
    # Minutes of backtracking before the fix; a generous bound that only says "it finishes".
    found = run_discovery(tmp_path, timeout=60)
    assert "a" * 40 in found and "notes.md" in found
    assert "a" * 39 + "b" not in found  # the pattern still ignores what it names


@pytest.mark.parametrize(
    "pattern",
    [
        "*.log",
        "!keep.log",
        "build/",
        "/dist",
        "**/node_modules/**",
        "docs/**/*.tmp",
        "*.min.*",
        "*_test_*.go",
        "[Bb]in/",
        "\\#notes",
        "a\\*b",
        "# a comment",
        "",
    ],
)
def test_ordinary_patterns_are_kept_as_written(pattern: str) -> None:
    assert safe_pattern(pattern) == (pattern, None)


@pytest.mark.parametrize(
    ("pattern", "simpler"),
    [
        (PATHOLOGICAL, "*a*b"),
        ("x**y", "x*y"),
        ("src/*a*b*c*d*e.py", "src/*a*e.py"),
        ("**/a/**/b/**/c/**/d", "**/a/**/d"),
        ("!*a*a*a*a*b", "!*a*b"),
    ],
)
def test_pathological_patterns_are_widened_with_a_warning(pattern: str, simpler: str) -> None:
    kept, warning = safe_pattern(pattern)
    assert kept == simpler and warning and pattern in warning


def random_bytes(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.choice([b for b in range(1, 256)]) for _ in range(size))


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_named_py_are_binary(tmp_path: Path, seed: int) -> None:
    data = random_bytes(4096, seed)
    assert b"\x00" not in data
    (tmp_path / "payload.py").write_bytes(data)
    (source,) = discover(tmp_path)
    assert isinstance(source, SourceFile)
    result = load(source)
    assert isinstance(result, Skipped) and result.reason == "binary"
    assert "control characters" in result.detail


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (
            "latin1.txt",
            "Stra\u00dfe, M\u00fcller, gar\u00e7on, na\u00efve\n".encode("latin-1") * 50,
        ),
        ("cp1252.md", "\u201cquoted\u201d \u2013 caf\u00e9\n".encode("cp1252") * 50),
        ("stray.txt", "caf\u00e9 \u201cquoted\u201d".encode("cp1252") * 20 + b"\x81\n"),
        ("utf16.txt", "UTF-16 prose \u00e9\u00e8\n".encode("utf-16") * 50),
        (
            "cyrillic.txt",
            "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440\n".encode("cp1251") * 50,
        ),
        ("ansi.log", b"\x1b[31mred\x1b[0m \x1b[1mbold\x1b[0m\n" * 50),
        ("form-feed.c", b"int a;\n\x0c\nint b;\n" * 50),
        ("unicode.py", "s = '\u65e5\u672c\u8a9e \U0001f600'\n".encode() * 50),
    ],
)
def test_real_text_in_other_encodings_is_kept(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    (source,) = discover(tmp_path)
    assert isinstance(load(source), LoadedFile)
