"""The benchmark's synthetic generator: at tiny scale, the graphs it makes have the real shape."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from bench.synthetic import EVENTS_PER_DIGEST, extraction, extractions, nquads_lines, write_nquads
from kg.build import build_graph, build_triples, digest_iri, entities_graph_iri
from kg.validate import validate


def test_events_have_the_shape_of_digest_events() -> None:
    generated = list(extractions(20))
    assert len(generated) == 4
    for item in generated:
        assert len(item.events) == EVENTS_PER_DIGEST
        for event in item.events:
            assert 2 <= len(event.persons) + len(event.organizations) <= 5
            assert 1 <= len(event.places) <= 3
            assert 1 <= len(event.dates) <= 3
            assert 2 <= len(event.topics) <= 5
            assert event.countries and event.event_type is not None
            assert 500 <= len(event.text) <= 700
            entities = [*event.persons, *event.organizations, *event.countries, *event.places,
                        *event.topics, event.event_type]
            for span in [s for e in entities for s in e.spans] + [s for d in event.dates for s in d.spans]:
                assert event.text[span.begin:span.end] == span.text


def test_a_digest_depends_only_on_seed_and_index() -> None:
    assert extraction(3, 10).to_record() == extraction(3, 10).to_record()
    assert extraction(3, 10).to_record() != extraction(4, 10).to_record()
    assert extraction(3, 10, seed=8).to_record() != extraction(3, 10).to_record()


def test_a_few_persons_are_busy() -> None:
    counts: dict[str, int] = {}
    for item in extractions(2000):
        for event in item.events:
            for person in event.persons:
                counts[person.key] = counts.get(person.key, 0) + 1
    ranked = sorted(counts.values(), reverse=True)
    assert ranked[0] > 20 * ranked[len(ranked) // 2]


def test_nquads_are_the_digest_graph_and_the_entities_graph() -> None:
    item = extraction(0, 2)
    dataset = Dataset()
    dataset.parse(data=nquads_lines(item), format="nquads")
    name, entities = digest_iri(item.digest), entities_graph_iri()
    assert {g.identifier for g in dataset.graphs() if len(g)} == {name, entities}
    built = build_triples(item)
    assert set(dataset.graph(name)) == built.digest
    assert set(dataset.graph(entities)) == built.descriptions
    together = Graph()
    for triple in built.digest | built.descriptions:
        together.add(triple)
    assert isomorphic(together, build_graph(item))
    assert validate(build_graph(item)).conforms
    described: set = set()
    nquads_lines(item, described)
    assert entities.n3() not in nquads_lines(item, described)  # descriptions written once


def test_written_file_loads_into_oxigraph_and_is_reused(tmp_path: Path) -> None:
    first = write_nquads(12, out=tmp_path)
    assert not first.cached
    store = ox.Store()
    store.bulk_load(path=str(first.path), format=ox.RdfFormat.N_QUADS)
    assert 0 < len(store) <= first.quads
    graphs = {g.value for g in store.named_graphs()}
    digests = {str(digest_iri(e.digest)) for e in extractions(12)}
    assert graphs == digests | {str(entities_graph_iri())}
    assert len(digests) == 3  # 12 events round up to whole 5-event digests
    events = store.query("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { GRAPH ?g { ?e a "
                         "<http://semanticweb.cs.vu.nl/2009/11/sem/Event> } }")
    assert int(next(iter(events))["n"].value) == 15
    again = write_nquads(12, out=tmp_path)
    assert again.cached and again.path == first.path and again.quads == first.quads
