"""HTTP search latency: `retriever serve` under 1 and 8 concurrent clients.

    HF_HUB_OFFLINE=1 python benchmarks/search_latency.py --index DIR [--seconds 120]
    HF_HUB_OFFLINE=1 python benchmarks/search_latency.py --synthesize 100000 \
        --from-index benchmarks/.work/index --index benchmarks/.work/index-100k

Each run starts `retriever serve` on a free loopback port, waits for /readyz, then drives
`POST /v1/search` and `POST /v1/context` with the sample queries for --seconds per
(endpoint, clients) pair, recording latency percentiles, requests/s, errors and the server's own
split between query encoding and the rest. Results go to benchmarks/results/.

--synthesize N builds an index of at least N chunks by copying an existing index's documents
and chunks (vectors included) under new roots, so search cost is that of N real vectors without
hours of encoding on a CPU; the copy is then verified and its vector file rebuilt on open.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
QUERIES = [
    json.loads(line)["query"]
    for line in (REPO / "data" / "sample-queries.jsonl").read_text().splitlines()
    if line.strip()
]
BODIES = {
    "search": lambda q: {"query": q, "k": 10},
    "context": lambda q: {"query": q, "token_budget": 2000, "k": 20},
}


def synthesize(source: Path, target: Path, chunks_wanted: int) -> int:
    """Copy ``source`` into ``target`` and duplicate its documents until it holds enough chunks."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with (
        sqlite3.connect(source / "index.sqlite3") as src,
        sqlite3.connect(target / "index.sqlite3") as dst,
    ):
        src.backup(dst)
    db = sqlite3.connect(target / "index.sqlite3")
    base = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    copies = -(-chunks_wanted // base) - 1
    for n in range(1, copies + 1):
        tag = f"#copy{n}"
        db.execute(
            "INSERT INTO documents (doc_id, root, path, language, encoding, size, mtime_ns, "
            "content_hash, indexed_at) SELECT doc_id || ?, root || ?, path, language, encoding, "
            "size, mtime_ns, content_hash, indexed_at FROM documents WHERE root NOT LIKE '%#copy%'",
            (tag, tag),
        )
        db.execute(
            "INSERT INTO chunks (chunk_id, document_id, ordinal, kind, symbol, heading, "
            "start_line, end_line, start_byte, end_byte, token_count, content_hash, text, vector) "
            "SELECT c.chunk_id || ?, copy.id, c.ordinal, c.kind, c.symbol, c.heading, "
            "c.start_line, c.end_line, c.start_byte, c.end_byte, c.token_count, c.content_hash, "
            "c.text, c.vector FROM chunks c JOIN documents d ON c.document_id = d.id "
            "JOIN documents copy ON copy.doc_id = d.doc_id || ? WHERE d.root NOT LIKE '%#copy%'",
            (tag, tag),
        )
    # A new data_version makes the next open rebuild and publish the vector file.
    db.execute("UPDATE manifest SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'")
    db.commit()
    total = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    db.close()
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(index: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        ["retriever", "serve", "--index", str(index), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("server not ready after 10 minutes")


def drive(urls: list[str], endpoint: str, clients: int, seconds: float) -> dict:
    """``clients`` threads posting to ``endpoint`` for ``seconds``; client n talks to server
    n mod len(urls) (a client-side balancer over replicas)."""
    latencies: list[float] = []
    encode_ms: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        with httpx.Client(base_url=urls[offset % len(urls)], timeout=60) as http:
            i = offset
            while time.monotonic() < deadline:
                body = BODIES[endpoint](QUERIES[i % len(QUERIES)])
                started = time.perf_counter()
                try:
                    response = http.post(f"/v1/{endpoint}", json=body)
                    elapsed = (time.perf_counter() - started) * 1000
                    ok = response.status_code == 200
                    timing = response.json().get("timings", {}) if ok else {}
                except httpx.HTTPError as error:
                    elapsed, ok, timing = 0.0, False, {}
                    response = error
                with lock:
                    if ok:
                        latencies.append(elapsed)
                        if "encode_ms" in timing:
                            encode_ms.append(timing["encode_ms"])
                    else:
                        errors.append(str(getattr(response, "status_code", response)))
                i += clients

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarize(latencies, encode_ms, errors, seconds)


def summarize(latencies: list[float], encode_ms: list[float], errors: list[str], seconds: float):
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    result = {
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "requests_per_second": round(len(latencies) / seconds, 2),
    }
    if ordered:
        result.update(p50_ms=pct(50), p95_ms=pct(95), p99_ms=pct(99))
    if encode_ms:
        encode = statistics.median(encode_ms)
        result.update(
            server_encode_p50_ms=round(encode, 1),
            rest_p50_ms=round(statistics.median(latencies) - encode, 1),
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", default="1,8")
    parser.add_argument("--endpoints", default="search,context")
    parser.add_argument("--synthesize", type=int, default=0, metavar="CHUNKS")
    parser.add_argument("--from-index", type=Path)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.synthesize:
        total = synthesize(args.from_index, args.index, args.synthesize)
        print(f"synthesized {total} chunks into {args.index}", file=sys.stderr)
    process, url = start_server(args.index)
    try:
        status = httpx.get(f"{url}/v1/status", timeout=60).json()
        runs = []
        for endpoint in args.endpoints.split(","):
            for clients in map(int, args.clients.split(",")):
                result = drive([url], endpoint, clients, args.seconds)
                runs.append({"endpoint": endpoint, "clients": clients, **result})
                print(json.dumps(runs[-1]), file=sys.stderr)
    finally:
        process.terminate()
        process.wait(timeout=30)
    record = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cores": os.cpu_count()},
        "index": {
            "chunks": status.get("chunks"),
            "documents": status.get("documents"),
            "model": status.get("model", {}).get("model"),
        },
        "seconds_per_run": args.seconds,
        "runs": runs,
    }
    label = args.label or f"{status.get('chunks')}-chunks"
    out = REPO / "benchmarks" / "results" / f"search-latency-{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print("| endpoint | clients | requests/s | p50 ms | p95 ms | p99 ms | encode p50 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        print(
            f"| {run['endpoint']} | {run['clients']} | {run['requests_per_second']} | "
            f"{run.get('p50_ms', '-')} | {run.get('p95_ms', '-')} | {run.get('p99_ms', '-')} | "
            f"{run.get('server_encode_p50_ms', '-')} | {run['errors']} |"
        )


if __name__ == "__main__":
    main()
