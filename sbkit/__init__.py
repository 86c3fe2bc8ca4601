"""sbkit: find fashion items by drawing them. Sketch(+text) based image retrieval, composed through plugins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sbkit.config import RunConfig
    from sbkit.pipeline.run import RunResult
    from sbkit.retrieval.retriever import Retriever


def run(config: RunConfig | None = None, resume: bool = False, force: bool = False, **overrides: Any) -> RunResult:
    """Python API for ``sbkit run``: ``sbkit.run(fuser="concat", epochs=4)``.

    ``resume=True`` continues the run in ``out``; ``force=True`` replaces a run already there (see
    :func:`sbkit.pipeline.run.run`).
    """
    from sbkit.pipeline.run import run as _run

    return _run(config, resume=resume, force=force, **overrides)


def sketchify(source: Any, out: Any, sketchifier: str = "canny", **options: Any) -> Any:
    """Python API for ``sbkit sketchify``: photos to image-sketch-text triples (see :func:`sbkit.sketch.job.sketchify_job`)."""
    from sbkit.sketch.job import sketchify_job

    return sketchify_job(source, out, sketchifier, **options)


def __getattr__(name: str) -> Any:
    """``sbkit.Retriever`` is imported on first use, so ``import sbkit`` stays cheap (no torch)."""
    if name == "Retriever":
        from sbkit.retrieval.retriever import Retriever

        return Retriever
    raise AttributeError(f"module 'sbkit' has no attribute {name!r}")


__all__ = ["Retriever", "__version__", "run", "sketchify"]
