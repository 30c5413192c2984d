"""Shared fixtures: a store built from the bundled examples, and the shared reference data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.examples import examples_dir
from kg.store import build, open_store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def example_store_dir(tmp_path_factory) -> Path:
    """A store directory holding the bundled example briefings (built once, read-only use)."""
    path = tmp_path_factory.mktemp("examples") / "store"
    store = open_store(path)
    report = build(store, [examples_dir()], progress=False)
    assert report.ok, report.errors
    del store
    return path


@pytest.fixture(scope="session")
def example_store(example_store_dir):
    """The example store opened read-only."""
    return open_store(example_store_dir, read_only=True)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A writable copy of the example briefings."""
    target = tmp_path / "briefings"
    shutil.copytree(examples_dir(), target)
    return target
