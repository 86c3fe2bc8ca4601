"""The one-line drawn-versus-sketchifier gap of every run's summary."""

from sbkit.pipeline.report_checks import gap_line


def metrics(drawn_r1: float, made_r1: float) -> dict:
    return {"sketch": {"drawn": {"R@1": drawn_r1, "R@10": 0.5}, "synthetic": {"R@1": made_r1, "R@10": 0.8}}}


def test_gap_line_gives_both_ratios() -> None:
    assert gap_line(metrics(0.2, 0.4)) == ("Drawn vs sketchifier sketches, sketch only: R@1 0.200 vs 0.400 (0.50x), "
                                           "R@10 0.500 vs 0.800 (0.62x)")


def test_gap_line_says_why_there_is_no_ratio_rather_than_nan() -> None:
    line = gap_line(metrics(0.2, 0.0))
    assert "nan" not in line and "(no ratio: the sketchifier's is 0)" in line


def test_no_gap_line_without_drawn_sketches() -> None:
    assert gap_line({"sketch": {"synthetic": {"R@1": 0.1, "R@10": 0.2}}}) is None
