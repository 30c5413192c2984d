"""A build can't break a server: kg build refuses to write a store that kg serve serves, while 10 clients query it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

from kg.serve import start

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(base: str) -> int:
    url = f"{base}/query?{urllib.parse.urlencode({'query': COUNT})}"
    req = urllib.request.Request(url, headers={"Accept": "text/csv"})
    with urllib.request.urlopen(req, timeout=60) as answer:
        assert answer.status == 200
        return int(answer.read().decode().split()[-1])


def test_build_while_ten_clients_query_the_server(example_store_dir, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(example_store_dir, store)
    with start(store, bind="127.0.0.1:0", workers=2) as server:
        before = _count(server.base)
        answers, failures, stop = [], [], threading.Event()

        def client():
            while not stop.is_set():
                try:
                    answers.append(_count(server.base))
                except Exception as err:  # noqa: BLE001 - every failure is reported below
                    failures.append(repr(err))

        clients = [threading.Thread(target=client) for _ in range(10)]
        for c in clients:
            c.start()
        try:
            build = subprocess.run([sys.executable, "-m", "kg", "build", "--examples", "--store", str(store)],
                                   capture_output=True, text=True, timeout=300, check=False)
        finally:
            stop.set()
            for c in clients:
                c.join(timeout=120)
        assert build.returncode != 0
        assert "'kg serve' (pid" in build.stderr and "is serving this store" in build.stderr
        assert "Traceback" not in build.stderr
        assert failures == [] and len(answers) >= 10
        assert set(answers) == {before}  # the old data, whole, all along
    # the server gone, the store builds again
    again = subprocess.run([sys.executable, "-m", "kg", "build", "--examples", "--store", str(store)],
                           capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr[-2000:]


def test_a_link_opens_a_result_table_and_kg_queries_links_prints_full_urls(example_store_dir):
    from kg.query import named_queries

    with start(example_store_dir, bind="127.0.0.1:0", workers=1) as server:
        with urllib.request.urlopen(f"{server.base}/q/monitors?code=77013", timeout=60) as answer:
            assert answer.headers["Content-Type"].startswith("text/html")  # shown, not downloaded
            assert "attachment" not in (answer.headers.get("Content-Disposition") or "")
            text = answer.read().decode()
        assert "<table>" in text and "<td>49405</td>" in text
        try:
            urllib.request.urlopen(f"{server.base}/q/no-such-query", timeout=60)
        except urllib.error.HTTPError as err:
            assert err.code == 404
    r = subprocess.run([sys.executable, "-m", "kg", "queries", "--links", "--base", "http://h:7878"],
                       capture_output=True, text=True, timeout=120, check=False)
    lines = r.stdout.splitlines()
    assert len(lines) == len(named_queries()) and all("\thttp://h:7878/query?query=" in ln for ln in lines)


def test_a_server_that_is_gone_fails_fast_within_the_deadline():
    """Retries are bounded in time: nothing listens on the port, and many retries still end within the timeout."""
    import time

    import pytest

    from kg.errors import RemoteError
    from kg.remote import Endpoint
    from kg.serve import free_port

    ep = Endpoint(f"http://127.0.0.1:{free_port()}/query", headers={}, timeout=2, retries=50, backoff=0.2)
    started = time.monotonic()
    with pytest.raises(RemoteError, match="cannot reach the endpoint"):
        ep.query("ASK {}")
    assert time.monotonic() - started < 3


def test_a_cartesian_product_sorted_in_memory_hits_the_memory_cap_not_the_machine(example_store_dir):
    """With a long time limit, a query that sorts a Cartesian product grows until the backend's memory cap ends it;
    the server answers with an error status and goes on answering."""
    import time

    cartesian = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
    with start(example_store_dir, bind="127.0.0.1:0", workers=1, timeout_s=240, memory_mib=300) as server:
        started = time.monotonic()
        req = urllib.request.Request(f"{server.base}/query", data=urllib.parse.urlencode({"query": cartesian}).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            urllib.request.urlopen(req, timeout=300)
            status = 200
        except urllib.error.HTTPError as err:
            status = err.code
        assert status in (502, 503) and time.monotonic() - started < 200  # the cap ended it, not the time limit
        deadline = time.monotonic() + 60
        while True:  # a fresh backend takes the place of the one that ended
            try:
                assert _count(server.base) > 0
                break
            except (urllib.error.HTTPError, AssertionError):
                assert time.monotonic() < deadline
                time.sleep(0.5)
