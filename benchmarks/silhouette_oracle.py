"""How far a perfect rigid shape matcher gets on the demo: drawn against sketchifier sketches, no learning.

    python benchmarks/silhouette_oracle.py [--sketchifier outline] [--size 64] [--elastic 30] [--turn 10]
                                           [--affine 10]

Each test query sketch is filled into a silhouette (strokes closed, inside filled), cropped to its bounding box
and resized to ``--size`` squared; each gallery item is its true silhouette (the demo's mask), treated the same
way. Items are ranked by the intersection over union of the two. This matcher sees exact shapes, so what it
reaches on sketchifier sketches against drawn ones shows how much of the drawn / sketchifier gap comes from the
drawings' geometry (misjudged proportions, stretch, turn) rather than from any model. It needs the demo, whose
items carry their masks. It also gives the same ranking done on the items' hidden shape parameters, each
misjudged as a drawing misjudges them: whether the items can be told apart through drawing errors at all.
With ``--elastic K`` it also re-ranks each query's K best items by elastic matching: the query silhouette is
warped onto the item by dense optical flow, and items are ranked by what the warp leaves unmatched plus a price
on how much it had to bend and move (a grid of prices, each reported). With ``--turn D`` it also ranks by the
best IoU over turns of the query silhouette up to D degrees either way (steps of 2.5 degrees): how much of the
gap is the drawings' tilt alone. With ``--affine K`` it also re-ranks each query's K best items by IoU after
aligning the query silhouette to the item by ECC (OpenCV's ``findTransformECC``), once turning and moving it
(Euclidean) and once with any affine map: how much of the gap a drawing's global pose and stretch account for.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np


def filled(sketch: np.ndarray) -> np.ndarray:
    """A (H, W) uint8 sketch (dark lines on white) as a filled silhouette: gaps closed, outside flooded."""
    ink = (sketch < 160).astype(np.uint8)
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    flooded = ink.copy()
    cv2.floodFill(flooded, np.zeros((ink.shape[0] + 2, ink.shape[1] + 2), np.uint8), (0, 0), 1)
    return ((flooded == 0) | (ink == 1)).astype(np.uint8)


def framed(mask: np.ndarray, size: int) -> np.ndarray:
    """``mask`` cropped to its bounding box and resized to ``size`` squared (an empty mask stays empty)."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return np.zeros((size, size), np.float32)
    crop = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


def iou_matrix(queries: np.ndarray, gallery: np.ndarray) -> np.ndarray:
    """Intersection over union of every query silhouette with every gallery silhouette, (Q, G)."""
    q, g = queries.reshape(len(queries), -1), gallery.reshape(len(gallery), -1)
    inter = q @ g.T
    return inter / (q.sum(1)[:, None] + g.sum(1)[None] - inter + 1e-9)


def pair_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two soft silhouettes of one size."""
    inter = float((a * b).sum())
    return inter / (float(a.sum() + b.sum()) - inter + 1e-9)


def shortlisted(queries: np.ndarray, gallery: np.ndarray, top: int) -> tuple[np.ndarray, float]:
    """Each query's ``top`` best items by rigid IoU, (Q, top), and how often the right item is among them."""
    shortlist = np.argsort(-iou_matrix(queries, gallery), axis=1)[:, :top]
    return shortlist, float((shortlist == np.arange(len(queries))[:, None]).any(1).mean())


def recall_of(scores: np.ndarray) -> dict[str, float]:
    """R@1 and R@10 of query i finding gallery i, from a (Q, G) score matrix."""
    rank = (scores > np.diag(scores)[:, None]).sum(1)
    return {"R@1": float((rank < 1).mean()), "R@10": float((rank < 10).mean())}


def recall(queries: np.ndarray, gallery: np.ndarray) -> dict[str, float]:
    """R@1 and R@10 of query i finding gallery i by silhouette IoU."""
    return recall_of(iou_matrix(queries, gallery))


def turned(mask: np.ndarray, degrees: float) -> np.ndarray:
    """``mask`` turned by ``degrees`` about its centre, on a canvas large enough to keep its corners."""
    pad = max(mask.shape) // 4
    canvas = cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    height, width = canvas.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(canvas, matrix, (width, height), flags=cv2.INTER_NEAREST)


def turn_recall(silhouettes: list[np.ndarray], gallery: np.ndarray, most: float, size: int) -> dict[str, float]:
    """R@1 and R@10 by the best IoU over turns of each query silhouette up to ``most`` degrees either way."""
    best = None
    for degrees in np.arange(-most, most + 1e-9, 2.5):
        iou = iou_matrix(np.stack([framed(turned(s, degrees), size) for s in silhouettes]), gallery)
        best = iou if best is None else np.maximum(best, iou)
    return recall_of(best)


ELASTIC_PRICES = [(bend, move) for bend in (0.0, 0.5, 1.0, 2.0, 4.0) for move in (0.0, 1.0, 4.0)]


def elastic_terms(query: np.ndarray, item: np.ndarray) -> tuple[float, float, float]:
    """(1 - IoU after warping ``query`` onto ``item``, mean flow gradient, mean flow length / side)."""
    side = item.shape[0]
    blurred = [(cv2.GaussianBlur(m, (0, 0), 2.0) * 255).astype(np.uint8) for m in (item, query)]
    flow = cv2.calcOpticalFlowFarneback(blurred[0], blurred[1], None, 0.5, 3, 15, 5, 5, 1.1, 0)
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float32)
    warped = cv2.remap(query, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR)
    iou = pair_iou(warped, item)
    bend = np.sqrt((np.gradient(flow, axis=0) ** 2).sum(-1) + (np.gradient(flow, axis=1) ** 2).sum(-1)).mean()
    return 1.0 - iou, float(bend), float(np.linalg.norm(flow, axis=-1).mean() / side)


def elastic_recall(queries: np.ndarray, gallery: np.ndarray, top: int) -> dict[str, float]:
    """R@1 of re-ranking each query's ``top`` best items by IoU with elastic matching, per (bend, move) price."""
    shortlist, found = shortlisted(queries, gallery, top)
    terms = np.array([[elastic_terms(queries[i], gallery[j]) for j in row] for i, row in enumerate(shortlist)])
    truth = np.arange(len(queries))
    results = {"in shortlist": found}
    for bend, move in ELASTIC_PRICES:
        best = shortlist[truth, (terms[..., 0] + bend * terms[..., 1] + move * terms[..., 2]).argmin(1)]
        results[f"bend {bend:g}, move {move:g}"] = float((best == truth).mean())
    return results


def aligned_iou(query: np.ndarray, item: np.ndarray, motion: int) -> float:
    """IoU of ``query`` and ``item`` after ECC aligns the query to the item by a ``motion`` of cv2's kind."""
    pad = query.shape[0] // 8  # room for the aligned query to move without falling off the canvas
    query, item = (cv2.copyMakeBorder(m, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0) for m in (query, item))
    warp = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    try:
        _, warp = cv2.findTransformECC(cv2.GaussianBlur(item, (0, 0), 1.5), cv2.GaussianBlur(query, (0, 0), 1.5),
                                       warp, motion, criteria, None, 3)
    except cv2.error:  # ECC did not converge: compare as the shapes stand
        pass
    side = query.shape[0]
    warped = cv2.warpAffine(query, warp, (side, side), flags=cv2.INTER_LINEAR + cv2.WARP_INVERSE_MAP)
    return pair_iou(warped, item)


def affine_recall(queries: np.ndarray, gallery: np.ndarray, top: int) -> dict[str, float]:
    """R@1 of re-ranking each query's ``top`` best items by IoU after a Euclidean and after an affine alignment."""
    shortlist, found = shortlisted(queries, gallery, top)
    truth = np.arange(len(queries))
    results = {"in shortlist": found}
    for name, motion in (("euclidean", cv2.MOTION_EUCLIDEAN), ("affine", cv2.MOTION_AFFINE)):
        scores = np.array([[aligned_iou(queries[i], gallery[j], motion) for j in row]
                           for i, row in enumerate(shortlist)])
        results[name] = float((shortlist[truth, scores.argmax(1)] == truth).mean())
    return results


def parameter_oracle(indices: list[int], seed: int, size: int, trials: int = 3) -> float:
    """R@1 of the nearest item by the hidden shape parameters, for copies misjudged as drawings are.

    Each copy scales every parameter by up to ``PROPORTION_ERROR`` (as a drawn sketch does); the nearest item
    (the smallest largest log ratio) within the same category, length and options is taken.
    """
    from sbkit.data.demo.drawn import PROPORTION_ERROR
    from sbkit.data.demo.specs import sample_spec

    specs = [sample_spec(seed, index, size) for index in indices]
    rng = np.random.default_rng(0)
    hits = []
    for _ in range(trials):
        for i, spec in enumerate(specs):
            noisy = {k: v * (1 + rng.uniform(-PROPORTION_ERROR, PROPORTION_ERROR)) for k, v in spec.params.items()}
            same = [j for j, other in enumerate(specs) if (other.category, other.length, other.options)
                    == (spec.category, spec.length, spec.options)]
            error = {j: max(abs(np.log(max(noisy[k], 1e-9) / max(specs[j].params[k], 1e-9))) for k in noisy)
                     for j in same}
            hits.append(min(error, key=error.get) == i)
    return float(np.mean(hits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sketchifier", default="outline", help="makes the sketchifier sketches [outline]")
    parser.add_argument("--size", type=int, default=64, help="side the silhouettes are compared at")
    parser.add_argument("--demo-size", type=int, default=3000, help="products in the demo catalogue [3000, the "
                        "default run's]")
    parser.add_argument("--elastic", type=int, default=0, metavar="K",
                        help="also re-rank each query's K best items by elastic matching [0: off]")
    parser.add_argument("--turn", type=float, default=0, metavar="D",
                        help="also rank by the best IoU over turns of each query up to D degrees [0: off]")
    parser.add_argument("--affine", type=int, default=0, metavar="K",
                        help="also re-rank each query's K best items by IoU after ECC alignment [0: off]")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    from sbkit.config import RunConfig
    from sbkit.data.images import read_image
    from sbkit.data.rows import whole
    from sbkit.pipeline.prepare import prepare_split
    from sbkit.pipeline.run import load_catalogue
    from sbkit.registry import create

    config = RunConfig().updated({"data": {"size": args.demo_size}})
    items = [item for item in load_catalogue(config).split("test") if item.sketch is not None]
    split, _ = prepare_split(items, create("sketchifier", args.sketchifier, {}), config.image_size,
                             config.line_width, "test")
    root = items[0].image.parent.parent
    masks = np.stack([framed(read_image(root / item.attributes["mask"])[..., 0] > 127, args.size)
                      for item in items])
    results = {}
    for name, sketches in (("sketchifier", split.sketches), ("drawn", split.drawn)):
        silhouettes = [filled(s[0].numpy()) for s in whole(sketches)]
        shapes = np.stack([framed(silhouette, args.size) for silhouette in silhouettes])  # float32
        results[name] = recall(shapes, masks)
        if args.turn:
            results[name]["turned"] = turn_recall(silhouettes, masks, args.turn, args.size)
        if args.affine:
            results[name]["aligned R@1"] = affine_recall(shapes, masks, args.affine)
        if args.elastic:
            results[name]["elastic R@1"] = elastic_recall(shapes, masks, args.elastic)
    results["ratio R@1"] = results["drawn"]["R@1"] / max(results["sketchifier"]["R@1"], 1e-9)
    demo = config.data.params
    results["parameter oracle R@1"] = parameter_oracle([int(item.id.split("-")[-1]) for item in items],
                                                       demo.get("seed", 0), args.demo_size)
    print(f"{len(items)} test items, silhouette IoU at {args.size} px, sketchifier {args.sketchifier!r}")
    for name in ("sketchifier", "drawn"):
        print(f"  {name:12s} R@1 {results[name]['R@1']:.3f}  R@10 {results[name]['R@10']:.3f}")
    print(f"  drawn / sketchifier R@1: {results['ratio R@1']:.2f}x")
    if args.turn:
        turns = {name: results[name]["turned"] for name in ("sketchifier", "drawn")}
        print(f"  best over turns up to {args.turn:g} degrees: sketchifier R@1 {turns['sketchifier']['R@1']:.3f} "
              f"R@10 {turns['sketchifier']['R@10']:.3f}, drawn R@1 {turns['drawn']['R@1']:.3f} "
              f"R@10 {turns['drawn']['R@10']:.3f} "
              f"({turns['drawn']['R@1'] / max(turns['sketchifier']['R@1'], 1e-9):.2f}x)")
    if args.elastic:
        print(f"  elastic re-ranking of the {args.elastic} best, R@1 per price (sketchifier / drawn / ratio):")
        elastic = {name: results[name]["elastic R@1"] for name in ("sketchifier", "drawn")}
        for key in elastic["drawn"]:
            ratio = elastic["drawn"][key] / max(elastic["sketchifier"][key], 1e-9)
            print(f"    {key:16s} {elastic['sketchifier'][key]:.3f} / {elastic['drawn'][key]:.3f} / {ratio:.2f}x")
    if args.affine:
        aligned = {name: results[name]["aligned R@1"] for name in ("sketchifier", "drawn")}
        print(f"  aligned re-ranking of the {args.affine} best (right item in them: sketchifier "
              f"{aligned['sketchifier']['in shortlist']:.3f}, drawn {aligned['drawn']['in shortlist']:.3f}), R@1:")
        for key in ("euclidean", "affine"):
            ratio = aligned["drawn"][key] / max(aligned["sketchifier"][key], 1e-9)
            print(f"    {key:9s} sketchifier {aligned['sketchifier'][key]:.3f}, drawn {aligned['drawn'][key]:.3f} "
                  f"({ratio:.2f}x)")
    print(f"  nearest by hidden shape parameters, misjudged as drawings are: R@1 "
          f"{results['parameter oracle R@1']:.3f}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
