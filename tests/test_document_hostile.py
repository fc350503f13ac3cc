"""Hostile documents are skipped with a reason, within their bounds (the worker process's
memory cap and stall timer), and the next document reads normally. Times and peaks are
measured by benchmarks/documents.py, not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest
from document_files import (
    notebook,
    notebook_with_outputs,
    pdf,
    pdf_with_a_cycle,
    pdf_with_cyclic_pages,
    slow_pdf,
    zip_bomb,
)

from indexers.discovery import LoadedFile, Skipped, SourceFile, discover, load
from indexers.documents import Refused, read_document
from indexers.documents.worker import extract_isolated
from indexers.skip_rules import SKIP_REASONS


def loaded(root: Path, name: str, data: bytes) -> LoadedFile | Skipped:
    (root / name).write_bytes(data)
    (source,) = discover(root / name)
    return source if isinstance(source, Skipped) else load(source)


def still_reads(tmp_path: Path) -> None:
    """The worker (or its replacement) reads an ordinary document after a hostile one."""
    after = loaded(tmp_path, "after.pdf", pdf([["Ordinary page"]]))
    assert isinstance(after, LoadedFile) and "Ordinary page" in after.text


def test_a_docx_zip_bomb_is_refused_by_what_it_declares(tmp_path: Path) -> None:
    bomb = zip_bomb(1)  # 1 MiB on disk, 1 GiB inflated
    result = loaded(tmp_path, "bomb.docx", bomb)
    assert isinstance(result, Skipped) and result.reason == "too-large"
    assert "expands to 1,024 MiB" in result.detail
    still_reads(tmp_path)


def test_a_pdf_of_ten_thousand_pages_is_refused_before_its_pages_are_read(tmp_path: Path) -> None:
    result = loaded(tmp_path, "huge.pdf", pdf([["a page"]] * 10_000))
    assert isinstance(result, Skipped) and result.reason == "too-large"
    assert result.detail == "10,000 pages, over the 2,000-page cap"


def test_a_pdf_page_tree_that_contains_itself_is_malformed(tmp_path: Path) -> None:
    result = loaded(tmp_path, "cycle.pdf", pdf_with_cyclic_pages())
    assert isinstance(result, Skipped) and result.reason == "malformed"
    assert "cyclic" in result.detail
    still_reads(tmp_path)


def test_a_pdf_whose_form_draws_itself_keeps_the_text_it_has(tmp_path: Path) -> None:
    result = loaded(tmp_path, "form.pdf", pdf_with_a_cycle())  # its outline loops too
    assert isinstance(result, LoadedFile) and "inside the form" in result.text


def test_a_notebook_with_50_mb_of_outputs_is_skipped_by_its_size(tmp_path: Path) -> None:
    result = loaded(tmp_path, "big.ipynb", notebook_with_outputs(50))
    assert isinstance(result, Skipped) and result.reason == "too-large"
    assert result.detail.endswith("> 32.0 MiB cap")


def test_a_notebook_under_the_cap_is_read_without_its_outputs(tmp_path: Path) -> None:
    result = loaded(tmp_path, "plots.ipynb", notebook_with_outputs(20))
    assert isinstance(result, LoadedFile) and result.text == "print('hello')\n\n"


def test_a_document_that_needs_too_much_memory_stops_at_the_cap(tmp_path: Path) -> None:
    # 30 MB of empty lists: a JSON parser needs over 600 MB to hold them.
    result = loaded(tmp_path, "lists.ipynb", notebook_with_outputs(30, shape="lists"))
    assert isinstance(result, Skipped)
    # Out of memory in the worker; on a slow machine the stall timer may stop it first.
    assert (result.reason, result.detail) in {
        ("too-large", "needs over 500 MiB to read"),
        ("timeout", "no progress for 8 s"),
    }
    still_reads(tmp_path)


def test_an_extraction_that_stalls_is_stopped_and_the_next_one_runs() -> None:
    extract_isolated("ipynb", notebook([("code", "x = 1")]))  # a started worker
    with pytest.raises(Refused) as refused:
        extract_isolated("pdf", slow_pdf(300_000), stall_seconds=0.5)
    assert (refused.value.reason, refused.value.detail) == ("timeout", "no progress for 0.5 s")
    assert read_document("pdf", pdf([["after the stall"]])).parts[0].text == "after the stall\n\n"


def test_every_document_skip_reason_is_explained() -> None:
    for reason in ("encrypted", "malformed", "no-text", "timeout", "too-large", "empty"):
        assert SKIP_REASONS[reason]


def test_discovery_never_opens_a_document_over_its_cap(tmp_path: Path) -> None:
    with (tmp_path / "giant.pdf").open("wb") as handle:
        handle.truncate(65 << 20)  # sparse: no 65 MiB written
    (found,) = discover(tmp_path)
    assert not isinstance(found, SourceFile) and found.reason == "too-large"


def test_a_worker_that_died_between_documents_is_replaced() -> None:
    from indexers.documents.worker import _client

    extract_isolated("ipynb", notebook([("code", "x = 1")]))
    assert _client.process is not None
    _client.process.kill()  # the worker this test started
    _client.process.wait()
    assert extract_isolated("ipynb", notebook([("code", "y = 2")])).parts[0].text == "y = 2\n\n"
