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


def test_report_puts_drawn_sketches_beside_the_sketchifier_s_or_says_there_are_none() -> None:
    from sbkit.pipeline.report import drawn_section

    lines = "\n".join(drawn_section(metrics(0.2, 0.4)))
    assert "beside drawn sketches" in lines and "(0.50x)" in lines
    alone = {"sketch": {"synthetic": {"R@1": 0.1, "R@10": 0.2}}, "text": {"caption": {"R@1": 0.1, "R@10": 0.3}}}
    lines = "\n".join(drawn_section(alone))
    assert "No test item has a drawn sketch" in lines and "|" not in lines  # no table of empty cells
