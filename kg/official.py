"""What the loaded code sets say, read once from the store for the audit and ``kg check``.

Every query here is an internal one (``kg/queries/internal/*.rq``), never
listed with the named queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from kg.cms import MPFS_PROPERTIES
from kg.codesets.catalog import codeset_name
from kg.codesets.terms import procedure_iri
from kg.vocab import PREFIXES, code_iri

__all__ = [
    "INTERNAL_QUERIES",
    "Official",
    "addon_edits",
    "code_set_facts",
    "codeset_graphs",
    "excludes1_index",
    "fee_modifiers",
    "internal_sparql",
    "loaded_releases",
    "official",
    "ptp_context",
    "ptp_edits",
    "ptp_graphs",
    "run_internal",
    "tsv_records",
    "with_ptp",
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
    >>> [(r["c"], r["file"], r["line"]) for r in run_internal(store, "audit-subjects")]
    [('http://purl.bioontology.org/ontology/CPT/77013', '77013.txt', '2')]
    """
    from kg.query import run_sparql, with_values
    from kg.target import StoreTarget

    subs = {ox.Variable(k): [ox.NamedNode(i) for i in ([v] if isinstance(v, str) else v)]
            for k, v in bindings.items()} or None
    sparql = internal_sparql(name)
    embedded = store.store if isinstance(store, StoreTarget) else store
    if isinstance(embedded, ox.Store):
        # The engine writes the rows as TSV itself, far faster than handing Python one term object per cell
        # (a third of the audit's time at 10,000 briefings); a syntax error still goes through run_sparql.
        try:
            native = embedded.query(with_values(sparql, subs or {}), prefixes=PREFIXES,
                                    use_default_graph_as_union=True)
        except (SyntaxError, OSError):
            pass  # run_sparql raises it again, as a QueryError naming the query
        else:
            if isinstance(native, ox.QuerySolutions):
                return tsv_records(native.serialize(format=ox.QueryResultsFormat.TSV))
    return _records(run_sparql(store, sparql, substitutions=subs, source=f"{name}.rq"))


_ECHAR = re.compile(r"\\(?:([tbnrf\"'\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(m: re.Match) -> str:
    return _ECHARS[m[1]] if m[1] else chr(int(m[2] or m[3], 16))


def _tsv_value(cell: str) -> str | None:
    if not cell:
        return None
    first = cell[0]
    if first == "<":
        return cell[1:-1]
    if first == '"':
        text = cell[1:cell.rindex('"')]
        return _ECHAR.sub(_unescape, text) if "\\" in text else text
    if cell.startswith("_:"):
        return cell[2:]
    return cell  # a bare number or boolean: its lexical form


def tsv_records(data: bytes) -> list[dict[str, str | None]]:
    r"""SPARQL TSV results as dicts of strings (``None`` unbound): the value of each IRI, literal or blank node.

    Examples
    --------
    >>> data = b'?s\t?o\t?x\n<http://a>\t"say \\"hi\\"\\tnow"@en\t\n<http://b>\t16\t_:n1\n'
    >>> tsv_records(data)
    [{'s': 'http://a', 'o': 'say "hi"\tnow', 'x': None}, {'s': 'http://b', 'o': '16', 'x': 'n1'}]
    """
    lines = data.decode("utf-8").split("\n")
    names = [v[1:] for v in lines[0].split("\t")]
    value = _Cells().__getitem__  # each distinct cell decoded once: files, codes and IRIs repeat row after row
    return [dict(zip(names, map(value, line.split("\t")))) for line in lines[1:] if line]


class _Cells(dict):
    """TSV cell -> its value (:func:`_tsv_value`), decoded on first sight."""

    def __missing__(self, cell: str) -> str | None:
        got = self[cell] = _tsv_value(cell)
        return got


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
    addons: dict[str, tuple[str, frozenset[str]]] | None = None  # add-on -> (edit type, listed primaries)
    addon_release: str = ""  # the NCCI add-on release they come from


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


def codeset_graphs(store, name: str, loaded: list[dict[str, str | None]] | None = None) -> list[str]:
    """The graph IRIs of the loaded releases of code set ``name`` (``icd10cm``, ``mpfs``, ...).

    The one place that says which graphs hold a code set's release (``loaded``: :func:`loaded_releases`,
    when the caller has it already).

    Examples
    --------
    >>> codeset_graphs(ox.Store(), "icd10cm")
    []
    >>> codeset_graphs(None, "mpfs", [{"g": "https://w3id.org/codekg/codeset/mpfs", "system": "CPT"}])
    ['https://w3id.org/codekg/codeset/mpfs']
    """
    rows = loaded_releases(store) if loaded is None else loaded
    return [r["g"] for r in rows if codeset_name(r["g"]) == name]


def excludes1_index(store, graph: str, codes: Iterable[str] | None = None
                    ) -> tuple[dict[str, list[tuple[str, str, str]]], dict[str, frozenset[str]]] | None:
    """The ICD-10-CM Excludes1 edges (``kg:excludes1``) that apply to ``codes``, from release ``graph``.

    Returns ``(notes, ancestors)``: ``notes[code]`` is ``(named, text, carrier)`` for each note on the code
    or on a code, block or chapter above it, the nearest carrier first; ``ancestors[code]`` the code and
    every concept above it. A note on a carrier applies to every code below it, and a note naming a
    category names every code below that (``skos:broader*``). ``None`` when the release holds no notes.

    Examples
    --------
    >>> from kg.codesets.icd10cm import load_icd10cm
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "icd10cm_tabular_2027.xml"
    >>> _ = path.write_text("<ICD10CM.tabular><version>2027</version><chapter><name>4</name><desc>Endocrine</desc>"
    ...     "<section id='E08-E13'><desc>Diabetes</desc><diag><name>E10</name><desc>Type 1 diabetes</desc>"
    ...     "<excludes1><note>type 2 diabetes mellitus (E11.-)</note></excludes1>"
    ...     "<diag><name>E10.9</name><desc>Type 1 without complications</desc></diag></diag>"
    ...     "<diag><name>E11</name><desc>Type 2 diabetes</desc><diag><name>E11.9</name><desc>Type 2 without"
    ...     " complications</desc></diag></diag></section></chapter></ICD10CM.tabular>")
    >>> store = ox.Store()
    >>> _ = load_icd10cm(store, path, progress=False)
    >>> notes, ancestors = excludes1_index(store, codeset_graphs(store, "icd10cm")[0], ["E10.9", "E11.9"])
    >>> notes["E10.9"], sorted(ancestors["E11.9"])
    ([('E11', 'type 2 diabetes mellitus (E11.-)', 'E10')], ['4', 'E08-E13', 'E11', 'E11.9'])
    """
    if not run_internal(store, "check-has-notes", g=graph):
        return None
    # the whole release at once (8,800 notes, 98,000 parent links): far faster than walking the hierarchy
    # in SPARQL for each of a batch's diagnoses
    parent: dict[str, str] = {r["code"]: r["parent"] for r in run_internal(store, "check-parents", g=graph)}
    by_carrier: dict[str, list[tuple[str, str, str]]] = {}
    for r in run_internal(store, "check-excludes1", g=graph):
        by_carrier.setdefault(r["carrier"], []).append((r["named"], r["note"], r["carrier"]))
    wanted = set(parent) | set(parent.values()) if codes is None else set(codes)
    notes: dict[str, list[tuple[str, str, str]]] = {}
    ancestors: dict[str, frozenset[str]] = {}
    for code in wanted:
        chain, at = [], code
        while at is not None and at not in chain:  # the code first, then up to its chapter
            chain.append(at)
            at = parent.get(at)
        ancestors[code] = frozenset(chain)
        found = [n for carrier in chain for n in by_carrier.get(carrier, ())]
        if found:
            notes[code] = found
    return notes, ancestors


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


_LABEL_ORDER = {"http://www.w3.org/2004/02/skos/core#prefLabel": 0, "https://w3id.org/codekg/ontology#classification": 1,
                "https://w3id.org/codekg/ontology#specialization": 2}
"""A code's labels, first to last: its preferred label first (a NUCC taxonomy code's display name)."""


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
    return with_ptp(code_set_facts(store), store, context, codes)


def code_set_facts(store) -> Official:
    """What the loaded code sets say of every code, whatever the briefings mention: everything
    :func:`official` reads but the NCCI PTP edits (:func:`with_ptp` adds them), so that it can be read while
    the briefings are.

    Examples
    --------
    >>> facts = code_set_facts(ox.Store())
    >>> facts.labels, facts.fee_schedule, facts.ncci
    ({}, None, None)
    """
    releases = {codeset_name(r["g"]): r["release"] or "" for r in loaded_releases(store)}
    loaded = set(releases)
    labels: dict[str, dict[str, list[str]]] = {}
    rows = run_internal(store, "audit-labels")
    rows.sort(key=lambda r: _LABEL_ORDER.get(r["p"], 0))  # stable: the engine's order within one property
    for r in rows:
        bucket = labels.setdefault(r["scheme"].rsplit("#", 1)[-1], {}).setdefault(r["code"], [])
        if r["label"] and r["label"] not in bucket:
            bucket.append(r["label"])
    # by code: did-you-mean's shortlist breaks its ties in table order, which is then the same for any store
    labels = {system: dict(sorted(table.items())) for system, table in labels.items()}
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
        for r in run_internal(store, "official-fees"):
            field = MPFS_PROPERTIES.get(r["p"].rsplit("#", 1)[-1])
            if field:
                fees.setdefault(r["code"], {})[field] = r["v"]
    priced = fee_modifiers(store) if fees is not None else None
    addons = addon_edits(store) if "ncci-addon" in loaded else None
    return Official(labels=labels, billable=billable, fee_schedule=fees, priced=priced, addons=addons,
                    addon_release=releases.get("ncci-addon", ""))


def with_ptp(facts: Official, store, context: str = "practitioner", codes: Iterable[str] | None = None) -> Official:
    """``facts`` with the NCCI PTP edits of ``context`` whose column 1 is one of ``codes`` (all, for None).

    Examples
    --------
    >>> with_ptp(Official(labels={}, billable={}, fee_schedule=None), ox.Store()).ncci is None
    True
    """
    ncci, release = ptp_edits(store, context, codes)
    return replace(facts, ncci=ncci, ncci_release=release)


def addon_edits(store, codes: Iterable[str] | None = None) -> dict[str, tuple[str, frozenset[str]]]:
    """NCCI add-on code edits: ``{add-on: (edit type, listed primaries)}`` (no primaries: CMS's ``CCCCC``).

    With ``codes``, only those add-on codes (kg check reads a claim's).

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets import CODESETS
    >>> path = Path(tempfile.mkdtemp()) / "ncci_addon_code_edits_2024-06.csv"
    >>> _ = path.write_text("primary_code,add_on_code,aoc_edit_type\\nCCCCC,0054T,2\\n22551,22552,1\\n")
    >>> store = ox.Store()
    >>> _ = CODESETS["ncci-addon"].load(store, path, progress=False)
    >>> sorted(addon_edits(store).items())
    [('0054T', ('2', frozenset())), ('22552', ('1', frozenset({'22551'})))]
    """
    extra = {} if codes is None else {"a": sorted({procedure_iri(c) for c in codes})}
    if extra.get("a") == []:
        return {}
    primaries: dict[str, tuple[str, set[str]]] = {}
    for r in run_internal(store, "check-addon", **extra):
        entry = primaries.setdefault(r["a"].rsplit("/", 1)[-1], (r["type"] or "", set()))
        if r["p"]:
            entry[1].add(r["p"].rsplit("/", 1)[-1])
    return {a: (t, frozenset(p)) for a, (t, p) in primaries.items()}


def _records(results) -> list[dict[str, str | None]]:
    return [{v: (None if t is None else t.value) for v, t in zip(results.variables, row)} for row in results.rows]
