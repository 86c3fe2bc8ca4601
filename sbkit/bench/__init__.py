"""``sbkit bench``: a grid of components run one by one, compared in Markdown, HTML and JSON reports."""

from sbkit.bench.api import bench, write_reports
from sbkit.bench.grid import Axis, Combination, expand_grid, make_axes, parse_axes
from sbkit.bench.runner import BenchResult, BenchRunner

__all__ = ["Axis", "BenchResult", "BenchRunner", "Combination", "bench", "expand_grid", "make_axes", "parse_axes",
           "write_reports"]
