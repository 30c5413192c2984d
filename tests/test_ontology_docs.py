"""docs/ontology.html is current: generated from ontology/kg.ttl by docs/ontology_html.py (pyLODE)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))

import ontology_html  # noqa: E402  (docs/ontology_html.py, kg-independent)


def test_the_ontology_page_is_current(tmp_path):
    fresh = tmp_path / "ontology.html"
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "ontology_html.py"), "-o", str(fresh)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    page = (ROOT / "docs" / "ontology.html").read_text(encoding="utf-8")
    assert ontology_html.same_page(page, fresh.read_text(encoding="utf-8")), \
        "docs/ontology.html is stale: run 'make docs' (python docs/ontology_html.py) and commit it"
    assert "https://w3id.org/codekg/ontology#monitors" in page and "guides or monitors" in page


def test_a_changed_ontology_is_a_stale_page():
    page = (ROOT / "docs" / "ontology.html").read_text(encoding="utf-8")
    assert not ontology_html.same_page(page, page.replace("guides or monitors", "guides"))
    lines = page.splitlines()
    assert ontology_html.same_page(page, "\n".join(lines[1:] + lines[:1]))  # order alone is no change
