"""What the loaded code sets tell the briefing reader: which codes are add-on codes.

"Reported in addition to 22551" is an add-on statement only when the code is
an add-on code (an NCCI add-on code edit lists it, or its MPFS global period
is ZZZ), and otherwise a statement that both codes are separately
reportable. The build asks the store once, before it reads any briefing.

Examples
--------
>>> import pyoxigraph as ox
>>> add_on_codes(ox.Store()) is None
True
"""

from __future__ import annotations

from urllib.parse import unquote

import pyoxigraph as ox

from kg.vocab import KG, XSD_NS

__all__ = ["AddOnCodes", "add_on_codes"]


class AddOnCodes:
    """The add-on codes of the loaded code sets; a callable ``code -> bool`` (:data:`kg.relations.AddOnKnowledge`).

    Examples
    --------
    >>> known = AddOnCodes({"22552", "99153"})
    >>> known("22552"), known("22551")
    (True, False)
    """

    def __init__(self, codes) -> None:
        self.codes = frozenset(codes)

    def __call__(self, code: str) -> bool:
        return code in self.codes

    def __len__(self) -> int:
        return len(self.codes)

    def __reduce__(self):  # sent to the build's worker processes
        return (AddOnCodes, (self.codes,))


def add_on_codes(store: ox.Store) -> AddOnCodes | None:
    """The add-on codes the store's code sets list, or ``None`` if no add-on list is loaded.

    Read with two quad-pattern scans (the NCCI add-on flag, and MPFS rows whose global period is ZZZ),
    which stay fast on a store of millions of quads, even while a code set is being written.

    Examples
    --------
    >>> store = ox.Store()
    >>> g = ox.NamedNode("https://w3id.org/codekg/codeset/ncci-addon")
    >>> c = ox.NamedNode("http://purl.bioontology.org/ontology/CPT/22552")
    >>> K = "https://w3id.org/codekg/ontology#"
    >>> store.add(ox.Quad(c, ox.NamedNode(K + "addOnCode"), ox.Literal(True), g))
    >>> add_on_codes(store)("22552"), add_on_codes(store)("22551")
    (True, False)
    """
    from kg.codesets.catalog import other_graphs

    other = other_graphs(store)  # only the current release of each code set counts
    codes = {_code(q.subject.value) for q in store.quads_for_pattern(None, _ADD_ON_CODE, _TRUE, None)
             if q.graph_name not in other}
    zzz = {q.subject for q in store.quads_for_pattern(None, _GLOBAL_DAYS, _ZZZ, None) if q.graph_name not in other}
    for entry in zzz:
        for q in store.quads_for_pattern(None, _FEE_SCHEDULE, entry, None):
            if q.graph_name not in other:
                codes.add(_code(q.subject.value))
    if not codes:
        return None
    return AddOnCodes(codes)


def _code(iri: str) -> str:
    return unquote(iri.rsplit("/", 1)[-1])


_ADD_ON_CODE = ox.NamedNode(str(KG.addOnCode))
_GLOBAL_DAYS = ox.NamedNode(str(KG.globalDays))
_FEE_SCHEDULE = ox.NamedNode(str(KG.feeSchedule))
_TRUE = ox.Literal("true", datatype=ox.NamedNode(XSD_NS + "boolean"))
_ZZZ = ox.Literal("ZZZ")
