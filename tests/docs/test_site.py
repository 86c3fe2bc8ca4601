"""The docs site builds with ``mkdocs build --strict``: every page in the nav, every link and anchor resolves,
every API page's docstrings parse. Offline: the theme loads no web fonts and no plugin fetches anything."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEEDED = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def _missing() -> list[str]:
    found = []
    for name in NEEDED:
        try:
            found.append(name if importlib.util.find_spec(name) is None else "")
        except ModuleNotFoundError:
            found.append(name)
    return [name for name in found if name]


@pytest.mark.skipif(bool(_missing()), reason=f"the docs tools are not installed ({', '.join(_missing())}); "
                                             "pip install -e '.[docs]'")
def test_the_site_builds_strictly_offline(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins"), os.environ.get("PYTHONPATH", "")])}
    # No -q: quiet mode drops the warnings that --strict counts, and the build would pass whatever they say.
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    output = (result.stdout + result.stderr).splitlines()
    problems = [line for line in output if line.startswith(("WARNING", "ERROR", "  - "))] or output[-40:]
    assert result.returncode == 0, ("mkdocs build --strict failed (a new page goes into mkdocs.yml's nav; every "
                                    "link and anchor must resolve):\n" + "\n".join(problems))
    site = tmp_path / "site"
    for page in ("index.html", "cli/index.html", "reference/components/sketchifiers/index.html",
                 "api/sbkit/index.html", "api/components/index.html"):
        assert (site / page).is_file(), f"{page} was not built"
    api = (site / "api" / "sbkit" / "index.html").read_text()
    assert 'id="sbkit.run"' in api, "the API page lost sbkit.run: mkdocstrings rendered nothing from sbkit"
    assert "fonts.googleapis.com" not in (site / "index.html").read_text(), "the theme would fetch web fonts"


def test_the_config_keeps_the_build_offline() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    assert "font: false" in config, "mkdocs.yml must set theme.font: false (Google Fonts need the network)"
    for fetching in ("social", "privacy", "analytics", "import:"):
        assert fetching not in config, f"mkdocs.yml uses {fetching!r}, which fetches from the network at build time"
