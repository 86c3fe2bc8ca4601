"""Tampered and damaged model and index files: each is refused with one line naming the file, or (an
embeddings chunk) noticed, dropped and embedded again; nothing is trusted on the strength of its name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from a_support import cli, copy_run, flip_byte, one_error_line, run_sbkit

from sbkit.errors import DataError
from sbkit.retrieval.build import BuildOptions, build_index
from sbkit.retrieval.embeddings import STORE_DIR, STORE_FILE
from sbkit.retrieval.gallery import run_source
from sbkit.retrieval.run_folder import MODEL_RECORD, load_run, open_index

QUERY = ("--text", "a long red trouser", "--json")


@pytest.fixture
def copied(run_dir: Path, tmp_path: Path) -> Path:
    return copy_run(run_dir, tmp_path / "run")


def refused(capsys, run: Path, *args: object) -> str:
    code, out, err = cli(capsys, "search", run, *(args or QUERY))
    assert code == 2 and out == "", out
    return one_error_line(err)


def test_the_run_records_every_model_file(run_dir: Path):
    record = json.loads((run_dir / "model" / MODEL_RECORD).read_text())
    assert set(record["files"]) == {"model.safetensors", "vocab.json", "words.json"}
    assert all(len(entry["sha256"]) == 64 and entry["bytes"] > 0 for entry in record["files"].values())


def test_an_untouched_copy_loads(copied: Path, capsys):
    code, out, _ = cli(capsys, "search", copied, *QUERY)
    assert code == 0 and json.loads(out)["results"]


def test_one_flipped_weights_byte_is_refused_by_the_sbkit_command(copied: Path):
    """The reported case: `sbkit search RUN ...` exited 0 with slightly changed scores."""
    flip_byte(copied / "model" / "model.safetensors")
    result = run_sbkit("search", copied, *QUERY)
    assert result.returncode == 2 and result.stdout == ""
    line = one_error_line(result.stderr)
    assert f"{copied}/model/model.safetensors has changed since `sbkit run` wrote it" in line


def test_an_edited_vocabulary_is_refused(copied: Path, capsys):
    vocab = copied / "model" / "vocab.json"
    vocab.write_text(vocab.read_text().replace('"red"', '"rex"'))
    assert "model/vocab.json has changed" in refused(capsys, copied)


def test_edited_training_words_are_refused(copied: Path, capsys):
    words = copied / "model" / "words.json"
    words.write_text(words.read_text().replace('"boot"', '"boots"'))
    assert "model/words.json has changed" in refused(capsys, copied)


def test_a_damaged_record_is_refused(copied: Path, capsys):
    (copied / "model" / MODEL_RECORD).write_text("{not json")
    assert f"{MODEL_RECORD} is damaged" in refused(capsys, copied)


def test_without_its_record_the_model_is_checked_against_the_index_manifest(copied: Path, capsys):
    (copied / "model" / MODEL_RECORD).unlink()
    flip_byte(copied / "model" / "model.safetensors")
    assert "model/model.safetensors has changed" in refused(capsys, copied)


def test_a_missing_model_file_is_named(copied: Path, capsys):
    (copied / "model" / "vocab.json").unlink()
    assert "vocab.json is missing" in refused(capsys, copied)


def test_index_build_refuses_a_tampered_model(copied: Path, tmp_path: Path, capsys):
    flip_byte(copied / "model" / "model.safetensors")
    code, _, err = cli(capsys, "index", "build", copied, "--data", "demo", "--data.size", "60",
                       "--out", tmp_path / "gallery", "--device", "cpu")
    assert code == 2 and "model.safetensors has changed" in one_error_line(err)
    assert not (tmp_path / "gallery").exists()


@pytest.mark.parametrize("name", ["vectors.f32", "ids.json"])
def test_a_tampered_index_file_is_refused(name: str, copied: Path, capsys):
    path = copied / "index" / name
    if name == "ids.json":
        path.write_text(path.read_text().replace("demo-", "dem0-", 1))
    else:
        flip_byte(path)
    line = refused(capsys, copied)
    assert f"index/{name}" in line and "re-save the index" in line


def test_a_garbled_index_manifest_is_refused(copied: Path, capsys):
    (copied / "index" / "manifest.json").write_text("[1, 2")
    assert "manifest.json is not valid JSON" in refused(capsys, copied)


@pytest.fixture(scope="module")
def clean_gallery(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gallery") / "clean"
    run = load_run(run_dir)
    build_index(run, run_source(run.config), out, options=BuildOptions(batch_size=4, chunk_size=4, workers=1))
    return out


def vectors(index_dir: Path) -> dict[str, torch.Tensor]:
    index = open_index(index_dir, "exact")
    return dict(zip(index.ids, index.vectors()))


@pytest.mark.parametrize("where", ["data", "header"])
def test_a_flipped_byte_in_an_embeddings_chunk_is_detected_and_embedded_again(
        where: str, run_dir: Path, clean_gallery: Path, tmp_path: Path):
    out = tmp_path / "gallery"
    shutil.copytree(clean_gallery, out)
    chunk = sorted((out / STORE_DIR).glob("chunk-*.safetensors"))[1]
    flip_byte(chunk, offset=-3 if where == "data" else 20)
    run = load_run(run_dir)
    summary = build_index(run, run_source(run.config), out, options=BuildOptions(batch_size=4, chunk_size=4,
                                                                                workers=1))
    assert summary.embed.embedded == 4  # the damaged chunk's items, and only those
    rebuilt, clean = vectors(out), vectors(clean_gallery)
    assert sorted(rebuilt) == sorted(clean)
    assert all(torch.allclose(rebuilt[i], clean[i], atol=1e-6) for i in clean)


def test_embeddings_of_another_model_are_refused(run_dir: Path, clean_gallery: Path, tmp_path: Path):
    out = tmp_path / "gallery"
    shutil.copytree(clean_gallery, out)
    store = out / STORE_DIR / STORE_FILE
    store.write_text(json.dumps({**json.loads(store.read_text()), "model_hash": "0" * 64}))
    run = load_run(run_dir)
    with pytest.raises(DataError, match="holds embeddings made with another model"):
        build_index(run, run_source(run.config), out, options=BuildOptions(chunk_size=4, workers=1))
