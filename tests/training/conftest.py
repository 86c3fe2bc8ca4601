"""Fixtures: a plugin host holding only the torch plugin, quiet single-threaded runs, a tiny dataset."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator

import pytest
import sbkit_torch
import torch
from synthetic_catalogue import synthetic_data

from sbkit import progress
from sbkit.plugins import PluginHost, reset_host
from sbkit.training import TrainData


@pytest.fixture(autouse=True)
def _quiet_and_one_thread() -> Iterator[None]:
    threads, quiet = torch.get_num_threads(), progress._quiet
    torch.set_num_threads(1)
    progress.set_quiet(True)
    yield
    progress.set_quiet(quiet)
    torch.set_num_threads(threads)


@pytest.fixture
def torch_plugins() -> Iterator[Callable[..., None]]:
    """Install a host with only ``sbkit_torch``; the yielded function registers more plugin modules."""
    host = PluginHost(strict=True)
    host.register(sbkit_torch, name="torch")
    reset_host(host)

    def add(name: str, **hooks: Callable[[], list[type]]) -> None:
        module = types.ModuleType(name)
        for hook, fn in hooks.items():
            setattr(module, hook, fn)
        host.register(module, name=name)
        reset_host(host)

    yield add
    reset_host(None)


@pytest.fixture
def tiny_data() -> TrainData:
    return synthetic_data()
