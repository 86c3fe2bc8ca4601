"""Wall time of a default `sbkit run` on the demo catalogue, end to end, as a user would start it.

    python benchmarks/run_wall_time.py [--repeats 1] [--out runs/bench-wall] [--cold] [-- extra sbkit run options]

It runs plain `sbkit run` (plus any extra options) in a fresh process (so start-up and plugin loading count),
reports the total and each stage's seconds from the run's metrics.json, and the headline test metrics. The
demo catalogue is generated first and timed on its own, since a user generates it once. `--cold` points
SBKIT_CACHE at a new empty folder first, so the run computes every feature and sketch as on first use; the
time of the feature stage (first-use caching) is printed on its own line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1, help="runs to time (median reported)")
    parser.add_argument("--out", default="runs/bench-wall", help="run folder prefix")
    parser.add_argument("--cold", action="store_true", help="start from an empty cache (first use)")
    parser.add_argument("extra", nargs="*", help="extra `sbkit run` options")
    args = parser.parse_args()
    if args.cold:
        os.environ["SBKIT_CACHE"] = tempfile.mkdtemp(prefix="sbkit-cold-cache-")
    command = [sys.executable, "-m", "sbkit", "--quiet", "run", *args.extra]

    from sbkit.config import RunConfig
    from sbkit.data.resolve import resolve_catalogue

    start = time.perf_counter()
    resolve_catalogue(RunConfig().data.name, {})  # a first run generates the demo catalogue; timed apart
    generation = time.perf_counter() - start
    walls, last = [], {}
    for repeat in range(args.repeats):
        out = f"{args.out}-{repeat}"
        start = time.perf_counter()
        subprocess.run([*command, "--out", out, "--force"], check=True)  # a rerun replaces the earlier one
        walls.append(time.perf_counter() - start)
        last = json.loads((Path(out) / "metrics.json").read_text())
    print(f"command: {' '.join(command[2:])}")
    print(f"demo catalogue generation (first use only, or reading it when cached): {generation:.1f} s")
    print(f"wall time: median {statistics.median(walls):.1f} s over {len(walls)} run(s): "
          + ", ".join(f"{w:.1f}" for w in walls))
    if "features" in last["timings"]:
        print(f"feature caching (first use: {last.get('features_computed', 0)} pictures computed): "
              f"{last['timings']['features']:.1f} s")
    print("stages (last run): " + ", ".join(f"{k} {v:.1f} s" for k, v in last["timings"].items()))
    print(f"random R@10 = {last['random_R@10']:.4f}")
    for mode, by_source in last["metrics"].items():
        for source, values in by_source.items():
            print(f"  {mode:12s} {source:10s} R@1 {values['R@1']:.3f}  R@10 {values['R@10']:.3f}  "
                  f"mAP {values['mAP']:.3f}")


if __name__ == "__main__":
    main()
