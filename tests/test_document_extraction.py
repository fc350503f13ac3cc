"""PDF, Word, PowerPoint and notebooks become chunks that say which page, slide or cell they
come from; discovery routes them to their extractors instead of skipping them as binary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from document_files import docx, notebook, pdf, pptx

from indexers.chunk import Chunk
from indexers.chunking import chunk_file
from indexers.discovery import LoadedFile, Skipped, discover, load
from indexers.documents import Refused, cite, read_document
from indexers.documents.chunking import chunk_document
from indexers.secrets import redact
from indexers.skip_rules import SKIP_REASONS


def words(text: str) -> int:
    return len(text.split()) + 2


def chunks_of(format: str, data: bytes, budget: int = 200, isolated: bool = False) -> list[Chunk]:
    extraction = read_document(format, data, isolated=isolated)
    chunks = chunk_document(extraction, f"doc.{format}", budget, words)
    assert "".join(c.text for c in chunks) == redact(extraction.text)  # a partition
    return chunks


def where(chunks: list[Chunk], phrase: str) -> Chunk:
    (found,) = [c for c in chunks if phrase in c.text]
    return found


MANUAL = pdf(
    [
        ["Widget Manual", "Everything about widgets."],
        ["Installation", "Run the installer and reboot the gearbox."],
        ["Calibration", "Turn the flux dial clockwise.", "Advanced tuning", "Tune the damper."],
    ],
    outline=[("Widget Manual", 0, 0), ("Installation", 1, 1), ("Calibration", 2, 1),
             ("Advanced tuning", 2, 2)],
)  # fmt: skip


def test_pdf_pages_are_cited_with_outline_headings() -> None:
    chunks = chunks_of("pdf", MANUAL)
    install = where(chunks, "reboot the gearbox")
    assert (install.unit, install.start_unit, install.end_unit) == ("page", 2, 2)
    assert install.heading == "Widget Manual > Installation"
    assert install.language == "pdf" and install.kind == "page"
    damper = where(chunks, "the damper")
    assert damper.heading == "Widget Manual > Calibration > Advanced tuning"
    assert damper.start_unit == 3 and "flux dial" not in damper.text  # the heading cuts the page
    assert cite("manual.pdf", damper.unit, damper.start_unit, damper.end_unit) == "manual.pdf p.3"


def test_a_page_too_long_for_one_chunk_splits_and_never_straddles_silently() -> None:
    long_page = [f"Sentence number {i} about the gearbox." for i in range(60)]
    chunks = chunks_of("pdf", pdf([["Short first page."], long_page, ["Last page."]]), budget=40)
    assert len(chunks) > 3
    for chunk in chunks:
        page_texts = {1: "Short first", 3: "Last page"}
        for page, marker in page_texts.items():
            if marker in chunk.text:
                assert chunk.start_unit == chunk.end_unit == page
        assert chunk.start_unit == chunk.end_unit  # sections never pack across pages
        assert chunk.token_count <= 40


def test_citations_name_the_place_a_person_looks() -> None:
    assert cite("manual.pdf", "page", 12, 13) == "manual.pdf p.12\u201313"
    assert cite("deck.pptx", "slide", 4, 4) == "deck.pptx slide 4"
    assert cite("analysis.ipynb", "cell", 7, 7) == "analysis.ipynb cell 7"
    assert cite("analysis.ipynb", "cell", 3, 5) == "analysis.ipynb cells 3\u20135"
    assert cite("spec.docx", None, None, None) == "spec.docx"


def test_docx_headings_from_styles_and_tables_as_rows() -> None:
    data = docx(
        [
            ("title", "Payment Spec"),
            ("heading1", "Scope"),
            ("paragraph", "The ledger reconciles nightly."),
            ("heading2", "Limits"),
            ("table", [["Currency", "Limit"], ["EUR", "5000"], ["USD", "6000"]]),
            ("heading1", "Appendix"),
            ("paragraph", "Glossary of terms."),
        ]
    )
    chunks = chunks_of("docx", data)
    ledger = where(chunks, "reconciles nightly")
    assert ledger.heading == "Payment Spec > Scope" and ledger.unit is None
    table = where(chunks, "EUR | 5000")
    assert table.heading == "Payment Spec > Scope > Limits"
    assert "Currency | Limit\nEUR | 5000\nUSD | 6000" in table.text
    assert where(chunks, "Glossary").heading == "Payment Spec > Appendix"


def test_pptx_one_chunk_per_slide_with_title_and_notes() -> None:
    data = pptx(
        [
            {"title": "Quarterly results", "body": ["Revenue grew"], "notes": "Mention the otter"},
            {"title": "Roadmap", "body": ["Ship the teleporter"], "table": [["Q1", "beta"]]},
        ]
    )
    chunks = chunks_of("pptx", data)
    assert len(chunks) == 2
    first, second = chunks
    assert (first.unit, first.start_unit, first.end_unit) == ("slide", 1, 1)
    assert first.heading == "Quarterly results"
    assert "Revenue grew" in first.text and "Notes: Mention the otter" in first.text
    assert second.start_unit == 2 and "Q1 | beta" in second.text
    assert second.text.startswith("Roadmap\n")


def test_notebook_cells_markdown_as_prose_code_as_code_outputs_left_out() -> None:
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["OUTPUT-ONLY-TEXT\n"]}]
    data = notebook(
        [
            ("markdown", "# Churn analysis\nWe look at churn."),
            ("code", "import pandas as pd\nframe = pd.read_csv('churn.csv')"),
            ("code", "def churn_rate(frame):\n    return frame.churned.mean()\n"),
            ("markdown", "## Findings\nChurn is seasonal."),
            ("code", "churn_rate(frame)"),
        ],
        outputs=outputs,
    )
    chunks = chunks_of("ipynb", data)
    assert not any("OUTPUT-ONLY-TEXT" in c.text for c in chunks)
    prose = where(chunks, "We look at churn")
    assert (prose.language, prose.unit, prose.start_unit) == ("markdown", "cell", 1)
    function = where(chunks, "def churn_rate")
    assert function.language == "python" and function.kind == "function"
    assert function.symbol == "churn_rate" and function.start_unit == function.end_unit == 3
    assert function.heading == "Churn analysis"  # code sits under the heading above it
    assert where(chunks, "Churn is seasonal").heading == "Churn analysis > Findings"
    assert where(chunks, "churn_rate(frame)\n").start_unit == 5


def test_notebook_kernel_language_decides_the_code_language() -> None:
    data = notebook([("code", "summary(cars)")], language="R")
    (chunk,) = chunks_of("ipynb", data)
    assert chunk.language == "r" and chunk.start_unit == 1


@pytest.mark.parametrize(
    ("format", "data", "reason"),
    [
        ("pdf", pdf([["top secret"]], password="hunter2"), "encrypted"),
        ("pdf", pdf([[], []]), "no-text"),
        ("pdf", b"%PDF-1.7\n this is not really a pdf", "malformed"),
        ("docx", b"PK\x03\x04 truncated", "malformed"),
        ("docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "encrypted"),
        ("pptx", docx([("paragraph", "a Word file named .pptx")]), "malformed"),
        ("ipynb", b"{not json", "malformed"),
        ("ipynb", notebook([("code", "")]), "empty"),
    ],
)
def test_unreadable_documents_are_refused_with_a_reason(
    format: str, data: bytes, reason: str
) -> None:
    with pytest.raises(Refused) as refused:
        read_document(format, data, isolated=False)
    assert refused.value.reason == reason and refused.value.reason in SKIP_REASONS


def test_a_pdf_with_an_empty_user_password_opens() -> None:
    (chunk,) = chunks_of("pdf", pdf([["Permissions only"]], password=""))
    assert "Permissions only" in chunk.text


def test_discovery_routes_documents_to_their_extractors(tmp_path: Path) -> None:
    (tmp_path / "manual.pdf").write_bytes(MANUAL)
    (tmp_path / "deck.pptx").write_bytes(pptx([{"title": "Hello deck", "body": ["x"]}]))
    (tmp_path / "spec.docx").write_bytes(docx([("paragraph", "Spec body")]))
    (tmp_path / "nb.ipynb").write_bytes(notebook([("code", "x = 1")]))
    (tmp_path / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    found = list(discover(tmp_path))
    skipped = {s.path: s.reason for s in found if isinstance(s, Skipped)}
    assert skipped == {"legacy.doc": "binary"}
    loaded = {s.path: load(s) for s in found if not isinstance(s, Skipped)}
    assert isinstance(loaded["broken.pdf"], Skipped) and loaded["broken.pdf"].reason == "malformed"
    for path, fmt in [("manual.pdf", "pdf"), ("deck.pptx", "pptx"), ("spec.docx", "docx"),
                      ("nb.ipynb", "ipynb")]:  # fmt: skip
        file = loaded[path]
        assert isinstance(file, LoadedFile) and file.document is not None
        assert file.language == file.encoding == fmt and file.text == file.document.text
        chunks = chunk_file(file, 200, words)
        assert chunks and all(c.path == path for c in chunks)
    assert where(chunk_file(loaded["manual.pdf"], 200, words), "gearbox").start_unit == 2


def test_documents_have_their_own_size_cap(tmp_path: Path) -> None:
    (tmp_path / "manual.pdf").write_bytes(MANUAL)
    (tmp_path / "notes.txt").write_bytes(b"x" * len(MANUAL))
    found = list(discover(tmp_path, max_file_bytes=100))
    assert [(f.path, type(f).__name__) for f in found] == [
        ("manual.pdf", "SourceFile"),
        ("notes.txt", "Skipped"),
    ]
    assert isinstance(load(found[0], max_file_bytes=100), LoadedFile)


def test_an_isolated_extraction_gives_the_same_parts() -> None:
    inline = read_document("pdf", MANUAL, isolated=False)
    assert read_document("pdf", MANUAL) == inline
    assert json.loads(json.dumps(inline.to_json())) == inline.to_json()


def test_consecutive_code_cells_pack_together_and_say_so() -> None:
    data = notebook(
        [
            ("markdown", "# Setup"),
            ("code", "import os"),
            ("code", "x = 1"),
            ("code", "print(x)"),
            ("markdown", "# Next"),
            ("code", "y = 2"),
        ]
    )
    chunks = chunks_of("ipynb", data)
    setup = where(chunks, "import os")
    assert (setup.start_unit, setup.end_unit, setup.heading) == (2, 4, "Setup")
    assert cite("n.ipynb", setup.unit, setup.start_unit, setup.end_unit) == "n.ipynb cells 2\u20134"
    assert where(chunks, "y = 2").start_unit == 6  # a heading in between starts a new chunk


def test_secrets_in_documents_are_masked_like_in_files() -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    data = notebook([("markdown", "# Ünïcode heading"), ("code", f"TOKEN = '{token}'\nx = 1")])
    chunks = chunks_of("ipynb", data)
    assert not any(token in chunk.text for chunk in chunks)
    assert "x = 1" in where(chunks, "TOKEN").text
