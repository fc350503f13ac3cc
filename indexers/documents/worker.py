"""Extraction in a separate process, so no document can take the indexer's time or memory.

One long-lived worker per indexing process reads documents one at a time. Its address space
is capped at what it uses plus :data:`EXTRA_MEMORY_BYTES` (a reader that wants more gets a
MemoryError, reported as ``too-large``), and the parent stops it when it goes
:data:`STALL_SECONDS` without finishing a page, slide or cell (reported as ``timeout``); the
next document starts a fresh worker.

Protocol, on the worker's stdin and stdout: the parent writes a JSON header line
``[format, size]`` and the document's bytes; the worker answers ``.`` lines as it finishes
parts, then ``=<length>`` and a JSON reply of that length.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from indexers.documents.parts import (
    EXTRA_MEMORY_BYTES,
    STALL_SECONDS,
    Budget,
    Extraction,
    Refused,
)


class _Client:
    """The parent's side: one worker process, started on demand, one document at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        atexit.register(self.close)

    def extract(self, format: str, data: bytes, stall_seconds: float) -> Extraction:
        with self.lock:
            for attempt in (1, 2):
                try:
                    process = self._process()
                    assert process.stdin is not None
                    process.stdin.write(json.dumps([format, len(data)]).encode() + b"\n")
                    process.stdin.write(data)
                    process.stdin.flush()
                except OSError as exc:  # the worker went away since the last file: start anew
                    self.close()
                    if attempt == 2:
                        detail = f"the document reader could not run: {exc}"
                        raise Refused("unreadable", detail) from exc
                    continue
                try:
                    reply = self._reply(process, stall_seconds)
                except BaseException:
                    self.close()
                    raise
                break
            if reply.get("restart"):  # the worker ran out of memory and is on its way out
                self.close()
        if "refused" in reply:
            raise Refused(*reply["refused"])
        return Extraction.from_json(reply["extraction"])

    def _process(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            root = str(Path(__file__).resolve().parents[2])
            path = os.environ.get("PYTHONPATH")
            env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
            self.process = subprocess.Popen(
                [sys.executable, "-m", "indexers.documents.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        return self.process

    def _reply(self, process: subprocess.Popen[bytes], stall_seconds: float) -> dict[str, Any]:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        buffer = bytearray()
        expected: int | None = None
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            deadline = time.monotonic() + stall_seconds
            while expected is None or len(buffer) < expected:
                if not selector.select(max(deadline - time.monotonic(), 0)):
                    self.close()
                    raise Refused("timeout", f"no progress for {stall_seconds:g} s")
                block = os.read(fd, 1 << 16)
                if not block:
                    self.close()
                    raise Refused("malformed", "the reader crashed on it")
                buffer += block
                if expected is None:
                    while buffer.startswith(b".\n"):  # a part done: the clock starts again
                        del buffer[:2]
                        deadline = time.monotonic() + stall_seconds
                    if buffer.startswith(b"=") and b"\n" in buffer:
                        line, _, rest = bytes(buffer).partition(b"\n")
                        expected, buffer = int(line[1:]), bytearray(rest)
        return json.loads(bytes(buffer[:expected]))

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()


_client = _Client()


def extract_isolated(format: str, data: bytes, stall_seconds: float = STALL_SECONDS) -> Extraction:
    """:func:`indexers.documents.extract` in the worker process, within its bounds."""
    return _client.extract(format, data, stall_seconds)


def _cap_memory() -> None:
    """Let this process grow by at most EXTRA_MEMORY_BYTES from where it is now (once, at
    the start: a worker's heap never passes the bound however many documents it reads)."""
    try:
        import resource
    except ImportError:  # not on this platform: the parent's time bound still holds
        return
    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # no /proc (macOS, where the cap is not enforced anyway)
        return
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    soft = size + EXTRA_MEMORY_BYTES
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _serve(requests: BinaryIO, replies: BinaryIO) -> None:
    from indexers.documents import extract

    def tick() -> None:
        replies.write(b".\n")
        replies.flush()

    for name in ("pypdf", "docx", "pptx"):  # imported before the cap, so they are not counted
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    _cap_memory()
    while header := requests.readline():
        format, size = json.loads(header)
        data = requests.read(size)
        try:
            extraction = extract(format, data, Budget(tick=tick))
            reply: dict[str, Any] = {"extraction": extraction.to_json()}
        except Refused as exc:
            reply = {"refused": [exc.reason, exc.detail]}
        except MemoryError:
            bound = EXTRA_MEMORY_BYTES >> 20
            reply = {"refused": ["too-large", f"needs over {bound} MiB to read"], "restart": True}
        except Exception as exc:  # noqa: BLE001 - whatever a reader raises, the file is at fault
            reply = {"refused": ["malformed", f"{type(exc).__name__}: {exc}"]}
        del data
        payload = json.dumps(reply).encode()
        replies.write(b"=%d\n" % len(payload) + payload)
        replies.flush()
        if reply.get("restart"):  # a heap that ran out is not worth trusting with another file
            return


def main() -> None:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # a reader that prints must not corrupt the replies
    _serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
