"""Load on `sbkit serve` over loopback beside the same queries through the Python API, measured in the same run.

For each number of clients (default 1, 4 and 16) every client sends its share of the queries one after
another on its own keep-alive connection, all clients at once. API and server bursts take turns
(--rounds), so that load from other processes on a shared machine falls on both alike. Reported per client count: p50 and p95
latency, throughput, errors (any answer but 200), and the same queries through ``Retriever.search`` in
this process with as many threads; the server's overhead is the ratio of the two p50s.

    python benchmarks/serve_load.py runs/demo --clients 1,4,16 --queries 200 --out serve_load.json

The queries are the gallery's drawn sketches with their captions, in the sketch+text mode unless --mode
says otherwise. Each drawing is scaled to the page's 512 px canvas (--side) and sent as a PNG upload, as
the page sends it; the Python API gets the same PNG bytes. The server runs as `sbkit serve` in a child process
with the same torch threads per search as the API baseline here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import torch
from rich.console import Console
from rich.table import Table

from sbkit.io import atomic_write_json
from sbkit.retrieval.retriever import Retriever

STARTUP_SECONDS = 120


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def multipart_body(sketch: bytes | None, fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type, built once per query."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if sketch is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="sketch"; filename="d.png"\r\n'
                     f"Content-Type: image/png\r\n\r\n".encode() + sketch + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def canvas_png(path: Path, side: int) -> bytes:
    """The drawing at ``side`` px, as the page's canvas would send it (``side`` 0: the file as it is)."""
    if not side:
        return path.read_bytes()
    from sbkit.data.images import read_sketch
    from sbkit.io import encode_png

    return encode_png(cv2.resize(read_sketch(path), (side, side), interpolation=cv2.INTER_LINEAR))


def load_queries(retriever: Retriever, count: int, mode: str, k: int, side: int) -> list[dict[str, Any]]:
    """``count`` queries cycling over the gallery items that have a drawn sketch."""
    items = [retriever.item(i) for i in retriever.index.ids]
    drawn = [item for item in items if item is not None and item.sketch is not None and item.caption]
    if not drawn:
        raise SystemExit("the gallery has no drawn sketches to query with; use a demo run (sbkit run --out DIR)")
    queries = []
    for n in range(count):
        item = drawn[n % len(drawn)]
        sketch = canvas_png(item.sketch, side) if mode != "text" else None
        text = item.caption if mode != "sketch" else None
        fields = {"mode": mode, "k": str(k), **({"text": text} if text else {})}
        body, content_type = multipart_body(sketch, fields)
        queries.append({"sketch": sketch, "text": text, "body": body, "content_type": content_type})
    return queries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(run_dir: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "sbkit", "serve", str(run_dir), "--port", str(port), "--workers", str(workers),
               "--threads", str(threads)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sbkit serve exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"sbkit serve did not answer within {STARTUP_SECONDS} s")


def burst(clients: int, queries: list[dict[str, Any]], one_client) -> tuple[list[float], int, float]:
    """Split ``queries`` over ``clients`` threads that start together: latencies (ms), errors, wall seconds."""
    shares = [queries[c::clients] for c in range(clients)]
    barrier = threading.Barrier(clients + 1)
    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(one_client, share, barrier) for share in shares]
        barrier.wait()
        start = time.perf_counter()
        results = [future.result() for future in futures]
        wall = time.perf_counter() - start
    return [ms for latency, _ in results for ms in latency], sum(err for _, err in results), wall


def summary(clients: int, latencies: list[float], errors: int, wall: float) -> dict[str, Any]:
    return {"clients": clients, "queries": len(latencies), "errors": errors, "wall_s": round(wall, 3),
            "p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
            "mean_ms": round(statistics.fmean(latencies), 2), "throughput_qps": round(len(latencies) / wall, 1)}


def compare(clients: int, queries: list[dict[str, Any]], api_one, server_one, rounds: int) -> tuple[dict, dict]:
    """API and server bursts in turn, ``rounds`` times each over a share of ``queries``, so that load from
    other processes falls on both alike; the summaries pool every round."""
    pooled: dict[str, list] = {"api": [[], 0, 0.0], "server": [[], 0, 0.0]}
    for part in range(rounds):
        share = queries[part::rounds]
        for name, one_client in (("api", api_one), ("server", server_one)):
            latencies, errors, wall = burst(clients, share, one_client)
            pooled[name][0] += latencies
            pooled[name][1] += errors
            pooled[name][2] += wall
    return summary(clients, *pooled["api"]), summary(clients, *pooled["server"])


def http_client(port: int, server_ms: list[float]):
    def one_client(share: list[dict[str, Any]], barrier: threading.Barrier) -> tuple[list[float], int]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()
        latencies, errors = [], 0
        barrier.wait()
        for query in share:
            start = time.perf_counter()
            try:
                connection.request("POST", "/api/search", body=query["body"],
                                   headers={"Content-Type": query["content_type"]})
                answer = connection.getresponse()
                data = answer.read()
                ok = answer.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok, data = False, b""
            latencies.append((time.perf_counter() - start) * 1000)
            if ok:
                server_ms.append(json.loads(data)["timings_ms"]["total"])
            else:
                errors += 1
        connection.close()
        return latencies, errors

    return one_client


def api_client(retriever: Retriever, mode: str, k: int, threads: int):
    def one_client(share: list[dict[str, Any]], barrier: threading.Barrier) -> tuple[list[float], int]:
        torch.set_num_threads(threads)  # per OS thread, as the server's search workers do
        latencies, errors = [], 0
        barrier.wait()
        for query in share:
            start = time.perf_counter()
            try:
                retriever.search(sketch=query["sketch"], text=query["text"], k=k, mode=mode)
            except Exception:  # noqa: BLE001 - counted, like the server's errors
                errors += 1
            latencies.append((time.perf_counter() - start) * 1000)
        return latencies, errors

    return one_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="a run folder written by `sbkit run`")
    parser.add_argument("--clients", default="1,4,16", help="comma-separated client counts")
    parser.add_argument("--queries", type=int, default=200, help="queries per client count")
    parser.add_argument("--mode", default="sketch+text", choices=["sketch+text", "sketch", "text"])
    parser.add_argument("-k", type=int, default=12)
    parser.add_argument("--side", type=int, default=512, help="scale drawings to this canvas side (0: as they are)")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), help="server search threads")
    parser.add_argument("--threads", type=int, default=0, help="torch threads per search [CPU cores / workers]")
    parser.add_argument("--rounds", type=int, default=4, help="API and server bursts taken in turn")
    parser.add_argument("--out", type=Path, default=Path("serve_load.json"))
    args = parser.parse_args()
    threads = args.threads or max(1, (os.cpu_count() or 1) // args.workers)
    torch.set_num_threads(threads)
    clients = [int(c) for c in args.clients.split(",") if c.strip()]

    retriever = Retriever.from_run(args.run_dir)
    queries = load_queries(retriever, args.queries, args.mode, args.k, args.side)
    port = free_port()
    server = start_server(args.run_dir, port, args.workers, threads)
    rows = []
    try:
        warm = queries[: min(8, len(queries))]
        burst(1, warm, api_client(retriever, args.mode, args.k, threads))
        burst(1, warm, http_client(port, []))
        for count in clients:
            server_ms: list[float] = []
            api, served = compare(count, queries, api_client(retriever, args.mode, args.k, threads),
                                  http_client(port, server_ms), max(1, min(args.rounds, len(queries) // count)))
            rows.append({"clients": count, "server": served, "api": api,
                         "server_search_p50_ms": round(percentile(server_ms, 50), 2) if server_ms else None,
                         "overhead_p50": round(served["p50_ms"] / api["p50_ms"], 3),
                         "throughput_ratio": round(served["throughput_qps"] / api["throughput_qps"], 3)})
    finally:
        server.terminate()
        server.wait(10)

    report = {"run": str(args.run_dir), "mode": args.mode, "k": args.k, "queries": args.queries, "side": args.side,
              "rounds": args.rounds,
              "gallery": len(retriever), "workers": args.workers, "torch_threads": threads,
              "encoder": retriever.run.config.encoder.name, "cpus": os.cpu_count(), "python": platform.python_version(),
              "torch": torch.__version__, "results": rows}
    atomic_write_json(args.out, report)
    table = Table(title=f"sbkit serve under load: {args.mode}, {len(retriever)} items, {args.workers} workers x "
                  f"{threads} torch threads, {os.cpu_count()} CPUs")
    for column in ("clients", "server p50 ms", "server p95 ms", "server q/s", "errors", "API p50 ms", "API p95 ms",
                   "API q/s", "p50 ratio"):
        table.add_column(column, justify="right")
    for row in rows:
        s, a = row["server"], row["api"]
        table.add_row(str(row["clients"]), f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['throughput_qps']:.1f}",
                      str(s["errors"]), f"{a['p50_ms']:.1f}", f"{a['p95_ms']:.1f}", f"{a['throughput_qps']:.1f}",
                      f"{row['overhead_p50']:.2f}x")
    Console(width=140).print(table)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
