from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import FOAF, RDF, RDFS, SKOS, XSD

from kg.build import build_graph, build_triples, date_literal, digest_iri, ontology_graph
from kg.errors import InputError
from kg.iri import AK, SEM, base, mint
from kg.model import Span

EXPECTED = """
@prefix ak: <https://alliance-kg.org/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix itsrdf: <http://www.w3.org/2005/11/its/rdf#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <BASE> .
@prefix d: <BASEdigest/us-japan-alliance-digest/1.17/> .

<BASEdigest/us-japan-alliance-digest/1.17> a ak:Digest, prov:Entity ;
    dcterms:title "US-Japan Alliance Digest Vol 1.17" ;
    ak:series "US-Japan Alliance Digest" ; ak:volume "1.17" ;
    dcterms:issued "2022-09"^^xsd:gYearMonth ;
    dcterms:source "us-japan-alliance-digest-vol-1.17.txt" .

d:event\\/1 a sem:Event, nif:Context ;
    rdfs:label "Defense chiefs meet in Washington" ;
    dcterms:description "DESCRIPTION" ;
    ak:position 1 ;
    prov:wasDerivedFrom <BASEdigest/us-japan-alliance-digest/1.17> ;
    sem:hasActor id:person\\/yasukazu-hamada, id:person\\/lloyd-austin ;
    sem:hasPlace id:place\\/washington-dc ;
    ak:involvesCountry id:country\\/JP, id:country\\/US ;
    sem:hasTimeStamp "2022-09-14"^^xsd:date ;
    dcterms:subject id:topic\\/integrated-deterrence ;
    sem:eventType id:event-type\\/consult .

d:event\\/1\\/mention\\/17-23 a nif:Phrase ; nif:referenceContext d:event\\/1 ;
    nif:beginIndex 17 ; nif:endIndex 23 ; nif:anchorOf "Hamada" ;
    itsrdf:taIdentRef id:person\\/yasukazu-hamada, id:country\\/JP .
d:event\\/1\\/mention\\/46-52 a nif:Phrase ; nif:referenceContext d:event\\/1 ;
    nif:beginIndex 46 ; nif:endIndex 52 ; nif:anchorOf "Austin" ;
    itsrdf:taIdentRef id:person\\/lloyd-austin, id:country\\/US .
d:event\\/1\\/mention\\/56-66 a nif:Phrase ; nif:referenceContext d:event\\/1 ;
    nif:beginIndex 56 ; nif:endIndex 66 ; nif:anchorOf "Washington" ;
    itsrdf:taIdentRef id:place\\/washington-dc, id:country\\/US .
d:event\\/1\\/mention\\/70-82 a nif:Phrase ; nif:referenceContext d:event\\/1 ;
    nif:beginIndex 70 ; nif:endIndex 82 ; nif:anchorOf "September 14" ;
    ak:dateValue "2022-09-14"^^xsd:date .
d:event\\/1\\/mention\\/102-110 a nif:Phrase ; nif:referenceContext d:event\\/1 ;
    nif:beginIndex 102 ; nif:endIndex 110 ; nif:anchorOf "Japanese" ;
    itsrdf:taIdentRef id:country\\/JP .
d:event\\/1\\/mention\\/115-123 a nif:Phrase ; nif:referenceContext d:event\\/1 ;
    nif:beginIndex 115 ; nif:endIndex 123 ; nif:anchorOf "American" ;
    itsrdf:taIdentRef id:country\\/US .
d:event\\/1\\/mention\\/142-163 a nif:Phrase ; nif:referenceContext d:event\\/1 ;
    nif:beginIndex 142 ; nif:endIndex 163 ; nif:anchorOf "integrated deterrence" ;
    itsrdf:taIdentRef id:topic\\/integrated-deterrence .

id:person\\/yasukazu-hamada a foaf:Person, sem:Actor ; rdfs:label "Yasukazu Hamada" ;
    skos:altLabel "Hamada" ; ak:nationality id:country\\/JP ;
    owl:sameAs <http://www.wikidata.org/entity/Q11477787> .
id:person\\/lloyd-austin a foaf:Person, sem:Actor ; rdfs:label "Lloyd Austin" ;
    skos:altLabel "Austin" ; ak:nationality id:country\\/US .
id:membership\\/yasukazu-hamada\\/defense-minister a org:Membership ;
    org:member id:person\\/yasukazu-hamada ; org:role id:role\\/defense-minister ;
    org:organization id:country\\/JP ;
    ak:attestedIn d:event\\/1 ; ak:attestedOn "2022-09-14"^^xsd:date .
id:membership\\/lloyd-austin\\/defense-secretary a org:Membership ;
    org:member id:person\\/lloyd-austin ; org:role id:role\\/defense-secretary ;
    org:organization id:country\\/US ;
    ak:attestedIn d:event\\/1 ; ak:attestedOn "2022-09-14"^^xsd:date .
id:role\\/defense-minister a org:Role ; rdfs:label "Defense Minister" .
id:role\\/defense-secretary a org:Role ; rdfs:label "Defense Secretary" .

id:place\\/washington-dc a sem:Place ; rdfs:label "Washington" ; ak:country id:country\\/US .
id:country\\/JP a ak:Country, sem:Place ; rdfs:label "Japan" ; skos:notation "JP" ;
    owl:sameAs <http://www.wikidata.org/entity/Q17> .
id:country\\/US a ak:Country, sem:Place ; rdfs:label "United States" ; skos:notation "US" .

id:topic\\/integrated-deterrence a skos:Concept ; skos:prefLabel "integrated deterrence" ;
    rdfs:label "integrated deterrence" ; skos:inScheme ak:TopicScheme .
id:event-type\\/consult a skos:Concept ; skos:prefLabel "Consult" ; rdfs:label "Consult" ;
    skos:notation "CONSULT" ; skos:inScheme ak:EventTypeScheme .
ak:TopicScheme a skos:ConceptScheme ; skos:prefLabel "Alliance topics" .
ak:EventTypeScheme a skos:ConceptScheme ; skos:prefLabel "Event types" .
"""


def expected_graph(text: str) -> Graph:
    turtle = EXPECTED.replace("BASE", base()).replace("DESCRIPTION", text)
    return Graph().parse(data=turtle, format="turtle")


def describe_difference(built: Graph, expected: Graph) -> str:
    _, only_built, only_expected = graph_diff(to_isomorphic(built), to_isomorphic(expected))
    lines = [f"built only: {t}" for t in sorted(only_built)]
    return "\n".join(lines + [f"expected only: {t}" for t in sorted(only_expected)])


def test_build_gives_the_documented_graph(meeting_extraction):
    extraction = meeting_extraction()
    built = build_graph(extraction)
    expected = expected_graph(extraction.events[0].text)
    assert isomorphic(built, expected), describe_difference(built, expected)


def test_the_digest_keeps_its_own_triples_and_the_entity_descriptions_come_apart(meeting_extraction):
    extraction = meeting_extraction()
    built = build_triples(extraction)
    expected = set(expected_graph(extraction.events[0].text))
    # The digest, its events and mentions, and where and when each role is attested.
    digest_part = {(s, p, o) for s, p, o in expected
                   if s.startswith(str(digest_iri(extraction.digest))) or p in (AK.attestedIn, AK.attestedOn)}
    assert built.digest == digest_part
    assert built.descriptions == expected - digest_part
    assert (mint("person", "yasukazu-hamada"), RDFS.label, Literal("Yasukazu Hamada")) in built.descriptions


def test_graph_is_named_after_its_digest(meeting_extraction):
    graph = build_graph(meeting_extraction(volume="2.1", published="2023-01"))
    assert graph.identifier == mint("digest", "US-Japan Alliance Digest", "2.1")


def test_same_input_gives_same_triples_without_blank_nodes(meeting_extraction):
    first, second = build_graph(meeting_extraction()), build_graph(meeting_extraction())
    assert set(first) == set(second)
    assert not any(isinstance(term, BNode) for triple in first for term in triple)


def test_iris_follow_the_base(meeting_extraction, monkeypatch):
    build_graph(meeting_extraction())  # IRIs minted (and cached) under the default base first
    monkeypatch.setenv("KG_BASE", "http://example.org/kg")
    graph = build_graph(meeting_extraction())
    subjects = {str(s) for s in graph.subjects() if not str(s).startswith(str(AK))}
    assert subjects and all(s.startswith("http://example.org/kg/") for s in subjects)


def test_one_node_per_person_across_digests(meeting_extraction):
    first = build_graph(meeting_extraction("1.17", "2022-09", "2022-09-14", "September 14"))
    second = build_graph(meeting_extraction("2.1", "2023-01", "2023-01-11", "January 11"))
    persons_in = [set(g.subjects(RDF.type, FOAF.Person)) for g in (first, second)]
    both = {mint("person", "yasukazu-hamada"), mint("person", "lloyd-austin")}
    assert persons_in[0] == persons_in[1] == both
    events = set(first.subjects(RDF.type, SEM.Event))
    assert events.isdisjoint(second.subjects())


@pytest.mark.parametrize(
    ("value", "datatype"),
    [("2022-09-14", XSD.date), ("2022-09", XSD.gYearMonth), ("2022", XSD.gYear)],
)
def test_dates_are_typed_by_precision(value, datatype):
    assert date_literal(value) == Literal(value, datatype=datatype)


@pytest.mark.parametrize("value", ["September 2022", "2022-13-01", "2022-02-30", "22-09"])
def test_bad_dates_are_input_errors(value):
    with pytest.raises(InputError, match="not an ISO date"):
        date_literal(value, "vol-1.17.txt")


def test_span_not_matching_the_text_names_the_file(meeting_extraction):
    extraction = meeting_extraction()
    extraction.events[0].persons[0].spans = [Span(0, 6, "Hamada")]
    with pytest.raises(InputError, match=r"us-japan-alliance-digest-vol-1.17.txt, event 1: span 0-6"):
        build_graph(extraction)


def test_nationality_outside_the_event_countries_still_gets_a_labelled_country(meeting_extraction):
    extraction = meeting_extraction()
    extraction.events[0].persons[1].country = "AU"
    graph = build_graph(extraction)
    australia = mint("country", "AU")
    assert (australia, RDF.type, AK.Country) in graph
    assert graph.value(australia, RDFS.label) == Literal("Australia")
    assert graph.value(australia, SKOS.notation) == Literal("AU")


def test_every_ak_term_in_a_built_graph_is_documented(meeting_extraction):
    ontology = ontology_graph()
    used = {
        term for triple in build_graph(meeting_extraction()) for term in triple
        if isinstance(term, URIRef) and str(term).startswith(str(AK))
    }
    assert used
    for term in used:
        assert ontology.value(term, RDFS.label) is not None, f"{term} has no label in alliance.ttl"
        assert ontology.value(term, RDFS.comment) is not None, f"{term} has no comment in alliance.ttl"
