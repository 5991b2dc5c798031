"""The persistent store: an Oxigraph database on disk holding one named graph per digest, the
entities graph (the descriptions of what the digests link) and the summary graph.

Queries see the union of the named graphs as their default graph. A write replaces whole graphs
as one unit: it is bulk-loaded (far faster than one big transaction) after a checkpoint of the
store is taken, so a failed, interrupted or crashed write leaves the store as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import QueryError, StoreError
from kg.iri import PREFIXES, mint

Triple = tuple[Node, Node, Node]

# RocksDB, under Oxigraph, always writes these two files into a store folder.
_STORE_MARKERS = ("CURRENT", "IDENTITY")


# --- rdflib <-> pyoxigraph terms: the one place they are converted ------------------------

def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r}")


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


@lru_cache(maxsize=65536)
def _ntriples_term(term: Node) -> str:
    """A term in N-Triples syntax, checked by pyoxigraph (cached: IRIs repeat across triples)."""
    return str(to_oxigraph(term))


def _nquads_batches(graphs: Mapping[URIRef, Iterable[Triple]], size: int = 200_000) -> Iterator[str]:
    """The graphs as N-Quads text, in batches of `size` quads (bounded memory for big runs)."""
    lines: list[str] = []
    for iri, triples in graphs.items():
        try:
            name = _ntriples_term(URIRef(iri))
            for s, p, o in triples:
                lines.append(f"{_ntriples_term(s)} {_ntriples_term(p)} {_ntriples_term(o)} {name} .")
                if len(lines) >= size:
                    yield "\n".join(lines)
                    lines = []
        except (TypeError, ValueError) as error:
            raise ValueError(f"cannot store graph <{iri}>: {error}") from error
    if lines:
        yield "\n".join(lines)


def _open_oxigraph(path: Path, read_only: bool) -> ox.Store:
    try:
        if read_only:
            return ox.Store.read_only(str(path))
        path.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as error:
        hint = " (is another kg process using it?)" if "lock" in str(error).lower() else ""
        raise StoreError(f"cannot open the store in {path}: {error}{hint}") from error


def _rollback_paths(path: Path) -> tuple[Path, Path]:
    """Where a write keeps the checkpoint it can go back to: beside the store folder."""
    return path.with_name(f".{path.name}.checkpoint-pending"), path.with_name(f".{path.name}.checkpoint")


def _restore(path: Path, rollback: Path) -> None:
    """Put the checkpoint `rollback` in place of the store folder `path`."""
    discarded = path.with_name(f".{path.name}.discarded")
    shutil.rmtree(discarded, ignore_errors=True)
    if path.exists():
        path.rename(discarded)
    rollback.rename(path)
    shutil.rmtree(discarded, ignore_errors=True)


# --- the store ---------------------------------------------------------------------------

@dataclass
class GraphStats:
    """What one named graph holds."""

    iri: str
    title: str = ""
    volume: str = ""
    published: str = ""
    source: str = ""
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class StoreStats:
    """Counts per digest, the distinct totals over all digests (their triples: the digest graphs'
    and the entities graph's), and the store's size in quads."""

    digests: list[GraphStats]
    totals: dict[str, int]
    quads: int
    entity_triples: int
    summary_triples: int


COUNTED = ("events", "persons", "organizations", "countries", "places", "dates", "mentions", "triples")

_TYPE_COUNTED = {
    "http://semanticweb.cs.vu.nl/2009/11/sem/Event": "events",
    "http://xmlns.com/foaf/0.1/Person": "persons",
    "http://www.w3.org/ns/org#Organization": "organizations",
    "https://alliance-kg.org/ontology#Country": "countries",
    "http://semanticweb.cs.vu.nl/2009/11/sem/Place": "places",
    "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#Phrase": "mentions",
}

_SPARQL_PREFIXES = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


class Store:
    """An Alliance KG store folder. Open with `Store.open(path)`; use as a context manager."""

    def __init__(self, path: Path | None, oxigraph: ox.Store, read_only: bool = False) -> None:
        self.path = path
        self.oxigraph = oxigraph  # the raw pyoxigraph store, for the query layer
        self.read_only = read_only

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, read_only: bool = False) -> Store:
        """Open the store in `path`; `create` makes it if missing (ingest), else it must exist."""
        path = Path(path)
        checkpoint = _rollback_paths(path)[1]
        if not path.exists() and checkpoint.is_dir():
            checkpoint.rename(path)  # a crash came while a checkpoint was being put back
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path} is a file, not a store folder")
        is_store = path.is_dir() and all((path / marker).exists() for marker in _STORE_MARKERS)
        if not is_store:
            if path.is_dir() and any(path.iterdir()):
                raise StoreError(
                    f"{path} is not an Alliance KG store (a non-empty folder without Oxigraph files); "
                    "choose another folder with --store or KG_STORE"
                )
            if not create:
                raise StoreError(f"no store in {path}: run `kg ingest` first (or give --store / KG_STORE)")
        oxigraph = _open_oxigraph(path, read_only)
        pending, checkpoint = _rollback_paths(path)
        if not read_only and (pending.exists() or checkpoint.exists()):
            # We hold the database lock, so no write is running: these are left by one cut off.
            shutil.rmtree(pending, ignore_errors=True)
            if checkpoint.is_dir():
                del oxigraph  # release the lock to swap the folder
                _restore(path, checkpoint)
                oxigraph = _open_oxigraph(path, read_only)
        return cls(path, oxigraph, read_only)

    @classmethod
    def in_memory(cls) -> Store:
        """A scratch store in memory (tests, temporary work); its writes have no rollback point."""
        return cls(None, ox.Store())

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def flush(self) -> None:
        """Write everything buffered to disk (reopening an unflushed store is slow)."""
        try:
            self.oxigraph.flush()
        except OSError as error:
            raise StoreError(f"cannot write the store in {self.path}: {error}") from error

    def close(self) -> None:
        """Flush (unless read-only) and release the store; the object is unusable afterwards."""
        if self.oxigraph is None:
            return
        try:
            if not self.read_only:  # Oxigraph refuses to flush a read-only instance
                self.flush()
        finally:
            self.oxigraph = None

    def __len__(self) -> int:
        return len(self.oxigraph)

    # --- writing ---

    def replace_graphs(self, graphs: Mapping[URIRef, Graph | Iterable[Triple]],
                       drop: Iterable[URIRef] = ()) -> None:
        """Replace each named graph with the given triples and drop the graphs in `drop`, as one
        unit: either all of it is written, or the store is left as it was (even after a crash)."""
        self.update_graphs(graphs, drop=drop)

    def update_graphs(self, replace: Mapping[URIRef, Graph | Iterable[Triple]] | None = None, *,
                      add: Mapping[URIRef, Iterable[Triple]] | None = None,
                      remove: Mapping[URIRef, Iterable[Triple]] | None = None,
                      drop: Iterable[URIRef] = ()) -> None:
        """One all-or-nothing write: replace whole graphs (`replace`), drop graphs (`drop`), and
        change big graphs in place, removing the triples in `remove` and adding those in `add`
        (the entities and summary graphs, whose rewriting would cost time proportional to the
        store). Either all of it is written, or the store is left as it was (even after a crash)."""
        if self.read_only:
            raise StoreError(f"the store in {self.path} was opened read-only")
        replace, add, remove = replace or {}, add or {}, remove or {}
        dropped = [URIRef(iri) for iri in [*replace, *drop]]
        touched = list(dict.fromkeys([*dropped, *map(URIRef, add), *map(URIRef, remove)]))
        with self._rollback_point(touched):
            if dropped:
                self.oxigraph.update(" ;\n".join(f"DROP SILENT GRAPH <{iri}>" for iri in dropped))
            for iri, triples in remove.items():
                name = ox.NamedNode(str(iri))
                for s, p, o in triples:
                    self.oxigraph.remove(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name))
            for graphs in (replace, add):
                for batch in _nquads_batches(graphs):  # a bad term here also rolls the write back
                    self.oxigraph.bulk_load(batch, format=ox.RdfFormat.N_QUADS)
            self.oxigraph.flush()

    @contextmanager
    def _rollback_point(self, touched: list[URIRef]) -> Iterator[None]:
        """Run a write to the graphs `touched` that can be undone. Bulk loading (5-10x faster than
        one transaction of the same size) is not atomic, so a checkpoint of the store (hard links:
        cheap) is taken first. If the write fails, the touched graphs are copied back from it; if the
        process dies, `open` puts the whole checkpoint back."""
        if self.path is None:
            yield
            return
        pending, checkpoint = _rollback_paths(self.path)
        shutil.rmtree(pending, ignore_errors=True)
        try:
            self.oxigraph.backup(str(pending))
            pending.rename(checkpoint)  # only a complete checkpoint is ever restored
        except OSError as error:
            shutil.rmtree(pending, ignore_errors=True)
            raise StoreError(f"cannot write the store in {self.path}: {error}") from error
        try:
            yield
        except BaseException as error:
            if self.oxigraph is not None:  # else `open` restores the checkpoint
                self._copy_back(checkpoint, touched)
            if isinstance(error, (OSError, RuntimeError, SyntaxError, ValueError)):
                raise StoreError(f"cannot write the store in {self.path}: {error}; "
                                 "the store was left as it was") from error
            raise
        shutil.rmtree(checkpoint)

    def _copy_back(self, checkpoint: Path, touched: list[URIRef]) -> None:
        """Undo a failed write: the touched graphs as they are in the checkpoint."""
        before = ox.Store(str(checkpoint))
        names = [ox.NamedNode(str(iri)) for iri in touched]
        self.oxigraph.update(" ;\n".join(f"DROP SILENT GRAPH {name}" for name in names))
        for name in names:
            self.oxigraph.extend(before.quads_for_pattern(None, None, None, name))
        self.oxigraph.flush()
        del before
        shutil.rmtree(checkpoint)

    def drop_graphs(self, iris: Iterable[URIRef]) -> None:
        """Remove named graphs (digests), all or none."""
        self.replace_graphs({}, drop=iris)

    # --- reading ---

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
        """Run SPARQL over the union of the named graphs (the project's usual prefixes predeclared)."""
        try:
            return self.oxigraph.query(sparql, use_default_graph_as_union=True, prefixes=_SPARQL_PREFIXES)
        except SyntaxError as error:
            raise QueryError(str(error)) from error

    def rows(self, sparql: str) -> list[dict[str, Node]]:
        """A SELECT query's solutions as dicts of rdflib terms (unbound variables left out)."""
        solutions = self.query(sparql)
        names = [variable.value for variable in solutions.variables]
        return [
            {name: to_rdflib(value) for name, value in zip(names, solution, strict=True) if value is not None}
            for solution in solutions
        ]

    def named_graphs(self) -> list[URIRef]:
        return sorted(URIRef(node.value) for node in self.oxigraph.named_graphs())

    def graph(self, iri: URIRef | str) -> Graph:
        """A copy of one named graph as an rdflib graph (empty if there is none by that name)."""
        graph = Graph(identifier=URIRef(iri))
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=True)
        for quad in self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(iri))):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph

    def digests(self) -> list[GraphStats]:
        """Every stored digest, with its title, volume, publication date and source file."""
        rows = self.rows("""
            SELECT ?g ?title ?volume ?issued ?source WHERE { GRAPH ?g {
                ?g a ak:Digest .
                OPTIONAL { ?g dcterms:title ?title } OPTIONAL { ?g ak:volume ?volume }
                OPTIONAL { ?g dcterms:issued ?issued } OPTIONAL { ?g dcterms:source ?source }
            } }""")
        digests = {
            str(row["g"]): GraphStats(
                str(row["g"]), str(row.get("title", "")), str(row.get("volume", "")),
                str(row.get("issued", "")), str(row.get("source", "")),
            )
            for row in rows
        }
        return sorted(digests.values(), key=_digest_order)

    def stats(self) -> StoreStats:
        """Per digest and over all digests: events, persons, organizations, countries, places,
        dates, mentions and triples."""
        digests = {d.iri: d for d in self.digests()}
        for digest in digests.values():
            digest.counts = dict.fromkeys(COUNTED, 0)
        types = " ".join(f"<{iri}>" for iri in _TYPE_COUNTED)
        entities = f"<{mint('graph', 'entities')}>"
        # Events and mentions are typed in their digest's graph; the entities a digest links are
        # typed once, in the entities graph.
        per_graph = self.rows(f"""
            SELECT ?g ?type (COUNT(DISTINCT ?x) AS ?n) WHERE {{
                VALUES ?type {{ {types} }}
                {{ GRAPH ?g {{ ?x a ?type }} }}
                UNION {{ GRAPH ?g {{ ?s ?link ?x }} GRAPH {entities} {{ ?x a ?type }} }}
            }} GROUP BY ?g ?type""")
        dates = self.rows("""
            SELECT ?g (COUNT(DISTINCT ?date) AS ?n) WHERE { GRAPH ?g { ?e sem:hasTimeStamp ?date } }
            GROUP BY ?g""")
        triples = self.rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        for rows, name in ((per_graph, None), (dates, "dates"), (triples, "triples")):
            for row in rows:
                digest = digests.get(str(row["g"]))
                if digest is not None:
                    digest.counts[name or _TYPE_COUNTED[str(row["type"])]] = int(row["n"])
        for digest in digests.values():
            digest.counts["places"] -= digest.counts["countries"]  # every country is a sem:Place too

        graph_triples = {str(row["g"]): int(row["n"]) for row in triples}
        entity_triples = graph_triples.get(entities[1:-1], 0)
        totals = dict.fromkeys(COUNTED, 0)
        if digests:
            only_digests = f"FILTER(?g IN ({', '.join(f'<{iri}>' for iri in [*digests, entities[1:-1]])}))"
            for row in self.rows(f"""
                    SELECT ?type (COUNT(DISTINCT ?x) AS ?n) WHERE {{
                        GRAPH ?g {{ ?x a ?type }} VALUES ?type {{ {types} }} {only_digests} }}
                    GROUP BY ?type"""):
                totals[_TYPE_COUNTED[str(row["type"])]] = int(row["n"])
            totals["places"] -= totals["countries"]
            totals["dates"] = int(self.rows(f"""
                SELECT (COUNT(DISTINCT ?date) AS ?n) WHERE {{
                    GRAPH ?g {{ ?e sem:hasTimeStamp ?date }} {only_digests} }}""")[0]["n"])
            totals["triples"] = sum(d.counts["triples"] for d in digests.values()) + entity_triples
        summary_triples = graph_triples.get(str(mint("graph", "summary")), 0)
        return StoreStats(list(digests.values()), totals, len(self), entity_triples, summary_triples)


def _digest_order(digest: GraphStats) -> tuple:
    """Digests in series then volume order (1.2 before 1.10)."""
    parts = tuple(int(p) if p.isdigit() else 0 for p in digest.volume.split("."))
    return (digest.iri.rsplit("/", 1)[0], parts, digest.volume)
