"""Example briefings bundled with kg.

``examples_dir()`` is the folder of example briefings: the real 77013 briefing
and briefings written for kg in the same genre for other image-guidance and
ablation codes. They exercise every relation type and several format
variations.

Examples
--------
>>> sorted(p.name for p in examples_dir().glob("*.txt"))[:2]
['20982.txt', '32998.txt']
"""

from __future__ import annotations

from pathlib import Path


def examples_dir() -> Path:
    """The folder of bundled example briefings.

    Examples
    --------
    >>> "CPT 77013:" in (examples_dir() / "77013.txt").read_text(encoding="utf-8")
    True
    """
    return Path(__file__).resolve().parent / "briefings"


def example_store(*names: str):
    """A small in-memory pyoxigraph store of bundled briefings (``77013.txt`` by default).

    The briefings and the ontology only: no official code set is loaded, so
    checks that need one are skipped. Each call builds a new store (well
    under a second), so an example may change it freely.

    Examples
    --------
    >>> store = example_store()
    >>> from kg.store import documents
    >>> documents(store)
    ['https://w3id.org/codekg/briefing/77013.txt']
    >>> [d.rsplit("/", 1)[-1] for d in documents(example_store("77013.txt", "77012.txt"))]
    ['77012.txt', '77013.txt']
    """
    import pyoxigraph as ox

    from kg.store import build  # kg.store builds on the layers below; only examples and tests need this

    store = ox.Store()
    build(store, [examples_dir() / name for name in names or ("77013.txt",)], progress=False)
    return store
