"""A small store in the exact docs/design.md shape, for the query, serve and push tests.

Two digests, five events, built by `kg.build` from hand-made extractions (spans found in the
text, so every link has its words): one graph per digest, the entities graph holding each
description once, and the summary graph computed here the way design.md defines it.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.build import build_triples, digest_iri, entities_graph_iri
from kg.iri import AK, mint
from kg.model import Bullet, DateRef, Digest, Entity, Event, Extraction, Span

SERIES = "US-Japan Alliance Digest"


def _span(text: str, words: str) -> Span:
    begin = text.index(words)
    return Span(begin, begin + len(words), words)


def _entity(text: str, kind: str, key: str, name: str, words: str, **extra) -> Entity:
    return Entity(kind, key, name, spans=[_span(text, words)], **extra)


def _event(position: int, headline: str, text: str, *, persons=(), organizations=(), countries=(),
           places=(), dates=(), topics=(), event_type=None) -> Event:
    def make(kind, specs):
        return [_entity(text, kind, *spec[:3], **(spec[3] if len(spec) > 3 else {})) for spec in specs]

    return Event(
        position, headline, text,
        persons=make("person", persons), organizations=make("organization", organizations),
        countries=make("country", countries), places=make("place", places),
        dates=[DateRef(value, [_span(text, words)]) for value, words in dates],
        topics=make("topic", topics),
        event_type=Entity("event_type", event_type[0], event_type[1], spans=[_span(text, event_type[2])]),
    )


def extractions() -> list[Extraction]:
    a1 = ("Defense Minister Hamada visited Washington on September 14 and met Defense Secretary "
          "Austin to discuss defense cooperation.")
    a2 = ("A trilateral meeting in Tokyo of Japan, the United States and South Korea on September 7 "
          "agreed to strengthen security cooperation.")
    a3 = ("Orient Shield 22, a joint exercise between the US Army and the Japan Ground Self-Defense "
          "Force, concluded at Camp Amami on September 3.")
    b1 = ("Prime Minister Kishida met President Biden in Washington on January 13 together with "
          "Defense Minister Hamada to discuss defense cooperation.")
    b2 = ("Japan and the Philippines agreed with the United States to hold trilateral drills in "
          "the South China Sea.")
    hamada = ("yasukazu-hamada", "Yasukazu Hamada", "Hamada",
              {"role": "Defense Minister", "country": "JP", "aliases": ["Hamada"], "wikidata": "Q3572255"})
    digest_a = Digest("us-japan-alliance-digest-vol-1.17.txt", SERIES, "1.17", "2022-09", "text",
                      [Bullet(1, None, a1), Bullet(2, None, a2), Bullet(3, None, a3)])
    digest_b = Digest("us-japan-alliance-digest-vol-2.1.txt", SERIES, "2.1", "2023-01", "text",
                      [Bullet(1, None, b1), Bullet(2, None, b2)])
    events_a = [
        _event(1, "US-Japan defense leaders meet in Washington", a1,
               persons=[hamada, ("lloyd-austin", "Lloyd Austin", "Austin",
                                 {"role": "Defense Secretary", "country": "US", "aliases": ["Austin"]})],
               countries=[("JP", "Japan", "Hamada"), ("US", "United States", "Austin")],
               places=[("washington-d-c", "Washington, D.C.", "Washington", {"country": "US"})],
               dates=[("2022-09-14", "September 14")],
               topics=[("defense-cooperation", "Defense cooperation", "defense cooperation")],
               event_type=("CONSULT", "Consult", "met")),
        _event(2, "Trilateral meeting in Tokyo", a2,
               countries=[("JP", "Japan", "Japan"), ("US", "United States", "United States"),
                          ("KR", "South Korea", "South Korea")],
               places=[("tokyo", "Tokyo", "Tokyo", {"country": "JP"})],
               dates=[("2022-09-07", "September 7")],
               topics=[("security-cooperation", "Security cooperation", "security cooperation")],
               event_type=("CONSULT", "Consult", "meeting")),
        _event(3, "Orient Shield 22 concludes", a3,
               organizations=[("us-army", "US Army", "US Army", {"country": "US"}),
                              ("jgsdf", "Japan Ground Self-Defense Force",
                               "Japan Ground Self-Defense Force", {"country": "JP"})],
               countries=[("US", "United States", "US Army"), ("JP", "Japan", "Japan")],
               places=[("camp-amami", "Camp Amami", "Camp Amami", {"country": "JP"})],
               dates=[("2022-09-03", "September 3")],
               event_type=("EXERCISE", "Exercise", "exercise")),
    ]
    events_b = [
        _event(1, "Kishida and Biden meet", b1,
               persons=[("fumio-kishida", "Fumio Kishida", "Kishida",
                         {"role": "Prime Minister", "country": "JP", "aliases": ["Kishida"]}),
                        ("joe-biden", "Joe Biden", "Biden",
                         {"role": "President", "country": "US", "aliases": ["Biden"]}),
                        hamada],
               countries=[("JP", "Japan", "Kishida"), ("US", "United States", "Biden")],
               places=[("washington-d-c", "Washington, D.C.", "Washington", {"country": "US"})],
               dates=[("2023-01-13", "January 13")],
               topics=[("defense-cooperation", "Defense cooperation", "defense cooperation")],
               event_type=("CONSULT", "Consult", "met")),
        _event(2, "Trilateral drills planned", b2,
               countries=[("JP", "Japan", "Japan"), ("PH", "Philippines", "Philippines"),
                          ("US", "United States", "United States")],
               places=[("south-china-sea", "South China Sea", "South China Sea")],
               event_type=("AGREE", "Agree", "agreed")),
    ]
    return [Extraction(digest_a, events_a), Extraction(digest_b, events_b)]


def summary_quads(items: list[Extraction]) -> list[ox.Quad]:
    """The summary graph as docs/design.md defines it, computed from the extractions."""
    graph = ox.NamedNode(str(mint("graph", "summary")))
    triples: list[tuple] = []
    pairs: dict[str, Counter] = {"person": Counter(), "country": Counter()}
    months: Counter = Counter()
    event_counts: Counter = Counter()
    for extraction in items:
        for event in extraction.events:
            persons = sorted({p.key for p in event.persons})
            countries = sorted({c.key for c in event.countries})
            pairs["person"].update(combinations(persons, 2))
            pairs["country"].update(combinations(countries, 2))
            full = sorted(d.value for d in event.dates if len(d.value) == 10)
            month = full[0][:7] if full else extraction.digest.published[:7]
            months.update((code, month) for code in countries)
            linked = {mint(e.kind, e.key) for e in [*event.persons, *event.organizations, *event.places,
                                                    *event.topics, event.event_type]}
            linked |= {mint("country", code) for code in countries}
            event_counts.update(linked)
    for category, counter in pairs.items():
        for (a, b), weight in counter.items():
            node = mint("cooccurrence", category, a, b)
            kind = "person" if category == "person" else "country"
            triples += [(node, RDF.type, AK.CoOccurrence), (node, AK.category, Literal(category)),
                        (node, AK.member, mint(kind, a)), (node, AK.member, mint(kind, b)),
                        (node, AK.weight, Literal(weight))]
    for (code, month), weight in months.items():
        node = mint("monthly_count", code, month)
        triples += [(node, RDF.type, AK.MonthlyCount), (node, AK.country, mint("country", code)),
                    (node, AK.month, Literal(month, datatype=XSD.gYearMonth)),
                    (node, AK.weight, Literal(weight))]
    for entity, weight in event_counts.items():
        triples.append((entity, AK.eventCount, Literal(weight)))
    return [ox.Quad(*(_ox(term) for term in triple), graph) for triple in triples]


def _ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
    return ox.Literal(str(term), datatype=datatype)


def load_fixture(store: ox.Store) -> ox.Store:
    """Fill a store with the two fixture digests, the entities graph and the summary graph."""
    items = extractions()
    descriptions: set = set()
    for extraction in items:
        built = build_triples(extraction)
        descriptions |= built.descriptions
        name = ox.NamedNode(str(digest_iri(extraction.digest)))
        store.extend(ox.Quad(*(_ox(term) for term in triple), name) for triple in built.digest)
    entities = ox.NamedNode(str(entities_graph_iri()))
    store.extend(ox.Quad(*(_ox(term) for term in triple), entities) for triple in descriptions)
    store.extend(summary_quads(items))
    store.flush()
    return store


def fixture_store_path(folder: Path) -> Path:
    """A store on disk at `folder` holding the fixture (closed again, ready to open)."""
    store = ox.Store(str(folder))
    load_fixture(store)
    del store
    return folder


# Parameters for each named query that ask about something the bundled digests (data/digests) hold.
CORPUS_EXAMPLES: dict[str, dict[str, str]] = {
    "who-met-whom": {"person": "Kishida"},
    "events-per-country-month": {"country": "JP", "from": "2023-01"},
    "timeline-of-person": {"person": "Austin"},
    "events-on-topic": {"topic": "maritime"},
    "persons-by-role-country": {"role": "minister", "country": "JP"},
    "trilateral-events": {},
    "exercises": {},
    "co-occurring-countries": {"country": "PH"},
    "co-occurring-persons": {"person": "Biden"},
    "link-evidence": {"entity": "Kishida", "volume": "1.10"},
    "digest-diff": {"old": "1.10", "new": "4.7"},
    "most-active-organizations": {"country": "US"},
    "most-mentioned-persons": {},
    "places-by-country": {"country": "JP"},
    "events-in-date-range": {"from": "2023-01-01", "to": "2024-12-31"},
    "events-in-country": {"country": "Philippines"},
    "event-types": {},
    "topics": {},
    "digests": {},
    "search-events": {"text": "coast guard"},
}


def corpus_store_path(folder: Path) -> Path:
    """A store at `folder` holding the bundled digests, ingested the way `kg ingest` does."""
    from kg.ingest import ingest
    from kg.resources import resource
    from kg.store import Store

    with Store.open(folder, create=True) as store:
        report = ingest(store, sorted(resource("data", "digests").glob("*.txt")))
    assert report.ok and report.digests, report.failures
    return folder
