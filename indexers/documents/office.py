"""What Word and PowerPoint files share: they are ZIP archives, checked before any reader opens
them, so a zip bomb is refused by what its entries declare (Python's zipfile never inflates an
entry past its declared size)."""

from __future__ import annotations

import io
import zipfile

from indexers.documents.parts import MAX_UNZIPPED_BYTES, MAX_ZIP_ENTRIES, Refused

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_archive(data: bytes, required: str) -> None:
    """Refuse ``data`` unless it is a ZIP archive holding ``required``, of a sane size."""
    if data.startswith(_OLE_MAGIC):
        # Office saves a password-protected document as an OLE container around the archive.
        raise Refused("encrypted", "password-protected (an OLE container, not a ZIP archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused("malformed", f"not a ZIP archive: {exc}") from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise Refused("too-large", f"{len(entries):,} archive entries")
    expanded = sum(entry.file_size for entry in entries)
    if expanded > MAX_UNZIPPED_BYTES:
        cap = MAX_UNZIPPED_BYTES >> 20
        raise Refused("too-large", f"expands to {expanded >> 20:,} MiB, over the {cap} MiB cap")
    if not any(entry.filename == required for entry in entries):
        raise Refused("malformed", f"no {required} in the archive")
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise Refused("encrypted", "encrypted archive entries")


def table_rows(table) -> list[str]:  # noqa: ANN001 - a python-docx or python-pptx table
    """A table as rows of text: cells joined by `` | ``; a merged cell is named once."""
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or text != cells[-1]:
                cells.append(text)
        if any(cells):
            rows.append(" | ".join(cells))
    return rows
