"""Chunk invariants on real files: the sample corpus and installed library sources.

Every chunk of every file is in the file's order, the chunks rebuild the file byte for byte,
their line and byte ranges point at their text, and none exceeds the budget in the real
tokenizer.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from indexers.chunking import chunk_text
from indexers.discovery import LoadedFile, SourceFile, discover, load
from indexers.secrets import redact
from paths import SAMPLE

SITE = Path(sysconfig.get_paths()["purelib"])
LIBRARY_SOURCES = ["sqlalchemy/orm", "rich", "click", "pydantic", "fastapi", "typer"]


def sample_files() -> list[LoadedFile]:
    return [
        loaded
        for source in discover(SAMPLE)
        if isinstance(source, SourceFile) and isinstance(loaded := load(source), LoadedFile)
    ]


def library_files(limit: int = 80) -> list[LoadedFile]:
    found: list[LoadedFile] = []
    for package in LIBRARY_SOURCES:
        root = SITE / package
        if not root.is_dir():
            continue
        sources = sorted(
            (s for s in discover(root) if isinstance(s, SourceFile)), key=lambda s: s.path
        )
        for source in sources[: limit // len(LIBRARY_SOURCES)]:
            loaded = load(source)
            if isinstance(loaded, LoadedFile):
                found.append(loaded)
    return found


def check(loaded: LoadedFile, budget: int, count) -> None:
    text = redact(loaded.text)  # what chunking sees: secrets masked, lengths kept
    chunks = chunk_text(loaded.text, loaded.source.path, loaded.language, budget, count)
    assert "".join(chunk.text for chunk in chunks) == text
    encoded = text.encode("utf-8")
    position = 0
    for chunk in chunks:
        assert encoded[chunk.start_byte : chunk.end_byte].decode("utf-8") == chunk.text
        assert chunk.token_count == count(chunk.text) <= budget
        body = chunk.text[:-1] if chunk.text.endswith("\n") else chunk.text
        assert chunk.start_line == text.count("\n", 0, position) + 1
        assert chunk.end_line == chunk.start_line + body.count("\n")
        position += len(chunk.text)


@pytest.mark.parametrize("budget", [64, 256])
def test_sample_corpus(budget: int, minilm_count) -> None:
    files = sample_files()
    assert len(files) >= 30
    for loaded in files:
        check(loaded, budget, minilm_count)


@pytest.mark.parametrize("budget", [128, 512])
def test_installed_library_sources(budget: int, minilm_count) -> None:
    files = library_files()
    assert files
    for loaded in files:
        check(loaded, budget, minilm_count)
