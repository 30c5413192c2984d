"""The store mirrors the folders built, and every path and table line not read is reported (issue 21, items 1, 7).

* ``kg build DIR`` removes the documents built from DIR that are gone from it
  (``--keep-missing`` keeps them); documents of other folders stay.
* NFC and NFD spellings of a file name are one document.
* Special files, dangling links, link loops and folders named like briefings
  are reported with why, and never opened (``kg build in/fifo.txt`` does not block).
* The build counts the table rows read, skipped (N/A) and reported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.examples import examples_dir
from kg.sources import read_briefing
from kg.store import documents, open_store
from kg.vocab import KG, briefing_iri

EXAMPLES = examples_dir()


def _folder(root: Path, *names: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(EXAMPLES / name, root / name)
    return root


def _names(store) -> list[str]:
    return [iri.rsplit("/", 1)[1] for iri in documents(store)]


def _source_path(store, name: str) -> str | None:
    g = ox.NamedNode(briefing_iri(name))
    q = next(store.quads_for_pattern(g, ox.NamedNode(str(KG.sourcePath)), None, g), None)
    return None if q is None else q.object.value


def test_a_deleted_briefing_is_removed_at_the_next_build_of_its_folder(tmp_path):
    store = ox.Store()
    d = _folder(tmp_path / "in", "77013.txt", "20982.txt", "32998.txt")
    assert len(build(store, d, progress=False).added) == 3
    (d / "20982.txt").unlink()
    report = build(store, d, progress=False)
    assert report.removed == ["20982.txt"] and sorted(report.unchanged) == ["32998.txt", "77013.txt"]
    assert _names(store) == ["32998.txt", "77013.txt"]
    assert not store.contains_named_graph(ox.NamedNode(briefing_iri("20982.txt")))
    assert build(store, d, progress=False).removed == []


def test_keep_missing_keeps_them(tmp_path):
    store = ox.Store()
    d = _folder(tmp_path / "in", "77013.txt", "20982.txt")
    build(store, d, progress=False)
    (d / "20982.txt").unlink()
    assert build(store, d, progress=False, keep_missing=True).removed == []
    assert _names(store) == ["20982.txt", "77013.txt"]


def test_documents_of_other_folders_and_of_files_named_alone_stay(tmp_path):
    store = ox.Store()
    a = _folder(tmp_path / "a", "77013.txt")
    b = _folder(tmp_path / "b", "20982.txt")
    alone = _folder(tmp_path / "c", "32998.txt") / "32998.txt"
    build(store, [a, alone], progress=False)
    assert build(store, b, progress=False).removed == []
    assert _names(store) == ["20982.txt", "32998.txt", "77013.txt"]
    alone.unlink()
    assert build(store, alone.parent, progress=False).removed == ["32998.txt"]  # it was built from that folder


def test_a_moved_briefing_belongs_to_its_new_folder(tmp_path):
    store = ox.Store()
    a = _folder(tmp_path / "a", "77013.txt")
    build(store, a, progress=False)
    b = tmp_path / "b"
    b.mkdir()
    (a / "77013.txt").rename(b / "77013.txt")
    assert build(store, b, progress=False).unchanged == ["77013.txt"]
    assert _source_path(store, "77013.txt") == str((b / "77013.txt").resolve())
    assert build(store, a, progress=False).removed == []  # not a's any more
    assert _names(store) == ["77013.txt"]


def test_a_document_that_fails_to_parse_is_not_removed(tmp_path):
    store = ox.Store()
    d = _folder(tmp_path / "in", "77013.txt")
    build(store, d, progress=False)
    (d / "77013.txt").write_text("no heading\n")
    report = build(store, d, progress=False)
    assert report.removed == [] and len(report.errors) == 1 and _names(store) == ["77013.txt"]


def test_a_document_built_before_paths_were_recorded_gets_its_path_and_is_not_removed_blindly(tmp_path):
    store = ox.Store()
    d = _folder(tmp_path / "in", "77013.txt", "20982.txt")
    build(store, d, progress=False)
    path = ox.NamedNode(str(KG.sourcePath))
    for q in list(store.quads_for_pattern(None, path, None, None)):
        store.remove(q)  # a store built before kg:sourcePath
    (d / "20982.txt").unlink()
    assert build(store, d, progress=False).removed == []  # nothing says 20982.txt came from here
    assert _source_path(store, "77013.txt") == str((d / "77013.txt").resolve())
    (d / "77013.txt").unlink()
    assert build(store, d, progress=False).removed == ["77013.txt"]


def test_nfc_and_nfd_spellings_are_one_document(tmp_path):
    store = ox.Store()
    d = tmp_path / "in"
    d.mkdir()
    nfd, nfc = "cafe\u0301.txt", "caf\u00e9.txt"
    data = (EXAMPLES / "77013.txt").read_bytes()
    (d / nfd).write_bytes(data)
    assert build(store, d, progress=False).added == [nfc]
    (d / nfd).rename(d / nfc)
    report = build(store, d, progress=False)
    assert report.unchanged == [nfc] and report.removed == [] and _names(store) == [briefing_iri(nfc).rsplit("/")[-1]]
    (d / nfd).write_bytes(data)  # both spellings at once: one name, so one of them is refused
    report = build(store, d, progress=False)
    assert len(report.errors) == 1 and "also named" in str(report.errors[0]) and len(documents(store)) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_every_skipped_path_is_reported_with_its_reason(tmp_path):
    d = _folder(tmp_path / "in", "77013.txt")
    os.mkfifo(d / "fifo.txt")
    os.symlink("nowhere.txt", d / "dangling.txt")
    os.symlink("loop.txt", d / "loop.txt")
    (d / "x.txt").mkdir()
    report = build(ox.Store(), d, progress=False)
    assert report.added == ["77013.txt"] and report.ok
    assert [(Path(p).name, why) for p, why in report.skipped] == [
        ("dangling.txt", "a dangling symbolic link"),
        ("fifo.txt", "a FIFO (named pipe), never opened"),
        ("loop.txt", "a symbolic link loop"),
        ("x.txt", "a folder, not a file (its briefings are read as part of the folder)"),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_never_read(tmp_path):
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(OSError, match="not a regular file"):
        read_briefing(fifo)  # even if it got past the scan: opened without blocking, refused without reading
    report = build(ox.Store(), fifo, progress=False)
    assert time.monotonic() - start < 10
    assert [str(e) for e in report.errors] == [f"{fifo}:0: a FIFO (named pipe), never opened"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_kg_build_of_a_fifo_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "fifo.txt")
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(tmp_path / "fifo.txt"), "--store",
                        str(tmp_path / "store")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "a FIFO (named pipe), never opened" in r.stderr


def test_kg_build_says_how_many_it_removed_and_counts_the_rows(tmp_path):
    d = _folder(tmp_path / "in", "77013.txt", "20982.txt")
    text = (d / "77013.txt").read_text(encoding="utf-8").rstrip("\n") + "\n"
    (d / "77013.txt").write_text(text + "\n| Payer | Policy |\n|---|---|\n| Aetna | Covered |\n| Cigna | Covered |\n",
                                 encoding="utf-8")
    store = str(tmp_path / "store")
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(d), "--store", store],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "removed 0; table rows 48 read, 1 skipped (N/A), 2 reported (2 unknown table);" in r.stdout
    end = len(text.split("\n")) + 3
    assert f"77013.txt:{end}: 2 table line(s) not read (lines {end}-{end + 1}): in a table kg does not know" in r.stderr
    (d / "20982.txt").unlink()
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(d), "--store", store, "--keep-missing"],
                       capture_output=True, text=True, timeout=300)
    assert "removed 0;" in r.stdout
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(d), "--store", store],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "1 unchanged, 0 failed, removed 1;" in r.stdout
    assert _names(open_store(store, read_only=True)) == ["77013.txt"]
