"""``sbkit index build --from-shards``: an index from embeddings on disk, with a recall report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from sbkit.cli.index import register as register_index
from sbkit.errors import ConfigError, DataError
from sbkit.retrieval.run_folder import file_sha256, open_index

pytest.importorskip("faiss")
runner = CliRunner()


def invoke(*args):
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps commands as subcommands."""

    register_index(app)
    return runner.invoke(app, [str(a) for a in args])


def unit_rows(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_build_from_npy_shards_reports_recall_and_records_the_model(run_dir: Path, tmp_path: Path):
    shards = tmp_path / "shards"
    shards.mkdir()
    for n in range(3):
        np.save(shards / f"s{n}.npy", unit_rows(400, 32, n))
    np.save(tmp_path / "queries.npy", unit_rows(20, 32, 9))
    out = tmp_path / "index"
    result = invoke("index", "build", run_dir, "--from-shards", shards, "--out", out, "--index", "faiss",
                    "--index.kind", "ivf", "--index.nlist", "16", "--index.mmap", "true", "--chunk-rows", "250",
                    "--recall-queries", tmp_path / "queries.npy", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "1200 items from 3 shards" in result.output and "recall@10" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_hash"] == file_sha256(run_dir / "model" / "model.safetensors")
    assert manifest["params"]["mmap"] is True and manifest["count"] == 1200
    recall = json.loads((out / "recall.json").read_text())
    assert [row["nprobe"] for row in recall] == [1, 4, 16] and recall[-1]["recall@10"] == 1.0
    index = open_index(out, "faiss")
    assert index._mapped_from is not None and index.ids[:2] == ["0", "1"]


def test_rebuild_from_the_embeddings_an_earlier_build_wrote(run_dir: Path, tmp_path: Path):
    first = tmp_path / "first"
    result = invoke("index", "build", run_dir, "--data", "demo", "--data.size", "60", "--data.image_size", "64",
                    "--out", first, "--chunk-size", "16", "--device", "cpu")
    assert result.exit_code == 0, result.output
    second = tmp_path / "second"
    result = invoke("index", "build", run_dir, "--from-shards", first, "--out", second, "--index", "exact",
                    "--chunk-rows", "7", "--device", "cpu")
    assert result.exit_code == 0, result.output
    a, b = open_index(first, "exact"), open_index(second, "exact")
    assert a.ids == b.ids and (a.vectors() == b.vectors()).all()


@pytest.mark.parametrize("args, error, message", [
    (["--from-shards", "{shards}", "--data", "demo"], ConfigError, "not both"),
    ([], ConfigError, "needs --data PATH"),
    (["--from-shards", "{shards}"], DataError, "are 16-d, but the model of"),
    (["--from-shards", "{tmp}/nowhere"], DataError, "does not exist"),
])
def test_bad_shard_builds_are_refused_clearly(run_dir: Path, tmp_path: Path, args, error, message):
    shards = tmp_path / "shards"
    shards.mkdir()
    np.save(shards / "s0.npy", unit_rows(50, 16, 0))
    args = [a.format(shards=shards, tmp=tmp_path) for a in args]
    result = invoke("index", "build", run_dir, *args, "--out", tmp_path / "out", "--device", "cpu")
    assert isinstance(result.exception, error) and message in str(result.exception)
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize("index_args", [["--index", "exact"],
                                        ["--index", "faiss", "--index.kind", "ivf", "--index.nlist", "4"]])
def test_shards_holding_nan_or_infinity_are_refused(run_dir: Path, tmp_path: Path, index_args):
    shards = tmp_path / "shards"
    shards.mkdir()
    for n in range(2):
        rows = unit_rows(200, 32, n)
        if n == 1:
            rows[7, 3] = np.nan
            rows[9, 0] = np.inf
        np.save(shards / f"s{n}.npy", rows)
        (shards / f"s{n}.ids.json").write_text(json.dumps([f"p{n}-{i}" for i in range(200)]))
    out = tmp_path / "out"
    result = invoke("index", "build", run_dir, "--from-shards", shards, "--out", out, *index_args, "--device", "cpu")
    assert isinstance(result.exception, DataError), result.output
    message = str(result.exception)
    assert "s1.npy" in message and "row 7 (id 'p1-7')" in message and "not finite" in message
    assert not (out / "manifest.json").exists()
