"""Talk to any SPARQL 1.1 endpoint: query it, and push the store's graphs to it.

kg does not need to change when the graph moves to a clustered store
(Virtuoso, GraphDB, Amazon Neptune, Apache Jena Fuseki): :class:`Endpoint`
speaks the SPARQL 1.1 Protocol for queries and the SPARQL 1.1 Graph Store
HTTP Protocol for uploads (one ``PUT`` per named graph, so pushing again
replaces rather than duplicates).

Credentials never come from the command line, where they would land in shell
history and process lists (a URL such as ``http://user:pw@host/`` is refused).
They come from the environment:

``KG_ENDPOINT_TOKEN``
    sent as ``Authorization: Bearer <token>``;
``KG_ENDPOINT_USER`` and ``KG_ENDPOINT_PASSWORD``
    sent as HTTP basic auth;
``KG_ENDPOINT_HEADERS``
    extra headers, ``Name: value`` pairs separated by newlines.

What the client guarantees:

* credentials go only to the endpoint's own origin (scheme, host, port): a
  redirect elsewhere is followed without them;
* one deadline (``timeout`` seconds) covers a whole request, retries,
  connect, headers and body included, so a server that trickles its answer
  cannot hold a query past it;
* every answer is read and checked in full before use, so a malformed one
  (a missing ``"type"``, a bad IRI, datatype or language tag, a JSON array)
  is a :class:`~kg.errors.RemoteError`, never a traceback later;
* messages name the endpoint without its query string or user info, and
  never contain a credential.

Requests are retried with exponential backoff on connection errors and on
429/502/503/504 answers, within the deadline.

An :class:`Endpoint` is a :class:`kg.target.QueryTarget`: its
:meth:`~Endpoint.query` returns the same pyoxigraph result objects as the
embedded store, read from the SPARQL JSON, XML or TSV answer by
:func:`pyoxigraph.parse_query_results` (and from N-Triples or Turtle for a
CONSTRUCT), so every function that takes a store also takes an endpoint.

Examples
--------
>>> import io
>>> answer = b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "3"}}]}}'
>>> ep = Endpoint("http://example.invalid/query", headers={}, opener=lambda req, timeout: io.BytesIO(answer))
>>> [s["n"].value for s in ep.query("SELECT ?n WHERE { ?s kg:line ?n }")]
['3']
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import RemoteError
from kg.remote.dialect import DIALECTS, detect, read_back, rewrite
from kg.remote.transport import check_url, http_open, origin, redact
from kg.target import NativeResults, with_prefixes

__all__ = ["ACCEPT", "Endpoint", "auth_headers", "check_url", "http_open", "push", "read_answer", "redact"]

_RETRY_STATUS = {429, 502, 503, 504}
_REDIRECT_STATUS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")

ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "text/tab-separated-values;q=0.8, application/n-triples;q=0.7, text/turtle;q=0.6"
)
"""What a query asks for: results formats pyoxigraph parses, then RDF for CONSTRUCT and DESCRIBE."""


def auth_headers(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Authentication headers from the environment (see the module docstring).

    Raises
    ------
    RemoteError
        For a ``KG_ENDPOINT_HEADERS`` line that is no valid header (the value is not shown).

    Examples
    --------
    >>> auth_headers({"KG_ENDPOINT_TOKEN": "abc"})
    {'Authorization': 'Bearer abc'}
    >>> auth_headers({"KG_ENDPOINT_USER": "u", "KG_ENDPOINT_PASSWORD": "p"})
    {'Authorization': 'Basic dTpw'}
    >>> auth_headers({"KG_ENDPOINT_HEADERS": "X-Api-Key: k1\\nX-Tenant: billing"})
    {'X-Api-Key': 'k1', 'X-Tenant': 'billing'}
    >>> auth_headers({"KG_ENDPOINT_HEADERS": "X Key: secret"})
    Traceback (most recent call last):
    ...
    kg.errors.RemoteError: KG_ENDPOINT_HEADERS line 1: 'X Key' is not a valid HTTP header name
    """
    env = os.environ if env is None else env
    headers: dict[str, str] = {}
    for n, line in enumerate(env.get("KG_ENDPOINT_HEADERS", "").splitlines(), 1):
        name, sep, value = line.partition(":")
        if not line.strip():
            continue
        if not sep:
            raise RemoteError(f"KG_ENDPOINT_HEADERS line {n}: expected 'Name: value'")
        if not _HEADER_NAME.fullmatch(name.strip()):
            raise RemoteError(f"KG_ENDPOINT_HEADERS line {n}: {name.strip()[:40]!r} is not a valid HTTP header name")
        headers[name.strip()] = value.strip()
    if env.get("KG_ENDPOINT_TOKEN"):
        headers["Authorization"] = f"Bearer {env['KG_ENDPOINT_TOKEN']}"
    elif env.get("KG_ENDPOINT_USER"):
        raw = f"{env['KG_ENDPOINT_USER']}:{env.get('KG_ENDPOINT_PASSWORD', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
    for name, value in headers.items():
        if any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F for c in value):
            raise RemoteError(f"the {name} header from the environment holds a control character")
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
        Seconds one request may take in all: retries, redirects, connect,
        headers and body.
    retries : int
        Further attempts after a failed one, with exponential backoff.
    headers : dict
        Sent with every request to the endpoint's origin, never elsewhere
        (default: :func:`auth_headers` of the environment).
    dialect : str, optional
        One of :data:`kg.remote.dialect.DIALECTS`; by default told by the
        first answer's ``Server`` header.

    Examples
    --------
    Nothing is sent until a query; ``headers={}`` leaves the environment's credentials out.

    >>> ep = Endpoint("http://127.0.0.1:7878/query", headers={})
    >>> ep.url, ep.graph_store, ep.timeout
    ('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/store', 60.0)
    >>> Endpoint("http://127.0.0.1:1/sparql", headers={}).graph_store is None
    True
    """

    url: str
    graph_store: str | None = None
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5
    headers: dict[str, str] = field(default_factory=auth_headers, repr=False)
    opener: Callable = field(default=http_open, repr=False)
    dialect: str | None = None
    server: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        check_url(self.url)
        if self.dialect is not None and self.dialect not in DIALECTS:
            raise RemoteError(f"unknown SPARQL dialect {self.dialect!r}; one of {', '.join(DIALECTS)}")
        if self.graph_store is None and self.url.rstrip("/").endswith("/query"):
            self.graph_store = self.url.rstrip("/")[: -len("query")] + "store"
        if self.graph_store is not None:
            check_url(self.graph_store, "graph store URL")
        for name in self.headers:
            if not _HEADER_NAME.fullmatch(name):
                raise RemoteError(f"{name[:40]!r} is not a valid HTTP header name")

    def _scrub(self, text: str) -> str:
        """``text`` with every credential kg holds replaced by ``***`` (a server may echo them)."""
        secrets = set()
        for value in self.headers.values():
            secrets.add(value)
            scheme, _, cred = value.partition(" ")
            if scheme.lower() in ("bearer", "basic") and cred:
                secrets.add(cred)
                if scheme.lower() == "basic":
                    try:
                        secrets.update(base64.b64decode(cred).decode("utf-8", "replace").split(":", 1))
                    except ValueError:
                        pass
        for secret in sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def request(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> tuple[bytes, str]:
        """Send one request, retrying transient failures; return the body and its media type.

        Redirects are followed (at most five); one to another origin is
        sent without the credentials, and a ``POST`` or ``PUT`` redirected by
        301, 302 or 303 (which would turn it into a ``GET``) is an error
        naming the new URL. The whole exchange has :attr:`timeout` seconds.

        Raises
        ------
        RemoteError
            Unreachable, refused, redirected badly, or out of time.

        Examples
        --------
        >>> import io
        >>> ep = Endpoint("http://example.invalid/query", headers={}, opener=lambda req, timeout: io.BytesIO(b"ok"))
        >>> ep.request("GET", ep.url, None, {})
        (b'ok', '')
        """
        deadline = time.monotonic() + self.timeout
        send = {**self.headers, **headers}
        private = {name.lower() for name in self.headers} | {"authorization", "cookie", "proxy-authorization"}
        home = origin(self.url)
        attempt = hops = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RemoteError(f"{method} {redact(url)}: no complete answer within {self.timeout:g}s (the timeout)")
            req = urllib.request.Request(url, data=data, method=method, headers=send)
            try:
                with self.opener(req, timeout=remaining) as response:
                    headers_in = getattr(response, "headers", None)
                    media_type = (headers_in.get("Content-Type") or "") if headers_in is not None else ""
                    self.server = headers_in.get("Server") if headers_in is not None else None
                    return response.read(), media_type.split(";")[0].strip().lower()
            except urllib.error.HTTPError as err:
                if err.code in _REDIRECT_STATUS and hops < MAX_REDIRECTS:
                    hops += 1
                    url = self._redirect(method, url, err)
                    if origin(url) != home:
                        send = {k: v for k, v in send.items() if k.lower() not in private}
                    continue
                body = err.read().decode("utf-8", "replace").strip()
                if err.code in _RETRY_STATUS and self._pause(attempt, deadline):
                    attempt += 1
                    continue
                message = f"{method} {redact(url)}: HTTP {err.code} {err.reason}: {body[:300]}"
                raise RemoteError(self._scrub(message)) from None
            except TimeoutError as err:
                raise RemoteError(f"{method} {redact(url)}: no complete answer within {self.timeout:g}s "
                                  "(the timeout)") from err
            except (urllib.error.URLError, ConnectionError, OSError, http.client.HTTPException) as err:
                if self._pause(attempt, deadline):
                    attempt += 1
                    continue
                reason = self._scrub(str(getattr(err, "reason", err) or type(err).__name__))
                raise RemoteError(f"{method} {redact(url)}: cannot reach the endpoint after {attempt + 1} "
                                  f"attempts: {reason}") from None

    def _pause(self, attempt: int, deadline: float) -> bool:
        """Sleep before another attempt, if one is left and fits before the deadline."""
        if attempt >= self.retries:
            return False
        pause = self.backoff * 2 ** attempt
        if time.monotonic() + pause >= deadline:
            return False
        time.sleep(pause)
        return True

    def _redirect(self, method: str, url: str, err: urllib.error.HTTPError) -> str:
        """Where a redirect answer points, checked."""
        location = err.headers.get("Location") if err.headers is not None else None
        if not location:
            raise RemoteError(f"{method} {redact(url)}: HTTP {err.code} redirect without a Location") from None
        try:
            target = urllib.parse.urljoin(url, location.strip())
        except ValueError as bad:
            raise RemoteError(f"{method} {redact(url)}: HTTP {err.code} redirects to {redact(location)!r}, "
                              f"which is not a valid URL: {bad}") from None
        check_url(target, f"{method} {redact(url)}: HTTP {err.code} redirects to")
        if method not in ("GET", "HEAD") and err.code in (301, 302, 303):
            raise RemoteError(f"{method} {redact(url)}: HTTP {err.code} redirects to {redact(target)}, which "
                              f"would turn the {method} into a GET; use that URL instead") from None
        return target

    def query(self, sparql: str) -> NativeResults:
        """POST a query (kg's prefixes need no declaration); return pyoxigraph results.

        The query is sent URL-encoded (``query=...``, SPARQL 1.1 Protocol
        section 2.1.2), the one form every server reads: Virtuoso 7.2 never
        answers a query POSTed directly as ``application/sparql-query``
        (the request hangs until the client gives up).

        A SELECT gives :class:`pyoxigraph.QuerySolutions`, an ASK a
        :class:`pyoxigraph.QueryBoolean`, a CONSTRUCT a list of triples.

        Raises
        ------
        RemoteError
            If the endpoint cannot be reached, refuses the query, or answers
            in a form that is not query results.

        Examples
        --------
        >>> import io
        >>> ep = Endpoint("http://example.invalid/query", headers={},
        ...               opener=lambda req, timeout: io.BytesIO(b'{"head": {}, "boolean": true}'))
        >>> bool(ep.query("ASK { ?s ?p ?o }"))
        True
        """
        text = with_prefixes(sparql)
        body, media_type = self._post_query(rewrite(self.dialect or "sparql11", text))
        if self.dialect is None:  # the first answer tells the server (kg.remote.dialect)
            self.dialect = detect(self.server)
            if self.dialect != "sparql11":
                body, media_type = self._post_query(rewrite(self.dialect, text))
        return read_answer(read_back(self.dialect, body, media_type), media_type, source=redact(self.url))

    def _post_query(self, text: str) -> tuple[bytes, str]:
        form = urllib.parse.urlencode({"query": text}).encode("ascii")
        return self.request("POST", self.url, form,
                            {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT})

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace named graph ``graph`` with the given N-Triples (Graph Store Protocol ``PUT``).

        Examples
        --------
        >>> import io
        >>> sent = []
        >>> ep = Endpoint("http://h:7878/query", headers={}, opener=lambda req, timeout: sent.append(req) or io.BytesIO())
        >>> ep.put_graph("https://w3id.org/codekg/briefing/77013.txt", b"")
        >>> sent[0].get_method(), sent[0].full_url
        ('PUT', 'http://h:7878/store?graph=https%3A%2F%2Fw3id.org%2Fcodekg%2Fbriefing%2F77013.txt')
        """
        self.request("PUT", self._graph_url(graph), ntriples, {"Content-Type": "application/n-triples"})

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Add the given N-Triples to named graph ``graph`` (Graph Store Protocol ``POST``).

        Examples
        --------
        >>> import io
        >>> sent = []
        >>> ep = Endpoint("http://h:7878/query", headers={}, opener=lambda req, timeout: sent.append(req) or io.BytesIO())
        >>> ep.post_graph("http://g", b"")
        >>> sent[0].get_method()
        'POST'
        """
        self.request("POST", self._graph_url(graph), ntriples, {"Content-Type": "application/n-triples"})

    def _graph_url(self, graph: str) -> str:
        if not self.graph_store:
            raise RemoteError("no Graph Store Protocol URL: pass --graph-store")
        sep = "&" if "?" in self.graph_store else "?"
        return f"{self.graph_store}{sep}graph={urllib.parse.quote(graph, safe='')}"


def read_answer(body: bytes, media_type: str = "", *, source: str = "<answer>") -> NativeResults:
    """Read an endpoint's answer with pyoxigraph: query results (JSON, XML, TSV) or RDF triples.

    The whole answer is read and checked here (pyoxigraph reads solutions
    lazily, so a bad term would otherwise fail later, outside kg's errors).
    Without a media type, a body that opens with ``{`` is read as JSON and
    one that opens with ``<`` as XML.

    Raises
    ------
    RemoteError
        If the answer is in no format kg reads, or does not parse.

    Examples
    --------
    >>> r = read_answer(b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri", "value": "http://a"}}]}}')
    >>> [s["x"] for s in r]
    [<NamedNode value=http://a>]
    >>> read_answer(b"<http://a> <http://b> <http://c> .", "application/n-triples")
    [<Triple subject=<NamedNode value=http://a> predicate=<NamedNode value=http://b> object=<NamedNode value=http://c>>]
    >>> read_answer(b"oops", "text/html", source="http://h/query")
    Traceback (most recent call last):
    ...
    kg.errors.RemoteError: http://h/query: the answer (text/html) is not SPARQL results or RDF: b'oops'
    >>> read_answer(b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"value": "a"}}]}}', source="http://h/query")
    Traceback (most recent call last):
    ...
    kg.errors.RemoteError: http://h/query: the answer (no media type) does not parse: Term serialization must have a 'type' key
    """
    results_format = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
    rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type and results_format is None else None
    if not media_type:
        start = body.lstrip()[:1]
        results_format = {b"{": ox.QueryResultsFormat.JSON, b"<": ox.QueryResultsFormat.XML}.get(start)
    try:
        if results_format is not None:
            answer = ox.parse_query_results(body, results_format)
            if isinstance(answer, ox.QuerySolutions):
                for solution in answer:  # read every term now; then parse again for the caller
                    tuple(solution)
                answer = ox.parse_query_results(body, results_format)
            return answer
        if rdf_format is not None:
            return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, rdf_format)]
    except (SyntaxError, ValueError, TypeError, OSError) as err:
        raise RemoteError(f"{source}: the answer ({media_type or 'no media type'}) does not parse: {err}") from None
    raise RemoteError(
        f"{source}: the answer ({media_type or 'no media type'}) is not SPARQL results or RDF: {body[:200]!r}")


from kg.remote.push import push  # noqa: E402 - the push needs Endpoint and read_answer above
