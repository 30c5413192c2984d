"""What the audit reads from the briefing graphs: every code a briefing mentions (:func:`mentions`).

:mod:`kg.audit` re-exports :func:`mentions`; :func:`kg.audit.audit` reads the same four queries side by side
with the code sets' facts and hands the rows to :func:`kg.mentions.mentions_of_rows` (``_mentions`` here); what
``kg build`` keeps of each graph instead (:mod:`kg.mentions`) is read the same.

Examples
--------
A row whose code is malformed is a mention too, in its table's first code system:

>>> import pyoxigraph as ox
>>> from kg.parse import parse_text
>>> from kg.to_rdf import briefing_quads
>>> store = ox.Store()
>>> store.extend(briefing_quads(parse_text("CPT 77013: CT guidance\\n| ICD-10 Code | Description | Clinical "
...     "Relevance |\\n|---|---|---|\\n| C2#.0 | Liver cell carcinoma | Primary indication. |\\n", "77013.txt")))
>>> [(m.relation, m.written, m.system, m.table, m.line) for m in mentions(store)]
[('subject', '77013', 'CPT', '', 1), ('malformed', 'C2#.0', 'ICD10CM', 'diagnosis', 4)]
"""

from __future__ import annotations

from kg.mentions import Mention as _Mention
from kg.mentions import graph_mentions
from kg.mentions import mentions_of_rows as _mentions
from kg.official import run_internal as _run

__all__ = ["graph_mentions", "mentions"]


def mentions(store) -> list[_Mention]:
    """Every code row of every briefing, as the briefing wrote it, plus each briefing's subject and each row
    kept as written because its code is malformed (relation ``malformed``, a ``kg:MalformedMention``).

    Relations a briefing negates (``kg:negated true``) are not mentions of a relation.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> store = ox.Store()
    >>> _ = build(store, examples_dir() / "77013.txt", progress=False)
    >>> [(m.relation, m.code, m.line) for m in mentions(store) if m.code in ("77013", "C22.0")]
    [('subject', '77013', 2), ('indicationFor', 'C22.0', 41)]
    """
    return _mentions(_run(store, "audit-code-nodes"), _run(store, "audit-mentions"), _run(store, "audit-subjects"),
                     _run(store, "audit-malformed"))
