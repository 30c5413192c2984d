"""FHIR R4 terminology resources: kg's own vocabularies as CodeSystems, its relations as ConceptMaps.

``kg export --format fhir -o DIR`` (:func:`write_fhir`) writes into DIR:

``CodeSystem-{id}.json``
    one R4 ``CodeSystem`` for each vocabulary kg itself defines (:mod:`kg.fhir.codesystems`): its
    relations (from :mod:`kg.model`), the NUCC-based specialties briefings name, the payers and the
    sites of service.
``ConceptMap-{id}.ndjson``
    one R4 ``ConceptMap`` per relation family and source (:data:`MAPS`): briefing diagnoses
    (ICD-10-CM -> CPT/HCPCS), briefing procedure relations, NCCI PTP edits per context, NCCI add-on
    code edits, ICD-10-CM Excludes1 notes, CMS-HCC V28 and CCSR. Each line of the file is a ``Bundle``
    of type ``transaction`` holding one part of the map, a ConceptMap of at most :data:`PART_TARGETS`
    targets to PUT at ``ConceptMap/{id}-{n}``; POSTing each line to a FHIR server's base loads the
    map. A part is written as soon as it is full, while the query's results stream from the store, so
    memory stays bounded whatever the size of the map (the 1.67 million NCCI practitioner edits make
    168 lines). The parts of one map share its ``identifier``.

Every map target has an R4 ``equivalence`` (``relatedto``; ``disjoint`` for a negated briefing row and an
Excludes1 note; ``wider`` for an HCC or CCSR category), the kg relation as a ``product`` (property
``kg:relation``), and a ``comment`` with its provenance: ``document:line`` for a briefing row, the
release and file for a code set. Codes are named by their systems' standard URIs
(``CodeSystem.fhir`` in :mod:`kg.model`: ``http://www.ama-assn.org/go/cpt``,
``https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets``, ``http://hl7.org/fhir/sid/icd-10-cm``,
``http://nucc.org/provider-taxonomy``). The direction is kg's: source = the relation's subject,
target = its object (an NCCI edit maps the column 2 code to the column 1 code it is bundled into; an
add-on code to its primary).

No CPT descriptor is written (they are the AMA's): map targets carry codes only; displays are given
for kg's own vocabularies and for HCC and CCSR categories.

Examples
--------
>>> import tempfile
>>> from kg.examples import examples_dir
>>> from kg.build import build
>>> from kg.store import open_store
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
>>> written = write_fhir(store, tempfile.mkdtemp())
>>> [f"{w.kind}-{w.id}" for w in written if not w.skipped][3:]
['CodeSystem-site', 'ConceptMap-briefing-diagnosis', 'ConceptMap-briefing-procedure']
>>> sorted({w.skipped for w in written if w.skipped})[:1]
["code set 'ccsr' is not loaded"]
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError
from kg.fhir.codesystems import CODE_SYSTEM_IDS, code_system, write_code_systems
from kg.interop import Written, codeset_graph
from kg.fhir.conceptmaps import EQUIVALENCES, MAPS, PART_TARGETS, write_map

__all__ = ["CODE_SYSTEM_IDS", "EQUIVALENCES", "MAPS", "PART_TARGETS", "Written", "code_system", "codeset_graph",
           "write_fhir"]


def write_fhir(store: ox.Store, directory, *, maps: tuple[str, ...] | None = None) -> list[Written]:
    """Write kg's FHIR R4 CodeSystems and ConceptMaps into ``directory`` (created if missing).

    ``maps`` picks ConceptMaps by id (default: all of :data:`MAPS`). Returns what was written and what
    was skipped (a map whose code set is not loaded), CodeSystems first.

    Raises
    ------
    KGError
        For an unknown map id, or a directory that cannot be created.

    Examples
    --------
    >>> import tempfile
    >>> [w.id for w in write_fhir(ox.Store(), tempfile.mkdtemp(), maps=("ccsr",))]
    ['relation', 'specialty', 'payer', 'site', 'ccsr']
    >>> write_fhir(ox.Store(), tempfile.mkdtemp(), maps=("nope",))
    Traceback (most recent call last):
    ...
    kg.errors.KGError: unknown ConceptMap 'nope'; choose from briefing-diagnosis, briefing-procedure, ...
    """
    chosen = tuple(MAPS) if maps is None else maps
    for name in chosen:
        if name not in MAPS:
            raise KGError(f"unknown ConceptMap {name!r}; choose from {', '.join(MAPS)}")
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise KGError(f"{directory}: cannot create the output directory: {err.strerror}") from err
    written = write_code_systems(store, directory)
    written += [write_map(store, MAPS[name], directory) for name in chosen]
    return written
