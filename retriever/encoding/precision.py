"""Numeric precision of the encoder: which one to use on this machine, and applying it.

bf16 halves the memory traffic of every matrix product and runs on the AMX / AVX-512 BF16 units
of recent x86 CPUs; on CPUs without them it is emulated and slower than fp32, so ``auto`` only
picks it where it is native. int8 (dynamic quantization of the Linear layers) is opt-in: it is
faster still on CPU but moves vectors further (see docs/benchmarks.md, "Speed").
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import Literal

from retriever.errors import ModelError

Precision = Literal["auto", "fp32", "bf16", "fp16", "int8"]

#: CPU flags that mean bf16 matrix products run natively (not emulated).
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


@cache
def cpu_has_native_bf16() -> bool:
    # torch.backends.cpu.get_cpu_capability() says "AVX512" with or without the bf16 units,
    # so the kernel's CPU flags decide. Elsewhere than Linux: fp32, the safe choice.
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    flags = next((line for line in text.splitlines() if line.startswith("flags")), "")
    return not NATIVE_BF16_FLAGS.isdisjoint(flags.split())


def resolve_precision(requested: Precision, device: str) -> str:
    """The concrete precision (fp32, bf16, fp16 or int8) for ``requested`` on ``device``."""
    import torch

    if device.startswith("cuda"):
        if requested == "int8":
            raise ModelError("precision int8 runs on CPU only; use bf16 or fp16 on CUDA")
        if requested == "auto":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return requested
    if requested == "fp16":
        raise ModelError("precision fp16 runs on CUDA only; use bf16 or int8 on CPU")
    if requested == "auto":
        return "bf16" if device == "cpu" and cpu_has_native_bf16() else "fp32"
    return requested


def apply_precision(model, precision: str) -> None:
    """Convert ``model`` (a torch module, in place) to ``precision``."""
    import torch

    if precision in ("bf16", "fp16"):
        model.to(torch.bfloat16 if precision == "bf16" else torch.float16)
    elif precision == "int8":
        # torch.ao's dynamic quantization is deprecated in favour of torchao, which is not
        # installed here; it still works in torch 2.13 and needs nothing else.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from torch.ao.quantization import quantize_dynamic

            quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
