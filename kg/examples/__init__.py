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

