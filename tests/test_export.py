"""Exporting selections: RDF formats parse back isomorphic, GraphML/GEXF/CSV keep the network,
and `kg export` works from the command line."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from selection_fixture import XSS, make_store

from kg.cli import cli
from kg.errors import KGError
from kg.export import FORMATS, export, format_for, to_networkx
from kg.iri import mint
from kg.select import select

RDFLIB_FORMATS = {"turtle": "turtle", "trig": "trig", "nt": "nt", "nquads": "nquads",
                  "jsonld": "json-ld", "rdfxml": "xml"}


@pytest.fixture(scope="module")
def store():
    return make_store()


@pytest.fixture(scope="module")
def selection(store):
    return select(store, countries=["Japan"])


def plain(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def parse_back(data: bytes, fmt: str) -> Graph:
    if fmt in ("trig", "nquads"):
        dataset = Dataset()
        dataset.parse(data=data, format=RDFLIB_FORMATS[fmt])
        graph = Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
        return graph
    return Graph().parse(data=data, format=RDFLIB_FORMATS[fmt])


@pytest.mark.parametrize("fmt", sorted(RDFLIB_FORMATS))
def test_rdf_exports_parse_back_isomorphic_to_the_selection(selection, fmt):
    data = export(selection, fmt)
    assert isomorphic(parse_back(data, fmt), plain(selection))


def test_turtle_reads_with_the_project_prefixes(selection):
    text = export(selection, "turtle").decode()
    assert "@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>" in text
    assert re.search(r"\ba (nif:Context , )?sem:Event\b", text)  # prefixed names, not <IRIs>
    assert XSS in text  # a literal, as written


def test_the_format_comes_from_the_option_or_the_suffix(tmp_path):
    assert format_for(None, "graph.ttl").name == "turtle"
    assert format_for(None, "graph.jsonld").name == "jsonld"
    assert format_for(None, "graph.nq").name == "nquads"
    assert format_for(None, "tables.zip").name == "csv"
    assert format_for("TTL", "ignored.xml").name == "turtle"
    assert format_for(None, None).name == "turtle"
    with pytest.raises(KGError, match="cannot tell the format"):
        format_for(None, tmp_path / "graph.docx")
    with pytest.raises(KGError, match="unknown export format 'yaml'"):
        format_for("yaml", None)


def test_the_network_has_events_and_entities_with_types_labels_and_relations(selection):
    network = to_networkx(selection)
    event = str(mint("event", "US-Japan Alliance Digest", "2.1", 2))
    assert network.nodes[event]["type"] == "event"
    assert network.nodes[event]["date"] == "2023-01-20"
    assert network.nodes[event]["digest"] == "US-Japan Alliance Digest Vol 2.1"
    assert network.edges[event, str(mint("organization", "indopacom"))]["relation"] == "actor"
    assert network.edges[event, str(mint("place", "okinawa"))]["relation"] == "place"
    assert network.edges[event, str(mint("event_type", "EXERCISE"))]["relation"] == "event type"
    assert network.nodes[str(mint("country", "JP"))] == {"type": "country", "label": "Japan"}
    assert network.nodes[str(mint("topic", "counterstrike"))]["type"] == "topic"
    assert network.nodes[str(mint("person", "xss"))]["label"] == XSS


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_parse_back_with_the_same_network(selection, tmp_path, fmt):
    path = tmp_path / f"selection.{fmt}"
    export(selection, format_for(None, path), path)
    network = to_networkx(selection)
    read = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert read.number_of_nodes() == network.number_of_nodes()
    assert read.number_of_edges() == network.number_of_edges()
    labels = {data.get("label") for _, data in read.nodes(data=True)}
    assert {"Japan", "Yasukazu Hamada", XSS} <= labels


def test_csv_tables_into_a_zip_and_into_a_folder(selection, tmp_path):
    network = to_networkx(selection)
    export(selection, "csv", tmp_path / "tables.zip")
    with zipfile.ZipFile(tmp_path / "tables.zip") as archive:
        nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode())))
        edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode())))
    assert len(nodes) == network.number_of_nodes() and len(edges) == network.number_of_edges()
    assert {"id", "type", "label", "date", "digest"} == set(nodes[0])
    assert {row["relation"] for row in edges} >= {"actor", "country", "place", "topic", "event type"}
    export(selection, "csv", tmp_path / "tables")
    with open(tmp_path / "tables" / "edges.csv", newline="") as file:
        assert len(list(csv.DictReader(file))) == len(edges)
    with pytest.raises(KGError, match="two tables"):
        export(selection, "csv")


def test_a_failed_write_leaves_no_file(selection, tmp_path):
    with pytest.raises(KGError, match="does not exist"):
        export(selection, "turtle", tmp_path / "missing" / "out.ttl")
    assert not (tmp_path / "missing").exists()


# --- the command line ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("kg") / "store"
    make_store(path).close()
    return path


def run(store_path, *args):
    return CliRunner().invoke(cli, ["--store", str(store_path), "export", *args])


def test_cli_exports_turtle_to_stdout(store_path, store):
    result = run(store_path, "--entity", "kishida", "--hops", "1")
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert isomorphic(graph, plain(select(store, entities=["Kishida"], hops=1)))


def test_cli_writes_the_format_the_suffix_says(store_path, tmp_path):
    out = tmp_path / "japan-2023.jsonld"
    result = run(store_path, "--country", "Japan", "--from", "2023", "--to", "2023", "-o", str(out))
    assert result.exit_code == 0, result.output
    graph = Graph().parse(out, format="json-ld")
    events = set(graph.subjects(URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), None))
    assert len(events) == 4


def test_cli_every_format_is_accepted(store_path, tmp_path):
    for name in FORMATS:
        out = tmp_path / ("tables.zip" if name == "csv" else f"x.{FORMATS[name].suffixes[0][1:]}")
        result = run(store_path, "--digest", "2.1", "--format", name, "-o", str(out))
        assert result.exit_code == 0, (name, result.output)
        assert out.stat().st_size > 200


def test_cli_unknown_entity_is_one_line_with_suggestions(store_path):
    result = run(store_path, "--entity", "INDOPACON")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: no entity is called 'INDOPACON'. Did you mean: INDOPACOM")
    assert "Traceback" not in result.output


def test_cli_empty_selection_is_an_error_not_an_empty_file(store_path, tmp_path):
    out = tmp_path / "empty.ttl"
    result = run(store_path, "--country", "Japan", "--from", "2019", "--to", "2019", "-o", str(out))
    assert result.exit_code == 1
    assert "no events match country 'Japan' AND dates 2019 to 2019" in result.stderr
    assert not out.exists()


def test_cli_without_criteria_exports_the_whole_store_with_its_graphs(store_path, store, tmp_path):
    out = tmp_path / "all.trig"
    assert run(store_path, "-o", str(out)).exit_code == 0
    dataset = Dataset()
    dataset.parse(out, format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    digests = {str(mint("digest", "US-Japan Alliance Digest", v)) for v in ("1.17", "2.1", "2.5")}
    assert digests | {str(mint("graph", "summary"))} <= names
    assert names == {str(name) for name in store.named_graphs()}
    for name in names:  # each graph as stored
        assert isomorphic(dataset.graph(URIRef(name)), store.graph(URIRef(name)))
    result = run(store_path, "--format", "nt")
    union = Graph()
    for name in names:
        for triple in store.graph(URIRef(name)):
            union.add(triple)
    assert isomorphic(Graph().parse(data=result.stdout, format="nt"), union)
