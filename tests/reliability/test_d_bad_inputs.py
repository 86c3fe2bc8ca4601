"""Bad input handed to components and to ``sbkit.sketchify`` through Python: one sbkit error, never a raw one.

A sketchifier batch that is not a (B, 3, H, W) uint8 or [0, 1] float tensor, a component built without the
arguments it needs, params that are not a dict, a name or caption of the wrong type, and ``sbkit.sketchify``
options of the wrong name or type.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import sbkit
from sbkit.components import Sketchifier
from sbkit.data.adapters.examples import make_folder_catalogue
from sbkit.errors import ConfigError, DataError, PluginError, ShapeError
from sbkit.plugins import PluginRecord
from sbkit.registry import Entry, create, get_registry

BATCH_SKETCHIFIERS = ["canny", "kornia-canny"]  # the default sketchify_batch, and a plugin's override of it
SKETCHIFIERS = ["canny", "canny-clahe", "outline", "sobel", "xdog", "kornia-canny"]


def _sketchifier(name: str) -> Sketchifier:
    return create("sketchifier", name, {"device": "cpu"} if name == "kornia-canny" else {})


def _photo() -> np.ndarray:
    photo = np.full((96, 96, 3), 255, np.uint8)
    photo[20:76, 30:66] = (180, 40, 40)
    return photo


def _batch() -> torch.Tensor:
    return torch.from_numpy(_photo()).permute(2, 0, 1)[None]


@pytest.mark.parametrize("name", BATCH_SKETCHIFIERS)
def test_a_float_batch_on_a_0_255_scale_is_refused(name: str):
    sketchifier = _sketchifier(name)
    with pytest.raises(ShapeError, match=r"float batches must be in \[0, 1\]; got max 255; divide by 255 or pass "
                                         "uint8"):
        sketchifier.sketchify_batch(_batch().float())
    scaled = sketchifier.sketchify_batch(_batch().float() / 255)
    assert scaled.shape == (1, 1, 96, 96) and (scaled == 0).any(), "a [0, 1] float batch is sketched, with ink"


BAD_BATCHES = {
    "nan": (lambda: _batch().float() / 255 * float("nan"), "NaN or infinite"),
    "inf": (lambda: torch.where(_batch() > 200, float("inf"), 0.5), "NaN or infinite"),
    "negative": (lambda: torch.full((1, 3, 8, 8), -1.0), r"must be in \[0, 1\]; got min -1, max -1; rescale"),
    "numpy": (lambda: _photo()[None].transpose(0, 3, 1, 2), r"torch tensor, got numpy\.ndarray"),
    "list": (lambda: [_batch()[0]], r"\(B, 3, H, W\) uint8 or float torch tensor, got list"),
    "empty": (lambda: _batch()[:0], r"batch \(0, 3, 96, 96\) is empty"),
    "int64": (lambda: _batch().long(), r"uint8 or float batch, got torch\.int64"),
    "channels-last": (lambda: _batch().permute(0, 2, 3, 1), r"expected a batch \(B, 3, H, W\)"),
}


@pytest.mark.parametrize("case", list(BAD_BATCHES))
def test_an_unusable_batch_is_a_shape_error(case: str):
    make, message = BAD_BATCHES[case]
    for name in BATCH_SKETCHIFIERS:
        with pytest.raises(ShapeError, match=rf"^{name}: .*{message}"):
            _sketchifier(name).sketchify_batch(make())


class _OwnBatch(Sketchifier):
    """A sketchifier with its own sketchify_batch, as a GPU plugin would write one."""

    name = "test-own-batch"
    calls = 0

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return np.full(image.shape[:2], 255, np.uint8)

    def sketchify_batch(self, images: torch.Tensor, captions: list[str | None] | None = None) -> torch.Tensor:
        type(self).calls += 1
        return torch.full((len(images), 1, *images.shape[2:]), 255, dtype=torch.uint8)


def test_an_override_of_sketchify_batch_gets_the_same_checks():
    sketchifier = _OwnBatch()
    with pytest.raises(ShapeError, match=r"test-own-batch: float batches must be in \[0, 1\]; got max 255"):
        sketchifier.sketchify_batch(_batch().float())
    with pytest.raises(DataError, match="caption must be a str or None, got int"):
        sketchifier.sketchify_batch(_batch(), [5])
    assert _OwnBatch.calls == 0, "the override ran on a refused batch"
    assert sketchifier.sketchify_batch(_batch(), ["a red bag"]).shape == (1, 1, 96, 96)
    assert _OwnBatch.calls == 1


@pytest.mark.parametrize("name", SKETCHIFIERS)
def test_a_caption_that_is_not_a_str_is_a_data_error(name: str):
    sketchifier = _sketchifier(name)
    with pytest.raises(DataError, match=rf"^{name}: caption must be a str or None, got int"):
        sketchifier(_photo(), 5)
    with pytest.raises(DataError, match=rf"^{name}: caption must be a str or None, got int"):
        sketchifier.sketchify_batch(_batch(), [5])


def test_a_component_missing_its_pipeline_arguments_is_a_config_error():
    with pytest.raises(ConfigError, match=r"fuser 'concat' needs sketch_dim, text_dim and dim \(the pipeline passes "
                                          "them\\); pass them as keywords"):
        sbkit.create("fuser", "concat")
    with pytest.raises(ConfigError, match="fuser 'concat' needs dim "):
        sbkit.create("fuser", "concat", sketch_dim=4, text_dim=4)
    assert sbkit.create("fuser", "concat", sketch_dim=4, text_dim=4, dim=8) is not None


class _BrokenInside:
    """A constructor that takes its arguments, then fails in its body."""

    def __init__(self, dim: int = 2) -> None:
        raise TypeError("a bug inside the constructor")


def test_a_type_error_inside_a_constructor_stays_that_error():
    builtin = get_registry().entry("fuser", "concat").plugin
    with pytest.raises(TypeError, match="a bug inside the constructor"):
        Entry("fuser", "broken", _BrokenInside, builtin).build({})
    third_party = PluginRecord("someone-elses", "someone_elses", package="someone-elses")
    with pytest.raises(PluginError, match="failed to start: TypeError: a bug inside the constructor"):
        Entry("fuser", "broken", _BrokenInside, third_party).build({})
    with pytest.raises(ConfigError, match="fuser 'broken' of plugin 'someone-elses' .* cannot be built with nope"):
        Entry("fuser", "broken", _BrokenInside, third_party).build({}, nope=1)


@pytest.mark.parametrize(("params", "given"), [([("sigma", 1.5)], "list"), ("sigma=1.5", "str")], ids=["list", "str"])
def test_params_that_are_not_a_dict_are_a_config_error(params, given: str):
    with pytest.raises(ConfigError, match=rf"params must be a dict \(name -> value\), got {given}"):
        create("sketchifier", "canny", params)


@pytest.mark.parametrize("call", [
    pytest.param(lambda: create("sketchifier", None, {}), id="name-none"),
    pytest.param(lambda: create(None, "canny", {}), id="kind-none"),
    pytest.param(lambda: sbkit.create("sketchifier", 5), id="name-int"),
])
def test_a_component_name_that_is_not_a_str_is_a_config_error(call):
    with pytest.raises(ConfigError, match=r"name must be a str, got (NoneType|int); choose from: .*canny|"
                                          r"kind must be a str, got NoneType; choose from: .*sketchifier"):
        call()


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_folder_catalogue(tmp_path_factory.mktemp("catalogue"), n_items=2)


def test_a_sketchifier_parameter_given_to_sketchify_names_params(catalogue: Path, tmp_path: Path):
    with pytest.raises(ConfigError, match=r"sketchify got an unknown option 'sigma'; sketchifier parameters go in "
                                          r"params=\{'sigma': 1\.5\}; its options are params, workers, size"):
        sbkit.sketchify(catalogue, tmp_path / "out", "canny", sigma=1.5)
    with pytest.raises(ConfigError, match="unknown option 'worker' \\(did you mean 'workers'\\?\\)"):
        sbkit.sketchify(catalogue, tmp_path / "out", "canny", worker=1)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("option", "value", "message"), [
    ("workers", "2", r"workers must be an int or None, got str '2'"),
    ("size", "64", r"size must be an int or None, got str '64'"),
    ("workers", True, r"workers must be an int or None, got bool True"),
    ("size", 64.0, r"size must be an int or None, got float 64\.0"),
    ("params", "sigma=1", r"params must be a dict \(name -> value\), got str"),
    ("params", [], r"params must be a dict \(name -> value\), got list"),
    ("normalize", "yes", r"normalize must be True or False, got 'yes'"),
], ids=["workers-str", "size-str", "workers-bool", "size-float", "params-str", "params-empty-list", "normalize-str"])
def test_a_sketchify_option_of_the_wrong_type_is_a_config_error(option: str, value, message: str, catalogue: Path,
                                                                tmp_path: Path):
    with pytest.raises(ConfigError, match=message):
        sbkit.sketchify(catalogue, tmp_path / "out", "canny", **{option: value})
    assert not (tmp_path / "out").exists()


def test_sketchify_takes_whole_numbers_of_any_int_type(catalogue: Path, tmp_path: Path):
    summary = sbkit.sketchify(catalogue, tmp_path / "out", "canny", workers=np.int64(1), size=32, params={"sigma": 1.5})
    assert summary.done == 2 and summary.workers == 1
