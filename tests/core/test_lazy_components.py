"""Components declared by name: listing them imports nothing heavy; creating one imports its module.

The import checks run in a fresh interpreter, since this test process has long imported torch.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
import types

import pytest

from sbkit.component_spec import ComponentSpec
from sbkit.errors import MissingExtraError, PluginError
from sbkit.hookspecs import hookimpl
from sbkit.plugins import KINDS, PluginHost, get_host, reset_host
from sbkit.registry import Registry, get_registry

FIRST_PARTY = ("sbkit_opencv", "sbkit_kornia", "sbkit_torch", "sbkit_datasets", "sbkit_index",
               "sbkit_transformers", "sbkit_timm")
HEAVY = ("torch", "torchvision", "kornia", "transformers", "timm", "faiss", "skimage", "scipy", "matplotlib", "sklearn",
         "ray", "fastapi", "uvicorn", "h5py", "pytorch_metric_learning", "cv2")

# Installed first in the child: every import of a blocked top-level module fails as if it were not installed.
BLOCKER = """
import sys
BLOCKED = set({blocked!r})
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Blocker())
"""


def run_python(code: str, blocked: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter, with ``blocked`` modules made unimportable (tables 200 wide)."""
    script = BLOCKER.format(blocked=sorted(blocked)) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def loaded_after(code: str) -> set[str]:
    """The heavy modules and first-party component modules imported by ``code``."""
    result = run_python(textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))")
    assert result.returncode == 0, result.stderr
    modules = set(json.loads(result.stdout.strip().splitlines()[-1]))
    component_modules = {m for m in modules if m.split(".")[0] in FIRST_PARTY and "." in m}
    return {m for m in modules if m in HEAVY} | component_modules


def test_building_the_cli_app_imports_no_heavy_module():
    assert loaded_after("from sbkit.cli.app import create_app\ncreate_app()") == set()


def test_help_and_plugins_import_no_torch():
    for argv in (["--help"], ["plugins"], ["plugins", "--json"]):
        code = f"""
            from sbkit.cli.app import main
            try:
                main({argv!r})
            except SystemExit as exit:
                assert not exit.code, exit.code
        """
        assert loaded_after(code) == set(), argv


def test_sketchify_with_an_opencv_sketchifier_imports_no_torch(tmp_path):
    import cv2
    import numpy as np

    (tmp_path / "photos").mkdir()
    for i in range(3):
        photo = np.full((64, 64, 3), 255, np.uint8)
        cv2.rectangle(photo, (10 + i, 12), (50, 54 - i), (40, 90, 160), -1)
        cv2.imwrite(str(tmp_path / "photos" / f"p{i}.jpg"), photo)
    code = f"""
        from sbkit.cli.app import main
        try:
            main(["sketchify", {str(tmp_path / "photos")!r}, "--out", {str(tmp_path / "job")!r}, "-j", "2"])
        except SystemExit as exit:
            assert not exit.code, exit.code
    """
    loaded = loaded_after(code)
    assert len(list((tmp_path / "job" / "sketches").glob("*.png"))) == 3
    assert not loaded & {"torch", "skimage", "scipy", "matplotlib", "kornia"}, loaded


def test_listing_every_component_imports_no_component_module():
    code = """
        from sbkit.registry import get_registry
        registry = get_registry()
        for kind in ("sketchifier", "encoder", "fuser", "loss", "dataset", "index"):
            for entry in registry.list(kind):
                assert entry.description, entry.name
    """
    assert loaded_after(code) == set()


def test_creating_a_component_imports_only_its_module():
    loaded = loaded_after("from sbkit.registry import create\ncreate('sketchifier', 'canny')")
    assert "sbkit_opencv.canny" in loaded
    assert not loaded & {"torch", "sbkit_opencv.xdog", "sbkit_torch.fusers"}, loaded


def test_every_first_party_component_is_declared_and_matches_its_class(fresh_plugins):
    registry = get_registry()
    for kind in KINDS:
        for entry in registry.list(kind):
            if entry.plugin.module in FIRST_PARTY:
                assert entry.spec is not None, f"{kind} {entry.name} is registered as a class, not declared"
                if entry.needs:
                    continue
                cls = entry.cls  # the class's name is checked against the spec's on import
                assert entry.spec.description == cls.description, (kind, entry.name)


def test_plugin_modules_still_export_their_classes():
    from sbkit_index import ExactIndex, load_index
    from sbkit_opencv import Canny
    from sbkit_torch import InfoNCE, tokenize

    assert Canny.name == "canny" and InfoNCE.name == "infonce" and ExactIndex.name == "exact"
    assert callable(tokenize) and callable(load_index)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        importlib.import_module("sbkit_opencv").Nope  # noqa: B018


def test_missing_extras_show_the_install_hint_in_plugins():
    code = """
        from sbkit.cli.app import main
        main(["plugins", "--json"])
    """
    result = run_python(code, blocked=("faiss", "kornia", "transformers", "timm", "h5py", "pytorch_metric_learning"))
    assert result.returncode == 0, result.stderr
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records["index"]["needs"] == {"faiss": "needs `pip install sbkit[faiss]`"}
    assert records["kornia"]["needs"] == {"kornia-canny": "needs `pip install sbkit[kornia]`"}
    assert records["transformers"]["needs"] == {"clip": "needs `pip install sbkit[transformers]`",
                                                "hf-text": "needs `pip install sbkit[transformers]`"}
    assert set(records["timm"]["needs"]) == {"timm", "lite-minilm"}
    assert records["datasets"]["needs"] == {"fashiongen": "needs `pip install sbkit[datasets]`"}
    assert records["torch"]["needs"] == {"pml": "needs `pip install sbkit[pml]`"}
    assert records["opencv"]["needs"] == {}
    assert all(r["status"] == "ok" for r in records.values())


def test_missing_extra_in_the_plugins_table_and_list():
    result = run_python("from sbkit.cli.app import main\nmain(['plugins'])", blocked=("faiss", "kornia"))
    assert result.returncode == 0, result.stderr
    table = " ".join(result.stdout.split())
    assert "needs `pip install sbkit[kornia]`" in table and "sbkit[faiss]`" in table
    result = run_python("from sbkit.cli.app import main\nmain(['list', 'index', '--json'])", blocked=("faiss",))
    entries = {e["name"]: e for e in json.loads(result.stdout)}
    assert entries["faiss"]["needs"] == "needs `pip install sbkit[faiss]`" and entries["faiss"]["params"] == []
    assert entries["exact"]["params"] and "needs" not in entries["exact"]


def test_creating_a_component_whose_extra_is_missing_gives_the_hint():
    code = """
        from sbkit.errors import MissingExtraError
        from sbkit.registry import create
        try:
            create("index", "faiss")
        except MissingExtraError as error:
            print(error)
    """
    result = run_python(code, blocked=("faiss",))
    assert result.returncode == 0, result.stderr
    assert "index 'faiss' needs `pip install sbkit[faiss]`" in result.stdout
    cli = run_python("from sbkit.cli.app import main\nmain(['sketchify', '.', '--out', 'x', '-s', 'kornia-canny'])",
                     blocked=("kornia",))
    assert cli.returncode == 2
    assert "sketchifier 'kornia-canny' needs `pip install sbkit[kornia]`" in cli.stdout + cli.stderr


def _module(name: str, hook: str, components: list) -> types.ModuleType:
    module = types.ModuleType(name)
    setattr(module, hook, hookimpl(lambda: components))
    return module


@pytest.fixture
def host():
    host = PluginHost()
    reset_host(host)
    yield host
    reset_host()


def test_a_declared_component_loads_on_first_use(host, tmp_path, monkeypatch):
    package = tmp_path / "sbkit_lazy_demo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "wiggle.py").write_text(textwrap.dedent("""
        from sbkit.components import Sketchifier

        class Wiggle(Sketchifier):
            \"\"\"Wiggly lines.

            Args:
                amount: how much.
            \"\"\"
            name = "wiggle"
            description = "Wiggly lines."

            def __init__(self, amount: int = 3) -> None:
                self.amount = amount

            def sketchify(self, image, caption):
                return image[..., 0]
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = ComponentSpec("wiggle", "sbkit_lazy_demo.wiggle:Wiggle", "Wiggly lines.")
    host.register(_module("lazy", "register_sketchifiers", [spec]), name="lazy")
    entry = get_registry().entry("sketchifier", "wiggle")
    assert entry.description == "Wiggly lines." and not entry.loaded
    assert "sbkit_lazy_demo.wiggle" not in sys.modules
    assert [p.name for p in entry.params] == ["amount"] and entry.loaded
    assert get_registry().create("sketchifier", "wiggle", {"amount": "5"}).amount == 5


def test_a_spec_whose_class_has_another_name_is_refused(host):
    spec = ComponentSpec("canny-two", "sbkit_opencv.canny:Canny", "A second name.")
    host.register(_module("renamed", "register_sketchifiers", [spec]), name="renamed")
    with pytest.raises(PluginError, match="'canny-two'.*named 'canny'"):
        Registry().get("sketchifier", "canny-two")


def test_a_broken_target_names_the_plugin_and_the_target(host):
    spec = ComponentSpec("ghost", "sbkit_no_such_module.ghost:Ghost", "Nowhere.")
    host.register(_module("haunted", "register_fusers", [spec]), name="haunted", package="sbkit-haunted")
    with pytest.raises(PluginError, match='plugin "haunted".*sbkit-haunted.*sbkit_no_such_module.ghost:Ghost'):
        Registry().create("fuser", "ghost")


def test_a_target_without_a_class_is_refused_when_declared():
    with pytest.raises(PluginError, match="package.module:Class"):
        ComponentSpec("bad", "sbkit_opencv.canny")


def test_a_missing_requirement_is_a_hint_before_any_import(host):
    spec = ComponentSpec("far", "sbkit_far_away.index:Far", "Far away.", requires=("sbkit_far_away_engine",),
                         install="sbkit-far[engine]")
    host.register(_module("far", "register_indexes", [spec]), name="far")
    registry = Registry()
    assert registry.entry("index", "far").needs == "needs `pip install sbkit-far[engine]`"
    assert host.records["far"].needs == {"far": "needs `pip install sbkit-far[engine]`"}
    with pytest.raises(MissingExtraError, match=r"index 'far' needs `pip install sbkit-far\[engine\]`"):
        registry.create("index", "far")


def test_classes_and_specs_mix_in_one_hook(host):
    from sbkit_opencv.canny import Canny

    spec = ComponentSpec("xdog", "sbkit_opencv.xdog:XDoG", "XDoG.")
    host.register(_module("mixed", "register_sketchifiers", [Canny, spec]), name="mixed")
    registry = Registry()
    assert registry.names("sketchifier") == ["canny", "xdog"]
    assert registry.entry("sketchifier", "canny").loaded and registry.get("sketchifier", "xdog").name == "xdog"


def test_the_registry_follows_changes_to_the_host(host):
    spec = ComponentSpec("xdog", "sbkit_opencv.xdog:XDoG", "XDoG.")
    assert get_registry().names("sketchifier") == []
    host.register(_module("late", "register_sketchifiers", [spec]), name="late")
    assert get_registry().names("sketchifier") == ["xdog"]
    host.unregister("late")
    assert get_registry().names("sketchifier") == []
    assert get_host() is host


def test_plugins_does_not_import_the_registry():
    result = run_python("import sys, sbkit.plugins\nprint('sbkit.registry' in sys.modules)")
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr


def test_serve_without_its_extra_names_the_extra(tmp_path):
    result = run_python(f"from sbkit.cli.app import main\nmain(['serve', {str(tmp_path)!r}])", blocked=("fastapi",))
    assert result.returncode == 2, result.stderr
    assert "sbkit serve needs `pip install sbkit[serve]`" in " ".join((result.stdout + result.stderr).split())
