"""Hub correction at search time: does ranking against a bank of past queries lift drawings more than traces?

    python benchmarks/hub_correction.py RUN_DIR [--k 5,10,20] [--out FILE.json]

Some gallery items are "hubs": close to many queries whatever they show, so they take first place from the
right item. Cross-domain similarity local scaling (CSLS, Conneau et al., 2018) ranks item g for query q by
``2 cos(q, g) - r(g)``, where ``r(g)`` is the mean similarity of g to its k nearest queries in a bank of queries
seen before, so an item close to every query pays for it. The gallery is the run's test photos; each query mode
has its own bank, made by the run's own model:

- ``training``: every training item as a query in that mode (the run's sketchifier applied to its photo, with
  its caption for sketch+text, the caption alone for text);
- ``drawings``: where the catalogue's validation items have drawings, those drawings (sketch only and with
  their captions), standing in for the drawings people sent before. It ranks drawn queries only, and
  sketchifier queries keep the training bank.

The row with k 0 is the plain ranking, and must repeat the run's own figures. The ratio is drawn sketch-only
R@1 over sketchifier sketch-only R@1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from number_lists import positive_numbers  # noqa: E402 - a sibling script, not a package

import sbkit  # noqa: E402
from sbkit.data.tensors import SplitTensors  # noqa: E402
from sbkit.evaluation.embed import embed_gallery  # noqa: E402
from sbkit.evaluation.metrics import rank_of_targets  # noqa: E402
from sbkit.io import atomic_write_json  # noqa: E402
from sbkit.pipeline.evaluate import embed_queries  # noqa: E402
from sbkit.pipeline.prepare import prepare_split  # noqa: E402
from sbkit.pipeline.run import load_catalogue  # noqa: E402
from sbkit.registry import create  # noqa: E402
from sbkit.training.model import RetrievalModel  # noqa: E402

CHUNK = 256
K = positive_numbers("--k", int, "5,10")
# (query mode, sketch source) -> the name of the row's column; text-only queries use no sketch
QUERIES = {("sketch", "synthetic"): "sketchifier R@1", ("sketch", "drawn"): "drawn R@1",
           ("sketch+text", "synthetic"): "s+t sketchifier R@1", ("sketch+text", "drawn"): "s+t drawn R@1",
           ("text", "synthetic"): "text R@1"}


def hub_scores(bank: torch.Tensor, gallery: torch.Tensor, k: int) -> torch.Tensor:
    """(G,) mean similarity of each gallery vector to its ``k`` nearest bank vectors (both unit length)."""
    k = min(k, len(bank))
    return torch.cat([(bank @ part.T).topk(k, dim=0).values.mean(0) for part in gallery.split(CHUNK)])


def corrected(queries: torch.Tensor, gallery: torch.Tensor, hubs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Query (Q, D + 1) and gallery (G, D + 1) vectors whose inner products are the CSLS scores
    ``2 q.g - hubs[g]``, so that the project's own ranking (:func:`rank_of_targets`) ranks by them."""
    return (torch.cat([2 * queries, torch.ones(len(queries), 1)], dim=1),
            torch.cat([gallery, -hubs[:, None]], dim=1))


def recall(queries: torch.Tensor, gallery: torch.Tensor, at: int) -> float:
    """R@``at`` of query i finding gallery item i, ties counted against the query as the run's metrics count them."""
    ranks = rank_of_targets(queries, gallery, torch.arange(len(queries)))
    return float((ranks <= at).float().mean())


def vectors(model: RetrievalModel, split: SplitTensors, key: tuple[str, str]) -> torch.Tensor:
    """(N, D) unit query vectors of every row of ``split`` in ``key``'s mode, sketches from its source."""
    return embed_queries(model, split, *key, CHUNK, model.device)


def recall_row(ranked: dict[tuple[str, str], tuple[torch.Tensor, torch.Tensor]]) -> dict[str, float]:
    """Each :data:`QUERIES` column's R@1, drawn sketch-only R@10 and the ratio, from every query kind's (query
    vectors, gallery vectors)."""
    row = {name: recall(*ranked[key], 1) for key, name in QUERIES.items()}
    row["drawn R@10"] = recall(*ranked["sketch", "drawn"], 10)
    return row | {"ratio": row["drawn R@1"] / max(row["sketchifier R@1"], 1e-9)}


RECALL_HEADER = "sketchifier R@1 | drawn R@1 / R@10 | ratio | s+t R@1 sketchifier / drawn | text-only R@1 |"
RECALL_ALIGN = " ---: | ---: | ---: | ---: | ---: |"


def recall_cells(row: dict[str, float]) -> str:
    """A :func:`recall_row` as the Markdown cells under :data:`RECALL_HEADER`."""
    return (f"{row['sketchifier R@1']:.3f} | {row['drawn R@1']:.3f} / {row['drawn R@10']:.3f} | {row['ratio']:.2f}x | "
            f"{row['s+t sketchifier R@1']:.3f} / {row['s+t drawn R@1']:.3f} | {row['text R@1']:.3f} |")


def print_recall_table(rows: list[dict], columns: tuple[str, str], heads: tuple[str, str]) -> None:
    """Print ``rows`` as a Markdown table: two leading columns (the row keys ``columns``, headed ``heads``; the
    second a number), then the :data:`RECALL_HEADER` cells."""
    print(f"| {heads[0]} | {heads[1]} | {RECALL_HEADER}")
    print(f"| --- | ---: |{RECALL_ALIGN}")
    for row in rows:
        print(f"| {row[columns[0]]} | {row[columns[1]]:g} | {recall_cells(row)}")


def report_rows(rows: list[dict], columns: tuple[str, str], heads: tuple[str, str], out: Path | None) -> None:
    """Print ``rows`` as :func:`print_recall_table` does and, with ``out``, write them there as JSON."""
    print_recall_table(rows, columns, heads)
    if out:
        atomic_write_json(out, rows)


def run_splits(run_dir: str, test_only: bool = False
               ) -> tuple[RetrievalModel, SplitTensors | None, SplitTensors | None, SplitTensors | None]:
    """A run's model and its test, training and validation items prepared as the run prepares them; test and
    validation keep only the items with drawn sketches. A split with no such items is None, and so are training
    and validation with ``test_only``, which skips preparing them."""
    run = sbkit.Retriever.from_run(run_dir).run
    config, model = run.config, run.model.eval()
    catalogue = load_catalogue(config)
    sketchifier = create("sketchifier", config.sketchifier.name, dict(config.sketchifier.params))

    def split(name: str, drawn: bool) -> SplitTensors | None:
        items = [item for item in catalogue.split(name) if item.sketch is not None or not drawn]
        if not items:
            return None
        return prepare_split(items, sketchifier, config.image_size, config.line_width, f"sketchify {name}")[0]

    if test_only:
        return model, split("test", drawn=True), None, None
    return model, split("test", drawn=True), split("train", drawn=False), split("val", drawn=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder whose catalogue has drawn sketches for its test items")
    parser.add_argument("--k", type=K, default=K("5,10,20"),
                        help="neighbours in the bank that make an item's hub score, comma-separated [5,10,20]")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()

    model, test, train, val = run_splits(args.run_dir)
    if test is None or train is None:
        parser.error(f"{args.run_dir}: its catalogue needs training items and test items with drawn sketches")
    gallery = embed_gallery(model, test, CHUNK, model.device)
    plain = {key: (vectors(model, test, key), gallery) for key in QUERIES}
    banks = {"training": {key: vectors(model, train, (key[0], "synthetic")) for key in QUERIES}}
    if val is not None:
        banks["drawings"] = {key: vectors(model, val, key) for key in QUERIES if key[1] == "drawn"}

    def recalls(bank: str, k: int, ranked: dict[tuple[str, str], tuple[torch.Tensor, torch.Tensor]]) -> dict:
        return {"bank": bank, "k": k, **recall_row(ranked)}

    rows = [recalls("none", 0, plain)]
    for bank_name, bank in banks.items():
        for k in args.k:
            rows.append(recalls(bank_name, k, {key: corrected(queries, gallery, hub_scores(
                bank.get(key, banks["training"][key]), gallery, k)) for key, (queries, _) in plain.items()}))

    print(f"{len(test.items)} test queries, banks of {len(train.items)} training items"
          + ("" if val is None else f" and {len(val.items)} validation drawings") + f", run {args.run_dir}")
    report_rows(rows, ("bank", "k"), ("bank", "k"), args.out)


if __name__ == "__main__":
    main()
