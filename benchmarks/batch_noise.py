#!/usr/bin/env python
"""Batch noise: how far one text's vector moves when it is encoded in another batch, per precision.

An incremental run encodes new and changed chunks in batches of their own; a from-scratch run
encodes each chunk beside other neighbours, padded to other lengths. Matrix products of other
shapes add in another order, so the same text comes out a few bits apart, and in bf16 (8 bits
of mantissa) far more than in fp32. This measures that noise with the bundled MiniLM on the kill
test's corpus (both versions) and ``data/sample``, chunked as the engine chunks them:

- reference: every text through ``encode_documents`` (the engine's token-budgeted batches);
- ``halves``: random halves of the texts, each encoded on its own (other neighbours), twice;
- ``budget-1k`` / ``budget-64k``: the same texts under other batch token budgets;
- ``alone``: a random sample of the texts, each in a batch of one: batch-invariant by
  construction, and timed against the batched reference (what batch-invariant encoding costs).

Per text it records the L2 distance ``||a - b||`` between the two unit vectors (it bounds how far
any query's score can move: ``|q.a - q.b| <= ||a - b||``), the cosine deviation ``1 - a.b``,
and how far the scores of the kill test's queries actually moved. ``tests/vector_noise.py``
takes its score tolerance per precision from these figures.

Results: ``benchmarks/results/batch-noise.json`` and a Markdown table on stdout.

    HF_HUB_OFFLINE=1 python benchmarks/batch_noise.py [--precisions bf16,fp32] [--halves 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests"), str(HERE)]

from index_benchmark import machine, versions  # noqa: E402

from indexers.chunking import chunk_text  # noqa: E402
from indexers.languages import detect_language  # noqa: E402
from kill_loop import QUERIES, write_corpus  # noqa: E402
from retriever.encoding.encoder import SentenceTransformerEncoder  # noqa: E402
from retriever.encoding.models import resolve_model  # noqa: E402

RESULTS = HERE / "results" / "batch-noise.json"
SAMPLE = HERE.parent / "data" / "sample"


def read_files(root: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        try:
            found.append((str(path.relative_to(root)), path.read_text()))
        except UnicodeDecodeError:
            continue
    return found


def corpus_texts(count: Callable[[str], int]) -> list[str]:
    """The chunk texts of the kill test's corpus (versions A and B) and of data/sample."""
    files: list[tuple[str, str]] = read_files(SAMPLE)
    with tempfile.TemporaryDirectory() as scratch:
        for version in ("A", "B"):
            write_corpus(Path(scratch) / version, version)
            files += read_files(Path(scratch) / version)
    texts = []
    for path, source in files:
        language = detect_language(path, source.split("\n", 1)[0])
        texts += [chunk.text for chunk in chunk_text(source, path, language, 256, count)]
    return sorted(set(texts))


def stats(values: np.ndarray) -> dict[str, float]:
    return {
        "max": float(values.max()),
        "p50": float(np.percentile(values, 50)),
        "p99": float(np.percentile(values, 99)),
        "p99.9": float(np.percentile(values, 99.9)),
    }


def deviation(reference: np.ndarray, other: np.ndarray, queries: np.ndarray) -> dict:
    distance = np.linalg.norm(reference - other, axis=1)
    cosine = 1.0 - (reference * other).sum(axis=1)
    scores = np.abs((reference - other) @ queries.T).ravel()
    return {"l2": stats(distance), "1-cos": stats(cosine), "query_score": stats(scores)}


def measure(precision: str, halves: int, alone: int, seed: int) -> dict:
    encoder = SentenceTransformerEncoder(resolve_model("minilm"), device="cpu", precision=precision)
    texts = corpus_texts(encoder.count_tokens)
    counts = [encoder.count_tokens(text) for text in texts]
    queries = np.stack([encoder.encode_query(query) for query in QUERIES])
    started = time.perf_counter()
    reference = encoder.encode_documents(texts, counts)
    batched_seconds = time.perf_counter() - started

    variants: dict[str, np.ndarray] = {}
    chooser = random.Random(seed)
    halved = np.empty_like(reference)
    rows = []
    for _ in range(halves):
        order = list(range(len(texts)))
        chooser.shuffle(order)
        for part in (order[: len(order) // 2], order[len(order) // 2 :]):
            part_vectors = encoder.encode_documents(
                [texts[i] for i in part], [counts[i] for i in part]
            )
            halved[part] = part_vectors
        rows.append(halved.copy())
    variants["halves"] = np.concatenate(rows)
    default_budget = encoder.batch_tokens
    for name, budget in (("budget-1k", 1024), ("budget-64k", 65536)):
        encoder.batch_tokens = budget
        variants[name] = encoder.encode_documents(texts, counts)
    encoder.batch_tokens = default_budget
    sample = sorted(chooser.sample(range(len(texts)), min(alone, len(texts))))
    print(f"{precision}: {len(texts)} texts; alone: {len(sample)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    variants["alone"] = np.concatenate(
        [encoder.encode_documents([texts[i]], [counts[i]]) for i in sample]
    )
    alone_seconds = time.perf_counter() - started
    batched_sample_seconds = batched_seconds * sum(counts[i] for i in sample) / sum(counts)

    references = {
        name: np.tile(reference, (len(v) // len(reference), 1)) for name, v in variants.items()
    }
    references["alone"] = reference[sample]
    found = {name: deviation(references[name], variants[name], queries) for name in variants}
    found["all"] = deviation(
        np.concatenate(list(references.values())), np.concatenate(list(variants.values())), queries
    )
    return {
        "precision": encoder.precision,
        "texts": len(texts),
        "tokens": int(sum(counts)),
        "batch_tokens": default_budget,
        "vectors": {"reference": reference},
        "deviation": found,
        "throughput": {
            "batched_texts_per_s": round(len(texts) / batched_seconds, 1),
            "alone_texts_per_s": round(len(sample) / alone_seconds, 1),
            # Time alone over the batched time of as many tokens.
            "alone_cost": round(alone_seconds / batched_sample_seconds, 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precisions", default="bf16,fp32")
    parser.add_argument("--halves", type=int, default=2, help="random halvings of the texts")
    parser.add_argument("--alone", type=int, default=300, help="texts encoded one at a time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    runs = []
    for precision in args.precisions.split(","):
        runs.append(measure(precision, args.halves, args.alone, args.seed))
        print(json.dumps(runs[-1]["deviation"]["all"]), file=sys.stderr, flush=True)
    references = {run["precision"]: run["vectors"].pop("reference") for run in runs}
    cross = None
    if {"fp32", "bf16"} <= references.keys():
        fp32, bf16 = references["fp32"], references["bf16"]
        cross = {"l2": stats(np.linalg.norm(fp32 - bf16, axis=1))}
    for run in runs:
        del run["vectors"]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "torch_threads": int(__import__("torch").get_num_threads()),
        "model": "minilm",
        "runs": runs,
        "fp32_vs_bf16_same_batches": cross,
        "load_average": round(os.getloadavg()[0], 2),
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print("| precision | variant | L2 max | L2 p99 | L2 p50 | query score max | 1-cos max |")
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        for name, found in run["deviation"].items():
            print(
                f"| {run['precision']} | {name} | {found['l2']['max']:.2e} | "
                f"{found['l2']['p99']:.2e} | {found['l2']['p50']:.2e} | "
                f"{found['query_score']['max']:.2e} | {found['1-cos']['max']:.2e} |"
            )
        print(f"| {run['precision']} | throughput | {run['throughput']} |||||")
    if cross:
        print(f"fp32 vs bf16, same batches: L2 {cross['l2']}")


if __name__ == "__main__":
    main()
