"""Aligning queries to the catalogue at search time, with no labels: does it lift drawings more than traces?

    python benchmarks/query_alignment.py RUN_DIR [--k 3,10] [--shrink 1,3] [--out FILE.json]

Drawings and photos land in different parts of the embedding space. Each transform here moves a set of queries
towards the gallery using only the queries themselves and the gallery, never which photo a query is for. Every
kind of query (sketchifier or drawn sketches, sketch only or with captions, captions alone) is aligned with its
own statistics, as a service would align a stream of its shoppers' queries:

- ``recentre``: each query minus the mean of its query set plus the mean of the gallery;
- ``expansion``: alpha query expansion (Radenovic et al., 2018), the query plus its ``k`` nearest photos, each
  weighted by its cosine cubed;
- ``coral``: correlation alignment (Sun et al., 2016), the query set whitened by its own covariance and
  coloured by the gallery's, each covariance shrunk towards the identity by ``shrink`` times its mean
  eigenvalue.

The gallery is the run's test photos, unchanged. The row ``none`` is the plain ranking and repeats the run's own
figures. The ratio is drawn sketch-only R@1 over sketchifier sketch-only R@1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drawing_metric import shrunk  # noqa: E402 - sibling scripts
from hub_correction import CHUNK, QUERIES, recall_row, report_rows, run_splits, vectors  # noqa: E402
from number_lists import positive_numbers  # noqa: E402

from sbkit.evaluation.embed import embed_gallery  # noqa: E402

K = positive_numbers("--k", int, "3,10")
SHRINK = positive_numbers("--shrink", float, "1,3")
EXPANSION_POWER = 3  # alpha in alpha query expansion: near photos count far more than the k-th


def recentred(queries: torch.Tensor, gallery: torch.Tensor) -> torch.Tensor:
    """Unit queries moved by the gallery's mean minus their own."""
    return F.normalize(queries - queries.mean(0) + gallery.mean(0), dim=1)


def expanded(queries: torch.Tensor, gallery: torch.Tensor, k: int) -> torch.Tensor:
    """Unit queries plus their ``k`` nearest gallery vectors weighted by cosine ** :data:`EXPANSION_POWER`."""
    nearest = (queries @ gallery.T).topk(min(k, len(gallery)), dim=1)
    weights = nearest.values.clamp(min=0) ** EXPANSION_POWER
    return F.normalize(queries + (weights[..., None] * gallery[nearest.indices]).sum(1), dim=1)


def _matrix_power(covariance: torch.Tensor, power: float) -> torch.Tensor:
    values, vectors_ = torch.linalg.eigh(covariance)
    return vectors_ @ torch.diag(values.clamp(min=1e-12) ** power) @ vectors_.T


def coral(queries: torch.Tensor, gallery: torch.Tensor, shrink: float) -> torch.Tensor:
    """Unit queries whitened by their own shrunk covariance, coloured by the gallery's, centred on its mean."""
    centred = queries - queries.mean(0)
    whiten = _matrix_power(shrunk(torch.cov(centred.T), shrink), -0.5)
    colour = _matrix_power(shrunk(torch.cov(gallery.T), shrink), 0.5)
    return F.normalize(centred @ whiten @ colour + gallery.mean(0), dim=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder whose catalogue has drawn sketches for its test items")
    parser.add_argument("--k", type=K, default=K("3,10"),
                        help="nearest photos added to each query by expansion, comma-separated [3,10]")
    parser.add_argument("--shrink", type=SHRINK, default=SHRINK("1,3"),
                        help="how far CORAL's covariances are shrunk towards the identity, comma-separated [1,3]")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()

    model, test, _, _ = run_splits(args.run_dir, test_only=True)
    if test is None:
        parser.error(f"{args.run_dir}: its catalogue needs test items with drawn sketches")
    with torch.inference_mode():
        gallery = embed_gallery(model, test, CHUNK, model.device).cpu()
        plain = {key: vectors(model, test, key).cpu() for key in QUERIES}

    transforms = [("none", 0, lambda q: q), ("recentre", 0, lambda q: recentred(q, gallery))]
    transforms += [("expansion", k, lambda q, k=k: expanded(q, gallery, k)) for k in args.k]
    transforms += [("coral", s, lambda q, s=s: coral(q, gallery, s)) for s in args.shrink]
    rows = [{"alignment": name, "setting": setting,
             **recall_row({key: (align(queries), gallery) for key, queries in plain.items()})}
            for name, setting, align in transforms]

    print(f"{len(test.items)} test queries, run {args.run_dir}")
    report_rows(rows, ("alignment", "setting"), ("alignment", "k or shrink"), args.out)


if __name__ == "__main__":
    main()
