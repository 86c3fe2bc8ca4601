"""``sbkit.Retriever``: load a run's model and index once, then answer many queries (what ``sbkit search`` and
``sbkit serve`` use).

    python examples/api_search.py runs/api                    # after examples/api_run.py (or runs/demo)
    python examples/api_search.py runs/demo --sketch my-drawing.png --text "a red boot" -k 5
"""

from __future__ import annotations

import argparse
from pathlib import Path

import sbkit

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder written by `sbkit run` or sbkit.run()")
    parser.add_argument("--sketch", type=Path, default=HERE / "drawings" / "handbag.png")
    parser.add_argument("--text", default="a black handbag")
    parser.add_argument("-k", type=int, default=5, help="results per query")
    args = parser.parse_args()

    retriever = sbkit.Retriever.from_run(args.run, device="cpu")  # model, index and gallery, loaded once
    print(f"{len(retriever)} gallery items in {args.run}")
    for query in ({"sketch": args.sketch, "text": args.text}, {"sketch": args.sketch}, {"text": args.text}):
        result = retriever.search(**query, k=args.k)  # each search reuses the loaded model
        hits = ", ".join(f"{hit.id} ({hit.score:.2f})" for hit in result.hits)
        print(f"{result.mode:12s} {result.timings.total:6.1f} ms  {hits}")
        for warning in result.warnings:
            print(f"  note: {warning}")


if __name__ == "__main__":
    main()
