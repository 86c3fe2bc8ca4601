"""``report.html``: one self-contained page (inline CSS and script, plots as base64 PNG) with a sortable table."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from sbkit.bench.figures import Figure
from sbkit.bench.report_md import overview
from sbkit.bench.summary import (METRICS, SPEED_COLUMNS, axis_keys, headline_mode, headline_source, metric,
                                 mode_label, present_modes, ranked, reused_text, speed_cells, speed_values)
from sbkit.io import atomic_write_text

LOWER_IS_BETTER = {"query p50 ms", "query p95 ms", "wall s"}
MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;margin:0;background:#f6f7f9}
main{max-width:1280px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e3e6eb;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#667085;margin:0 0 12px}ul.overview{padding-left:18px;margin:8px 0}
.scroll{overflow-x:auto;border:1px solid #e3e6eb;border-radius:6px}
table{border-collapse:collapse;font-size:13px;white-space:nowrap;width:100%}
th,td{padding:5px 9px;border-bottom:1px solid #eceef2}thead th{background:#f0f2f5;position:sticky;top:0}
thead tr:first-child th{border-bottom:1px solid #d5d9e0}th.group{text-align:center;border-left:1px solid #d5d9e0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.first,th.first{border-left:1px solid #d5d9e0}
th[data-col]{cursor:pointer;user-select:none}th[data-col]:hover{background:#e4e8ee}
th[data-dir=asc]::after{content:" \\25B2";font-size:9px}th[data-dir=desc]::after{content:" \\25BC";font-size:9px}
tbody tr:nth-child(even){background:#fafbfc}tbody tr:hover{background:#f1f6ff}
td.best{font-weight:700;background:#e7f6ec}td.head{font-weight:600}
.failed{color:#b42318}.pending{color:#667085}.tag{font-size:11px;padding:1px 6px;border-radius:9px;background:#eef1f5}
.tag.ok{background:#e7f6ec;color:#146c2e}.tag.failed{background:#fdecea}
figure{margin:14px 0 22px}figure img{max-width:100%;border:1px solid #eceef2;border-radius:4px}
figcaption{color:#667085;font-size:12px;margin-top:4px}code,pre{font:12px ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f7f9;padding:8px;border-radius:4px;white-space:pre-wrap;margin:4px 0}
details{margin:4px 0}summary{cursor:pointer}.probes figure{margin:10px 0 18px}
figure.half{display:inline-block;width:48.5%;vertical-align:top;margin-right:1%}
"""

SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th[data-col]").forEach(function (th) {
    th.addEventListener("click", function () {
      var col = +th.dataset.col, body = table.tBodies[0];
      var desc = th.dataset.dir !== "desc";
      table.querySelectorAll("th[data-col]").forEach(function (h) { delete h.dataset.dir; });
      th.dataset.dir = desc ? "desc" : "asc";
      function key(row) {
        var v = row.cells[col].dataset.v;
        if (v === undefined || v === "") return null;
        return isNaN(+v) ? v.toLowerCase() : +v;
      }
      Array.prototype.slice.call(body.rows).sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null) return y === null ? 0 : 1;
        if (y === null) return -1;
        return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
      }).forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def data_uri(path: Path) -> str:
    """The file as a ``data:`` URI, so the page needs no other file."""
    mime = MIME.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _cell(text: str, value: Any = None, classes: str = "") -> str:
    sort = "" if value is None else f' data-v="{escape(str(value))}"'
    return f'<td class="{classes}"{sort}>{escape(text)}</td>' if classes else f"<td{sort}>{escape(text)}</td>"


@dataclass(frozen=True)
class Column:
    """One table column: its group header, label, and how to read a record (sort value, shown text)."""

    group: str
    label: str
    read: Callable[[dict[str, Any]], tuple[Any, str]]
    lower_is_better: bool | None = None  # None: no best value is shaded
    first: bool = False  # first column of its group (draws a divider)


def _best(values: list[Any], lower: bool) -> float | None:
    present = [v for v in values if isinstance(v, (int, float))]
    if len(present) < 2 or min(present) == max(present):
        return None  # nothing stands out
    return min(present) if lower else max(present)


def _metric_column(mode: str, source: str, key: str, first: bool) -> Column:
    def read(record: dict[str, Any]) -> tuple[Any, str]:
        value = metric(record, mode, source, key)
        return value, "" if value is None else f"{value:.3f}"

    return Column(mode_label(mode, source), key, read, lower_is_better=False, first=first)


def _speed_column(key: str, first: bool) -> Column:
    # sketchify figures are not shaded: a cached stage would always look best
    shade = None if key.startswith("sketchify") else key in LOWER_IS_BETTER
    return Column("speed", key, lambda r: (speed_values(r)[key], speed_cells(r)[key]), lower_is_better=shade,
                  first=first)


def _table(records: list[dict[str, Any]], columns: list[Column], emphasis: Callable[[dict, Column], bool],
           reused: bool) -> str:
    """A sortable table of ``records`` in rank order: rank, grid axes, ``columns``, (reused stages) and status."""
    order = ranked(records)
    done = [r for r in order if r["status"] == "ok"]
    axes = axis_keys(records)
    top = ['<th rowspan="2" data-col="0" class="num">#</th>']
    top += [f'<th rowspan="2" data-col="{i}">{escape(key)}</th>' for i, key in enumerate(axes, 1)]
    sub = []
    for group in dict.fromkeys(c.group for c in columns):
        members = [c for c in columns if c.group == group]
        top.append(f'<th colspan="{len(members)}" class="group">{escape(group)}</th>')
    for i, column in enumerate(columns, 1 + len(axes)):
        sub.append(f'<th data-col="{i}" class="num{" first" if column.first else ""}">{escape(column.label)}</th>')
    last = 1 + len(axes) + len(columns)
    if reused:
        top.append(f'<th rowspan="2" data-col="{last}">reused</th>')
    top.append(f'<th rowspan="2" data-col="{last + int(reused)}">status</th>')
    best = {id(c): None if c.lower_is_better is None else _best([c.read(r)[0] for r in done], c.lower_is_better)
            for c in columns}
    body = []
    for rank, record in enumerate(order, 1):
        ok = record["status"] == "ok"
        values = record.get("values", {})
        cells = [_cell(str(rank) if ok else "", rank, "num")]
        cells += [_cell(values.get(key, ""), values.get(key, "")) for key in axes]
        for column in columns:
            value, text = column.read(record)
            classes = ["num"] + (["first"] if column.first else [])
            classes += ["best"] if ok and value is not None and value == best[id(column)] else []
            classes += ["head"] if ok and emphasis(record, column) else []
            cells.append(_cell(text, value, " ".join(classes)))
        if reused:
            cells.append(_cell(reused_text(record), reused_text(record)))
        status = record["status"]
        title = f' title="{escape(record.get("error") or "")}"' if status == "failed" else ""
        cells.append(f'<td data-v="{status}"><span class="tag {status}"{title}>{status}</span></td>')
        body.append(f'<tr class="{"" if ok else status}">' + "".join(cells) + "</tr>")
    return ('<div class="scroll"><table class="sortable"><thead><tr>' + "".join(top) + "</tr><tr>" + "".join(sub)
            + "</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table></div>")


def ranking_table(records: list[dict[str, Any]]) -> str:
    """Rank, grid axes, then R@1, R@10 and mAP for every query mode and sketch source."""
    columns = [_metric_column(m, s, key, i == 0) for m, s in present_modes(records) for i, key in enumerate(METRICS)]

    def headline_cell(record: dict[str, Any], column: Column) -> bool:
        ranked_on = mode_label(headline_mode(record), headline_source(record) or "")
        return column.label == "R@10" and column.group == ranked_on

    return _table(records, columns, headline_cell, reused=False)


def speed_table(records: list[dict[str, Any]]) -> str:
    """Rank, grid axes, then the speed figures."""
    return _table(records, [_speed_column(key, i == 0) for i, key in enumerate(SPEED_COLUMNS)],
                  lambda record, column: False, reused=True)


def _figures(figures: list[Figure], out_dir: Path) -> list[str]:
    parts = []
    for figure in figures:
        path = out_dir / figure.path
        if path.is_file():
            half = ' class="half"' if "recall_at_k" in figure.path else ""  # the curves sit side by side
            parts.append(f'<figure{half}><img src="{data_uri(path)}" alt="{escape(figure.title)}">'
                         f"<figcaption>{escape(figure.title)}. {escape(figure.caption)}</figcaption></figure>")
    return parts


def _probes(records: list[dict[str, Any]], out_dir: Path) -> list[str]:
    parts = []
    for record in records:
        images = [p for p in record.get("probe_figures", []) if (out_dir / p).is_file()]
        if not images:
            continue
        opened = " open" if not parts else ""  # the first combination's pictures show, the others fold
        parts.append(f'<details class="probes"{opened}><summary><code>{escape(record["slug"])}</code>: '
                     f"{len(images)} probe pictures</summary>")
        parts += [f'<figure><img src="{data_uri(out_dir / p)}" alt="{escape(Path(p).stem)}">'
                  f"<figcaption>{escape(p)}</figcaption></figure>" for p in images]
        parts.append("</details>")
    return parts


def write_html(data: dict[str, Any], out_dir: Path, figures: list[Figure]) -> Path:
    """Write ``out_dir/report.html`` from ``bench.json`` data; every plot and probe figure is embedded."""
    records = data["combinations"]
    order = ranked(records)
    queries = data["bench"].get("latency_queries", 0)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>sbkit bench: {len(records)} combinations</title><style>{CSS}</style></head><body><main>",
        "<h1>sbkit bench</h1>",
        (f'<p class="meta">Written {datetime.now().isoformat(timespec="seconds")} from '
         f"<code>{escape(str(out_dir / 'bench.json'))}</code>.</p>"),
        '<ul class="overview">' + "".join(f"<li>{escape(line)}</li>" for line in overview(data)) + "</ul>",
        "<h2>Ranking</h2>",
        ("<p>Ranked by sketch+text R@10 on drawn sketches where the catalogue has them, else on sketchifier "
         "sketches (sketch-only R@10 for a catalogue without captions; that cell is in bold type); the best value "
         "of each column is shaded. Click a column header to sort.</p>"),
        ranking_table(records),
        "<h2>Speed</h2>",
        (f"<p>Sketchify: catalogue items per second of the run's sketchify stage (<em>cached</em> when the "
         f"prepared sketches were reused). Train: median samples/s over epochs. Query: latency of {queries} single "
         "random unit queries (top 10) against the run's saved index. Wall: the whole run, end to end. Rows in "
         "rank order.</p>"),
        speed_table(records),
    ]
    failed = [r for r in order if r["status"] == "failed"]
    if failed:
        parts.append("<h2>Failed combinations</h2><p>Rerunning the bench runs these again; each run folder's "
                     "<code>error.txt</code> holds the traceback.</p>")
        parts += [f'<h3 class="failed">{escape(r["slug"])}</h3><pre>{escape(r.get("error") or "")}</pre>'
                  for r in failed]
    plots = _figures(figures, out_dir)
    if plots:
        parts += ["<h2>Plots</h2>", *plots]
    probes = _probes([r for r in order if r["status"] == "ok"], out_dir)
    if probes:
        parts += ["<h2>Probes</h2>", *probes]
    parts.append("<h2>Combinations</h2>")
    for record in order:
        link = (f' &middot; <a href="{escape(record["run_dir"])}/report.md">run report</a>'
                if record["status"] == "ok" else "")
        parts.append(f"<details><summary><code>{escape(record['slug'])}</code> &middot; {escape(record['status'])}"
                     f"{link}</summary><pre>{escape(json.dumps(record.get('config', {}), indent=1))}</pre></details>")
    parts += [f"</main><script>{SCRIPT}</script></body></html>"]
    return atomic_write_text(out_dir / "report.html", "\n".join(parts) + "\n")
