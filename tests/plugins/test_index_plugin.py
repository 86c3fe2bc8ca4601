import sbkit_index
import torch

from sbkit.plugins import PluginHost, reset_host
from sbkit.registry import create, get_registry


def _host_with_index_plugin() -> PluginHost:
    host = PluginHost(strict=True)
    host.register(sbkit_index, name="index", package="sbkit")
    return host


def test_plugin_registers_both_indexes_with_documented_params():
    reset_host(_host_with_index_plugin())
    try:
        registry = get_registry()
        assert registry.names("index") == ["exact", "faiss"]
        for entry in registry.list("index"):
            assert entry.description and entry.description == entry.cls.description
            assert entry.params and all(p.doc and not p.required for p in entry.params)
        assert {p.name for p in registry.entry("index", "faiss").params} == {
            "kind", "nlist", "nprobe", "m", "ef_search", "nbits", "mmap"}
    finally:
        reset_host()


def test_registry_builds_indexes_from_cli_strings():
    reset_host(_host_with_index_plugin())
    try:
        index = create("index", "faiss", {"kind": "hnsw", "m": "8", "ef_search": "32"})
        assert (index.kind, index.m, index.ef_search) == ("hnsw", 8, 32)
        index.add(["a", "b"], torch.eye(2))
        assert index.search(torch.eye(2)[:1], 1)[1] == [["a"]]
        assert create("index", "exact", {"chunk": "128"}).chunk == 128
    finally:
        reset_host()
