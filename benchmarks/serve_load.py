"""Load on `sbkit serve` over loopback beside the same queries through the Python API, measured in the same run.

For each number of clients (default 1, 4 and 16) every client sends its share of the queries one after
another on its own keep-alive connection, all clients at once. API and server bursts take turns
(--rounds), so that load from other processes on a shared machine falls on both alike. Reported per client count: p50 and p95
latency, throughput, errors (any answer but 200), and the same queries through ``Retriever.search`` in
this process with as many threads; the server's overhead is the ratio of the two p50s.

    python benchmarks/serve_load.py runs/demo --clients 1,4,16 --queries 200 --out runs/serve_load.json

The queries are the gallery's drawn sketches with their captions, in the sketch+text mode unless --mode
says otherwise. Each drawing is scaled to the page's 512 px canvas (--side) and sent as a multipart PNG
upload, as the page sends it; the Python API gets the same PNG bytes and decodes them the same way. The
server runs as `sbkit serve` in a child process with the same torch threads per search as the API baseline
here. The HTTP clients run in a process of their own, each thread sending prebuilt requests over a raw
keep-alive socket and reading the answers whole (they are parsed only after the burst), so the load generator
takes as little of the shared cores as it can; the CPU time it does take is reported per query. With
--api-workers N the API side's searches run on a pool of N threads, as the server's --workers do, so that both
sides do the same work under the same concurrency.
"""

from __future__ import annotations

import argparse
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

import multiprocessing
import resource

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
    import cv2

    from sbkit.data.images import read_sketch
    from sbkit.io import encode_png

    return encode_png(cv2.resize(read_sketch(path), (side, side), interpolation=cv2.INTER_LINEAR))


def load_queries(retriever, count: int, mode: str, k: int, side: int) -> list[dict[str, Any]]:
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


def burst(clients: int, queries: list[Any], one_client) -> tuple[list[float], int, float]:
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


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def compare(clients: int, count: int, run_api, run_server, rounds: int) -> dict[str, Any]:
    """API and server bursts in turn, ``rounds`` times each over a share of the ``count`` queries, so that load
    from other processes falls on both alike; the summaries pool every round.

    Besides latency, the CPU time each side spent per query: the API's process; the server process and the
    client process. CPU time moves far less than latency when other jobs share the cores."""
    api: list = [[], 0, 0.0]
    served: list = [[], 0, 0.0]
    cpu = {"api": 0.0, "server": 0.0, "client": 0.0}
    stages: list[tuple[float, float]] = []
    for part in range(rounds):
        picked = list(range(part, count, rounds))
        latencies, errors, wall, cpu_api = run_api(clients, picked)
        api[0] += latencies
        api[1] += errors
        api[2] += wall
        cpu["api"] += cpu_api
        latencies, errors, wall, cpu_server, cpu_client, timed = run_server(clients, picked)
        served[0] += latencies
        served[1] += errors
        served[2] += wall
        cpu["server"] += cpu_server
        cpu["client"] += cpu_client
        stages += timed
    per_query = {side: round(seconds * 1000 / max(1, len(served[0])), 3) for side, seconds in cpu.items()}
    return {"api": summary(clients, *api), "server": summary(clients, *served),
            "cpu_ms_per_query": per_query,
            "cpu_ratio": round((per_query["server"] + per_query["client"]) / per_query["api"], 3),
            "server_search_p50_ms": round(percentile([total for _, total in stages], 50), 2) if stages else None,
            "outside_search_p50_ms": round(percentile([rtt - total for rtt, total in stages], 50), 3) if stages
            else None}


def http_request(port: int, body: bytes, content_type: str) -> bytes:
    """The whole HTTP/1.1 request for one query, built once, so a client only sends bytes and reads the answer."""
    head = (f"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class Connection:
    """One keep-alive HTTP/1.1 connection over loopback: sends a prepared request, reads the status and body.

    A deliberately small client (no header objects, no body decoding while timed), so that the load generator
    costs the two shared cores as little as possible; what it costs is measured and reported.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.pending = b""

    def open(self) -> None:
        self.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.pending = None, b""

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.open()
        sock = self.sock
        sock.sendall(request)
        data = self.pending
        while (end := data.find(b"\r\n\r\n")) < 0:
            data += self._recv()
        head = data[:end].decode("latin-1").lower()
        status = int(head.split(" ", 2)[1])
        length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
        stop = end + 4 + length
        while len(data) < stop:
            data += self._recv()
        self.pending = data[stop:]
        if "connection: close" in head:
            self.close()
        return status, data[end + 4:stop]

    def _recv(self) -> bytes:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk


def http_client(port: int, answers: list[tuple[float, bytes]]):
    def one_client(share: list[bytes], barrier: threading.Barrier) -> tuple[list[float], int]:
        connection = Connection(port)
        connection.open()
        latencies, errors = [], 0
        barrier.wait()
        for request in share:
            start = time.perf_counter()
            try:
                status, data = connection.exchange(request)
            except (OSError, ValueError, IndexError):
                connection.close()
                status, data = 0, b""
            latencies.append((time.perf_counter() - start) * 1000)
            if status == 200:
                answers.append((latencies[-1], data))
            else:
                errors += 1
        connection.close()
        return latencies, errors

    return one_client


def client_process(port: int, requests: list[bytes], pipe) -> None:
    """The load generator's own process: runs each burst it is sent and answers with the figures and its CPU time."""
    while (order := pipe.recv()) is not None:
        clients, picked = order
        answers: list[tuple[float, bytes]] = []
        before = own_cpu()
        latencies, errors, wall = burst(clients, [requests[i] for i in picked], http_client(port, answers))
        cpu = own_cpu() - before
        # Per answer: the search stages the server timed, and the round trip less those (HTTP, parsing, hand-offs).
        stages = [(latency, json.loads(data)["timings_ms"]["total"]) for latency, data in answers]
        pipe.send((latencies, errors, wall, cpu, stages))


def api_client(retriever, mode: str, k: int, threads: int, pool: ThreadPoolExecutor | None = None):
    """Each client calls ``Retriever.search`` itself, or hands it to ``pool`` and waits, as the server does."""
    import torch

    def search(query: dict[str, Any]) -> None:
        retriever.search(sketch=query["sketch"], text=query["text"], k=k, mode=mode)

    def one_client(share: list[dict[str, Any]], barrier: threading.Barrier) -> tuple[list[float], int]:
        torch.set_num_threads(threads)  # per OS thread, as the server's search workers do
        latencies, errors = [], 0
        barrier.wait()
        for query in share:
            start = time.perf_counter()
            try:
                search(query) if pool is None else pool.submit(search, query).result()
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
    parser.add_argument("--api-workers", type=int, default=0, help="run the API side's searches on a pool of this "
                        "many threads, as the server does (0: each client thread calls search itself)")
    parser.add_argument("--rounds", type=int, default=4, help="API and server bursts taken in turn")
    parser.add_argument("--out", type=Path, default=Path("runs/serve_load.json"), help="JSON results file")
    args = parser.parse_args()

    import torch
    from rich.console import Console
    from rich.table import Table

    from sbkit.io import atomic_write_json
    from sbkit.retrieval.retriever import Retriever

    threads = args.threads or max(1, (os.cpu_count() or 1) // args.workers)
    torch.set_num_threads(threads)
    clients = [int(c) for c in args.clients.split(",") if c.strip()]

    retriever = Retriever.from_run(args.run_dir)
    queries = load_queries(retriever, args.queries, args.mode, args.k, args.side)
    port = free_port()
    server = start_server(args.run_dir, port, args.workers, threads)
    requests = [http_request(port, query["body"], query["content_type"]) for query in queries]
    pipe, child_end = multiprocessing.Pipe()
    load = multiprocessing.get_context("spawn").Process(target=client_process, args=(port, requests, child_end),
                                                        daemon=True)
    load.start()

    def run_server(count: int, picked: list[int]) -> tuple:
        before = process_cpu(server.pid)
        pipe.send((count, picked))
        latencies, errors, wall, cpu_client, stages = pipe.recv()
        return latencies, errors, wall, process_cpu(server.pid) - before, cpu_client, stages

    pool = ThreadPoolExecutor(args.api_workers, initializer=torch.set_num_threads,
                              initargs=(threads,)) if args.api_workers else None

    def run_api(count: int, picked: list[int]) -> tuple:
        before = own_cpu()
        latencies, errors, wall = burst(count, [queries[i] for i in picked],
                                        api_client(retriever, args.mode, args.k, threads, pool))
        return latencies, errors, wall, own_cpu() - before

    rows = []
    try:
        warm = list(range(min(8, len(queries))))
        run_api(1, warm)
        run_server(1, warm)
        for count in clients:
            row = compare(count, len(queries), run_api, run_server, max(1, min(args.rounds, len(queries) // count)))
            served, api = row["server"], row["api"]
            rows.append({"clients": count, **row, "overhead_p50": round(served["p50_ms"] / api["p50_ms"], 3),
                         "throughput_ratio": round(served["throughput_qps"] / api["throughput_qps"], 3)})
    finally:
        if pool is not None:
            pool.shutdown()
        pipe.send(None)
        load.join(10)
        server.terminate()
        server.wait(10)

    report = {"run": str(args.run_dir), "mode": args.mode, "k": args.k, "queries": args.queries, "side": args.side,
              "rounds": args.rounds, "api_workers": args.api_workers, "load_average": os.getloadavg(),
              "gallery": len(retriever), "workers": args.workers, "torch_threads": threads,
              "encoder": retriever.run.config.encoder.name, "cpus": os.cpu_count(), "python": platform.python_version(),
              "torch": torch.__version__, "results": rows}
    atomic_write_json(args.out, report)
    table = Table(title=f"sbkit serve under load: {args.mode}, {len(retriever)} items, {args.workers} workers x "
                  f"{threads} torch threads, {os.cpu_count()} CPUs")
    for column in ("clients", "server p50 ms", "server p95 ms", "server q/s", "errors", "API p50 ms", "API p95 ms",
                   "API q/s", "p50 ratio", "outside search ms", "CPU ms/q API", "server", "client",
                   "CPU ratio"):
        table.add_column(column, justify="right")
    for row in rows:
        s, a = row["server"], row["api"]
        table.add_row(str(row["clients"]), f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['throughput_qps']:.1f}",
                      str(s["errors"]), f"{a['p50_ms']:.1f}", f"{a['p95_ms']:.1f}", f"{a['throughput_qps']:.1f}",
                      f"{row['overhead_p50']:.2f}x", f"{row['outside_search_p50_ms']:.2f}",
                      *(f"{row['cpu_ms_per_query'][side]:.2f}" for side in
                                                       ("api", "server", "client")), f"{row['cpu_ratio']:.2f}x")
    Console(width=190).print(table)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; wrote {args.out}")


if __name__ == "__main__":
    main()
