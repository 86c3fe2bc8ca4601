"""A metric fitted to how queries miss their photos: does it lift drawings more than traces?

    python benchmarks/drawing_metric.py RUN_DIR [--shrink 1,3,10] [--holdout skirt,trouser] [--out FILE.json]

A query's vector q never lands exactly on its photo's vector g. The covariance S of the misses q - g says along
which directions queries stray; ranking by the Mahalanobis distance (q - g)' S^-1 (q - g) instead of by the
inner product discounts those directions (KISSME-style metric learning, Koestinger et al., 2012, in closed
form). S is fitted for each query mode apart, with the run's own model, on:

- ``traces``: every training item's query (the run's sketchifier applied to its photo; with its caption for
  sketch+text; the caption alone for text) against that item's photo. Every catalogue has these.
- ``drawings``: the validation items' drawings, sketch only and with their captions, against their photos,
  where the catalogue has drawings. Text-only queries keep the traces' metric.
- ``both``: the mean of the two.

A mode's metric ranks every query of that mode, drawn or traced: a search cannot tell them apart. Each S is
shrunk towards the identity, ``S + shrink * mean eigenvalue * I``, once per ``--shrink`` value. The row
``none`` is the plain ranking and repeats the run's own figures. The ratio is drawn sketch-only R@1 over
sketchifier sketch-only R@1.

``--holdout`` asks how the drawings' metric carries to kinds of item whose drawings it never saw: it is fitted
again without the validation drawings of those categories, and only the test drawings of those categories are
ranked, against the whole test gallery, plainly and with it. (The run's model itself trained on every category.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub_correction import (CHUNK, QUERIES, print_recall_table, recall_row, run_splits,  # noqa: E402 - sibling
                            vectors)
from number_lists import positive_numbers  # noqa: E402

from sbkit.data.tensors import SplitTensors  # noqa: E402
from sbkit.evaluation.embed import embed_gallery  # noqa: E402
from sbkit.evaluation.metrics import rank_of_targets  # noqa: E402
from sbkit.io import atomic_write_json  # noqa: E402

MODES = ("sketch", "sketch+text", "text")
SHRINK = positive_numbers("--shrink", float, "1,3,10")


def miss_covariance(queries: torch.Tensor, photos: torch.Tensor) -> torch.Tensor:
    """(D, D) covariance of the misses ``queries - photos``, row i of each belonging to one item."""
    return torch.cov((queries - photos).T)


def shrunk(covariance: torch.Tensor, shrink: float) -> torch.Tensor:
    """``covariance`` shrunk towards the identity by ``shrink`` times its mean eigenvalue."""
    size = covariance.shape[0]
    return covariance + shrink * covariance.trace() / size * torch.eye(size)


def shrunk_inverse(covariance: torch.Tensor, shrink: float) -> torch.Tensor:
    """The inverse of :func:`shrunk` ``covariance``."""
    return torch.linalg.inv(shrunk(covariance, shrink))


def metric_scored(queries: torch.Tensor, gallery: torch.Tensor, inverse: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Query (Q, D + 1) and gallery (G, D + 1) vectors whose inner products are ``2 q' S^-1 g - g' S^-1 g``: the
    negative Mahalanobis distance plus ``q' S^-1 q``, which is the same for every item, so they rank alike and the
    project's own ranking (:func:`rank_of_targets`) can rank by them."""
    return (torch.cat([2 * queries @ inverse, torch.ones(len(queries), 1)], dim=1),
            torch.cat([gallery, -((gallery @ inverse) * gallery).sum(1, keepdim=True)], dim=1))


def category_list(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"--holdout takes category names separated by commas, got {text!r}; "
                                         "try skirt,trouser")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder whose catalogue has drawn sketches for its test and "
                        "validation items")
    parser.add_argument("--shrink", type=SHRINK, default=SHRINK("1,3,10"),
                        help="how far each covariance is shrunk towards the identity, comma-separated [1,3,10]")
    parser.add_argument("--holdout", type=category_list, help="categories whose validation drawings the drawings' "
                        "metric is fitted without, to rank their test drawings alone, comma-separated")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()

    model, test, train, val = run_splits(args.run_dir)
    if test is None or train is None or val is None:
        parser.error(f"{args.run_dir}: its catalogue needs training items, and test and validation items with "
                     "drawn sketches")
    if args.holdout:
        for split, name in ((test, "test"), (val, "validation")):
            present = {item.category for item in split.items}
            missing = sorted(set(args.holdout) - present)
            if missing:
                parser.error(f"--holdout: no {name} drawings of {', '.join(missing)} in {args.run_dir} "
                             f"(there are: {', '.join(sorted(filter(None, present)))})")

    with torch.inference_mode():
        gallery = embed_gallery(model, test, CHUNK, model.device).cpu()
        train_photos = embed_gallery(model, train, CHUNK, model.device).cpu()
        val_photos = embed_gallery(model, val, CHUNK, model.device).cpu()
        plain = {key: vectors(model, test, key).cpu() for key in QUERIES}
        traced = {mode: vectors(model, train, (mode, "synthetic")).cpu() for mode in MODES}
        drawn = {mode: vectors(model, val, (mode, "drawn")).cpu() for mode in MODES[:2]}

    traces = {mode: miss_covariance(traced[mode], train_photos) for mode in MODES}
    drawings = {mode: miss_covariance(drawn[mode], val_photos) for mode in MODES[:2]} | {"text": traces["text"]}
    sources = {"traces": traces, "drawings": drawings,
               "both": {mode: (traces[mode] + drawings[mode]) / 2 for mode in MODES}}

    def recalls(source: str, shrink: float, inverses: dict[str, torch.Tensor] | None) -> dict:
        ranked = {key: (queries, gallery) if inverses is None else metric_scored(queries, gallery, inverses[key[0]])
                  for key, queries in plain.items()}
        return {"metric": source, "shrink": shrink, **recall_row(ranked)}

    rows = [recalls("none", 0.0, None)]
    for source, covariances in sources.items():
        for shrink in args.shrink:
            rows.append(recalls(source, shrink, {mode: shrunk_inverse(c, shrink) for mode, c in covariances.items()}))

    print(f"{len(test.items)} test queries; metrics fitted on {len(train.items)} training items' traces and "
          f"{len(val.items)} validation drawings; run {args.run_dir}")
    print_recall_table(rows, ("metric", "shrink"), ("metric", "shrink"))
    report = {"rows": rows}
    if args.holdout:
        report["holdout"] = held_out_rows(args.holdout, args.shrink, test, val, plain, gallery, drawn, val_photos)
        print(f"\nTest drawings of {', '.join(args.holdout)} alone ({report['holdout'][0]['queries']}), the drawings' "
              "metric fitted without their validation drawings:")
        print("| metric | shrink | drawn R@1 / R@10 | s+t drawn R@1 / R@10 |")
        print("| --- | ---: | ---: | ---: |")
        for row in report["holdout"]:
            print(f"| {row['metric']} | {row['shrink']:g} | {row['drawn R@1']:.3f} / {row['drawn R@10']:.3f} | "
                  f"{row['s+t drawn R@1']:.3f} / {row['s+t drawn R@10']:.3f} |")
    if args.out:
        atomic_write_json(args.out, report)


def held_out_rows(categories: list[str], shrinks: list[float], test: SplitTensors, val: SplitTensors,
                  plain: dict[tuple[str, str], torch.Tensor], gallery: torch.Tensor, drawn: dict[str, torch.Tensor],
                  val_photos: torch.Tensor) -> list[dict]:
    """R@1 and R@10 of the test drawings of ``categories``, plainly and with the drawings' metric fitted on the
    other categories' validation drawings."""
    held = torch.tensor([i for i, item in enumerate(test.items) if item.category in categories])
    seen = torch.tensor([i for i, item in enumerate(val.items) if item.category not in categories])
    covariances = {mode: miss_covariance(drawn[mode][seen], val_photos[seen]) for mode in MODES[:2]}

    def row(metric: str, shrink: float) -> dict:
        out = {"metric": metric, "shrink": shrink, "queries": len(held)}
        for mode, label in (("sketch", "drawn"), ("sketch+text", "s+t drawn")):
            queries, items = plain[mode, "drawn"], gallery
            if metric != "none":
                queries, items = metric_scored(queries, gallery, shrunk_inverse(covariances[mode], shrink))
            ranks = rank_of_targets(queries[held], items, held)
            out |= {f"{label} R@1": float((ranks <= 1).float().mean()),
                    f"{label} R@10": float((ranks <= 10).float().mean())}
        return out

    return [row("none", 0.0)] + [row("drawings", shrink) for shrink in shrinks]


if __name__ == "__main__":
    main()
