"""``sbkit.bench(...)``: the Python face of ``sbkit bench``; every combination of a grid, ranked in one report.

    python examples/api_bench.py                                  # canny and xdog sketches, avg and concat fusers
    python examples/api_bench.py --out runs/api-bench --epochs 2 --data-size 300 --encoder small

Component names given as comma lists (or lists) are the grid's axes, as ``--fuser avg,concat`` is on the
command line; ``{"sketchifier.sigma": [1.0, 1.5]}`` as the first argument adds a parameter axis. Rerunning with
the same folder skips the finished combinations.
"""

from __future__ import annotations

import argparse

import sbkit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/api-bench", help="the bench folder (reused to resume)")
    parser.add_argument("--sketchifier", default="canny,xdog", help="sketchifiers to compare, comma-separated")
    parser.add_argument("--fuser", default="avg,concat", help="fusers to compare, comma-separated")
    parser.add_argument("--epochs", type=int, default=4, help="training epochs of every combination")
    parser.add_argument("--data-size", type=int, default=None, help="demo catalogue items (default: the demo's)")
    parser.add_argument("--image-size", type=int, default=None, help="side of images and sketches, px")
    parser.add_argument("--encoder", default=None, help="encoder of every combination")
    parser.add_argument("--queries", type=int, default=200, help="single queries timed per combination")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda[:N]")
    args = parser.parse_args()

    settings = {"epochs": args.epochs, "device": args.device}
    if args.image_size is not None:
        settings["image_size"] = args.image_size
    if args.encoder is not None:
        settings["encoder"] = {"name": args.encoder}  # a table: shared by every combination, not an axis
    if args.data_size is not None:
        settings["data"] = {"name": "demo", "size": args.data_size, "image_size": 64}
    result = sbkit.bench(sketchifier=args.sketchifier, fuser=args.fuser, out=args.out, queries=args.queries,
                         **settings)

    for record in result.records:
        value = record.get("metrics", {}).get("sketch+text", {})
        r10 = next((v["R@10"] for v in value.values()), None) if value else None
        print(f"{record['slug']:32s} {record['status']:6s} " + ("" if r10 is None else f"sketch+text R@10 {r10:.3f}"))
    print(f"report: {result.reports['markdown']}")


if __name__ == "__main__":
    main()
