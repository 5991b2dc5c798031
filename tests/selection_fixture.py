"""A small store in the design.md shape for the selection, export and render tests.

Three digests, six events: hand-made extractions stored by `kg.ingest.ingest_extractions`
(one named graph per digest, plus the summary graph with co-occurrence weights). One person
is called `<img src=x onerror=alert(1)>` to check that labels stay text everywhere.
"""

from __future__ import annotations

from kg.ingest import ingest_extractions
from kg.model import Bullet, DateRef, Digest, Entity, Event, Extraction, Span
from kg.store import Store

SERIES = "US-Japan Alliance Digest"
XSS = "<img src=x onerror=alert(1)>"


def _spans(text: str, *words: str) -> list[Span]:
    out = []
    for word in words:
        begin = text.index(word)
        out.append(Span(begin, begin + len(word), word))
    return out


def _entity(kind: str, key: str, name: str, text: str, *words: str, **extra) -> Entity:
    return Entity(kind, key, name, _spans(text, *words), **extra)


def _event(position: int, headline: str, text: str, persons=(), organizations=(), countries=(),
           places=(), dates=(), topics=(), event_type=None) -> Event:
    def people(specs):
        return [_entity(*spec[:-1], **spec[-1]) for spec in specs]

    return Event(
        position=position, headline=headline, text=text,
        persons=people([(k, key, name, text, *words, extra) for k, key, name, words, extra in persons]),
        organizations=[_entity("organization", key, name, text, *words, aliases=aliases)
                       for key, name, words, aliases in organizations],
        countries=[_entity("country", code, name, text, *words) for code, name, words in countries],
        places=[_entity("place", key, name, text, *words, country=country)
                for key, name, words, country in places],
        dates=[DateRef(value, _spans(text, *words)) for value, words in dates],
        topics=[_entity("topic", key, name, text, *words) for key, name, words in topics],
        event_type=Entity("event_type", event_type[0], event_type[1]) if event_type else None,
    )


KISHIDA = ("person", "fumio-kishida", "Fumio Kishida", ("Kishida",),
           {"role": "Prime Minister", "country": "JP", "mention": "Kishida", "aliases": ["Kishida"],
            "wikidata": "Q1323990"})
BIDEN = ("person", "joe-biden", "Joe Biden", ("Biden",),
         {"role": "President", "country": "US", "mention": "Biden", "aliases": ["Biden"]})
HAMADA = ("person", "yasukazu-hamada", "Yasukazu Hamada", ("Hamada",),
          {"role": "Defense Minister", "country": "JP", "mention": "Hamada", "aliases": ["Hamada"]})
AUSTIN = ("person", "lloyd-austin", "Lloyd Austin", ("Austin",),
          {"role": "Defense Secretary", "country": "US", "mention": "Austin", "aliases": ["Austin"]})
YOON = ("person", "yoon-suk-yeol", "Yoon Suk Yeol", ("Yoon",),
        {"country": "KR", "mention": "Yoon", "aliases": ["Yoon"]})
JP = ("JP", "Japan", ("Japan",))
US = ("US", "United States", ("U.S.",))
KR = ("KR", "South Korea", ("South Korea",))
INDOPACOM = ("indopacom", "US Indo-Pacific Command", ("INDOPACOM",), ["INDOPACOM"])


def _digest(volume: str, published: str, events: list[Event]) -> Extraction:
    bullets = [Bullet(e.position, e.headline, e.text) for e in events]
    digest = Digest(f"us-japan-alliance-digest-vol-{volume}.txt", SERIES, volume, published, "text", bullets)
    return Extraction(digest, events)


def extractions() -> list[Extraction]:
    t1 = ("Prime Minister Kishida met President Biden in Washington on January 13 and Japan and "
          "the U.S. agreed to deepen cooperation on integrated deterrence.")
    t2 = ("Defense Minister Hamada and U.S. Secretary Austin observed an exercise by INDOPACOM and "
          "Japan's Self-Defense Forces near Okinawa on January 20.")
    t3 = ("Kishida and Yoon met in Seoul on March 16, the first summit between Japan and South Korea "
          "in twelve years, to discuss North Korea's missile launches.")
    t4 = ("INDOPACOM and South Korea held a combined exercise in the Yellow Sea in September 2022 "
          "while the U.S. watched North Korea's missile launches.")
    t5 = ("Hamada told reporters in Tokyo on October 4 that Japan would study counterstrike "
          "capabilities.")
    t6 = ("A person calling themselves <img src=x onerror=alert(1)> posted about Japan.")
    return [
        _digest("1.17", "2022-10", [
            _event(1, "Combined exercise in the Yellow Sea", t4, organizations=[INDOPACOM],
                   countries=[KR, US], places=[("yellow-sea", "Yellow Sea", ("Yellow Sea",), None)],
                   dates=[("2022-09", ("September 2022",))],
                   topics=[("missile-launches", "missile launches", ("missile launches",))],
                   event_type=("EXERCISE", "Exercise")),
            _event(2, "Hamada on counterstrike", t5, persons=[HAMADA], countries=[JP],
                   places=[("tokyo", "Tokyo", ("Tokyo",), "JP")],
                   dates=[("2022-10-04", ("October 4",))],
                   topics=[("counterstrike", "counterstrike capabilities", ("counterstrike capabilities",))],
                   event_type=("STATEMENT", "Statement")),
        ]),
        _digest("2.1", "2023-01", [
            _event(1, "Kishida meets Biden", t1, persons=[KISHIDA, BIDEN], countries=[JP, US],
                   places=[("washington-dc", "Washington", ("Washington",), "US")],
                   dates=[("2023-01-13", ("January 13",))],
                   topics=[("integrated-deterrence", "integrated deterrence", ("integrated deterrence",))],
                   event_type=("CONSULT", "Consult")),
            _event(2, "Exercise near Okinawa", t2, persons=[HAMADA, AUSTIN], organizations=[INDOPACOM],
                   countries=[JP, US], places=[("okinawa", "Okinawa", ("Okinawa",), "JP")],
                   dates=[("2023-01-20", ("January 20",))], event_type=("EXERCISE", "Exercise")),
        ]),
        _digest("2.5", "2023-03", [
            _event(1, "Kishida and Yoon meet in Seoul", t3, persons=[KISHIDA, YOON], countries=[JP, KR],
                   places=[("seoul", "Seoul", ("Seoul",), "KR")], dates=[("2023-03-16", ("March 16",))],
                   topics=[("missile-launches", "missile launches", ("missile launches",))],
                   event_type=("CONSULT", "Consult")),
            _event(2, "A strange name", t6,
                   persons=[("person", "xss", XSS, (XSS,), {"mention": XSS})], countries=[JP],
                   event_type=("STATEMENT", "Statement")),
        ]),
    ]


def make_store(path=None) -> Store:
    """A kg store (in memory, or on disk at `path`) with the three digests ingested by
    `kg.ingest.ingest_extractions`: one named graph each, plus the summary graph."""
    store = Store.open(path, create=True) if path else Store.in_memory()
    report = ingest_extractions(store, extractions())
    assert report.ok, report.failures
    return store
