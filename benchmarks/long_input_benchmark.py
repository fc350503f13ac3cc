#!/usr/bin/env python
"""Long inputs on CPU: one 8,192-token input through a ModernBERT-base-sized model.

Stock transformers (SDPA, full attention under a band mask in the local layers) against
retriever's blocked local attention (retriever/encoding/local_attention.py), in fp32 and bf16, on
a model with transformers' ``ModernBertConfig`` defaults (ModernBERT-base: 22 layers, 768 wide,
local window 128 with a global layer every 3rd) and random weights, so nothing is downloaded. Also
times a batch of short inputs (16 x 512), and reports the largest absolute difference between
the two paths' outputs.

Results: ``benchmarks/results/long-input.json``.

    python benchmarks/long_input_benchmark.py [--tokens 8192] [--repeats 2]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
from index_benchmark import machine, versions
from transformers import ModernBertConfig, ModernBertModel

from retriever.encoding.local_attention import use_blocked_local_attention

RESULTS = Path(__file__).resolve().parent / "results" / "long-input.json"


def seconds_per_forward(model, ids, mask, repeats: int) -> float:
    best = float("inf")
    with torch.inference_mode():
        model(input_ids=ids[:, :256], attention_mask=mask[:, :256])  # warm-up
        for _ in range(repeats):
            started = time.perf_counter()
            model(input_ids=ids, attention_mask=mask)
            best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--shapes", default="long,short", help="long: 1 x TOKENS, short: 16 x 512")
    args = parser.parse_args()
    torch.manual_seed(0)
    config = ModernBertConfig()
    stock = ModernBertModel(config).eval()
    ours = copy.deepcopy(stock)
    use_blocked_local_attention(ours)
    shapes = {"long": (1, args.tokens), "short": (16, 512)}
    shapes = {name: shapes[name] for name in args.shapes.split(",")}
    inputs = {
        name: (torch.randint(5, config.vocab_size, shape), torch.ones(shape, dtype=torch.long))
        for name, shape in shapes.items()
    }
    with torch.inference_mode():
        ids, mask = next(iter(inputs.values()))
        difference = (
            (
                stock(input_ids=ids, attention_mask=mask).last_hidden_state
                - ours(input_ids=ids, attention_mask=mask).last_hidden_state
            )
            .abs()
            .max()
            .item()
        )
    print(f"max abs difference, fp32, {ids.shape[1]} tokens: {difference:.2e}", flush=True)
    runs = []
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    for precision in args.precisions.split(","):
        dtype = dtypes[precision]
        stock.to(dtype)
        ours.to(dtype)
        for ids, mask in inputs.values():
            timings = {}
            for path, model in (("stock", stock), ("blocked", ours)):
                timings[path] = seconds_per_forward(model, ids, mask, args.repeats)
            tokens = ids.numel()
            run = {
                "precision": precision,
                "input": f"{ids.shape[0]}x{ids.shape[1]}",
                "stock_tokens_per_second": round(tokens / timings["stock"], 1),
                "blocked_tokens_per_second": round(tokens / timings["blocked"], 1),
                "speedup": round(timings["stock"] / timings["blocked"], 2),
                "load_average": round(os.getloadavg()[0], 2),
            }
            runs.append(run)
            print(json.dumps(run), flush=True)
            write_report(difference, runs)  # after each run: a long run keeps its partials


def write_report(difference: float, runs: list[dict]) -> None:
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "model": "ModernBertConfig() defaults (ModernBERT-base size), random weights",
        "max_abs_difference_fp32": difference,
        "runs": runs,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
