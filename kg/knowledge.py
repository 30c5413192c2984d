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

import pyoxigraph as ox

from kg.queries import internal_query
from kg.vocab import PREFIXES

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

    Examples
    --------
    >>> store = ox.Store()
    >>> g = ox.NamedNode("https://w3id.org/codekg/codeset/ncci-addon")
    >>> c = ox.NamedNode("http://purl.bioontology.org/ontology/CPT/22552")
    >>> K = "https://w3id.org/codekg/ontology#"
    >>> store.add(ox.Quad(c, ox.NamedNode(K + "addOnCode"), ox.Literal(True), g))
    >>> store.add(ox.Quad(c, ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"), ox.Literal("22552"), g))
    >>> add_on_codes(store)("22552")
    True
    """
    loaded = store.query(internal_query("add-on-sources"), prefixes=PREFIXES,
                         use_default_graph_as_union=True)
    if not bool(loaded):
        return None
    rows = store.query(internal_query("add-on-codes"), prefixes=PREFIXES,
                       use_default_graph_as_union=True)
    return AddOnCodes(r["notation"].value for r in rows)
