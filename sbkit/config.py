"""The run configuration: one object that the CLI, a TOML file and the Python API all resolve to.

A TOML config looks like this; each component is a table holding ``name`` plus its parameters::

    epochs = 8
    seed = 0

    [sketchifier]
    name = "canny-clahe"
    sigma = 1.5

    [fuser]
    name = "concat"
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from sbkit.compat import tomllib
from sbkit.errors import ConfigError
from sbkit.limits import check_limits
from sbkit.params import coerce

COMPONENT_FIELDS = ("data", "sketchifier", "encoder", "fuser", "loss", "index")


@dataclass
class ComponentSpec:
    """A component by name plus its parameters (``data`` may name a dataset or a path)."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for TOML/JSON; a path parameter (``--data.path``, coerced to a Path) is written as text."""
        return {"name": self.name, **{k: str(v) if isinstance(v, Path) else v for k, v in self.params.items()}}


@dataclass
class RunConfig:
    """Everything ``sbkit run`` needs. Defaults give a run on the demo catalogue in a few minutes on 2 CPU cores."""

    data: ComponentSpec = field(default_factory=lambda: ComponentSpec("demo"))
    sketchifier: ComponentSpec = field(default_factory=lambda: ComponentSpec("outline"))
    sketches: str = ""  # a `sbkit sketchify` job folder whose sketches are used; its sketchifier becomes the run's
    encoder: ComponentSpec = field(default_factory=lambda: ComponentSpec("lite-minilm"))
    fuser: ComponentSpec = field(default_factory=lambda: ComponentSpec("avg"))
    loss: ComponentSpec = field(default_factory=lambda: ComponentSpec("infonce"))
    index: ComponentSpec = field(default_factory=lambda: ComponentSpec("exact"))
    # Numeric bounds live in each field's metadata, the one declaration that the CLI, TOML and sbkit.run()
    # all apply (sbkit/limits.py).
    epochs: int = field(default=20, metadata={"min": 1})
    image_size: int = field(default=128, metadata={"min": 16, "max": 1024})
    batch_size: int = field(default=256, metadata={"min": 2})  # contrastive losses need negatives
    lr: float = field(default=1e-3, metadata={"above": 0, "max": 1})
    lr_pretrained: float = field(default=1e-4, metadata={"min": 0, "max": 1})  # unfrozen pretrained parameters
    augment: float = field(default=1.0, metadata={"min": 0, "max": 1})
    mirror: float = field(default=0.25, metadata={"min": 0, "max": 1})  # chance an augmented sketch faces the other way
    caption_augment: float = field(default=0.5, metadata={"min": 0, "max": 1})
    sketch_variants: int = field(default=3, metadata={"min": 1, "max": 16})
    caption_variants: int = field(default=6, metadata={"min": 1, "max": 32})
    caption_positives: bool = True  # a text-only query's positives include the items its caption describes
    # ... and this share of a sketch+text query's loss counts them too (with caption_positives)
    sketch_text_positives: float = field(default=0.3, metadata={"min": 0, "max": 1})
    holdout: str = "auto"
    line_width: int = field(default=2, metadata={"min": 1, "max": 16})
    modality_dropout: float = field(default=0.2, metadata={"min": 0, "max": 0.5})  # sketch-only + text-only <= 1
    every_mode: bool = True
    train_drawings: bool = True  # train items' own drawings (where the catalogue has them) as training sketches
    grad_cache_chunk: int = field(default=0, metadata={"min": 0})
    early_stopping: int = field(default=0, metadata={"min": 0})
    device: str = "auto"
    workers: int = field(default=2, metadata={"min": 0, "max": 64})  # DataLoader processes reading data
    seed: int = field(default=0, metadata={"min": 0, "max": 2**32 - 1})  # numpy takes no other seeds
    out: str = ""
    sheet_queries: int = field(default=8, metadata={"min": 1, "max": 64})
    probes: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain data for TOML/JSON: components become tables, other fields stay as they are."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.to_dict() if isinstance(value, ComponentSpec) else value
        return out

    def save(self, path: Path) -> None:
        from sbkit.io import atomic_write_text

        atomic_write_text(path, tomli_w.dumps(self.to_dict()))

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "config") -> RunConfig:
        return cls().updated(data, where)

    @classmethod
    def given(cls, config: Any, where: str) -> RunConfig | None:
        """``config`` as a RunConfig: None stays None, a dict of settings is read like a config file's."""
        if config is None or isinstance(config, RunConfig):
            return config
        if isinstance(config, dict):
            return cls.from_dict(config, where)
        raise ConfigError(f"{where}: config must be a RunConfig or a dict of settings, got "
                          f"{type(config).__name__}; or pass the settings as keywords, e.g. {where[:-1]}epochs=2)")

    @classmethod
    def from_toml(cls, path: str | Path) -> RunConfig:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        return cls.from_dict(data, str(path))

    def updated(self, data: dict[str, Any], where: str = "config") -> RunConfig:
        """A copy with ``data`` applied: scalars replace, component tables merge their params."""
        config = dataclasses.replace(self, **{n: _copy_spec(getattr(self, n)) for n in COMPONENT_FIELDS})
        fields = {f.name: f for f in dataclasses.fields(self)}
        for key, value in data.items():
            if key not in fields:
                raise ConfigError(f"{where}: unknown setting {key!r}; valid settings: {', '.join(sorted(fields))}")
            if key in COMPONENT_FIELDS:
                spec = getattr(config, key)
                if isinstance(value, str):
                    spec.name, spec.params = value, {}
                elif isinstance(value, dict):
                    value = dict(value)
                    if "name" in value and value["name"] != spec.name:
                        spec.name, spec.params = str(value.pop("name")), {}
                    value.pop("name", None)
                    spec.params.update(value)
                else:
                    raise ConfigError(f"{where}: {key} must be a name or a table, got {value!r}")
            else:
                annotation = type(getattr(self, key))
                setattr(config, key, coerce(value, annotation, f"{where}: {key}") if isinstance(value, str)
                        else _check_type(value, annotation, f"{where}: {key}"))
        check_limits(config, where)
        return config


def _copy_spec(spec: ComponentSpec) -> ComponentSpec:
    return ComponentSpec(spec.name, dict(spec.params))


def _check_type(value: Any, annotation: type, where: str) -> Any:
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, annotation) or (annotation is int and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {annotation.__name__}, got {value!r}")
    return value
