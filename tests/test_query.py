"""kg.query: SPARQL over the store, named queries with parameters, result formats, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from query_fixture import CORPUS_EXAMPLES, corpus_store_path, fixture_store_path, load_fixture

import kg
from kg.cli import cli
from kg.errors import QueryError
from kg.query import KnowledgeGraph, bind, named_queries, uses_service

BASE = "https://alliance-kg.org/id/"

# Each named query with the parameters to ask it and what must come back from the fixture.
EXPECTED = {
    "who-met-whom": ({"person": "hamada"}, 3),
    "events-per-country-month": ({"country": "Japan"}, 2),
    "timeline-of-person": ({"person": "Kishida"}, 1),
    "events-on-topic": ({"topic": "defense"}, 2),
    "persons-by-role-country": ({"role": "minister", "country": "JP"}, 2),
    "trilateral-events": ({}, 2),
    "exercises": ({}, 1),
    "co-occurring-countries": ({"country": "PH"}, 2),
    "co-occurring-persons": ({"person": "Biden"}, 2),
    "link-evidence": ({"entity": "Hamada", "volume": "2.1"}, 1),
    "digest-diff": ({"old": "1.17", "new": "2.1"}, 13),
    "most-active-organizations": ({}, 2),
    "most-mentioned-persons": ({"country": "US"}, 2),
    "places-by-country": ({"country": "JP"}, 2),
    "events-in-date-range": ({"from": "2022-09-05", "to": "2023-12-31"}, 3),
    "events-in-country": ({"country": "Philippines"}, 1),
    "event-types": ({}, 3),
    "topics": ({}, 2),
    "digests": ({}, 2),
    "search-events": ({"text": "ORIENT shield"}, 1),
}


@pytest.fixture(scope="module")
def graph() -> KnowledgeGraph:
    return KnowledgeGraph(load_fixture(ox.Store()))


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return fixture_store_path(tmp_path_factory.mktemp("query") / "store")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The bundled digests, ingested for real."""
    with kg.open(corpus_store_path(tmp_path_factory.mktemp("corpus") / "store")) as graph:
        yield graph


# What each column of the named queries holds, so every answer on the corpus can be checked.
IRI_COLUMNS = {"person1", "person2", "event", "who", "digest", "subject", "person", "served", "country1",
               "country2", "target", "entity", "link", "organization", "of", "nationality", "in", "place",
               "type", "topic"}
COUNT_COLUMNS = {"events", "countries", "begin", "end"}
DATE_COLUMNS = {"date", "firstSeen", "lastSeen", "issued"}


def _check_kind(column, value):
    if column in IRI_COLUMNS:
        assert isinstance(value, str) and re.match(r"https?://", value), (column, value)
    elif column in COUNT_COLUMNS:
        assert isinstance(value, int) and value >= 0, (column, value)
    elif column in DATE_COLUMNS:
        text = value.isoformat() if isinstance(value, dt.date) else value
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text), (column, value)
    elif column == "month":
        assert re.fullmatch(r"\d{4}-\d{2}", value), value
    elif column == "code":
        assert re.fullmatch(r"[A-Z]{2,12}", value), value
    else:
        assert isinstance(value, str) and value.strip(), (column, value)


@pytest.mark.parametrize("name", sorted(CORPUS_EXAMPLES))
def test_each_named_query_answers_on_the_corpus(corpus, name):
    result = corpus.named(name, **CORPUS_EXAMPLES[name])
    assert len(result) >= 1, f"{name} found nothing in the bundled digests"
    for row in result:
        for column, value in row.asdict().items():
            if value is not None:
                _check_kind(column, value)
    assert len(set(result.terms)) == len(result.terms), "no duplicate rows from the union default graph"


def test_link_evidence_gives_the_exact_words_of_the_bullet(corpus):
    rows = corpus.named("link-evidence", entity="Kishida").rows
    assert rows
    for row in rows:
        description = corpus.query("SELECT ?text WHERE { ?event dcterms:description ?text }",
                                   event=ox.NamedNode(row.event)).rows[0].text
        assert description[row.begin:row.end] == row.words
        assert "Kishida" in row.words


def test_summary_counts_agree_with_the_events(corpus):
    """The monthly counts of the summary graph are the number of events involving the country."""
    (japan,) = corpus.query("SELECT (SUM(?n) AS ?total) WHERE { ?c a ak:MonthlyCount ; ak:weight ?n ; "
                            "ak:country <https://alliance-kg.org/id/country/JP> }").rows
    counted = corpus.query("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { "
                           "?e ak:involvesCountry <https://alliance-kg.org/id/country/JP> }").rows[0].n
    assert japan.total == counted > 0


def test_free_queries_see_each_entity_once(corpus):
    """Each description is stored once, so the union default graph repeats nothing."""
    (persons,) = corpus.query("SELECT (COUNT(*) AS ?all) (COUNT(DISTINCT ?p) AS ?distinct) "
                              "WHERE { ?p a foaf:Person }").rows
    assert persons.all == persons.distinct > 0
    actors = corpus.query("SELECT ?event ?actor ?label WHERE { ?event sem:hasActor ?actor . "
                          "?actor rdfs:label ?label }")
    assert len(actors) > 0 and len(set(actors.terms)) == len(actors.terms)


def test_library_has_at_least_15_documented_queries():
    queries = named_queries()
    assert len(queries) >= 15
    assert set(EXPECTED) == set(queries) == set(CORPUS_EXAMPLES), "every named query is tested"
    for query in queries.values():
        assert query.description and not query.description.startswith("param")
        for param in query.params:
            assert f"?{param.name}" in query.text, f"{query.name} declares {param.name} but never uses it"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_named_query_answers_on_the_fixture(graph, name):
    params, rows = EXPECTED[name]
    result = graph.named(name, **params)
    assert len(result) == rows, graph.table(result)
    assert len(set(result.terms)) == len(result.terms), "no duplicate rows from the union default graph"


def test_named_query_rows_have_named_fields(graph):
    (row,) = graph.named("timeline-of-person", person="Kishida").rows
    assert row.who == f"{BASE}person/fumio-kishida"
    assert row["headline"] == "Kishida and Biden meet"
    assert row.date == "2023-01-13"
    pairs = {(r.person1.split("/")[-1], r.person2.split("/")[-1], r.events)
             for r in graph.named("co-occurring-persons")}
    assert ("lloyd-austin", "yasukazu-hamada", 1) in pairs


def test_summary_counts_come_through(graph):
    rows = graph.named("events-per-country-month", country="us", **{"from": "2023-01"}).rows
    assert [(r.code, r.month, r.events) for r in rows] == [("US", "2023-01", 2)]


def test_parameter_values_are_data_not_query_text(graph):
    hostile = '"} DROP ALL ; INSERT DATA { <a:b> <a:b> <a:b> } #'
    assert len(graph.named("search-events", text=hostile)) == 0
    bound = bind("SELECT ?x WHERE { ?s ?p ?x }", {"x": ox.Literal(hostile)})
    assert "VALUES (?x)" in bound
    result = graph.query("SELECT ?x WHERE { }", x=hostile)
    assert [row.x for row in result] == [hostile]
    assert len(graph.named("digests")) == 2, "nothing was dropped"


def test_bind_places_values_in_the_where_group():
    query = 'CONSTRUCT { ?s ?p "{" } WHERE { # a { brace in a comment\n ?s ?p ?o }'
    bound = bind(query, {"o": ox.Literal("x")})
    assert bound.index("VALUES") > bound.index("WHERE")
    with pytest.raises(QueryError):
        bind("SELECT * WHERE { ?s ?p ?o }", {"bad name": ox.Literal("x")})


def test_bad_parameters_are_query_errors(graph):
    with pytest.raises(QueryError, match="needs --param person"):
        graph.named("timeline-of-person")
    with pytest.raises(QueryError, match="not a date"):
        graph.named("events-in-date-range", **{"from": "2022-13-40", "to": "2023-01-01"})
    with pytest.raises(QueryError, match="no parameter colour"):
        graph.named("topics", colour="red")
    with pytest.raises(QueryError, match="no named query"):
        graph.named("no-such-question")


def test_syntax_error_names_line_and_column(graph):
    with pytest.raises(QueryError) as caught:
        graph.query("SELECT ?x\nWHERE { ?x ?y }")
    assert (caught.value.line, caught.value.column) == (2, 15)
    assert "line 2" in str(caught.value)


def test_federated_service_is_refused(graph):
    assert uses_service("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert not uses_service('SELECT * { ?s ?p "SERVICE" } # SERVICE')
    with pytest.raises(QueryError, match="SERVICE"):
        graph.query("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")


def test_result_formats_are_the_w3c_ones(graph):
    result = graph.named("co-occurring-countries", country="KR")
    document = json.loads(result.serialize("json"))
    assert document["head"]["vars"] == ["country1", "country2", "events"]
    weights = sorted(int(b["events"]["value"]) for b in document["results"]["bindings"])
    assert weights == [1, 1]
    csv_lines = result.serialize("csv").decode().splitlines()
    assert csv_lines[0] == "country1,country2,events"
    assert result.serialize("tsv").decode().startswith("?country1\t?country2\t?events")
    assert b"<sparql xmlns" in result.serialize("xml")
    ask = graph.query("ASK { ?e a <http://semanticweb.cs.vu.nl/2009/11/sem/Event> }")
    assert bool(ask) and json.loads(ask.serialize("json"))["boolean"] is True


def test_construct_gives_rdf(graph):
    result = graph.query("CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a foaf:Person ; rdfs:label ?l }")
    assert len(result) == 4
    parsed = result.to_rdflib()
    assert len(parsed) == 4
    assert b"Yasukazu Hamada" in result.serialize("jsonld")
    assert b"Yasukazu Hamada" in result.serialize("trig")


def test_table_shows_labels_not_iris(graph):
    table = graph.table(graph.named("who-met-whom", person="Austin"))
    assert "Lloyd Austin" in table and "Yasukazu Hamada" in table
    assert "person/lloyd-austin" not in table
    assert table.splitlines()[-1] == "(1 row)"


def test_max_rows_truncates(graph):
    result = graph.named("places-by-country", max_rows=2)
    assert len(result) == 2 and result.truncated


def test_dataframe_and_networkx(graph):
    frame = graph.named("co-occurring-countries").to_dataframe()
    assert list(frame.columns) == ["country1", "country2", "events"]
    assert frame["events"].max() == 5
    network = graph.to_networkx(graph.named("co-occurring-countries"), weight="events")
    assert network.number_of_nodes() == 4
    japan = f"{BASE}country/JP"
    assert network.nodes[japan]["label"] == "Japan"
    ranking = sorted(nx.degree_centrality(network).items(), key=lambda item: -item[1])
    assert ranking[0][0] == japan
    assert network[japan][f"{BASE}country/US"]["weight"] == 5


def test_kg_open_reads_a_store_folder(store_path):
    with kg.open(store_path) as graph:
        assert len(graph.named("digests")) == 2
    with pytest.raises(kg.StoreError):
        kg.open(store_path / "missing")


def test_a_read_only_graph_closes_cleanly_and_twice(store_path):
    graph = kg.open(store_path)
    assert len(graph.named("digests")) == 2
    graph.close()
    graph.close()
    assert graph.store.oxigraph is None


def _run(store_path, *args):
    return CliRunner().invoke(cli, ["--store", str(store_path), *args])


def test_cli_named_query_with_params(store_path):
    result = _run(store_path, "query", "--name", "timeline-of-person", "--param", "person=Hamada")
    assert result.exit_code == 0, result.output
    assert "US-Japan defense leaders meet in Washington" in result.output
    assert "Kishida and Biden meet" in result.output
    assert "(2 rows)" in result.output


def test_cli_formats_and_files(store_path, tmp_path):
    query_file = tmp_path / "q.rq"
    query_file.write_text("SELECT DISTINCT ?name WHERE { ?c a ak:Country ; rdfs:label ?name } ORDER BY ?name")
    result = _run(store_path, "query", "-f", str(query_file), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["name", "Japan", "Philippines", "South Korea", "United States"]
    construct = _run(store_path, "query", "CONSTRUCT WHERE { ?c a ak:Country }", "--format", "nt")
    assert construct.output.count("\n") == 4


def test_cli_errors_are_one_line(store_path):
    result = _run(store_path, "query", "SELECT ?x WHERE { ?x ?y }")
    assert result.exit_code == 1
    assert result.output.startswith("Error: SPARQL syntax error at line 1, column")
    assert "Traceback" not in result.output
    missing = _run(store_path, "query", "-f", "/nonexistent.rq")
    assert missing.exit_code != 0 and "nonexistent.rq" in missing.output


def test_cli_lists_queries(store_path):
    result = _run(store_path, "queries")
    assert result.exit_code == 0
    assert "timeline-of-person" in result.output and "--param person=..." in result.output
    shown = _run(store_path, "queries", "trilateral-events")
    assert shown.output.startswith("# Trilateral")
