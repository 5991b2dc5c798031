"""Build RDF: one digest's `Extraction` -> the content of its named graph (docs/design.md, Graph).

Every IRI comes from `kg.iri.mint`; no blank nodes, so the same extraction always gives the
same triples and the same real-world entity gets the same node in every digest.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.errors import InputError
from kg.iri import AK, ITSRDF, NIF, PREFIXES, SEM, WD, mint
from kg.model import DateRef, Digest, Entity, Event, Extraction
from kg.resources import resource

_DATE_TYPES = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), XSD.date),
    (re.compile(r"\d{4}-\d{2}"), XSD.gYearMonth),
    (re.compile(r"\d{4}"), XSD.gYear),
)

_CONCEPT_SCHEMES = {
    "topic": (AK.TopicScheme, "Alliance topics"),
    "event_type": (AK.EventTypeScheme, "Event types"),
}


def date_literal(value: str, source: str = "extraction") -> Literal:
    """An ISO date string as a literal typed by its precision: xsd:date, xsd:gYearMonth, xsd:gYear."""
    for pattern, datatype in _DATE_TYPES:
        if pattern.fullmatch(value):
            literal = Literal(value, datatype=datatype)
            if literal.ill_typed:
                break
            return literal
    raise InputError(source, f"{value!r} is not an ISO date (YYYY-MM-DD, YYYY-MM or YYYY)")


def new_graph(identifier: URIRef | None = None) -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph(identifier=identifier)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def digest_iri(digest: Digest) -> URIRef:
    """The IRI of a digest, which is also the name of its graph."""
    return mint("digest", digest.series, digest.volume)


def entity_iri(entity: Entity) -> URIRef:
    """The one IRI of a real-world entity, whichever digest names it."""
    return mint(entity.kind, entity.key)


def build_graph(extraction: Extraction) -> Graph:
    """The named graph of one digest: the digest, its events, their mentions and every entity they link."""
    digest = extraction.digest
    graph = new_graph(digest_iri(digest))
    _add_digest(graph, digest)
    for event in extraction.events:
        _add_event(graph, digest, event)
    return graph


def ontology_graph() -> Graph:
    """The ak: ontology with its concept schemes (ontology/alliance.ttl)."""
    graph = new_graph(URIRef(str(AK)[:-1]))
    graph.parse(resource("ontology", "alliance.ttl"), format="turtle")
    return graph


def _add_digest(graph: Graph, digest: Digest) -> None:
    node = digest_iri(digest)
    graph.add((node, RDF.type, AK.Digest))
    graph.add((node, RDF.type, PROV.Entity))
    graph.add((node, DCTERMS.title, Literal(digest.title)))
    graph.add((node, AK.series, Literal(digest.series)))
    graph.add((node, AK.volume, Literal(digest.volume)))
    graph.add((node, DCTERMS.issued, date_literal(digest.published, digest.source)))
    graph.add((node, DCTERMS.source, Literal(digest.source)))


def _add_event(graph: Graph, digest: Digest, event: Event) -> None:
    node = mint("event", digest.series, digest.volume, event.position)
    graph.add((node, RDF.type, SEM.Event))
    graph.add((node, RDF.type, NIF.Context))
    if event.headline:
        graph.add((node, RDFS.label, Literal(event.headline)))
    graph.add((node, DCTERMS.description, Literal(event.text)))
    graph.add((node, AK.position, Literal(event.position)))
    graph.add((node, PROV.wasDerivedFrom, digest_iri(digest)))

    links = (
        (SEM.hasActor, event.persons),
        (SEM.hasActor, event.organizations),
        (SEM.hasPlace, event.places),
        (AK.involvesCountry, event.countries),
        (DCTERMS.subject, event.topics),
        (SEM.eventType, [event.event_type] if event.event_type else []),
    )
    country_names = {country.key.upper(): country.name for country in event.countries}
    where = f"{digest.source}, event {event.position}"
    for predicate, entities in links:
        for entity in entities:
            graph.add((node, predicate, entity_iri(entity)))
            _describe(graph, entity, country_names)
    for date in event.dates:
        graph.add((node, SEM.hasTimeStamp, date_literal(date.value, where)))
    for person in event.persons:
        if person.role:
            _add_membership(graph, person, node, _attested_on(event.dates, digest, where))
    _add_mentions(graph, digest, event, node, where)


def _describe(graph: Graph, entity: Entity, country_names: dict[str, str]) -> None:
    """Label, types, country and sameAs of an entity, so this graph is self-contained."""
    node = entity_iri(entity)
    kind = entity.kind
    types = {
        "person": (FOAF.Person, SEM.Actor),
        "organization": (ORG.Organization, SEM.Actor),
        "place": (SEM.Place,),
        "country": (AK.Country, SEM.Place),
        "topic": (SKOS.Concept,),
        "event_type": (SKOS.Concept,),
    }[kind]
    for rdf_type in types:
        graph.add((node, RDF.type, rdf_type))
    if kind in _CONCEPT_SCHEMES:
        scheme, scheme_label = _CONCEPT_SCHEMES[kind]
        graph.add((node, SKOS.prefLabel, Literal(entity.name)))
        graph.add((node, SKOS.inScheme, scheme))
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((scheme, SKOS.prefLabel, Literal(scheme_label)))
    # Concepts get an rdfs:label too, so one property finds the label of any node.
    graph.add((node, RDFS.label, Literal(entity.name)))
    alt_labels = {*entity.aliases, entity.mention or entity.name} - {entity.name}
    for alias in alt_labels:
        graph.add((node, SKOS.altLabel, Literal(alias)))
    if kind in ("country", "event_type"):
        graph.add((node, SKOS.notation, Literal(entity.key.upper())))
    if entity.wikidata:
        graph.add((node, OWL.sameAs, WD[entity.wikidata]))
    if entity.country and kind in ("person", "organization", "place"):
        country = mint("country", entity.country)
        graph.add((node, AK.nationality if kind == "person" else AK.country, country))
        _describe_country_code(graph, entity.country, country_names)


def _describe_country_code(graph: Graph, code: str, country_names: dict[str, str]) -> None:
    """A country known only by its code (a person's nationality the event does not list)."""
    code = code.upper()
    node = mint("country", code)
    if (node, RDF.type, AK.Country) in graph:
        return
    name = country_names.get(code)
    if name is None:
        record = pycountry.countries.get(alpha_2=code)
        name = getattr(record, "common_name", None) or (record.name if record else code)
    graph.add((node, RDF.type, AK.Country))
    graph.add((node, RDF.type, SEM.Place))
    graph.add((node, RDFS.label, Literal(name)))
    graph.add((node, SKOS.notation, Literal(code)))


def _attested_on(dates: list[DateRef], digest: Digest, where: str) -> Literal:
    """When a role is attested: the event's earliest full date, else the digest's publication date."""
    full_dates = sorted(d.value for d in dates if len(d.value) == 10)
    return date_literal(full_dates[0], where) if full_dates else date_literal(digest.published, where)


def _add_membership(graph: Graph, person: Entity, event_node: URIRef, attested_on: Literal) -> None:
    role = mint("role", person.role)
    membership = mint("membership", person.key, person.role)
    graph.add((role, RDF.type, ORG.Role))
    graph.add((role, RDFS.label, Literal(person.role)))
    graph.add((membership, RDF.type, ORG.Membership))
    graph.add((membership, ORG.member, entity_iri(person)))
    graph.add((membership, ORG.role, role))
    if person.country:
        graph.add((membership, ORG.organization, mint("country", person.country)))
    graph.add((membership, AK.attestedIn, event_node))
    graph.add((membership, AK.attestedOn, attested_on))


def _event_entities(event: Event) -> Iterable[Entity]:
    yield from event.persons
    yield from event.organizations
    yield from event.countries
    yield from event.places
    yield from event.topics
    if event.event_type:
        yield event.event_type


def _add_mentions(graph: Graph, digest: Digest, event: Event, event_node: URIRef, where: str) -> None:
    """One nif:Phrase per span, pointing at every entity those words name or imply."""
    words: dict[tuple[int, int], str] = {}
    targets: dict[tuple[int, int], set[URIRef]] = defaultdict(set)
    date_values: dict[tuple[int, int], set[str]] = defaultdict(set)
    for entity in _event_entities(event):
        for span in entity.spans:
            words[span.begin, span.end] = span.text
            targets[span.begin, span.end].add(entity_iri(entity))
    for date in event.dates:
        for span in date.spans:
            words[span.begin, span.end] = span.text
            date_values[span.begin, span.end].add(date.value)
    for (begin, end), text in words.items():
        if not (0 <= begin < end <= len(event.text)) or event.text[begin:end] != text:
            raise InputError(where, f"span {begin}-{end} {text!r} does not match the bullet text")
        node = mint("mention", digest.series, digest.volume, event.position, begin, end)
        graph.add((node, RDF.type, NIF.Phrase))
        graph.add((node, NIF.referenceContext, event_node))
        graph.add((node, NIF.beginIndex, Literal(begin)))
        graph.add((node, NIF.endIndex, Literal(end)))
        graph.add((node, NIF.anchorOf, Literal(text)))
        for target in targets[begin, end]:
            graph.add((node, ITSRDF.taIdentRef, target))
        for value in date_values[begin, end]:
            graph.add((node, AK.dateValue, date_literal(value, where)))
