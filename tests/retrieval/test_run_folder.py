"""``load_run``: a run folder reopens to the same model and index; missing or broken folders say what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from sbkit.errors import DataError
from sbkit.retrieval.gallery import gallery_photo, load_items, run_source
from sbkit.retrieval.run_folder import check_index_model, file_sha256, load_run
from sbkit.training.model import WEIGHTS


@pytest.fixture(scope="module")
def loaded(run_dir: Path):
    return load_run(run_dir)


def test_round_trip_restores_weights_config_and_index(run_dir: Path, loaded):
    assert loaded.config.image_size == 32 and loaded.config.encoder.params["dim"] == 32
    assert not loaded.model.training
    saved = load_file(str(run_dir / "model" / WEIGHTS))
    state = loaded.model.state_dict()
    assert saved.keys() == state.keys()
    assert all(torch.equal(saved[key], state[key]) for key in saved)
    items, _ = load_items(run_source(loaded.config))
    assert loaded.index is not None and sorted(loaded.index.ids) == sorted(item.id for item in items)
    assert loaded.model_hash == file_sha256(run_dir / "model" / WEIGHTS) and len(loaded.model_hash) == 64


def test_reloaded_model_finds_each_gallery_photo_as_its_own_top_hit(loaded):
    """Photos embedded now match the vectors the run indexed: same model, same photo preparation."""
    items, _ = load_items(run_source(loaded.config))
    photos = torch.stack([torch.from_numpy(gallery_photo(item.image, loaded.config.image_size)).permute(2, 0, 1)
                          for item in items[:6]])
    with torch.no_grad():
        vectors = loaded.model.embed_images(photos)
    scores, ids = loaded.index.search(vectors, 1)
    assert [row[0] for row in ids] == [item.id for item in items[:6]]
    assert scores[:, 0].min().item() > 0.999


def test_encoder_from_saved_is_used_when_the_class_offers_it(run_dir: Path, monkeypatch):
    from sbkit.registry import get_registry

    cls = get_registry().get("encoder", "small")
    calls = []

    def from_saved(klass, folder, **params):
        calls.append((Path(folder), params))
        return klass(**params)

    monkeypatch.setattr(cls, "from_saved", classmethod(from_saved), raising=False)
    load_run(run_dir)
    assert calls == [(run_dir / "model", {"dim": 32, "width": 8, "max_vocab": 5000})]  # the run recorded every default


def test_missing_folder_and_files_are_named(run_dir: Path, tmp_path: Path):
    with pytest.raises(DataError, match=r"does not exist.*sbkit run --out"):
        load_run(tmp_path / "nowhere")
    for missing in ("config.toml", "model/model.safetensors"):
        copy = tmp_path / missing.replace("/", "-")
        shutil.copytree(run_dir, copy)
        (copy / missing).unlink()
        with pytest.raises(DataError, match=rf"{missing}.* is missing.*not a complete run folder.*sbkit run"):
            load_run(copy)


def test_broken_config_and_weights_are_data_errors(run_dir: Path, tmp_path: Path):
    copy = tmp_path / "broken"
    shutil.copytree(run_dir, copy)
    (copy / "config.toml").write_text("epochs = [unclosed\n")
    with pytest.raises(DataError, match="config.toml is not valid TOML"):
        load_run(copy)
    shutil.copy(run_dir / "config.toml", copy / "config.toml")
    weights = copy / "model" / WEIGHTS
    weights.write_bytes(weights.read_bytes()[:200])
    with pytest.raises(DataError, match="model.safetensors has changed since `sbkit run` wrote it"):
        load_run(copy)
    (copy / "model" / "files.json").unlink()  # a run folder with no record of its files: the loader still refuses
    shutil.rmtree(copy / "index")
    with pytest.raises(DataError, match="model.*cannot be loaded"):
        load_run(copy)


def test_index_of_another_model_is_refused(run_dir: Path, loaded, tmp_path: Path):
    own = loaded.index
    check_index_model(own, run_dir / "index", loaded)  # the run's own index, written without a hash
    own.model_hash = "0" * 64
    try:
        with pytest.raises(DataError, match="built with model 000000000000.*sbkit index build") as refused:
            check_index_model(own, run_dir / "index", loaded)
        # the suggested command writes inside this run's folder, never over the index that was refused
        assert "--out" not in str(refused.value) and f"{run_dir / 'indexes'}/<data name>" in str(refused.value)
        own.model_hash = None
        with pytest.raises(DataError, match="no recorded model"):
            check_index_model(own, tmp_path / "elsewhere", loaded)
    finally:
        own.model_hash = None
