"""Integrity checks for uploaded parts and whole files.

Every part travels with a SHA-256 digest in the ``X-Parcel-Checksum`` header.
The server hashes what it actually received and echoes that digest back; if
the two differ, the bytes were damaged on the way and the part is sent again.
When the upload completes, the server reports a *composite* digest (a hash of
the part digests, suffixed with the part count) that we can recompute locally
to prove the assembled object is exactly the file on disk.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

ALGORITHM = "sha256"
READ_BLOCK = 1 << 20


class ChecksumMismatch(Exception):
    """The server received different bytes from those we sent."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"checksum mismatch: sent {expected}, server computed {actual}")
        self.expected = expected
        self.actual = actual


def encode_digest(raw: bytes) -> str:
    """Header form of a digest: ``sha256=<base64>``."""
    return f"{ALGORITHM}={base64.b64encode(raw).decode('ascii')}"


def decode_digest(header: str) -> bytes:
    algorithm, _, value = header.partition("=")
    if algorithm != ALGORITHM or not value:
        raise ValueError(f"unsupported checksum header: {header!r}")
    return base64.b64decode(value)


def part_digest(data: bytes) -> str:
    """Digest of one part, ready for the X-Parcel-Checksum header."""
    return encode_digest(hashlib.sha256(data).digest())


def verify_part_receipt(receipt: dict, sent_digest: str) -> None:
    """Compare the digest the server computed for a part with the one we sent.

    Uses a constant-time comparison out of habit; raises ChecksumMismatch so the
    uploader's retry loop sends the part again.
    """
    received = receipt.get("checksum", "")
    if not hmac.compare_digest(received, sent_digest):
        raise ChecksumMismatch(sent_digest, received)


def composite_digest(part_digests: Iterable[str]) -> str:
    """Digest of a multipart object: SHA-256 over the raw part digests, plus ``-N``.

    The same construction the server uses, so a client can check a finished
    upload without downloading it again.
    """
    outer = hashlib.sha256()
    count = 0
    for header in part_digests:
        outer.update(decode_digest(header))
        count += 1
    return f"{encode_digest(outer.digest())}-{count}"


def file_composite_digest(path: Path, part_size: int) -> str:
    """Composite digest of a local file split into ``part_size`` parts."""
    digests = []
    with path.open("rb") as stream:
        while True:
            data = stream.read(part_size)
            if not data:
                break
            digests.append(part_digest(data))
    return composite_digest(digests)


def verify_completed_upload(path: Path, part_size: int, server_digest: str) -> bool:
    """True when the server's composite digest matches the local file."""
    return hmac.compare_digest(file_composite_digest(path, part_size), server_digest)


def sha256_file(path: Path) -> str:
    """Plain hex SHA-256 of a whole file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(READ_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
