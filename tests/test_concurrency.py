"""One writer, many readers: a second writer fails at once and changes nothing; readers keep
answering from their generation during a re-index and move to the new one after it commits.
8 HTTP clients search through a real server while a full re-index runs and swaps: no 5xx, and
no hit cites a chunk outside the generation that served it."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from kill_loop import child_environment, index_command, write_corpus
from retriever import Retriever

CLIENTS = 8
QUERIES = ("retry the upload", "parse_config", "cache invalidation", "install guide")


def chunk_ids(index_dir: Path) -> set[str]:
    database = sqlite3.connect(index_dir / "index.sqlite3")
    try:
        return {row[0] for row in database.execute("SELECT chunk_id FROM chunks")}
    finally:
        database.close()


def test_a_second_writer_process_fails_at_once_and_changes_nothing(
    tmp_path: Path, tiny_modernbert: Path
) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, "A", files=20)
    with Retriever.open(index_dir, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        before = chunk_ids(index_dir)
        write_corpus(corpus, "B", files=20)
        with retriever.lock.hold():  # the first writer, at work
            second = subprocess.run(
                index_command(corpus, index_dir, str(tiny_modernbert)),
                env=child_environment(),
                capture_output=True,
                text=True,
                timeout=300,
            )
    assert second.returncode == 1
    assert "is being written by another process" in second.stderr
    assert "Traceback" not in second.stderr and len(second.stderr.strip().splitlines()) == 1
    assert chunk_ids(index_dir) == before


@pytest.fixture
def server(tmp_path: Path, tiny_modernbert: Path) -> Iterator[tuple[str, Path, Path]]:
    """A server on loopback over an index of corpus version A: (url, corpus, index dir)."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, "A", files=60)
    with Retriever.open(index_dir, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        app = create_app(retriever)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while not server.started and time.monotonic() < deadline:
                time.sleep(0.02)
            yield f"http://127.0.0.1:{sock.getsockname()[1]}", corpus, index_dir
        finally:
            server.should_exit = True
            thread.join(30)
            sock.close()


def test_searches_during_a_reindex_and_swap(server, tiny_modernbert: Path) -> None:
    url, corpus, index_dir = server
    with Retriever.open(index_dir, create=False) as reader:
        first = reader.status().generation
    members = {first: chunk_ids(index_dir)}
    answers: list[tuple[int, int | None, list[str]]] = []
    stop = threading.Event()
    answered = [threading.Event() for _ in range(CLIENTS)]  # each client's first answer

    def client(number: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            sent = number
            while not stop.is_set():
                mode = ("hybrid", "dense", "lexical")[sent % 3]
                body = {"query": QUERIES[sent % len(QUERIES)], "k": 10, "mode": mode}
                response = http.post("/v1/search", json=body)
                payload = response.json() if response.status_code == 200 else {}
                hits = [hit["chunk_id"] for hit in payload.get("hits", [])]
                answers.append((response.status_code, payload.get("index_generation"), hits))
                answered[number].set()
                sent += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in clients:
        thread.start()
    try:
        # Every client is searching before the re-index starts.
        assert all(event.wait(120) for event in answered), "a client never got an answer"
        write_corpus(corpus, "B", files=60)  # a third edited, a tenth deleted, some added
        with Retriever.open(index_dir, create=False) as writer:
            writer.index([corpus])
            second = writer.status().generation
        members[second] = chunk_ids(index_dir)
        served_after = len(answers)
        deadline = time.monotonic() + 60
        while len(answers) < served_after + 4 * CLIENTS and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in clients:
            thread.join(120)

    assert second == first + 1 and members[first] != members[second]
    assert [status for status, _, _ in answers if status != 200] == []
    for _, generation, hits in answers:
        assert set(hits) <= members[generation], f"generation {generation} cited other chunks"
    assert {generation for _, generation, _ in answers} == {first, second}
