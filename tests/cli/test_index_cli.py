"""``sbkit index build|add``: chunked, resumable embedding; model-hash checks; appending new items only."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import torch
import typer
from safetensors import safe_open
from typer.testing import CliRunner

from sbkit.cli.index import register as register_index
from sbkit.cli.search import register as register_search
from sbkit.errors import ConfigError, DataError
from sbkit.retrieval.gallery import DataSource, load_items
from sbkit.retrieval.run_folder import file_sha256, load_run, open_index, save_run_model

runner = CliRunner()
DATA = ["--data", "demo", "--data.size", "60", "--data.image_size", "64"]
CHUNK = 16


@pytest.fixture(scope="module")
def all_ids() -> list[str]:
    items, _ = load_items(DataSource.of("demo", {"size": 60, "image_size": 64}))
    return [item.id for item in items]


def invoke(*args):
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps commands as subcommands."""

    register_index(app)
    register_search(app)
    return runner.invoke(app, [str(a) for a in args])


def build(run_dir: Path, out: Path, *extra):
    result = invoke("index", "build", run_dir, *DATA, "--out", out, "--chunk-size", CHUNK, "--batch-size", 8,
                    "--device", "cpu", *extra)
    assert result.exit_code == 0, result.output
    return result


def chunk_ids(path: Path) -> list[str]:
    with safe_open(str(path), framework="pt") as handle:
        return json.loads(handle.metadata()["ids"])


def stored_vectors(index_dir: Path) -> dict[str, torch.Tensor]:
    index = open_index(index_dir, "exact")
    return dict(zip(index.ids, index.vectors()))


def test_build_writes_chunks_and_an_index_with_the_model_hash(run_dir: Path, all_ids, tmp_path: Path):
    out = tmp_path / "gallery"
    result = build(run_dir, out)
    assert f"{len(all_ids)} items" in result.output and f"embedded {len(all_ids)}" in result.output
    chunks = sorted((out / "embeddings").glob("chunk-*.safetensors"))
    assert [c.name for c in chunks] == [f"chunk-{n:05d}.safetensors" for n in range(-(-len(all_ids) // CHUNK))]
    assert [i for c in chunks for i in chunk_ids(c)] == all_ids
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_hash"] == file_sha256(run_dir / "model" / "model.safetensors")
    assert manifest["count"] == len(all_ids) and manifest["index"] == "exact"
    sources = json.loads((out / "gallery.json").read_text())["sources"]
    assert sources == [{"data": "demo", "params": {"size": 60, "image_size": 64}, "split": None}]
    # the run's own test vectors and the built index agree for the items both hold
    own = stored_vectors(run_dir / "index")
    built = stored_vectors(out)
    assert own.keys() <= built.keys()
    assert all(torch.allclose(own[i], built[i], atol=1e-5) for i in own)


def test_rerun_after_a_kill_embeds_only_the_lost_chunk(run_dir: Path, all_ids, tmp_path: Path):
    out = tmp_path / "gallery"
    build(run_dir, out)
    first = stored_vectors(out)
    chunks = sorted((out / "embeddings").glob("chunk-*.safetensors"))
    lost = chunks[1]
    lost_ids = chunk_ids(lost)
    for name in ("manifest.json", "vectors.f32", "ids.json"):
        (out / name).unlink()
    lost.unlink()
    (out / "embeddings" / ".chunk-00009.safetensors.part.safetensors").write_bytes(b"half a chunk")
    kept = {c: c.stat().st_mtime_ns for c in chunks if c != lost}

    result = build(run_dir, out)
    assert f"embedded {len(lost_ids)}, {len(all_ids) - len(lost_ids)} already done" in result.output
    assert {c: c.stat().st_mtime_ns for c in kept} == kept
    new = sorted(set((out / "embeddings").glob("chunk-*.safetensors")) - set(kept))
    assert len(new) == 1 and chunk_ids(new[0]) == lost_ids
    assert not list((out / "embeddings").glob(".chunk-*"))
    second = stored_vectors(out)
    assert second.keys() == first.keys()
    assert all(torch.allclose(first[i], second[i], atol=1e-5) for i in first)


def test_build_with_a_faiss_index_and_search_it(run_dir: Path, all_ids, tmp_path: Path):
    pytest.importorskip("faiss")
    out = tmp_path / "hnsw"
    build(run_dir, out, "--index", "faiss", "--index.kind", "hnsw", "--split", "train")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["index"] == "faiss" and manifest["params"]["kind"] == "hnsw"
    result = invoke("search", run_dir, "--index", out, "--text", "a red dress", "-k", 3, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    train_ids = {i.id for i in load_items(DataSource.of("demo", {"size": 60, "image_size": 64}, "train"))[0]}
    assert len(payload["results"]) == 3 and {r["id"] for r in payload["results"]} <= train_ids
    assert all(r["caption"] and Path(r["path"]).is_file() for r in payload["results"])


def test_add_appends_new_items_and_reports_duplicates(run_dir: Path, all_ids, tmp_path: Path):
    out = tmp_path / "gallery"
    build(run_dir, out, "--split", "test")
    before = stored_vectors(out)
    result = invoke("index", "add", out, "--run", run_dir, *DATA, "--device", "cpu", "--chunk-size", CHUNK)
    assert result.exit_code == 0, result.output
    assert f"{len(all_ids)} items" in result.output and f"({len(all_ids) - len(before)} added)" in result.output
    assert f"skipped {len(before)} ids already in the index" in result.output
    after = stored_vectors(out)
    assert sorted(after) == sorted(all_ids)
    assert all(torch.equal(before[i], after[i]) for i in before)
    sources = json.loads((out / "gallery.json").read_text())["sources"]
    assert [s["split"] for s in sources] == ["test", None]
    again = invoke("index", "add", out, "--run", run_dir, *DATA, "--device", "cpu")
    assert again.exit_code == 0 and "(0 added)" in again.output
    assert f"skipped {len(all_ids)} ids" in again.output


def test_an_index_of_another_model_is_refused(run_dir: Path, tmp_path: Path):
    out = tmp_path / "gallery"
    build(run_dir, out, "--split", "test")
    other = tmp_path / "retrained"
    shutil.copytree(run_dir, other)
    run = load_run(other)
    with torch.no_grad():
        next(run.model.parameters()).add_(0.01)
    save_run_model(run.model, other)
    result = invoke("search", other, "--index", out, "--text", "a coat", "--json")
    assert isinstance(result.exception, DataError) and "was built with model" in str(result.exception)
    assert "sbkit index build" in str(result.exception)
    result = invoke("index", "add", out, "--run", other, *DATA, "--device", "cpu")
    assert isinstance(result.exception, DataError) and "was built with model" in str(result.exception)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = invoke("index", "build", other, *DATA, "--out", out, "--device", "cpu")
    assert isinstance(result.exception, ConfigError) and "holds an index of another model" in str(result.exception)
    assert "--force" in str(result.exception)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    result = invoke("index", "build", other, *DATA, "--out", out, "--device", "cpu", "--force")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_hash"] == file_sha256(other / "model" / "model.safetensors")


def test_build_refuses_a_folder_holding_another_index_a_run_or_other_files(run_dir: Path, tmp_path: Path):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    own = {p: p.read_bytes() for p in (run / "index").iterdir()}
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "manifest.json").write_text('{"my": "precious"}')
    (theirs / "ids.json").write_text('["x"]')
    for out, message in ((run / "index", "is the test index of the run"), (run, "is RUN_DIR"),
                         (tmp_path / "run", "is RUN_DIR"), (theirs, "files that sbkit index build did not write")):
        result = invoke("index", "build", run, *DATA, "--out", out, "--device", "cpu")
        assert isinstance(result.exception, ConfigError) and message in str(result.exception), result.output
    assert {p: p.read_bytes() for p in (run / "index").iterdir()} == own
    assert (theirs / "manifest.json").read_text() == '{"my": "precious"}' and (theirs / "ids.json").exists()
    assert sorted(p.name for p in theirs.iterdir()) == ["ids.json", "manifest.json"]
    other_run = tmp_path / "other-run"
    shutil.copytree(run_dir, other_run)
    result = invoke("index", "build", run, *DATA, "--out", other_run, "--device", "cpu")
    assert isinstance(result.exception, ConfigError) and "holds a run" in str(result.exception)
    assert sorted(p.name for p in other_run.iterdir()) == sorted(p.name for p in run_dir.iterdir())
    gallery = tmp_path / "gallery"
    build(run, gallery, "--split", "test")
    again = build(run, gallery, "--split", "test")  # the same build: resumed, nothing embedded again
    assert "embedded 0" in again.output
    result = invoke("index", "build", run, *DATA, "--out", gallery, "--split", "train", "--device", "cpu")
    assert isinstance(result.exception, ConfigError) and "index of other data or another split" in str(
        result.exception) and "(test split)" in str(result.exception)
    build(run, gallery, "--split", "train", "--force")
    sources = json.loads((gallery / "gallery.json").read_text())["sources"]
    assert [s["split"] for s in sources] == ["train"]


def test_build_into_a_file_is_one_clean_error(run_dir: Path, tmp_path: Path):
    photo = tmp_path / "good.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")
    for args in (DATA, ["--from-shards", run_dir / "index"]):
        result = invoke("index", "build", run_dir, *args, "--out", photo, "--device", "cpu")
        assert isinstance(result.exception, ConfigError), result.output
        assert str(result.exception) == f"--out {photo} is a file; give --out a folder"
    assert photo.read_bytes() == b"\x89PNG\r\n\x1a\n"


def test_unreadable_photos_are_skipped_and_reported(run_dir: Path, tmp_path: Path):
    items, _ = load_items(DataSource.of("demo", {"size": 60, "image_size": 64}, "test"))
    folder = tmp_path / "shop"
    folder.mkdir()
    rows = [("id", "image", "caption")]
    for item in items[:5]:
        shutil.copy(item.image, folder / item.image.name)
        rows.append((item.id, item.image.name, item.caption))
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot an image")
    rows.append(("broken-1", "broken.png", "a broken photo"))
    with open(folder / "captions.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    out = tmp_path / "shop-index"
    result = invoke("index", "build", run_dir, "--data", folder, "--out", out, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "embedded 5" in result.output and "1 unreadable" in result.output and "broken-1" in result.output
    assert sorted(open_index(out, "exact").ids) == sorted(item.id for item in items[:5])
    result = invoke("search", run_dir, "--index", out, "--text", items[0].caption, "-k", 2, "--json")
    assert result.exit_code == 0, result.output
    assert all(Path(r["path"]).parent == folder for r in json.loads(result.stdout)["results"])


def test_bad_options_fail_before_any_work(run_dir: Path, tmp_path: Path):
    result = invoke("index", "build", run_dir, *DATA, "--out", tmp_path / "x", "--index.nope", "1")
    assert result.exception is not None and "nope" in str(result.exception)
    result = invoke("index", "build", run_dir, *DATA, "--split", "holdout")
    assert isinstance(result.exception, DataError) and "holdout" in str(result.exception)
    assert not (tmp_path / "x").exists()


def test_embeddings_that_are_not_finite_never_reach_the_index(run_dir: Path, all_ids, tmp_path: Path):
    from safetensors.torch import load_file, save_file

    from sbkit.retrieval.embeddings import _digest

    out = tmp_path / "gallery"
    build(run_dir, out)
    for name in ("manifest.json", "vectors.f32", "ids.json"):
        (out / name).unlink()
    chunk = sorted((out / "embeddings").glob("chunk-*.safetensors"))[1]
    with safe_open(str(chunk), framework="pt") as handle:
        metadata = handle.metadata()
    vectors = load_file(str(chunk))["vectors"]
    vectors[3, 0] = float("nan")  # as a model that diverged would have written them, hash and all
    save_file({"vectors": vectors}, str(chunk), metadata={**metadata, "sha256": _digest(vectors)})
    result = invoke("index", "build", run_dir, *DATA, "--out", out, "--chunk-size", CHUNK, "--device", "cpu")
    assert isinstance(result.exception, DataError)
    assert "1 of" in str(result.exception) and f"item {chunk_ids(chunk)[3]!r}" in str(result.exception)
    assert "not finite" in str(result.exception) and not (out / "manifest.json").exists()


def test_search_json_never_holds_nan(run_dir: Path, tmp_path: Path):
    """An index that holds a NaN vector (written before builds refused them) gives null scores and a warning."""
    own = open_index(run_dir / "index", "exact")
    vectors = own.vectors().clone()
    vectors[:] = float("nan")
    broken = type(own)()
    broken.add(list(own.ids), vectors)
    broken.model_hash = own.model_hash
    broken.save(tmp_path / "nan-index")
    result = invoke("search", run_dir, "--index", tmp_path / "nan-index", "--text", "a dress", "-k", 3, "--json")
    assert result.exit_code == 0, result.output

    def no_nan(constant: str):
        raise AssertionError(f"{constant} in the JSON output")

    payload = json.loads(result.stdout, parse_constant=no_nan)
    assert [r["score"] for r in payload["results"]] == [None, None, None]
    assert any("no score" in warning for warning in payload["warnings"])
