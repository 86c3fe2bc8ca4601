"""Training speed of ``sbkit.training.fit`` beside a bare torch loop, and the largest batch a memory budget holds.

    python benchmarks/train_speed.py --configs small-96,small-128,resnet18-128 --batch 64 --steps 12 \\
        --memory-mb 1024 --out train_speed.json

Speed: for each config, the same model (same initial weights), data, batch size, optimizer (AdamW,
gradient clipping at 1.0) and autocast dtype train through ``fit`` and through a hand-written loop, one
step of each in turn (the bare step runs inside ``fit``'s ``on_step`` callback), so load from other
processes hits both alike. After as many warm-up steps, ``--steps`` steps of each are timed. Reported:
samples per second (from the median step time) and the ratio sbkit / bare.

Memory: for gradient caching off and on, the largest contrastive batch whose training step grows the peak
memory of a fresh process by at most ``--memory-mb`` (peak RSS on CPU, ``torch.cuda.max_memory_allocated``
on CUDA): batches double until one does not fit, then the gap is bisected.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from sbkit import progress
from sbkit.io import atomic_write_json
from sbkit.registry import create
from sbkit.training import RetrievalModel, TrainData, TrainOptions, build_model, fit
from sbkit.training.precision import autocast, autocast_dtype, grad_scaler

CONFIGS = {"small-96": ("small", {}, 96), "small-128": ("small", {}, 128),
           "resnet18-128": ("timm", {"model": "resnet18", "pretrained": False}, 128)}
WORDS = ["red", "blue", "green", "black", "white", "dress", "shirt", "skirt", "coat", "long", "short", "striped",
         "dotted", "plain", "wool", "silk"]
DTYPES = {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}


def make_data(n: int, size: int, seed: int = 0) -> TrainData:
    """``n`` random photos and sketches of ``size`` px with short random captions; every item its own product."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g)
    sketches = torch.where(torch.rand(n, 1, size, size, generator=g) < 0.1, 0, 255).to(torch.uint8)
    words = torch.randint(0, len(WORDS), (n, 5), generator=g).tolist()
    return TrainData(images, sketches, [" ".join(WORDS[i] for i in row) for row in words], torch.arange(n))


def make_model(config: str, data: TrainData, device: torch.device) -> tuple[RetrievalModel, torch.nn.Module]:
    name, params, _ = CONFIGS[config]
    torch.manual_seed(0)
    encoder = create("encoder", name, params)
    encoder.prepare(data.captions)
    return build_model(encoder, "concat").to(device), create("loss", "infonce").to(device)


def options(batch: int, epochs: int, amp: str, device: torch.device, chunk: int = 0) -> TrainOptions:
    return TrainOptions(epochs=epochs, batch_size=batch, amp=amp, device=str(device), modality_dropout=(0.0, 0.0),
                        warmup=0.0, grad_cache_chunk=chunk)


class BareLoop:
    """A hand-written training loop over the same data, stepped from outside: :meth:`step` trains one batch."""

    def __init__(self, model: RetrievalModel, loss: torch.nn.Module, data: TrainData, batch: int, amp: str,
                 device: torch.device) -> None:
        self.model, self.loss, self.data, self.batch, self.device = model, loss, data, batch, device
        self.dtype = autocast_dtype(amp, device)
        self.scaler = grad_scaler(device, self.dtype)
        self.params = [*model.parameters(), *loss.parameters()]
        self.optimizer = torch.optim.AdamW(self.params, lr=2e-3, weight_decay=0.01)
        self.rows: list[torch.Tensor] = []
        model.train()

    def step(self) -> float:
        """Seconds for one optimizer step on the next batch (device work included)."""
        if not self.rows:
            self.rows = list(torch.randperm(len(self.data)).split(self.batch))
        started = time.perf_counter()
        rows, data, device = self.rows.pop(), self.data, self.device
        images = data.images[rows].to(device)
        sketches = data.sketches[rows].to(device)
        texts = [data.captions[i] for i in rows.tolist()]
        labels = data.labels[rows].to(device)
        with autocast(device, self.dtype):
            target = self.model.embed_images(images)
            query = self.model.embed_queries(sketches, texts)
        value = self.loss(query.float(), target.float(), labels)
        self.scaler.scale(value).backward()
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        sync(device)
        return time.perf_counter() - started


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def speed(config: str, batch: int, steps: int, amp: str, device: torch.device) -> dict[str, Any]:
    """Seconds per step of ``fit`` and of the bare loop, interleaved step by step.

    ``fit`` trains two epochs of ``steps`` steps; after each of its steps, its ``on_step`` callback times one
    bare step on a copy of the model. A ``fit`` step is the time between two callbacks, less the bare step,
    so both see the same load at nearly the same moment. The first epoch is warm-up.
    """
    data = make_data(batch * steps, CONFIGS[config][2])
    model, loss = make_model(config, data, device)
    bare = BareLoop(copy.deepcopy(model), copy.deepcopy(loss), data, batch, amp, device)
    ours: list[float] = []
    theirs: list[float] = []
    last = [0.0]

    def on_step(step: int, value: torch.Tensor) -> None:
        sync(device)
        now = time.perf_counter()
        if step > 1:
            ours.append(now - last[0])
        theirs.append(bare.step())
        last[0] = time.perf_counter()

    fit(model, loss, data, options(batch, 2, amp, device), on_step=on_step)
    ours, theirs = ours[steps - 1:], theirs[steps:]  # the second epoch
    ours_s, bare_s = statistics.median(ours), statistics.median(theirs)
    return {"config": config, "size": CONFIGS[config][2], "batch": batch, "steps": len(ours),
            "amp": DTYPES[autocast_dtype(amp, device)], "sbkit_samples_per_s": batch / ours_s,
            "bare_samples_per_s": batch / bare_s, "ratio": bare_s / ours_s,
            "sbkit_step_s": ours, "bare_step_s": theirs}


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def trial(config: str, batch: int, chunk: int, amp: str, device: torch.device) -> float:
    """MB that one training step on a batch of ``batch`` adds to this process's peak memory.

    A step on 4 items runs first, so one-time costs (lazy imports, kernel set-up) are not counted.
    """
    data = make_data(batch, CONFIGS[config][2])
    model, loss = make_model(config, data, device)
    fit(model, loss, make_data(4, CONFIGS[config][2]), options(4, 1, amp, device, min(chunk, 2)))
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        fit(model, loss, data, options(batch, 1, amp, device, chunk))
        return (torch.cuda.max_memory_allocated(device) - base) / 2**20
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    base = rss_kib("VmRSS")
    fit(model, loss, data, options(batch, 1, amp, device, chunk))
    return (rss_kib("VmHWM") - base) / 1024


def run_trial(args: argparse.Namespace, batch: int, chunk: int) -> float:
    command = [sys.executable, __file__, "--trial", str(batch), "--trial-chunk", str(chunk), "--memory-config",
               args.memory_config, "--amp", args.amp, "--device", args.device, "--threads", str(args.threads)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1])["growth_mb"])


def largest_batch(args: argparse.Namespace, chunk: int) -> dict[str, Any]:
    """Double the batch until a step needs more than the budget, then bisect; every trial a fresh process."""
    trials: dict[int, float] = {}

    def fits(batch: int) -> bool:
        trials[batch] = run_trial(args, batch, chunk)
        return trials[batch] <= args.memory_mb

    good, bad, batch = 0, None, args.memory_start
    while batch <= args.max_batch:
        if not fits(batch):
            bad = batch
            break
        good, batch = batch, batch * 2
    for _ in range(args.bisect if bad is not None else 0):
        middle = (good + bad) // 2
        if middle in (good, bad):
            break
        if fits(middle):
            good = middle
        else:
            bad = middle
    return {"grad_cache_chunk": chunk, "largest_batch": good, "capped": bad is None,
            "trials_mb": {str(k): round(v, 1) for k, v in sorted(trials.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, from {', '.join(CONFIGS)}")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=12, help="timed steps (after as many warm-up steps)")
    parser.add_argument("--amp", default="auto", help="auto, bf16, fp16 or off (the same for both loops)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--memory-mb", type=float, default=0, help="memory budget for the batch search; 0 skips it")
    parser.add_argument("--memory-config", default="small-96", choices=list(CONFIGS))
    parser.add_argument("--chunk", type=int, default=32, help="grad_cache_chunk of the cached search")
    parser.add_argument("--memory-start", type=int, default=16, help="first batch size tried")
    parser.add_argument("--max-batch", type=int, default=8192, help="stop doubling past this batch size")
    parser.add_argument("--bisect", type=int, default=3, help="bisection steps after doubling")
    parser.add_argument("--out", default="", help="write the results as JSON here")
    parser.add_argument("--trial", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--trial-chunk", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    progress.set_quiet(True)
    device = torch.device(args.device)
    if args.trial:
        print(json.dumps({"growth_mb": trial(args.memory_config, args.trial, args.trial_chunk, args.amp, device)}))
        return

    load_before = os.getloadavg()
    results: dict[str, Any] = {"device": str(device), "threads": args.threads, "torch": torch.__version__,
                               "machine": platform.processor() or platform.machine(), "speed": [], "memory": None}
    for config in args.configs.split(","):
        results["speed"].append(speed(config, args.batch, args.steps, args.amp, device))
    if args.memory_mb > 0:
        results["memory"] = {"budget_mb": args.memory_mb, "config": args.memory_config,
                             "runs": [largest_batch(args, 0), largest_batch(args, args.chunk)]}
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    report(results)
    if args.out:
        atomic_write_json(args.out, results)


def report(results: dict[str, Any]) -> None:
    console = Console()
    table = Table(title=f"training samples/s on {results['device']}, {results['threads']} threads")
    for column in ("config", "batch", "autocast", "sbkit fit", "bare loop", "sbkit / bare"):
        table.add_column(column, justify="right" if column not in ("config", "autocast") else "left")
    for row in results["speed"]:
        table.add_row(row["config"], str(row["batch"]), row["amp"], f"{row['sbkit_samples_per_s']:.1f}",
                      f"{row['bare_samples_per_s']:.1f}", f"{row['ratio']:.2f}")
    console.print(table)
    if results["memory"]:
        memory = results["memory"]
        table = Table(title=f"largest batch within {memory['budget_mb']:.0f} MB ({memory['config']})")
        for column in ("gradient caching", "largest batch", "trials (batch: MB)"):
            table.add_column(column)
        for run in memory["runs"]:
            chunk = run["grad_cache_chunk"]
            table.add_row(f"chunk {chunk}" if chunk else "off",
                          f"{run['largest_batch']}{'+ (cap)' if run['capped'] else ''}",
                          ", ".join(f"{k}: {v}" for k, v in run["trials_mb"].items()))
        console.print(table)
    before, after = results["load_average"]["before"], results["load_average"]["after"]
    console.print(f"load average (1 min) before {before[0]:.1f}, after {after[0]:.1f}")


if __name__ == "__main__":
    main()
