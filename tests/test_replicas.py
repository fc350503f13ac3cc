"""Stateless API replicas over one index on PostgreSQL: two `retriever serve` processes on one
database answer searches from HTTP clients while a third process runs `retriever index` on a
changing corpus, without one error; once it is done, both answer with the new content."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kill_loop import child_environment, index_command, write_corpus
from retriever import Retriever

CLIENTS_PER_REPLICA = 2
#: Between a client's searches: the indexer shares the machine's few cores with the replicas.
PAUSE = 0.05
QUERIES = ("retry the upload", "parse_config", "cache invalidation", "install guide")
#: Only version B of the corpus has it: its edited files gain `..._extra_N` functions.
NEW_WORD = "extra"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_replica(url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "retriever", "serve", "--index", url, "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=child_environment(), stdout=output, stderr=subprocess.STDOUT
        )
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen, address: str, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the replica exited: {log.read_text()}"
        try:
            if httpx.get(f"{address}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the replica at {address} was not ready in time: {log.read_text()}")


@pytest.fixture
def replicas(
    tmp_path: Path, postgres_url: str, tiny_modernbert: Path
) -> Iterator[tuple[list[str], Path, list[Path]]]:
    """Two replicas serving version A of a corpus: (addresses, corpus, their logs)."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, "A", files=30)
    with Retriever.open(postgres_url, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
    logs = [tmp_path / f"replica-{n}.log" for n in range(2)]
    started = [start_replica(postgres_url, log) for log in logs]
    try:
        for (process, address), log in zip(started, logs, strict=True):
            wait_ready(process, address, log)
        yield [address for _, address in started], corpus, logs
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(30)


def search(http: httpx.Client, query: str, mode: str) -> list[dict]:
    response = http.post("/v1/search", json={"query": query, "k": 10, "mode": mode})
    assert response.status_code == 200, response.text
    return response.json()["hits"]


@pytest.mark.slow  # three server and indexer processes
def test_two_replicas_serve_while_a_third_process_indexes(
    replicas, postgres_url: str, tiny_modernbert: Path
) -> None:
    addresses, corpus, logs = replicas
    for address in addresses:
        with httpx.Client(base_url=address, timeout=60) as http:
            assert search(http, NEW_WORD, "lexical") == []
    outcomes: list[tuple[str, int | str]] = []
    stop = threading.Event()

    def client(number: int) -> None:
        address = addresses[number % len(addresses)]
        with httpx.Client(base_url=address, timeout=60) as http:
            sent = number
            while not stop.is_set():
                body = {
                    "query": QUERIES[sent % len(QUERIES)],
                    "k": 10,
                    "mode": ("hybrid", "dense", "lexical")[sent % 3],
                }
                try:
                    outcome: int | str = http.post("/v1/search", json=body).status_code
                except httpx.HTTPError as error:
                    outcome = repr(error)
                outcomes.append((address, outcome))
                answered[number].set()
                sent += 1
                stop.wait(PAUSE)

    clients = [
        threading.Thread(target=client, args=(n,))
        for n in range(CLIENTS_PER_REPLICA * len(addresses))
    ]
    answered = [threading.Event() for _ in clients]  # each client's first answer
    for thread in clients:
        thread.start()
    try:
        # Every client (so every replica) has answered before the indexer starts.
        assert all(event.wait(120) for event in answered), "a client never got an answer"
        write_corpus(corpus, "B", files=30)  # a third edited, a tenth deleted, some added
        indexer = subprocess.run(
            index_command(corpus, postgres_url, str(tiny_modernbert)),
            env=child_environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        during = len(outcomes)
    finally:
        stop.set()
        for thread in clients:
            thread.join(60)

    assert indexer.returncode == 0, indexer.stderr
    assert [outcome for outcome in outcomes if outcome[1] != 200] == []
    assert {address for address, _ in outcomes[:during]} == set(addresses)
    for log in logs:
        assert "Traceback" not in log.read_text()

    with Retriever.open(postgres_url, create=False) as reader:
        chunks = reader.status().chunks
        expected = {hit.chunk_id for hit in reader.search(NEW_WORD, k=10, mode="lexical")}
    assert expected
    for address in addresses:
        with httpx.Client(base_url=address, timeout=60) as http:
            assert http.get("/v1/status").json()["chunks"] == chunks
            assert {hit["chunk_id"] for hit in search(http, NEW_WORD, "lexical")} == expected
