"""sbkit: find fashion items by drawing them. Sketch(+text) based image retrieval, composed through plugins.

The Python API mirrors the command line, and ``import sbkit`` stays cheap (no torch) until one is used:

- :func:`run` is ``sbkit run``: ``sbkit.run(fuser="concat", epochs=4, out="runs/a")``;
- :func:`create` is a component by name, as ``--<kind> NAME --<kind>.<param> VALUE`` gives it;
- :class:`Retriever` is ``sbkit search``: ``sbkit.Retriever.from_run("runs/a").search(sketch=..., text=..., k=10)``;
- ``sbkit.bench(...)`` is ``sbkit bench`` (:func:`sbkit.bench.api.bench`);
- :func:`sketchify` is ``sbkit sketchify``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sbkit.config import RunConfig
    from sbkit.pipeline.run import RunResult
    from sbkit.retrieval.retriever import Retriever


def run(config: RunConfig | None = None, resume: bool = False, force: bool = False, **overrides: Any) -> RunResult:
    """Python API for ``sbkit run``: ``sbkit.run(fuser="concat", epochs=4)``.

    Args:
        config: The settings (a ``RunConfig``, e.g. ``RunConfig.from_toml(path)``); None starts from the defaults.
        resume: Continue the run in ``out`` from its last checkpoint.
        force: Replace a run already in ``out``.
        overrides: ``RunConfig`` settings on top of ``config``, as the command-line options are: a component by
            name (``fuser="concat"``) or as a table with parameters (``sketchifier={"name": "canny",
            "sigma": 1.5}``, ``data={"name": "demo", "size": 500}``), and any other setting (``epochs=4``).

    Returns:
        The run folder, its metrics and timings (see :func:`sbkit.pipeline.run.run`).
    """
    from sbkit.pipeline.run import run as _run

    return _run(config, resume=resume, force=force, **overrides)


def create(kind: str, name: str, **params: Any) -> Any:
    """Python API for one component by name: ``sbkit.create("sketchifier", "canny-clahe", sigma=1.5)``.

    Parameters are checked and coerced as ``--<kind>.<param> VALUE`` is on the command line (``sbkit list
    <kind>`` shows them). The context a component is given by the pipeline rather than the user (a fuser's
    ``sketch_dim``, ``text_dim`` and ``dim``) may be passed the same way.

    Args:
        kind: ``sketchifier``, ``encoder``, ``fuser``, ``loss``, ``dataset`` or ``index``.
        name: The component's registered name.
        params: Its parameters (and any injected context).

    Raises:
        ConfigError: an unknown kind, name or parameter (with the closest match), or a bad value.
    """
    from sbkit.registry import get_registry

    registry = get_registry()
    injected = set(getattr(registry.get(kind, name), "context_params", ()))
    context = {key: params.pop(key) for key in list(params) if key in injected}
    return registry.create(kind, name, params, **context)


def sketchify(source: Any, out: Any, sketchifier: str = "canny", **options: Any) -> Any:
    """Python API for ``sbkit sketchify``: photos to image-sketch-text triples.

    See :func:`sbkit.sketch.job.sketchify_job` for ``source``, ``out`` and the options; the sketchifier's own
    parameters go in ``params={"sigma": 1.5}``.

    Raises:
        ConfigError: an unknown option (a sketchifier parameter passed as one names ``params``), or a bad value.
    """
    import inspect
    import reprlib

    from sbkit.errors import ConfigError, closest
    from sbkit.sketch.job import sketchify_job

    taken = [name for name in inspect.signature(sketchify_job).parameters
             if name not in ("source", "out", "sketchifier")]
    for key, value in options.items():
        if key not in taken:
            guess = closest(key, taken)
            hint = f" (did you mean {guess!r}?)" if guess else ""
            raise ConfigError(f"sketchify got an unknown option {key!r}{hint}; sketchifier parameters go in "
                              f"params={{{key!r}: {reprlib.repr(value)}}}; its options are {', '.join(taken)}")
    return sketchify_job(source, out, sketchifier, **options)


def __getattr__(name: str) -> Any:
    """``sbkit.Retriever`` and ``sbkit.bench`` are imported on first use, so ``import sbkit`` stays cheap (no torch)."""
    if name == "Retriever":
        from sbkit.retrieval.retriever import Retriever

        return Retriever
    if name == "bench":
        import sbkit.bench  # a callable package: sbkit.bench(...) runs a grid

        return sbkit.bench
    raise AttributeError(f"module 'sbkit' has no attribute {name!r}")


__all__ = ["Retriever", "__version__", "bench", "create", "run", "sketchify"]
