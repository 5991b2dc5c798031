"""Ingest: source files -> read, extract, build, validate -> the store, plus the entities and
summary graphs.

A run is all or nothing for the store: every good digest of the run, the updated entities graph
and the recomputed summary graph are written as one unit (`Store.replace_graphs`), after
everything has been read and built. A bad file gives one line in the report (file and reason)
and the good files still go in.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations
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
    stored_before = {str(d.iri) for d in store.digests()}
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
        counts = graph_counts(triples.digest | triples.descriptions)
        counts["triples"] = len(triples.digest)
        report.digests.append(DigestReport(
            source=digest.source, iri=str(iri), title=digest.title, volume=digest.volume,
            published=digest.published, counts=counts, warnings=list(digest.warnings),
            replaced=str(iri) in stored_before,
        ))
    if built:
        _store_run(store, built, [iri for iri in built if str(iri) in stored_before])
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
    return len(store.oxigraph.query(f"SELECT * WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}").__iter__().__class__ and
               list(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(iri)))))


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
        if predicate == _TYPE:
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
    """The entities graph as it will be once the digest graphs of `built` replace their namesakes
    in `store`: the stored descriptions merged with those of the new digests, keeping only what an
    event still links, directly or through another kept description (a person's country, a
    membership's role, a topic's scheme). Each triple once, whatever the order of ingestion."""
    iri = entities_graph_iri()
    by_subject: dict[Node, set[Triple]] = defaultdict(set)
    for quad in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(iri))):
        subject = to_rdflib(quad.subject)
        by_subject[subject].add((subject, to_rdflib(quad.predicate), to_rdflib(quad.object)))
    for triples in built.values():
        for triple in triples.descriptions:
            by_subject[triple[0]].add(triple)

    replaced = ", ".join(f"<{name}>" for name in [*built, iri])
    roots = {row["node"] for row in store.rows(_STORED_ROOTS % replaced)}
    for triples in built.values():
        for subject, predicate, value in triples.digest:
            if predicate in _LINK_SET:
                roots.add(value)
            elif predicate == _ATTESTED_IN:
                roots.add(subject)

    graph = new_graph(iri)
    for triple in _reachable(by_subject, roots):
        graph.add(triple)
    return graph


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
_TYPE, _EVENT, _PERSON, _DATE = RDF.type, SEM.Event, FOAF.Person, XSD.date
_TIMESTAMP, _DERIVED_FROM, _ISSUED = SEM.hasTimeStamp, PROV.wasDerivedFrom, DCTERMS.issued

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
    """Per event: the entities it links, its persons and countries, its month."""
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
    """The same facts as `_event_facts`, read from the triples of a digest graph not yet stored."""
    links: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    events, days, sources, issued = set(), defaultdict(list), {}, {}
    for subject, predicate, value in triples:
        if predicate in _LINK_SET:
            links[subject].append((predicate, value))
        elif predicate == _TYPE and value == _EVENT:
            events.add(subject)
        elif predicate == _TIMESTAMP and value.datatype == _DATE:
            days[subject].append(str(value))
        elif predicate == _DERIVED_FROM:
            sources[subject] = value
        elif predicate == _ISSUED:
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


def summary_graph(store: Store, new_graphs: Mapping[URIRef, Iterable[Triple]]) -> Graph:
    """The summary graph as it will be once `new_graphs` (digest graphs, and the entities graph
    if it changes) replace their namesakes in `store`: person-person and country-country
    co-occurrence weights, monthly event counts per country, and the number of events linking
    each entity."""
    summary_iri, entities_iri = mint("graph", "summary"), entities_graph_iri()
    skip_graphs = {str(iri) for iri in new_graphs} | {str(summary_iri)}
    persons = {row["person"] for row in store.rows(_PERSONS) if str(row["g"]) not in skip_graphs}
    persons.update(subject for subject, predicate, value in new_graphs.get(entities_iri, ())
                   if predicate == _TYPE and value == _PERSON)
    facts = _event_facts(store, skip_graphs | {str(entities_iri)}, persons)
    for iri, triples in new_graphs.items():
        if iri != entities_iri:
            facts.update(_new_event_facts(triples, persons))

    pairs: Counter[tuple[str, URIRef, URIRef]] = Counter()
    monthly: Counter[tuple[URIRef, str]] = Counter()
    event_counts: Counter[URIRef] = Counter()
    for event in facts.values():
        event_counts.update(event.entities)
        for category, members in (("person", event.persons), ("country", event.countries)):
            pairs.update((category, a, b) for a, b in combinations(sorted(members), 2))
        if event.month:
            monthly.update((country, event.month) for country in event.countries)

    graph = new_graph(summary_iri)
    for (category, a, b), weight in pairs.items():
        node = mint("cooccurrence", category, _key(a), _key(b))
        graph.add((node, RDF.type, AK.CoOccurrence))
        graph.add((node, AK.category, Literal(category)))
        graph.add((node, AK.member, a))
        graph.add((node, AK.member, b))
        graph.add((node, AK.weight, Literal(weight)))
    for (country, month), weight in monthly.items():
        node = mint("monthly_count", _key(country), month)
        graph.add((node, RDF.type, AK.MonthlyCount))
        graph.add((node, AK.country, country))
        graph.add((node, AK.month, Literal(month, datatype=XSD.gYearMonth)))
        graph.add((node, AK.weight, Literal(weight)))
    for entity, count in event_counts.items():
        graph.add((entity, AK.eventCount, Literal(count)))
    return graph


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
