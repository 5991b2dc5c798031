"""Ingest: source files -> read, extract, build, validate -> the store, plus the entities and
summary graphs.

A run is all or nothing for the store: every good digest of the run and the changes it makes to
the entities and summary graphs are written as one unit (`Store.update_graphs`), after
everything has been read and built. Those changes are worked out from the run's digests and the
stored graphs of the digests they replace, so a run costs the same in a small or a large store.
A bad file gives one line in the report (file and reason) and the good files still go in.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, combinations
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, XSD
from rdflib.term import Node

from kg.build import DigestTriples, Triple, build_triples, digest_iri, entities_graph_iri, new_graph
from kg.errors import InputError, KGError
from kg.extract import extract
from kg.iri import AK, SEM, mint
from kg.model import Extraction
from kg.read import iter_sources, read_digest
from kg.store import Store, to_rdflib
from kg.validate import Report
from kg.validate import validate as validate_graph

Progress = Callable[[int, int, Path], None]


@dataclass
class DigestReport:
    """One digest stored by a run, with what its graph holds."""

    source: str
    iri: str
    title: str
    volume: str
    published: str
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    replaced: bool = False  # the store held this digest before the run


@dataclass
class IngestReport:
    """What a run stored, which files failed (one line each, naming the file), and its warnings."""

    digests: list[DigestReport] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    entity_triples: int = 0
    summary_triples: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def ingest(store: Store, paths: Iterable[str | Path], *, volume: str | None = None,
           published: str | None = None, validate: bool = True,
           progress: Progress | None = None) -> IngestReport:
    """Read, extract, build and store every digest file under `paths` (files or folders).

    `volume` and `published` supply what a single file's page does not print. `progress` is
    called as progress(done, total, path) once each file is read, built and checked.
    """
    started = time.perf_counter()
    report = IngestReport()
    sources: list[Path] = []
    for path in paths:
        try:
            sources.extend(iter_sources([path]))
        except KGError as error:
            report.failures.append(str(error))
    if (volume or published) and len(sources) > 1:
        raise KGError("--volume and --published describe one digest: give a single file")

    def extractions() -> Iterator[Extraction]:
        for done, source in enumerate(sources, 1):
            extraction = None
            try:
                extraction = extract(read_digest(source, volume=volume, published=published))
            except KGError as error:
                report.failures.append(_failure(source, error))
            except Exception as error:  # a bug met on one file must not keep the others out
                report.failures.append(f"{source}: could not be processed ({type(error).__name__}: {error})")
            if extraction is not None:
                yield extraction  # built and validated before this generator resumes
            if progress:
                progress(done, len(sources), source)

    ingest_extractions(store, extractions(), validate=validate, report=report)
    report.seconds = time.perf_counter() - started
    return report


def ingest_extractions(store: Store, extractions: Iterable[Extraction], *, validate: bool = True,
                       report: IngestReport | None = None) -> IngestReport:
    """Build (and validate) each extraction's graph, then store them all, the entities graph and
    the summary graph as one unit. A digest appearing twice keeps its first file; the second is
    a warning."""
    started = time.perf_counter()
    report = report or IngestReport()
    built: dict[URIRef, DigestTriples] = {}
    sources: dict[URIRef, str] = {}
    replaced: list[URIRef] = []  # the run's digests the store already holds
    for extraction in extractions:
        digest = extraction.digest
        iri = digest_iri(digest)
        if iri in built:
            report.warnings.append(
                f"{digest.source}: skipped, {digest.title} was already read from {sources[iri]}")
            continue
        try:
            triples = build_triples(extraction)  # rdflib graphs are built only for validation
        except KGError as error:
            report.failures.append(_failure(digest.source, error))
            continue
        if validate:
            result = validate_graph(_graph(iri, triples.digest | triples.descriptions))
            if not result.conforms:
                count = len(result.violations)
                report.failures.append(
                    f"{digest.source}: not stored, {count} SHACL violation{'s' * (count != 1)}, "
                    f"first: {result.violations[0]}")
                continue
        built[iri] = triples
        sources[iri] = digest.source
        if store.oxigraph.contains_named_graph(ox.NamedNode(str(iri))):
            replaced.append(iri)
        counts = graph_counts(chain(triples.digest, triples.descriptions))
        counts["triples"] = len(triples.digest)
        report.digests.append(DigestReport(
            source=digest.source, iri=str(iri), title=digest.title, volume=digest.volume,
            published=digest.published, counts=counts, warnings=list(digest.warnings),
            replaced=iri in replaced,
        ))
    if built:
        _store_run(store, built, replaced)
        report.entity_triples = _graph_size(store, entities_graph_iri())
        report.summary_triples = _graph_size(store, mint("graph", "summary"))
    if not report.seconds:
        report.seconds = time.perf_counter() - started
    return report


def _store_run(store: Store, built: Mapping[URIRef, DigestTriples], replaced: list[URIRef]) -> None:
    """Write the digest graphs of a run and the changes they make to the entities and summary
    graphs as one unit. Only what the run's digests touch is read and written, so a run costs
    time in proportion to its digests, not to the store."""
    digest_graphs = {iri: triples.digest for iri, triples in built.items()}
    entities_iri, summary_iri = entities_graph_iri(), mint("graph", "summary")
    entities = entities_changes(store, built, replaced)
    summary = summary_changes(store, built, replaced)
    if summary is None:  # no summary graph to update (a store written before it existed): make it
        new_entities = set(_stored_triples(store, entities_iri)) - entities.remove | entities.add
        whole = summary_graph(store, {**digest_graphs, entities_iri: new_entities})
        store.update_graphs({**digest_graphs, summary_iri: whole},
                            add={entities_iri: entities.add}, remove={entities_iri: entities.remove})
        return
    store.update_graphs(digest_graphs, add={entities_iri: entities.add, summary_iri: summary.add},
                        remove={entities_iri: entities.remove, summary_iri: summary.remove})


def _graph_size(store: Store, iri: URIRef) -> int:
    (row,) = store.rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    return int(row["n"])


def _stored_triples(store: Store, iri: URIRef) -> Iterator[Triple]:
    """The triples of one stored named graph, as rdflib terms."""
    for quad in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(iri))):
        yield to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)


@dataclass
class GraphChanges:
    """The triples a run takes out of and puts into one big stored graph."""

    add: set[Triple] = field(default_factory=set)
    remove: set[Triple] = field(default_factory=set)


def _graph(iri: URIRef, triples: Iterable[Triple]) -> Graph:
    graph = Graph(identifier=iri)
    for triple in triples:
        graph.add(triple)
    return graph


def _failure(source: str | Path, error: KGError) -> str:
    """One line naming the file and the problem (an InputError names its file already)."""
    return str(error) if isinstance(error, InputError) else f"{source}: {error}"


def graph_counts(triples: Iterable[Triple]) -> dict[str, int]:
    """Events, persons, organizations, places, countries and triples in one digest graph."""
    typed: dict[URIRef, set] = defaultdict(set)
    count = 0
    for subject, predicate, rdf_type in triples:
        count += 1
        if predicate in _TYPE_ONLY:
            typed[rdf_type].add(subject)
    countries = typed[AK.Country]
    return {
        "events": len(typed[SEM.Event]),
        "persons": len(typed[FOAF.Person]),
        "organizations": len(typed[ORG.Organization]),
        "places": len(typed[SEM.Place] - countries),
        "countries": len(countries),
        "triples": count,
    }


# --- the entities graph (docs/design.md, "Entities graph") -------------------------------------

_STORED_ROOTS = """
SELECT DISTINCT ?node WHERE {
    GRAPH ?g {
        { ?event ?link ?node .
          VALUES ?link { sem:hasActor sem:hasPlace ak:involvesCountry dcterms:subject sem:eventType } }
        UNION { ?node ak:attestedIn ?event }
    }
    FILTER(?g NOT IN (%s))
}"""


def entities_graph(store: Store, built: Mapping[URIRef, DigestTriples]) -> Graph:
    """The entities graph recomputed from scratch as it will be once the digest graphs of `built`
    replace their namesakes in `store`: the stored descriptions merged with those of the new
    digests, keeping only what an event still links, directly or through another kept description
    (a person's country, a membership's role, a topic's scheme). Each triple once, whatever the
    order of ingestion. Reads the whole store; ingest uses `entities_changes`, which must agree."""
    iri = entities_graph_iri()
    by_subject: dict[Node, set[Triple]] = defaultdict(set)
    for triple in _stored_triples(store, iri):
        by_subject[triple[0]].add(triple)
    for triples in built.values():
        for triple in triples.descriptions:
            by_subject[triple[0]].add(triple)

    replaced = ", ".join(f"<{name}>" for name in [*built, iri])
    roots = {row["node"] for row in store.rows(_STORED_ROOTS % replaced)}
    for triples in built.values():
        roots |= _roots(triples.digest)

    graph = new_graph(iri)
    for triple in _reachable(by_subject, roots):
        graph.add(triple)
    return graph


def entities_changes(store: Store, built: Mapping[URIRef, DigestTriples],
                     replaced: Iterable[URIRef]) -> GraphChanges:
    """What storing the digests of `built` (replacing the stored digests `replaced`) changes in
    the entities graph: the new descriptions of kept entities go in, and the descriptions no
    event reaches any more come out. Only the entities those digests link, before and after, are
    looked at; the result is the graph `entities_graph` would give."""
    graph_name = ox.NamedNode(str(entities_graph_iri()))
    skipped = {str(iri) for iri in built}
    new: dict[Node, set[Triple]] = defaultdict(set)
    for triples in built.values():
        for triple in triples.descriptions:
            new[triple[0]].add(triple)
    stored_cache: dict[Node, set[Triple]] = {}

    def stored(node: Node) -> set[Triple]:
        if node not in stored_cache:
            stored_cache[node] = {
                (node, to_rdflib(quad.predicate), to_rdflib(quad.object))
                for quad in store.oxigraph.quads_for_pattern(ox.NamedNode(str(node)), None, None, graph_name)
            } if isinstance(node, URIRef) else set()
        return stored_cache[node]

    def closure(roots: Iterable[Node]) -> set[Node]:
        """The described nodes among `roots` and, in turn, whatever their descriptions point at."""
        reached: set[Node] = set()
        waiting = list(roots)
        while waiting:
            node = waiting.pop()
            if node in reached or not (stored(node) or node in new):
                continue
            reached.add(node)
            waiting.extend(value for _, _, value in stored(node) | new.get(node, set())
                           if value not in reached)
        return reached

    def linked_by_another_digest(node: Node) -> bool:
        term = ox.NamedNode(str(node))
        for predicate in _OX_LINKS:
            for quad in store.oxigraph.quads_for_pattern(None, predicate, term, None):
                if quad.graph_name.value not in skipped:
                    return True
        for quad in store.oxigraph.quads_for_pattern(term, _OX_ATTESTED_IN, None, None):
            if quad.graph_name.value not in skipped:
                return True
        return False

    def pointed_at_from_outside(node: Node, candidates: set[Node]) -> bool:
        """Whether a stored description outside `candidates` (so kept) points at `node`."""
        for quad in store.oxigraph.quads_for_pattern(None, None, ox.NamedNode(str(node)), graph_name):
            if to_rdflib(quad.subject) not in candidates:
                return True
        return False

    new_roots: set[Node] = set()
    for triples in built.values():
        new_roots |= _roots(triples.digest)
    old_roots: set[Node] = set()
    for iri in replaced:
        old_roots |= _roots(_stored_triples(store, iri))
    kept_by_new = closure(new_roots)
    # Only what the replaced digests reached may lose its last link; the rest stays reached.
    candidates = closure(old_roots) - kept_by_new
    still_reached = closure(node for node in candidates
                            if linked_by_another_digest(node) or pointed_at_from_outside(node, candidates))
    dropped = candidates - still_reached

    changes = GraphChanges()
    for node in dropped:
        changes.remove |= stored(node)
    for node, triples in new.items():
        if node in dropped or not (node in kept_by_new or node in still_reached or stored(node)):
            continue
        changes.add |= triples - stored(node)
    return changes


def _roots(triples: Iterable[Triple]) -> set[Node]:
    """The entities a digest graph's events link and the memberships it attests."""
    roots = set()
    for subject, predicate, value in triples:
        if predicate in _LINK_SET:
            roots.add(value)
        elif predicate in _ATTESTED_IN_ONLY:
            roots.add(subject)
    return roots


def _reachable(by_subject: Mapping[Node, set[Triple]], roots: Iterable[Node]) -> Iterator[Triple]:
    """The descriptions of `roots` and, in turn, of every node those descriptions point at."""
    reached = {root for root in roots if root in by_subject}
    waiting = list(reached)
    while waiting:
        for triple in by_subject[waiting.pop()]:
            yield triple
            value = triple[2]
            if value in by_subject and value not in reached:
                reached.add(value)
                waiting.append(value)


# --- the summary graph (docs/design.md, "Summary graph") --------------------------------------

_EVENT_LINKS = """
SELECT ?g ?event ?link ?entity WHERE { GRAPH ?g {
    ?event a sem:Event ; ?link ?entity .
    VALUES ?link { sem:hasActor sem:hasPlace ak:involvesCountry dcterms:subject sem:eventType }
} }"""
_PERSONS = "SELECT DISTINCT ?g ?person WHERE { GRAPH ?g { ?person a foaf:Person } }"
_LINKS = (SEM.hasActor, SEM.hasPlace, AK.involvesCountry, DCTERMS.subject, SEM.eventType)
# Terms bound once for the loop over new triples: rdflib namespaces make a new URIRef per access.
_LINK_SET, _INVOLVES_COUNTRY, _ATTESTED_IN = frozenset(_LINKS), AK.involvesCountry, AK.attestedIn
_OX_LINKS = tuple(ox.NamedNode(str(link)) for link in _LINKS)
_OX_ATTESTED_IN, _OX_TYPE = ox.NamedNode(str(_ATTESTED_IN)), ox.NamedNode(str(RDF.type))
_TYPE, _EVENT, _PERSON, _DATE = RDF.type, SEM.Event, FOAF.Person, XSD.date
_OX_PERSON = ox.NamedNode(str(_PERSON))
_TIMESTAMP, _DERIVED_FROM, _ISSUED = SEM.hasTimeStamp, PROV.wasDerivedFrom, DCTERMS.issued
_WEIGHT, _EVENT_COUNT = AK.weight, AK.eventCount
# One-element sets: `term in {x}` compares hashes first, far cheaper than rdflib's `term == x`.
_TYPE_ONLY, _EVENT_ONLY = frozenset({_TYPE}), frozenset({_EVENT})
_ATTESTED_IN_ONLY = frozenset({_ATTESTED_IN})
_FACT_PREDICATES = {**dict.fromkeys(_LINKS, "link"), _TYPE: "type", _TIMESTAMP: "day",
                    _DERIVED_FROM: "source", _ISSUED: "issued"}

_EVENT_MONTHS = """
SELECT ?g ?event (MIN(?day) AS ?first_day) (SAMPLE(?issued) AS ?published) WHERE { GRAPH ?g {
    ?event a sem:Event ; prov:wasDerivedFrom ?digest .
    OPTIONAL { ?digest dcterms:issued ?issued }
    OPTIONAL { ?event sem:hasTimeStamp ?day FILTER(DATATYPE(?day) = xsd:date) }
} } GROUP BY ?g ?event"""


@dataclass
class _EventFacts:
    entities: set[URIRef] = field(default_factory=set)
    persons: set[URIRef] = field(default_factory=set)
    countries: set[URIRef] = field(default_factory=set)
    month: str | None = None


def _event_facts(store: Store, skip_graphs: set[str], persons: set[URIRef]) -> dict[str, _EventFacts]:
    """Per event of the whole store: the entities it links, its persons and countries, its month."""
    facts: dict[str, _EventFacts] = defaultdict(_EventFacts)
    for row in store.rows(_EVENT_LINKS):
        if str(row["g"]) in skip_graphs:
            continue
        event, entity = facts[str(row["event"])], row["entity"]
        event.entities.add(entity)
        if entity in persons:
            event.persons.add(entity)
        if row["link"] == AK.involvesCountry:
            event.countries.add(entity)
    for row in store.rows(_EVENT_MONTHS):
        if str(row["g"]) in skip_graphs:
            continue
        if "first_day" in row:
            month = str(row["first_day"])[:7]
        else:
            published = str(row.get("published", ""))
            month = published[:7] if len(published) >= 7 else None
        facts[str(row["event"])].month = month
    return facts


def _new_event_facts(triples: Iterable[Triple], persons: set[URIRef]) -> dict[str, _EventFacts]:
    """The same facts as `_event_facts`, read from the triples of one digest graph."""
    links: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    events, days, sources, issued = set(), defaultdict(list), {}, {}
    for subject, predicate, value in triples:
        role = _FACT_PREDICATES.get(predicate)  # a dict lookup: rdflib's == is slow Python code
        if role is None:
            continue
        if role == "link":
            links[subject].append((predicate, value))
        elif role == "type":
            if value in _EVENT_ONLY:
                events.add(subject)
        elif role == "day":
            if value.datatype == _DATE:
                days[subject].append(str(value))
        elif role == "source":
            sources[subject] = value
        else:
            issued[subject] = str(value)
    facts = {}
    for event in events:
        event_facts = facts[str(event)] = _EventFacts()
        for link, entity in links[event]:
            event_facts.entities.add(entity)
            if entity in persons:
                event_facts.persons.add(entity)
            if link == _INVOLVES_COUNTRY:
                event_facts.countries.add(entity)
        published = issued.get(sources.get(event), "")
        event_facts.month = min(days[event])[:7] if days[event] else (
            published[:7] if len(published) >= 7 else None)
    return facts


# A summary weight is a sum over events, kept per slot: ("pair", category, a, b) for a
# co-occurrence, ("month", country, "YYYY-MM") for a monthly count, ("events", entity) for
# ak:eventCount.
Slot = tuple


def _weights(facts: Iterable[_EventFacts]) -> Counter[Slot]:
    """What the events contribute to each summary weight."""
    weights: Counter[Slot] = Counter()
    for event in facts:
        for entity in event.entities:
            weights["events", entity] += 1
        for category, members in (("person", event.persons), ("country", event.countries)):
            for a, b in combinations(sorted(members), 2):
                weights["pair", category, a, b] += 1
        if event.month:
            for country in event.countries:
                weights["month", country, event.month] += 1
    return weights


def _slot_node(slot: Slot) -> tuple[URIRef, URIRef]:
    """The node holding a slot's weight, and the property giving it."""
    if slot[0] == "events":
        return slot[1], _EVENT_COUNT
    if slot[0] == "pair":
        return mint("cooccurrence", slot[1], _key(slot[2]), _key(slot[3])), _WEIGHT
    return mint("monthly_count", _key(slot[1]), slot[2]), _WEIGHT


def _slot_triples(slot: Slot, weight: int) -> list[Triple]:
    """The summary triples of one slot with its weight (docs/design.md, "Summary graph")."""
    node, weight_property = _slot_node(slot)
    if slot[0] == "pair":
        _, category, a, b = slot
        return [(node, _TYPE, AK.CoOccurrence), (node, AK.category, Literal(category)),
                (node, AK.member, a), (node, AK.member, b), (node, _WEIGHT, Literal(weight))]
    if slot[0] == "month":
        _, country, month = slot
        return [(node, _TYPE, AK.MonthlyCount), (node, AK.country, country),
                (node, AK.month, Literal(month, datatype=XSD.gYearMonth)),
                (node, _WEIGHT, Literal(weight))]
    return [(node, weight_property, Literal(weight))]


def summary_graph(store: Store, new_graphs: Mapping[URIRef, Iterable[Triple]]) -> Graph:
    """The summary graph recomputed from scratch as it will be once `new_graphs` (digest graphs,
    and the entities graph if it changes) replace their namesakes in `store`: person-person and
    country-country co-occurrence weights, monthly event counts per country, and the number of
    events linking each entity. Reads the whole store; ingest uses `summary_changes`, which must
    agree."""
    summary_iri, entities_iri = mint("graph", "summary"), entities_graph_iri()
    skip_graphs = {str(iri) for iri in new_graphs} | {str(summary_iri)}
    persons = {row["person"] for row in store.rows(_PERSONS) if str(row["g"]) not in skip_graphs}
    persons.update(subject for subject, predicate, value in new_graphs.get(entities_iri, ())
                   if predicate == _TYPE and value == _PERSON)
    facts = _event_facts(store, skip_graphs | {str(entities_iri)}, persons)
    for iri, triples in new_graphs.items():
        if iri != entities_iri:
            facts.update(_new_event_facts(triples, persons))
    graph = new_graph(summary_iri)
    for slot, weight in _weights(facts.values()).items():
        for triple in _slot_triples(slot, weight):
            graph.add(triple)
    return graph


def summary_changes(store: Store, built: Mapping[URIRef, DigestTriples],
                    replaced: Iterable[URIRef]) -> GraphChanges | None:
    """What storing the digests of `built` (replacing the stored digests `replaced`) changes in
    the summary graph: every weight is a sum over events, so the replaced digests' events are
    taken off, the new ones added, and only the slots whose weight moves are rewritten (a slot
    whose weight reaches 0 is removed). None when the store has digests but no summary graph to
    update (it must then be made whole)."""
    summary_name = ox.NamedNode(str(mint("graph", "summary")))
    entities_name = ox.NamedNode(str(entities_graph_iri()))
    replaced = list(replaced)
    if not store.oxigraph.contains_named_graph(summary_name) and any(
            str(digest.iri) not in {str(iri) for iri in built} for digest in store.digests()):
        return None

    delta: Counter[Slot] = Counter()
    for triples in built.values():
        persons = {subject for subject, predicate, value in triples.descriptions
                   if predicate == _TYPE and value == _PERSON}
        delta.update(_weights(_new_event_facts(triples.digest, persons).values()))
    for iri in replaced:
        stored = list(_stored_triples(store, iri))
        actors = {value for _, predicate, value in stored if predicate in _LINK_SET}
        persons = {actor for actor in actors if isinstance(actor, URIRef) and ox.Quad(
            ox.NamedNode(str(actor)), _OX_TYPE, _OX_PERSON, entities_name) in store.oxigraph}
        delta.subtract(_weights(_new_event_facts(stored, persons).values()))

    changes = GraphChanges()
    for slot, change in delta.items():
        if not change:
            continue
        node, weight_property = _slot_node(slot)
        before = 0
        for quad in store.oxigraph.quads_for_pattern(
                ox.NamedNode(str(node)), ox.NamedNode(str(weight_property)), None, summary_name):
            before = int(quad.object.value)
        after = before + change
        if after < 0:
            raise KGError(f"the summary graph is out of step with the digests ({node} would weigh {after})")
        old = set(_slot_triples(slot, before)) if before else set()
        new = set(_slot_triples(slot, after)) if after else set()
        changes.remove |= old - new
        changes.add |= new - old
    return changes


def _key(iri: URIRef) -> str:
    """The key an entity IRI was minted from (its last path segment)."""
    return str(iri).rsplit("/", 1)[1]


def check_store(store: Store) -> list[tuple[str, Report]]:
    """SHACL-validate every stored digest graph, each together with the descriptions it reaches
    in the entities graph, and the summary graph: (title, report) pairs. Every kept description
    is reached from some digest, so the entities graph is checked along the way."""
    descriptions: dict[Node, set[Triple]] = defaultdict(set)
    for triple in store.graph(entities_graph_iri()):
        descriptions[triple[0]].add(triple)
    checked = []
    for digest in store.digests():
        graph = store.graph(digest.iri)
        linked = {term for triple in graph for term in (triple[0], triple[2])}
        for triple in _reachable(descriptions, linked):
            graph.add(triple)
        checked.append((digest.title or digest.iri, validate_graph(graph)))
    summary_iri = mint("graph", "summary")
    if summary_iri in store.named_graphs():
        checked.append(("summary graph", validate_graph(store.graph(summary_iri))))
    return checked
