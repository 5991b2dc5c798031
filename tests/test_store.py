from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from kg.build import build_graph, build_triples, digest_iri
from kg.errors import StoreError
from kg.iri import mint
from kg.store import Store, to_oxigraph


def test_reading_a_missing_store_tells_the_user_to_ingest(store_dir):
    with pytest.raises(StoreError, match="run `kg ingest` first"):
        Store.open(store_dir)
    assert not store_dir.exists()


def test_a_folder_that_is_not_a_store_is_refused_by_name(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a database")
    with pytest.raises(StoreError, match=f"{folder} is not an Alliance KG store"):
        Store.open(folder, create=True)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_file_is_not_a_store(tmp_path):
    path = tmp_path / "kg-data"
    path.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        Store.open(path, create=True)


def test_a_store_already_open_gives_a_clean_error(store_dir):
    with Store.open(store_dir, create=True), pytest.raises(StoreError, match="cannot open the store"):
        Store.open(store_dir)


def test_graphs_persist_across_reopening(store_dir, meeting_extraction):
    graph = build_graph(meeting_extraction())
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({graph.identifier: graph})
    with Store.open(store_dir) as store:
        assert isomorphic(store.graph(graph.identifier), graph)
        assert [d.volume for d in store.digests()] == ["1.17"]


def test_replacing_the_same_graph_changes_no_triple_count(store_dir, meeting_extraction):
    graph = build_graph(meeting_extraction())
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({graph.identifier: graph})
        before = len(store)
        store.replace_graphs({graph.identifier: build_graph(meeting_extraction())})
        assert len(store) == before == len(graph)


def test_replacing_a_digest_drops_its_old_triples(store_dir, meeting_extraction):
    old = build_graph(meeting_extraction(day="2022-09-14", words="September 14"))
    new = build_graph(meeting_extraction(day="2022-09-15", words="September 15"))
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({old.identifier: old})
        store.replace_graphs({new.identifier: new})
        stored = store.graph(new.identifier)
    assert isomorphic(stored, new)
    assert not any("September 14" in str(o) for o in stored.objects())


def test_a_failed_write_leaves_the_store_as_it_was(store_dir, meeting_extraction):
    first = build_graph(meeting_extraction("1.17"))
    second = build_graph(meeting_extraction("2.1", "2023-01", "2023-01-11", "January 11"))
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({first.identifier: first})
        before = set(store.oxigraph)
        broken = Graph(identifier=second.identifier)
        broken += second
        broken.add((URIRef("https://alliance-kg.org/id/person/bad iri"), DCTERMS.title, Literal("x")))
        with pytest.raises(StoreError, match="cannot store graph"):
            store.replace_graphs({first.identifier: Graph(), second.identifier: broken})
        assert set(store.oxigraph) == before


def test_queries_see_the_union_of_digest_graphs(store_dir, meeting_extraction):
    graphs = [build_graph(meeting_extraction(v, p, d, w)) for v, p, d, w in (
        ("1.17", "2022-09", "2022-09-14", "September 14"), ("2.1", "2023-01", "2023-01-11", "January 11"))]
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({g.identifier: g for g in graphs})
        rows = store.rows("SELECT (COUNT(DISTINCT ?e) AS ?n) (COUNT(DISTINCT ?p) AS ?persons) "
                          "WHERE { ?e a sem:Event ; sem:hasActor ?p }")
    assert (int(rows[0]["n"]), int(rows[0]["persons"])) == (2, 2)


def test_digests_are_listed_in_volume_order_and_can_be_dropped(store_dir, meeting_extraction):
    volumes = ["1.10", "2.1", "1.2"]
    graphs = [build_graph(meeting_extraction(v)) for v in volumes]
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({g.identifier: g for g in graphs})
        assert [d.volume for d in store.digests()] == ["1.2", "1.10", "2.1"]
        store.drop_graphs([mint("digest", "US-Japan Alliance Digest", "1.10")])
        assert [d.volume for d in store.digests()] == ["1.2", "2.1"]


def test_stats_count_per_digest_and_distinct_totals(store_dir, meeting_extraction):
    extractions = [meeting_extraction(v, p, d, w) for v, p, d, w in (
        ("1.17", "2022-09", "2022-09-14", "September 14"), ("2.1", "2023-01", "2023-01-11", "January 11"))]
    built = [build_triples(extraction) for extraction in extractions]
    descriptions = built[0].descriptions | built[1].descriptions
    with Store.open(store_dir, create=True) as store:  # laid out as `kg ingest` lays it out
        graphs = {digest_iri(e.digest): b.digest for e, b in zip(extractions, built, strict=True)}
        store.replace_graphs({**graphs, mint("graph", "entities"): descriptions})
        stats = store.stats()
    first = stats.digests[0]
    assert (first.title, first.published) == ("US-Japan Alliance Digest Vol 1.17", "2022-09")
    assert first.counts == {"events": 1, "persons": 2, "organizations": 0, "countries": 2, "places": 1,
                            "dates": 1, "mentions": 7, "triples": len(built[0].digest)}
    assert stats.totals["persons"] == 2  # the same two persons in both digests
    assert stats.totals["events"] == stats.totals["dates"] == 2
    assert stats.entity_triples == len(descriptions)
    digest_triples = len(built[0].digest) + len(built[1].digest)
    assert stats.totals["triples"] == stats.quads == digest_triples + len(descriptions)


class FailingHalfway:
    """A pyoxigraph store whose bulk load writes half of its quads, then fails like a full disk."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __iter__(self):
        return iter(self.real)

    def bulk_load(self, data, format):
        lines = data.splitlines()
        self.real.bulk_load("\n".join(lines[: len(lines) // 2]), format=format)
        raise OSError("No space left on device")


def test_a_write_failing_halfway_is_rolled_back(store_dir, meeting_extraction):
    first = build_graph(meeting_extraction("1.17"))
    changed = build_graph(meeting_extraction("1.17", day="2022-09-15", words="September 15"))
    second = build_graph(meeting_extraction("2.1", "2023-01", "2023-01-11", "January 11"))
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({first.identifier: first})
        before = set(store.oxigraph)
        store.oxigraph = FailingHalfway(store.oxigraph)
        with pytest.raises(StoreError, match="No space left on device; the store was left as it was"):
            store.replace_graphs({changed.identifier: changed, second.identifier: second})
        assert set(store.oxigraph) == before
        assert [d.volume for d in store.digests()] == ["1.17"]
    assert sorted(p.name for p in store_dir.parent.iterdir()) == ["store"]


def test_a_write_cut_off_by_a_crash_is_undone_on_reopening(store_dir, meeting_extraction):
    first = build_graph(meeting_extraction("1.17"))
    second = build_graph(meeting_extraction("2.1", "2023-01", "2023-01-11", "January 11"))
    store = Store.open(store_dir, create=True)
    store.replace_graphs({first.identifier: first})
    before = set(store.oxigraph)
    write = store._rollback_point([second.identifier])
    write.__enter__()  # a write starts ...
    quads = "\n".join(f"{s.n3()} {p.n3()} {o.n3()} <{second.identifier}> ." for s, p, o in second)
    store.oxigraph.bulk_load(quads, format=pyoxigraph.RdfFormat.N_QUADS)
    store.close()  # ... and the process dies before it finishes
    with Store.open(store_dir) as reopened:
        assert set(reopened.oxigraph) == before
    assert sorted(p.name for p in store_dir.parent.iterdir()) == ["store"]


def test_a_write_in_progress_is_not_undone_by_another_opener(store_dir, meeting_extraction):
    graph = build_graph(meeting_extraction())
    with Store.open(store_dir, create=True) as writer:
        write = writer._rollback_point([graph.identifier])
        write.__enter__()
        writer.oxigraph.extend(pyoxigraph.Quad(*map(to_oxigraph, triple), to_oxigraph(graph.identifier))
                               for triple in graph)
        with pytest.raises(StoreError, match="is another kg process using it"):
            Store.open(store_dir)
        write.__exit__(None, None, None)  # the write finishes
        assert len(writer) == len(graph)
    assert sorted(p.name for p in store_dir.parent.iterdir()) == ["store"]


def test_a_read_only_store_reads_and_closes(store_dir, meeting_extraction):
    graph = build_graph(meeting_extraction())
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({graph.identifier: graph})
    with Store.open(store_dir, read_only=True) as store:
        assert [d.volume for d in store.digests()] == ["1.17"]
        assert store.stats().quads == len(graph)
        with pytest.raises(StoreError, match="opened read-only"):
            store.replace_graphs({graph.identifier: graph})


def test_a_graph_changed_in_place_keeps_its_other_triples(store_dir):
    graph, other = mint("graph", "summary"), mint("graph", "entities")
    node = URIRef("https://example.org/count")
    weight = URIRef("https://example.org/weight")
    kept = (node, DCTERMS.title, Literal("kept"))
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({graph: [kept, (node, weight, Literal(1))], other: [kept]})
        store.update_graphs(add={graph: [(node, weight, Literal(2))]},
                            remove={graph: [(node, weight, Literal(1))]})
        assert set(store.graph(graph)) == {kept, (node, weight, Literal(2))}
        assert set(store.graph(other)) == {kept}


def test_a_failed_change_in_place_leaves_the_graph_as_it_was(store_dir):
    graph = mint("graph", "summary")
    node = URIRef("https://example.org/count")
    with Store.open(store_dir, create=True) as store:
        store.replace_graphs({graph: [(node, DCTERMS.title, Literal("one"))]})
        before = set(store.oxigraph)
        with pytest.raises(StoreError, match="left as it was"):
            store.update_graphs(remove={graph: [(node, DCTERMS.title, Literal("one"))]},
                                add={graph: [(node, DCTERMS.title, URIRef("not an IRI"))]})
        assert set(store.oxigraph) == before
