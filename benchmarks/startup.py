"""How long the `sbkit` command takes to start, beside a bare Python start measured in the same run.

    python benchmarks/startup.py [--repeats 7] [--photos 40] [--out runs/bench-startup.json]

Each figure is the median wall time of ``--repeats`` fresh processes (interleaved, so drifting machine
load hits every command alike), started as a user would start them:

- ``python -c pass`` and ``python -c "import cv2"``: the bare baselines;
- ``CLI libraries alone``: importing typer (with its rich help), rich.progress and pluggy and reading the
  entry points, what any such CLI pays before sbkit's own code runs;
- ``sbkit --help`` (target 0.5 s) and ``sbkit plugins`` (target 1 s): the whole command;
- ``sbkit sketchify`` (target 1.5 s): from the start of the process to the first sketch file on disk
  (sketches are written to a temporary name and renamed, so a file that appears is complete), on a
  folder of ``--photos`` product-like photos with the default settings (every CPU core).

Beside each median: its ratio to ``python -c pass``, the CPU seconds of the process and its children
(which load from other programs inflates far less than wall time), and the load average before and
after the run, since the targets are wall times on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sketchify_speed import write_photos  # noqa: E402 - a sibling script, not a package

# What any Typer + rich + pluggy command pays before sbkit's own code runs: the floor under `sbkit --help`.
LIBRARIES = ("import importlib.metadata, pluggy, typer, typer.rich_utils, rich.progress; "
             "importlib.metadata.entry_points(group='sbkit')")
TARGETS = {"sbkit --help": 0.5, "sbkit plugins": 1.0, "sbkit sketchify (first photo)": 1.5}


def sbkit_command() -> list[str]:
    """The installed ``sbkit`` script beside this Python, or ``python -m sbkit`` where there is none."""
    script = Path(sys.executable).with_name("sbkit")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "sbkit"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` to its end."""
    cpu = children_cpu()
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start, children_cpu() - cpu


def time_first_sketch(command: list[str], photos: Path, work: Path) -> tuple[float, float]:
    """Wall seconds from starting ``sbkit sketchify`` to its first sketch file; CPU seconds of the whole job."""
    out = work / f"job-{time.monotonic_ns()}"
    sketches = out / "sketches"
    cpu = children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen([*command, "sketchify", str(photos), "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = None
    while first is None:
        if sketches.is_dir() and any(path.suffix == ".png" for path in sketches.iterdir()):
            first = time.perf_counter() - start
        elif process.poll() is not None:
            raise RuntimeError(f"sbkit sketchify ended with code {process.returncode} before writing a sketch")
        else:
            time.sleep(0.002)
    if process.wait() != 0:
        raise RuntimeError(f"sbkit sketchify failed with code {process.returncode}")
    shutil.rmtree(out)
    return first, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="Runs of each command (the median is reported).")
    parser.add_argument("--photos", type=int, default=40, help="Photos in the sketchify job's folder.")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-startup.json"), help="JSON report to write.")
    args = parser.parse_args()

    sbkit = sbkit_command()
    with tempfile.TemporaryDirectory(prefix="sbkit-startup-") as tmp:
        work = Path(tmp)
        photos = work / "photos"
        write_photos(photos, args.photos, 256)
        runs: dict[str, Callable[[], tuple[float, float]]] = {
            "python -c pass": lambda: time_command([sys.executable, "-c", "pass"]),
            "python -c 'import cv2'": lambda: time_command([sys.executable, "-c", "import cv2"]),
            "CLI libraries alone": lambda: time_command([sys.executable, "-c", LIBRARIES]),
            "sbkit --help": lambda: time_command([*sbkit, "--help"]),
            "sbkit plugins": lambda: time_command([*sbkit, "plugins"]),
            "sbkit sketchify (first photo)": lambda: time_first_sketch(sbkit, photos, work),
        }
        for run in runs.values():  # warm the file cache and the bytecode caches; not timed
            run()
        load_before = os.getloadavg()
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeats):
            for name, run in runs.items():
                samples[name].append(run())
        load_after = os.getloadavg()

    baseline = statistics.median(wall for wall, _ in samples["python -c pass"])
    results = {}
    for name, values in samples.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        target = TARGETS.get(name)
        results[name] = {"wall_s": round(wall, 4), "cpu_s": round(cpu, 4), "ratio_to_python": round(wall / baseline, 1),
                         "target_s": target, "within_target": None if target is None else wall <= target}

    print(f"sbkit start-up, median of {args.repeats} runs (load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after; {os.cpu_count()} CPUs)")
    print(f"{'command':32} {'wall s':>8} {'cpu s':>8} {'x python':>9} {'target s':>9}")
    for name, row in results.items():
        target = "" if row["target_s"] is None else f"{row['target_s']:.1f} "
        target += "" if row["target_s"] is None else ("ok" if row["within_target"] else "over")
        print(f"{name:32} {row['wall_s']:8.3f} {row['cpu_s']:8.3f} {row['ratio_to_python']:9.1f} {target:>9}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "command": sbkit, "repeats": args.repeats, "photos": args.photos, "cpus": os.cpu_count(),
        "python": platform.python_version(), "load_average_before": load_before, "load_average_after": load_after,
        "results": results}, indent=2) + "\n")
    print(f"report: {args.out}")


if __name__ == "__main__":
    main()
