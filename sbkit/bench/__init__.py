"""``sbkit bench``: a grid of components run one by one, compared in Markdown, HTML and JSON reports.

The package is callable: ``sbkit.bench(...)`` is :func:`sbkit.bench.api.bench`, so the Python API reads like
the command (``sbkit.bench(fuser="avg,concat", epochs=2)``) while ``sbkit.bench.grid`` and the other modules
stay importable under the same name.
"""

import sys
import types
from typing import Any

from sbkit.bench.api import bench, default_bench_dir, write_reports
from sbkit.bench.grid import Axis, Combination, expand_grid, grid_options, make_axes, parse_axes
from sbkit.bench.runner import BenchResult, BenchRunner


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`bench` (a package and a function cannot otherwise share one name)."""

    def __call__(self, *args: Any, **kwargs: Any) -> BenchResult:
        return bench(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["Axis", "BenchResult", "BenchRunner", "Combination", "bench", "default_bench_dir", "expand_grid",
           "grid_options", "make_axes", "parse_axes", "write_reports"]
