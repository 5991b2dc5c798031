"""Selecting subgraphs from a store: by entity and hops, by country/topic/type/digest/dates, by
SPARQL; closed results; clear errors for unknown entities and empty selections."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from selection_fixture import XSS, make_store

from kg.errors import QueryError, SelectionError
from kg.iri import ITSRDF, NIF, SEM, mint
from kg.select import LINK_PREDICATES, Criteria, events_in, resolve, select

SERIES = "US-Japan Alliance Digest"


def event(volume: str, position: int) -> str:
    return str(mint("event", SERIES, volume, position))


def person(key: str) -> URIRef:
    return mint("person", key)


@pytest.fixture(scope="module")
def store():
    return make_store()


def events(graph: Graph) -> set[str]:
    return set(events_in(graph))


def linked(graph: Graph) -> set[URIRef]:
    return {o for p in LINK_PREDICATES for o in graph.objects(None, URIRef(p))}


def plain(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


@pytest.mark.parametrize("reference", ["Kishida", "kishida", "KISHIDA", "fumio kishida",
                                       "Fumio Kishida", str(mint("person", "fumio-kishida"))])
def test_an_entity_is_found_by_label_alias_or_iri_in_any_case(store, reference):
    assert resolve(store, reference) == [person("fumio-kishida")]
    assert events(select(store, entities=[reference])) == {event("2.1", 1), event("2.5", 1)}


def test_an_organization_is_found_by_its_acronym(store):
    assert events(select(store, entities=["indopacom"], hops=1)) == {event("1.17", 1), event("2.1", 2)}


def test_one_hop_is_the_entity_and_its_events_only(store):
    graph = select(store, entities=["Kishida"], hops=1)
    assert linked(graph) == {person("fumio-kishida")}
    # the mentions kept are those of the entity (and the dates), not of the dropped co-actors
    targets = set(graph.objects(None, ITSRDF.taIdentRef))
    assert targets == {person("fumio-kishida")}


def test_two_hops_is_the_ego_network_with_labels_of_everything_reached(store):
    graph = select(store, entities=["Kishida"], hops=2)
    reached = linked(graph)
    expected = {person("joe-biden"), person("yoon-suk-yeol"), mint("place", "seoul"), mint("country", "KR")}
    assert expected <= reached
    for entity in reached:  # closed: every entity reached carries its label and its type
        assert graph.value(entity, RDFS.label) is not None, entity
        assert graph.value(entity, RDF.type) is not None, entity
    assert graph.value(person("fumio-kishida"), SKOS.altLabel).toPython() == "Kishida"
    assert (person("fumio-kishida"), URIRef("http://www.w3.org/2002/07/owl#sameAs"),
            URIRef("http://www.wikidata.org/entity/Q1323990")) in graph
    # the digests the events come from are described too
    assert graph.value(mint("digest", SERIES, "2.5"), URIRef("http://purl.org/dc/terms/title")) is not None


def test_three_hops_reach_other_events_of_co_actors_but_not_their_new_links(store):
    two = select(store, entities=["Hamada"], hops=2)
    three = select(store, entities=["Hamada"], hops=3)
    four = select(store, entities=["Hamada"], hops=4)
    assert events(two) == {event("1.17", 2), event("2.1", 2)}
    # INDOPACOM (a co-actor) also held an exercise with South Korea
    assert events(three) == events(four) == events(two) | {event("1.17", 1)}
    assert mint("country", "KR") not in linked(three)
    assert mint("country", "KR") in linked(four)
    assert mint("place", "yellow-sea") in linked(four)


def test_hops_do_not_travel_through_countries(store):
    # Japan is linked to every Japanese event; going through it would select nearly everything
    assert event("2.5", 2) not in events(select(store, entities=["Biden"], hops=3))


def test_hops_out_of_range_are_refused(store):
    with pytest.raises(SelectionError, match="hops"):
        select(store, entities=["Kishida"], hops=7)


def test_criteria_combine_with_and(store):
    graph = select(store, countries=["Japan"], event_types=["exercise"], date_from="2023", date_to="2023")
    assert events(graph) == {event("2.1", 2)}
    assert events(select(store, countries=["JP"], date_from="2023-03")) == {event("2.5", 1), event("2.5", 2)}
    assert events(select(store, countries=["jp", "kr"])) == {event("2.5", 1)}
    assert events(select(store, entities=["Kishida"], countries=["South Korea"])) == {event("2.5", 1)}


def test_dates_follow_the_earliest_full_date_else_the_digest_month(store):
    # 1.17 event 1 only says "September 2022": it counts in its digest's month, October 2022
    october = select(store, date_from="2022-10", date_to="2022-10")
    assert events(october) == {event("1.17", 1), event("1.17", 2)}
    with pytest.raises(SelectionError, match="no events match"):
        select(store, date_from="2022-09-01", date_to="2022-09-30")


def test_an_event_counts_in_the_year_of_its_own_date_not_its_digest(store):
    from selection_fixture import JP, _digest, _event

    from kg.ingest import ingest_extractions
    from kg.store import Store

    text = "Japan reviewed its plans on December 28 and again on January 2."
    new_year = Store.in_memory()
    assert ingest_extractions(new_year, [_digest("9.1", "2024-01", [
        _event(1, "Dated late 2023", text, countries=[JP], dates=[("2023-12-28", ("December 28",))]),
        _event(2, "Undated", text, countries=[JP]),
        _event(3, "Dated on both sides", text, countries=[JP],
               dates=[("2024-01-02", ("January 2",)), ("2023-12-28", ("December 28",))]),
    ])]).ok
    assert events(select(new_year, countries=["JP"], date_from="2023", date_to="2023")) == {
        event("9.1", 1), event("9.1", 3)}
    assert events(select(new_year, date_from="2024-01")) == {event("9.1", 2)}


def test_a_selection_for_drawing_labels_and_types_every_node_and_reads_no_more(store):
    graph = select(store, entities=["Kishida"], hops=2, provenance=False, drawing=True)
    assert events(graph) == {event("2.1", 1), event("2.5", 1)}
    for entity in linked(graph):
        assert graph.value(entity, RDFS.label) is not None, entity
        assert graph.value(entity, RDF.type) is not None, entity
    assert graph.value(person("fumio-kishida"), SKOS.altLabel) is None  # drawn pages show no aliases
    assert graph.value(mint("digest", SERIES, "2.5"), URIRef("http://purl.org/dc/terms/title")) is not None


def test_by_topic_and_by_digest(store):
    assert events(select(store, topics=["Missile Launches"])) == {event("1.17", 1), event("2.5", 1)}
    assert events(select(store, digests=["2.5"])) == {event("2.5", 1), event("2.5", 2)}


def test_a_whole_digest_selected_holds_its_events_and_mentions_as_stored(store):
    selection = plain(select(store, digests=["2.5"]))
    digest = mint("digest", SERIES, "2.5")
    stored = store.graph(digest)
    own = {digest} | set(stored.subjects(RDF.type, SEM.Event)) | set(stored.subjects(RDF.type, NIF.Phrase))
    expected = {t for t in stored if t[0] in own}
    assert expected <= set(selection)
    assert set(selection.subjects(RDF.type, SEM.Event)) == set(stored.subjects(RDF.type, SEM.Event))
    assert {t for t in selection if t[0] in own} == expected  # nothing else said about them


def test_every_link_to_a_named_entity_is_backed_by_a_mention(store):
    graph = select(store, entities=["Kishida"])
    for event_node, entity in graph.subject_objects(SEM.hasActor):
        mentions = set(graph.subjects(ITSRDF.taIdentRef, entity)) & set(
            graph.subjects(NIF.referenceContext, event_node))
        assert mentions, (event_node, entity)


def test_provenance_can_be_left_out(store):
    graph = select(store, entities=["Kishida"], provenance=False)
    assert not set(graph.subjects(RDF.type, NIF.Phrase))
    assert events(graph) == {event("2.1", 1), event("2.5", 1)}


def test_a_select_query_gives_the_seeds(store):
    query = 'SELECT ?p WHERE { ?p a foaf:Person ; rdfs:label "Lloyd Austin" }'
    assert events(select(store, sparql=query)) == {event("2.1", 2)}


def test_a_construct_query_is_closed_with_labels(store):
    query = "CONSTRUCT { ?e sem:hasActor ?p } WHERE { ?e sem:hasActor ?p . ?p a foaf:Person }"
    graph = select(store, sparql=query)
    assert graph.value(person("yoon-suk-yeol"), RDFS.label).toPython() == "Yoon Suk Yeol"
    assert graph.value(person("xss"), RDFS.label).toPython() == XSS
    with pytest.raises(SelectionError, match="CONSTRUCT"):
        select(store, sparql=query, countries=["Japan"])


def test_a_bad_query_is_a_query_error(store):
    with pytest.raises(QueryError, match="does not parse"):
        select(store, sparql="SELECT WHERE {")


def test_an_unknown_entity_suggests_the_nearest_labels(store):
    with pytest.raises(SelectionError) as raised:
        select(store, entities=["Kishda"])
    assert "Kishida" in raised.value.suggestions
    assert "Did you mean" in str(raised.value)
    with pytest.raises(SelectionError, match=r"no country is called 'Japn'.*Japan"):
        select(store, countries=["Japn"])


def test_a_bad_date_is_refused(store):
    with pytest.raises(SelectionError, match="not a date"):
        select(store, date_from="last spring")


def test_criteria_describe_themselves():
    text = Criteria(entities=["Kishida"], countries=["JP"], date_from="2023").describe()
    assert text == "entity 'Kishida' AND country 'JP' AND dates 2023 to ..."


def test_hops_that_reach_too_many_events_stop_with_a_message(store, monkeypatch):
    monkeypatch.setattr("kg.select.MAX_EXPANDED_EVENTS", 2)
    with pytest.raises(SelectionError, match=r"3 hops from 'Hamada' reach 3 events .*fewer hops"):
        select(store, entities=["Hamada"], hops=3)


# --- on the bundled real digests -------------------------------------------------------------


@pytest.fixture(scope="module")
def real_store():
    from kg.ingest import ingest
    from kg.resources import resource
    from kg.store import Store

    store = Store.in_memory()
    report = ingest(store, [resource("data", "digests")])
    assert report.ok, report.failures
    return store


def test_real_digests_select_kishida_with_the_words_that_name_him(real_store):
    graph = select(real_store, entities=["kishida"], hops=2)
    kishida = resolve(real_store, "Kishida")
    assert len(kishida) == 1
    selected = events(graph)
    assert len(selected) >= 5
    for event_node in selected:
        words = [str(graph.value(m, NIF.anchorOf)) for m in graph.subjects(ITSRDF.taIdentRef, kishida[0])
                 if (m, NIF.referenceContext, URIRef(event_node)) in graph]
        assert any("kishida" in w.lower() for w in words), (event_node, words)


def test_real_digests_japan_in_a_year(real_store):
    everything = events(select(real_store, countries=["Japan"]))
    one_year = events(select(real_store, countries=["Japan"], date_from="2023", date_to="2023"))
    assert one_year and one_year < everything
