#!/usr/bin/env python
"""Document ingestion benchmark: PDF pages per second, extraction alone and end to end, and the
time and memory each hostile document costs before it is skipped.

1. Extraction alone, per PDF: pypdf in this process (what the worker runs), the same through
   the worker process, started beforehand (what indexing runs, with its pipe and JSON), and
   pdfminer.six for comparison when it is installed (with the share of words they agree on).
2. End to end: ``Retriever.index`` of a folder holding the PDFs (discovery, extraction,
   chunking, encoding, storing) into an empty index; pages per second of wall time.
3. Hostile files: each read through ``indexers.discovery.load`` in a fresh worker; wall time,
   the skip reason, and the worker's peak RSS (sampled every 20 ms).

PDFs: real ones given on the command line (default: the PDFs under /usr/share/doc smaller than
5 MB), plus a generated one of ``--pages`` pages of the sample corpus's prose.

Results: ``benchmarks/results/documents.json`` and Markdown tables on stdout.

    HF_HUB_OFFLINE=1 python benchmarks/documents_benchmark.py [--model minilm] [PDF ...]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.metadata
import io
import json
import os
import platform
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "documents.json"
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import document_files  # noqa: E402

from indexers.discovery import SourceFile, discover, load  # noqa: E402
from indexers.documents import extract  # noqa: E402
from indexers.documents.worker import _client, extract_isolated  # noqa: E402


def generated_pdf(pages: int) -> bytes:
    """``pages`` pages of 40 lines of the sample corpus's Markdown prose, in order."""
    lines = [
        line.strip()
        for path in sorted((REPO / "data" / "sample").rglob("*.md"))
        for line in path.read_text().splitlines()
        if line.strip() and not line.startswith(("```", "|"))
    ]
    text = [lines[i % len(lines)][:95].encode("latin-1", "replace").decode("latin-1")
            for i in range(pages * 40)]  # fmt: skip
    return document_files.pdf([text[i * 40 : (i + 1) * 40] for i in range(pages)])


def timed(function, *args) -> tuple[float, Any]:  # noqa: ANN001
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def words(texts: list[str]) -> collections.Counter[str]:
    return collections.Counter(re.findall(r"\w+", "\n".join(texts)))


def extraction(name: str, data: bytes) -> dict[str, Any]:
    seconds, parts = timed(lambda: extract("pdf", data).parts)
    pages = len(parts)
    isolated, _ = timed(extract_isolated, "pdf", data)
    row: dict[str, Any] = {
        "pdf": name,
        "pages": pages,
        "pypdf_pages_per_s": round(pages / seconds, 1),
        "worker_pages_per_s": round(pages / isolated, 1),
    }
    try:
        from pdfminer.high_level import extract_text
    except ImportError:
        return row
    miner_seconds, texts = timed(
        lambda: [extract_text(io.BytesIO(data), page_numbers=[i]) for i in range(pages)]
    )
    ours, theirs = words([p.text for p in parts]), words(texts)
    row["pdfminer_pages_per_s"] = round(pages / miner_seconds, 1)
    row["words_agreed"] = round(sum((ours & theirs).values()) / max(sum(theirs.values()), 1), 4)
    return row


def end_to_end(pdfs: dict[str, bytes], pages: int, model: str) -> dict[str, Any]:
    from retriever import Retriever

    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work, "corpus")
        corpus.mkdir()
        for name, data in pdfs.items():
            (corpus / name).write_bytes(data)
        with Retriever.open(Path(work, "index"), model=model) as retriever:
            retriever.encoder  # noqa: B018 - load the model before the clock starts
            seconds, report = timed(retriever.index, [corpus])
    return {
        "pages": pages,
        "seconds": round(seconds, 2),
        "pages_per_s": round(pages / seconds, 2),
        "files_indexed": report.files_indexed,
        "chunks_encoded": report.chunks_encoded,
        "model": model,
    }


def peak_rss_kib(stop: threading.Event, peak: list[int]) -> None:
    while not stop.wait(0.02):
        with contextlib.suppress(OSError):  # the worker went between two looks
            peak[0] = max(peak[0], _peak_of_worker())


def hostile() -> list[dict[str, Any]]:
    d = document_files
    files = {  # file name -> (what it is, how to build it)
        "bomb.docx": ("a DOCX zip bomb, 1 GiB inflated", lambda: d.zip_bomb(1)),
        "pages.pdf": ("a PDF of 10,000 pages", lambda: d.pdf([["a"]] * 10_000)),
        "cycle.pdf": ("a PDF whose page tree contains itself", d.pdf_with_cyclic_pages),
        "form.pdf": ("a PDF whose form draws itself, outline loops", d.pdf_with_a_cycle),
        "big.ipynb": ("a notebook with 50 MB of outputs", lambda: d.notebook_with_outputs(50)),
        "plots.ipynb": ("a notebook with 20 MB of outputs", lambda: d.notebook_with_outputs(20)),
        "lists.ipynb": (
            "a notebook with 30 MB of empty lists",
            lambda: d.notebook_with_outputs(30, "lists"),
        ),
        "slow.pdf": ("a PDF page of 300,000 text operators", lambda: d.slow_pdf(300_000)),
    }
    rows = []
    with tempfile.TemporaryDirectory() as work:
        _client.close()
        extract_isolated("ipynb", document_files.notebook([("code", "x = 1")]))
        idle = _peak_of_worker()
        for name, (label, build) in files.items():
            path = Path(work, name)
            path.write_bytes(build())
            _client.close()  # a fresh worker each time: its peak is this file's
            stop, peak = threading.Event(), [0]
            sampler = threading.Thread(target=peak_rss_kib, args=(stop, peak))
            sampler.start()
            started = time.perf_counter()
            (found,) = discover(path)
            result = load(found) if isinstance(found, SourceFile) else found
            seconds = time.perf_counter() - started
            stop.set()
            sampler.join()
            rows.append(
                {
                    "file": label,
                    "bytes": path.stat().st_size,
                    "seconds": round(seconds, 2),
                    "outcome": getattr(result, "reason", "read"),
                    "detail": getattr(result, "detail", ""),
                    "worker_peak_mib": round(peak[0] / 1024, 1) if peak[0] else None,
                    "over_idle_worker_mib": round((peak[0] - idle) / 1024, 1) if peak[0] else None,
                }
            )
    return rows


def _peak_of_worker() -> int:
    """The running worker's peak RSS so far, in KiB."""
    process = _client.process
    if process is not None:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def machine() -> dict[str, Any]:
    found: dict[str, Any] = {"platform": platform.platform(), "cores": os.cpu_count()}
    for name in ("pypdf", "pdfminer.six", "python-docx", "python-pptx", "torch"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--pages", type=int, default=200, help="pages of the generated PDF")
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--no-end-to-end", action="store_true")
    parser.add_argument("--hostile-only", action="store_true", help="only the hostile files")
    args = parser.parse_args()
    given = args.pdfs or sorted(
        p for p in Path("/usr/share/doc").rglob("*.pdf") if p.stat().st_size < 5 << 20
    )
    pdfs = {path.name: path.read_bytes() for path in given}
    pdfs[f"generated-{args.pages}-pages.pdf"] = generated_pdf(args.pages)
    load_before = os.getloadavg()[0]
    if args.hostile_only:
        print(json.dumps(hostile(), indent=2))
        return
    extract_isolated("pdf", document_files.pdf([["warm-up"]]))  # the worker's start apart
    rows = [extraction(name, data) for name, data in pdfs.items()]
    pages = sum(row["pages"] for row in rows)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "load_average_before": round(load_before, 2),
        "extraction": rows,
        "end_to_end": None if args.no_end_to_end else end_to_end(pdfs, pages, args.model),
        "hostile": hostile(),
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
