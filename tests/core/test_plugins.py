"""Plugin discovery through faked entry points, including broken plugins."""

from __future__ import annotations

import importlib.metadata
import types

import pytest

from sbkit import plugins
from sbkit.errors import DuplicateComponentError, PluginError, UnknownComponentError
from sbkit.hookspecs import hookimpl
from sbkit.plugins import PluginHost, reset_host
from sbkit.registry import Registry


class FakeDist:
    def __init__(self, name: str, version: str) -> None:
        self.metadata = {"Name": name}
        self.version = version


class FakeEntryPoint:
    """Stands in for an installed package's ``[project.entry-points.sbkit]`` line."""

    def __init__(self, name: str, load, package: str = "sbkit-fake", version: str = "9.9") -> None:
        self.name, self.value, self.group = name, f"{package.replace('-', '_')}", "sbkit"
        self.dist = FakeDist(package, version)
        self._load = load

    def load(self):
        return self._load()


def sketchifier_module(name: str, component: str) -> types.ModuleType:
    from sbkit.components import Sketchifier

    cls = type("Fake", (Sketchifier,), {"name": component, "description": "fake", "sketchify": lambda s, i, c: i[..., 0]})
    module = types.ModuleType(name)
    module.register_sketchifiers = hookimpl(lambda: [cls])
    return module


def broken_import():
    raise ImportError("No module named 'sbkit_missing_dependency'")


def broken_hook_module() -> types.ModuleType:
    module = types.ModuleType("broken_hook")

    def register_fusers():
        raise RuntimeError("register exploded")

    module.register_fusers = hookimpl(register_fusers)
    return module


@pytest.fixture
def fake_entry_points(monkeypatch):
    """Replace the installed entry points with the list the test puts in."""
    points: list[FakeEntryPoint] = []
    real = importlib.metadata.entry_points

    def entry_points(group=None, **kwargs):
        # Only the sbkit group is faked; torch and others look up their own groups through the same call.
        return list(points) if group == "sbkit" else real(group=group, **kwargs)

    monkeypatch.setattr(plugins.importlib.metadata, "entry_points", entry_points)
    monkeypatch.delenv("SBKIT_STRICT", raising=False)
    monkeypatch.delenv("SBKIT_DISABLE_PLUGINS", raising=False)
    yield points
    reset_host()


def test_entry_point_plugin_is_loaded_with_package_and_version(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    host = PluginHost()
    host.load_entrypoints()
    reset_host(host)
    record = host.records["good"]
    assert (record.status, record.package, record.version) == ("ok", "sbkit-fake", "9.9")
    assert Registry().names("sketchifier") == ["wiggle"]
    assert record.components == {"sketchifier": ["wiggle"]}


def test_broken_import_is_reported_and_the_rest_keeps_working(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("broken", broken_import, package="sbkit-broken"))
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    host = PluginHost()
    host.load_entrypoints()
    reset_host(host)
    assert host.records["broken"].status == "failed"
    assert "sbkit_missing_dependency" in host.records["broken"].error
    assert Registry().names("sketchifier") == ["wiggle"]


def test_broken_register_hook_is_isolated(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("hooky", broken_hook_module))
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    host = PluginHost()
    host.load_entrypoints()
    reset_host(host)
    registry = Registry()
    assert registry.names("fuser") == []
    assert host.records["hooky"].status == "failed"
    assert "register exploded" in host.records["hooky"].error


def test_strict_mode_turns_a_broken_plugin_into_an_error(fake_entry_points, monkeypatch):
    fake_entry_points.append(FakeEntryPoint("broken", broken_import))
    monkeypatch.setenv("SBKIT_STRICT", "1")
    with pytest.raises(PluginError, match='plugin "broken"'):
        PluginHost().load_entrypoints()


def test_disabled_plugin_is_not_imported(fake_entry_points, monkeypatch):
    calls = []
    fake_entry_points.append(FakeEntryPoint("good", lambda: calls.append(1) or sketchifier_module("g", "wiggle")))
    monkeypatch.setenv("SBKIT_DISABLE_PLUGINS", "good")
    host = PluginHost()
    host.load_entrypoints()
    assert host.records["good"].status == "disabled" and calls == []


def test_duplicate_names_fail_naming_both_packages(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("one", lambda: sketchifier_module("one", "same"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("two", lambda: sketchifier_module("two", "same"), package="sbkit-two"))
    host = PluginHost()
    host.load_entrypoints()
    reset_host(host)
    with pytest.raises(DuplicateComponentError) as info:
        Registry()
    assert "sbkit-one" in str(info.value) and "sbkit-two" in str(info.value) and "'same'" in str(info.value)


def test_duplicate_plugin_names_fail_naming_both(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "wiggle"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("b", "waggle"), package="sbkit-two"))
    with pytest.raises(PluginError) as info:
        PluginHost().load_entrypoints()
    message = str(info.value)
    assert "'same'" in message and "package sbkit-one" in message and "package sbkit-two" in message


def test_registering_a_taken_plugin_name_by_hand_fails(fresh_plugins):
    from sbkit.plugins import get_host

    with pytest.raises(PluginError, match="'opencv'.*package sbkit, module sbkit_opencv.*module manual"):
        get_host().register(sketchifier_module("manual", "by-hand"), name="opencv")
    assert get_host().records["opencv"].module == "sbkit_opencv"


def test_unknown_name_lists_choices_and_closest_match(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    host = PluginHost()
    host.load_entrypoints()
    reset_host(host)
    with pytest.raises(UnknownComponentError) as info:
        Registry().get("sketchifier", "wigle")
    assert "choose from: wiggle" in str(info.value) and "did you mean 'wiggle'" in str(info.value)


def test_register_and_unregister_by_hand(fresh_plugins):
    from sbkit.plugins import get_host

    host = get_host()
    host.register(sketchifier_module("manual", "by-hand"), name="manual")
    assert "by-hand" in Registry().names("sketchifier")
    host.unregister("manual")
    assert "by-hand" not in Registry().names("sketchifier")


def test_first_party_plugins_come_through_entry_points(fresh_plugins):
    from sbkit.plugins import get_host

    records = get_host().records
    for name in ("opencv", "torch", "datasets", "index"):
        assert records[name].package == "sbkit" and records[name].status == "ok", records[name]


def test_duplicate_plugin_names_stop_the_cli_with_one_error(fake_entry_points, capsys):
    from sbkit.cli.app import main

    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "wiggle"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("b", "waggle"), package="sbkit-two"))
    reset_host()
    with pytest.raises(SystemExit) as exit_info:
        main(["plugins"])
    assert exit_info.value.code == 2
    error = " ".join(capsys.readouterr().err.split())
    assert error.startswith("error: two plugins are named 'same'") and "sbkit-one" in error and "sbkit-two" in error
