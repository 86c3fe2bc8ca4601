from sbkit.evaluation.tables import markdown_table, print_table


def test_table_formats_columns_in_order():
    rows = [{"mode": "sketch", "R@10": 0.12345, "n": 3, "R@10_ci": [0.1, 0.15]},
            {"mode": "sketch+text", "R@10": 0.5, "n": 12}]
    lines = markdown_table(rows, ["mode", "R@10", "n", "R@10_ci"], floatfmt=".2f").splitlines()
    assert lines[0] == "| mode | R@10 | n | R@10_ci |"
    assert lines[1] == "|---|---:|---:|---|"
    assert lines[2] == "| sketch | 0.12 | 3 | [0.10, 0.15] |"
    assert lines[3] == "| sketch+text | 0.50 | 12 |  |"


def test_cells_escape_pipes_and_blank_nan():
    text = markdown_table([{"a": "x|y", "b": float("nan")}], ["a", "b"])
    assert text.splitlines()[2] == "| x\\|y |  |"


def test_print_table_prints_the_rows_and_writes_the_same_table_as_markdown(tmp_path, capsys):
    rows = [{"queries": "drawn", "R@1": 0.1923, "count": 600}, {"queries": "sketchifier", "R@1": 0.6, "count": 600}]
    out = tmp_path / "table.md"
    print_table("Sketch only", rows, ["queries", "R@1", "count"], out, left=["queries"])
    printed = capsys.readouterr().out
    assert "Sketch only" in printed and "0.192" in printed and "sketchifier" in printed
    assert out.read_text() == "Sketch only.\n\n" + markdown_table(rows, ["queries", "R@1", "count"]) + "\n"
