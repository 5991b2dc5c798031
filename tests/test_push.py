"""kg.push against a real Virtuoso: push the store, ask every named query there, push again."""

from __future__ import annotations

import configparser
import glob
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from query_fixture import CORPUS_EXAMPLES, corpus_store_path

from kg.cli import cli
from kg.errors import QueryError
from kg.push import PushError, push, selected_graphs
from kg.query import KnowledgeGraph, RemoteGraph, SelectResult, named_queries
from kg.store import Store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return corpus_store_path(tmp_path_factory.mktemp("push") / "store")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A throw-away Virtuoso on two free loopback ports, SPARQL Update allowed; its /sparql URL."""
    (ini_source,) = glob.glob("/etc/virtuoso-opensource-*/virtuoso.ini")
    folder = tmp_path_factory.mktemp("virtuoso")
    config = configparser.ConfigParser(strict=False, interpolation=None, inline_comment_prefixes=(";",))
    config.optionxform = str
    config.read(ini_source)
    for section, key in [("Database", "DatabaseFile"), ("Database", "ErrorLogFile"), ("Database", "LockFile"),
                         ("Database", "TransactionFile"), ("Database", "xa_persistent_file"),
                         ("TempDatabase", "DatabaseFile"), ("TempDatabase", "TransactionFile")]:
        config[section][key] = str(folder / Path(config[section][key]).name)
    sql_port, http_port = _free_port(), _free_port()
    config["Parameters"]["ServerPort"] = f"127.0.0.1:{sql_port}"
    config["HTTPServer"]["ServerPort"] = f"127.0.0.1:{http_port}"
    config["Parameters"]["DirsAllowed"] = f"., {folder}, {config['Parameters']['VADInstallDir']}"
    ini = folder / "virtuoso.ini"
    with ini.open("w") as handle:
        config.write(handle)
    server = subprocess.Popen(["virtuoso-t", "-f", "-c", str(ini)], cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{http_port}/sparql"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(endpoint, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (folder / "virtuoso.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "Virtuoso did not come online in 120 s"
            time.sleep(0.5)
        subprocess.run(["isql-vt", str(sql_port), "dba", "dba", "exec=grant SPARQL_UPDATE to \"SPARQL\";"],
                       check=True, capture_output=True, timeout=60)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _triple_count(endpoint: str, graph: str) -> int:
    result = RemoteGraph(endpoint).run(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, SelectResult)
    return next(iter(result)).n


def _normalized(result: SelectResult) -> list[tuple]:
    """Rows as sorted tuples of lexical values: servers may differ in row order, in how they write
    a number's datatype (xsd:integer vs xsd:int), and in GROUP_CONCAT order (unspecified)."""
    lists = {"codes", "places"}  # the GROUP_CONCAT columns of the named queries

    def value(name: str, term) -> str:
        if term is None:
            return ""
        return " ".join(sorted(term.value.split())) if name in lists else term.value

    return sorted(tuple(value(n, t) for n, t in zip(result.variables, row, strict=True))
                  for row in result.terms)


def test_push_then_every_named_query_answers_the_same_there(store_path, virtuoso):
    sent = push(store_path, virtuoso)
    with Store.open(store_path, read_only=True) as store:
        expected = {g: len(list(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(g))))
                    for g in selected_graphs(store.oxigraph)}
        local = KnowledgeGraph(store)
        answers = {name: local.named(name, **CORPUS_EXAMPLES[name]) for name in named_queries()}
    assert {item.graph: item.triples for item in sent} == expected
    assert len(expected) == 10, "the eight bundled digests, the entities graph and the summary graph"
    for graph, count in expected.items():
        assert _triple_count(virtuoso, graph) == count

    remote = RemoteGraph(virtuoso, timeout=20)
    differing = {}
    for name, local_answer in answers.items():
        try:
            remote_rows = _normalized(remote.named(name, **CORPUS_EXAMPLES[name]))
        except QueryError as error:
            remote_rows = [("error", str(error)[-300:])]
        if remote_rows != _normalized(local_answer):
            differing[name] = (remote_rows, _normalized(local_answer))
    assert not differing

    # A second push replaces: nothing is duplicated.
    push(store_path, virtuoso)
    for graph, count in expected.items():
        assert _triple_count(virtuoso, graph) == count


def test_push_by_graph_store_protocol_replaces_graphs(store_path, virtuoso):
    graph_store = virtuoso.removesuffix("/sparql") + "/sparql-graph-crud"
    first = push(store_path, graph_store=graph_store)
    second = push(store_path, graph_store=graph_store)
    assert first == second
    for item in second:
        assert _triple_count(virtuoso, item.graph) == item.triples


def test_cli_push_selected_digest(store_path, virtuoso):
    result = CliRunner().invoke(cli, ["--store", str(store_path), "push", "--endpoint", virtuoso,
                                      "--digest", "4.7"])
    assert result.exit_code == 0, result.output
    assert "digest/us-japan-alliance-digest/4.7" in result.output
    assert "digest/us-japan-alliance-digest/4.3" not in result.output
    assert "graph/summary" in result.output
    assert "graph/entities" in result.output  # the pushed digest's labels come along
    assert "Pushed 3 graphs" in result.output


def test_kg_query_endpoint_runs_named_queries_remotely(store_path, virtuoso):
    push(store_path, virtuoso)
    result = CliRunner().invoke(cli, ["query", "--endpoint", virtuoso, "--name", "timeline-of-person",
                                      "--param", "person=Kishida"])
    assert result.exit_code == 0, result.output
    assert "Fumio Kishida" in result.output and "Camp David summit" in result.output


def test_authenticated_push_and_query(store_path, virtuoso):
    secured = virtuoso + "-auth"  # Virtuoso's authenticated endpoint (Digest)
    sent = push(store_path, secured, user="dba", password="dba", volumes=["1.10"])
    assert [item.graph.rsplit("/", 1)[-1] for item in sent] == ["1.10", "entities", "summary"]
    result = CliRunner().invoke(cli, ["query", "--endpoint", secured, "--user", "dba", "--password", "dba",
                                      "ASK { ?s ?p ?o }"])
    assert result.output == "yes\n"
    with pytest.raises(PushError, match="401"):
        push(store_path, secured, user="dba", password="wrong", volumes=["1.10"])


def test_push_errors_are_clear(store_path):
    with pytest.raises(QueryError, match=r"no digest volume 9\.99"):
        push(store_path, "http://127.0.0.1:9/sparql", volumes=["9.99"])
    with pytest.raises(PushError, match=r"127\.0\.0\.1:9"):
        push(store_path, "http://127.0.0.1:9/sparql")
