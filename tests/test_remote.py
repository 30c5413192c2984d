"""Remote endpoint client: credentials from the environment, retries with backoff, clear errors."""

from __future__ import annotations

import io
import urllib.error

import pytest

from kg.remote import Endpoint, RemoteError, auth_headers


class _Flaky:
    """An opener that answers with the given HTTP statuses in turn, recording requests."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests = []

    def __call__(self, req, timeout):
        self.requests.append((req, timeout))
        status = self.statuses.pop(0)
        if status != 200:
            raise urllib.error.HTTPError(req.full_url, status, "nope", {}, io.BytesIO(b"busy"))
        return io.BytesIO(b'{"head": {}, "boolean": true}')


def test_retries_transient_failures_with_backoff(monkeypatch):
    sleeps = []
    monkeypatch.setattr("kg.remote.time.sleep", sleeps.append)
    opener = _Flaky([503, 502, 200])
    ep = Endpoint("http://example.invalid/query", opener=opener, retries=3, backoff=0.5, timeout=7, headers={})
    assert ep.query("ASK {}") == {"head": {}, "boolean": True}
    assert sleeps == [0.5, 1.0]
    assert all(t == 7 for _, t in opener.requests)


def test_gives_up_after_the_retries(monkeypatch):
    monkeypatch.setattr("kg.remote.time.sleep", lambda s: None)
    ep = Endpoint("http://example.invalid/query", opener=_Flaky([503] * 3), retries=2, headers={})
    with pytest.raises(RemoteError, match="HTTP 503"):
        ep.query("ASK {}")


def test_client_errors_are_not_retried():
    opener = _Flaky([400, 200])
    ep = Endpoint("http://example.invalid/query", opener=opener, headers={})
    with pytest.raises(RemoteError, match="HTTP 400 nope: busy"):
        ep.query("ASK {")
    assert len(opener.requests) == 1


def test_credentials_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KG_ENDPOINT_TOKEN", "s3cret")
    opener = _Flaky([200])
    Endpoint("http://example.invalid/query", opener=opener).query("ASK {}")
    req, _ = opener.requests[0]
    assert req.get_header("Authorization") == "Bearer s3cret"
    assert req.get_header("Content-type") == "application/sparql-query; charset=utf-8"


def test_basic_auth_and_extra_headers():
    h = auth_headers({"KG_ENDPOINT_USER": "ana", "KG_ENDPOINT_PASSWORD": "pw", "KG_ENDPOINT_HEADERS": "X-A: 1"})
    assert h == {"X-A": "1", "Authorization": "Basic YW5hOnB3"}
    assert auth_headers({}) == {}


def test_graph_store_defaults_for_oxigraph_and_rejects_non_http():
    assert Endpoint("http://h:7878/query", headers={}).graph_store == "http://h:7878/store"
    assert Endpoint("http://h:3030/ds/sparql", headers={}).graph_store is None
    with pytest.raises(RemoteError, match="not an http"):
        Endpoint("file:///etc/passwd", headers={})
