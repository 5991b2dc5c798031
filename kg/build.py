"""Build RDF: one digest's `Extraction` -> its triples (docs/design.md, Graph).

A digest gives two sets of triples: its own (digest, events, mentions, attestations), stored as
its named graph, and the descriptions of the entities it links (labels, types, countries,
sameAs, memberships), which the store keeps once for all digests in the entities graph.
Every IRI comes from `kg.iri.mint`; no blank nodes, so the same extraction always gives the
same triples and the same real-world entity gets the same node in every digest.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.errors import InputError
from kg.iri import AK, ITSRDF, NIF, PREFIXES, SEM, WD, base, mint
from kg.model import DateRef, Digest, Entity, Event, Extraction
from kg.resources import resource

_DATE_TYPES = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), XSD.date),
    (re.compile(r"\d{4}-\d{2}"), XSD.gYearMonth),
    (re.compile(r"\d{4}"), XSD.gYear),
)

Triple = tuple[Node, Node, Node]


class _Terms:
    """A namespace whose terms are made once: rdflib builds a new URIRef on every attribute access,
    which was a tenth of the build time."""

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._namespace, name)
        setattr(self, name, term)
        return term


AK, DCTERMS, FOAF, ITSRDF, NIF, ORG, OWL, PROV, RDF, RDFS, SEM, SKOS = (
    _Terms(ns) for ns in (AK, DCTERMS, FOAF, ITSRDF, NIF, ORG, OWL, PROV, RDF, RDFS, SEM, SKOS))

# Labels, codes and offsets repeat across events and digests.
_literal = lru_cache(maxsize=65536)(Literal)

_CONCEPT_SCHEMES = {
    "topic": (AK.TopicScheme, "Alliance topics"),
    "event_type": (AK.EventTypeScheme, "Event types"),
}


def date_literal(value: str, source: str = "extraction") -> Literal:
    """An ISO date string as a literal typed by its precision: xsd:date, xsd:gYearMonth, xsd:gYear."""
    literal = _date_literal(value)
    if literal is None:
        raise InputError(source, f"{value!r} is not an ISO date (YYYY-MM-DD, YYYY-MM or YYYY)")
    return literal


@lru_cache(maxsize=8192)
def _date_literal(value: str) -> Literal | None:
    for pattern, datatype in _DATE_TYPES:
        if pattern.fullmatch(value):
            literal = Literal(value, datatype=datatype)
            return None if literal.ill_typed else literal
    return None


def new_graph(identifier: URIRef | None = None) -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph(identifier=identifier)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def digest_iri(digest: Digest, base_iri: str | None = None) -> URIRef:
    """The IRI of a digest, which is also the name of its graph."""
    return mint("digest", digest.series, digest.volume, base_iri=base_iri)


def entity_iri(entity: Entity, base_iri: str | None = None) -> URIRef:
    """The one IRI of a real-world entity, whichever digest names it."""
    return mint(entity.kind, entity.key, base_iri=base_iri)


def entities_graph_iri() -> URIRef:
    """The named graph holding, once each, the descriptions of the entities the digests link."""
    return mint("graph", "entities")


@dataclass
class DigestTriples:
    """What one digest contributes to the store."""

    digest: set[Triple] = field(default_factory=set)  # its own named graph
    descriptions: set[Triple] = field(default_factory=set)  # for the entities graph


def build_triples(extraction: Extraction) -> DigestTriples:
    """The triples of one digest's named graph and the descriptions of the entities it links."""
    digest = extraction.digest
    built = DigestTriples()
    root = base()  # looked up once: a digest mints thousands of IRIs
    _add_digest(built.digest, digest, root)
    for event in extraction.events:
        _add_event(built, digest, event, root)
    return built


def build_graph(extraction: Extraction) -> Graph:
    """One digest, self-contained: its named graph's triples plus the descriptions of every entity
    it links, named after the digest (`kg extract --format turtle`, checking one digest)."""
    built = build_triples(extraction)
    graph = new_graph(digest_iri(extraction.digest))
    for triple in built.digest | built.descriptions:  # a set first: rdflib's add costs far more
        graph.add(triple)
    return graph


def ontology_graph() -> Graph:
    """The ak: ontology with its concept schemes (ontology/alliance.ttl)."""
    graph = new_graph(URIRef("https://alliance-kg.org/ontology"))
    graph.parse(resource("ontology", "alliance.ttl"), format="turtle")
    return graph


def _add_digest(triples: set[Triple], digest: Digest, root: str) -> None:
    node = digest_iri(digest, root)
    triples.add((node, RDF.type, AK.Digest))
    triples.add((node, RDF.type, PROV.Entity))
    triples.add((node, DCTERMS.title, _literal(digest.title)))
    triples.add((node, AK.series, _literal(digest.series)))
    triples.add((node, AK.volume, _literal(digest.volume)))
    triples.add((node, DCTERMS.issued, date_literal(digest.published, digest.source)))
    triples.add((node, DCTERMS.source, _literal(digest.source)))


def _add_event(built: DigestTriples, digest: Digest, event: Event, root: str) -> None:
    triples, descriptions = built.digest, built.descriptions
    node = mint("event", digest.series, digest.volume, event.position, base_iri=root)
    triples.add((node, RDF.type, SEM.Event))
    triples.add((node, RDF.type, NIF.Context))
    if event.headline:
        triples.add((node, RDFS.label, _literal(event.headline)))
    triples.add((node, DCTERMS.description, _literal(event.text)))
    triples.add((node, AK.position, _literal(event.position)))
    triples.add((node, PROV.wasDerivedFrom, digest_iri(digest, root)))

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
            triples.add((node, predicate, entity_iri(entity, root)))
            _describe(descriptions, entity, country_names, root)
    for date in event.dates:
        triples.add((node, SEM.hasTimeStamp, date_literal(date.value, where)))
    for person in event.persons:
        if person.role:
            _add_membership(built, person, node, _attested_on(event.dates, digest, where), root)
    _add_mentions(triples, digest, event, node, where, root)


def _describe(triples: set[Triple], entity: Entity, country_names: dict[str, str], root: str) -> None:
    """Label, types, country and sameAs of an entity."""
    node = entity_iri(entity, root)
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
        triples.add((node, RDF.type, rdf_type))
    if kind in _CONCEPT_SCHEMES:
        scheme, scheme_label = _CONCEPT_SCHEMES[kind]
        triples.add((node, SKOS.prefLabel, _literal(entity.name)))
        triples.add((node, SKOS.inScheme, scheme))
        triples.add((scheme, RDF.type, SKOS.ConceptScheme))
        triples.add((scheme, SKOS.prefLabel, _literal(scheme_label)))
    # Concepts get an rdfs:label too, so one property finds the label of any node.
    triples.add((node, RDFS.label, _literal(entity.name)))
    alt_labels = {*entity.aliases, entity.mention or entity.name} - {entity.name}
    for alias in alt_labels:
        triples.add((node, SKOS.altLabel, _literal(alias)))
    if kind in ("country", "event_type"):
        triples.add((node, SKOS.notation, _literal(entity.key.upper())))
    if entity.wikidata:
        triples.add((node, OWL.sameAs, WD[entity.wikidata]))
    if entity.country and kind in ("person", "organization", "place"):
        country = mint("country", entity.country, base_iri=root)
        triples.add((node, AK.nationality if kind == "person" else AK.country, country))
        _describe_country_code(triples, entity.country, country_names, root)


def _describe_country_code(triples: set[Triple], code: str, country_names: dict[str, str],
                           root: str) -> None:
    """A country known only by its code (a person's nationality the event does not list)."""
    code = code.upper()
    node = mint("country", code, base_iri=root)
    if (node, RDF.type, AK.Country) in triples:
        return
    name = country_names.get(code)
    if name is None:
        record = pycountry.countries.get(alpha_2=code)
        name = getattr(record, "common_name", None) or (record.name if record else code)
    triples.add((node, RDF.type, AK.Country))
    triples.add((node, RDF.type, SEM.Place))
    triples.add((node, RDFS.label, _literal(name)))
    triples.add((node, SKOS.notation, _literal(code)))


def _attested_on(dates: list[DateRef], digest: Digest, where: str) -> Literal:
    """When a role is attested: the event's earliest full date, else the digest's publication date."""
    full_dates = sorted(d.value for d in dates if len(d.value) == 10)
    return date_literal(full_dates[0], where) if full_dates else date_literal(digest.published, where)


def _add_membership(built: DigestTriples, person: Entity, event_node: URIRef, attested_on: Literal,
                    root: str) -> None:
    """The membership itself is a description; where and when the digest attests it is the digest's."""
    role = mint("role", person.role, base_iri=root)
    membership = mint("membership", person.key, person.role, base_iri=root)
    descriptions = built.descriptions
    descriptions.add((role, RDF.type, ORG.Role))
    descriptions.add((role, RDFS.label, _literal(person.role)))
    descriptions.add((membership, RDF.type, ORG.Membership))
    descriptions.add((membership, ORG.member, entity_iri(person, root)))
    descriptions.add((membership, ORG.role, role))
    if person.country:
        descriptions.add((membership, ORG.organization, mint("country", person.country, base_iri=root)))
    built.digest.add((membership, AK.attestedIn, event_node))
    built.digest.add((membership, AK.attestedOn, attested_on))


def _event_entities(event: Event) -> Iterable[Entity]:
    yield from event.persons
    yield from event.organizations
    yield from event.countries
    yield from event.places
    yield from event.topics
    if event.event_type:
        yield event.event_type


def _add_mentions(triples: set[Triple], digest: Digest, event: Event, event_node: URIRef, where: str,
                  root: str) -> None:
    """One nif:Phrase per span, pointing at every entity those words name or imply."""
    words: dict[tuple[int, int], str] = {}
    targets: dict[tuple[int, int], set[URIRef]] = defaultdict(set)
    date_values: dict[tuple[int, int], set[str]] = defaultdict(set)
    for entity in _event_entities(event):
        for span in entity.spans:
            words[span.begin, span.end] = span.text
            targets[span.begin, span.end].add(entity_iri(entity, root))
    for date in event.dates:
        for span in date.spans:
            words[span.begin, span.end] = span.text
            date_values[span.begin, span.end].add(date.value)
    for (begin, end), text in words.items():
        if not (0 <= begin < end <= len(event.text)) or event.text[begin:end] != text:
            raise InputError(where, f"span {begin}-{end} {text!r} does not match the bullet text")
        node = mint("mention", digest.series, digest.volume, event.position, begin, end, base_iri=root)
        triples.add((node, RDF.type, NIF.Phrase))
        triples.add((node, NIF.referenceContext, event_node))
        triples.add((node, NIF.beginIndex, _literal(begin)))
        triples.add((node, NIF.endIndex, _literal(end)))
        triples.add((node, NIF.anchorOf, _literal(text)))
        for target in targets[begin, end]:
            triples.add((node, ITSRDF.taIdentRef, target))
        for value in date_values[begin, end]:
            triples.add((node, AK.dateValue, date_literal(value, where)))
