"""Ingest: source files -> read, extract, build, validate -> the store, plus the summary graph.

A run is all or nothing for the store: every good digest of the run and the recomputed summary
graph are written as one unit (`Store.replace_graphs`), after everything has been read and built.
A bad file gives one line in the report (file and reason) and the good files still go in.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, XSD

from kg.build import Triple, build_triples, digest_iri, new_graph
from kg.errors import InputError, KGError
from kg.extract import extract
from kg.iri import AK, SEM, mint
from kg.model import Extraction
from kg.read import iter_sources, read_digest
from kg.store import Store
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
    """Build (and validate) each extraction's graph, then store them all and the summary graph as
    one unit. A digest appearing twice keeps its first file; the second is a warning."""
    started = time.perf_counter()
    report = report or IngestReport()
    graphs: dict[URIRef, set[Triple]] = {}
    sources: dict[URIRef, str] = {}
    stored_before = {str(d.iri) for d in store.digests()}
    for extraction in extractions:
        digest = extraction.digest
        iri = digest_iri(digest)
        if iri in graphs:
            report.warnings.append(
                f"{digest.source}: skipped, {digest.title} was already read from {sources[iri]}")
            continue
        try:
            triples = build_triples(extraction)  # rdflib graphs are built only for validation
        except KGError as error:
            report.failures.append(_failure(digest.source, error))
            continue
        if validate:
            graph = Graph(identifier=iri)
            for triple in triples:
                graph.add(triple)
            result = validate_graph(graph)
            if not result.conforms:
                count = len(result.violations)
                report.failures.append(
                    f"{digest.source}: not stored, {count} SHACL violation{'s' * (count != 1)}, "
                    f"first: {result.violations[0]}")
                continue
        graphs[iri] = triples
        sources[iri] = digest.source
        report.digests.append(DigestReport(
            source=digest.source, iri=str(iri), title=digest.title, volume=digest.volume,
            published=digest.published, counts=graph_counts(triples), warnings=list(digest.warnings),
            replaced=str(iri) in stored_before,
        ))
    if graphs:
        summary = summary_graph(store, graphs)
        store.replace_graphs({**graphs, summary.identifier: summary})
        report.summary_triples = len(summary)
    if not report.seconds:
        report.seconds = time.perf_counter() - started
    return report


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


# --- the summary graph (docs/design.md, "Summary graph") --------------------------------------

_EVENT_LINKS = """
SELECT ?g ?event ?link ?entity ?person WHERE { GRAPH ?g {
    ?event a sem:Event ; ?link ?entity .
    VALUES ?link { sem:hasActor sem:hasPlace ak:involvesCountry dcterms:subject sem:eventType }
    OPTIONAL { ?entity a foaf:Person . BIND(true AS ?person) }
} }"""
_LINKS = (SEM.hasActor, SEM.hasPlace, AK.involvesCountry, DCTERMS.subject, SEM.eventType)
# Terms bound once for the loop over new triples: rdflib namespaces make a new URIRef per access.
_LINK_SET, _INVOLVES_COUNTRY = frozenset(_LINKS), AK.involvesCountry
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


def _event_facts(store: Store, skip_graphs: set[str]) -> dict[str, _EventFacts]:
    """Per event: the entities it links, its persons and countries, its month."""
    facts: dict[str, _EventFacts] = defaultdict(_EventFacts)
    for row in store.rows(_EVENT_LINKS):
        if str(row["g"]) in skip_graphs:
            continue
        event, entity = facts[str(row["event"])], row["entity"]
        event.entities.add(entity)
        if "person" in row:
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


def _new_event_facts(triples: Iterable[Triple]) -> dict[str, _EventFacts]:
    """The same facts as `_event_facts`, read from the triples of a digest graph not yet stored."""
    links: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    events, persons, days, sources, issued = set(), set(), defaultdict(list), {}, {}
    for subject, predicate, value in triples:
        if predicate in _LINK_SET:
            links[subject].append((predicate, value))
        elif predicate == _TYPE:
            if value == _EVENT:
                events.add(subject)
            elif value == _PERSON:
                persons.add(subject)
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
    """The summary graph as it will be once `new_graphs` replace their namesakes in `store`:
    person-person and country-country co-occurrence weights, monthly event counts per country,
    and the number of events linking each entity."""
    summary_iri = mint("graph", "summary")
    facts = _event_facts(store, skip_graphs={str(iri) for iri in new_graphs} | {str(summary_iri)})
    for triples in new_graphs.values():
        facts.update(_new_event_facts(triples))

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
    """SHACL-validate every stored digest graph and the summary graph: (title, report) pairs."""
    checked = [(digest.title or digest.iri, validate_graph(store.graph(digest.iri)))
               for digest in store.digests()]
    summary_iri = mint("graph", "summary")
    if summary_iri in store.named_graphs():
        checked.append(("summary graph", validate_graph(store.graph(summary_iri))))
    return checked
