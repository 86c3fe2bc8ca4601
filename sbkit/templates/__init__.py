"""The plugin package template of ``sbkit new-plugin``: a pyproject with the entry point, a component, tests, README.

The files are ``string.Template`` texts (``${name}``) in ``plugin/`` (shared by every kind) and in a
folder per kind (``component.py.tmpl``, ``test_component.py.tmpl``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from sbkit.errors import ConfigError, check

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class KindTemplate:
    """What differs between kinds: the hook, the package's dependencies and the README's usage line."""

    hook: str
    dependencies: tuple[str, ...]
    usage: str


KINDS: dict[str, KindTemplate] = {
    "sketchifier": KindTemplate("register_sketchifiers", ("sbkit", "numpy", "opencv-python-headless"),
                                "sbkit sketchify photos/ -o sketches/ -s ${name} --sketchifier.post despeckle"),
    "fuser": KindTemplate("register_fusers", ("sbkit", "torch"), "sbkit run --fuser ${name}"),
    "loss": KindTemplate("register_losses", ("sbkit", "torch"), "sbkit run --loss ${name}"),
    "index": KindTemplate("register_indexes", ("sbkit", "numpy", "torch"), "sbkit run --index ${name}"),
}


def names_for(name: str, kind: str) -> dict[str, str]:
    """Every name the template uses, from the plugin's name (``fine-liner``: ``sbkit_fine_liner``, ``FineLiner``)."""
    check(NAME_RE.match(name) is not None, f"plugin name {name!r} must be lowercase letters and digits, words "
          f"joined by hyphens, starting with a letter (e.g. fine-liner)", ConfigError)
    check(kind in KINDS, f"no template for kind {kind!r}; choose one of {', '.join(KINDS)}", ConfigError)
    spec = KINDS[kind]
    values = {"name": name, "kind": kind, "dist": f"sbkit-{name}", "package": "sbkit_" + name.replace("-", "_"),
              "class_name": "".join(part.capitalize() for part in name.split("-")), "hook": spec.hook,
              "dependencies": ", ".join(f'"{d}"' for d in spec.dependencies)}
    values["usage"] = Template(spec.usage).substitute(values)
    return values


def _render(resource: str, values: dict[str, str]) -> str:
    text = resources.files(__name__).joinpath(resource).read_text(encoding="utf-8")
    return Template(text).substitute(values)


def plugin_files(name: str, kind: str) -> dict[str, str]:
    """Relative path -> text of every file of the package ``sbkit-NAME``."""
    values = names_for(name, kind)
    package = values["package"]
    return {
        "pyproject.toml": _render("plugin/pyproject.toml.tmpl", values),
        "README.md": _render("plugin/README.md.tmpl", values),
        f"{package}/__init__.py": _render("plugin/__init__.py.tmpl", values),
        f"{package}/{kind}.py": _render(f"{kind}/component.py.tmpl", values),
        f"tests/test_{package.removeprefix('sbkit_')}.py": _render(f"{kind}/test_component.py.tmpl", values),
    }


def write_plugin(name: str, kind: str, parent: str | Path = ".") -> Path:
    """Write ``parent/sbkit-NAME/`` whole or not at all; an existing folder is never touched."""
    files = plugin_files(name, kind)
    parent = Path(parent)
    target = parent / f"sbkit-{name}"
    check(parent.is_dir(), f"{parent} is not a folder; create it or pass another --out", ConfigError)
    check(not target.exists(), f"{target} already exists; pick another name or --out, or remove it first",
          ConfigError)
    staging = Path(tempfile.mkdtemp(prefix=f".sbkit-{name}-", dir=parent))
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        os.chmod(staging, 0o777 & ~_umask())
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
