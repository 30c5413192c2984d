"""Talk to any SPARQL 1.1 endpoint: query it, and push the store's graphs to it.

kg does not need to change when the graph moves to a clustered store
(Virtuoso, GraphDB, Amazon Neptune, Apache Jena Fuseki): :class:`Endpoint`
speaks the SPARQL 1.1 Protocol for queries and the SPARQL 1.1 Graph Store
HTTP Protocol for uploads (one ``PUT`` per named graph, so pushing again
replaces rather than duplicates).

Credentials never come from the command line, where they would land in shell
history and process lists. They come from the environment:

``KG_ENDPOINT_TOKEN``
    sent as ``Authorization: Bearer <token>``;
``KG_ENDPOINT_USER`` and ``KG_ENDPOINT_PASSWORD``
    sent as HTTP basic auth;
``KG_ENDPOINT_HEADERS``
    extra headers, ``Name: value`` pairs separated by newlines.

Requests time out (``timeout`` seconds) and are retried with exponential
backoff on connection errors and on 429/502/503/504 answers.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import KGError

__all__ = ["Endpoint", "RemoteError", "auth_headers", "push", "results_from_json"]

_RETRY_STATUS = {429, 502, 503, 504}


class RemoteError(KGError):
    """A remote endpoint could not be reached, or refused the request."""


def auth_headers(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Authentication headers from the environment (see the module docstring).

    Examples
    --------
    >>> auth_headers({"KG_ENDPOINT_TOKEN": "abc"})
    {'Authorization': 'Bearer abc'}
    >>> auth_headers({"KG_ENDPOINT_USER": "u", "KG_ENDPOINT_PASSWORD": "p"})
    {'Authorization': 'Basic dTpw'}
    >>> auth_headers({"KG_ENDPOINT_HEADERS": "X-Api-Key: k1\\nX-Tenant: billing"})
    {'X-Api-Key': 'k1', 'X-Tenant': 'billing'}
    """
    env = os.environ if env is None else env
    headers: dict[str, str] = {}
    for line in env.get("KG_ENDPOINT_HEADERS", "").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    if env.get("KG_ENDPOINT_TOKEN"):
        headers["Authorization"] = f"Bearer {env['KG_ENDPOINT_TOKEN']}"
    elif env.get("KG_ENDPOINT_USER"):
        raw = f"{env['KG_ENDPOINT_USER']}:{env.get('KG_ENDPOINT_PASSWORD', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
    return headers


@dataclass
class Endpoint:
    """A SPARQL 1.1 endpoint, and optionally its Graph Store Protocol URL.

    Parameters
    ----------
    url : str
        The query endpoint (``http://host:7878/query`` for Oxigraph,
        ``http://host:3030/ds/sparql`` for Fuseki).
    graph_store : str, optional
        The Graph Store Protocol endpoint (``http://host:7878/store``,
        ``http://host:3030/ds/data``). Needed for :func:`push`. For an Oxigraph
        ``/query`` URL it defaults to the sibling ``/store``.
    timeout : float
        Seconds per request.
    retries : int
        Further attempts after a failed one, with exponential backoff.
    """

    url: str
    graph_store: str | None = None
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5
    headers: dict[str, str] = field(default_factory=auth_headers)
    opener: Callable = field(default=urllib.request.urlopen, repr=False)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise RemoteError(f"{self.url!r} is not an http(s) URL")
        if self.graph_store is None and self.url.rstrip("/").endswith("/query"):
            self.graph_store = self.url.rstrip("/")[: -len("query")] + "store"

    def request(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> bytes:
        """Send one request, retrying transient failures; return the body."""
        attempt = 0
        while True:
            req = urllib.request.Request(url, data=data, method=method, headers={**self.headers, **headers})
            try:
                with self.opener(req, timeout=self.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as err:
                body = err.read().decode("utf-8", "replace").strip()
                if err.code in _RETRY_STATUS and attempt < self.retries:
                    attempt += 1
                    time.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise RemoteError(f"{method} {url}: HTTP {err.code} {err.reason}: {body[:300]}") from err
            except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
                if attempt < self.retries:
                    attempt += 1
                    time.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                reason = getattr(err, "reason", err)
                raise RemoteError(f"{method} {url}: cannot reach the endpoint after {attempt + 1} attempts: {reason}") from err

    def query(self, sparql: str) -> dict:
        """POST a query; return the decoded SPARQL JSON results."""
        body = self.request(
            "POST", self.url, sparql.encode("utf-8"),
            {"Content-Type": "application/sparql-query; charset=utf-8",
             "Accept": "application/sparql-results+json"},
        )
        try:
            return json.loads(body)
        except ValueError as err:
            raise RemoteError(f"{self.url}: the answer is not SPARQL JSON results: {body[:200]!r}") from err

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace named graph ``graph`` with the given N-Triples."""
        if not self.graph_store:
            raise RemoteError("no Graph Store Protocol URL: pass --graph-store")
        sep = "&" if "?" in self.graph_store else "?"
        url = f"{self.graph_store}{sep}graph={urllib.parse.quote(graph, safe='')}"
        self.request("PUT", url, ntriples, {"Content-Type": "application/n-triples"})


def _term(value: dict):
    kind = value["type"]
    if kind == "uri":
        return ox.NamedNode(value["value"])
    if kind == "bnode":
        return ox.BlankNode(value["value"])
    if "xml:lang" in value:
        return ox.Literal(value["value"], language=value["xml:lang"])
    if "datatype" in value:
        return ox.Literal(value["value"], datatype=ox.NamedNode(value["datatype"]))
    return ox.Literal(value["value"])


def results_from_json(data: dict):
    """Turn W3C SPARQL JSON results into :class:`kg.query.Results`.

    Examples
    --------
    >>> r = results_from_json({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}})
    >>> r.records()
    [{'x': '1'}]
    """
    from kg.query import Results

    if "boolean" in data:
        return Results([], [], boolean=bool(data["boolean"]))
    variables = list(data.get("head", {}).get("vars", []))
    rows = []
    for b in data.get("results", {}).get("bindings", []):
        rows.append(tuple(_term(b[v]) if v in b else None for v in variables))
    return Results(variables, rows)


def push(store: ox.Store, endpoint: Endpoint, *, progress: bool | None = None) -> list[tuple[str, int]]:
    """Upload every named graph of ``store`` to ``endpoint``, one PUT per graph.

    Returns the graphs pushed and their sizes. Pushing again replaces each
    graph, so the remote store never holds duplicates.
    """
    from tqdm import tqdm

    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    pushed = []
    for iri in tqdm(graphs, desc="kg push", unit="graph", disable=None if progress is None else not progress, leave=False):
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri)) or b""
        endpoint.put_graph(iri, data)
        pushed.append((iri, data.count(b"\n")))
    return pushed
