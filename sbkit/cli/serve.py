"""``sbkit serve``: the drawing page and the REST API for a run folder, with the model and index loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import typer

SERVE_HELP = ("Serve a drawing page and a REST API for the gallery of RUN_DIR (a folder written by `sbkit run`).\n\n"
              "Open the printed address in a browser and draw: results update after each stroke. The API is "
              "documented by its OpenAPI schema at /openapi.json: POST /api/search, GET "
              "/api/items/{id}/image and /thumbnail, GET /api/health and /api/info.\n\n"
              "The server binds 127.0.0.1 unless --host says otherwise; CORS is off unless --cors-origin names "
              "the sites whose pages may call it.")

# A web origin as browsers send it: scheme://host[:port], no path; or * for any page.
ORIGIN = r"\*|https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?"


def check_origins(origins: list[str]) -> None:
    """Fail with one line when a ``--cors-origin`` is not an origin (a browser would never match it)."""
    import re

    from sbkit.errors import ConfigError

    for origin in origins:
        if not re.fullmatch(ORIGIN, origin):
            raise ConfigError(f"--cors-origin {origin!r} is not a web origin; give scheme://host[:port] with no "
                              "path or trailing slash, e.g. https://shop.example or http://localhost:3000 (or * for "
                              "any page)")


def check_free(host: str, port: int) -> None:
    """Fail with one line before loading anything when ``host:port`` cannot be listened on."""
    import socket

    from sbkit.errors import ConfigError

    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ConfigError(f"--host {host!r} is not an address of this machine; use 127.0.0.1, or 0.0.0.0 for "
                          "every interface") from None
    try:
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --port, or stop "
                          "the program that holds it") from None


def _log_to_console() -> None:
    """Show the server's own log lines (a failed request, a client that hung up) on stderr, one line each."""
    import logging

    log = logging.getLogger("sbkit.serve")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("sbkit serve: %(levelname)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def serve_command(
    run_dir: Path = typer.Argument(..., help="A run folder written by `sbkit run`."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 0.0.0.0 opens it to the network."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    index: Path = typer.Option(None, "--index", help="An index folder made by `sbkit index build` for this run.",
                               show_default="RUN_DIR/index, the run's test gallery"),
    data: str = typer.Option(None, "--data", help="The catalogue the index holds, for photos and captions.",
                             show_default="the one recorded with the index"),
    device: str = typer.Option("cpu", "--device", help="auto, cpu or cuda[:N]."),
    workers: int = typer.Option(min(4, os.cpu_count() or 1), "--workers", min=1,
                                help="Threads that run searches side by side (default: the CPU "
                                "cores, at most 4)."),
    threads: int = typer.Option(0, "--threads", min=0, help="Torch threads per search; 0 means CPU cores / "
                                "--workers, at least 1."),
    max_searches: int = typer.Option(32, "--max-searches", min=1, help="Searches admitted at once (running or "
                                     "waiting); more get 503 until one finishes."),
    max_upload_mb: float = typer.Option(8.0, "--max-upload-mb", min=0.01, help="Largest request body in MiB; "
                                        "larger ones get 413 before they are read."),
    max_pixels: int = typer.Option(16_000_000, "--max-pixels", min=4, help="Largest drawing in pixels (width x "
                                   "height), checked from the image header before decoding; larger get 413."),
    cors_origin: list[str] = typer.Option(None, "--cors-origin", help="Allow pages of this origin (e.g. "
                                          "https://shop.example) to call the API; repeat for several. "
                                          "Without it CORS is off."),
) -> None:
    """Serve the drawing page and the API (see `sbkit serve --help`)."""
    import torch

    from sbkit.component_spec import import_extra

    for module in ("fastapi", "uvicorn"):
        import_extra(module, "sbkit[serve]", "sbkit serve")
    import uvicorn

    from sbkit.console_text import shown as shown_text
    from sbkit.progress import console
    from sbkit.retrieval.retriever import Retriever
    from sbkit.serve import ServeOptions, create_app

    check_origins(cors_origin or [])
    check_free(host, port)
    _log_to_console()
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    torch.set_num_threads(threads)
    retriever = Retriever.from_run(run_dir, index=index, data=data, device=device)
    for problem in retriever.gallery.problems if retriever.gallery is not None else []:
        console.print(f"[yellow]note:[/yellow] photos and captions unavailable for {shown_text(problem)}",
                      highlight=False)
    options = ServeOptions(max_upload_bytes=int(max_upload_mb * 1024 * 1024), max_pixels=max_pixels,
                           max_searches=max_searches, workers=workers, threads=threads,
                           cors_origins=list(cors_origin or []))
    app = create_app(retriever, options)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host

    async def announce() -> None:
        for listener in server.servers:
            for sock in listener.sockets:
                bound = sock.getsockname()[1]
                console.print(f"sbkit serve: [bold]http://{shown}:{bound}/[/bold]  ({len(retriever)} items from "
                              f"{retriever.index_dir}; API schema at /openapi.json; Ctrl+C stops)", highlight=False,
                              soft_wrap=True)
                return

    original_startup = server.startup

    async def startup(sockets=None) -> None:
        await original_startup(sockets=sockets)
        await announce()

    server.startup = startup  # type: ignore[method-assign]
    server.run()


def register(app: typer.Typer) -> None:
    app.command("serve", help=SERVE_HELP)(serve_command)
