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


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny trained run folder per test session, shared by the retrieval and CLI tests (copy it to change it)."""
    import sbkit

    folder = tmp_path_factory.getbasetemp() / "sbkit-tiny-run"
    if not (folder / "report.md").is_file():
        sbkit.run(data={"name": "demo", "size": 60, "image_size": 64}, image_size=32, epochs=1, batch_size=32,
                  encoder={"name": "small", "dim": 32, "width": 8}, device="cpu", out=str(folder), **TINY_MODEL)
    return folder


@pytest.fixture(scope="module")
def retriever(run_dir: Path):
    """The session's tiny run loaded for search, once per test module (a server sets its limits on it)."""
    from sbkit.retrieval.retriever import Retriever

    return Retriever.from_run(run_dir)


@pytest.fixture(scope="session")
def sbkit_pytest_args() -> list[str]:
    """Options for a pytest run in a subprocess, so that it has sbkit's fixtures as an installed sbkit gives them."""
    return [] if sbkit_pytest_plugin_installed() else ["-p", PYTEST_PLUGIN]
