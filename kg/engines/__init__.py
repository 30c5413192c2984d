"""Outside engines kg hands work to, driven as the distributions ship them.

* :mod:`kg.engines.virtuoso`: OpenLink Virtuoso 7.2 (Debian's
  ``virtuoso-opensource``), a private instance on loopback, its bulk loader;
* :mod:`kg.engines.jena`: Apache Jena TDB2 (Debian's ``libapache-jena-java``),
  ``tdb2.tdbloader`` and ``tdb2.tdbquery`` on the system Java, and a
  :class:`kg.target.QueryTarget` over a TDB2 database.

Each raises :class:`EngineError` naming the package to install when its
engine is missing (``make engines`` installs them).

Examples
--------
>>> issubclass(EngineError, KGError)
True
"""

from __future__ import annotations

from kg.errors import KGError

__all__ = ["EngineError"]


class EngineError(KGError):
    """An outside engine is missing, failed to start, or refused the work."""
