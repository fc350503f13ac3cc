"""Every benchmark script still imports: a rename in the engine must not silently break the
scripts whose figures the docs quote (they run by hand, outside the suite)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from paths import REPO

BENCHMARKS = REPO / "benchmarks"
SCRIPTS = sorted(path.stem for path in BENCHMARKS.glob("*.py"))


def test_there_are_benchmark_scripts() -> None:
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_script_imports(script: str) -> None:
    # A fresh interpreter per script, as `python benchmarks/<script>.py` runs it.
    code = f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import {script}"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
