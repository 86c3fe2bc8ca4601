"""Running catalogue-wide work on Ray (``--engine ray``): the engine names, importing Ray, and one session.

Ray is optional (``pip install 'sbkit[ray]'``); nothing here imports it before a Ray job starts.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sbkit.errors import ConfigError, DataError, check

ENGINES: tuple[str, ...] = ("local", "ray")
INSTALL_HINT = "pip install 'sbkit[ray]'"
# Ray Data retries a failed task or actor forever by default; a photo that crashes its worker every time
# would then hang the job. A few retries still ride out a lost node. Ray 2.60 takes the limits only as
# `ray_remote_args` (deprecated, and gone in 2.64: hence the extra's upper bound).
RETRIES = 3


@contextmanager
def remote_args_allowed() -> Iterator[None]:
    """Hide Ray's deprecation note on ``ray_remote_args`` (the retry limits need them; see :data:`RETRIES`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ray_remote_args. is deprecated")
        yield


def check_engine(engine: str, address: str | None = None) -> None:
    """Refuse an unknown engine, an ``address`` without ``engine="ray"``, the Ray engine without Ray, and a
    cluster address where nothing answers, before any work starts."""
    check(engine in ENGINES, f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}", ConfigError)
    check(address is None or engine == "ray", f"--address {address} is the address of a Ray cluster; "
          "pass --engine ray with it, or leave it out", ConfigError)
    if engine == "ray":
        import_ray()
        check_reachable(address or os.environ.get("RAY_ADDRESS"))


def import_ray() -> Any:
    """The ``ray`` module, or a ConfigError saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - the extra's ray[data], not a bare ray
    except ImportError as exc:
        raise ConfigError(f"--engine ray needs Ray Data, which is not installed ({exc}); {INSTALL_HINT}, "
                          "or use --engine local") from None
    return ray


@contextmanager
def ray_session(address: str | None = None) -> Iterator[Any]:
    """A connected Ray: the one this process already joined, else ``address`` (None: ``RAY_ADDRESS`` if set,
    else a new local instance on this machine's cores), shut down afterwards when this call started it.

    Ray Data runs quietly (sbkit shows its own progress) and keeps the input order, so outputs come
    back in the order the local engine makes them.
    """
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        check_reachable(address or os.environ.get("RAY_ADDRESS"))
        try:
            ray.init(address=address, include_dashboard=False, logging_level=logging.ERROR,
                     configure_logging=True, log_to_driver=True)
        except Exception as exc:  # noqa: BLE001 - Ray raises many kinds here; each gets the same one line
            target = address or os.environ.get("RAY_ADDRESS")
            if not target:
                raise ConfigError(f"cannot start a local Ray instance: {exc}") from None
            raise ConfigError(f"cannot join the Ray cluster at {target}: {exc}; start one with `ray start --head` "
                              "and pass the address it prints (a cluster with token authentication also needs "
                              "RAY_AUTH_MODE=token and its token: see docs/scale.md)") from None
    context = ray.data.DataContext.get_current()
    saved = (context.enable_progress_bars, context.print_on_execution_start, context.execution_options.preserve_order)
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.execution_options.preserve_order = True
    data_logger = logging.getLogger("ray.data")
    level = data_logger.level
    data_logger.setLevel(logging.ERROR)  # not its notes on progress bars and execution plans
    try:
        yield ray
    finally:
        context.enable_progress_bars, context.print_on_execution_start = saved[:2]
        context.execution_options.preserve_order = saved[2]
        data_logger.setLevel(level)
        if started:
            ray.shutdown()


def check_reachable(address: str | None, timeout: float = 10.0) -> None:
    """Refuse a plain ``host:port`` address where nothing answers: Ray itself would retry for many minutes.

    Other forms (``auto``, ``local``, ``ray://...``) are left to Ray.
    """
    match = re.fullmatch(r"\[?([^\[\]/]+?)\]?:(\d+)", address or "")
    if not match:
        return
    try:
        socket.create_connection((match.group(1), int(match.group(2))), timeout=timeout).close()
    except OSError as exc:
        raise ConfigError(f"nothing answers at the Ray cluster address {address} ({exc.strerror or exc}); start "
                          "the cluster with `ray start --head` and pass the address it prints") from None


def cluster_cpus(ray: Any) -> int:
    """CPU cores of the connected cluster (at least 1)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def cluster_gpus(ray: Any) -> int:
    """GPUs of the connected cluster."""
    return int(ray.cluster_resources().get("GPU", 0))


def node_cpus(ray: Any) -> int:
    """CPU cores of the largest live node (at least 1): more than this, no task or actor can get."""
    cpus = [node.get("Resources", {}).get("CPU", 0) for node in ray.nodes() if node.get("Alive")]
    return max(1, int(max(cpus, default=1)))


def job_failed(exc: BaseException, kept: str) -> DataError:
    """One line for a Ray job that failed after its retries: the error's own last line, and what is kept."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    detail = f"{type(exc).__name__}: {lines[-1] if lines else ''}"
    return DataError(f"the Ray job failed ({detail}); {kept}: rerun the same command to resume")
