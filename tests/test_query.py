"""The named-query library: every query runs, answers are right, parameters cannot inject."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.errors import QueryError
from kg.query import bind, get, named_queries, run, run_sparql, with_values


def _example_params(name: str) -> dict[str, str]:
    """Each required parameter's help text gives an example in parentheses."""
    q = get(name)
    example = q.example()
    assert set(example) == {p.name for p in q.params if not p.optional}, f"{name}: a parameter lacks an example"
    return example


def test_library_has_at_least_ten_documented_queries():
    qs = named_queries()
    assert len(qs) >= 10
    for q in qs.values():
        assert q.title and "?" in q.answers, q.name


@pytest.mark.parametrize("name", sorted(n for n, q in named_queries().items() if not q.needs))
def test_every_named_query_answers_its_own_example(example_store, name):
    results = run(example_store, name, **_example_params(name))
    assert len(results) > 0, f"{name} returned nothing for its documented example"


def _pairs(results, *cols):
    return {tuple(r[c] for c in cols) for r in results.records()}


def test_what_77013_monitors(example_store):
    res = run(example_store, "monitors", code="77013")
    assert _pairs(res, "relation", "other") == {("monitors", "49405"), ("monitors", "47382"), ("monitors", "50593")}


def test_what_monitors_47382(example_store):
    res = run(example_store, "monitors", code="47382")
    assert _pairs(res, "relation", "other") == {("monitoredBy", "77013"), ("monitoredBy", "76940"), ("monitoredBy", "77022")}


def test_alternatives_are_symmetric(example_store):
    res = run(example_store, "alternatives", code="76942")
    assert {r["alternative"] for r in res.records()} == {"77013", "77012", "76940"}


def test_diagnoses_split_into_indications_and_comorbidities(example_store):
    res = run(example_store, "diagnoses-for", code="77013")
    assert _pairs(res, "role", "diagnosis") == {
        ("indication", "C22.0"), ("indication", "C78.7"), ("indication", "D02.20"), ("indication", "C34.90"),
        ("comorbidity", "K75.2"),
    }


def test_procedures_for_a_diagnosis(example_store):
    res = run(example_store, "procedures-for", code="C22.0")
    assert {r["procedure"] for r in res.records() if r["role"] == "indication"} == {"77013", "47382", "76940", "77022"}


def test_provenance_of_an_edge(example_store):
    (row,) = run(example_store, "provenance", **{"from": "49405", "to": "77013"}).records()
    assert row["relation"] == "kg:monitors" and row["subject"] == "77013" and row["object"] == "49405"
    assert row["file"] == "77013.txt" and row["line"] == "51"
    assert row["phrase"] == "which 77013 specifically monitors"


def test_related_codes_filtered_by_relation(example_store):
    res = run(example_store, "related-codes", code="32998", relation="includedIn")
    assert _pairs(res, "direction", "other") == {("in", "77013"), ("in", "76940")}
    assert {r["document"] for r in res.records()} == {"briefing:32998.txt", "briefing:76940.txt"}
    assert all(r["relation"] == "kg:includedIn" for r in res.records())


def test_codes_are_found_however_they_are_typed(example_store):
    a = run(example_store, "procedures-for", code="C22.0").rows
    assert run(example_store, "procedures-for", code=" c220 ").rows == a


def test_modifiers_and_specialties(example_store):
    mods = {r["modifier"] for r in run(example_store, "modifiers", code="77013").records()}
    assert {"26", "TC", "59", "80"} <= mods and len(mods) == 14
    tax = {r["taxonomy"] for r in run(example_store, "specialties", code="77013").records()}
    assert tax == {"2086P0205X", "207K00000X", "363L00000X", "363A00000X", "207L00000X"}


def test_stats_counts_documents(example_store):
    rows = {(r["kind"], r["item"]): int(r["count"]) for r in run(example_store, "stats").records()}
    assert rows[("nodes", "Briefing")] == 10
    assert rows[("graph", "named graphs")] == 11  # 10 briefings + the ontology


@pytest.mark.parametrize("hostile", [
    '77013" } UNION { ?s ?p ?o } #',
    "77013> } ; DROP ALL ; <x",
    "77013\n} DELETE WHERE { ?s ?p ?o }",
])
def test_code_parameters_cannot_inject(example_store, hostile):
    with pytest.raises(QueryError, match="not shaped like"):
        run(example_store, "monitors", code=hostile)


def test_values_are_serialised_as_terms_not_text(example_store):
    before = len(example_store)
    hostile = ox.Literal('x" } ?edge ?p ?o . } #')
    q = "SELECT ?edge WHERE { ?edge <https://w3id.org/codekg/ontology#phrase> ?text }"
    sparql = with_values(q, {ox.Variable("text"): [hostile]})
    assert run_sparql(example_store, q, substitutions={ox.Variable("text"): [hostile]}).rows == []
    assert '\\"' in sparql
    assert len(example_store) == before


def test_relation_parameter_must_be_a_kg_relation():
    with pytest.raises(QueryError, match="not a kg relation"):
        bind(get("related-codes"), {"code": "77013", "relation": "monitors> . ?s ?p ?o"})


@pytest.mark.parametrize("name", ["_fail", "_NS", "_warn", "Briefing", "sha256"])
def test_relation_parameter_outside_the_registry_is_a_query_error(name):
    # KG is a closed namespace: KG["_fail"] raises KeyError, which must not reach the user (issue 21, item 4)
    with pytest.raises(QueryError, match=f"{name!r} is not a kg relation"):
        bind(get("related-codes"), {"code": "77013", "relation": name})


def test_relation_parameter_takes_the_registry_and_its_inverses():
    assert bind(get("related-codes"), {"code": "77013", "relation": "kg:monitoredBy"})


@pytest.mark.parametrize("params", [{"code": "7701\ud800"}, {"code": "77013", "relation": "monitors\udcff"},
                                    {"code": "\udfff"}])
def test_lone_surrogate_in_a_parameter_is_a_query_error(params):
    with pytest.raises(QueryError, match="lone surrogate"):
        bind(get("related-codes"), params)


def test_unknown_and_missing_parameters():
    with pytest.raises(QueryError, match="has no parameter"):
        bind(get("monitors"), {"code": "77013", "cod": "1"})
    with pytest.raises(QueryError, match="needs --param code"):
        bind(get("monitors"), {})
    with pytest.raises(QueryError, match="no named query"):
        get("monitor")


def test_syntax_error_names_the_position(example_store):
    with pytest.raises(QueryError) as info:
        run_sparql(example_store, "SELECT *\nWHERE { ?s ?p }", source="mine.rq")
    msg = str(info.value)
    assert msg.startswith("mine.rq:2:") and "SPARQL syntax error" in msg and "\n" not in msg


def test_w3c_json_and_csv(example_store):
    res = run(example_store, "monitors", code="77013")
    data = json.loads(res.to_json())
    assert data["head"]["vars"] == res.variables
    b = data["results"]["bindings"][0]
    assert b["other"] == {"type": "literal", "value": b["other"]["value"]}
    assert b["document"]["type"] == "uri"
    assert b["line"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    lines = res.to_csv().splitlines()
    assert lines[0] == ",".join(res.variables) and len(lines) == len(res) + 1


def test_ask_and_construct(example_store):
    assert run_sparql(example_store, "ASK { ?s kg:monitors ?o }").boolean is True
    res = run_sparql(example_store, "CONSTRUCT { ?s kg:monitors ?o } WHERE { ?s kg:monitors ?o }")
    assert len(res.triples) >= 3


def test_query_df(example_store):
    import kg

    df = kg.query_df(example_store, "diagnoses-for", code="77013")
    assert list(df.columns) == ["role", "diagnosis", "description", "document", "line"]
    assert len(df) == 5
