"""``sbkit.create(kind, name, **params)``: one component by name, as ``--<kind> NAME --<kind>.<param> VALUE``.

    python examples/api_create.py                                          # canny-clahe on a catalogue photo
    python examples/api_create.py --sketchifier xdog --photo my.jpg --out sketch.png

The parameters are checked and coerced as on the command line (``sbkit list sketchifier`` lists them); an
unknown name or parameter is an error naming the closest match.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

import sbkit
from sbkit.data.images import read_image
from sbkit.sketch import normalize_sketch

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sketchifier", default="canny-clahe", help="a sketchifier name")
    parser.add_argument("--sigma", type=float, default=1.5, help="its `sigma` parameter (canny, canny-clahe)")
    parser.add_argument("--photo", type=Path, default=HERE / "catalogue" / "images" / "demo-00000.jpg")
    parser.add_argument("--out", type=Path, default=Path("runs") / "api-create-sketch.png")
    args = parser.parse_args()

    params = {"sigma": args.sigma} if args.sketchifier.startswith("canny") else {}
    sketchifier = sbkit.create("sketchifier", args.sketchifier, **params)
    photo = read_image(args.photo)
    sketch = sketchifier(photo)  # (H, W) uint8, dark lines on white
    normalised = normalize_sketch(sketch, size=128, line_width=2)  # as every sketch is before the encoder sees it
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(normalised).save(args.out)

    fuser = sbkit.create("fuser", "concat", sketch_dim=16, text_dim=8, dim=32)  # context a run would inject
    ink = float((sketch < 128).mean())
    print(f"{sketchifier.name}: {photo.shape[1]}x{photo.shape[0]} photo -> sketch with {ink:.1%} ink, "
          f"written to {args.out}")
    print(f"{fuser.name} fuser: {sum(p.numel() for p in fuser.parameters())} parameters, output dim {fuser.dim}")


if __name__ == "__main__":
    main()
