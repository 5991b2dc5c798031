from __future__ import annotations

import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD

from kg.build import build_graph
from kg.iri import NIF, SEM, mint
from kg.validate import validate

SERIES = "US-Japan Alliance Digest"
EVENT = mint("event", SERIES, "1.17", 1)
HAMADA_MENTION = mint("mention", SERIES, "1.17", 1, 17, 23)
HAMADA = mint("person", "yasukazu-hamada")


def test_a_built_graph_conforms(meeting_extraction):
    report = validate(build_graph(meeting_extraction()))
    assert report.conforms, report.violations
    assert report.violations == []


def break_second_label(graph):
    graph.add((EVENT, RDFS.label, Literal("A second headline")))


def break_offsets(graph):
    graph.set((HAMADA_MENTION, NIF.beginIndex, Literal(23)))


def break_negative_offset(graph):
    graph.set((HAMADA_MENTION, NIF.beginIndex, Literal(-1)))


def break_anchor(graph):
    graph.set((HAMADA_MENTION, NIF.anchorOf, Literal("Hamadx")))


def break_missing_anchor(graph):
    graph.remove((HAMADA_MENTION, NIF.anchorOf, None))


def break_timestamp(graph):
    graph.add((EVENT, SEM.hasTimeStamp, Literal("mid-September")))


def break_datetime_timestamp(graph):
    graph.add((EVENT, SEM.hasTimeStamp, Literal("2022-09-14T10:00:00", datatype=XSD.dateTime)))


def break_person_label(graph):
    graph.remove((HAMADA, RDFS.label, None))


def break_provenance(graph):
    graph.remove((EVENT, PROV.wasDerivedFrom, None))


def break_description(graph):
    graph.add((EVENT, DCTERMS.description, Literal("a second text")))


def break_actor(graph):
    graph.add((EVENT, SEM.hasActor, mint("place", "washington-dc")))


@pytest.mark.parametrize(
    ("breakage", "focus", "expected"),
    [
        (break_second_label, "event/1 rdfs:label", "one headline as its label, or none"),
        (break_offsets, "mention/17-23 nif:beginIndex", "begin offset is a non-negative integer below"),
        (break_negative_offset, "mention/17-23 nif:beginIndex", "non-negative"),
        (break_anchor, "1.17: a mention's words are not the event text",
         "(value: digest/us-japan-alliance-digest/1.17/event/1/mention/17-23)"),
        (break_missing_anchor, "mention/17-23 nif:anchorOf", "exact words"),
        (break_timestamp, "event/1 sem:hasTimeStamp", "xsd:date, xsd:gYearMonth or xsd:gYear"),
        (break_datetime_timestamp, "event/1 sem:hasTimeStamp", "xsd:date, xsd:gYearMonth or xsd:gYear"),
        (break_person_label, "person/yasukazu-hamada rdfs:label", "a person has a name"),
        (break_provenance, "event/1 prov:wasDerivedFrom", "derived from exactly one digest"),
        (break_description, "event/1 dcterms:description", "exactly one description"),
        (break_actor, "event/1 sem:hasActor", "persons or organizations"),
    ],
)
def test_each_broken_rule_gives_a_readable_violation(meeting_extraction, breakage, focus, expected):
    graph = build_graph(meeting_extraction())
    breakage(graph)
    report = validate(graph)
    assert not report.conforms
    assert any(focus in line and expected in line for line in report.violations), report.violations


def test_violation_lines_name_node_path_and_value(meeting_extraction):
    graph = build_graph(meeting_extraction())
    break_timestamp(graph)
    (line,) = validate(graph).violations
    assert line == ("digest/us-japan-alliance-digest/1.17/event/1 sem:hasTimeStamp: a timestamp must be an "
                    'xsd:date, xsd:gYearMonth or xsd:gYear (value: "mid-September")')


def test_an_untyped_person_is_not_checked_as_a_person(meeting_extraction):
    graph = build_graph(meeting_extraction())
    graph.remove((HAMADA, RDF.type, FOAF.Person))
    graph.remove((HAMADA, RDFS.label, None))
    # The event's actor is now neither a person nor an organization: still caught.
    assert any("persons or organizations" in line for line in validate(graph).violations)
