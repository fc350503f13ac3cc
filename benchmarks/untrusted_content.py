"""Cost and effect of the untrusted-content checks on a real corpus (docs/security.md).

    python benchmarks/untrusted_content.py /work/shared/codebench/repos [--repeat 3]

Prints, for the roots given: files discovered and read; the secret scan's throughput and the
share it adds to discovery + reading + chunking (chunking with a whitespace token counter, so
no model runs); the secrets found, by detector; and the files the control-character check
turns into ``binary`` (before: NUL byte only).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from indexers.chunking import chunk_text
from indexers.discovery import LoadedFile, SourceFile, discover, load
from indexers.secrets import find_secrets


def words(text: str) -> int:
    return len(text.split()) + 2


def run(roots: list[Path], repeat: int) -> None:
    best_base = best_scan = float("inf")
    loaded: list[LoadedFile] = []
    became_binary: list[str] = []
    for _ in range(repeat):
        loaded, became_binary = [], []
        started = time.perf_counter()
        for root in roots:
            for item in discover(root):
                if isinstance(item, SourceFile):
                    result = load(item)
                    if isinstance(result, LoadedFile):
                        loaded.append(result)
                    elif result.reason == "binary" and "control" in result.detail:
                        became_binary.append(f"{root.name}/{result.path}")
        for file in loaded:  # chunk_text masks secrets itself: time the scan apart below
            chunk_text(file.text, file.source.path, file.language, 512, words)
        middle = time.perf_counter()
        found = Counter(name for file in loaded for *_, name in find_secrets(file.text))
        scan = time.perf_counter() - middle
        best_scan = min(best_scan, scan)
        best_base = min(best_base, middle - started - scan)  # chunking ran one scan too
    megabytes = sum(len(file.text.encode()) for file in loaded) / (1 << 20)
    print(f"files read: {len(loaded)} ({megabytes:.1f} MiB of text)")
    print(f"discovery + reading + chunking without the scan: {best_base:.2f} s")
    print(
        f"secret scan: {best_scan:.2f} s = {len(loaded) / best_scan:,.0f} files/s, "
        f"{megabytes / best_scan:.1f} MiB/s, +{best_scan / best_base:.1%}"
    )
    print(f"secrets found: {dict(found) or 'none'}")
    print(f"files now binary by control characters: {len(became_binary)} {became_binary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    run(arguments.roots, arguments.repeat)


if __name__ == "__main__":
    main()
