"""Shared fixtures: an isolated cache folder, and a plugin host that tests can add fake plugins to."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PYTEST_PLUGIN = "sbkit.testing.pytest_plugin"


def sbkit_pytest_plugin_installed() -> bool:
    """Whether the installed sbkit declares its pytest plugin (an install older than the plugin does not)."""
    import importlib.metadata

    return any(ep.value == PYTEST_PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))


# sbkit's pytest plugin comes with the install; a checkout installed before it existed loads it here.
pytest_plugins = [] if sbkit_pytest_plugin_installed() else [PYTEST_PLUGIN]
os.environ.setdefault("SBKIT_QUIET", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep instead of spinning on 2 cores
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory):
    """Demo catalogues and sketch caches go to a temporary folder, never the user's cache."""
    previous = os.environ.get("SBKIT_CACHE")
    os.environ["SBKIT_CACHE"] = str(tmp_path_factory.mktemp("sbkit-cache"))
    yield
    if previous is None:
        os.environ.pop("SBKIT_CACHE", None)
    else:
        os.environ["SBKIT_CACHE"] = previous


@pytest.fixture(autouse=True)
def _torch_threads_restored():
    """Each test leaves torch's thread count as it found it: `sbkit serve` sets it in-process, and a run
    trained on another count differs in the last bits from one resumed in a subprocess."""
    import torch

    threads = torch.get_num_threads()
    yield
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@pytest.fixture
def fresh_plugins():
    """Reload plugins from entry points before and after the test, so registrations never leak."""
    from sbkit.plugins import reset_host

    reset_host()
    yield
    reset_host()


# The tiny run's components and training, pinned so tests do not follow changes of the defaults.
TINY_MODEL = {"sketchifier": "canny-clahe", "fuser": "concat", "augment": 0.5, "caption_augment": 0.0,
              "every_mode": False, "holdout": "", "sketch_text_positives": 0.0}
TINY_RUN = {"image_size": 32, "epochs": 1, "batch_size": 32, "encoder": {"name": "small", "dim": 32, "width": 8},
            "device": "cpu", **TINY_MODEL}


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny trained run folder per test session, shared by the retrieval and CLI tests (copy it to change it)."""
    import sbkit

    folder = tmp_path_factory.getbasetemp() / "sbkit-tiny-run"
    if not (folder / "report.md").is_file():
        sbkit.run(data={"name": "demo", "size": 60, "image_size": 64}, out=str(folder), **TINY_RUN)
    return folder


def _photo_folder(root: Path, by_category: bool) -> Path:
    """The tiny demo's photos copied into a plain folder with no caption file, in category subfolders or flat."""
    import shutil

    from sbkit.data.resolve import resolve_catalogue

    for item in resolve_catalogue("demo", {"size": 60, "image_size": 64}).items:
        target = root / (f"{item.category}s/{item.id}.png" if by_category else f"{item.id}.png")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(item.image, target)
    return root


@pytest.fixture(scope="session")
def wordless_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run on a flat folder of photos: no captions and no category folders, so its model learned no words
    (its photos are in ``photos/`` beside it)."""
    import sbkit

    base = tmp_path_factory.getbasetemp() / "sbkit-wordless"
    if not (base / "run" / "report.md").is_file():
        data = _photo_folder(base / "photos", by_category=False)
        sbkit.run(data=str(data), out=str(base / "run"), **{**TINY_RUN, "caption_augment": 0.5})
    return base / "run"


@pytest.fixture
def photo_folder():
    """``photo_folder(root, by_category)``: the tiny demo's photos copied into a plain folder with no caption file."""
    return _photo_folder


@pytest.fixture
def tiny_run_settings() -> dict:
    """The tiny run's settings as ``sbkit.run`` keywords (data and out left to the test)."""
    return dict(TINY_RUN)


@pytest.fixture(scope="module")
def retriever(run_dir: Path):
    """The session's tiny run loaded for search, once per test module (a server sets its limits on it)."""
    from sbkit.retrieval.retriever import Retriever

    return Retriever.from_run(run_dir)


@pytest.fixture(scope="session")
def sbkit_pytest_args() -> list[str]:
    """Options for a pytest run in a subprocess, so that it has sbkit's fixtures as an installed sbkit gives them."""
    return [] if sbkit_pytest_plugin_installed() else ["-p", PYTEST_PLUGIN]
