"""Generate docs/ontology.html, the ontology's documentation, from ontology/kg.ttl with pyLODE.

    python docs/ontology_html.py            # regenerate docs/ontology.html (or: make docs)
    python docs/ontology_html.py -o FILE    # write elsewhere (the staleness test does)

It does not import kg. pyLODE's output follows the order of Python's hashed sets and of blank node ids, so
the script runs it with PYTHONHASHSEED=0 (re-running itself if need be) and numbers blank nodes in parse
order; a few lists still come out in another order from run to run, so a page is rewritten only when its
lines differ (:func:`same_page`), and the staleness test (tests/test_ontology_docs.py) compares the same way.
pyLODE is pinned in pyproject.toml's dev extra, as another version lays the page out differently.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "ontology" / "kg.ttl"
TARGET = ROOT / "docs" / "ontology.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=TARGET, help=f"default: {TARGET.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, __file__, *(argv if argv is not None else sys.argv[1:])],
                  {**os.environ, "PYTHONHASHSEED": "0"})
    html = render()
    if args.output.is_file() and same_page(args.output.read_text(encoding="utf-8"), html):
        print(f"{args.output} is up to date", file=sys.stderr)
        return 0
    args.output.write_text(html, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def render() -> str:
    """The page pyLODE makes of ontology/kg.ttl."""
    import itertools
    import logging
    import uuid

    import rdflib.term

    logging.disable(logging.INFO)  # pyLODE logs every background ontology it loads
    serial = itertools.count()
    rdflib.term.uuid4 = lambda: uuid.UUID(int=next(serial))  # blank nodes numbered in parse order, not at random
    from pylode import OntPub

    html = OntPub(ontology=str(SOURCE)).make_html()
    return html if html.endswith("\n") else html + "\n"


def same_page(a: str, b: str) -> bool:
    """Whether two renderings say the same: the same lines, in any order.

    pyLODE lists the members of an ``owl:unionOf`` (and a few other sets) in an order that changes from
    run to run, and the page carries no timestamp; so a page is current when it has the lines a new
    rendering has, each as often.
    """
    return sorted(a.splitlines()) == sorted(b.splitlines())


if __name__ == "__main__":
    sys.exit(main())
