"""Bytes to text: a cheap binary sniff and BOM-aware decoding that never raises."""

from __future__ import annotations

import codecs
import contextlib

#: How much of a file's head is searched for a NUL byte.
BINARY_SNIFF_BYTES = 8192

#: Byte-order mark -> codec for the bytes after it. UTF-32 comes first because the UTF-32 LE
#: mark begins with the UTF-16 LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Tried in order when there is no BOM; latin-1 maps every byte, so it is the last resort.
STRICT_ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252")
LAST_RESORT_ENCODING = "latin-1"


def _bom(data: bytes) -> tuple[bytes, str] | None:
    return next(((mark, codec) for mark, codec in BOMS if data.startswith(mark)), None)


def looks_binary(head: bytes) -> bool:
    """True when ``head`` has a NUL byte in its first 8 KiB, unless it is BOM-marked UTF-16/32."""
    bom = _bom(head)
    if bom is not None and bom[1] != "utf-8-sig":
        return False  # NULs are ordinary in UTF-16/32 text
    return b"\x00" in head[:BINARY_SNIFF_BYTES]


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of ``data``. Any BOM is stripped; line endings are left as they are."""
    bom = _bom(data)
    if bom is not None:
        mark, codec = bom
        # A BOM is a strong signal: keep its encoding and replace the odd malformed unit.
        return data[len(mark) :].decode(codec, errors="replace"), codec
    for encoding in STRICT_ENCODINGS:
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(encoding), encoding
    return data.decode(LAST_RESORT_ENCODING), LAST_RESORT_ENCODING
