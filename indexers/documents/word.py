"""Word (.docx): the body in order, headings from paragraph styles as breadcrumbs, tables as rows.

A Word file has no stable pages (they depend on the renderer), so it is one part without a
number: its citations are the heading breadcrumb and the line range of the extracted text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from indexers.documents.office import check_archive, table_rows
from indexers.documents.parts import Budget, Extraction, Part, Refused
from indexers.text import Breadcrumbs

_HEADING_STYLE = re.compile(r"heading\s*(\d)", re.IGNORECASE)


def extract(data: bytes, budget: Budget) -> Extraction:
    check_archive(data, "word/document.xml")
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
    except Exception as exc:  # noqa: BLE001 - lxml, zipfile and python-docx errors alike
        raise Refused("malformed", f"{type(exc).__name__}: {exc}") from exc
    crumbs = Breadcrumbs()
    blocks: list[str] = []
    heads: list[tuple[int, str | None]] = []
    offset = 0
    for element in body.iterchildren():
        tag = element.tag.rpartition("}")[2]
        if tag == "p":
            paragraph = Paragraph(element, document)
            text = " ".join(paragraph.text.split())
            level = _heading_level(paragraph)
            if level is not None and text:
                heads.append((offset, crumbs.push(level, text)))
        elif tag == "tbl":
            text = "\n".join(table_rows(Table(element, document)))
        else:
            continue
        if text:
            block = budget.add(text + "\n\n")
            blocks.append(block)
            offset += len(block)
            if len(blocks) % 200 == 0:
                budget.step()
    budget.step()
    text = "".join(blocks)
    if not text.strip():
        raise Refused("empty", "no text in the document body")
    return Extraction("docx", (Part(text, None, "docx", None, tuple(heads)),))


def _heading_level(paragraph) -> int | None:  # noqa: ANN001 - a python-docx paragraph
    """1 for the title, 2-10 for Heading 1-9 (from the style or its outline level), else None."""
    try:
        style = paragraph.style
        names = list(_style_names(style))
    except Exception:  # noqa: BLE001 - a broken style table costs the headings only
        return None
    for name in names:
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.fullmatch(name.strip())
        if match:
            return int(match[1]) + 1
    return None


def _style_names(style) -> Iterator[str]:  # noqa: ANN001
    """A style's name and those it is based on (a custom heading style derives from one)."""
    seen = 0
    while style is not None and seen < 10:
        yield style.name or ""
        style, seen = style.base_style, seen + 1
