"""kg: a typed RDF knowledge graph of US medical billing code relationships.

The public API, in the order data flows::

    briefing text --parse--> records --to_rdf--> quads --> store --> query / export

>>> import tempfile, kg
>>> store = kg.open_store(tempfile.mkdtemp())
>>> report = kg.build(store, [kg.examples_dir()], progress=False)
>>> kg.query(store, "monitors", code="77013").records()[0]["other"]
'47382'
"""

import importlib
import sys
import types

from kg.errors import BriefingParseError, CodeSetError, KGError, QueryError, StoreError

# The public API is imported when first used, so that 'kg --help' and a one-hop query load only
# what they run (kg.view alone pulls in networkx and numpy). Name -> (module, attribute).
_API = {
    "examples_dir": ("kg.examples", "examples_dir"),
    "Briefing": ("kg.parse", "Briefing"),
    "parse_file": ("kg.parse", "parse_file"),
    "parse_text": ("kg.parse", "parse_text"),
    "Results": ("kg.query", "Results"),
    "named_queries": ("kg.query", "named_queries"),
    "query": ("kg.query", "run"),
    "sparql": ("kg.query", "run_sparql"),
    "export": ("kg.export", "export"),
    "to_rdflib": ("kg.export", "to_rdflib"),
    "show": ("kg.show", "show"),
    "build": ("kg.build", "build"),
    "open_store": ("kg.store", "open_store"),
    "triple_count": ("kg.store", "triple_count"),
    "view": ("kg.view", "view"),
}


def _api(name: str):
    module, attribute = _API[name]
    return getattr(importlib.import_module(module), attribute)


class _Package(types.ModuleType):
    """kg itself. ``kg.build``, ``kg.query``, ``kg.export``, ``kg.show`` and ``kg.view`` name the functions,
    not the submodules they live in, even after those are imported (which would otherwise rebind them)."""

    def __getattr__(self, name: str):
        if name in _API:
            return _api(name)
        raise AttributeError(f"module 'kg' has no attribute {name!r}")


def _shadowing(name: str) -> property:
    return property(lambda self: _api(name), lambda self, value: None)


for _name in ("build", "query", "export", "show", "view"):
    setattr(_Package, _name, _shadowing(_name))
sys.modules[__name__].__class__ = _Package

__version__ = "0.1.0"


def query_df(store, name: str, **params):
    """Run a named query and return a pandas DataFrame (needs pandas).

    Examples
    --------
    >>> import tempfile
    >>> store = _api("open_store")(tempfile.mkdtemp())
    >>> list(query_df(store, "modifiers", code="77013").columns)
    ['modifier', 'description', 'usage', 'document', 'line']
    """
    return _api("query")(store, name, **params).to_df()


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
