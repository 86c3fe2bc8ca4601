"""One contract per component kind: build it, feed it small inputs, and check shapes, dtypes and gradients.

Each ``check_<kind>(target)`` takes a component class, an instance, or the name it is registered under,
and raises ``AssertionError`` naming the breach. Every check also checks the class: its name and one-line
description, an ``Args:`` line per parameter, and that :func:`~sbkit.components.component_config` reads back
the values the component was built with (each ``__init__`` argument stored under its own name).

A component that cannot be built from its defaults offline (it needs a model folder or a dataset path)
provides ``example_params(folder: Path) -> dict`` as a classmethod that makes something tiny in ``folder``.
The config check also builds the component with another value of each number, flag and choice parameter
that ``example_params`` leaves alone; pin there any value that must not change in a test.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import tempfile
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sbkit.components import Dataset, Encoder, Fuser, Index, Loss, Sketchifier, component_config
from sbkit.params import Param, component_params, resolve_params

NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
BASES: dict[str, type] = {"sketchifier": Sketchifier, "encoder": Encoder, "fuser": Fuser, "loss": Loss,
                          "index": Index, "dataset": Dataset}
# What the pipeline injects into a fuser in these checks: sketch and text vectors of other sizes than the query.
FUSER_CONTEXT = {"sketch_dim": 12, "text_dim": 8, "dim": 12}
# Photo sizes (H, W) every sketchifier is run at: square, wide and odd.
SKETCH_SIZES = ((48, 48), (40, 72), (97, 61))
ENCODER_SIZES = (32, 48)


def registered_components() -> list[tuple[str, str]]:
    """Every (kind, name) pair the loaded plugins provide, for ``pytest.mark.parametrize``."""
    from sbkit.plugins import KINDS
    from sbkit.registry import get_registry

    registry = get_registry()
    return [(kind, name) for kind in KINDS for name in registry.names(kind)]


@contextlib.contextmanager
def _folder(folder: Path | str | None) -> Iterator[Path]:
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        yield Path(folder)
        return
    with tempfile.TemporaryDirectory(prefix="sbkit-contract-") as tmp:
        yield Path(tmp)


def _class_of(kind: str, target: Any) -> type:
    if isinstance(target, str):
        from sbkit.registry import get_registry

        return get_registry().get(kind, target)
    return target if isinstance(target, type) else type(target)


def _example_params(cls: type, folder: Path) -> dict[str, Any]:
    example = getattr(cls, "example_params", None)
    return dict(example(folder)) if example else {}


def build(kind: str, cls: type, params: dict[str, Any]) -> Any:
    """``cls`` built as the registry builds it: ``params`` checked and coerced, a fuser's context injected."""
    resolved = resolve_params(cls, params, f"{kind} {cls.name!r}")
    return cls(**resolved, **(FUSER_CONTEXT if kind == "fuser" else {}))


def check_metadata(cls: type, kind: str) -> None:
    """The class subclasses its kind's base, has a valid name and description, and documents every parameter."""
    assert isinstance(cls, type) and issubclass(cls, BASES[kind]), (
        f"{cls!r} is not a subclass of sbkit.components.{BASES[kind].__name__}")
    assert NAME_RE.match(cls.name or ""), f"{kind} name {cls.name!r} must be lowercase and hyphenated"
    assert cls.description and "\n" not in cls.description, f"{cls.name}: needs a one-line description"
    for param in component_params(cls):
        assert param.doc, f"{kind} {cls.name!r}: parameter {param.name!r} is not documented in an Args: section"


def _plain(value: Any) -> Any:
    """A value as :func:`component_config` records it."""
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def _number_types(annotation: Any) -> tuple[type, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(a for a in typing.get_args(annotation) if a in (int, float))
    return (annotation,) if annotation in (int, float) else ()


def another_value(param: Param) -> Any:
    """A valid-looking value of ``param`` other than its default, or ``inspect.Parameter.empty`` if none is known."""
    default, annotation = param.default, param.annotation
    if typing.get_origin(annotation) is typing.Literal:
        others = [choice for choice in typing.get_args(annotation) if choice != default]
        return others[0] if others else inspect.Parameter.empty
    if annotation is bool and isinstance(default, bool):
        return not default
    numbers = _number_types(annotation)
    if default is None and numbers:
        return numbers[0](4)
    if int in numbers and isinstance(default, int) and not isinstance(default, bool):
        return default + 1
    if float in numbers and isinstance(default, (int, float)):
        return default / 2 if default else 0.5
    return inspect.Parameter.empty


def _assert_records(kind: str, component: Any, given: dict[str, Any]) -> None:
    cls = type(component)
    config = component_config(component)
    for param in component_params(cls):
        assert hasattr(component, param.name), (
            f"{kind} {cls.name!r}: parameter {param.name!r} is not stored as an attribute of that name, so "
            f"component_config cannot read it back; store it in __init__ (self.{param.name} = {param.name})")
        expected = _plain(given.get(param.name, param.default))
        if expected is None and config[param.name] is not None:
            continue  # None asks for an automatic value; recording the value chosen is allowed
        assert config[param.name] == expected, (
            f"{kind} {cls.name!r}: built with {param.name}={expected!r}, but component_config records "
            f"{config[param.name]!r}; store each __init__ argument under its own name, unchanged")


def check_config(cls: type, kind: str, folder: Path) -> None:
    """``component_config`` reads back the values ``cls`` was built with: the example's, then other values."""
    example = _example_params(cls, folder)
    resolved = resolve_params(cls, example, f"{kind} {cls.name!r}")
    component = build(kind, cls, example)
    _assert_records(kind, component, resolved)
    config = component_config(component)
    again = component_config(build(kind, cls, config))
    assert again == config, (f"{kind} {cls.name!r}: built from its own component_config {config}, it records "
                             f"{again}; a config read back must build the same component")
    changed = {p.name: value for p in component_params(cls)
               if p.name not in example and (value := another_value(p)) is not inspect.Parameter.empty}
    if not changed:
        return
    try:
        component = build(kind, cls, {**example, **changed})
    except Exception:  # noqa: BLE001 - one of the values is refused together; try each on its own
        component = None
    if component is not None:
        _assert_records(kind, component, {**resolved, **changed})
        return
    for name, value in changed.items():
        try:
            component = build(kind, cls, {**example, name: value})
        except Exception:  # noqa: BLE001 - a value the component refuses says nothing about its config
            continue
        _assert_records(kind, component, {**resolved, name: value})


def _run(kind: str, target: Any, folder: Path | str | None, check_class: bool,
         behaves: typing.Callable[[Any, Path], None]) -> None:
    with _folder(folder) as where:
        behaves(_prepare(kind, target, where, check_class), where)


def _prepare(kind: str, target: Any, folder: Path, check_class: bool) -> Any:
    """Check the class, then return the instance to run: ``target`` itself, or one built from the example."""
    cls = _class_of(kind, target)
    if check_class:
        check_metadata(cls, kind)
        check_config(cls, kind, folder)
    if isinstance(target, (str, type)):
        return build(kind, cls, _example_params(cls, folder))
    return target


def product_photo(height: int = 48, width: int = 48) -> np.ndarray:
    """A (H, W, 3) uint8 RGB photo: a navy rectangle on white, like a product shot."""
    image = np.full((height, width, 3), 255, dtype=np.uint8)
    image[height // 4 : 3 * height // 4, width // 3 : 2 * width // 3] = (40, 60, 160)
    return image


def _check_sketch(name: str, sketch: Any, shape: tuple[int, int], what: str) -> None:
    assert isinstance(sketch, np.ndarray) and sketch.shape == shape and sketch.dtype == np.uint8, (
        f"sketchifier {name!r}: {what} must give a {shape} uint8 sketch, got {getattr(sketch, 'dtype', sketch)} "
        f"{getattr(sketch, 'shape', '')}")
    assert sketch.mean() > 127, f"sketchifier {name!r}: {what}: a sketch is dark lines on white, this one is mostly dark"
    assert (sketch < 128).any(), f"sketchifier {name!r}: {what}: a rectangle on white should give some ink"


def check_sketchifier(target: Any, folder: Path | str | None = None, *, check_class: bool = True) -> None:
    """(H, W, 3) RGB in, (H, W) uint8 dark-on-white out, at several sizes; (H, W) grey too with ``gray_input``."""
    _run("sketchifier", target, folder, check_class, _sketchifier_behaves)


def _sketchifier_behaves(component: Any, where: Path) -> None:
    name = component.name
    for height, width in SKETCH_SIZES:
        photo = product_photo(height, width)
        for caption, what in (("a navy bag", f"a {height}x{width} RGB photo"),
                              (None, f"a {height}x{width} photo with no caption")):
            try:
                sketch = component(photo, caption)
            except Exception as exc:  # noqa: BLE001 - the breach being reported
                raise AssertionError(f"sketchifier {name!r} fails on {what}: {type(exc).__name__}: {exc}") from exc
            _check_sketch(name, sketch, (height, width), what)
        if component.gray_input:
            gray = np.ascontiguousarray(photo[..., 1])
            try:
                sketch = component(gray, "a navy bag")
            except Exception as exc:  # noqa: BLE001 - the breach being reported
                raise AssertionError(f"sketchifier {name!r} sets gray_input = True but fails on a (H, W) grey "
                                     f"image: {type(exc).__name__}: {exc}; accept 2-D input or drop gray_input") from exc
            _check_sketch(name, sketch, (height, width), f"a {height}x{width} grey image (gray_input)")
    photo = product_photo(*SKETCH_SIZES[1])
    batch = torch.from_numpy(np.stack([photo, photo])).permute(0, 3, 1, 2)
    out = component.sketchify_batch(batch, ["a navy bag", None])
    assert out.shape == (2, 1, *photo.shape[:2]) and out.dtype == torch.uint8, (
        f"sketchifier {name!r}: sketchify_batch must give (2, 1, H, W) uint8, got {out.dtype} {tuple(out.shape)}")


def check_encoder(target: Any, folder: Path | str | None = None, *, check_class: bool = True) -> None:
    """Images and sketches (B, 3, S, S) at two sizes to (B, embed_dim), captions to (B, text_dim), with gradients."""
    _run("encoder", target, folder, check_class, _encoder_behaves)


def _encoder_behaves(component: Any, where: Path) -> None:
    name = component.name
    component.prepare(["a red shoe", "a long ivory trouser", "a quilted black clutch"])
    for size in ENCODER_SIZES:
        images = torch.rand(2, 3, size, size)
        image_vectors, sketch_vectors = component.encode_image(images), component.encode_sketch(images)
        assert image_vectors.shape == (2, component.embed_dim) == sketch_vectors.shape, (
            f"encoder {name!r}: {size}x{size} images must give (2, {component.embed_dim}), got "
            f"{tuple(image_vectors.shape)} and {tuple(sketch_vectors.shape)}")
        assert image_vectors.dtype == torch.float32 and torch.isfinite(image_vectors).all()
    text_vectors = component.encode_text(["a red shoe", ""])
    assert text_vectors.shape == (2, component.text_dim), (
        f"encoder {name!r}: two captions must give (2, {component.text_dim}), got {tuple(text_vectors.shape)}")
    assert text_vectors.dtype == torch.float32 and torch.isfinite(text_vectors).all()
    trainable = [p for p in component.parameters() if p.requires_grad]
    if trainable:
        (image_vectors.sum() + text_vectors.sum()).backward()
        assert any(p.grad is not None for p in trainable), f"encoder {name!r}: no gradient reaches its parameters"


def check_fuser(target: Any, folder: Path | str | None = None, *, check_class: bool = True) -> None:
    """Sketch and text vectors to (B, dim), with either one missing, and gradients to both inputs."""
    _run("fuser", target, folder, check_class, _fuser_behaves)


def _fuser_behaves(fuser: Any, where: Path) -> None:
    name = fuser.name
    for batch in (3, 1):
        sketch = torch.randn(batch, fuser.sketch_dim, requires_grad=True)
        text = torch.randn(batch, fuser.text_dim, requires_grad=True)
        for pair, what in (((sketch, text), "sketch and text"), ((sketch, None), "sketch only"),
                           ((None, text), "text only")):
            try:
                out = fuser(*pair)
            except Exception as exc:  # noqa: BLE001 - the breach being reported
                raise AssertionError(f"fuser {name!r} fails on {what}: {type(exc).__name__}: {exc}; fuse() gets "
                                     f"None for a missing sketch or text and must handle it") from exc
            assert out.shape == (batch, fuser.dim) and torch.isfinite(out).all(), (
                f"fuser {name!r}: {what} must give finite ({batch}, {fuser.dim}), got {tuple(out.shape)}")
        fuser(sketch, text).sum().backward()
        assert sketch.grad is not None and text.grad is not None, f"fuser {name!r}: no gradient reaches its inputs"


def check_loss(target: Any, folder: Path | str | None = None, *, check_class: bool = True) -> None:
    """A finite scalar with a gradient to the query, with and without labels (and with extra positives), for two
    batch shapes."""
    _run("loss", target, folder, check_class, _loss_behaves)


def _loss_behaves(component: Any, where: Path) -> None:
    name = component.name
    for batch, dim in ((6, 16), (2, 8)):
        query = torch.nn.functional.normalize(torch.randn(batch, dim), dim=1).requires_grad_()
        target_vectors = torch.nn.functional.normalize(torch.randn(batch, dim), dim=1)
        value = component(query, target_vectors)
        assert value.ndim == 0 and torch.isfinite(value), f"loss {name!r}: must give a finite scalar, got {value}"
        assert value.requires_grad, f"loss {name!r}: the value has no gradient (is the query detached?)"
        value.backward()
        assert query.grad is not None and torch.isfinite(query.grad).all(), (
            f"loss {name!r}: no finite gradient reaches the query")
        labels = torch.arange(batch) // 2
        labelled = component(query.detach(), target_vectors, labels)
        assert labelled.ndim == 0 and torch.isfinite(labelled), f"loss {name!r}: with labels, got {labelled}"
        described = torch.eye(batch, dtype=torch.bool)
        described[0] = True  # a query that fits every target (an empty caption): positives beyond the labels
        extra = component(query.detach(), target_vectors, labels, described)
        assert extra.ndim == 0 and torch.isfinite(extra), f"loss {name!r}: with positives, got {extra}"


def check_index(target: Any, folder: Path | str | None = None, *, check_class: bool = True) -> None:
    """Each vector finds itself first, scores best first; k over the gallery size; save and load keep answers."""
    _run("index", target, folder, check_class, _index_behaves)


def _index_behaves(component: Any, where: Path) -> None:
    name = component.name
    vectors = torch.nn.functional.normalize(torch.randn(40, 16), dim=1)
    ids = [f"item-{i}" for i in range(40)]
    component.add(ids, vectors)
    scores, found = component.search(vectors[:5], 3)
    assert scores.shape == (5, 3), f"index {name!r}: 5 queries, k=3 must give (5, 3) scores, got {scores.shape}"
    assert [row[0] for row in found] == ids[:5], f"index {name!r}: each vector must find itself first"
    assert scores.dtype == torch.float32 and bool((scores[:, :-1] >= scores[:, 1:]).all()), (
        f"index {name!r}: scores must be float32, best first")
    every_scores, every = component.search(vectors[:2], 100)
    assert every_scores.shape == (2, 40) and all(sorted(row) == sorted(ids) for row in every), (
        f"index {name!r}: k=100 over 40 items must give each of the 40 once per query")
    component.save(where / "index")
    again = type(component).load(where / "index")
    again_scores, again_found = again.search(vectors[:5], 3)
    assert again_found == found and torch.allclose(torch.as_tensor(again_scores), torch.as_tensor(scores),
                                                  atol=1e-5), f"index {name!r}: save then load changes results"


def check_dataset(target: Any, folder: Path | str | None = None, *, check_class: bool = True) -> None:
    """``load()`` gives a non-empty catalogue of existing images with captions and known splits."""
    _run("dataset", target, folder, check_class, _dataset_behaves)


def _dataset_behaves(component: Any, where: Path) -> None:
    catalogue = component.load()
    assert len(catalogue) > 0, f"dataset {component.name!r}: the catalogue is empty"
    for item in catalogue.items[:5]:
        assert item.image.is_file() and isinstance(item.caption, str) and item.split in {"train", "val", "test"}


CHECKS = {"sketchifier": check_sketchifier, "encoder": check_encoder, "fuser": check_fuser, "loss": check_loss,
          "index": check_index, "dataset": check_dataset}


def kind_of(target: Any) -> str:
    """The component kind of a class or instance, from its base class."""
    cls = target if isinstance(target, type) else type(target)
    for kind, base in BASES.items():
        if issubclass(cls, base):
            return kind
    raise AssertionError(f"{cls!r} is not a component: subclass one of sbkit.components' base classes")


def check_component(kind: str, target: Any, folder: Path | str | None = None) -> None:
    """Check ``target`` (a registered name, a class or an instance) against ``kind``'s contract."""
    if kind not in CHECKS:
        raise AssertionError(f"unknown component kind {kind!r}; kinds: {', '.join(CHECKS)}")
    CHECKS[kind](target, folder)
