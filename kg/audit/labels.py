"""The label comparisons one audit will make, made ahead in worker processes when there are many.

A label comparison (:func:`kg.similarity.compare_label`) is pure and costs about 80 µs; the first audit of a
10,000-briefing store makes some 45,000 of them (3.5 s on one core) before it can decide a finding. They are made
here first, split over the machine's cores, and handed to :func:`kg.audit.check`'s memo, which then finds each one
made. The comparisons and so the findings are the same, however many cores made them.

Examples
--------
>>> from kg.official import Official
>>> from kg.mentions import Mention
>>> facts = Official(labels={"ICD10CM": {"C22.0": ["Liver cell carcinoma"]}}, billable={}, fee_schedule=None)
>>> m = Mention("C22.0", "C22.0", "ICD10CM", "Liver cancer", "indicationFor", "77013", "", "doc", "77013.txt", 4)
>>> [(d, match.official) for (d, _), match in ahead([m], facts, {}, {}, at_least=1, workers=1).items()]
[('Liver cancer', 'Liver cell carcinoma')]
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable

from kg.similarity import compare_label

__all__ = ["PARALLEL_AT", "ahead", "not_in_fee_schedule"]

PARALLEL_AT = 5_000
"""Comparisons not yet made from which :func:`ahead` makes them in worker processes (fewer are made as needed)."""

_CHUNK = 2_000


def not_in_fee_schedule(m, facts) -> bool:
    """Whether :func:`kg.audit._check_code` reports mention ``m`` as missing from the loaded fee schedule (and so
    compares no label of it): a CPT or HCPCS code the MPFS lacks, unless HCPCS Level II lists it."""
    fees = facts.fee_schedule
    return m.system in ("CPT", "HCPCS") and fees is not None and m.code not in fees and \
        not (m.system == "HCPCS" and m.code in facts.labels.get("HCPCS", {}))


def _wanted(mentions_: Iterable, facts) -> dict[tuple[str, tuple[str, ...]], None]:
    """The ``(description, official labels)`` pairs :func:`kg.audit._check_code` compares for ``mentions_``."""
    out: dict[tuple[str, tuple[str, ...]], None] = {}
    for m in mentions_:
        if not m.description:
            continue
        table = facts.labels.get(m.system)
        officials = table.get(m.code) if table is not None else None
        if officials and not not_in_fee_schedule(m, facts):
            out[(m.description, tuple(officials))] = None
    return out


def _compare(pairs: list[tuple[str, tuple[str, ...]]]) -> list:
    return [compare_label(description, *officials) for description, officials in pairs]


def ahead(mentions_: Iterable, facts, known: dict, made: dict, *, at_least: int | None = None,
          workers: int | None = None) -> dict:
    """Make the label comparisons that checking ``mentions_`` against ``facts`` needs and neither ``known`` nor
    ``made`` holds, when there are ``at_least`` (:data:`PARALLEL_AT`) of them: in ``workers`` processes (one per core by default; one
    makes them here). They are added to ``made``, which is returned."""
    todo = [key for key in _wanted(mentions_, facts) if key not in made and key not in known]
    if len(todo) < (PARALLEL_AT if at_least is None else at_least):
        return made
    workers = workers or min(4, os.cpu_count() or 1)
    chunks = [todo[i:i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
    if workers < 2:
        results = map(_compare, chunks)
    else:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        # forked: the workers need nothing but compare_label, which this process has imported; what the process
        # holds (the mentions, the facts: a gigabyte at 10,000 briefings) is frozen out of the collector's sight,
        # so that a worker's collections do not copy its pages
        gc.freeze()
        try:
            with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
                results = list(pool.map(_compare, chunks))
        finally:
            gc.unfreeze()
    for chunk, got in zip(chunks, results):
        made.update(zip(chunk, got))
    return made
