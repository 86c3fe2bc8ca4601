"""``sbkit.run(...)``: the Python face of ``sbkit run``, on the built-in demo catalogue.

    python examples/api_run.py                                   # the demo run with the default settings
    python examples/api_run.py --out runs/api-small --epochs 2 --data-size 300 --encoder small

Each option is a ``RunConfig`` setting; ``sbkit.run`` takes the same settings as ``sbkit run``'s options and
builds the same config object, so ``runs/.../config.toml`` repeats the run from either side.
"""

from __future__ import annotations

import argparse

import sbkit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/api", help="the run folder (replaced if it holds a run)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: RunConfig's)")
    parser.add_argument("--data-size", type=int, default=None, help="demo catalogue items (default: the demo's)")
    parser.add_argument("--image-size", type=int, default=None, help="side of images and sketches, px")
    parser.add_argument("--encoder", default=None, help="encoder name (see `sbkit list encoder`)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda[:N]")
    args = parser.parse_args()

    settings = {"out": args.out, "device": args.device, "fuser": "concat"}
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    if args.image_size is not None:
        settings["image_size"] = args.image_size
    if args.encoder is not None:
        settings["encoder"] = args.encoder
    if args.data_size is not None:  # a component with parameters is a table, as in a TOML config
        settings["data"] = {"name": "demo", "size": args.data_size, "image_size": 64}
    result = sbkit.run(force=True, **settings)

    metrics = result.metrics["metrics"]
    for mode in ("sketch+text", "sketch", "text"):
        by_source = metrics[mode]
        source = "drawn" if "drawn" in by_source else next(iter(by_source))
        print(f"{mode:12s} R@10 {by_source[source]['R@10']:.3f}  ({source})")
    print(f"run folder: {result.run_dir}")


if __name__ == "__main__":
    main()
