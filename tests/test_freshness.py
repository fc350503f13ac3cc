"""The staleness guard: hits carry their file's hash as indexed, and a verifying search never
hands out a passage whose file has changed since (CLI, Python and HTTP)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.mcp import create_mcp_server
from gitrepo import make_repo
from indexers.chunk import bytes_hash
from retriever import Retriever
from retriever.cli import app
from retriever.search.freshness import stale_files

QUERY = "retry upload attempts"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return make_repo(tmp_path / "repo")


@pytest.fixture
def retriever(repo: Path, tmp_path: Path, tiny_modernbert: Path):
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as opened:
        opened.index([repo])
        yield opened


def paths(hits) -> list[str]:
    return [hit.path for hit in hits]


def test_hits_carry_the_hash_of_their_file_as_indexed(retriever, repo):
    (hit,) = retriever.search("retry_upload", k=1, mode="lexical")
    assert hit.path == "src/uploads.py"
    assert hit.file_hash == bytes_hash((repo / "src/uploads.py").read_bytes())
    assert hit.stale is None  # not verified
    document = retriever.document(hit.doc_id)
    assert document["content_hash"] == hit.file_hash


def test_verify_leaves_out_hits_whose_file_changed_and_flags_them_on_request(retriever, repo):
    before = retriever.search(QUERY, k=5, mode="lexical")
    assert "src/uploads.py" in paths(before)
    with (repo / "src/uploads.py").open("a") as handle:
        handle.write("\n# edited after indexing\n")

    dropped = retriever.search(QUERY, k=5, mode="lexical", verify=True)
    assert "src/uploads.py" not in paths(dropped)
    assert all(hit.stale is False for hit in dropped)

    flagged = retriever.search(QUERY, k=5, mode="lexical", verify="flag")
    assert [hit.chunk_id for hit in flagged] == [hit.chunk_id for hit in before]
    assert {hit.path for hit in flagged if hit.stale} == {"src/uploads.py"}


def test_a_deleted_file_is_stale_and_fresh_hits_take_its_place(retriever, repo):
    (best,) = retriever.search("invoice_total", k=1, mode="lexical")
    assert best.path == "src/billing.py"
    (repo / "src/billing.py").unlink()
    hits = retriever.search("invoice_total", k=1, mode="hybrid", verify=True)
    timings = hits.timings
    assert len(hits) == 1 and hits[0].path != "src/billing.py"
    assert timings["verify_ms"] >= 0


def test_uploaded_text_has_no_file_and_is_never_stale(retriever):
    retriever.upsert_text("notes/adr.md", "# ADR\n\nWe retry uploads five times.\n")
    hits = retriever.search("retry uploads five times", k=10, mode="lexical", verify="flag")
    uploaded = [hit for hit in hits if hit.path == "notes/adr.md"]
    assert uploaded and uploaded[0].stale is False


def test_context_can_leave_out_stale_passages(retriever, repo):
    assert "src/uploads.py" in retriever.context(QUERY, 2000, mode="lexical").context
    (repo / "src/uploads.py").write_text("def other():\n    return 0\n")
    verified = retriever.context(QUERY, 2000, mode="lexical", verify=True)
    assert "src/uploads.py" not in verified.context
    assert verified.passages


def test_cli_search_verify_and_flag_stale(retriever, repo):
    (repo / "src/uploads.py").write_text("def other():\n    return 0\n")
    index = str(retriever.directory)
    runner = CliRunner()
    base = ["search", QUERY, "--index", index, "--mode", "lexical"]
    verified = runner.invoke(app, [*base, "--verify", "--json"])
    assert verified.exit_code == 0, verified.output
    assert "src/uploads.py" not in [hit["path"] for hit in json.loads(verified.stdout)["hits"]]
    flagged = runner.invoke(app, [*base, "--flag-stale", "--json"])
    stale = [hit["path"] for hit in json.loads(flagged.stdout)["hits"] if hit["stale"]]
    assert stale and set(stale) == {"src/uploads.py"}
    shown = runner.invoke(app, [*base, "--flag-stale"])
    assert "stale: the file changed since it was indexed" in shown.stdout


def test_api_verify_on_search_and_context(retriever, repo):
    (repo / "src/uploads.py").write_text("def other():\n    return 0\n")
    with TestClient(create_app(retriever), base_url="http://127.0.0.1") as client:
        body = {"query": QUERY, "k": 5, "mode": "lexical"}
        plain = client.post("/v1/search", json=body).json()
        assert "src/uploads.py" in [hit["path"] for hit in plain["hits"]]
        assert all(hit["stale"] is None and hit["file_hash"] for hit in plain["hits"])

        dropped = client.post("/v1/search", json={**body, "verify": True}).json()
        assert "src/uploads.py" not in [hit["path"] for hit in dropped["hits"]]
        assert "verify_ms" in dropped["timings"]

        flagged = client.post("/v1/search", json={**body, "verify": "flag"}).json()
        assert {hit["path"] for hit in flagged["hits"] if hit["stale"]} == {"src/uploads.py"}

        context = client.post(
            "/v1/context",
            json={"query": QUERY, "token_budget": 2000, "mode": "lexical", "verify": True},
        ).json()
        assert "src/uploads.py" not in context["context"]

        bad = client.post("/v1/search", json={**body, "verify": "sometimes"})
        assert bad.status_code == 422


def test_mcp_tools_never_hand_out_stale_passages(retriever, repo):
    server = create_mcp_server(retriever)

    def call(tool: str, arguments: dict) -> dict:
        result = anyio.run(server.call_tool, tool, arguments)
        return result.structured_content

    assert "src/uploads.py" in call("get_context", {"query": QUERY})["context"]
    (repo / "src/uploads.py").write_text("def other():\n    return 0\n")
    hits = call("search", {"query": QUERY, "k": 5})["result"]
    assert hits and not any(hit["citation"].startswith("src/uploads.py") for hit in hits)
    assert "src/uploads.py" not in call("get_context", {"query": QUERY})["context"]


@pytest.mark.parametrize("mode", ["lexical", "hybrid", "dense"])
def test_verify_fills_k_with_the_next_best_fresh_chunks(tmp_path, tiny_modernbert, mode):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    strong = [corpus / f"strong{n}.md" for n in range(10)]
    weak = [corpus / f"weak{n}.md" for n in range(5)]
    for path in strong:
        path.write_text(f"# {path.stem}\n\nalpha alpha alpha beta alpha\n")
    for path in weak:
        path.write_text(f"# {path.stem}\n\nalpha and many other words about gardens\n")
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        for path in strong:
            path.write_text(path.read_text() + "\nedited after indexing\n")
        hits = retriever.search("alpha beta", k=4, mode=mode, verify=True)
    assert len(hits) == 4
    assert {hit.path for hit in hits} <= {path.name for path in weak}
    assert all(hit.stale is False for hit in hits)


def _stale_within(files, seconds: float = 10.0, **options) -> set[tuple[str, str]]:
    """stale_files(files), failing (not hanging) when it does not return within ``seconds``."""
    result: list[set[tuple[str, str]]] = []
    worker = threading.Thread(
        target=lambda: result.append(stale_files(files, **options)), daemon=True
    )
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "verifying hung"
    return result[0]


@pytest.fixture
def cited(tmp_path: Path) -> tuple[Path, Path, str]:
    """A root with one indexed file: (root, the file, its hash as indexed)."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.py").write_text("x = 1\n")
    return root, root / "a.py", bytes_hash(b"x = 1\n")


def test_a_regular_file_unchanged_is_fresh_even_through_a_link_inside_the_root(cited):
    root, file, indexed = cited
    (root / "link.py").symlink_to(file)
    assert _stale_within([(str(root), "a.py", indexed), (str(root), "link.py", indexed)]) == set()


def test_a_cited_file_replaced_by_a_fifo_is_stale_without_blocking(cited):
    root, file, indexed = cited
    file.unlink()
    os.mkfifo(file)
    assert _stale_within([(str(root), "a.py", indexed)]) == {(str(root), "a.py")}


def test_a_cited_file_replaced_by_a_link_to_a_device_is_stale_unread(cited):
    root, file, indexed = cited
    file.unlink()
    file.symlink_to("/dev/zero")
    assert _stale_within([(str(root), "a.py", indexed)]) == {(str(root), "a.py")}


def test_a_cited_file_replaced_by_a_link_out_of_the_root_is_stale(cited, tmp_path: Path):
    root, file, indexed = cited
    outside = tmp_path / "outside.py"
    outside.write_bytes(b"x = 1\n")  # the very bytes indexed: still not the cited file
    file.unlink()
    file.symlink_to(outside)
    assert _stale_within([(str(root), "a.py", indexed)]) == {(str(root), "a.py")}
    (root / "sub").symlink_to(tmp_path, target_is_directory=True)  # a directory link out
    assert _stale_within([(str(root), "sub/outside.py", indexed)]) == {
        (str(root), "sub/outside.py")
    }


def test_a_file_over_the_cap_is_stale_unread(cited):
    root, file, _ = cited
    file.write_bytes(b"y" * 100)
    indexed = bytes_hash(b"y" * 100)
    assert _stale_within([(str(root), "a.py", indexed)], max_bytes=100) == set()
    assert _stale_within([(str(root), "a.py", indexed)], max_bytes=99) == {(str(root), "a.py")}


def test_verify_through_the_engine_survives_a_fifo(retriever, repo):
    target = repo / "src/uploads.py"
    target.unlink()
    os.mkfifo(target)
    found: list = []
    worker = threading.Thread(
        target=lambda: found.append(retriever.search("retry_upload", k=3, verify="flag")),
        daemon=True,
    )
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "a verifying search hung on a FIFO"
    stale = {hit.stale for hit in found[0] if hit.path == "src/uploads.py"}
    assert stale == {True}
