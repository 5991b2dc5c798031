"""Export a selection: RDF formats (written by Oxigraph's serializers), GraphML and GEXF (through
networkx, for Gephi and Cytoscape), and CSV node and edge tables.

`to_networkx(selection)` is the one place a selection becomes a network (events and entities as
nodes, links as edges); `kg/render.py` draws the same network.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD

from kg.errors import KGError
from kg.iri import AK, PREFIXES, SEM
from kg.select import LINK_PREDICATES, ox_store


@dataclass(frozen=True)
class Format:
    name: str
    suffixes: tuple[str, ...]
    rdf: ox.RdfFormat | None = None  # None: a network format


FORMATS = {f.name: f for f in (
    Format("turtle", (".ttl",), ox.RdfFormat.TURTLE),
    Format("trig", (".trig",), ox.RdfFormat.TRIG),
    Format("nt", (".nt",), ox.RdfFormat.N_TRIPLES),
    Format("nquads", (".nq",), ox.RdfFormat.N_QUADS),
    Format("jsonld", (".jsonld", ".json"), ox.RdfFormat.JSON_LD),
    Format("rdfxml", (".rdf", ".xml", ".owl"), ox.RdfFormat.RDF_XML),
    Format("graphml", (".graphml",)),
    Format("gexf", (".gexf",)),
    Format("csv", (".zip",)),
)}
ALIASES = {"ttl": "turtle", "n-triples": "nt", "ntriples": "nt", "n-quads": "nquads", "nq": "nquads",
           "json-ld": "jsonld", "xml": "rdfxml", "rdf/xml": "rdfxml"}

# rdf:type -> the node type of the network, most specific first.
NODE_TYPES = (
    (str(SEM.Event), "event"),
    (str(FOAF.Person), "person"),
    (str(ORG.Organization), "organization"),
    (str(AK.Country), "country"),
    (str(SEM.Place), "place"),
)
_RELATION_TYPES = {"topic": "topic", "event type": "event_type"}


def format_for(name: str | None, output: str | Path | None) -> Format:
    """The format named by `--format`, else the one the output file's suffix implies; Turtle by default."""
    if name:
        key = ALIASES.get(name.lower(), name.lower())
        if key not in FORMATS:
            raise KGError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}.")
        return FORMATS[key]
    if output is not None:
        suffix = Path(output).suffix.lower()
        for fmt in FORMATS.values():
            if suffix in fmt.suffixes:
                return fmt
        if suffix == "" or Path(output).is_dir():
            return FORMATS["csv"]  # a folder: the two CSV tables
        raise KGError(f"{output}: cannot tell the format from the suffix {suffix!r}; give --format.")
    return FORMATS["turtle"]


def export(selection: Graph, fmt: str | Format = "turtle", output: str | Path | None = None) -> bytes | None:
    """Write a selection in `fmt` to `output` (a file, or for CSV a folder or .zip); without
    `output`, return the bytes (CSV has two tables and needs an output)."""
    fmt = fmt if isinstance(fmt, Format) else format_for(fmt, None)
    if fmt.rdf is not None:
        data = rdf_bytes(selection, fmt.rdf)
    elif fmt.name == "csv":
        if output is None:
            raise KGError("CSV export writes two tables (nodes, edges): give --output FOLDER or FILE.zip.")
        write_csv(to_networkx(selection), output)
        return None
    else:
        buffer = io.BytesIO()
        network = _plain_attributes(to_networkx(selection))
        (nx.write_graphml if fmt.name == "graphml" else nx.write_gexf)(network, buffer)
        data = buffer.getvalue()
    if output is None:
        return data
    _write_file(Path(output), data)
    return None


def export_store(store: object, fmt: str | Format = "trig", output: str | Path | None = None) -> bytes | None:
    """Everything in the store in an RDF format, without going through a selection: TriG and
    N-Quads keep one named graph per digest (and the summary graph); triple formats get the
    union of all graphs. Returns the bytes when there is no `output`."""
    fmt = fmt if isinstance(fmt, Format) else format_for(fmt, None)
    if fmt.rdf is None:
        raise KGError(f"the whole store exports as RDF only; for {fmt.name} select something first.")
    db = ox_store(store)
    if fmt.rdf in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        prefixes = {name: str(ns) for name, ns in PREFIXES.items()} if fmt.rdf == ox.RdfFormat.TRIG else None
        data = db.dump(format=fmt.rdf, prefixes=prefixes)
    else:
        union = ox.Store()  # the same triple in many digest graphs is written once
        result = db.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        union.load(result.serialize(format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=ox.DefaultGraph())
        data = rdf_bytes(union, fmt.rdf)
    if output is None:
        return data
    _write_file(Path(output), data)
    return None


def rdf_bytes(selection: Graph | ox.Store, rdf_format: ox.RdfFormat) -> bytes:
    """The selection serialized by Oxigraph, with the project's prefixes where the format has them."""
    store = ox_store(selection)
    prefixes = {name: str(ns) for name, ns in PREFIXES.items()}
    if rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        return store.dump(format=rdf_format, prefixes=prefixes if rdf_format == ox.RdfFormat.TRIG else None)
    uses_prefixes = rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD)
    return store.dump(format=rdf_format, from_graph=ox.DefaultGraph(),
                      prefixes=prefixes if uses_prefixes else None)


def _write_file(path: Path, data: bytes) -> None:
    """Write through a temporary file so a failed export never leaves half a file behind."""
    if path.parent and not path.parent.exists():
        raise KGError(f"{path}: the folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise KGError(f"{path}: cannot write: {error.strerror or error}") from error


# --- the network -------------------------------------------------------------------------------


def to_networkx(selection: Graph) -> nx.DiGraph:
    """Events and the entities they link as nodes (attributes `type`, `label`; events also
    `date`, `digest`), event -> entity links as edges (attribute `relation`, e.g. "actor")."""
    store = ox_store(selection)
    network = nx.DiGraph()
    for row in store.query(f"""
        SELECT ?event ?label ?date ?digest ?issued WHERE {{
          ?event a <{SEM.Event}> .
          OPTIONAL {{ ?event <{RDFS.label}> ?label }}
          OPTIONAL {{ SELECT ?event (MIN(?stamp) AS ?date) WHERE {{ ?event <{SEM.hasTimeStamp}> ?stamp
                       FILTER(DATATYPE(?stamp) = <{XSD.date}>) }} GROUP BY ?event }}
          OPTIONAL {{ ?event <{PROV.wasDerivedFrom}> ?d . ?d <{DCTERMS.title}> ?digest .
                     OPTIONAL {{ ?d <{DCTERMS.issued}> ?issued }} }}
        }}"""):
        # The date of an event: its earliest full date, else its digest's publication date.
        iri = row["event"].value
        network.add_node(iri, type="event", label=_value(row["label"]) or iri.rsplit("/", 3)[-3],
                         date=_value(row["date"]) or _value(row["issued"]), digest=_value(row["digest"]))
    # Pattern lookups on the selection's in-memory store: a grouped SPARQL query took longer.
    labels = [ox.NamedNode(str(p)) for p in (RDFS.label, SKOS.prefLabel)]
    rdf_type = ox.NamedNode(str(RDF.type))
    for link, relation in LINK_PREDICATES.items():
        for quad in store.quads_for_pattern(None, ox.NamedNode(link), None, ox.DefaultGraph()):
            event, entity = quad.subject.value, quad.object.value
            if entity not in network:
                types = {q.object.value for q in store.quads_for_pattern(quad.object, rdf_type, None)}
                kind = next((name for iri, name in NODE_TYPES if iri in types), None)
                name = next((q.object.value for p in labels
                             for q in store.quads_for_pattern(quad.object, p, None)), None)
                network.add_node(entity, type=kind or _RELATION_TYPES.get(relation, "entity"),
                                 label=name or entity.rsplit("/", 1)[-1])
            if network.has_edge(event, entity):  # the same entity in two roles: one edge, both names
                relations = network.edges[event, entity]["relation"].split(", ")
                network.edges[event, entity]["relation"] = ", ".join(sorted({*relations, relation}))
            else:
                network.add_edge(event, entity, relation=relation)
    return network


def _value(term: ox.Literal | ox.NamedNode | None) -> str | None:
    return term.value if term is not None else None


def _plain_attributes(network: nx.DiGraph) -> nx.DiGraph:
    """GraphML and GEXF take only str/int/float values: leave unknown ones out."""
    plain = nx.DiGraph()
    for node, data in network.nodes(data=True):
        plain.add_node(node, **{k: v for k, v in data.items() if v is not None})
    for source, target, data in network.edges(data=True):
        plain.add_edge(source, target, **{k: v for k, v in data.items() if v is not None})
    return plain


NODE_COLUMNS = ("id", "type", "label", "date", "digest")
EDGE_COLUMNS = ("source", "target", "relation")


def csv_tables(network: nx.DiGraph) -> tuple[str, str]:
    """The node table and the edge table as CSV text."""
    nodes, edges = io.StringIO(), io.StringIO()
    writer = csv.writer(nodes, lineterminator="\n")
    writer.writerow(NODE_COLUMNS)
    for node, data in network.nodes(data=True):
        writer.writerow([node, *(data.get(column) or "" for column in NODE_COLUMNS[1:])])
    writer = csv.writer(edges, lineterminator="\n")
    writer.writerow(EDGE_COLUMNS)
    for source, target, data in network.edges(data=True):
        writer.writerow([source, target, data.get("relation", "")])
    return nodes.getvalue(), edges.getvalue()


def write_csv(network: nx.DiGraph, output: str | Path) -> None:
    """nodes.csv and edges.csv into a folder (created if missing) or a .zip file."""
    output = Path(output)
    nodes, edges = csv_tables(network)
    if output.suffix.lower() == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("nodes.csv", nodes)
            archive.writestr("edges.csv", edges)
        _write_file(output, buffer.getvalue())
        return
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise KGError(f"{output}: cannot make the folder: {error.strerror or error}") from error
    _write_file(output / "nodes.csv", nodes.encode())
    _write_file(output / "edges.csv", edges.encode())
