"""Hostile files that must not stall or fool discovery: pathological ignore patterns."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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
