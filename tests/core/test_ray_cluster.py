"""Choosing the engine: unknown names and stray addresses refused, a missing Ray named with its install command."""

from __future__ import annotations

import socket
import sys

import pytest

from sbkit.errors import ConfigError
from sbkit.ray_cluster import check_engine, check_reachable


def test_unknown_engine_and_address_without_ray_are_refused():
    with pytest.raises(ConfigError, match="local, ray.*'spark'"):
        check_engine("spark")
    with pytest.raises(ConfigError, match="--address 10.0.0.1:6379 .* pass --engine ray"):
        check_engine("local", "10.0.0.1:6379")
    check_engine("local")


def test_missing_ray_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(ConfigError, match=r"pip install 'sbkit\[ray\]'"):
        check_engine("ray")


def test_cli_without_ray_fails_before_any_work(monkeypatch, tmp_path):
    import typer
    from typer.testing import CliRunner

    from sbkit.cli.sketchify import register

    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps ``sketchify`` a subcommand."""

    register(app)
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.png").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "ray", None)
    result = CliRunner().invoke(app, ["sketchify", str(tmp_path / "photos"), "--out", str(tmp_path / "out"),
                                      "--engine", "ray"])
    assert result.exit_code == 2 and "pip install 'sbkit[ray]'" in result.output
    assert not (tmp_path / "out").exists()


def test_a_cluster_address_where_nothing_answers_is_refused_at_once():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        check_reachable(f"127.0.0.1:{port}")  # something answers
    with pytest.raises(ConfigError, match=f"nothing answers at the Ray cluster address 127.0.0.1:{port}"):
        check_reachable(f"127.0.0.1:{port}")
    for left_to_ray in (None, "auto", "local", "ray://head:10001"):
        check_reachable(left_to_ray)
