"""Wall time of a default `sbkit run` on the demo catalogue, end to end, as a user would start it.

    python benchmarks/run_wall_time.py [--repeats 1] [--out runs/bench-wall] [-- extra sbkit run options]

It runs `sbkit run --sketchifier canny-clahe --fuser concat` in a fresh process (so start-up and plugin
loading count), reports the total and each stage's seconds from the run's metrics.json, and the headline
test metrics. The demo catalogue is generated first and timed on its own, since a user generates it once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1, help="runs to time (median reported)")
    parser.add_argument("--out", default="runs/bench-wall", help="run folder prefix")
    parser.add_argument("extra", nargs="*", help="extra `sbkit run` options")
    args = parser.parse_args()
    command = [sys.executable, "-m", "sbkit", "--quiet", "run", "--sketchifier", "canny-clahe", "--fuser", "concat",
               *args.extra]

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
    print("stages (last run): " + ", ".join(f"{k} {v:.1f} s" for k, v in last["timings"].items()))
    print(f"random R@10 = {last['random_R@10']:.4f}")
    for mode, by_source in last["metrics"].items():
        for source, values in by_source.items():
            print(f"  {mode:12s} {source:10s} R@1 {values['R@1']:.3f}  R@10 {values['R@10']:.3f}  "
                  f"mAP {values['mAP']:.3f}")


if __name__ == "__main__":
    main()
