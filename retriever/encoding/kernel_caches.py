"""Bounds on the kernel caches of torch's CPU backend (oneDNN), set on import, before torch loads.

oneDNN and ideep (torch's wrapper of it) keep compiled kernels per input shape, up to 1,024
each by default, megabytes each in bf16. Token-budget batches have a new shape almost every
batch, so those caches grew with the corpus: a full index run's peak RSS rose by 1 GB from a
1.4 MB to a 5.3 MB corpus (benchmarks/memory_benchmark.py). A kernel compiled again costs less
than an encoding batch, and shapes rarely repeat anyway. ``setdefault``: the environment can
still choose. Only read when torch loads, so it must run before anything imports torch.
"""

from __future__ import annotations

import os

#: Cached kernels per cache. Measured on MiniLM in bf16 over 240 new input shapes: RSS grew
#: 580 MB with the defaults, 190 MB with 64 (still growing), 95 MB with 16 (levelling off),
#: no slower.
CAPACITY = "16"

for _variable in ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY"):
    os.environ.setdefault(_variable, CAPACITY)
