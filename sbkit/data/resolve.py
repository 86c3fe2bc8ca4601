"""``--data VALUE``: a registered dataset name, or a path whose layout is detected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sbkit.data.adapters.detect import describe_layouts, detect_layout
from sbkit.data.catalogue import Catalogue
from sbkit.errors import ConfigError, DataError
from sbkit.registry import get_registry


def resolve_catalogue(value: str, params: dict[str, Any] | None = None) -> Catalogue:
    """Load the catalogue ``value`` names: ``"demo"`` or another dataset name, or a path to a dataset.

    A path is read by the dataset whose layout it holds (see :mod:`sbkit.data.adapters.detect`), with
    ``params`` as that dataset's parameters and ``path`` set to it. The catalogue is returned as read;
    :func:`sbkit.data.validate.load_valid` drops its bad items.

    Raises:
        ConfigError: ``value`` is neither a dataset name nor an existing path, or the dataset that reads
            its layout is not registered.
        DataError: the path exists but holds no known layout, or cannot be read.
    """
    registry = get_registry()
    names = registry.names("dataset")
    params = dict(params or {})
    if value in names:
        return registry.create("dataset", value, params).load()
    path = Path(value).expanduser()
    if not path.exists():
        raise ConfigError(f"data {value!r} is not a dataset name ({', '.join(names) or 'none registered'}) and no "
                          f"file or folder {path.resolve()} exists; give a dataset name or the path to your data")
    layout = detect_layout(path)
    if layout is None:
        raise DataError(f"{path.resolve()}: not a layout sbkit knows. Expected one of: {describe_layouts()}. "
                        "For your own images, give a folder that holds them (subfolders as categories), or add a "
                        "captions.csv with the columns id,image,caption (docs/data.md)")
    if layout not in names:
        raise ConfigError(f"{path.resolve()} looks like {layout!r} data, but no plugin registers the {layout!r} "
                          "dataset; is the sbkit_datasets plugin disabled (SBKIT_DISABLE_PLUGINS)?")
    return registry.create("dataset", layout, {**params, "path": path}).load()
