"""``sbkit serve`` refuses what it cannot serve with one line, before loading the model."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sbkit.cli.serve import check_origins, register
from sbkit.errors import ConfigError, DataError


def serve(*args: str):
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps ``serve`` a subcommand."""

    register(app)
    return CliRunner().invoke(app, ["serve", *map(str, args)])


def test_a_port_in_use_and_a_bad_host_are_config_errors(run_dir: Path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = serve(run_dir, "--port", port)
    assert isinstance(result.exception, ConfigError) and f"127.0.0.1:{port}" in str(result.exception)
    assert "--port" in str(result.exception)
    result = serve(run_dir, "--host", "no-such-host.invalid")
    assert isinstance(result.exception, ConfigError) and "--host" in str(result.exception)


@pytest.mark.parametrize("origin", ["not a url", "https://shop.example/", "shop.example", "ftp://shop.example",
                                    "https://shop.example/page"])
def test_a_cors_origin_that_is_not_an_origin_is_a_config_error(run_dir: Path, origin: str):
    result = serve(run_dir, "--port", 0, "--cors-origin", "https://ok.example", "--cors-origin", origin)
    assert isinstance(result.exception, ConfigError) and repr(origin) in str(result.exception)


@pytest.mark.parametrize("origin", ["*", "https://shop.example", "http://localhost:3000", "http://[::1]:8000",
                                    "http://127.0.0.1:8080"])
def test_web_origins_pass_the_check(origin: str):
    check_origins([origin])


def test_a_missing_run_folder_is_a_data_error(tmp_path: Path):
    result = serve(tmp_path / "nope", "--port", 0)
    assert isinstance(result.exception, DataError) and "sbkit run" in str(result.exception)


def test_a_data_given_explicitly_that_cannot_load_stops_serve(run_dir: Path, tmp_path: Path):
    result = serve(run_dir, "--port", 0, "--data", tmp_path / "nope")
    assert isinstance(result.exception, DataError)
    assert str(result.exception).startswith(f"--data {tmp_path / 'nope'}")
