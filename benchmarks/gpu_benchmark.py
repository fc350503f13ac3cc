#!/usr/bin/env python
"""Encoder throughput on a CUDA GPU: ModernBERT-base-sized model, random weights, no download.

Needs only torch, transformers and sentence-transformers (runs where faiss and the rest of
retriever are not installed). Measures real (non-padding) tokens per second for:

1. the bare model (transformers ``ModernBertModel``, ``ModernBertConfig`` defaults) in bf16
   (and fp16, fp32 at 512) with SDPA, or FlashAttention 2 where ``flash_attn`` is installed:
   - fixed length: batches of 32 x 512 tokens, and 2 x 8,192;
   - variable lengths (2,048 sequences, lengths ~ normal(256, 128) clipped to 16..512, as in
     the ModernBERT paper's variable-length runs): padded batches of 32 in arrival order, and
     retriever's token-budget batches sorted by length (retriever/encoding/batching.py);
2. retriever's encoder (``SentenceTransformerEncoder``, precision auto = bf16 on CUDA) against a
   plain ``SentenceTransformer.encode(batch_size=32)`` in fp32 on the same 3,000 texts of mixed
   length.

It imports retriever's batching and encoder modules only (not faiss, SQLAlchemy, ...): on a
machine without the rest, copy retriever/{batching,encoder,errors,models,precision,
local_attention}.py into a ``retriever/`` folder with an empty ``__init__.py`` next to it.

    python gpu_benchmark.py --out results.json

Writes the JSON after every section, so a run cut short keeps what it measured.
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import importlib.util
import json
import platform
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
from transformers import ModernBertConfig, ModernBertModel

from retriever.encoding.batching import plan_batches

WORDS = [
    "upload",
    "retry",
    "backoff",
    "jitter",
    "request",
    "response",
    "cache",
    "index",
    "vector",
    "query",
    "token",
    "model",
    "encoder",
    "batch",
    "chunk",
    "document",
    "search",
    "filter",
    "score",
    "rank",
    "client",
    "server",
    "error",
    "timeout",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "for",
    "with",
    "on",
    "that",
    "by",
    "this",
    "be",
    "are",
    "from",
    "as",
    "at",
    "it",
    "or",
]


#: Where to run, and a scale factor for the workload: set from the command line (a quick run on
#: CPU checks the script before it spends GPU time).
DEVICE = "cuda"
SCALE = 1
#: The model's shape: ModernBERT-base (transformers' defaults); a tiny one for the CPU check.
SHAPE: dict = {}
TINY = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=3, num_attention_heads=4)


def synchronize() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def tokens_per_second(model, batches, vocab: int, repeats: int = 1) -> float:
    """Real tokens per second over ``batches`` (each a list of sequence lengths)."""
    device = DEVICE
    batches = batches[: max(2, len(batches) // SCALE)]
    prepared = []
    for lengths in batches:
        longest = max(lengths)
        ids = torch.randint(5, vocab, (len(lengths), longest), device=device)
        mask = torch.zeros(len(lengths), longest, dtype=torch.long, device=device)
        for row, length in enumerate(lengths):
            mask[row, :length] = 1
        prepared.append((ids, mask))
    with torch.inference_mode():
        for ids, mask in prepared[:2]:  # warm-up
            model(input_ids=ids, attention_mask=mask)
        synchronize()
        started = time.perf_counter()
        for _ in range(repeats):
            for ids, mask in prepared:
                model(input_ids=ids, attention_mask=mask)
        synchronize()
    seconds = time.perf_counter() - started
    return round(repeats * sum(sum(b) for b in batches) / seconds, 1)


def bare_model(report: dict, attention: str) -> None:
    torch.manual_seed(0)
    config = ModernBertConfig(**SHAPE)
    base = ModernBertModel(config).eval()
    rng = random.Random(0)
    lengths = [min(512, max(16, int(rng.gauss(256, 128)))) for _ in range(2048)]
    arrival = [lengths[i : i + 32] for i in range(0, len(lengths), 32)]
    sorted_batches = [[lengths[i] for i in b] for b in plan_batches(lengths, 32 * 512)]
    runs = []
    for name, dtype in (("bf16", torch.bfloat16), ("fp16", torch.float16), ("fp32", torch.float32)):
        model = copy.deepcopy(base).to(DEVICE, dtype).eval()
        model.set_attn_implementation(attention)
        run = {
            "precision": name,
            "fixed_32x512": tokens_per_second(model, [[512] * 32] * 8, 50000, 3),
        }
        if name == "bf16":
            run["fixed_2x8192"] = tokens_per_second(model, [[8192 // SCALE] * 2] * 4, 50000)
            run["variable_padded_arrival_order"] = tokens_per_second(model, arrival, 50000)
            run["variable_sorted_token_budget"] = tokens_per_second(model, sorted_batches, 50000)
            run["variable_padding_fraction_arrival"] = round(
                1 - sum(lengths) / sum(32 * max(b) for b in arrival), 3
            )
            run["variable_padding_fraction_sorted"] = round(
                1 - sum(lengths) / sum(len(b) * max(b) for b in sorted_batches), 3
            )
        runs.append(run)
        report["bare_model"] = {"attention": attention, "runs": runs}
        print(json.dumps(run), flush=True)
        del model
        if DEVICE == "cuda":
            torch.cuda.empty_cache()


def sentence_model(directory: Path) -> Path:
    """A ModernBERT-base-sized sentence-transformers model (CLS pooling) with a tokenizer trained
    here on the fly: everything local, nothing downloaded."""
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer, pre_tokenizers, processors, trainers
    from tokenizers import models as token_models
    from transformers import PreTrainedTokenizerFast

    try:
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers import models

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(token_models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        [" ".join(WORDS)] * 10, trainers.WordPieceTrainer(special_tokens=special)
    )
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=8192,
    )
    torch.manual_seed(0)
    config = ModernBertConfig(
        **SHAPE,
        pad_token_id=fast.pad_token_id,
        cls_token_id=cls,
        sep_token_id=sep,
        bos_token_id=cls,
        eos_token_id=sep,
    )
    raw = directory / "hf"
    ModernBertModel(config).save_pretrained(raw)
    fast.save_pretrained(raw)
    transformer = models.Transformer(str(raw), max_seq_length=8192)
    pooling = models.Pooling(config.hidden_size, pooling_mode="cls")
    SentenceTransformer(modules=[transformer, pooling, models.Normalize()]).save(
        str(directory / "st")
    )
    return directory / "st"


def encoder_path(report: dict) -> None:
    try:
        from retriever.encoding.encoder import SentenceTransformerEncoder
        from retriever.encoding.models import resolve_model
    except ImportError as error:
        report["encoder"] = {"skipped": f"retriever's encoder cannot be imported: {error}"}
        return
    from sentence_transformers import SentenceTransformer

    rng = random.Random(1)
    # Mixed lengths like real chunks: mostly short, a long tail up to ~2,000 tokens.
    texts = [
        " ".join(rng.choice(WORDS) for _ in range(min(2000, int(rng.lognormvariate(5.0, 0.9)))))
        for _ in range(3000 // SCALE)
    ]
    with tempfile.TemporaryDirectory() as scratch:
        directory = sentence_model(Path(scratch))
        resolved = resolve_model(str(directory))
        ours = SentenceTransformerEncoder(resolved, device=DEVICE, precision="auto")
        counts = [ours.count_tokens(t) for t in texts]
        ours.encode_documents(texts[:64], counts[:64])  # warm-up
        synchronize()
        started = time.perf_counter()
        vectors = ours.encode_documents(texts, counts)
        synchronize()
        ours_seconds = time.perf_counter() - started
        plain = SentenceTransformer(str(directory), device=DEVICE)
        plain.encode(texts[:64], batch_size=32)
        synchronize()
        started = time.perf_counter()
        reference = plain.encode(texts, batch_size=32, normalize_embeddings=True)
        synchronize()
        plain_seconds = time.perf_counter() - started
    tokens = sum(counts)
    report["encoder"] = {
        "texts": len(texts),
        "tokens": tokens,
        "ours_precision": ours.precision,
        "ours_attention": ours.attention,
        "ours_tokens_per_second": round(tokens / ours_seconds, 1),
        "plain_fp32_batch32_tokens_per_second": round(tokens / plain_seconds, 1),
        "speedup": round(plain_seconds / ours_seconds, 2),
        "min_cosine_ours_vs_plain": float((vectors * reference).sum(axis=1).min()),
    }
    print(json.dumps(report["encoder"]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", default="cuda", help="cpu: a quick check of the script")
    args = parser.parse_args()
    global DEVICE, SCALE, SHAPE
    if args.device != "cuda":
        DEVICE, SCALE, SHAPE = args.device, 100, TINY
    flash = importlib.util.find_spec("flash_attn") is not None
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "gpu": torch.cuda.get_device_name(0) if DEVICE == "cuda" else None,
            "flash_attn_installed": flash,
        },
        "versions": {
            name: importlib.metadata.version(name)
            for name in ("torch", "transformers", "sentence-transformers")
        },
        "model": "ModernBertConfig() defaults (ModernBERT-base size), random weights",
    }
    sections = (
        ("bare_model", lambda: bare_model(report, "flash_attention_2" if flash else "sdpa")),
        ("encoder", lambda: encoder_path(report)),
    )
    for name, section in sections:
        try:
            section()
        except Exception as error:  # keep the other section's numbers
            report[f"{name}_error"] = f"{type(error).__name__}: {error}"
            print(report[f"{name}_error"], flush=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
