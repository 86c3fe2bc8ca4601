"""``report.md``: the ranked table, metrics per query mode, speed figures, failures, plots and probe figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sbkit.bench.figures import Figure
from sbkit.bench.summary import (METRICS, SPEED_COLUMNS, axis_keys, headline_label, headline_source, metric,
                                 mode_label, present_modes, ranked, reused_text, shared_settings, speed_cells)
from sbkit.evaluation.tables import markdown_table
from sbkit.io import atomic_write_text


def overview(data: dict[str, Any]) -> list[str]:
    """Opening lines shared by both reports: grid, counts, shared settings, gallery size."""
    records = data["combinations"]
    grid = "; ".join(f"{key} = {', '.join(values)}" for key, values in data["bench"]["grid"].items()
                     if len(values) > 1) or "a single combination"
    counts = {status: sum(r["status"] == status for r in records) for status in ("ok", "failed", "pending")}
    resumed = sum(bool(r.get("resumed")) for r in records)
    cached = sum("sketchify" in r.get("reused", []) for r in records)
    lines = [f"Grid: {grid}.",
             f"{len(records)} combinations: {counts['ok']} finished ({resumed} resumed from an earlier bench, "
             f"{cached} reused cached sketches), {counts['failed']} failed"
             + (f", {counts['pending']} not run yet" if counts["pending"] else "") + "."]
    settings = shared_settings(records)
    if settings:
        lines.append(f"Same in every combination: {settings}.")
    done = [r for r in records if r["status"] == "ok" and r.get("counts")]
    if done:
        gallery = sorted({r["counts"].get("test") for r in done})
        chance = sorted({round(r.get("random_R@10", float("nan")), 4) for r in done})
        lines.append(f"Test gallery: {', '.join(map(str, gallery))} items; random ranking gives R@10 = "
                     f"{', '.join(map(str, chance))}.")
    return lines


def ranking_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per combination, best first: axis values, headline metrics and status."""
    rows = []
    for rank, record in enumerate(ranked(records), 1):
        source = headline_source(record)
        row: dict[str, Any] = {"#": rank if record["status"] == "ok" else "", **record.get("values", {})}
        row.update({
            "ranked on": headline_label(record),
            "sketch+text R@10": metric(record, "sketch+text", source, "R@10") if source else None,
            "sketch+text mAP": metric(record, "sketch+text", source, "mAP") if source else None,
            "sketch R@10": metric(record, "sketch", source, "R@10") if source else None,
            "text R@10": metric(record, "text", "caption", "R@10"),
            "status": record["status"], "reused": reused_text(record),
            "run": f"[{record['slug']}]({record['run_dir']}/report.md)" if record["status"] == "ok" else
            record["slug"],
        })
        rows.append(row)
    return rows


def _number_like(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return text == "cached"
    return True


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """:func:`markdown_table` without its final newline; columns of formatted numbers are right-aligned too."""
    text = markdown_table(rows, columns).rstrip("\n")
    header, rule, *body = text.split("\n")
    cells = rule.strip("|").split("|")
    for i, column in enumerate(columns):
        shown = [str(r.get(column, "")) for r in rows if isinstance(r.get(column), str) and r.get(column)]
        if shown and all(_number_like(v) for v in shown):
            cells[i] = "---:"
    return "\n".join([header, "|" + "|".join(cells) + "|", *body])


def write_markdown(data: dict[str, Any], out_dir: Path, figures: list[Figure]) -> Path:
    """Write ``out_dir/report.md`` from ``bench.json`` data and the plots already written."""
    records = data["combinations"]
    order = ranked(records)
    done = [r for r in order if r["status"] == "ok"]
    axes = axis_keys(records)
    lines = ["# sbkit bench", "", *overview(data), "", "## Ranking", "",
             ("Ranked by sketch+text R@10, on drawn sketches where the catalogue has them, else on sketchifier "
              "sketches (`ranked on`); by sketch-only R@10 for a catalogue without captions."), "",
             table(ranking_rows(records), ["#", *axes, "ranked on", "sketch+text R@10", "sketch+text mAP",
                                           "sketch R@10", "text R@10", "status", "reused", "run"]), ""]
    if done:
        lines += ["## Metrics by query mode", ""]
        for mode, source in present_modes(done):
            rows = [{"#": i, "combination": r["slug"], **{k: metric(r, mode, source, k) for k in METRICS}}
                    for i, r in enumerate(done, 1)]
            lines += [f"### {mode_label(mode, source)}", "", table(rows, ["#", "combination", *METRICS]), ""]
        queries = data["bench"].get("latency_queries", 0)
        lines += ["## Speed", "",
                  ("Sketchify: catalogue items per second of the run's sketchify stage (`cached` when the prepared "
                   "sketches came from the cache). Train: median samples/s over epochs. Query: latency of "
                   f"{queries} single random unit queries (top 10) against the run's saved index. Wall: the whole "
                   "run, end to end."), "",
                  table([{"#": i, "combination": r["slug"], **speed_cells(r), "reused": reused_text(r)}
                         for i, r in enumerate(done, 1)], ["#", "combination", *SPEED_COLUMNS, "reused"]), ""]
    failed = [r for r in order if r["status"] == "failed"]
    if failed:
        lines += ["## Failed combinations", "",
                  "Rerunning the bench runs these again; the traceback is in each run folder's `error.txt`.", "",
                  table([{"combination": r["slug"], "error": r.get("error", "")} for r in failed],
                        ["combination", "error"]), ""]
    if figures:
        lines += ["## Plots", ""]
        for figure in figures:
            lines += [f"![{figure.title}]({figure.path})", "", figure.caption, ""]
    probes = [r for r in done if r.get("probe_figures")]
    if probes:
        lines += ["## Probes", ""]
        for record in probes:
            lines += [f"### {record['slug']}", ""]
            lines += [f"![{Path(p).stem}]({p})\n" for p in record["probe_figures"]]
    return atomic_write_text(out_dir / "report.md", "\n".join(lines).rstrip() + "\n")
