"""Photos per second of `sketchify_job` for each sketchifier, beside a bare OpenCV loop measured in the same run.

    python benchmarks/sketchify_speed.py [--sketchifiers canny,canny-clahe] [--n 400] [--sizes 256,512]
                                         [--repeats 3] [--budget 20] [--out runs/bench-sketchify.json]

For each size it writes N product-like JPEG photos (a garment shape on white, with shading, stripes
and noise) to a temporary folder, then times, each on 1 and 2 processes:

- ``bare``: the bare OpenCV loop, JPEG decode -> gray -> blur -> Canny -> PNG encode -> write;
- ``bare, grey decode``: the same, decoding the JPEG straight to grey, as the job does for a sketchifier
  that reads only luminance (``gray_input``): shown so that this saving is not mistaken for anything else;
- ``direct``: the same loop calling the sketchifier in place of gray/blur/Canny (the cost of the
  sketchifier itself, with no job machinery);
- ``job``: ``sketchify_job`` (what `sbkit sketchify` runs), writing a fresh job folder every time.

Each sketchifier with ``low`` and ``high`` thresholds (canny, canny-clahe) is timed twice: with its
defaults (thresholds read from each photo) and with the bare loop's fixed thresholds (``@50/150``), so
that the job and the bare loop are compared doing the same work. For ``canny @50/150`` the benchmark
checks that the job's sketches are the grey-decode bare loop's PNG files byte for byte.

With ``--ray``, the job also runs through the Ray engine on a local Ray instance with 2 CPUs (started
once, its workers warmed by a first job), beside the local engine's 2 workers: milliseconds per photo.

Reported per sketchifier: the job's rate on 1 and 2 workers, its ratio to the bare loop per core
(job, 1 worker / bare, 1 process), its ratio to ``direct`` (the job's own overhead), and its scaling
from 1 to 2 workers; beside them the CPU milliseconds per photo (this process plus its children),
which load from other programs inflates far less than wall time. Each figure is the median of
``--repeats`` runs, interleaved so that drifting machine load hits every variant alike. Every process
runs OpenCV and torch on one thread. A sketchifier too slow for ``--budget`` seconds per timed run
(kornia-canny on CPU takes a second a photo at 512 px) is timed on fewer photos, shown in the table.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

Loop = Callable[[list[Path], Path], None]
BARE_THRESHOLDS = {"low": 50.0, "high": 150.0}  # the bare loop's Canny thresholds (sigma 1.0 is canny's default)


def product_photo(rng: np.random.Generator, size: int) -> np.ndarray:
    """A BGR photo of a garment-like shape on a light background, with shading, stripes and sensor noise."""
    image = np.full((size, size, 3), rng.integers(225, 256), np.uint8)
    s = size / 256
    cx, top = size / 2 + rng.uniform(-20, 20) * s, rng.uniform(20, 50) * s
    body_w, sleeve, length = rng.uniform(50, 80) * s, rng.uniform(30, 70) * s, rng.uniform(150, 200) * s
    points = np.array([
        (cx - 25 * s, top), (cx - body_w, top + 15 * s), (cx - body_w - sleeve, top + 60 * s),
        (cx - body_w - sleeve + 20 * s, top + 85 * s), (cx - body_w, top + 55 * s),
        (cx - body_w * rng.uniform(0.9, 1.4), top + length), (cx + body_w * rng.uniform(0.9, 1.4), top + length),
        (cx + body_w, top + 55 * s), (cx + body_w + sleeve - 20 * s, top + 85 * s),
        (cx + body_w + sleeve, top + 60 * s), (cx + body_w, top + 15 * s), (cx + 25 * s, top),
        (cx, top + 20 * s)], np.int32)
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [points], 255)
    colour = rng.integers(0, 256, 3).astype(np.float32)
    shade = np.linspace(0.75, 1.1, size, dtype=np.float32)[None, :, None]
    garment = np.clip(colour * shade * np.ones((size, 1, 1), np.float32), 0, 255)
    if rng.random() < 0.5:  # stripes
        period = int(rng.integers(8, 24) * s)
        stripes = ((np.arange(size) // max(period, 2)) % 2).astype(bool)
        garment[stripes] *= 0.6
    image[mask > 0] = garment[mask > 0].astype(np.uint8)
    noise = rng.normal(0, 4, image.shape).astype(np.float32)
    return np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def write_photos(folder: Path, n: int, size: int, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        path = folder / f"{i:05d}.jpg"
        cv2.imwrite(str(path), product_photo(rng, size), [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def bare_loop(paths: list[Path], out: Path) -> None:
    """The baseline: decode, gray, blur, Canny, encode and write, with nothing else."""
    for path in paths:
        gray = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2GRAY)
        edges = cv2.bitwise_not(cv2.Canny(cv2.GaussianBlur(gray, (0, 0), 1.0), 50, 150, L2gradient=True))
        (out / f"{path.stem}.png").write_bytes(cv2.imencode(".png", edges)[1].tobytes())


def bare_gray_loop(paths: list[Path], out: Path) -> None:
    """The baseline, decoding JPEGs straight to grey as the job does for grey-only sketchifiers."""
    for path in paths:
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        edges = cv2.bitwise_not(cv2.Canny(cv2.GaussianBlur(gray, (0, 0), 1.0), 50, 150, L2gradient=True))
        (out / f"{path.stem}.png").write_bytes(cv2.imencode(".png", edges)[1].tobytes())


def direct_loop(name: str, params: dict | None = None) -> Loop:
    """The bare loop with the sketchifier in place of gray/blur/Canny."""

    def loop(paths: list[Path], out: Path) -> None:
        from sbkit.registry import create

        sketchifier = create("sketchifier", name, params or {})
        for path in paths:
            rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
            (out / f"{path.stem}.png").write_bytes(cv2.imencode(".png", sketchifier(rgb))[1].tobytes())

    return loop


def _single_thread() -> None:
    import torch

    cv2.setNumThreads(1)
    torch.set_num_threads(1)


def _run_part(loop: Loop, paths: list[Path], out: Path) -> None:
    _single_thread()
    loop(paths, out)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children, which load from other programs inflates far less."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_loop(loop: Loop, paths: list[Path], out: Path, processes: int) -> tuple[float, float]:
    """(photos per second, CPU ms per photo) of ``loop`` over ``paths``, split across ``processes`` processes."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    _single_thread()  # also before forking: a child that inherits OpenCV's live pool threads can deadlock
    cpu, start = _cpu_seconds(), time.perf_counter()
    if processes == 1:
        loop(paths, out)
    else:
        context = multiprocessing.get_context("fork")
        parts = [context.Process(target=_run_part, args=(loop, paths[i::processes], out)) for i in range(processes)]
        for part in parts:
            part.start()
        for part in parts:
            part.join()
            if part.exitcode:
                raise RuntimeError(f"a benchmark process failed with exit code {part.exitcode}")
    seconds = time.perf_counter() - start
    return len(paths) / seconds, (_cpu_seconds() - cpu) / len(paths) * 1e3


def time_job(name: str, params: dict, source: Path, out: Path, workers: int,
             engine: str = "local") -> tuple[float, float]:
    """(photos per second, CPU ms per photo) of ``sketchify_job`` into a fresh folder, start to finish."""
    from sbkit.sketch.job import sketchify_job

    shutil.rmtree(out, ignore_errors=True)
    cpu, start = _cpu_seconds(), time.perf_counter()
    summary = sketchify_job(source, out, name, params, workers=workers, engine=engine)
    seconds = time.perf_counter() - start
    if summary.skipped_total or summary.done != summary.total:
        raise RuntimeError(f"{name}: the job skipped inputs: {summary.skipped}")
    return summary.done / seconds, (_cpu_seconds() - cpu) / summary.done * 1e3


def _medians(samples: dict[str, list[tuple[float, float]]]) -> tuple[dict[str, float], dict[str, float]]:
    rate = {key: statistics.median(r for r, _ in values) for key, values in samples.items()}
    cpu = {key: statistics.median(c for _, c in values) for key, values in samples.items()}
    return rate, cpu


def photos_within(name: str, paths: list[Path], budget: float, work: Path) -> int:
    """How many photos one timed run of ``name`` may take to last about ``budget`` seconds (at least 20)."""
    probe = paths[: min(6, len(paths))]
    time_loop(direct_loop(name), probe[:1], work / "probe", 1)  # first call: imports and first-use costs
    rate, _ = time_loop(direct_loop(name), probe, work / "probe", 1)
    return max(min(len(paths), 20), min(len(paths), int(budget * rate)))


def variants(names: list[str]) -> list[tuple[str, str, dict]]:
    """(label, sketchifier, params): each sketchifier as it comes, and with the bare loop's thresholds where it
    takes ``low`` and ``high``."""
    import inspect

    from sbkit.registry import get_registry

    found = []
    for name in names:
        found.append((name, name, {}))
        if {"low", "high"} <= set(inspect.signature(get_registry().get("sketchifier", name)).parameters):
            found.append((f"{name} @50/150", name, dict(BARE_THRESHOLDS)))
    return found


def same_bytes(job: Path, bare: Path) -> bool:
    """Whether every sketch of a job folder is the bare loop's PNG file of the same photo, byte for byte."""
    files = sorted(bare.glob("*.png"))
    return bool(files) and all((job / "sketches" / f.name).read_bytes() == f.read_bytes() for f in files)


def measure(names: list[str], sizes: list[int], n: int, repeats: int, budget: float, work: Path,
            with_ray: bool = False) -> dict:
    results: dict = {}
    cases = variants(names)
    for size in sizes:
        source = work / f"photos-{size}"
        paths = write_photos(source, n, size)
        counts = {name: photos_within(name, paths, budget, work) for name in names}
        for name, count in counts.items():  # a slow sketchifier's job reads a folder of fewer photos
            if count < n:
                (work / f"photos-{size}-{name}").mkdir()
                for path in paths[:count]:
                    os.link(path, work / f"photos-{size}-{name}" / path.name)
        folders = {name: source if counts[name] == n else work / f"photos-{size}-{name}" for name in names}
        checks = {}
        if "canny" in names:  # the same work on both sides: the same bytes
            time_loop(bare_gray_loop, paths[: counts["canny"]], work / "bare-check", 1)
            time_job("canny", dict(BARE_THRESHOLDS), folders["canny"], work / "job-check", 1)
            checks["canny @50/150 job == bare grey-decode loop"] = same_bytes(work / "job-check", work / "bare-check")
        samples: dict[str, list[tuple[float, float]]] = {}
        for _ in range(repeats):
            for processes in (1, 2):
                samples.setdefault(f"bare/{processes}", []).append(
                    time_loop(bare_loop, paths, work / "bare", processes))
                samples.setdefault(f"bare-gray/{processes}", []).append(
                    time_loop(bare_gray_loop, paths, work / "bare", processes))
            for label, name, params in cases:
                for processes in (1, 2):
                    samples.setdefault(f"{label}/direct/{processes}", []).append(
                        time_loop(direct_loop(name, params), paths[: counts[name]], work / "direct", processes))
                    samples.setdefault(f"{label}/job/{processes}", []).append(
                        time_job(name, params, folders[name], work / "job", processes))
        rate, cpu = _medians(samples)
        rows = {}
        for label, name, _ in cases:
            job1, job2 = rate[f"{label}/job/1"], rate[f"{label}/job/2"]
            rows[label] = {
                "photos": counts[name],
                "job_1": job1, "job_2": job2,
                "direct_1": rate[f"{label}/direct/1"], "direct_2": rate[f"{label}/direct/2"],
                "ratio_to_bare_per_core": job1 / rate["bare/1"],
                "ratio_to_bare_gray_per_core": job1 / rate["bare-gray/1"],
                "ratio_to_direct_per_core": job1 / rate[f"{label}/direct/1"],
                "scaling_1_to_2": job2 / job1,
                "cpu_ms": {"job_1": cpu[f"{label}/job/1"], "job_2": cpu[f"{label}/job/2"],
                           "direct_1": cpu[f"{label}/direct/1"]},
                "cpu_ratio_to_bare": cpu["bare/1"] / cpu[f"{label}/job/1"],
                "cpu_ratio_to_direct": cpu[f"{label}/direct/1"] / cpu[f"{label}/job/1"],
            }
        results[str(size)] = {"photos": n, "bare_1": rate["bare/1"], "bare_2": rate["bare/2"],
                              "bare_scaling_1_to_2": rate["bare/2"] / rate["bare/1"],
                              "bare_cpu_ms": {"1": cpu["bare/1"], "2": cpu["bare/2"]},
                              "bare_gray_1": rate["bare-gray/1"], "bare_gray_2": rate["bare-gray/2"],
                              "bare_gray_cpu_ms": cpu["bare-gray/1"], "checks": checks,
                              "sketchifiers": rows, "samples": samples}
        if with_ray:
            results[str(size)]["ray"] = measure_ray(names[0], folders[names[0]], counts[names[0]], repeats, work)
    return results


def measure_ray(name: str, source: Path, photos: int, repeats: int, work: Path) -> dict:
    """Milliseconds per photo of the job on the Ray engine (local Ray, 2 CPUs) and on the local engine's
    1 and 2 workers, interleaved; Ray's start and its workers' first imports are left out (a first job)."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    try:
        time_job(name, {}, source, work / "ray-warm", 2, engine="ray")
        samples: dict[str, list[float]] = {}
        for _ in range(repeats):
            for key, workers, engine in (("ray_2cpu", 2, "ray"), ("local_2", 2, "local"), ("local_1", 1, "local")):
                rate, _ = time_job(name, {}, source, work / "job", workers, engine=engine)
                samples.setdefault(key, []).append(1e3 / rate)
    finally:
        ray.shutdown()
    medians = {key: statistics.median(values) for key, values in samples.items()}
    return {"sketchifier": name, "photos": photos, "ms_per_photo": medians, "samples": samples,
            "ray_over_local_2": medians["ray_2cpu"] / medians["local_2"]}


def show(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sketchify speed (median): photos/s on 1 and 2 processes; CPU ms per photo on 1")
    for column in ("size", "variant", "photos", "1 proc/s", "2 procs/s", "x bare", "x direct", "scaling", "CPU ms",
                   "x bare CPU"):
        table.add_column(column, justify="left" if column in ("size", "variant") else "right")
    for size, by_size in results.items():
        table.add_row(size, "bare OpenCV loop", str(by_size["photos"]), f"{by_size['bare_1']:.0f}",
                      f"{by_size['bare_2']:.0f}", "1.00", "", f"{by_size['bare_scaling_1_to_2']:.2f}",
                      f"{by_size['bare_cpu_ms']['1']:.2f}", "1.00")
        table.add_row(size, "bare loop, grey decode", str(by_size["photos"]), f"{by_size['bare_gray_1']:.0f}",
                      f"{by_size['bare_gray_2']:.0f}", f"{by_size['bare_gray_1'] / by_size['bare_1']:.2f}", "",
                      f"{by_size['bare_gray_2'] / by_size['bare_gray_1']:.2f}", f"{by_size['bare_gray_cpu_ms']:.2f}",
                      f"{by_size['bare_cpu_ms']['1'] / by_size['bare_gray_cpu_ms']:.2f}")
        for name, row in by_size["sketchifiers"].items():
            table.add_row(size, f"{name} direct", str(row["photos"]), f"{row['direct_1']:.1f}",
                          f"{row['direct_2']:.1f}", "", "", "", f"{row['cpu_ms']['direct_1']:.2f}", "")
            table.add_row(size, f"{name} job", str(row["photos"]), f"{row['job_1']:.1f}", f"{row['job_2']:.1f}",
                          f"{row['ratio_to_bare_per_core']:.2f}", f"{row['ratio_to_direct_per_core']:.2f}",
                          f"{row['scaling_1_to_2']:.2f}", f"{row['cpu_ms']['job_1']:.2f}",
                          f"{row['cpu_ratio_to_bare']:.2f}")
    Console(width=120).print(table)
    print("x bare, x direct: job rate on 1 worker / that loop's rate on 1 process; scaling: job rate 2 / 1 workers; "
          "x bare CPU: bare CPU ms / job CPU ms per photo (robust to load from other programs).")
    for size, by_size in results.items():
        for label, row in by_size["sketchifiers"].items():
            if label.endswith("@50/150"):
                print(f"{size} px, {label} (the bare loop's thresholds): job / bare per core "
                      f"{row['ratio_to_bare_per_core']:.2f}, job / bare grey-decode loop "
                      f"{row['ratio_to_bare_gray_per_core']:.2f}")
        for check, ok in by_size["checks"].items():
            print(f"{size} px, {check}: {'same bytes' if ok else 'DIFFERENT BYTES'}")
        if "ray" in by_size:
            ray = by_size["ray"]
            ms = ray["ms_per_photo"]
            print(f"{size} px, {ray['sketchifier']} on {ray['photos']} photos, ms per photo: Ray engine (2 CPUs) "
                  f"{ms['ray_2cpu']:.2f}, local 2 workers {ms['local_2']:.2f}, local 1 worker {ms['local_1']:.2f}; "
                  f"Ray / local 2 workers {ray['ray_over_local_2']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sketchifiers", default="", help="comma-separated names [default: every registered one]")
    parser.add_argument("--n", type=int, default=400, help="photos per size")
    parser.add_argument("--sizes", default="256,512", help="comma-separated photo sides in px")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per variant (median reported)")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds one timed run of a sketchifier may "
                        "take; a slower one (kornia-canny on CPU) gets fewer photos, shown in the table")
    parser.add_argument("--ray", action="store_true", help="also time the Ray engine (local Ray, 2 CPUs) on the "
                        "first sketchifier, beside the local engine")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args()

    from sbkit.progress import set_quiet
    from sbkit.registry import get_registry

    set_quiet(True)
    names = [n.strip() for n in args.sketchifiers.split(",") if n.strip()] or get_registry().names("sketchifier")
    for name in names:
        get_registry().get("sketchifier", name)  # an unknown name fails now, listing the choices
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sbkit-bench-") as tmp:
        results = measure(names, sizes, args.n, args.repeats, args.budget, Path(tmp), args.ray)
    print(f"load average (1, 5, 15 min): {load_before[0]:.2f}, {load_before[1]:.2f}, {load_before[2]:.2f} before; "
          f"{os.getloadavg()[0]:.2f}, {os.getloadavg()[1]:.2f}, {os.getloadavg()[2]:.2f} after")
    show(results)
    report = {
        "n": args.n, "repeats": args.repeats, "budget_s": args.budget, "sketchifiers": names, "results": results,
        "machine": {"cpus": os.cpu_count(), "load_average_before": load_before, "load_average": os.getloadavg(), "processor": platform.processor(),
                    "python": platform.python_version(), "opencv": cv2.__version__},
    }
    if args.out:
        from sbkit.io import atomic_write_json

        atomic_write_json(args.out, report)
        print(f"results: {args.out}")


if __name__ == "__main__":
    main()
