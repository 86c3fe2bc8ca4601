"""Reopen a run folder written by ``sbkit run``: its config, its trained model and its gallery index."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError

from sbkit.components import Index
from sbkit.config import RunConfig
from sbkit.errors import ConfigError, DataError, SbkitError, check
from sbkit.io import atomic_write_json, file_sha256
from sbkit.params import resolve_params
from sbkit.registry import get_registry
from sbkit.training.model import WEIGHTS, RetrievalModel, build_model

CONFIG = "config.toml"
MODEL_DIR = "model"
INDEX_DIR = "index"
INDEX_MANIFEST = "manifest.json"
MODEL_RECORD = "files.json"  # in model/: size and SHA-256 of every file the run wrote there
WORDS = "words.json"  # in model/: the captions and categories the text side trained on (TrainingWords)
MAX_WORDS_CAPTIONS = 20_000  # the most used distinct training captions kept in it
HOW = "a run folder is made by `sbkit run --out DIR` (or sbkit.run(out=DIR))"


@dataclass
class LoadedRun:
    """A run folder opened for search: the config it ran with, its model (eval mode) and its test index."""

    run_dir: Path
    config: RunConfig
    model: RetrievalModel
    index: Index | None
    device: torch.device
    _model_hash: str | None = field(default=None, repr=False)

    @property
    def model_dir(self) -> Path:
        return self.run_dir / MODEL_DIR

    @property
    def model_hash(self) -> str:
        """SHA-256 of ``model/model.safetensors``: indexes record it, and search refuses any other."""
        if self._model_hash is None:
            self._model_hash = file_sha256(self.model_dir / WEIGHTS)
        return self._model_hash

    @property
    def reads_text(self) -> bool:
        """Whether the model learned to read captions: False when its catalogue had none to train on (no caption
        in :attr:`training_words`; a run saved without them counts as reading)."""
        words = self.training_words
        return words is None or bool(words.captions)

    @cached_property
    def training_words(self) -> TrainingWords | None:
        """The words its text side trained on (``model/words.json``); None for a run saved without them."""
        path = self.model_dir / WORDS
        if not path.is_file():
            return None
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
            return TrainingWords([str(c) for c in found["captions"]], [str(c) for c in found["categories"]])
        except (OSError, ValueError, KeyError, TypeError):
            raise DataError(f"{path} is damaged; make the run again: {HOW}") from None


@dataclass
class TrainingWords:
    """What a run's text side trained on: its distinct captions (as trained: the caption variants, most used
    first, at most :data:`MAX_WORDS_CAPTIONS`) and the training items' categories. Search reads a typed caption
    toward these words where the gallery has no captions of its own (:mod:`sbkit.retrieval.spelling`)."""

    captions: list[str]
    categories: list[str]

    @classmethod
    def count(cls, captions: Iterable[str], categories: Iterable[str | None]) -> TrainingWords:
        """The record of these training captions (repeats counted, empty ones left out) and categories."""
        used = Counter(caption for caption in captions if caption.strip())
        return cls([caption for caption, _ in used.most_common(MAX_WORDS_CAPTIONS)],
                   sorted({category for category in categories if category}))


def save_run_model(model: RetrievalModel, run_dir: Path, words: TrainingWords | None = None) -> None:
    """Save the trained model into ``run_dir/model`` and record each file's size and SHA-256 beside it.

    :func:`load_run` checks every file against that record, so a changed or damaged model is refused
    instead of giving slightly different scores. ``words`` (what the text side trained on) go into
    ``model/words.json``, under the same record; with no caption among them, search knows the model reads no
    caption (:attr:`LoadedRun.reads_text`).
    """
    folder = Path(run_dir) / MODEL_DIR
    model.save(folder)
    if words is not None:
        atomic_write_json(folder / WORDS, {"format": "sbkit-training-words", "version": 1,
                                           "captions": words.captions, "categories": words.categories})
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MODEL_RECORD
                   and not p.name.startswith("."))
    record = {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in files}
    atomic_write_json(folder / MODEL_RECORD, {"format": "sbkit-model-files", "version": 1, "files": record})


def _recorded_files(run_dir: Path) -> dict[str, dict[str, Any]] | None:
    """``model/files.json``'s file records; else the weights' hash from the run's own index; else None."""
    path = run_dir / MODEL_DIR / MODEL_RECORD
    if path.exists():
        try:
            files = json.loads(path.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            files = None
        check(isinstance(files, dict) and all(isinstance(v, dict) for v in files.values()),
              f"{path} is damaged: it cannot say whether the model in {run_dir / MODEL_DIR} is the one `sbkit run` "
              f"wrote; make the run again: {HOW}", DataError)
        return files
    try:
        found = json.loads((run_dir / INDEX_DIR / INDEX_MANIFEST).read_text(encoding="utf-8")).get("model_hash")
    except (OSError, ValueError, AttributeError):
        found = None
    return {WEIGHTS: {"sha256": found}} if isinstance(found, str) else None


def check_model_files(run_dir: Path) -> str:
    """Check the model's files against what the run recorded when it wrote them; the weights' SHA-256.

    Raises:
        DataError: naming the first file that is missing or differs from the record.
    """
    folder = run_dir / MODEL_DIR
    weights_hash = None
    for name, expected in (_recorded_files(run_dir) or {}).items():
        path = folder / name
        check(path.is_file(), f"{path} is missing, but the run recorded it in {MODEL_RECORD}; restore it or make the "
              f"run again: {HOW}", DataError)
        digest = file_sha256(path)
        size = expected.get("bytes")
        check(digest == expected.get("sha256") and (size is None or size == path.stat().st_size),
              f"{path} has changed since `sbkit run` wrote it (SHA-256 {digest[:12]}…, recorded "
              f"{str(expected.get('sha256'))[:12]}…): it was edited or damaged, so sbkit will not use it; restore "
              f"the file, or make the run again: {HOW}", DataError)
        if name == WEIGHTS:
            weights_hash = digest
    return weights_hash or file_sha256(folder / WEIGHTS)


def _require(run_dir: Path, path: Path, what: str) -> None:
    check(path.exists(), f"{path} is missing ({what}), so {run_dir} is not a complete run folder; {HOW}",
          DataError)


def _read_config(run_dir: Path) -> RunConfig:
    try:
        return RunConfig.from_toml(run_dir / CONFIG)
    except ConfigError as exc:
        raise DataError(f"run folder {run_dir} is broken: {exc}; {HOW}") from None


def build_encoder(config: RunConfig, model_dir: Path) -> Any:
    """The run's encoder with its saved params; ``from_saved(model_dir, ...)`` when the class offers it."""
    registry = get_registry()
    spec = config.encoder
    cls = registry.get("encoder", spec.name)
    params = resolve_params(cls, spec.params, f"encoder {spec.name!r} in {model_dir.parent / CONFIG}")
    from_saved = getattr(cls, "from_saved", None)
    if callable(from_saved):
        return from_saved(model_dir, **params)
    return cls(**params)


def index_name(folder: Path, default: str) -> str:
    """The index component that wrote ``folder`` (its manifest's ``index`` field), else ``default``."""
    try:
        name = json.loads((Path(folder) / INDEX_MANIFEST).read_text(encoding="utf-8")).get("index")
    except (OSError, ValueError, AttributeError):
        return default
    return name if isinstance(name, str) and name else default


def open_index(folder: Path, default_name: str) -> Index:
    """Load the index saved in ``folder`` with the registered class its manifest names."""
    folder = Path(folder)
    check(folder.is_dir(), f"no index at {folder}; build one with `sbkit index build RUN_DIR --data PATH "
          f"--out {folder}`", DataError)
    cls = get_registry().get("index", index_name(folder, default_name))
    return cls.load(folder)


def _load_model(config: RunConfig, model_dir: Path) -> RetrievalModel:
    try:
        encoder = build_encoder(config, model_dir)
        encoder.load_extra(model_dir)
        model = build_model(encoder, config.fuser.name, config.fuser.params)
        model.load(model_dir)
    except ConfigError:
        raise
    except SbkitError as exc:
        raise DataError(f"the model in {model_dir} cannot be loaded: {exc}") from None
    except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"the model in {model_dir} cannot be loaded ({reason}); the run folder is damaged, make it "
                        f"again: {HOW}") from None
    return model


def load_run(run_dir: str | Path, device: str | torch.device = "cpu") -> LoadedRun:
    """Open a run folder: config, encoder (with its saved extra state), fuser, weights and index.

    Args:
        run_dir: a folder written by ``sbkit run``.
        device: where the model runs (``cpu``, ``cuda``, ``cuda:1``, ``auto``).

    Raises:
        DataError: the folder, its ``config.toml`` or its ``model/model.safetensors`` is missing or broken, or a
            model file differs from the size and SHA-256 the run recorded (``model/files.json``).
        ConfigError: a component named in the config is not registered (a plugin is missing).
    """
    from sbkit.devices import resolve_device

    model, model_hash = load_run_model(run_dir, device)
    run_dir = Path(run_dir).expanduser()
    config = _read_config(run_dir)
    target = resolve_device(device) if isinstance(device, str) else device
    index = None
    if (run_dir / INDEX_DIR).is_dir():
        index = open_index(run_dir / INDEX_DIR, config.index.name)
    return LoadedRun(run_dir=run_dir, config=config, model=model, index=index, device=target, _model_hash=model_hash)


def load_run_model(run_dir: str | Path, device: str | torch.device = "cpu") -> tuple[RetrievalModel, str]:
    """A run folder's model alone (eval mode, on ``device``) and its weights' SHA-256, checked as :func:`load_run`
    checks them; for workers that embed and need no index."""
    from sbkit.devices import resolve_device

    run_dir = Path(run_dir).expanduser()
    check(run_dir.is_dir(), f"run folder {run_dir} is a file, not a folder; pass the folder that `sbkit run` wrote "
          "(the one holding config.toml)" if run_dir.exists() else f"run folder {run_dir} does not exist; {HOW}",
          DataError)
    _require(run_dir, run_dir / CONFIG, "the run's settings")
    _require(run_dir, run_dir / MODEL_DIR / WEIGHTS, "the trained weights")
    config = _read_config(run_dir)
    target = resolve_device(device) if isinstance(device, str) else device
    model_hash = check_model_files(run_dir)
    return _load_model(config, run_dir / MODEL_DIR).to(target).eval(), model_hash


def check_index_model(index: Index, index_dir: Path, run: LoadedRun) -> None:
    """Refuse an index whose vectors another model made (its manifest's model hash is not the run's).

    A run's own ``index/`` may carry no hash: ``sbkit run`` wrote it with the very model beside it.
    """
    found = getattr(index, "model_hash", None)
    own = Path(index_dir).resolve() == (run.run_dir / INDEX_DIR).resolve()
    if not (found is None and own):
        built = f"model {found[:12]}…" if isinstance(found, str) else "no recorded model"
        check(found == run.model_hash,
              f"index {index_dir} was built with {built}, but {run.run_dir} holds model "
              f"{run.model_hash[:12]}… (SHA-256 of {MODEL_DIR}/{WEIGHTS}); its vectors do not match this model's "
              f"queries. Build an index for this model in a folder of its own: sbkit index build {run.run_dir} "
              f"--data PATH (it writes {run.run_dir / 'indexes'}/<data name>), then pass that folder to --index",
              DataError)
    check(index.dim == run.model.dim, f"index {index_dir} holds {index.dim}-d vectors but the model of "
          f"{run.run_dir} makes {run.model.dim}-d ones; rebuild it with `sbkit index build`", DataError)
