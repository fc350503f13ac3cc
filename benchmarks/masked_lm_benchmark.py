"""Masked-LM tools on CPU: classify throughput, fill-mask latency over HTTP, ingest labels.

    HF_HUB_OFFLINE=1 python benchmarks/masked_lm_benchmark.py [--sizes tiny,base]

Models: ModernBERT masked LMs with random weights, built by ``tests/tiny_models.py`` into
``benchmarks/.work/``: ``tiny`` (the tests' 2-layer, 32-d model) and ``base`` (transformers'
``ModernBertConfig`` defaults, the size of ModernBERT-base: 22 layers, 768-d, a 50,368-token
vocabulary). Speed does not depend on the weights' values, only on the sizes, so the figures
hold for the real ``answerdotai/ModernBERT-base`` on the same machine.

1. classify throughput (in process): texts of 40 tokens, three labels, the default template,
   batches of 1, 32 and 256 texts; texts/s of the median of the repeats.
2. fill-mask latency over HTTP: `retriever serve` with the model, then sequential
   ``POST /v1/fill-mask`` requests (the first, which loads the model, is left out): p50, p95.
3. ingest cost: `retriever index ROOT --model minilm` into an empty index (ROOT: data/sample,
   or its docs/ for the base size, see ``INGEST``), then the same again with
   ``--classify-labels``: nothing changed, so that run is the labelling; the in-process seconds
   of each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
SAMPLE = REPO / "data" / "sample"
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from search_latency import start_server  # noqa: E402

from retriever.masked_lm.tasks import MaskedLM  # noqa: E402
from tiny_models import TINY, build_masked_lm  # noqa: E402

SIZES = {"tiny": TINY, "base": {"vocab_size": 50368}}
LABELS = ["bug", "feature", "question"]
#: Per size: batch size -> timed repeats (the base-size model takes minutes per big batch).
REPEATS = {"tiny": {1: 20, 32: 5, 256: 2}, "base": {1: 3, 32: 1, 256: 1}}
#: What each size labels at ingest: the base-size model on a CPU labels a few chunks a
#: second, so it gets the sample's docs/ folder rather than the whole corpus.
INGEST = {"tiny": SAMPLE, "base": SAMPLE / "docs"}


def model_dir(size: str) -> Path:
    directory = WORK / f"masked-lm-{size}"
    if not (directory / "config.json").exists():
        texts = [p.read_text() for p in sorted(SAMPLE.rglob("*")) if p.is_file()]
        build_masked_lm(directory, texts, **SIZES[size])
    return directory


def forty_token_texts(model: MaskedLM, count: int) -> list[str]:
    """Prose from the sample corpus, cut into texts of 40 tokens each."""
    words = " ".join(p.read_text() for p in sorted(SAMPLE.rglob("*.md"))).split()
    texts, start = [], 0
    while len(texts) < count:
        window = " ".join(words[start : start + 60])
        texts.append(model.model.clip(window, 40))
        start = (start + 60) % max(len(words) - 60, 1)
    return texts


def classify_throughput(model: MaskedLM, repeats_by_batch: dict[int, int]) -> list[dict]:
    texts = forty_token_texts(model, max(repeats_by_batch))
    model.classify(texts[:8], LABELS)  # warm-up: load, first allocations
    runs = []
    for batch, repeats in repeats_by_batch.items():
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            model.classify(texts[:batch], LABELS)
            seconds.append(time.perf_counter() - started)
        median = statistics.median(seconds)
        runs.append(
            {
                "texts": batch,
                "repeats": repeats,
                "median_s": round(median, 4),
                "texts_per_second": round(batch / median, 1),
            }
        )
        print(json.dumps(runs[-1]), file=sys.stderr)
    return runs


def run_index(root: Path, index: Path, *extra: str) -> dict:
    command = ["retriever", "index", str(root), "--index", str(index), "--model", "minilm"]
    done = subprocess.run([*command, *extra, "--json"], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def ingest_cost(directory: Path, root: Path, index: Path) -> dict:
    """Index the sample corpus, then run again with labels: nothing changed, so the second run
    is the labelling (plus a scan of unchanged files, the first run's "unchanged" cost)."""
    if index.exists():
        shutil.rmtree(index)
    plain = run_index(root, index)
    labels = ["--classify-labels", ",".join(LABELS), "--mlm-model", str(directory)]
    labelled = run_index(root, index, *labels)
    return {
        "root": str(root.relative_to(REPO)),
        "chunks": plain["chunks_added"],
        "tokens": plain["tokens_encoded"],
        "index_seconds": plain["seconds"],
        "labelling_seconds": labelled["seconds"],
        "chunks_labelled": labelled["chunks_labelled"],
        "chunks_labelled_per_second": round(labelled["chunks_labelled"] / labelled["seconds"], 1),
    }


def fill_mask_latency(directory: Path, index: Path, requests: int) -> dict:
    os.environ["RETRIEVER_MLM_MODEL"] = str(directory)  # the server inherits it
    server, url = start_server(index)
    try:
        body = {"text": "The uploader retries a failed [MASK] with backoff.", "k": 5}
        latencies = []
        with httpx.Client(base_url=url, timeout=120) as http:
            http.post("/v1/fill-mask", json=body).raise_for_status()  # loads the model
            for _ in range(requests):
                started = time.perf_counter()
                http.post("/v1/fill-mask", json=body).raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="tiny,base")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads here and in the servers and index runs (0: torch's default)",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.threads:  # before torch starts: its OpenMP pool reads this once
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch
    import transformers

    record = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "load_average_before": os.getloadavg(),
        },
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "labels": LABELS,
        "models": {},
    }
    for size in args.sizes.split(","):
        directory = model_dir(size)
        print(f"== {size}", file=sys.stderr)
        model = MaskedLM(str(directory), device="cpu")
        result = {"throughput": classify_throughput(model, REPEATS[size])}
        index = WORK / f"mlm-index-{size}"
        result["ingest"] = ingest_cost(directory, INGEST[size], index)
        print(json.dumps(result["ingest"]), file=sys.stderr)
        result["fill_mask_http"] = fill_mask_latency(directory, index, args.requests)
        print(json.dumps(result["fill_mask_http"]), file=sys.stderr)
        record["models"][size] = result
    record["machine"]["load_average_after"] = os.getloadavg()
    out = REPO / "benchmarks" / "results" / "masked-lm.json"
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
