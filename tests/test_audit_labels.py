"""The label comparisons made ahead in worker processes (kg.audit.labels) change no finding."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox

import kg.audit.labels
from kg.audit import check, mentions
from kg.build import build
from kg.codesets import load
from kg.official import official

REPO = Path(__file__).resolve().parent.parent


def test_comparisons_made_ahead_in_two_processes_give_the_findings_made_one_by_one(tmp_path, dev_corpus, shared_data,
                                                                                  monkeypatch):
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import generate, load_sources

    folder = tmp_path / "briefings"
    shutil.copytree(dev_corpus, folder, ignore=shutil.ignore_patterns("*.json", "*.md"))
    generate(folder / "generated", 150, seed=3, sources=load_sources(shared_data))  # a few percent mislabelled
    store = ox.Store()
    build(store, [folder], progress=False)
    load(store, {"icd10cm": None, "nucc": shared_data / "nucc_taxonomy_251.csv",
                 "hcpcs": shared_data / "hcpcs_level2_2025oct.csv",
                 "mpfs": shared_data / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv"}, progress=False)
    found, facts = mentions(store), official(store)

    monkeypatch.setattr(kg.audit.labels, "PARALLEL_AT", 10**9)  # each made as it is needed
    one_by_one: dict = {}
    expected = check(found, facts, {}, one_by_one)
    assert sum(f.kind == "label-mismatch" for f in expected) > 20

    pools = []

    class Pool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, workers, **kw):
            pools.append(workers)
            super().__init__(workers, **kw)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # as on the 2-core machines this runs on
    monkeypatch.setattr(kg.audit.labels, "PARALLEL_AT", 1)
    monkeypatch.setattr(kg.audit.labels, "_CHUNK", 100)
    ahead: dict = {}
    assert check(found, facts, {}, ahead) == expected
    assert ahead == one_by_one, "the same comparisons, made once each"
    assert pools and pools[0] >= 2, "made in worker processes"

    # what an earlier audit kept is not made again
    kept = dict(list(one_by_one.items())[: len(one_by_one) // 2])
    again: dict = {}
    assert check(found, facts, kept, again) == expected
    assert set(again) == set(one_by_one), "every comparison used is handed back, the kept ones included"
