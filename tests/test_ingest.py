from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, XSD

import kg.ingest
from kg.build import ontology_graph
from kg.cli import cli
from kg.errors import StoreError
from kg.ingest import check_store, ingest_extractions
from kg.iri import AK, SEM, mint
from kg.model import Entity
from kg.resources import resource
from kg.store import Store
from kg.validate import validate

HAMADA, AUSTIN = mint("person", "yasukazu-hamada"), mint("person", "lloyd-austin")
JP, US = mint("country", "JP"), mint("country", "US")
SUMMARY, ENTITIES = mint("graph", "summary"), mint("graph", "entities")


@pytest.fixture
def two_meetings(meeting_extraction):
    return [meeting_extraction("1.17", "2022-09", "2022-09-14", "September 14"),
            meeting_extraction("2.1", "2023-01", "2023-01-11", "January 11")]


def test_summary_graph_counts_co_occurrences_months_and_events(store_dir, two_meetings):
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings)
        summary = store.graph(SUMMARY)
    persons = mint("cooccurrence", "person", "yasukazu-hamada", "lloyd-austin")
    assert set(summary.objects(persons, AK.member)) == {HAMADA, AUSTIN}
    assert summary.value(persons, AK.weight) == Literal(2)
    assert summary.value(mint("cooccurrence", "country", "US", "JP"), AK.weight) == Literal(2)
    for month in ("2022-09", "2023-01"):
        count = mint("monthly_count", "JP", month)
        assert summary.value(count, AK.month) == Literal(month, datatype=XSD.gYearMonth)
        assert summary.value(count, AK.weight) == Literal(1)
    assert summary.value(HAMADA, AK.eventCount) == Literal(2)
    assert summary.value(mint("place", "washington-dc"), AK.eventCount) == Literal(2)
    assert validate(summary).conforms


def test_an_event_without_a_full_date_counts_in_its_publication_month(store_dir, meeting_extraction):
    extraction = meeting_extraction("1.17", "2022-09", "2022-08", "August")
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, [extraction])
        summary = store.graph(SUMMARY)
    assert summary.value(mint("monthly_count", "US", "2022-09"), AK.weight) == Literal(1)
    assert (mint("monthly_count", "US", "2022-08"), None, None) not in summary


def test_reingesting_changes_no_triple_count(store_dir, two_meetings, meeting_extraction):
    with Store.open(store_dir, create=True) as store:
        first = ingest_extractions(store, two_meetings)
        before, summary_before = len(store), store.graph(SUMMARY)
        again = ingest_extractions(store, [meeting_extraction()])
        assert len(store) == before
        assert set(store.graph(SUMMARY)) == set(summary_before)
    assert [d.replaced for d in first.digests] == [False, False]
    assert [d.replaced for d in again.digests] == [True]


def test_replacing_a_digest_updates_the_summary(store_dir, two_meetings, meeting_extraction):
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings)
        ingest_extractions(store, [meeting_extraction("2.1", "2023-02", "2023-02-03", "February 3")])
        summary = store.graph(SUMMARY)
    assert (mint("monthly_count", "JP", "2023-01"), None, None) not in summary
    assert summary.value(mint("monthly_count", "JP", "2023-02"), AK.weight) == Literal(1)
    assert summary.value(HAMADA, AK.eventCount) == Literal(2)


def test_counts_and_labels_see_each_entity_once(store_dir, two_meetings):
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings)
        (count,) = store.rows("SELECT (COUNT(*) AS ?n) WHERE { ?p a foaf:Person }")
        labels = store.rows("SELECT ?p ?label WHERE { ?p a foaf:Person ; rdfs:label ?label }")
        actors = store.rows("SELECT ?event ?label WHERE { ?event sem:hasActor ?a . ?a rdfs:label ?label }")
        quads, triples = len(store), len({quad.triple for quad in store.oxigraph})
    assert count["n"] == Literal(2)  # Hamada and Austin, named by both digests
    assert sorted(str(row["label"]) for row in labels) == ["Lloyd Austin", "Yasukazu Hamada"]
    assert len(actors) == 4  # two actors in each of the two events
    assert quads == triples, "a triple stored in two graphs is counted twice by union queries"


def _without_austin(extraction):
    event = extraction.events[0]
    event.persons = [person for person in event.persons if person.key != "lloyd-austin"]
    return extraction


def test_replacing_digests_keeps_the_entities_graph_to_what_events_name(store_dir, two_meetings,
                                                                         meeting_extraction):
    austin_role = mint("role", "defense-secretary")
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings)
        ingest_extractions(store, [_without_austin(meeting_extraction())])  # 1.17 no longer names him
        still_named = store.graph(ENTITIES)
        ingest_extractions(store, [_without_austin(meeting_extraction("2.1", "2023-01", "2023-01-11",
                                                                      "January 11"))])
        unnamed = store.graph(ENTITIES)
        (count,) = store.rows("SELECT (COUNT(*) AS ?n) WHERE { ?p a foaf:Person }")
        assert check_store(store) and all(report.conforms for _, report in check_store(store))
    assert still_named.value(AUSTIN, RDFS.label) == Literal("Lloyd Austin")  # 2.1 still names him
    assert (austin_role, RDFS.label, Literal("Defense Secretary")) in still_named
    assert (AUSTIN, None, None) not in unnamed and (austin_role, None, None) not in unnamed
    assert (mint("membership", "lloyd-austin", "defense-secretary"), None, None) not in unnamed
    assert unnamed.value(HAMADA, RDFS.label) == Literal("Yasukazu Hamada")
    assert unnamed.value(US, RDFS.label) == Literal("United States")  # Washington is still there
    assert count["n"] == Literal(1)


def test_the_entities_graph_is_the_same_whatever_the_order_of_ingestion(tmp_path, two_meetings):
    graphs = []
    for name, order in (("forward", two_meetings), ("backward", two_meetings[::-1])):
        with Store.open(tmp_path / name, create=True) as store:
            for extraction in order:
                ingest_extractions(store, [extraction])
            ingest_extractions(store, [order[0]])  # and once more
            graphs.append(set(store.graph(ENTITIES)))
    assert graphs[0] == graphs[1]
    assert (HAMADA, RDFS.label, Literal("Yasukazu Hamada")) in graphs[0]


def test_a_failed_write_of_the_entities_graph_leaves_the_store_as_it_was(store_dir, two_meetings,
                                                                        monkeypatch):
    real_entities_changes = kg.ingest.entities_changes

    def unstorable(*args):
        changes = real_entities_changes(*args)
        changes.add.add((HAMADA, RDFS.label, URIRef("not an IRI")))
        return changes

    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings[:1])
        before = set(store.oxigraph)
        monkeypatch.setattr(kg.ingest, "entities_changes", unstorable)
        with pytest.raises(StoreError, match="left as it was"):
            ingest_extractions(store, two_meetings)
        assert set(store.oxigraph) == before


def test_kg_validate_checks_the_descriptions_in_the_entities_graph(store_dir, two_meetings):
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings)
        store.oxigraph.update(f"DELETE WHERE {{ GRAPH <{ENTITIES}> {{ <{HAMADA}> <{RDFS.label}> ?name }} }}")
        checked = dict(check_store(store))
    assert set(checked) == {"US-Japan Alliance Digest Vol 1.17", "US-Japan Alliance Digest Vol 2.1",
                            "summary graph"}
    for title in ("US-Japan Alliance Digest Vol 1.17", "US-Japan Alliance Digest Vol 2.1"):
        assert not checked[title].conforms
        assert any("person/yasukazu-hamada rdfs:label: a person has a name" in line
                   for line in checked[title].violations), checked[title].violations


def test_a_digest_failing_validation_is_reported_and_not_stored(store_dir, two_meetings):
    bad = two_meetings[1]
    bad.events[0].countries.append(Entity("country", "JPN", "Japan"))  # alpha-3, not an ISO alpha-2 code
    with Store.open(store_dir, create=True) as store:
        report = ingest_extractions(store, two_meetings)
        assert [d.volume for d in store.digests()] == ["1.17"]
    (line,) = report.failures
    assert line.startswith("us-japan-alliance-digest-vol-2.1.txt: not stored, 1 SHACL violation, first: ")
    assert "country/JPN skos:notation" in line
    assert not report.ok


def test_without_validation_the_same_digest_is_stored(store_dir, two_meetings):
    two_meetings[1].events[0].countries.append(Entity("country", "JPN", "Japan"))
    with Store.open(store_dir, create=True) as store:
        report = ingest_extractions(store, two_meetings, validate=False)
        assert len(store.digests()) == 2
    assert report.ok


def test_a_digest_given_twice_keeps_the_first_file(store_dir, meeting_extraction):
    first = meeting_extraction("1.9", "2022-05", "2022-05-04", "May 4")
    second = meeting_extraction("1.9", "2022-05", "2022-05-05", "May 5")
    second.digest.source = "us-japan-alliance-digest-vol-1.9-blog.txt"
    with Store.open(store_dir, create=True) as store:
        report = ingest_extractions(store, [first, second])
        stored = store.graph(mint("digest", "US-Japan Alliance Digest", "1.9"))
    assert [d.source for d in report.digests] == ["us-japan-alliance-digest-vol-1.9.txt"]
    assert report.warnings == ["us-japan-alliance-digest-vol-1.9-blog.txt: skipped, US-Japan Alliance "
                               "Digest Vol 1.9 was already read from us-japan-alliance-digest-vol-1.9.txt"]
    assert any("May 4" in str(o) for o in stored.objects())
    assert report.ok


def test_an_interrupted_run_leaves_the_store_as_it_was(store_dir, two_meetings, meeting_extraction,
                                                       monkeypatch):
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings[:1])
        before = set(store.oxigraph)
    built = []

    def build_then_interrupt(extraction):
        if built:
            raise KeyboardInterrupt
        built.append(extraction)
        return real_build(extraction)

    real_build = kg.ingest.build_triples
    monkeypatch.setattr(kg.ingest, "build_triples", build_then_interrupt)
    changed_first = meeting_extraction("1.17", "2022-09", "2022-09-20", "September 20")
    with Store.open(store_dir) as store:
        with pytest.raises(KeyboardInterrupt):
            ingest_extractions(store, [changed_first, two_meetings[1]])
        assert set(store.oxigraph) == before


def test_a_crash_before_writing_leaves_the_store_as_it_was(store_dir, two_meetings, monkeypatch):
    def out_of_memory(*args):
        raise MemoryError

    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings[:1])
        before = set(store.oxigraph)
        monkeypatch.setattr(kg.ingest, "summary_changes", out_of_memory)
        with pytest.raises(MemoryError):
            ingest_extractions(store, two_meetings)
        assert set(store.oxigraph) == before


def test_every_ak_term_in_the_summary_graph_is_documented(store_dir, two_meetings):
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings)
        summary = store.graph(SUMMARY)
    ontology = ontology_graph()
    used = {t for triple in summary for t in triple if isinstance(t, URIRef) and t.startswith(str(AK))}
    assert {AK.CoOccurrence, AK.MonthlyCount, AK.weight, AK.eventCount} <= used
    for term in used:
        assert ontology.value(term, RDFS.label) and ontology.value(term, RDFS.comment), term


# --- the command line, with real reading and extraction ---------------------------------------

PAGE = """US-Japan Alliance Digest Vol {volume}

Download this publication (PDF)

Publications US-Japan Alliance Digest Vol {volume}


  • Defense chiefs meet in Washington
  • Allies hold a ground exercise in Japan


  • Defense Minister Hamada visited Washington on {day} and met Defense Secretary Austin, who \
reaffirmed the US commitment to the defense of Japan and promised closer work on integrated deterrence.
  • The US Army and the Japan Ground Self-Defense Force held a bilateral field exercise at Camp Amami \
that ended on {day}, rehearsing the defense of Japan’s southwestern islands.

Download US-Japan Alliance Digest Vol {volume}
"""

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture
def digest_folder(tmp_path):
    folder = tmp_path / "digests"
    folder.mkdir()
    for volume, day in (("1.17", "September 14"), ("1.18", "September 28")):
        page = PAGE.format(volume=volume, day=day)
        (folder / f"us-japan-alliance-digest-vol-{volume}.txt").write_text(page, encoding="utf-8")
    return folder


def run(store_dir, *args):
    return CliRunner().invoke(cli, ["--store", str(store_dir), *args])


def test_kg_ingest_stores_good_files_and_names_the_bad_one(store_dir, digest_folder):
    (digest_folder / "notes.txt").write_text("Reading list for the weekend\n", encoding="utf-8")
    result = run(store_dir, "ingest", str(digest_folder))
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if "notes.txt" in line]
    assert len(failed) == 1 and failed[0].startswith(f"failed: {digest_folder / 'notes.txt'}: ")
    assert "US-Japan Alliance Digest Vol 1.17 (2022-09): 2 events" in result.output
    assert re.search(r"Stored 2 digests \(\d+ triples, entities graph \d+, summary graph \d+ triples\)",
                     result.output), result.output
    with Store.open(store_dir) as store:
        assert [d.volume for d in store.digests()] == ["1.17", "1.18"]


def test_kg_ingest_twice_changes_no_triple_count(store_dir, digest_folder):
    assert run(store_dir, "ingest", str(digest_folder)).exit_code == 0
    with Store.open(store_dir) as store:
        before = len(store)
    again = run(store_dir, "ingest", str(digest_folder / "us-japan-alliance-digest-vol-1.17.txt"))
    assert again.exit_code == 0 and "(replaced)" in again.output
    with Store.open(store_dir) as store:
        assert len(store) == before


def test_kg_ingest_of_a_missing_path_fails_cleanly(store_dir, tmp_path):
    result = run(store_dir, "ingest", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "nowhere: no such file or folder" in result.output
    assert "Traceback" not in result.output


def test_kg_stats_prints_a_line_per_digest_and_totals(store_dir, digest_folder):
    run(store_dir, "ingest", str(digest_folder))
    result = run(store_dir, "stats")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["digest", "published", "events", "persons", "organizations", "countries",
                                "places", "dates", "mentions", "triples"]
    assert lines[1].startswith("US-Japan Alliance Digest Vol 1.17  2022-09")
    assert lines[3].split()[:3] == ["total", "(2)", "4"]
    assert "; entities graph: " in lines[4]


def test_kg_stats_without_a_store_says_to_ingest_first(store_dir):
    result = run(store_dir, "stats")
    assert result.exit_code == 1
    expected = f"Error: no store in {store_dir}: run `kg ingest` first (or give --store / KG_STORE)"
    assert result.output.strip() == expected


def test_kg_validate_passes_then_reports_a_broken_graph(store_dir, digest_folder):
    run(store_dir, "ingest", str(digest_folder))
    assert run(store_dir, "validate").output.startswith("All 3 graphs conform")
    digest = mint("digest", "US-Japan Alliance Digest", "1.18")
    with Store.open(store_dir) as store:
        graph = store.graph(digest)
        graph.add((mint("event", "US-Japan Alliance Digest", "1.18", 1), SEM.hasTimeStamp, Literal("autumn")))
        store.replace_graphs({digest: graph})
    result = run(store_dir, "validate")
    assert result.exit_code == 1
    assert ("US-Japan Alliance Digest Vol 1.18: digest/us-japan-alliance-digest/1.18/event/1 "
            "sem:hasTimeStamp: a timestamp must be an xsd:date") in result.output


@pytest.mark.parametrize(("folder", "digests"), [(CORPUS, 9), (resource("data", "digests"), 8)],
                         ids=["shared-corpus", "bundled-sample"])
def test_a_corpus_ingests_and_validates(store_dir, folder, digests):
    result = run(store_dir, "ingest", "--no-validate", str(folder))
    assert result.exit_code == 0, result.output
    with Store.open(store_dir) as store:
        assert len(store.digests()) >= digests
    validation = run(store_dir, "validate")
    assert validation.exit_code == 0, validation.output
    with Store.open(store_dir) as store:
        rows = store.rows("SELECT DISTINCT ?term WHERE { { ?s ?term ?o } UNION { ?s a ?term } "
                          "UNION { ?s skos:inScheme ?term } FILTER(STRSTARTS(STR(?term), STR(ak:))) }")
    ontology = ontology_graph()
    terms = [row["term"] for row in rows]
    documented = {t for t in terms if ontology.value(t, RDFS.label) and ontology.value(t, RDFS.comment)}
    assert terms and set(terms) == documented


def test_kg_ingest_takes_volume_and_date_for_a_page_that_lacks_them(store_dir, tmp_path):
    page = PAGE.format(volume="1.17", day="September 14").split("\n", 1)[1].replace("Vol 1.17", "")
    source = tmp_path / "alliance-notes.txt"
    source.write_text(page, encoding="utf-8")
    without = run(store_dir, "ingest", str(source))
    assert without.exit_code == 1 and "alliance-notes.txt: no volume" in without.output
    result = run(store_dir, "ingest", "--volume", "1.17", "--published", "2022-09-30", str(source))
    assert result.exit_code == 0, result.output
    assert "US-Japan Alliance Digest Vol 1.17 (2022-09-30): 2 events" in result.output


def test_kg_ingest_refuses_volume_for_several_files(store_dir, digest_folder):
    result = run(store_dir, "ingest", "--volume", "1.17", str(digest_folder))
    assert result.exit_code == 1
    assert result.output.strip() == "Error: --volume and --published describe one digest: give a single file"


def test_an_unexpected_error_on_one_file_keeps_the_others(store_dir, digest_folder, monkeypatch):
    real_extract = kg.ingest.extract

    def extract_failing_on_118(digest):
        if digest.volume == "1.18":
            raise TypeError("unhashable type: 'Candidate'")
        return real_extract(digest)

    monkeypatch.setattr(kg.ingest, "extract", extract_failing_on_118)
    with Store.open(store_dir, create=True) as store:
        report = kg.ingest.ingest(store, [digest_folder])
        assert [d.volume for d in store.digests()] == ["1.17"]
    (line,) = report.failures
    assert line.endswith("us-japan-alliance-digest-vol-1.18.txt: could not be processed "
                         "(TypeError: unhashable type: 'Candidate')")


def test_progress_is_reported_once_per_file(store_dir, digest_folder):
    (digest_folder / "notes.txt").write_text("Reading list\n", encoding="utf-8")
    calls = []
    with Store.open(store_dir, create=True) as store:
        kg.ingest.ingest(store, [digest_folder], progress=lambda done, total, path: calls.append(
            (done, total, path.name)))
    assert calls == [(1, 3, "notes.txt"), (2, 3, "us-japan-alliance-digest-vol-1.17.txt"),
                     (3, 3, "us-japan-alliance-digest-vol-1.18.txt")]


def _without_austin(extraction):
    for event in extraction.events:
        event.persons = [person for person in event.persons if person.key != "lloyd-austin"]
    return extraction


def _assert_graphs_match_a_recomputation(store):
    """What ingest keeps up to date run by run equals the entities and summary graphs made from
    scratch out of the stored digests."""
    assert isomorphic(store.graph(ENTITIES), kg.ingest.entities_graph(store, {}))
    assert isomorphic(store.graph(SUMMARY), kg.ingest.summary_graph(store, {}))


def test_entities_and_summary_kept_run_by_run_equal_a_recomputation(tmp_path, meeting_extraction):
    runs = [
        [meeting_extraction("1.17", "2022-09", "2022-09-14", "September 14"),
         meeting_extraction("2.1", "2023-01", "2023-01-11", "January 11")],
        # 1.17 again, a month later and without Austin: his weights drop by one.
        [_without_austin(meeting_extraction("1.17", "2022-09", "2022-10-03", "October 3"))],
        # 2.1 without Austin too: nothing links him, his membership or his role any more.
        [_without_austin(meeting_extraction("2.1", "2023-01", "2023-01-11", "January 11"))],
        # Two replaced and one new digest in one run, Austin back.
        [meeting_extraction("1.17", "2022-09", "2022-09-14", "September 14"),
         _without_austin(meeting_extraction("2.1", "2023-01", "2023-02-02", "February 2")),
         meeting_extraction("3.4", "2024-03", "2024-03-08", "March 8")],
    ]
    with Store.open(tmp_path / "kept", create=True) as store:
        for number, run in enumerate(runs):
            assert ingest_extractions(store, run, validate=False).ok
            _assert_graphs_match_a_recomputation(store)
            entities, summary = store.graph(ENTITIES), store.graph(SUMMARY)
            if number == 1:
                pair = mint("cooccurrence", "person", "yasukazu-hamada", "lloyd-austin")
                assert summary.value(pair, AK.weight) == Literal(1)
                assert summary.value(mint("monthly_count", "JP", "2022-10"), AK.weight) == Literal(1)
                assert (mint("monthly_count", "JP", "2022-09"), None, None) not in summary
            if number == 2:
                assert (AUSTIN, None, None) not in entities
                assert (mint("role", "Defense Secretary"), None, None) not in entities
                assert (AUSTIN, None, None) not in summary
                assert (None, None, AUSTIN) not in summary
                assert summary.value(US, AK.eventCount) == Literal(2)
        kept_entities, kept_summary = store.graph(ENTITIES), store.graph(SUMMARY)
    assert summary.value(HAMADA, AK.eventCount) == Literal(3)
    with Store.open(tmp_path / "at-once", create=True) as store:  # the same digests in one run
        ingest_extractions(store, runs[-1], validate=False)
        assert isomorphic(store.graph(ENTITIES), kept_entities)
        assert isomorphic(store.graph(SUMMARY), kept_summary)


def test_a_store_without_a_summary_graph_gets_a_whole_one(store_dir, two_meetings):
    with Store.open(store_dir, create=True) as store:
        ingest_extractions(store, two_meetings[:1])
        store.drop_graphs([SUMMARY])  # as a store written before the summary graph existed
        ingest_extractions(store, two_meetings[1:])
        summary = store.graph(SUMMARY)
        assert summary.value(HAMADA, AK.eventCount) == Literal(2)
        assert isomorphic(summary, kg.ingest.summary_graph(store, {}))
