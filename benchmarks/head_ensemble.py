"""An ensemble of runs: does averaging several trained models' scores lift drawings more than traces?

    python benchmarks/head_ensemble.py RUN_DIR RUN_DIR [RUN_DIR ...] [--out FILE.json]

Each run is a model trained on the same catalogue (e.g. `sbkit run --seed S` for a few seeds). Every query of the
runs' shared test split is ranked by each model alone, then by the mean cosine of the first 2, 3, ... models (each
model's query and gallery vectors normalised and set side by side, so that inner products are sums of cosines).
The rows of one model must repeat each run's own figures. The ratio is drawn sketch-only R@1 over sketchifier
sketch-only R@1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub_correction import CHUNK, QUERIES, recall_row, report_rows, run_splits, vectors  # noqa: E402

from sbkit.evaluation.embed import embed_gallery  # noqa: E402

Ranked = dict[tuple[str, str], tuple[torch.Tensor, torch.Tensor]]


def side_by_side(models: list[Ranked]) -> Ranked:
    """Every query kind's (queries, gallery) with each model's unit vectors concatenated: scores sum cosines."""
    return {key: tuple(torch.cat([F.normalize(ranked[key][part], dim=-1) for ranked in models], dim=1)
                       for part in (0, 1)) for key in models[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dirs", nargs="+",
                        help="run folders trained on the same catalogue, with drawn test sketches")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    if len(args.run_dirs) < 2:
        parser.error("an ensemble needs at least two run folders")

    models: list[Ranked] = []
    test = None
    for run_dir in args.run_dirs:
        model, split, _, _ = run_splits(run_dir, test_only=True)
        if split is None:
            parser.error(f"{run_dir}: its catalogue has no test items with drawn sketches")
        if test is None:
            test = split
        elif [item.id for item in split.items] != [item.id for item in test.items]:
            parser.error(f"{run_dir}: its test items differ from {args.run_dirs[0]}'s; "
                         "ensemble runs trained on the same catalogue")
        gallery = embed_gallery(model, test, CHUNK, model.device)
        models.append({key: (vectors(model, test, key), gallery) for key in QUERIES})

    rows = [{"models": run_dir, "count": 1, **recall_row(ranked)} for run_dir, ranked in zip(args.run_dirs, models)]
    rows += [{"models": " + ".join(args.run_dirs[:count]), "count": count, **recall_row(side_by_side(models[:count]))}
             for count in range(2, len(models) + 1)]
    print(f"{len(test.items)} test queries per kind, {len(models)} runs")
    report_rows(rows, ("models", "count"), ("models", "count"), args.out)


if __name__ == "__main__":
    main()
