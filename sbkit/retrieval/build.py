"""Build a gallery index from a catalogue with a run's model, or add new items to one; both resumable."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbkit.data.catalogue import CatalogueItem, Skipped
from sbkit.errors import DataError, check
from sbkit.paths import check_output
from sbkit.ray_cluster import check_engine
from sbkit.registry import get_registry
from sbkit.retrieval.embeddings import STORE_DIR, STORE_FILE, EmbeddingStore, EmbedSummary, embed_items
from sbkit.retrieval.gallery import GALLERY_FILE, DataSource, load_items, read_sources, write_sources
from sbkit.retrieval.run_folder import INDEX_DIR, INDEX_MANIFEST, LoadedRun, check_index_model, open_index


@dataclass
class BuildOptions:
    """How to embed: items per forward pass, items per chunk file, photo-reading threads; and the engine:
    ``local`` (this process) or ``ray`` (an actor pool on the Ray cluster at ``address``, on ``device``)."""

    batch_size: int = 256
    chunk_size: int = 1024
    workers: int | None = None
    engine: str = "local"
    address: str | None = None
    device: str = "auto"


@dataclass
class IndexSummary:
    """What ``build_index`` or ``add_to_index`` did, for a report."""

    index_dir: Path
    index_name: str
    total: int  # items in the saved index
    embed: EmbedSummary
    added: int = 0  # items put into the index by this call
    duplicates: list[str] = field(default_factory=list)  # ids already in the index (add only)
    left_out: list[Skipped] = field(default_factory=list)  # catalogue entries left out before embedding


def _unique(items: list[CatalogueItem]) -> list[CatalogueItem]:
    seen: set[str] = set()
    return [item for item in items if not (item.id in seen or seen.add(item.id))]


def _store(run: LoadedRun, index_dir: Path) -> EmbeddingStore:
    return EmbeddingStore(index_dir, run.model_hash, run.model.dim, run.config.image_size)


def _embed(run: LoadedRun, items: list[CatalogueItem], store: EmbeddingStore, options: BuildOptions,
           description: str) -> EmbedSummary:
    """Embed what ``store`` lacks of ``items`` on the chosen engine (the same chunk files either way)."""
    if options.engine == "ray":
        from sbkit.retrieval.ray_build import embed_items_ray

        return embed_items_ray(run, items, store, run.config.image_size, options.batch_size, options.chunk_size,
                               options.device, options.address, description)
    return embed_items(run.model, items, store, run.config.image_size, options.batch_size, options.chunk_size,
                       options.workers, description)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _held_index(run: LoadedRun, folder: Path, sources: list[DataSource] | None) -> str | None:
    """Why ``folder`` may not take this build without ``--force``, or None when it holds nothing or this very
    build (the same model and the same ``sources``), finished or interrupted; ``sources`` None: any index."""
    entries = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    if not entries:
        return None
    if (folder / "config.toml").is_file():
        return "holds a run (config.toml); an index goes in a folder of its own"
    manifest = _read_json(folder / INDEX_MANIFEST)
    manifest = manifest if isinstance(manifest, dict) and manifest.get("format") == "sbkit-index" else None
    store = _read_json(folder / STORE_DIR / STORE_FILE)
    store = store if isinstance(store, dict) else None
    if manifest is None and store is None:
        return f"holds files that sbkit index build did not write ({', '.join(entries[:4])})"
    if folder.resolve() == (run.run_dir / INDEX_DIR).resolve():
        return f"is the test index of the run {run.run_dir}"
    if sources is None:
        return "already holds an index"
    made_by = (manifest or store or {}).get("model_hash")
    if made_by != run.model_hash:
        return f"holds an index of another model ({str(made_by)[:12]}…)"
    try:
        found = read_sources(folder)
    except DataError:
        found = None
    if found is not None and found != sources:
        held = "; ".join(s.label() if s.split else f"{s.data} (all splits)" for s in found)
        return f"holds an index of other data or another split ({held})"
    if found is None and manifest is not None:
        return "holds an index with no record of its data (gallery.json)"
    return None


def claim_index_folder(run: LoadedRun, out: Path, inputs: dict[str, Any], sources: list[DataSource] | None,
                       force: bool = False) -> Path:
    """Check ``out`` before an index is built in it (see :func:`sbkit.paths.check_output`).

    ``out`` may hold nothing, or this same build (resumed or run again); another index, a run or files
    that are not an index's need ``force``, which then deletes the old embeddings (sbkit's own files) so
    no vector of the other index is reused.

    Raises:
        ConfigError: ``out`` is a file or an input, lies in the catalogue, or holds another index without
            ``force``.
    """
    out = check_output(out, inputs={"RUN_DIR": run.run_dir, **inputs}, folders=inputs, folder=True, force=force,
                       conflict=lambda folder: _held_index(run, folder, sources))
    if force and out.is_dir() and _held_index(run, out, sources):
        store = out / STORE_DIR
        if (store / STORE_FILE).is_file():
            shutil.rmtree(store)
        (out / GALLERY_FILE).unlink(missing_ok=True)
    return out


def build_index(run: LoadedRun, source: DataSource, out: Path, index_name: str | None = None,
                index_params: dict[str, Any] | None = None, options: BuildOptions | None = None,
                force: bool = False) -> IndexSummary:
    """Embed every item of ``source`` with the run's model and save an index of them in ``out``.

    Embeddings go to ``out/embeddings/`` chunk by chunk; rerunning after an interruption embeds only
    what is missing. The index is then built from the chunks and saved with the run's model hash.

    Args:
        run: the opened run folder.
        source: the catalogue (and split) to index.
        out: the index folder.
        index_name: a registered index; default: the run's.
        index_params: that index's params, over the run's when the name is the run's.
        options: batch size, chunk size and reading threads.
        force: build in ``out`` even when it holds another index, a run or other files
            (:func:`claim_index_folder`).
    """
    options = options or BuildOptions()
    check_engine(options.engine, options.address)
    name = index_name or run.config.index.name
    base = dict(run.config.index.params) if name == run.config.index.name else {}
    index_params = {**base, **(index_params or {})}
    index = get_registry().create("index", name, index_params)  # a bad name or param fails before any work
    catalogue = source.data if Path(source.data).is_absolute() else None  # DataSource.of makes paths absolute
    out = claim_index_folder(run, Path(out), {"the catalogue": catalogue}, [source], force)
    items, left_out = load_items(source)
    items = _unique(items)
    check(items, f"{source.label()} holds no items to index; check --data and --split", DataError)
    store = _store(run, out)
    write_sources(out, [source])  # first, so a rerun knows it resumes this very build
    summary = _embed(run, items, store, options, f"embed {len(items)} photos")
    ids, vectors = store.collect([item.id for item in items])
    check(ids, f"no photo of {source.label()} could be read ({len(summary.skipped)} skipped, e.g. "
          f"{summary.skipped[0].reason if summary.skipped else '-'}); nothing to index", DataError)
    _check_finite(ids, vectors, source, out)
    index.add(ids, vectors)
    index.model_hash = run.model_hash  # type: ignore[attr-defined]
    index.save(out)
    write_sources(out, [source])
    return IndexSummary(out, name, len(index), summary, added=len(ids), left_out=left_out)


def add_to_index(run: LoadedRun, index_dir: Path, source: DataSource,
                 options: BuildOptions | None = None) -> IndexSummary:
    """Embed the items of ``source`` that ``index_dir`` lacks, add them and save the index again.

    Ids already in the index are skipped and listed in the summary's ``duplicates``. Embedding is
    resumable as in :func:`build_index`.

    Raises:
        DataError: the index was built with another model than the run's.
    """
    options = options or BuildOptions()
    check_engine(options.engine, options.address)
    index_dir = Path(index_dir)
    index = open_index(index_dir, run.config.index.name)
    check_index_model(index, index_dir, run)
    items, left_out = load_items(source)
    items = _unique(items)
    present = set(index.ids)
    new = [item for item in items if item.id not in present]
    duplicates = [item.id for item in items if item.id in present]
    store = _store(run, index_dir)
    summary = _embed(run, new, store, options, f"embed {len(new)} new photos")
    ids, vectors = store.collect([item.id for item in new])
    if ids:
        _check_finite(ids, vectors, source, index_dir)
        index.add(ids, vectors)
        index.model_hash = run.model_hash  # type: ignore[attr-defined]
        index.save(index_dir)
    write_sources(index_dir, [*(read_sources(index_dir) or _own_sources(run, index_dir)), source])
    return IndexSummary(index_dir, index.name, len(index), summary, added=len(ids), duplicates=duplicates,
                        left_out=left_out)


def _check_finite(ids: list[str], vectors: Any, source: DataSource, out: Path) -> None:
    """Refuse embeddings holding NaN or infinity before they reach the index (the model made them)."""
    from sbkit.retrieval.shards import check_finite

    check_finite(vectors.detach().float().cpu().numpy(), f"the embeddings of {source.label()} in {out}/embeddings",
                 lambda i: f"item {ids[i]!r}", "the run's model gives them for these photos; check that the model "
                 "trained without diverging (its loss in the run's report), then delete that embeddings folder")


def _own_sources(run: LoadedRun, index_dir: Path) -> list[DataSource]:
    """Sources of an index without ``gallery.json``: a run's own index holds its test split."""
    from sbkit.retrieval.gallery import run_source
    from sbkit.retrieval.run_folder import INDEX_DIR

    own = Path(index_dir).resolve() == (run.run_dir / INDEX_DIR).resolve()
    return [run_source(run.config)] if own else []


@dataclass
class ShardIndexSummary:
    """What ``build_index_from_shards`` did, for a report."""

    index_dir: Path
    index_name: str
    total: int
    shards: int
    seconds: float
    recall: list[dict[str, Any]] = field(default_factory=list)  # recall_table rows, when queries were given


def build_index_from_shards(run: LoadedRun, shards_dir: Path, out: Path, index_name: str | None = None,
                            index_params: dict[str, Any] | None = None, chunk_rows: int = 65536,
                            train_size: int | None = None, recall_queries: Path | None = None,
                            force: bool = False) -> ShardIndexSummary:
    """Build an index of the embedding shards in ``shards_dir`` in bounded memory, for the run's model.

    The index trains on a sample drawn over all shards, then adds them ``chunk_rows`` at a time (see
    :mod:`sbkit.retrieval.shard_build`). Shards written by ``sbkit index build`` must come from the run's
    model; ``.npy`` shards must have its dimension. With ``recall_queries`` (a .npy (Q, D) array of held-out
    queries), recall@10 against exact search is measured at several nprobe and saved as ``recall.json``.
    An ``out`` that already holds an index or other files is replaced only with ``force``.
    """
    import time

    import numpy as np

    from sbkit.io import atomic_write_json
    from sbkit.progress import progress_bar
    from sbkit.retrieval.shard_build import add_from_shards, recall_table
    from sbkit.retrieval.shards import Shards

    start = time.perf_counter()
    name = index_name or run.config.index.name
    base = dict(run.config.index.params) if name == run.config.index.name else {}
    index = get_registry().create("index", name, {**base, **(index_params or {})})
    out = claim_index_folder(run, Path(out), {"--from-shards": shards_dir}, None, force)
    shards = Shards(shards_dir)
    store = shards.folder / "store.json"
    if store.is_file():
        made_by = json.loads(store.read_text(encoding="utf-8")).get("model_hash")
        check(made_by == run.model_hash, f"{shards.folder} holds embeddings of model {str(made_by)[:12]}…, but "
              f"{run.run_dir} holds model {run.model_hash[:12]}…; pass that model's run folder", DataError)
    check(shards.dim == run.model.dim, f"the shards in {shards.folder} are {shards.dim}-d, but the model of "
          f"{run.run_dir} makes {run.model.dim}-d vectors; pass the run whose model made them", DataError)
    queries = None
    if recall_queries is not None:
        try:
            queries = np.load(recall_queries).astype(np.float32)
        except (OSError, ValueError) as exc:
            raise DataError(f"--recall-queries {recall_queries} is not a readable .npy array ({exc})") from None
        check(queries.ndim == 2 and queries.shape[1] == shards.dim, f"--recall-queries {recall_queries} holds shape "
              f"{queries.shape}; it must be (Q, {shards.dim}), queries embedded by the same model", DataError)
    with progress_bar(f"index {shards.count} vectors from {len(shards.shards)} shards", shards.count) as advance:
        add_from_shards(index, shards, chunk_rows, train_size, on_chunk=advance)
    index.model_hash = run.model_hash  # type: ignore[attr-defined]
    index.save(out)
    recall = recall_table(index, shards, queries) if queries is not None else []
    if recall:
        atomic_write_json(Path(out) / "recall.json", recall)
    return ShardIndexSummary(Path(out), name, len(index), len(shards.shards), time.perf_counter() - start, recall)
