"""kg.serve: the SPARQL 1.1 Protocol endpoint, Graph Store reads, safety limits, the query page."""

from __future__ import annotations

import csv
import io
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import uvicorn
from click.testing import CliRunner
from query_fixture import fixture_store_path
from SPARQLWrapper import JSON, SPARQLWrapper
from starlette.testclient import TestClient

from kg.cli import cli
from kg.serve import accepted_formats, codemirror_folder, create_app, get

DIGEST = "https://alliance-kg.org/id/digest/us-japan-alliance-digest/2.1"
COUNTRIES = "SELECT DISTINCT ?name WHERE { ?c a ak:Country ; rdfs:label ?name } ORDER BY ?name"
# Runs for minutes on any store: a cross product of every triple with itself, twice.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return fixture_store_path(tmp_path_factory.mktemp("serve") / "store")


@pytest.fixture(scope="module")
def client(store_path):
    app = create_app(store_path, timeout=3, max_rows=3, workers=2)
    with TestClient(app) as test_client:
        yield test_client


def test_get_query_json_by_default(client):
    response = client.get("/sparql", params={"query": COUNTRIES})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    names = [b["name"]["value"] for b in response.json()["results"]["bindings"]]
    assert names == ["Japan", "Philippines", "South Korea"], "capped at max_rows=3"
    assert response.headers["x-kg-truncated"] == "true"


@pytest.mark.parametrize(("accept", "media", "start"), [
    ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
    ("text/csv", "text/csv", b"name\r\nJapan"),
    ("text/tab-separated-values", "text/tab-separated-values", b'?name\n"Japan"'),
    ("text/html;q=0.9, application/sparql-results+json;q=0.5", "application/sparql-results+json", b"{"),
])
def test_select_content_negotiation(client, accept, media, start):
    response = client.get("/sparql", params={"query": COUNTRIES}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith(media)
    assert response.content.startswith(start)


@pytest.mark.parametrize(("accept", "media"), [
    ("text/turtle", "text/turtle"), ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"), ("application/trig", "application/trig"),
])
def test_construct_content_negotiation(client, accept, media):
    query = "CONSTRUCT { ?c rdfs:label ?n } WHERE { ?c a ak:Country ; rdfs:label ?n } LIMIT 1"
    response = client.post("/sparql", content=query,
                           headers={"Content-Type": "application/sparql-query", "Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert b"Japan" in response.content or b"Korea" in response.content or b"States" in response.content


def test_form_post_and_dataset_parameters(client):
    query = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a sem:Event }"
    union = client.post("/sparql", data={"query": query})
    assert union.json()["results"]["bindings"][0]["n"]["value"] == "5"
    one = client.post("/sparql", data={"query": query, "default-graph-uri": DIGEST})
    assert one.json()["results"]["bindings"][0]["n"]["value"] == "2"
    graphs = client.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                           "named-graph-uri": DIGEST})
    assert [b["g"]["value"] for b in graphs.json()["results"]["bindings"]] == [DIGEST]


def test_bad_query_is_400_with_the_parser_message(client):
    response = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert response.status_code == 400
    assert "line 1, column" in response.text


def test_read_only_and_no_federation(client):
    update = "DROP ALL"
    assert client.post("/sparql", data={"update": update}).status_code == 403
    assert client.post("/sparql", content=update,
                       headers={"Content-Type": "application/sparql-update"}).status_code == 403
    assert client.get("/sparql", params={"query": update}).status_code == 400
    federated = client.get("/sparql",
                           params={"query": "SELECT * { SERVICE <http://example.org/q> { ?s ?p ?o } }"})
    assert federated.status_code == 400 and "SERVICE" in federated.text
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_timeout_stops_a_runaway_query_and_the_server_keeps_answering(client):
    results = {}

    def runaway():
        results["slow"] = client.get("/sparql", params={"query": ENDLESS})

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    quick = client.get("/sparql", params={"query": "ASK { ?s a sem:Event }"})
    assert quick.status_code == 200, "the other worker answers while one is busy"
    thread.join(timeout=30)
    assert results["slow"].status_code == 503
    assert "did not finish in 3 s" in results["slow"].text
    after = client.get("/sparql", params={"query": COUNTRIES})
    assert after.status_code == 200, "a fresh worker replaced the stopped one"


def test_graph_store_protocol_reads(client):
    response = client.get("/rdf-graphs", params={"graph": DIGEST},
                          headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.content.count(b" .\n") == 3 and response.headers["x-kg-truncated"] == "true"
    assert b"fumio-kishida" in response.content, "triples of that digest's graph only"
    assert client.get("/rdf-graphs", params={"graph": "https://example.org/none"}).status_code == 404
    assert client.put("/rdf-graphs", params={"graph": DIGEST}, content="").status_code == 405


def test_named_query_route_binds_parameters(client):
    response = client.get("/queries/timeline-of-person", params={"person": "Biden", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["headline"] for row in rows] == ["Kishida and Biden meet"]
    hostile = client.get("/queries/search-events", params={"text": '"} DROP ALL #'})
    assert hostile.status_code == 200 and hostile.json()["results"]["bindings"] == []
    assert client.get("/queries/no-such").status_code == 404
    assert client.get("/queries/timeline-of-person").status_code == 400
    names = [q["name"] for q in client.get("/queries").json()]
    assert "trilateral-events" in names


def test_cors_headers(client):
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"


def test_accept_parsing_prefers_quality_then_order():
    assert accepted_formats("text/csv;q=0.5, application/sparql-results+xml") == ["xml", "csv"]
    assert accepted_formats("*/*", "tsv") == ["tsv"]


def test_get_answers_in_process(store_path):
    app = create_app(store_path, workers=1)
    try:
        status, headers, body = get(app, "/sparql?query=" + quote(COUNTRIES), {"Accept": "text/csv"})
    finally:
        app.state.pool.close()
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert body.decode().split("\r\n")[1:5] == ["Japan", "Philippines", "South Korea", "United States"]


def test_cli_serve_get(store_path):
    result = CliRunner().invoke(cli, ["--store", str(store_path), "serve",
                                      "--get", "/queries/digests?format=tsv"])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(store_path):
    port = _free_port()
    app = create_app(store_path, timeout=10)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_sparqlwrapper_against_a_live_server(live_server):
    wrapper = SPARQLWrapper(live_server + "/sparql")
    wrapper.setQuery("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                     "SELECT DISTINCT ?code WHERE { ?c skos:notation ?code } ORDER BY ?code")
    wrapper.setReturnFormat(JSON)
    codes = [b["code"]["value"] for b in wrapper.query().convert()["results"]["bindings"]]
    assert codes[:3] == ["AGREE", "CONSULT", "EXERCISE"] and "JP" in codes
    wrapper.setMethod("POST")
    assert len(wrapper.query().convert()["results"]["bindings"]) == len(codes)


def test_query_page_runs_a_named_query_in_headless_chromium(live_server, tmp_path):
    assert codemirror_folder() is not None, "`make` installs CodeMirror into .web/ (npm)"
    page = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path}",
         "--virtual-time-budget=20000", "--dump-dom",
         f"{live_server}/?name=timeline-of-person&person=Hamada"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    assert 'data-ready="true"' in page, "the page's script ran to the end"
    assert 'class="CodeMirror' in page, "the editor is CodeMirror, served locally"
    assert "2 rows in" in page
    table = page[page.index("<table"):page.index("</table>")]
    assert ">Yasukazu Hamada</a>" in table, "IRIs are shown by their labels, as links"
    assert "Kishida and Biden meet" in table
    assert 'href="/queries/timeline-of-person?person=Hamada&amp;format=csv"' in page
