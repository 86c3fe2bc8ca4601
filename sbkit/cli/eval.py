"""``sbkit eval``: test a trained run folder on a catalogue split."""

from __future__ import annotations

from pathlib import Path

import typer

from sbkit.progress import console

EVAL_HELP = """Evaluate the model of RUN_DIR (from `sbkit train` or `sbkit run`) on one split of a catalogue:
every item of the split is in the gallery and its sketch (made by the run's sketchifier, plus every drawing of
it the catalogue has, each a query of its own) and caption are its queries. Writes metrics.json, report.md and skipped.jsonl to --out.

Photos stream through the prepared-rows cache, so the catalogue need not fit in memory. Data parameters go as
--data.<param> VALUE, e.g. --data.size 500."""


def eval_command(
    ctx: typer.Context,
    run_dir: Path = typer.Argument(..., help="A run folder written by `sbkit train` or `sbkit run`."),
    data: str = typer.Option(..., "--data", help="The catalogue: a dataset name (see `sbkit list dataset`) or a "
                             "folder."),
    split: str = typer.Option("test", "--split", help="The split to evaluate on: train, val or test."),
    out: Path = typer.Option(None, "--out", "-o", help="Folder for metrics.json and report.md.",
                             show_default="RUN_DIR/eval/<data name>-<split>"),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Items per forward pass."),
    workers: int = typer.Option(None, "--workers", min=0, help="DataLoader processes decoding and sketchifying "
                                "photos; 0 does it in this process.", show_default="the run's"),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda[:N]."),
    force: bool = typer.Option(False, "--force", help="Replace the metrics.json and report.md in --out when they "
                               "are a run's or another evaluation's (a rerun of the same evaluation replaces its "
                               "own without --force)."),
) -> None:
    """Evaluate a run folder's model on a catalogue (see `sbkit eval --help`)."""
    from sbkit.cli.options import parse_component_options
    from sbkit.console_text import shown
    from sbkit.pipeline.eval_stage import evaluate_run

    params = parse_component_options(list(ctx.args), {"data"}).get("data", {})
    result = evaluate_run(run_dir, data, params, split=split, out=out, device=device, batch_size=batch_size,
                          workers=workers, force=force)
    _table(result.metrics)
    console.print(f"report: [bold]{shown(result.out / 'report.md')}[/bold]")


def _table(result: dict) -> None:
    from sbkit.cli.results import results_table

    split = result["split"]
    console.print(results_table(f"{split} results ({result['counts'][split]} gallery items, random R@10 = "
                                f"{result['random_R@10']:.3f})", result["metrics"]))


def register(app: typer.Typer) -> None:
    app.command("eval", help=EVAL_HELP, context_settings={"allow_extra_args": True,
                                                          "ignore_unknown_options": True})(eval_command)
