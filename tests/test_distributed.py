"""Distributed ingest on Ray (`retriever index --ray`): the index it builds is the one a local
run builds, on a local Ray cluster that this module starts once."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from indexers.chunk import content_hash
from indexers.discovery import LoadedFile, SourceFile
from paths import SAMPLE
from retriever import ModelMismatchError, Retriever, RetrieverError
from retriever.cli import app
from retriever.ingest.distributed import (
    ClusterVectors,
    EncoderPool,
    cluster_errors,
    ray_session,
    text_windows,
)

runner = CliRunner()

#: Sample files: code, prose, plain text.
SAMPLE_FILES = (
    "client/python/parcel_client/checksum.py",
    "docs/faq.md",
    "notes/oncall-handoff.txt",
    "native/crc32/crc32.c",
)


@pytest.fixture(scope="module")
def cluster() -> Any:
    """A two-CPU Ray cluster in this process; the indexer uses the session as it is."""
    import ray

    # A cluster of its own ("local"), never one that happens to run on this machine.
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield "auto"
    ray.shutdown()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for name in SAMPLE_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / name, root / name)
    shutil.copy(SAMPLE / SAMPLE_FILES[0], root / "copy_of_checksum.py")  # same chunks: encoded once
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")  # skipped
    return root


def index(index_dir: Path, model: Path, corpus: Path, **options: Any) -> dict[str, Any]:
    """Index ``corpus``; the report without its timing."""
    with Retriever.open(index_dir, model=str(model), precision="fp32") as retriever:
        report = retriever.index([corpus], **options).to_dict()
    report.pop("seconds")
    return report


def contents(index_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any], np.ndarray]:
    """Everything stored: documents with their chunks; the status counts, generation, row ids
    and manifest; the vectors."""
    with Retriever.open(index_dir, create=False) as retriever:
        documents = [
            {
                key: value
                for key, value in retriever.document(doc.doc_id).items()
                if key != "indexed_at"
            }
            for doc in retriever.documents(limit=1000).documents
        ]
        status = retriever.status().to_dict()
        manifest = {k: v for k, v in retriever.store.manifest().items() if k != "created_at"}
        rows = [
            (ids, np.stack([np.frombuffer(blob, dtype=np.float32) for blob in blobs]))
            for ids, blobs in retriever.store.iter_vectors()
        ]
    summary = {key: status[key] for key in ("documents", "chunks", "skipped_files", "generation")}
    ids = np.concatenate([ids for ids, _ in rows])
    vectors = np.concatenate([vectors for _, vectors in rows])
    return documents, summary | {"row_ids": ids.tolist(), "manifest": manifest}, vectors


def assert_same_index(local: Path, distributed: Path) -> None:
    local_documents, local_summary, local_vectors = contents(local)
    documents, summary, vectors = contents(distributed)
    assert documents == local_documents
    assert summary == local_summary
    np.testing.assert_allclose(vectors, local_vectors, atol=1e-5)


@pytest.mark.slow  # starts a Ray cluster
def test_a_ray_index_is_the_local_index_before_and_after_changes(
    cluster: str, corpus: Path, tmp_path: Path, minilm_dir: Path
) -> None:
    local, distributed = tmp_path / "local", tmp_path / "ray"
    first = index(local, minilm_dir, corpus)
    assert index(distributed, minilm_dir, corpus, ray=cluster) == first
    assert first["files_indexed"] == 5 and first["files_skipped"] == {"binary": 1}
    assert first["chunks_encoded"] < first["chunks_added"]  # the copy's chunks came from the cache
    assert_same_index(local, distributed)

    # One function edited (its neighbours keep their vectors), a file added, one gone, one moved.
    checksum = corpus / SAMPLE_FILES[0]
    checksum.write_text(
        checksum.read_text().replace("Digest of one part,", "The digest of a part,")
    )
    (corpus / "docs" / "new.md").write_text("# New\n\nJust added.\n")
    (corpus / "notes" / "oncall-handoff.txt").unlink()
    (corpus / "docs" / "faq.md").rename(corpus / "faq.md")
    second = index(local, minilm_dir, corpus)
    assert index(distributed, minilm_dir, corpus, ray=cluster) == second
    assert second["files_unchanged"] == 2 and second["files_removed"] == 2
    assert 0 < second["chunks_encoded"] < second["chunks_added"]
    assert_same_index(local, distributed)


@pytest.mark.slow  # starts a Ray cluster
def test_cli_index_with_ray_and_unchanged_files_never_reach_the_cluster(
    cluster: str, corpus: Path, tmp_path: Path, minilm_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = str(tmp_path / "index")
    args = ["index", str(corpus), "--index", index_dir, "--model", str(minilm_dir), "--json"]
    result = runner.invoke(app, [*args, "--ray", cluster])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files_indexed"] == 5

    def no_cluster(address: str) -> None:
        raise AssertionError("connected to Ray with nothing to send")

    monkeypatch.setattr("retriever.ingest.distributed.ray_session", no_cluster)
    result = runner.invoke(app, [*args, "--ray", cluster])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["files_unchanged"] == 5 and report["chunks_encoded"] == 0


def test_without_ray_the_flag_says_how_to_install_it(
    corpus: Path, tmp_path: Path, minilm_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    monkeypatch.setitem(sys.modules, "ray.data", None)
    index_dir = tmp_path / "index"
    args = ["index", str(corpus), "--index", str(index_dir), "--model", str(minilm_dir)]
    result = runner.invoke(app, [*args, "--ray", "local"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: --ray needs Ray Data, not installed: pip install 'retriever[ray]'"
    ]
    assert not index_dir.exists()  # refused before any work: no empty index left behind


def test_late_chunking_on_ray_is_refused_before_any_work(
    corpus: Path, tmp_path: Path, minilm_dir: Path
) -> None:
    with Retriever.open(tmp_path / "index", model=str(minilm_dir), late_chunking=True) as retriever:
        with pytest.raises(RetrieverError, match="late chunking"):
            retriever.index([corpus], ray="local")
        assert retriever.status().documents == 0


def loaded(path: str, text: str) -> LoadedFile:
    source = SourceFile(Path("/corpus"), path, len(text), 0)
    return LoadedFile(source, text, "utf-8", "text", content_hash(text))


def test_windows_keep_file_order_and_close_at_the_size() -> None:
    files = [loaded(f"{n}.txt", "x" * size) for n, size in enumerate([3, 4, 1, 9, 2])]
    windows = list(text_windows(iter(files), chars=5))
    assert [[f.source.path for f in window] for window in windows] == [
        ["0.txt", "1.txt"],
        ["2.txt", "3.txt"],
        ["4.txt"],
    ]


class CountingEncoder:
    """Vectors from the text's length, counting what it is asked to encode."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode_documents(self, texts, token_counts) -> np.ndarray:
        self.encoded += texts
        return np.array([[len(text), 1.0] for text in texts], dtype=np.float32)


def test_cluster_vectors_serve_what_the_cluster_computed_and_encode_the_rest_here() -> None:
    local = CountingEncoder()
    vectors = ClusterVectors(lambda: local)
    vectors.add([content_hash("from the cluster")], np.array([[7.0, 7.0]], dtype=np.float32))
    served = vectors.encode_documents(["from the cluster", "left the cache"], [3, 3])
    np.testing.assert_array_equal(served, [[7.0, 7.0], [14.0, 1.0]])
    assert local.encoded == ["left the cache"]


@pytest.mark.parametrize(
    ("resources", "device", "pool"),
    [
        ({"CPU": 32.0, "GPU": 4.0}, "auto", EncoderPool(size=4, cpus=1, gpus=1)),
        ({"CPU": 32.0, "GPU": 4.0}, "cpu", EncoderPool(size=8, cpus=4, gpus=0)),
        ({"CPU": 2.0}, "auto", EncoderPool(size=1, cpus=2, gpus=0)),
        ({"CPU": 10.0}, "auto", EncoderPool(size=2, cpus=4, gpus=0)),
    ],
)
def test_one_encoder_per_gpu_else_a_few_cpu_threads_each(resources, device, pool) -> None:
    assert EncoderPool.for_cluster(resources, device) == pool


def test_an_unreachable_cluster_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import ray

    def unreachable(**options: Any) -> None:
        raise ConnectionError("Could not find any running Ray instance.\nPlease start one.")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", unreachable)
    with pytest.raises(RetrieverError) as raised, ray_session("auto"):
        pass
    assert str(raised.value) == (
        "cannot connect to Ray at 'auto': Could not find any running Ray instance."
    )


@pytest.mark.slow  # starts a Ray cluster
def test_a_failure_on_the_cluster_is_the_workers_error_in_one_line(cluster: str) -> None:
    import ray

    def chunk_badly(batch):
        raise ModelMismatchError("model 'x' does not match the index: dimension was 384")

    class Unloadable:
        def __init__(self) -> None:
            raise OSError("no space left on device")

        def __call__(self, batch):
            return batch

    rows = ray.data.from_items([{"n": 1}])
    failing_task = rows.map_batches(chunk_badly)
    failing_actor = rows.map_batches(Unloadable, compute=ray.data.ActorPoolStrategy(size=1))
    with pytest.raises(RetrieverError) as task, cluster_errors():
        list(failing_task.iter_rows())
    with pytest.raises(RetrieverError) as actor, cluster_errors():
        list(failing_actor.iter_rows())
    assert str(task.value) == (
        "distributed indexing failed: model 'x' does not match the index: dimension was 384"
    )
    assert str(actor.value) == "distributed indexing failed: OSError: no space left on device"


def test_ray_client_addresses_are_refused_before_any_work(
    corpus: Path, tmp_path: Path, minilm_dir: Path
) -> None:
    with Retriever.open(tmp_path / "index", model=str(minilm_dir)) as retriever:
        with pytest.raises(RetrieverError, match="does not run over Ray Client"):
            retriever.index([corpus], ray="ray://head:10001")
        assert retriever.status().documents == 0
