"""One contract per component kind: build it, feed it small inputs, and check shapes, dtypes and gradients.

A component that cannot be built from its defaults offline (it needs a model folder or a dataset path)
provides ``example_params(folder: Path) -> dict`` as a classmethod that makes something tiny in ``folder``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sbkit.params import component_params
from sbkit.registry import get_registry

NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def registered_components() -> list[tuple[str, str]]:
    """Every (kind, name) pair the loaded plugins provide, for ``pytest.mark.parametrize``."""
    from sbkit.plugins import KINDS

    registry = get_registry()
    return [(kind, name) for kind in KINDS for name in registry.names(kind)]


def _params(cls: type, folder: Path) -> dict[str, Any]:
    example = getattr(cls, "example_params", None)
    return dict(example(folder)) if example else {}


def check_metadata(cls: type, kind: str) -> None:
    assert NAME_RE.match(cls.name), f"{kind} name {cls.name!r} must be lowercase and hyphenated"
    assert cls.description and "\n" not in cls.description, f"{cls.name}: needs a one-line description"
    for param in component_params(cls):
        assert param.doc, f"{kind} {cls.name!r}: parameter {param.name!r} is not documented in an Args: section"


def _rectangle_photo(size: int = 48) -> np.ndarray:
    image = np.full((size, size, 3), 255, dtype=np.uint8)
    image[size // 4 : 3 * size // 4, size // 3 : 2 * size // 3] = (40, 60, 160)
    return image


def check_sketchifier(component) -> None:
    photo = _rectangle_photo()
    sketch = component(photo, "a navy bag")
    assert sketch.shape == photo.shape[:2] and sketch.dtype == np.uint8
    assert sketch.mean() > 127, "a sketch is dark lines on white"
    assert (sketch < 128).any(), "a rectangle on white should give some ink"
    batch = torch.from_numpy(np.stack([photo, photo])).permute(0, 3, 1, 2)
    out = component.sketchify_batch(batch, ["a", None])
    assert out.shape == (2, 1, *photo.shape[:2]) and out.dtype == torch.uint8


def check_encoder(component) -> None:
    component.prepare(["a red shoe", "a long ivory trouser", "a quilted black clutch"])
    images = torch.rand(2, 3, 32, 32)
    image_vectors = component.encode_image(images)
    sketch_vectors = component.encode_sketch(images)
    text_vectors = component.encode_text(["a red shoe", ""])
    assert image_vectors.shape == (2, component.embed_dim) == sketch_vectors.shape
    assert text_vectors.shape == (2, component.text_dim)
    assert torch.isfinite(text_vectors).all() and torch.isfinite(image_vectors).all()
    (image_vectors.sum() + text_vectors.sum()).backward()
    assert any(p.grad is not None for p in component.parameters() if p.requires_grad)


def check_fuser(cls: type, params: dict[str, Any]) -> None:
    fuser = get_registry().create("fuser", cls.name, params, sketch_dim=12, text_dim=8, dim=12)
    sketch, text = torch.randn(3, 12, requires_grad=True), torch.randn(3, 8, requires_grad=True)
    for pair in ((sketch, text), (sketch, None), (None, text)):
        out = fuser(*pair)
        assert out.shape == (3, 12) and torch.isfinite(out).all()
    fuser(sketch, text).sum().backward()
    assert sketch.grad is not None and text.grad is not None


def check_loss(component) -> None:
    query = torch.nn.functional.normalize(torch.randn(6, 16), dim=1).requires_grad_()
    target = torch.nn.functional.normalize(torch.randn(6, 16), dim=1)
    value = component(query, target)
    assert value.ndim == 0 and torch.isfinite(value)
    value.backward()
    assert query.grad is not None
    labelled = component(query.detach(), target, torch.tensor([0, 0, 1, 1, 2, 2]))
    assert torch.isfinite(labelled)


def check_index(component, folder: Path) -> None:
    vectors = torch.nn.functional.normalize(torch.randn(40, 16), dim=1)
    ids = [f"item-{i}" for i in range(40)]
    component.add(ids, vectors)
    scores, found = component.search(vectors[:5], 3)
    assert scores.shape == (5, 3) and [row[0] for row in found] == ids[:5]
    component.save(folder / "index")
    again = type(component).load(folder / "index")
    assert again.search(vectors[:5], 3)[1] == found


def check_dataset(component) -> None:
    catalogue = component.load()
    assert len(catalogue) > 0
    for item in catalogue.items[:5]:
        assert item.image.is_file() and isinstance(item.caption, str) and item.split in {"train", "val", "test"}


def check_component(kind: str, name: str, folder: Path) -> None:
    """Build ``name`` of ``kind`` and check it against its kind's contract; raises AssertionError on a breach."""
    folder = Path(folder)
    registry = get_registry()
    cls = registry.get(kind, name)
    check_metadata(cls, kind)
    params = _params(cls, folder)
    if kind == "fuser":
        check_fuser(cls, params)
        return
    component = registry.create(kind, name, params)
    if kind == "sketchifier":
        check_sketchifier(component)
    elif kind == "encoder":
        check_encoder(component)
    elif kind == "loss":
        check_loss(component)
    elif kind == "index":
        check_index(component, folder)
    elif kind == "dataset":
        check_dataset(component)
