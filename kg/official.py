"""What the loaded code sets say, read once from the store for the audit and ``kg check``.

Every query here is an internal one (``kg/queries/internal/*.rq``), never
listed with the named queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.cms import MPFS_PROPERTIES
from kg.codesets.catalog import codeset_name
from kg.codesets.terms import procedure_iri

__all__ = [
    "INTERNAL_QUERIES",
    "Official",
    "fee_modifiers",
    "internal_sparql",
    "loaded_releases",
    "official",
    "ptp_context",
    "ptp_edits",
    "ptp_graphs",
    "run_internal",
]


INTERNAL_QUERIES = Path(__file__).with_name("queries") / "internal"
"""The folder of kg's internal queries (never listed by :func:`kg.query.named_queries`)."""


def internal_sparql(name: str) -> str:
    """The text of the internal query ``name`` (``kg/queries/internal/{name}.rq``).

    Examples
    --------
    >>> internal_sparql("audit-fees").splitlines()[0]
    '# internal: true'
    """
    return (INTERNAL_QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def run_internal(store, name: str, **bindings) -> list[dict[str, str | None]]:
    """Rows of the internal query ``name`` as dicts of strings.

    ``bindings`` maps a variable to an IRI or a list of IRIs (a VALUES block).

    Examples
    --------
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> store = ox.Store()
    >>> _ = build(store, examples_dir() / "77013.txt", progress=False)
    >>> [(r["code"], r["file"], r["line"]) for r in run_internal(store, "audit-subjects")]
    [('77013', '77013.txt', '2')]
    """
    from kg.query import run_sparql

    subs = {ox.Variable(k): [ox.NamedNode(i) for i in ([v] if isinstance(v, str) else v)]
            for k, v in bindings.items()} or None
    return _records(run_sparql(store, internal_sparql(name), substitutions=subs, source=f"{name}.rq"))


@dataclass
class Official:
    """The official facts the audit needs, read once from the code-set graphs.

    A code system missing from ``labels`` was not loaded, and its codes are
    not checked.

    Examples
    --------
    Usually read by :func:`official`; by hand, one NCCI PTP edit and no MPFS:

    >>> facts = Official(labels={}, billable={}, fee_schedule=None, ncci={("20982", "77013"): "0"},
    ...                  ncci_release="2024Q3")
    >>> facts.ncci[("20982", "77013")], "ICD10CM" in facts.labels
    ('0', False)
    """

    labels: dict[str, dict[str, list[str]]]  # system -> code -> official labels
    billable: dict[str, bool]  # ICD-10-CM code -> billable
    fee_schedule: dict[str, dict[str, str]] | None  # code -> PPRRVU column -> value (global row); None: not loaded
    priced: dict[str, set[str]] | None = None  # code -> modifiers with an MPFS row of their own
    ncci: dict[tuple[str, str], str] | None = None  # (column 1, column 2) -> modifier indicator of the edit in force
    ncci_release: str = ""  # the PTP release the edits come from


def loaded_releases(store) -> list[dict[str, str | None]]:
    """The loaded code-set releases: ``g`` (graph IRI), ``system``, ``release`` and ``context``.

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets import CODESETS
    >>> path = Path(tempfile.mkdtemp()) / "ncci_ptp_practitioner_2024q3.csv"
    >>> _ = path.write_text("column_1,column_2,deletion_date,modifier_indicator,ptp_edit_rationale\\n"
    ...                     "20982,77013,,0,CPT Manual or CMS manual coding instruction\\n"
    ...                     "47382,77012,,1,CPT Manual or CMS manual coding instruction\\n")
    >>> store = ox.Store()
    >>> _ = CODESETS["ncci-ptp"].load(store, path, progress=False)
    >>> [(codeset_name(r["g"]), r["release"], r["context"]) for r in loaded_releases(store)]
    [('ncci-ptp', '2024Q3', 'practitioner')]
    >>> loaded_releases(ox.Store())
    []
    """
    return run_internal(store, "audit-loaded")


def ptp_context(graph: str, release: str | None, context: str | None) -> str:
    """The claim setting (``practitioner`` or ``hospital``) of a loaded NCCI PTP release.

    The release's ``kg:context`` when it has one; else a graph or release
    label that names the outpatient hospital file; else ``practitioner``
    (the file kg loaded before contexts existed).

    Examples
    --------
    >>> ptp_context("https://w3id.org/codekg/codeset/ncci-ptp", "2024Q3", None)
    'practitioner'
    >>> ptp_context("https://w3id.org/codekg/codeset/ncci-ptp-hospital", "2024Q3", None)
    'hospital'
    >>> ptp_context("g", "2024Q3", "hospital")
    'hospital'
    """
    if context:
        return context
    text = f"{graph} {release or ''}".lower()
    return "hospital" if "hospital" in text or "outpatient" in text else "practitioner"


def ptp_graphs(store, context: str = "practitioner") -> list[tuple[str, str]]:
    """``(graph IRI, release label)`` of each loaded NCCI PTP release of ``context``.

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets import CODESETS
    >>> path = Path(tempfile.mkdtemp()) / "ncci_ptp_practitioner_2024q3.csv"
    >>> _ = path.write_text("column_1,column_2,deletion_date,modifier_indicator,ptp_edit_rationale\\n"
    ...                     "20982,77013,,0,CPT Manual or CMS manual coding instruction\\n"
    ...                     "47382,77012,,1,CPT Manual or CMS manual coding instruction\\n")
    >>> store = ox.Store()
    >>> _ = CODESETS["ncci-ptp"].load(store, path, progress=False)
    >>> ptp_graphs(store), ptp_graphs(store, "hospital")
    ([('https://w3id.org/codekg/codeset/ncci-ptp/2024Q3/...', '2024Q3')], [])
    """
    out = []
    for r in loaded_releases(store):
        name = codeset_name(r["g"])
        if name.startswith("ncci-ptp") and ptp_context(r["g"], r["release"], r["context"]) == context:
            out.append((r["g"], r["release"] or ""))
    return out


def ptp_edits(store, context: str = "practitioner", codes: Iterable[str] | None = None
              ) -> tuple[dict[tuple[str, str], str], str] | tuple[None, str]:
    """NCCI PTP edits in force of ``context``: ``{(column 1, column 2): modifier indicator}`` and the release.

    With ``codes``, only edits whose column 1 is one of them (a claim's or a
    briefing's codes: far faster than all 1.7 million). ``(None, "")`` when
    no PTP release of that context is loaded.

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets import CODESETS
    >>> path = Path(tempfile.mkdtemp()) / "ncci_ptp_practitioner_2024q3.csv"
    >>> _ = path.write_text("column_1,column_2,deletion_date,modifier_indicator,ptp_edit_rationale\\n"
    ...                     "20982,77013,,0,CPT Manual or CMS manual coding instruction\\n"
    ...                     "47382,77012,,1,CPT Manual or CMS manual coding instruction\\n")
    >>> store = ox.Store()
    >>> _ = CODESETS["ncci-ptp"].load(store, path, progress=False)
    >>> ptp_edits(store, codes=["20982"])
    ({('20982', '77013'): '0'}, '2024Q3')
    >>> sorted(ptp_edits(store)[0].items()), ptp_edits(store, "hospital")
    ([(('20982', '77013'), '0'), (('47382', '77012'), '1')], (None, ''))
    """
    ncci, label = None, ""
    wanted = None if codes is None else sorted({procedure_iri(c) for c in codes if c})
    for graph, label in ptp_graphs(store, context):
        ncci = ncci or {}
        if wanted == []:
            continue
        extra = {"a": wanted} if wanted is not None else {}
        # column IRIs end in the code (CPT/HCPCS IRIs are BioPortal's)
        for r in run_internal(store, "audit-ptp", g=graph, **extra):
            ncci[(r["a"].rsplit("/", 1)[-1], r["b"].rsplit("/", 1)[-1])] = r["mi"]
    return ncci, label


def fee_modifiers(store, codes: Iterable[str] | None = None) -> dict[str, set[str]]:
    """``code -> modifiers`` that have an MPFS row of their own for the code (26, TC, 53).

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets import CODESETS
    >>> from kg.codesets.mpfs import COLUMNS
    >>> path = Path(tempfile.mkdtemp()) / "pprrvu_2024jul.csv"
    >>> _ = path.write_text(",".join(COLUMNS) + "\\n77013,,C,0.0,1,XXX,0,0,0,0,0\\n"
    ...                     "77013,26,A,3.99,1,XXX,0,0,0,0,0\\n77013,TC,C,0.0,1,XXX,0,0,0,0,0\\n")
    >>> store = ox.Store()
    >>> _ = CODESETS["mpfs"].load(store, path, progress=False)
    >>> {code: sorted(mods) for code, mods in fee_modifiers(store, ["77013"]).items()}
    {'77013': ['26', 'TC']}
    """
    out: dict[str, set[str]] = {}
    extra = {"c": sorted({procedure_iri(c) for c in codes})} if codes is not None else {}
    if extra.get("c") == []:
        return out
    for r in run_internal(store, "audit-fee-modifiers", **extra):
        out.setdefault(r["code"], set()).add(r["m"].rsplit("/", 1)[-1])
    return out


def official(store, context: str = "practitioner", codes: Iterable[str] | None = None) -> Official:
    """Read what the loaded code sets say (labels, billable flags, MPFS indicators, NCCI edits of ``context``).

    ``codes``, if given, limits the NCCI edits read to those with column 1 in it.

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets import CODESETS
    >>> path = Path(tempfile.mkdtemp()) / "ncci_ptp_practitioner_2024q3.csv"
    >>> _ = path.write_text("column_1,column_2,deletion_date,modifier_indicator,ptp_edit_rationale\\n"
    ...                     "20982,77013,,0,CPT Manual or CMS manual coding instruction\\n"
    ...                     "47382,77012,,1,CPT Manual or CMS manual coding instruction\\n")
    >>> store = ox.Store()
    >>> _ = CODESETS["ncci-ptp"].load(store, path, progress=False)
    >>> facts = official(store, codes=["20982"])
    >>> facts.ncci, facts.ncci_release, facts.fee_schedule, facts.labels
    ({('20982', '77013'): '0'}, '2024Q3', None, {})
    """
    loaded = {codeset_name(r["g"]) for r in loaded_releases(store)}
    labels: dict[str, dict[str, list[str]]] = {}
    for r in run_internal(store, "audit-labels"):
        bucket = labels.setdefault(r["scheme"].rsplit("#", 1)[-1], {}).setdefault(r["code"], [])
        if r["label"] and r["label"] not in bucket:
            bucket.append(r["label"])
    # The MPFS and NCCI graphs type the codes they mention as procedure codes; only
    # the HCPCS file is a complete list of Level II codes.
    if "hcpcs" not in loaded:
        labels.pop("HCPCS", None)
    if not {"hcpcs-modifiers", "cpt-modifiers", "hcpcs"} & loaded:
        labels.pop("MOD", None)
    if "cpt" not in loaded:  # CPT descriptors are the user's licensed file (kg codesets load --cpt)
        labels.pop("CPT", None)  # without it, CPT codes are checked against the MPFS
    billable = {r["code"]: r["b"] == "true" for r in run_internal(store, "audit-billable")}
    fees: dict[str, dict[str, str]] | None = None
    if "mpfs" in loaded:
        fees = {}
        for r in run_internal(store, "audit-fees"):
            field = MPFS_PROPERTIES.get(r["p"].rsplit("#", 1)[-1])
            if field:
                fees.setdefault(r["code"], {})[field] = r["v"]
    priced = fee_modifiers(store) if fees is not None else None
    ncci, release = ptp_edits(store, context, codes)
    return Official(labels=labels, billable=billable, fee_schedule=fees, priced=priced, ncci=ncci, ncci_release=release)


def _records(results) -> list[dict[str, str | None]]:
    return [{v: (None if t is None else t.value) for v, t in zip(results.variables, row)} for row in results.rows]
