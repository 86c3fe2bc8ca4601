"""Plugin discovery through faked entry points, including broken plugins."""

from __future__ import annotations

import importlib.metadata
import json
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


def loaded_host() -> PluginHost:
    """A plugin host that has loaded the entry points, made the one the registry uses."""
    host = PluginHost()
    host.load_entrypoints()
    reset_host(host)
    return host


def cli_exit_code(*args: str) -> int:
    """The exit code of the sbkit CLI run with ``args``, its plugins loaded afresh from the entry points."""
    from sbkit.cli.app import main

    reset_host()
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return exit_info.value.code


def sketchifier_module(name: str, component: str) -> types.ModuleType:
    from sbkit.components import Sketchifier

    cls = type("Fake", (Sketchifier,), {"name": component, "description": "fake", "sketchify": lambda s, i, c: i[..., 0]})
    module = types.ModuleType(name)
    module.register_sketchifiers = hookimpl(lambda: [cls])
    return module


def broken_import():
    raise ImportError("No module named 'sbkit_missing_dependency'")


def hook_module_raising(error: BaseException) -> types.ModuleType:
    """A plugin module whose register_fusers hook raises ``error``."""
    module = types.ModuleType("raising_hook")

    def register_fusers():
        raise error

    module.register_fusers = hookimpl(register_fusers)
    return module


def broken_hook_module() -> types.ModuleType:
    return hook_module_raising(RuntimeError("register exploded"))


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
    host = loaded_host()
    record = host.records["good"]
    assert (record.status, record.package, record.version) == ("ok", "sbkit-fake", "9.9")
    assert Registry().names("sketchifier") == ["wiggle"]
    assert record.components == {"sketchifier": ["wiggle"]}


def test_broken_import_is_reported_and_the_rest_keeps_working(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("broken", broken_import, package="sbkit-broken"))
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    host = loaded_host()
    assert host.records["broken"].status == "failed"
    assert "sbkit_missing_dependency" in host.records["broken"].error
    assert Registry().names("sketchifier") == ["wiggle"]


def test_broken_register_hook_is_isolated(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("hooky", broken_hook_module))
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    host = loaded_host()
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


def test_duplicate_component_names_fail_naming_both_packages_in_strict_mode(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("one", lambda: sketchifier_module("one", "same"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("two", lambda: sketchifier_module("two", "same"), package="sbkit-two"))
    host = PluginHost(strict=True)
    host.load_entrypoints()
    reset_host(host)
    with pytest.raises(DuplicateComponentError) as info:
        Registry()
    assert "sbkit-one" in str(info.value) and "sbkit-two" in str(info.value) and "'same'" in str(info.value)


def two_component_module(name: str, sketchifier: str, fuser: str) -> types.ModuleType:
    """A plugin with a sketchifier and a fuser, so a clash on one shows what happens to the other."""
    from sbkit.components import Fuser

    module = sketchifier_module(name, sketchifier)
    cls = type("FakeFuser", (Fuser,), {"name": fuser, "description": "fake"})
    module.register_fusers = hookimpl(lambda: [cls])
    return module


def test_duplicate_component_name_keeps_the_first_and_marks_the_second_failed(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("one", lambda: sketchifier_module("one", "same"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("two", lambda: two_component_module("two", "same", "glue"),
                                            package="sbkit-two"))
    host = loaded_host()
    registry = Registry()
    assert registry.entry("sketchifier", "same").plugin.name == "one"
    assert "glue" not in registry.names("fuser")  # a failed plugin brings none of its components
    record = host.records["two"]
    assert record.status == "failed" and host.records["one"].status == "ok"
    assert "sketchifier name 'same' is registered twice" in record.error
    assert "sbkit-one" in record.error and "SBKIT_DISABLE_PLUGINS=two" in record.error


def test_duplicate_component_name_keeps_the_built_in_one_even_when_it_comes_second(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("aaa", lambda: sketchifier_module("aaa", "same"), package="sbkit-aaa"))
    fake_entry_points.append(FakeEntryPoint("zzz", lambda: sketchifier_module("zzz", "same"), package="sbkit"))
    host = loaded_host()
    assert Registry().entry("sketchifier", "same").plugin.name == "zzz"
    assert host.records["aaa"].status == "failed" and host.records["zzz"].status == "ok"


def test_a_component_clash_spares_commands_and_shows_in_sbkit_plugins(fake_entry_points, capsys):
    fake_entry_points.append(FakeEntryPoint("one", lambda: sketchifier_module("one", "same"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("two", lambda: sketchifier_module("two", "same"), package="sbkit-two"))
    assert cli_exit_code("plugins", "--json") == 0
    records = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert records["one"]["status"] == "ok" and records["two"]["status"] == "failed"
    assert "'same' is registered twice" in records["two"]["error"]

    assert cli_exit_code("--strict", "list", "fuser") == 2
    error = " ".join(capsys.readouterr().err.split())
    assert error.startswith("error: sketchifier name 'same' is registered twice") and "sbkit-two" in error


def test_duplicate_plugin_names_keep_the_first_and_never_import_the_second(fake_entry_points):
    imported = []
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "wiggle"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint(
        "same", lambda: imported.append("b") or sketchifier_module("b", "waggle"), package="sbkit-two"))
    host = loaded_host()
    assert imported == [] and Registry().names("sketchifier") == ["wiggle"]
    first, second = (r for r in host.records.values() if r.name == "same")
    assert (first.package, first.status, second.package, second.status) == ("sbkit-one", "ok", "sbkit-two", "failed")
    assert "two plugins are named 'same'" in second.error and "package sbkit-one" in second.error
    assert "SBKIT_DISABLE_PLUGINS=sbkit-two" in second.error


def test_duplicate_plugin_names_fail_naming_both_in_strict_mode(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "wiggle"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("b", "waggle"), package="sbkit-two"))
    with pytest.raises(PluginError) as info:
        PluginHost(strict=True).load_entrypoints()
    message = str(info.value)
    assert "'same'" in message and "package sbkit-one" in message and "package sbkit-two" in message


def test_duplicate_plugin_name_keeps_the_built_in_one_whatever_the_order(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "intruder"), package="sbkit-x"))
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("b", "own"), package="sbkit"))
    host = loaded_host()
    assert Registry().names("sketchifier") == ["own"]
    assert host.records["same"].package == "sbkit" and host.records["same"].status == "ok"


@pytest.mark.parametrize("disabled, names", [("sbkit-two", ["wiggle"]), ("same", [])],
                         ids=["by-package-blocks-the-second", "by-name-blocks-both"])
def test_disabling_works_for_a_plugin_name_clash(fake_entry_points, monkeypatch, disabled, names):
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "wiggle"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("b", "waggle"), package="sbkit-two"))
    monkeypatch.setenv("SBKIT_DISABLE_PLUGINS", disabled)
    host = PluginHost(strict=True)  # no clash is left to fail on
    host.load_entrypoints()
    reset_host(host)
    assert Registry().names("sketchifier") == names
    assert {r.package: r.status for r in host.records.values()}["sbkit-two"] == "disabled"


def test_a_plugin_blocked_by_package_leaves_its_name_to_the_other(fake_entry_points, monkeypatch):
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "wiggle"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("b", "waggle"), package="sbkit-two"))
    monkeypatch.setenv("SBKIT_DISABLE_PLUGINS", "sbkit-one")
    host = loaded_host()
    assert Registry().names("sketchifier") == ["waggle"]
    assert host.records["same"].package == "sbkit-two" and host.records["same"].components == {
        "sketchifier": ["waggle"]}


def exits_on_import():
    import sys

    sys.exit(3)


class PluginBug(BaseException):
    """Not an Exception: what a careless plugin might raise."""


def raises_plugin_bug():
    raise PluginBug("deep trouble")


@pytest.mark.parametrize("load, shown", [(exits_on_import, "import: SystemExit: 3"),
                                         (raises_plugin_bug, "import: PluginBug: deep trouble")],
                         ids=["sys-exit", "base-exception"])
def test_a_plugin_that_exits_or_raises_base_exception_on_import_is_marked_failed(fake_entry_points, load, shown):
    fake_entry_points.append(FakeEntryPoint("exiting", load, package="sbkit-exiting"))
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    host = loaded_host()
    assert host.records["exiting"].status == "failed" and host.records["exiting"].error.startswith(shown)
    assert "test_plugins.py:" in host.records["exiting"].error  # where the plugin raised
    assert Registry().names("sketchifier") == ["wiggle"]


def test_a_plugin_that_exits_on_import_spares_every_command(fake_entry_points, capsys):
    fake_entry_points.append(FakeEntryPoint("exiting", exits_on_import, package="sbkit-exiting"))
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    assert cli_exit_code("plugins", "--json") == 0
    records = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert records["exiting"]["status"] == "failed" and "SystemExit: 3" in records["exiting"]["error"]
    assert records["good"]["status"] == "ok" and records["good"]["components"] == {"sketchifier": ["wiggle"]}
    assert cli_exit_code("--strict", "plugins") == 2
    assert capsys.readouterr().err.startswith('error: plugin "exiting" failed: import: SystemExit: 3')


def test_ctrl_c_while_importing_a_plugin_is_not_swallowed(fake_entry_points):
    def interrupted():
        raise KeyboardInterrupt

    fake_entry_points.append(FakeEntryPoint("slow", interrupted))
    with pytest.raises(KeyboardInterrupt):
        PluginHost().load_entrypoints()


def exiting_hook_module() -> types.ModuleType:
    return hook_module_raising(SystemExit("hook gave up"))


def test_a_hook_that_exits_is_isolated(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("hooky", exiting_hook_module))
    host = loaded_host()
    assert Registry().names("fuser") == []
    assert host.records["hooky"].error.startswith("register fusers: SystemExit: hook gave up")


def test_a_broken_hook_shows_one_line_in_sbkit_plugins(fake_entry_points, capsys):
    from sbkit.cli.app import main

    fake_entry_points.append(FakeEntryPoint("hooky", broken_hook_module))
    reset_host()
    with pytest.raises(SystemExit):
        main(["plugins"])
    table = capsys.readouterr().out
    assert "register exploded" in table and "test_plugins.py:" in table
    assert "\\n" not in table and "Traceback" not in table and "File " not in table


def initerr_module() -> types.ModuleType:
    from sbkit.components import Sketchifier

    def init(self) -> None:
        raise RuntimeError("init exploded")

    cls = type("InitErr", (Sketchifier,), {"name": "initerr", "description": "fake", "__init__": init,
                                           "sketchify": lambda s, i, c: i[..., 0]})
    module = types.ModuleType("initerr_plugin")
    module.register_sketchifiers = hookimpl(lambda: [cls])
    return module


def test_a_component_that_raises_in_its_constructor_is_one_line_naming_its_plugin(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("badsk", initerr_module, package="sbkit-bad"))
    loaded_host()
    with pytest.raises(PluginError) as info:
        Registry().create("sketchifier", "initerr")
    message = str(info.value)
    assert message.startswith("sketchifier 'initerr' of plugin 'badsk' (package sbkit-bad")
    assert "failed to start: RuntimeError: init exploded" in message
    assert message.endswith("fix or disable it with SBKIT_DISABLE_PLUGINS=badsk") and "\n" not in message


def test_registering_a_taken_plugin_name_by_hand_fails(fresh_plugins):
    from sbkit.plugins import get_host

    with pytest.raises(PluginError, match="'opencv'.*package sbkit, module sbkit_opencv.*module manual"):
        get_host().register(sketchifier_module("manual", "by-hand"), name="opencv")
    assert get_host().records["opencv"].module == "sbkit_opencv"


def test_unknown_name_lists_choices_and_closest_match(fake_entry_points):
    fake_entry_points.append(FakeEntryPoint("good", lambda: sketchifier_module("good", "wiggle")))
    loaded_host()
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


def test_duplicate_plugin_names_stop_the_cli_with_one_error_in_strict_mode(fake_entry_points, capsys):
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "wiggle"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("b", "waggle"), package="sbkit-two"))
    assert cli_exit_code("--strict", "plugins") == 2
    error = " ".join(capsys.readouterr().err.split())
    assert error.startswith('error: plugin "same" failed: two plugins are named \'same\'')
    assert "sbkit-one" in error and "sbkit-two" in error


def test_duplicate_plugin_names_show_in_sbkit_plugins(fake_entry_points, capsys):
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("a", "wiggle"), package="sbkit-one"))
    fake_entry_points.append(FakeEntryPoint("same", lambda: sketchifier_module("b", "waggle"), package="sbkit-two"))
    assert cli_exit_code("plugins", "--json") == 0
    statuses = {(r["name"], r["package"]): r["status"] for r in json.loads(capsys.readouterr().out)}
    assert statuses[("same", "sbkit-one")] == "ok" and statuses[("same", "sbkit-two")] == "failed"
