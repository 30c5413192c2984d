"""The layers of docs/ARCHITECTURE.md, held to the code: no module imports from a layer above its own,
and no module in kg/ grows past 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kg

KG_DIR = Path(kg.__file__).parent

LAYERS = [
    # 0: the domain model, no I/O
    ("model", ["kg.model", "kg.errors", "kg.vocab"]),
    # 1: reading inputs: briefing text, official files, the query files
    ("read", ["kg.parse", "kg.sources", "kg.relations", "kg.bulk", "kg.stats", "kg.queries", "kg.paging", "kg.cms",
              "kg.similarity", "kg.examples"]),
    # 2: records and official files to RDF
    ("to_rdf", ["kg.to_rdf", "kg.codesets", "kg.icd_notes"]),
    # 3: the store and what a build reads from it
    ("store", ["kg.knowledge", "kg.store", "kg.cache", "kg.build", "kg.build_report", "kg.build_files", "kg.build_failures",
               "kg.mentions",
               "kg.pipeline", "kg.export", "kg.shapes", "kg.interop",
               "kg.fhir", "kg.parquet"]),
    # 4: one query target, embedded or remote
    ("target", ["kg.target", "kg.results", "kg.remote", "kg.query", "kg.release_view"]),
    # 5: what users ask of the graph
    ("use", ["kg.official", "kg.audit", "kg.claims", "kg.check", "kg.suggest", "kg.show", "kg.network",
             "kg.evaluate", "kg.serve", "kg.diff", "kg.engines", "kg.validate"]),
    # 6: views (the page knows no SPARQL)
    ("view", ["kg.view"]),
    # 7: the command line and the package's front door
    ("cli", ["kg.cli", "kg", "kg.__main__"]),
]


def _layer_of(module: str) -> int:
    best = None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                if best is None or len(p) > best[1]:
                    best = (i, len(p))
    if best is None:
        raise AssertionError(f"{module} is in no layer of tests/test_architecture.py (and docs/ARCHITECTURE.md)")
    return best[0]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KG_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(KG_DIR.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    out = set()
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(n, ast.ImportFrom) and n.module and (n.module == "kg" or n.module.startswith("kg.")):
            out.add(n.module)
        elif isinstance(n, ast.Import):
            out.update(a.name for a in n.names if a.name == "kg" or a.name.startswith("kg."))
    return out


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(KG_DIR)))
def test_no_import_runs_up_the_layers(path):
    me = _module_name(path)
    mine = _layer_of(me)
    up = sorted(m for m in _imports(path) if _layer_of(m) > mine)
    assert not up, f"{me} (layer {LAYERS[mine][0]}) imports from above: {up}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(KG_DIR)))
def test_no_module_is_over_500_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= 500, f"{path.relative_to(KG_DIR)} has {n} lines"
