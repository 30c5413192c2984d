"""The whole-store projection's quick paths give the graph the slow ones give, and its cache is never stale."""

from __future__ import annotations

import pytest

import kg.network.nodes as nodes
import kg.network.projection as projection
from kg.build import build
from kg.examples import examples_dir
from kg.store import open_store


def _data(G):
    return (dict(G.nodes(data=True)), {(u, v, k): d for u, v, k, d in G.edges(keys=True, data=True)}, G.graph)


@pytest.mark.parametrize("which", ["example_store_dir", "audited_store_dir"])
@pytest.mark.parametrize("layers", [None, ["briefing", "ncci", "hierarchy", "hcc"]])
def test_rows_by_file_and_whole_scans_change_nothing(request, monkeypatch, which, layers):
    store = open_store(request.getfixturevalue(which), read_only=True)
    monkeypatch.setattr(nodes, "_WHOLE", 0)  # the scans even for a small store
    quick = projection.project(store, layers=layers)
    monkeypatch.setattr(nodes, "_WHOLE", 10**9)
    monkeypatch.setattr(projection, "_briefing_local", projection._briefing_by_graph)
    slow = projection.project(store, layers=layers)
    assert quick.number_of_edges() > 0
    assert _data(quick) == _data(slow)


def test_a_store_directory_is_read_from_the_cache_until_it_changes(tmp_path):
    store_dir, cache = tmp_path / "store", tmp_path / "cache"
    store = open_store(store_dir)
    assert build(store, [examples_dir() / "77013.txt"], progress=False).ok
    del store
    first = projection.cached_project(store_dir, cache)
    again = projection.cached_project(store_dir, cache)
    assert (first.graph["cached"], again.graph["cached"]) == (False, True)
    assert _data(again)[:2] == _data(first)[:2]
    store = open_store(store_dir)
    assert build(store, [examples_dir()], progress=False).ok
    del store
    changed = projection.cached_project(store_dir, cache)
    assert not changed.graph["cached"] and changed.number_of_nodes() > first.number_of_nodes()
    assert len(list(cache.glob("projection-*.pickle"))) == 1


def test_a_missing_store_directory_says_so(tmp_path):
    from kg.errors import StoreError

    with pytest.raises(StoreError, match="no kg store here"):
        projection.cached_project(tmp_path / "nothing", tmp_path / "cache")


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05K\x01."])  # empty, garbage, a pickled int
def test_a_damaged_cache_file_is_projected_again_and_replaced(tmp_path, damage):
    store_dir, cache = tmp_path / "store", tmp_path / "cache"
    store = open_store(store_dir)
    assert build(store, [examples_dir() / "77013.txt"], progress=False).ok
    del store
    first = projection.cached_project(store_dir, cache)
    (path,) = cache.glob("projection-*.pickle")
    path.write_bytes(damage)
    again = projection.cached_project(store_dir, cache)
    assert not again.graph["cached"] and _data(again)[:2] == _data(first)[:2]
    assert projection.cached_project(store_dir, cache).graph["cached"]  # the file was written again
