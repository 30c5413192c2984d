"""kg: a typed RDF knowledge graph of US medical billing code relationships.

The public API, in the order data flows::

    briefing text --parse--> records --to_rdf--> quads --> store --> query / export

>>> import tempfile, kg
>>> store = kg.open_store(tempfile.mkdtemp())
>>> report = kg.build(store, [kg.examples_dir()], progress=False)
>>> kg.query(store, "monitors", code="77013").records()[0]["other"]
'47382'
"""

from kg.errors import BriefingParseError, CodeSetError, KGError, QueryError, StoreError
from kg.examples import examples_dir
from kg.parse import Briefing, parse_file, parse_text
from kg.query import Results, named_queries, run as query, run_sparql as sparql
from kg.export import export, to_rdflib
from kg.show import show
from kg.build import build  # kg.build, the function, shadows the module name (as kg.view does)
from kg.store import open_store, triple_count
from kg.view import view  # noqa: E402  (kg.view, the function, shadows the module name on purpose)

__version__ = "0.1.0"


def query_df(store, name: str, **params):
    """Run a named query and return a pandas DataFrame (needs pandas).

    Examples
    --------
    >>> import tempfile
    >>> store = open_store(tempfile.mkdtemp())
    >>> list(query_df(store, "modifiers", code="77013").columns)
    ['modifier', 'description', 'usage', 'document', 'line']
    """
    return query(store, name, **params).to_df()


__all__ = [
    "Briefing",
    "BriefingParseError",
    "CodeSetError",
    "KGError",
    "QueryError",
    "Results",
    "StoreError",
    "build",
    "examples_dir",
    "export",
    "named_queries",
    "open_store",
    "parse_file",
    "parse_text",
    "query",
    "query_df",
    "show",
    "sparql",
    "to_rdflib",
    "triple_count",
    "view",
]
