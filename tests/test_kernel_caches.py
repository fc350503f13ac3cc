"""Importing retriever bounds torch's CPU kernel caches, unless the environment chose a size."""

from __future__ import annotations

import os
import subprocess
import sys

CACHES = ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY")


def capacities(**environment: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in CACHES} | environment
    script = f"import os, retriever; print(*(os.environ[n] for n in {CACHES!r}))"
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_importing_retriever_bounds_the_kernel_caches():
    assert capacities() == ["16", "16"]


def test_a_size_the_environment_chose_is_kept():
    assert capacities(LRU_CACHE_CAPACITY="1024") == ["16", "1024"]
