#!/usr/bin/env python
"""Encoding throughput on real chunks: retriever's encoder against plain sentence-transformers.

Chunks the evaluation corpora (data/eval/code-docstrings and data/eval/prose) with retriever's
own chunker and the model's tokenizer, takes every chunk (duplicates removed, as indexing does),
and encodes them twice on CPU:

- ``plain``: ``SentenceTransformer.encode(texts, batch_size=32)``, fp32 (sentence-transformers
  sorts by character length itself);
- ``ours``: ``SentenceTransformerEncoder.encode_documents``: token-budget batches sorted by
  token count, precision ``auto`` (bf16 on CPUs with native bf16) and, for ModernBERT, blocked
  local attention; also with each precision given explicitly.

The runs alternate (plain, ours, plain, ours ...) and each keeps its fastest pass, so a load
spike from other processes hurts both alike. Reports tokens per second (real tokens, special
tokens included, no padding) and the cosine similarity of each variant's vectors to plain fp32.

Results: ``benchmarks/results/encode.json``.

    HF_HUB_OFFLINE=1 python benchmarks/encode_benchmark.py [--model minilm] [--chunks 2000]
        [--passes 2] [--precisions fp32,int8]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from index_benchmark import machine, versions

from indexers.chunking import chunk_text
from indexers.discovery import LoadedFile, SourceFile, discover, load
from retriever.encoding.encoder import SentenceTransformerEncoder
from retriever.encoding.models import resolve_model

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "encode.json"
CORPORA = ("code-docstrings", "prose")


def real_chunks(encoder: SentenceTransformerEncoder, limit: int) -> list[str]:
    """Up to ``limit`` distinct chunk texts, taken evenly from each corpus in file order."""
    budget = encoder.fingerprint.max_tokens
    texts: dict[str, None] = {}
    for corpus in CORPORA:
        found: dict[str, None] = {}
        for source in discover(REPO / "data" / "eval" / corpus / "corpus"):
            if len(found) >= limit // len(CORPORA):
                break
            loaded = load(source) if isinstance(source, SourceFile) else None
            if not isinstance(loaded, LoadedFile):
                continue
            for chunk in chunk_text(
                loaded.text, source.path, loaded.language, budget, encoder.count_tokens
            ):
                found.setdefault(chunk.text)
        texts.update(found)
    return list(texts)[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--precisions", default="fp32,int8", help="explicit precisions to run besides auto"
    )
    args = parser.parse_args()
    resolved = resolve_model(args.model)
    variants = {
        f"ours-{precision}": SentenceTransformerEncoder(resolved, device="cpu", precision=precision)
        for precision in dict.fromkeys(["auto", *args.precisions.split(",")])
    }
    # The same weights in fp32, called the plain way.
    plain = SentenceTransformerEncoder(resolved, device="cpu", precision="fp32").model
    texts = real_chunks(variants["ours-auto"], args.chunks)
    counts = [variants["ours-auto"].count_tokens(t) for t in texts]
    tokens = sum(counts)
    print(f"{len(texts)} chunks, {tokens} tokens, {min(counts)}-{max(counts)} each", flush=True)

    def run_plain() -> np.ndarray:
        return plain.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

    runs = {"plain": run_plain} | {
        name: (lambda e=encoder: e.encode_documents(texts, counts))
        for name, encoder in variants.items()
    }
    best: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.passes):
        for name, run in runs.items():
            started = time.perf_counter()
            vectors[name] = run()
            seconds = time.perf_counter() - started
            best[name] = min(best.get(name, seconds), seconds)
            print(f"{name}: {tokens / seconds:.0f} tokens/s", flush=True)
    results = {
        name: {
            "tokens_per_second": round(tokens / seconds, 1),
            "speedup_vs_plain": round(best["plain"] / seconds, 2),
            "min_cosine_to_plain": round(float((vectors[name] * vectors["plain"]).sum(1).min()), 5),
            "mean_cosine_to_plain": round(
                float((vectors[name] * vectors["plain"]).sum(1).mean()), 5
            ),
        }
        for name, seconds in best.items()
    }
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "model": resolved.name,
        "precision_auto_is": variants["ours-auto"].precision,
        "chunks": len(texts),
        "tokens": tokens,
        "token_range": [min(counts), max(counts)],
        "passes": args.passes,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "results": results,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
