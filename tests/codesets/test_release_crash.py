"""Crash tests: an NCCI PTP load killed (SIGKILL) at random moments, on a store on disk.

Each trial starts a load in a child process, kills it at a random moment of
its run (uniform between "imports done" and the end of an unkilled run, so
kills land in the writing of the quads, the marker transaction and the removal
of the replaced release alike), then checks in this process:

* the store opens, read-write and read-only;
* readers see either the old release current and whole (its graph holds exactly
  the quads of a clean load of the old file) or the new one, never a mix; a
  fresh load shows the new release whole, or none;
* loading the new file again completes: the new release current and whole,
  and not one quad left of the killed load or of the replaced release.

The files are the first rows of CMS's practitioner PTP file (2024Q3), big
enough that a load takes a few seconds; the replaced release has the same
release label and other bytes, which is what replaces a release.
"""

from __future__ import annotations

import gzip
import itertools
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.codesets import CODESETS, current_graphs, releases
from kg.codesets.catalog import release_graphs
from kg.codesets.release import file_sha256

REPLACE_TRIALS = 12
FRESH_TRIALS = 10

_CHILD = """
import sys
import pyoxigraph as ox
from kg.codesets import CODESETS
store = ox.Store(sys.argv[1])
print("ready", flush=True)
CODESETS["ncci-ptp"].load(store, sys.argv[2], progress=False)
print("done", flush=True)
"""


def _head(data_dir: Path, dest: Path, rows: int) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "ncci_ptp_practitioner_2024q3.csv.gz"
    with gzip.open(data_dir / "ncci_ptp_practitioner_2024q3.csv.gz", "rt") as f, gzip.open(path, "wt") as out:
        out.writelines(itertools.islice(f, rows + 1))
    return path


def _run(store_dir: Path, path: Path, kill_after: float | None) -> tuple[bool, float]:
    """Load ``path`` into ``store_dir`` in a child; kill it ``kill_after`` seconds after it is ready.

    Returns (killed before it finished, seconds from ready to done or kill).
    """
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2]))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(store_dir), str(path)], stdout=subprocess.PIPE,
                             text=True, env=env)
    assert child.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    if kill_after is None:
        assert child.stdout.readline().strip() == "done"
        child.wait(timeout=600)
        return False, time.perf_counter() - start
    try:
        child.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        return True, time.perf_counter() - start
    return False, time.perf_counter() - start


_VOID = "https://w3id.org/codekg/void"  # the statistics kept in the store (kg.stats): no release's quads


def _graph_sizes(store: ox.Store) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for q in store:
        if q.graph_name.value != _VOID:
            sizes[q.graph_name.value] = sizes.get(q.graph_name.value, 0) + 1
    return sizes


def _release_size(store: ox.Store) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(current_graphs(store)["ncci-ptp"])))


def _seen(store: ox.Store, expected: dict[str, int]) -> str:
    """What readers see of the PTP code set: the SHA-256 of the release current, checked whole; "" for none."""
    graph = current_graphs(store).get("ncci-ptp")
    listed = [r for r in releases(store) if r["name"] == "ncci-ptp"]
    if graph is None:
        assert listed == []
        return ""
    (r,) = listed
    assert r["graph"] == graph and r["sha256"] in expected, r
    size = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    assert size == expected[r["sha256"]], (r, size)  # whole: exactly the quads of a clean load
    return r["sha256"]


def _completed(store: ox.Store, new: Path, expected: dict[str, int]) -> None:
    CODESETS["ncci-ptp"].load(store, new, progress=False)
    assert _seen(store, expected) == file_sha256(new)
    assert [r["state"] for r in release_graphs(store, "ncci-ptp")] == ["current"]
    assert _graph_sizes(store) == {current_graphs(store)["ncci-ptp"]: expected[file_sha256(new)]}  # no leftovers


@pytest.fixture(scope="module")
def files(tmp_path_factory, data_dir):
    """(old file, new file, template store with the old release loaded, quads per release graph by SHA-256)."""
    root = tmp_path_factory.mktemp("crash")
    old, new = _head(data_dir, root / "old", 30_000), _head(data_dir, root / "new", 45_000)
    template = root / "template"
    store = ox.Store(str(template))
    CODESETS["ncci-ptp"].load(store, old, progress=False)
    expected = {file_sha256(old): _release_size(store)}
    store.flush()
    del store
    clean = root / "clean"
    store = ox.Store(str(clean))
    CODESETS["ncci-ptp"].load(store, new, progress=False)
    expected[file_sha256(new)] = _release_size(store)
    del store
    assert expected[file_sha256(new)] > expected[file_sha256(old)] > 10_000
    return old, new, template, expected


def test_a_replace_killed_at_12_random_moments_leaves_the_old_release_or_the_new(files, tmp_path):
    """12 trials: kill -9 while the new file replaces the old release (same label, other bytes)."""
    old, new, template, expected = files
    first = tmp_path / "unkilled"
    shutil.copytree(template, first)
    _, full = _run(first, new, None)  # how long a replace runs here, unkilled
    _completed(ox.Store(str(first)), new, expected)
    rng = random.Random(20)
    outcomes = []
    for trial in range(REPLACE_TRIALS):
        store_dir = tmp_path / f"replace-{trial}"
        shutil.copytree(template, store_dir)
        killed, at = _run(store_dir, new, rng.uniform(0, full))
        ox.Store.read_only(str(store_dir))  # opens
        store = ox.Store(str(store_dir))
        seen = _seen(store, expected)
        assert seen in (file_sha256(old), file_sha256(new)), f"trial {trial}: no release current after a kill"
        outcomes.append(("old" if seen == file_sha256(old) else "new", killed, round(at, 2)))
        _completed(store, new, expected)
        del store
        shutil.rmtree(store_dir)
    print("replace trials (seen, killed, seconds):", outcomes)
    assert sum(killed for _, killed, _ in outcomes) >= REPLACE_TRIALS // 2  # most trials were killed mid-load


def test_a_fresh_load_killed_at_10_random_moments_leaves_nothing_or_the_whole_release(files, tmp_path):
    """10 trials: kill -9 while the first release of the set is loaded into a new store."""
    _, new, _, expected = files
    _, full = _run(tmp_path / "unkilled", new, None)
    rng = random.Random(10)
    outcomes = []
    for trial in range(FRESH_TRIALS):
        store_dir = tmp_path / f"fresh-{trial}"
        killed, at = _run(store_dir, new, rng.uniform(0, full))
        ox.Store.read_only(str(store_dir))  # opens
        store = ox.Store(str(store_dir))
        seen = _seen(store, expected)
        assert seen in ("", file_sha256(new))
        outcomes.append(("new" if seen else "none", killed, round(at, 2)))
        _completed(store, new, expected)
        del store
        shutil.rmtree(store_dir)
    print("fresh-load trials (seen, killed, seconds):", outcomes)
    assert sum(killed for _, killed, _ in outcomes) >= FRESH_TRIALS // 2
