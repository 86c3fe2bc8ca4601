"""``sbkit train``: sketchify and train on a catalogue into a run folder, in one process or data-parallel."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import typing
from typing import Any

import typer

from sbkit.cli.run import command_settings, run_command
from sbkit.progress import console

TRAIN_HELP = """Sketchify a catalogue's train and val splits and train on them; the run folder gets config.toml,
the model, the checkpoint, history and metrics.json. No index and no test evaluation: follow with
`sbkit index build RUN_DIR --data DATA` and `sbkit eval RUN_DIR --data DATA`.

Photos are decoded and sketchified by --workers processes into a cache on disk and read back row by row, so
memory does not grow with the catalogue. Data-parallel: `sbkit train --nproc N ...`, or
`torchrun --nproc_per_node N -m sbkit train --out DIR ...` (gloo on CPU, NCCL on GPU); rank 0 alone writes
the run folder, and `--resume DIR` continues a killed run with any number of processes.

Component parameters go as --<kind>.<param> VALUE, as for `sbkit run`."""

NOT_FOR_TRAIN = ("index", "probes")  # `sbkit run` options that only the index and report stages use


def train_command(ctx: typer.Context, nproc: int = 1, **values: Any) -> None:
    """Train into a run folder (see `sbkit train --help`)."""
    from sbkit.errors import ConfigError
    from sbkit.pipeline.train_stage import train_run, world_size

    out, config, resume, force = (values.pop(k) for k in ("out", "config", "resume", "force"))
    if nproc > 1 and world_size() == 1:
        _launch(nproc)
        return
    if nproc > 1 and world_size() != nproc:
        raise ConfigError(f"--nproc {nproc} under torchrun with {world_size()} processes; drop --nproc when "
                          "launching with torchrun")
    settings = command_settings(ctx, values, out, config, resume, force)
    result = train_run(settings, resume=resume is not None, force=force)
    if result is not None:
        _summary(result)


def _launch(nproc: int) -> None:
    """Run this very command line under ``torch.distributed.run`` with ``nproc`` processes, without --nproc."""
    from sbkit.errors import ConfigError

    args = sys.argv[1:]
    if "train" not in args:
        raise ConfigError("--nproc relaunches the `sbkit train` command line; from Python, launch "
                          "`torchrun --nproc_per_node N -m sbkit train ...` instead")
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            kept.append(arg)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", "sbkit", *kept]
    console.print(f"[dim]launching {nproc} processes: {' '.join(command[1:])}[/dim]")
    code = subprocess.call(command, env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
    if code:
        raise typer.Exit(code)


def _summary(result) -> None:
    from sbkit.console_text import shown

    metrics = result.metrics
    last = metrics["history"][-1] if metrics["history"] else {}
    counts = ", ".join(f"{name} {count}" for name, count in metrics["counts"].items())
    line = f"trained {metrics['epochs']} epochs on {counts} items in {metrics['processes']} process" + \
        ("es" if metrics["processes"] > 1 else "")
    if last:
        line += f"; last loss {last['loss']:.4f}" + (f", val R@10 {last['val_R@10']:.3f}" if "val_R@10" in last else "")
    console.print(line)
    console.print(f"run folder: [bold]{shown(result.run_dir)}[/bold]")


def _signature() -> inspect.Signature:
    """`sbkit run`'s options (one declaration of each) less the index and report ones, plus --nproc."""
    hints = typing.get_type_hints(run_command)  # real types: Typer reads bool options as flags
    params = [p.replace(annotation=hints.get(name, p.annotation))
              for name, p in inspect.signature(run_command).parameters.items() if name not in NOT_FOR_TRAIN]
    nproc = inspect.Parameter("nproc", inspect.Parameter.KEYWORD_ONLY, annotation=int, default=typer.Option(
        1, "--nproc", min=1, help="Train data-parallel in this many processes on this machine: relaunches the "
        "command under torchrun (gloo on CPU, NCCL on GPU). Under torchrun itself, leave it out."))
    return inspect.Signature([*params, nproc])


train_command.__signature__ = _signature()  # type: ignore[attr-defined]


def register(app: typer.Typer) -> None:
    app.command("train", help=TRAIN_HELP, context_settings={"allow_extra_args": True,
                                                            "ignore_unknown_options": True})(train_command)
