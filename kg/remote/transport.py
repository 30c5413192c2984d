"""HTTP for :mod:`kg.remote`: URL checks, redaction for messages, and one request under one deadline.

Examples
--------
>>> check_url("https://h/sparql").hostname
'h'
>>> redact("http://u:p@h/q?k=1")
'http://***@h/q?…'
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from kg.errors import RemoteError

__all__ = ["check_url", "http_open", "origin", "redact"]


def redact(url: str) -> str:
    """``url`` fit for a message: no user info, no query string or fragment, control characters escaped.

    Examples
    --------
    >>> redact("http://ana:s3cret@h:7878/query?key=abc")
    'http://***@h:7878/query?…'
    >>> redact("http://h/q\\r\\nX: y")
    'http://h/q\\\\r\\\\nX: y'
    """
    text = re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", r"\1***@", str(url))
    text = re.sub(r"[?#].*", "?…", text, flags=re.DOTALL)
    return text.encode("unicode_escape").decode("ascii").replace("\\u2026", "…")


def check_url(url: str, what: str = "endpoint URL") -> urllib.parse.SplitResult:
    """Split an http(s) URL, refusing what no request should be sent to.

    Refused: another scheme, no host, a bad port or IPv6 literal, spaces,
    control characters (CR/LF), non-ASCII characters, and user info
    (credentials belong in the environment).

    Examples
    --------
    >>> check_url("http://127.0.0.1:7878/query").port
    7878
    >>> check_url("http://[::1")
    Traceback (most recent call last):
    ...
    kg.errors.RemoteError: endpoint URL 'http://[::1' is not a valid URL: Invalid IPv6 URL
    >>> check_url("http://h/query\\r\\nX-Injected: 1")
    Traceback (most recent call last):
    ...
    kg.errors.RemoteError: endpoint URL 'http://h/query\\\\r\\\\nX-Injected: 1' holds a space or a control character at position 14; percent-encode it
    >>> check_url("http://ana:pw@h/query")
    Traceback (most recent call last):
    ...
    kg.errors.RemoteError: endpoint URL 'http://***@h/query' carries credentials; set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (or KG_ENDPOINT_TOKEN) instead
    """
    shown = redact(url) if isinstance(url, str) else repr(url)
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise RemoteError(f"{what} {shown!r} is not an http(s) URL")
    bad = next((i for i, c in enumerate(url) if ord(c) <= 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        raise RemoteError(f"{what} {shown!r} holds a space or a control character at position {bad}; percent-encode it")
    if not url.isascii():
        raise RemoteError(f"{what} {shown!r} holds a non-ASCII character; percent-encode it")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as err:
        raise RemoteError(f"{what} {shown!r} is not a valid URL: {err}") from None
    if "@" in parts.netloc:
        raise RemoteError(f"{what} {shown!r} carries credentials; set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD "
                          "(or KG_ENDPOINT_TOKEN) instead")
    if not parts.hostname:
        raise RemoteError(f"{what} {shown!r} names no host")
    return parts


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, the port filled in.

    Examples
    --------
    >>> origin("http://H:80/q") == origin("http://h/other")
    True
    """
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


class _Answer(io.BytesIO):
    """A whole response body with its headers and status, as :func:`http_open` returns it."""

    def __init__(self, body: bytes, status: int, headers: http.client.HTTPMessage) -> None:
        super().__init__(body)
        self.status = status
        self.headers = headers


def http_open(req: urllib.request.Request, timeout: float, *, limit: int | None = None) -> _Answer:
    """Send ``req`` and read the whole answer within ``timeout`` seconds; follow no redirect.

    The deadline covers connect, headers and body: a timer shuts the socket
    when it passes, whatever the server is doing. A status other than 2xx
    raises :class:`urllib.error.HTTPError` (with its body and headers), as
    :func:`urllib.request.urlopen` does.

    Raises
    ------
    TimeoutError
        If the answer is not complete within ``timeout``.
    OverflowError
        If the body is longer than ``limit`` bytes.
    OSError, http.client.HTTPException
        If the connection fails or the answer is not HTTP.

    Examples
    --------
    >>> http_open(urllib.request.Request("http://127.0.0.1:9/query"), timeout=2)  # nothing listens on port 9
    Traceback (most recent call last):
    ...
    ConnectionRefusedError: [Errno 111] Connection refused
    """
    parts = urllib.parse.urlsplit(req.full_url)
    deadline = time.monotonic() + timeout
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, parts.port, timeout=max(timeout, 0.001))
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        conn.request(req.get_method(), target, body=req.data, headers=dict(req.header_items()))
        response = conn.getresponse()
        chunks, size = [], 0
        while chunk := response.read1(65536):
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise OverflowError(f"the answer is over {limit} bytes")
            if expired.is_set() or time.monotonic() > deadline:
                raise TimeoutError
        if expired.is_set():
            raise TimeoutError
    except (OSError, http.client.HTTPException) as err:
        if expired.is_set() or time.monotonic() > deadline:
            raise TimeoutError(f"no complete answer within {timeout:.3g}s") from err
        raise
    finally:
        timer.cancel()
        conn.close()
    body = b"".join(chunks)
    if not 200 <= response.status < 300:
        raise urllib.error.HTTPError(req.full_url, response.status, response.reason, response.headers, io.BytesIO(body))
    return _Answer(body, response.status, response.headers)
