"""Item specs: everything needed to render one product picture, sampled from a seeded generator."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sbkit.data.demo.accessories import ACCESSORIES
from sbkit.data.demo.garments import GARMENTS
from sbkit.data.demo.lines import line_of, make_line
from sbkit.data.demo.shapes import CategoryShape, Params, Shape
from sbkit.data.demo.vocab import BRANDS, CATEGORIES, COLOURS, LENGTHS, LIGHT_COLOURS
from sbkit.errors import ConfigError, check, unknown_name_message

SHAPES: dict[str, CategoryShape] = {**GARMENTS, **ACCESSORIES}

# Plain items are the most common in any real catalogue.
BRAND_WEIGHTS: dict[str, float] = {brand: (2.0 if pattern == "plain" else 1.0) for brand, pattern in BRANDS.items()}

# Streams of the per-item generator, so each part of an item is independent of the others and of order.
SPEC_STREAM, VIEW_STREAM, SKETCH_STREAM = 0, 1, 2


@dataclass(frozen=True)
class Pose:
    """How one picture is framed and lit: placement in the frame, a light gradient, a drop shadow, noise."""

    fill: float = 0.74  # the item's longer side, as a fraction of the frame
    dx: float = 0.0  # centre offset, as a fraction of the frame
    dy: float = 0.0
    angle: float = 0.0  # degrees, counter-clockwise
    light_angle: float = 45.0  # direction the light gradient rises towards, degrees
    light: float = 0.1  # gradient strength
    shadow: float = 0.1  # drop-shadow darkness on the background
    shadow_dx: float = 0.02
    shadow_dy: float = 0.03
    noise: float = 1.5  # pixel noise, standard deviation in grey levels
    seed: int = 0  # noise seed


@dataclass(frozen=True)
class ItemSpec:
    """One product: category, colour, brand (hence pattern), length, hidden shape params, and a pose."""

    category: str
    colour: str
    brand: str
    length: str
    params: dict[str, float]
    options: dict[str, int]
    rgb: tuple[int, int, int]
    pose: Pose = Pose()
    pattern_phase: tuple[float, float] = (0.0, 0.0)
    image_size: int = 128

    @property
    def pattern(self) -> str:
        return BRANDS[self.brand]

    @property
    def light(self) -> bool:
        return self.colour in LIGHT_COLOURS

    def shape(self, params: Params | None = None) -> Shape:
        """The outline built from this spec's params (or from ``params``, e.g. a perturbed copy)."""
        return SHAPES[self.category].build(self.length, params if params is not None else self.params, self.options)


def _choose(rng: np.random.Generator, value: str | None, choices: tuple[str, ...] | list[str], what: str,
            weights: list[float] | None = None) -> str:
    """``value`` if given (checked against ``choices``), else a draw; the draw happens either way."""
    p = np.ones(len(choices)) if weights is None else np.asarray(weights, dtype=np.float64)
    index = int(np.searchsorted(np.cumsum(p) / p.sum(), rng.random(), side="right"))
    drawn = str(choices[min(index, len(choices) - 1)])
    if value is None:
        return drawn
    check(value in choices, unknown_name_message(what, value, choices), ConfigError)
    return value


def sample_pose(rng: np.random.Generator, length: str, light: bool) -> Pose:
    """A product-photo framing: centred, upright, 60-85% of the frame, soft light."""
    small = length == "small"
    return Pose(
        fill=float(rng.uniform(0.56, 0.68) if small else rng.uniform(0.66, 0.84)),
        dx=float(rng.uniform(-0.04, 0.04)),
        dy=float(rng.uniform(-0.04, 0.04)),
        angle=float(rng.uniform(-4.0, 4.0)),
        light_angle=float(rng.uniform(0.0, 360.0)),
        light=float(rng.uniform(0.015, 0.035) if light else rng.uniform(0.06, 0.16)),
        shadow=float(rng.uniform(0.05, 0.12)),
        shadow_dx=float(rng.uniform(-0.015, 0.025)),
        shadow_dy=float(rng.uniform(0.01, 0.035)),
        noise=float(rng.uniform(1.0, 2.2)),
        seed=int(rng.integers(2**31)),
    )


def make_spec(rng: np.random.Generator, category: str | None = None, colour: str | None = None,
              brand: str | None = None, length: str | None = None, image_size: int = 128) -> ItemSpec:
    """Sample a spec; any of category, colour, brand and length may be fixed.

    The generator is consumed the same way whether or not a value is fixed, so fixing the colour of
    a seeded spec changes only its colour ("the same trouser with each colour").
    """
    check(image_size >= 16, f"image_size must be at least 16 px, got {image_size}", ConfigError)
    category = _choose(rng, category, CATEGORIES, "category")
    colour = _choose(rng, colour, list(COLOURS), "colour")
    brand = _choose(rng, brand, list(BRANDS), "brand", list(BRAND_WEIGHTS.values()))
    length = _choose(rng, length, LENGTHS[category], f"length for {category}")
    shape_rng = np.random.default_rng(rng.integers(2**63))
    params, options = SHAPES[category].sample(shape_rng, length)
    jitter = rng.uniform(-1.0, 1.0, 3) * (2 if colour in LIGHT_COLOURS else 6)
    rgb = tuple(int(np.clip(round(c + j), 0, 255)) for c, j in zip(COLOURS[colour], jitter))
    pose = sample_pose(rng, length, colour in LIGHT_COLOURS)
    phase = (float(rng.uniform()), float(rng.uniform()))
    return ItemSpec(category, colour, brand, length, params, options, rgb, pose, phase,  # type: ignore[arg-type]
                    image_size)


def item_rng(seed: int, index: int, stream: int, *extra: int) -> np.random.Generator:
    """The generator for one part (``stream``) of item ``index``: independent of every other item."""
    return np.random.default_rng([seed, index, stream, *extra])


def sample_spec(seed: int, index: int, size: int, image_size: int = 128) -> ItemSpec:
    """The spec of product ``index`` in the catalogue of ``size`` products generated from ``seed``.

    Its line fixes category, colour, brand and length; its own generator gives the cut and the pose.
    """
    line = make_line(seed, line_of(index, size))
    return make_spec(item_rng(seed, index, SPEC_STREAM), category=line.category, colour=line.colour,
                     brand=line.brand, length=line.length, image_size=image_size)


def view_spec(spec: ItemSpec, rng: np.random.Generator) -> ItemSpec:
    """Another picture of the same product: a small shift, scale and rotation, and different light."""
    pose = spec.pose
    new_pose = replace(
        pose,
        fill=float(np.clip(pose.fill * rng.uniform(0.9, 1.1), 0.52, 0.88)),
        dx=float(rng.uniform(-0.06, 0.06)),
        dy=float(rng.uniform(-0.06, 0.06)),
        angle=float(pose.angle + rng.uniform(-7.0, 7.0)),
        light_angle=float(rng.uniform(0.0, 360.0)),
        light=float(pose.light * rng.uniform(0.6, 1.5)),
        shadow=float(rng.uniform(0.04, 0.13)),
        shadow_dx=float(rng.uniform(-0.02, 0.03)),
        shadow_dy=float(rng.uniform(0.0, 0.04)),
        seed=int(rng.integers(2**31)),
    )
    return replace(spec, pose=new_pose)
