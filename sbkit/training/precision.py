"""Mixed precision: which autocast dtype a run uses, and the matching gradient scaler."""

from __future__ import annotations

import contextlib

import torch

from sbkit.errors import ConfigError, check


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bf16 natively (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, p, lambda: False)()) for p in probes)


def autocast_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device``, or None for fp32.

    ``auto`` picks bf16 on CPUs with native bf16 (training the ``small`` encoder ran 1.4-1.7x faster
    than fp32 on an AVX512-BF16 EPYC, at 64 and 128 px), fp16 on CUDA, and fp32 elsewhere.
    """
    if amp == "off":
        return None
    if amp == "bf16":
        return torch.bfloat16
    if amp == "fp16":
        check(device.type == "cuda", f"amp 'fp16' needs a CUDA device, got {device}; use amp 'bf16' or 'off' on CPU",
              ConfigError)
        return torch.float16
    if device.type == "cuda":
        return torch.float16
    if device.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return None


def autocast(device: torch.device, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    """An autocast context for ``dtype`` on ``device``, or a no-op for fp32."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def grad_scaler(device: torch.device, dtype: torch.dtype | None) -> torch.amp.GradScaler:
    """A gradient scaler, enabled only for fp16 (bf16 has fp32's range and needs none)."""
    return torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
