"""Documents for tests, built with the writing side of the libraries that read them."""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Sequence

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(
    pages: Sequence[Sequence[str]],
    outline: Sequence[tuple[str, int, int]] = (),
    password: str | None = None,
) -> bytes:
    """A PDF with one page per item of ``pages`` (its lines in Helvetica) and an outline of
    (title, page index, depth) entries, depth 0 at the top."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        fonts = DictionaryObject({NameObject("/F1"): font})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        operators = ["BT /F1 11 Tf 72 740 Td 14 TL"]
        operators += [f"({_escape(line)}) Tj T*" for line in lines]
        stream = StreamObject()
        stream.set_data("\n".join([*operators, "ET"]).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    parents: list = []
    for title, page_index, depth in outline:
        parent = parents[depth - 1] if depth else None
        item = writer.add_outline_item(title=title, page_number=page_index, parent=parent)
        parents[depth:] = [item]
    if password is not None:
        writer.encrypt(user_password=password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_a_cycle() -> bytes:
    """A one-page PDF whose page draws a form that draws itself, and whose outline's first
    entry is its own next entry."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf([["Cyclic page text"]], [("Loop", 0, 0)])))
    page = writer.pages[0]
    form = StreamObject()
    form.set_data(b"BT /F1 11 Tf 72 700 Td (inside the form) Tj ET /X0 Do")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([NumberObject(n) for n in (0, 0, 612, 792)]),
        }
    )
    reference = writer._add_object(form)
    xobjects = DictionaryObject({NameObject("/X0"): reference})
    form[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): xobjects, NameObject("/Font"): page["/Resources"]["/Font"]}
    )
    page["/Resources"][NameObject("/XObject")] = xobjects
    contents = StreamObject()
    contents.set_data(b"/X0 Do")
    page[NameObject("/Contents")] = writer._add_object(contents)
    first = writer._root_object["/Outlines"].get_object()["/First"].get_object()
    first[NameObject("/Next")] = first.indirect_reference
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx(blocks: Sequence[tuple[str, object]]) -> bytes:
    """A Word file of ("title" | "heading1".."heading9" | "paragraph", text) and
    ("table", rows) blocks, in order."""
    import docx as python_docx

    document = python_docx.Document()
    for kind, content in blocks:
        if kind == "title":
            document.add_heading(str(content), level=0)
        elif kind.startswith("heading"):
            document.add_heading(str(content), level=int(kind[7:]))
        elif kind == "table":
            rows = list(content)  # type: ignore[call-overload]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for row, values in zip(table.rows, rows, strict=True):
                for cell, value in zip(row.cells, values, strict=True):
                    cell.text = value
        else:
            document.add_paragraph(str(content))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pptx(slides: Sequence[dict]) -> bytes:
    """A deck with one slide per dict: ``title``, ``body`` (lines), ``notes``, ``table``."""
    import pptx as python_pptx
    from pptx.util import Inches

    deck = python_pptx.Presentation()
    for spec in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = spec.get("title", "")
        body = slide.placeholders[1].text_frame
        body.text = "\n".join(spec.get("body", ()))
        if "table" in spec:
            rows = spec["table"]
            shape = slide.shapes.add_table(
                len(rows), len(rows[0]), Inches(1), Inches(4), Inches(6), Inches(1)
            )
            for r, values in enumerate(rows):
                for c, value in enumerate(values):
                    shape.table.cell(r, c).text = value
        if "notes" in spec:
            slide.notes_slide.notes_text_frame.text = spec["notes"]
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def notebook(cells: Sequence[tuple[str, str]], language: str = "python", outputs=None) -> bytes:
    """An nbformat 4 notebook of (cell type, source) cells; ``outputs`` go on every code cell."""
    body = []
    for kind, source in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=1, outputs=outputs or [])
        body.append(cell)
    metadata = {
        "kernelspec": {"name": language, "language": language, "display_name": language},
        "language_info": {"name": language},
    }
    return json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": body}
    ).encode()


def zip_bomb(gibibytes: int = 1) -> bytes:
    """A DOCX-shaped archive whose ``word/document.xml`` really inflates to ``gibibytes`` GiB
    of zeros (at most 3), about 1 MiB on disk. Built from one deflate block of 16 MiB of zeros
    repeated (a full flush makes each repeat stand alone), so it costs no 1 GiB to write."""
    block = 1 << 24
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    unit = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats = gibibytes * (1 << 30) // block
    crc = 0
    zeros = bytes(block)
    for _ in range(repeats):
        crc = zlib.crc32(zeros, crc)
    entries = [  # name, stored bytes, CRC-32, inflated size, method (0 stored, 8 deflated)
        (b"[Content_Types].xml", b"<Types/>", zlib.crc32(b"<Types/>"), 8, 0),
        (b"word/document.xml", unit * repeats + b"\x03\x00", crc, block * repeats, 8),
    ]
    local, central = b"", b""
    for name, body, checksum, size, method in entries:
        sizes = (checksum, len(body), size, len(name))
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0,
                               *sizes, 0, 0, 0, 0, 0, len(local)) + name  # fmt: skip
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, *sizes, 0)
        local += name + body
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(central), len(local), 0)
    return local + central + end


def pdf_with_cyclic_pages() -> bytes:
    """A PDF whose page tree lists itself among its own kids."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf([["Page one"], ["Page two"]])))
    tree = writer._root_object["/Pages"].get_object()
    tree["/Kids"].append(tree.indirect_reference)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def slow_pdf(operators: int) -> bytes:
    """A one-page PDF whose page shows ``operators`` separate strings (compressed, so small on
    disk: a page that takes its reader a long time)."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf([["slow"]])))
    stream = StreamObject()
    stream.set_data(b"BT /F1 11 Tf 72 740 Td\n" + b"(a) Tj 1 0 Td\n" * operators + b"ET")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def notebook_with_outputs(megabytes: int, shape: str = "text") -> bytes:
    """A small notebook with ``megabytes`` MB of outputs: lines of text (``text``), or empty
    lists that cost a parser far more memory than their bytes (``lists``)."""
    cell = {"cell_type": "code", "metadata": {}, "source": ["print('hello')\n"]}
    head = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]})
    size = megabytes * 1_000_000
    if shape == "lists":
        payload = (
            b'{"output_type": "execute_result", "data": {}, "metadata": {"x": ['
            + (b"[]," * (size // 3))
            + b"[]]}}"
        )
    else:
        line = json.dumps("x" * 998 + "\n").encode() + b","
        payload = (
            b'{"output_type": "stream", "name": "stdout", "text": ['
            + line * (size // len(line))
            + b'""]}'
        )
    body = head.encode()
    cut = body.rindex(b"}]")  # inside the code cell, after its source
    return body[:cut] + b', "outputs": [' + payload + b"]" + body[cut:]
