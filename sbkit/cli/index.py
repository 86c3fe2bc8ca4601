"""``sbkit index build|add``: embed a catalogue with a run's model into a gallery index, resumably."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from sbkit.console_text import make_console, shown

INDEX_HELP = "Build gallery indexes with a run's model, or add items to one."

BUILD_HELP = ("Embed every photo of a catalogue (--data: a dataset name or a path) with the model of RUN_DIR "
              "and save an index of them (default: RUN_DIR/indexes/<data name>).\n\n"
              "Embeddings are written to OUT/embeddings/ in chunk files as they finish, so rerunning the same "
              "command after an interruption embeds only what is missing. The index records the model's hash; "
              "`sbkit search` refuses it for any other model. An OUT that holds another index, a run or other "
              "files is refused unless --force is given.\n\n"
              "Index and data parameters go as --index.<param> VALUE and --data.<param> VALUE, e.g. --index "
              "faiss --index.kind hnsw, or --data demo --data.size 5000 (`sbkit list index` shows them).\n\n"
              "--from-shards DIR builds the index from embeddings already on disk instead of --data: a folder of "
              ".npy (N, D) shards (ids in <stem>.ids.json beside each, or row numbers), or an embeddings/ folder "
              "this command wrote. The index trains on a sample over all shards, then adds them --chunk-rows at "
              "a time, so a catalogue of millions never sits in memory at once; e.g. --from-shards DIR --index "
              "faiss --index.kind ivfpq --index.nlist 4096 --index.mmap true. --recall-queries Q.npy reports "
              "recall@10 against exact search.")

ADD_HELP = ("Add the photos of a catalogue (--data) that INDEX_DIR does not hold yet, embedded with the model "
            "of --run. Ids already in the index are skipped and reported. Resumable like `sbkit index build`. "
            "Data parameters go as --data.<param> VALUE.")

_EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True}


def _default_out(run_dir: Path, data: str, split: str | None) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(data).name or "data").strip("-.") or "data"
    return run_dir / "indexes" / (f"{name}-{split}" if split else name)


def _options(ctx: typer.Context, kinds: set[str]) -> dict[str, dict[str, str]]:
    from sbkit.cli.options import parse_component_options

    return parse_component_options(list(ctx.args), kinds)


def build_command(
    ctx: typer.Context,
    run_dir: Path = typer.Argument(..., help="A run folder written by `sbkit run`; its model embeds the photos."),
    data: str = typer.Option(None, "--data", help="The catalogue: a dataset name (see `sbkit list dataset`) or "
                             "a folder. Required unless --from-shards is given."),
    out: Path = typer.Option(None, "--out", "-o", help="The index folder.", show_default="RUN_DIR/indexes/<data name>"),
    from_shards: Path = typer.Option(None, "--from-shards", help="Build from embedding shards in this folder "
                                     "instead of embedding --data."),
    chunk_rows: int = typer.Option(65536, "--chunk-rows", min=1, help="With --from-shards: vectors added at a time."),
    train_size: int = typer.Option(None, "--train-size", min=1, help="With --from-shards: vectors sampled to train "
                                   "an IVF index.", show_default="64 x nlist"),
    recall_queries: Path = typer.Option(None, "--recall-queries", help="With --from-shards: a .npy (Q, D) of "
                                        "held-out query vectors; recall@10 against exact search is reported and "
                                        "saved as OUT/recall.json."),
    index: str = typer.Option(None, "--index", help="Index component (see `sbkit list index`).",
                              show_default="the run's"),
    split: str = typer.Option(None, "--split", help="Index one split only: train, val or test.", show_default="all"),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Photos per forward pass."),
    chunk_size: int = typer.Option(1024, "--chunk-size", min=1, help="Photos per embeddings chunk file (the unit "
                                   "of resumption)."),
    workers: int = typer.Option(None, "--workers", "-j", min=1, help="Threads reading photos.", show_default="up to 4"),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda[:N]."),
    force: bool = typer.Option(False, "--force", help="Build in an --out folder that holds another index (of "
                               "another model, data or split), a run or other files; rerunning the same build "
                               "resumes it without --force."),
    engine: str = typer.Option("local", "--engine", help="local (this process) or ray (an actor pool on a Ray "
                               "cluster, a GPU per actor where present; the same vectors on the same device). "
                               "Ray: pip install 'sbkit\\[ray]'."),
    address: str = typer.Option(None, "--address", help="With --engine ray: the Ray cluster to join, e.g. "
                                "10.0.0.1:6379 (default: RAY_ADDRESS, else a local Ray instance)."),
) -> None:
    """Embed a catalogue and build an index (see `sbkit index build --help`)."""
    from sbkit.errors import ConfigError
    from sbkit.retrieval.build import BuildOptions, build_index, build_index_from_shards
    from sbkit.retrieval.gallery import DataSource
    from sbkit.ray_cluster import check_engine
    from sbkit.retrieval.run_folder import load_run

    check_engine(engine, address)
    options = _options(ctx, {"index", "data"})
    if from_shards is not None:
        if data is not None:
            raise ConfigError("pass --data (embed a catalogue) or --from-shards (index embeddings on disk), not both")
        run = load_run(run_dir, device)
        summary = build_index_from_shards(run, from_shards, out or _default_out(run.run_dir, str(from_shards), None),
                                          index, options.get("index"), chunk_rows, train_size, recall_queries,
                                          force=force)
        _report_shards(summary)
        return
    if data is None:
        raise ConfigError("sbkit index build needs --data PATH (a catalogue to embed) or --from-shards DIR")
    source = DataSource.of(data, options.get("data"), split)
    run = load_run(run_dir, device)
    out = out or _default_out(run.run_dir, data, split)
    summary = build_index(run, source, out, index, options.get("index"),
                          BuildOptions(batch_size, chunk_size, workers, engine, address, device), force=force)
    _report(summary, "built")


def add_command(
    ctx: typer.Context,
    index_dir: Path = typer.Argument(..., help="An index folder made by `sbkit index build` (or a run's index/)."),
    run_dir: Path = typer.Option(..., "--run", help="The run folder whose model built the index."),
    data: str = typer.Option(..., "--data", help="The catalogue holding the new items: a dataset name or a "
                             "folder."),
    split: str = typer.Option(None, "--split", help="Add one split only: train, val or test.", show_default="all"),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Photos per forward pass."),
    chunk_size: int = typer.Option(1024, "--chunk-size", min=1, help="Photos per embeddings chunk file."),
    workers: int = typer.Option(None, "--workers", "-j", min=1, help="Threads reading photos.", show_default="up to 4"),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda[:N]."),
) -> None:
    """Add new catalogue items to an index (see `sbkit index add --help`)."""
    from sbkit.retrieval.build import BuildOptions, add_to_index
    from sbkit.retrieval.gallery import DataSource
    from sbkit.retrieval.run_folder import load_run

    options = _options(ctx, {"data"})
    source = DataSource.of(data, options.get("data"), split)
    run = load_run(run_dir, device)
    summary = add_to_index(run, index_dir, source, BuildOptions(batch_size, chunk_size, workers))
    _report(summary, "updated")


def _report(summary, verb: str) -> None:
    console = make_console()
    embed = summary.embed
    rate = f"{embed.images_per_second:,.0f} photos/s" if embed.embedded else "nothing new to embed"
    console.print(f"[bold]index {verb}[/bold] ({summary.index_name}): {summary.total} items in "
                  f"{shown(summary.index_dir)} ({summary.added} added)")
    console.print(f"  embedded {embed.embedded}, {embed.resumed} already done in earlier chunks, "
                  f"{len(embed.skipped)} unreadable; {embed.seconds:.1f} s ({rate})")
    if summary.duplicates:
        examples = ", ".join(summary.duplicates[:5]) + (", ..." if len(summary.duplicates) > 5 else "")
        console.print(f"  skipped {len(summary.duplicates)} ids already in the index: {shown(examples)}")
    for skipped in embed.skipped[:5]:
        console.print(f"  {skipped.kind}: {shown(skipped.source)}: {shown(skipped.reason)}")
    if summary.left_out:
        first = summary.left_out[0]
        console.print(f"  {len(summary.left_out)} catalogue entries left out (missing files, repeated ids), e.g. "
                      f"{shown(first.source)}: {shown(first.reason)}")


def _report_shards(summary) -> None:
    console = make_console()
    console.print(f"[bold]index built[/bold] ({summary.index_name}): {summary.total} items from {summary.shards} "
                  f"shards in {shown(summary.index_dir)}; {summary.seconds:.1f} s")
    for row in summary.recall:
        setting = ", ".join(f"{key} {row[key]}" for key in ("kind", "nlist", "m", "nprobe") if row.get(key) is not None)
        console.print(f"  recall@10 {row['recall@10']:.3f} ({setting}; {row['queries']} queries, "
                      f"{row['ms_per_query']:.3f} ms/query)")


def register(app: typer.Typer) -> None:
    index_app = typer.Typer(help=INDEX_HELP, no_args_is_help=True)
    index_app.command("build", help=BUILD_HELP, context_settings=_EXTRA)(build_command)
    index_app.command("add", help=ADD_HELP, context_settings=_EXTRA)(add_command)
    app.add_typer(index_app, name="index")
