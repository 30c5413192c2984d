"""kg.to_rdf on briefings kg has never seen (tests/data/unseen/), and one graph compared triple by triple.

The unseen briefings vary the format: 47383.txt has CRLF line endings,
32994.txt puts the columns in another order, 77002.txt has an extra
"Source" column. For each related-CPT and diagnosis row the exact typed
direct edge is listed below as (subject notation, relation, object notation).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.examples import examples_dir
from kg.errors import BriefingParseError
from kg.parse import Briefing, code_system, parse_file, parse_text
from kg.export import to_rdflib
from kg.relations import GENERIC, classify_diagnosis, classify_procedure, primary, read_row
from kg.build import build
from kg.store import open_store
from kg.to_rdf import Lit, briefing_nquads, briefing_quads, nquads
from kg.vocab import KG, PREFIXES, briefing_iri

DATA = Path(__file__).resolve().parent / "data"
UNSEEN = DATA / "unseen"
EXPECTED = DATA / "expected"

SKOS_NOTATION = PREFIXES["skos"] + "notation"
RDF_TYPE = PREFIXES["rdf"] + "type"
PROV_DERIVED = PREFIXES["prov"] + "wasDerivedFrom"
XSD_INTEGER = PREFIXES["xsd"] + "integer"

RELATIONS = {"relatedTo", "monitors", "monitoredBy", "alternativeTo", "precedes", "includedIn", "indicationFor",
             "comorbidityOf"}

EDGES = {
    "47383.txt": {
        # diagnoses
        ("C22.0", "indicationFor", "47383"),
        ("C78.7", "indicationFor", "47383"),
        ("K74.60", "comorbidityOf", "47383"),
        # related CPT codes
        ("77013", "monitors", "47383"),  # "CT guidance code that monitors this cryoablation."
        ("77022", "monitors", "47383"),  # "MR guidance code used to monitor this cryoablation ..."
        ("47383", "alternativeTo", "47382"),
        ("47000", "precedes", "47383"),  # biopsy "prior to the cryoablation"
        ("47383", "precedes", "74183"),  # "Post-ablation follow-up MRI"
        ("76942", "includedIn", "47383"),  # "included in this cryoablation and is not separately reported"
    },
    "32994.txt": {
        ("C34.11", "indicationFor", "32994"),
        ("C78.01", "indicationFor", "32994"),
        ("J44.9", "comorbidityOf", "32994"),
        ("77013", "includedIn", "32994"),  # "CT guidance and monitoring are included in this ablation ..."
        ("32994", "alternativeTo", "32998"),
        ("32405", "precedes", "32994"),
        ("71260", "precedes", "32994"),
        ("32994", "precedes", "71250"),
        ("32994", "relatedTo", "32551"),  # vague: "sometimes reported on the same day"
    },
    "77002.txt": {
        ("C79.51", "indicationFor", "77002"),
        ("M81.0", "comorbidityOf", "77002"),
        ("77002", "relatedTo", "R52"),  # vague: "Mentioned in payer documentation."
        ("77002", "includedIn", "20982"),  # "guidance that monitors the ablation needle is bundled into 20982"
        ("77002", "includedIn", "22511"),  # "included in the vertebroplasty code"
        ("77002", "alternativeTo", "77012"),
        ("77002", "alternativeTo", "76942"),
        ("72125", "precedes", "77002"),
        ("77002", "monitors", "20225"),  # "Needle procedure commonly guided with fluoroscopy."
    },
}

# (relation local name, object notation, line) for the modifier and taxonomy rows
FACTS = {
    "47383.txt": {("hasModifier", "22", 15), ("hasModifier", "52", 16), ("performedBy", "2085R0204X", 20)},
    "32994.txt": {("hasModifier", "52", 13), ("hasModifier", "59", 14), ("performedBy", "2085R0204X", 17),
                  ("performedBy", "208G00000X", 18)},
    "77002.txt": {("hasModifier", "26", 15), ("hasModifier", "TC", 16)},
}

NAMES = sorted(EDGES)


def local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


class Doc:
    """One unseen briefing and its quads, with lookups by term."""

    def __init__(self, name: str) -> None:
        self.path = UNSEEN / name
        self.briefing: Briefing = parse_file(self.path)
        self.quads = briefing_quads(self.briefing)
        self.iri = briefing_iri(name)
        self.triples = {(q.subject, q.predicate, q.object) for q in self.quads}
        self.notation = {q.subject.value: q.object.value for q in self.quads if q.predicate.value == SKOS_NOTATION}

    def objects(self, s, p: str) -> list:
        return [o for (s2, p2, o) in self.triples if s2 == s and p2.value == p]

    def one(self, s, p: str):
        values = self.objects(s, p)
        assert len(values) == 1, (s, p, values)
        return values[0]

    def edges(self) -> set[tuple[str, str, str]]:
        """Direct code -> code edges typed with a relation of the ontology."""
        out = set()
        for s, p, o in self.triples:
            if p.value.startswith(str(KG._NS)) and local(p.value) in RELATIONS:
                out.add((self.notation[s.value], local(p.value), self.notation[o.value]))
        return out

    def asserted(self) -> list[NamedNode]:
        return sorted((s for s, p, o in self.triples if p.value == RDF_TYPE and o.value == str(KG.AssertedRelation)),
                      key=lambda n: n.value)

    def rows(self):
        b = self.briefing
        return b.modifiers + b.taxonomies + b.diagnoses + b.procedures


@pytest.fixture(scope="module", params=NAMES)
def doc(request) -> Doc:
    return Doc(request.param)


def test_unseen_fixtures_vary_the_format():
    crlf = (UNSEEN / "47383.txt").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 30
    assert b"\r\n" not in (UNSEEN / "32994.txt").read_bytes()
    assert "| Description | Relationship to This Procedure | CPT Code |" in (UNSEEN / "32994.txt").read_text("utf-8")
    assert "| Source |" in (UNSEEN / "77002.txt").read_text("utf-8")
    # none of them is one of the bundled examples
    assert not {p.name for p in UNSEEN.glob("*.txt")} & {p.name for p in examples_dir().glob("*.txt")}


def test_typed_direct_edges(doc):
    assert doc.edges() == EDGES[doc.path.name]
    # one edge per related-CPT and diagnosis row
    assert len(doc.edges()) == len(doc.briefing.procedures) + len(doc.briefing.diagnoses)


def test_modifier_and_taxonomy_edges(doc):
    subject = doc.one(NamedNode(doc.iri), str(KG.aboutCode))
    assert doc.notation[subject.value] == doc.briefing.code
    facts = set()
    for row in doc.briefing.modifiers + doc.briefing.taxonomies:
        q = NamedNode(f"{doc.iri}#L{row.line}")
        relation = local(doc.one(q, str(KG.relation)).value)
        assert (subject, NamedNode(str(KG[relation])), doc.one(q, str(KG.objectCode))) in doc.triples
        facts.add((relation, row.code, row.line))
    assert facts == FACTS[doc.path.name]


def test_no_node_for_not_applicable_rows(doc):
    text = doc.path.read_text(encoding="utf-8")
    assert re.search(r"^\|? ?N/A \| N/A \| N/A", text, re.M), "fixture should have N/A rows"
    codes = {doc.briefing.code} | {r.code for r in doc.rows()}
    assert set(doc.notation.values()) == codes
    for notation in doc.notation.values():
        assert "N/A" not in notation and notation.upper() not in ("NA", "NONE", "-")
    iris = {t.value for s, p, o in doc.triples for t in (s, o) if isinstance(t, NamedNode)}
    assert not [i for i in iris if re.search(r"/(?:N%2FA|N/A|NA|n%2Fa)$", i)]
    # qualified nodes: exactly one per real row, at that row's line
    assert [q.value for q in doc.asserted()] == sorted(f"{doc.iri}#L{r.line}" for r in doc.rows())


def test_included_in_phrases_never_become_monitors(doc):
    bundling = re.compile(r"\b(?:included|bundled|packaged|part of)\b|\bnot (?:\w+ )?separately\b", re.I)
    checked = 0
    for row in doc.briefing.procedures:
        if not bundling.search(row.note):
            continue
        checked += 1
        pair = {row.code, doc.briefing.code}
        relations = {rel for s, rel, o in doc.edges() if {s, o} == pair}
        assert relations == {"includedIn"}, (row.line, row.note, relations)
    assert checked >= 1
    # across the three documents, one of these rows also says "monitors"
    if doc.path.name == "77002.txt":
        assert any("monitors" in r.note and bundling.search(r.note) for r in doc.briefing.procedures)


def test_qualified_nodes_carry_provenance(doc):
    document = NamedNode(doc.iri)
    by_line = {r.line: r for r in doc.rows()}
    for q in doc.asserted():
        line = int(q.value.rsplit("#L", 1)[1].split("-")[0])
        row = by_line[line]
        if doc.objects(q, str(KG.negated)):
            continue  # a denied statement has no direct edge (tests/test_negation.py)
        assert doc.objects(q, PROV_DERIVED) == [document]
        assert doc.objects(q, str(KG.line)) == [Literal(str(row.line), datatype=NamedNode(XSD_INTEGER))]
        s, p, o = doc.one(q, str(KG.subjectCode)), doc.one(q, str(KG.relation)), doc.one(q, str(KG.objectCode))
        assert (s, p, o) in doc.triples, "the qualified node describes a direct edge that exists"
        assert row.code in (doc.notation[s.value], doc.notation[o.value])
        assert doc.objects(q, str(KG.description)) == [Literal(row.description)]
        assert [a.value for a in doc.objects(q, str(KG.annotation))] == [f"{h}: {v}" for h, v in row.extra]
        if row in doc.briefing.diagnoses or row in doc.briefing.procedures:
            b = doc.briefing
            statements = read_row(row.note, table="diagnosis" if row in b.diagnoses else "procedure", subject=b.code,
                                  row=row.code, subject_title=b.title, row_description=row.description)
            main = primary(statements, b.code, row.code)
            c = main or (classify_diagnosis(row.note) if row in b.diagnoses
                         else classify_procedure(row.note, b.code, row.code))
            assert local(p.value) == c.relation
            assert doc.objects(q, str(KG.sourceText)) == [Literal(row.note)]
            if "-" in q.value.rsplit("#L", 1)[1]:
                continue  # a second statement of the same row; #L<line> is the row's main one
            assert doc.objects(q, str(KG.rule)) == [Literal(c.rule)]
            if c.rule == "no-rule":  # vague text: relatedTo with no deciding phrase
                assert c.relation == GENERIC and doc.objects(q, str(KG.phrase)) == []
            else:
                (phrase,) = doc.objects(q, str(KG.phrase))
                assert phrase.value == c.phrase and phrase.value in row.note
        else:  # modifiers and taxonomies keep their note as a usage note
            assert doc.objects(q, str(KG.usageNote)) == [Literal(row.note)]
            assert doc.objects(q, str(KG.phrase)) == []


def test_every_classified_row_has_a_phrase_except_vague_ones():
    """The qualified nodes of the unseen documents that lack kg:phrase are exactly the vague rows."""
    missing = set()
    for name in NAMES:
        d = Doc(name)
        for row in d.briefing.diagnoses + d.briefing.procedures:
            q = NamedNode(f"{d.iri}#L{row.line}")
            if not d.objects(q, str(KG.phrase)):
                missing.add((name, row.code))
    assert missing == {("32994.txt", "32551"), ("77002.txt", "R52")}


def test_quads_are_deterministic_and_in_the_document_graph(doc):
    again = briefing_quads(parse_file(doc.path))
    assert again == doc.quads
    assert {q.graph_name.value for q in doc.quads} == {doc.iri}


def test_crlf_document_has_no_carriage_returns_in_literals():
    d = Doc("47383.txt")
    literals = [o.value for s, p, o in d.triples if isinstance(o, Literal)]
    assert literals and not [v for v in literals if "\r" in v]


# --------------------------------------------------------------------------
# one tiny briefing, the whole graph, compared with a hand-written Turtle file


def _briefing_graph(tmp_path: Path, source: Path) -> Graph:
    store = open_store(tmp_path / "store")
    report = build(store, [source], progress=False)
    assert report.ok, report.errors
    assert report.added == [source.name]
    ds = to_rdflib(store)
    identifier = URIRef(briefing_iri(source.name))
    assert identifier in {g.identifier for g in ds.graphs()}
    graph = Graph()
    for triple in ds.graph(identifier):
        graph.add(triple)
    # the build records where the document was read from (kg:sourcePath): true, but not the same on every machine
    source_path = URIRef(str(KG.sourcePath))
    assert [str(o) for o in graph.objects(identifier, source_path)] == [str(source.resolve())]
    graph.remove((identifier, source_path, None))
    # and the digest of the graph's N-Quads (kg.mentions keys by it): a function of how they are written too
    content = URIRef(str(KG.contentSha256))
    assert [len(str(o)) for o in graph.objects(identifier, content)] == [64]
    graph.remove((identifier, content, None))
    return graph


def _dump(graph: Graph) -> str:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    return "\n".join(sorted(graph.serialize(format="nt").splitlines()))


def test_mini_briefing_graph_is_isomorphic_to_expected_turtle(tmp_path):
    actual = _briefing_graph(tmp_path, EXPECTED / "mini.txt")
    expected = Graph().parse(EXPECTED / "mini.ttl", format="turtle")
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        message = (f"built graph differs from mini.ttl\n--- only in the built graph ({len(only_actual)}):\n"
                   f"{_dump(only_actual)}\n--- only in mini.ttl ({len(only_expected)}):\n{_dump(only_expected)}")
        print(message)
        pytest.fail(message)
    assert len(actual) == len(expected)


# --------------------------------------------------------------------------
# whatever parses, converts: briefing_quads never fails on a parsed briefing

REAL_LINES = (examples_dir() / "77013.txt").read_text(encoding="utf-8").split("\n")
PIECES = ["|", " | ", "N/A", "CPT 77013: ", "\u2014", "\u00a0", "included in 49405", "that 77013 monitors",
          "c22.0", "G0288", "Medicare, ", "Oscar, ", "Typical site of service: ", "\u2011", "\"", "\\", "<>", "%"]


@st.composite
def mutated(draw) -> str:
    lines = list(REAL_LINES)
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "splice"]))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
        else:
            at = draw(st.integers(0, len(lines[i])))
            piece = draw(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)))
            lines[i] = lines[i][:at] + piece + lines[i][at:]
    return "\n".join(lines)


@settings(max_examples=150, deadline=None)
@given(mutated())
def test_fuzz_briefing_quads(text):
    try:
        b = parse_text(text, "77013.txt")
    except BriefingParseError:
        return
    quads = briefing_quads(b)
    assert quads and {q.graph_name.value for q in quads} == {briefing_iri("77013.txt")}
    notations = [q.object.value for q in quads if q.predicate.value == SKOS_NOTATION]
    for n in notations:
        assert code_system(n, ("CPT", "HCPCS", "ICD10CM", "NUCC", "MOD")) is not None, n
    # the store writes the N-Quads rendering; it must read back as exactly these quads
    assert set(ox.parse(briefing_nquads(b), ox.RdfFormat.N_QUADS)) == set(quads)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_nquads_literals_round_trip(text):
    data = nquads("https://w3id.org/codekg/briefing/x.txt", [("http://s", "http://p", Lit(text)),
                                                            ("http://s", "http://p", Lit(text, XSD_INTEGER))])
    assert [q.object for q in ox.parse(data, ox.RdfFormat.N_QUADS)] == [
        Literal(text), Literal(text, datatype=NamedNode(XSD_INTEGER))]
