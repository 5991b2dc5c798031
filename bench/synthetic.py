"""Synthetic extractions shaped like the real digest graph, for benchmarks at 10k-100k events.

Every digest is drawn from its own seeded random generator, so a digest's content depends only on
(seed, its index): the output is the same whether it is generated in one process or in chunks.
The entities come from fixed pools drawn with Zipf-like weights (a few persons, countries and
topics are busy, most are rare), each event has a ~600-character description whose mentions are
real offsets into it, and the quads are made by the real `kg.build.build_triples`, so the shape of
the benchmark data follows the project's graph as it changes.

The names are invented (syllables and word lists); only the country codes are real. Nothing here
is data about the world: the graphs exist to be loaded, queried and drawn.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.model import Bullet, DateRef, Digest, Entity, Event, Extraction, Span

# Bump when a change here changes the generated data: cached graphs are keyed by it.
GENERATOR_VERSION = 2
SERIES = "US-Japan Alliance Digest"
EVENTS_PER_DIGEST = 5
DESCRIPTION_LENGTH = 600
OUT = Path(__file__).resolve().parent / "out"

# Pool sizes: at 100k events the busiest person is in a few thousand events and most persons in
# a handful, as in a long-running digest series.
PERSONS = 3000
ORGANIZATIONS = 600
PLACES = 800

# States the digest talks about most, busiest first; every other ISO country follows, rarer.
LEADING_COUNTRIES = ["US", "JP", "CN", "KR", "KP", "TW", "AU", "PH", "IN", "RU", "GB", "FR", "DE",
                     "VN", "ID", "SG", "UA", "CA", "NZ", "TH", "MY", "IT", "MN", "BR", "SA"]
SHORT_NAMES = {"US": "United States", "GB": "Britain", "KR": "South Korea", "KP": "North Korea",
               "RU": "Russia", "VN": "Vietnam", "TW": "Taiwan"}

TOPICS = [
    "defense cooperation", "integrated deterrence", "extended deterrence", "economic security",
    "supply chains", "semiconductors", "critical minerals", "export controls", "Taiwan Strait",
    "North Korean missiles", "nuclear nonproliferation", "host nation support", "base realignment",
    "Okinawa bases", "trade negotiations", "digital trade", "energy security", "climate change",
    "space cooperation", "cyber security", "counterstrike capabilities", "defense spending",
    "shipbuilding", "maritime security", "freedom of navigation", "disaster relief",
    "public opinion", "elections", "human rights", "sanctions", "foreign direct investment",
    "tariffs", "intelligence sharing", "missile defense", "hypersonic weapons",
    "artificial intelligence", "quantum technology", "pandemic response", "tourism",
    "people-to-people exchange", "alliance management", "coast guard cooperation",
    "arms transfers", "critical infrastructure", "food security", "development assistance",
    "regional diplomacy", "trilateral cooperation", "command and control", "reconstruction",
]

EVENT_TYPES = [
    ("CONSULT", "met"), ("AGREE", "agreed"), ("COOPERATE", "cooperated"), ("STATEMENT", "said"),
    ("EXERCISE", "exercised"), ("SUPPORT", "backed"), ("DEMAND", "demanded"), ("ACCUSE", "accused"),
    ("THREATEN", "warned"), ("PROTEST", "protested"), ("AID", "pledged"), ("ELECTION", "elected"),
    ("MOBILIZE", "deployed"),
]

ROLES = ["Prime Minister", "Foreign Minister", "Defense Minister", "Secretary of State",
         "Defense Secretary", "Ambassador", "President", "Chief Cabinet Secretary", "Governor",
         "Trade Representative", "National Security Advisor", "Commander", "Senator",
         "Deputy Secretary", "Minister of Economy"]

ORGANIZATION_FORMS = ["Ministry of {}", "{} Agency", "{} Council", "{} Institute", "{} Command",
                      "{} Forum", "{} Party", "{} Corporation", "{} Dialogue", "{} Office"]

PLACE_FORMS = ["{}", "{} City", "{} Island", "{} Air Base", "{} Bay", "{} Prefecture", "Port {}"]

SYLLABLES = ["ka", "ta", "mi", "ro", "su", "ne", "ha", "yo", "shi", "ri", "an", "del", "mar",
             "ton", "ber", "li", "son", "wa", "ge", "no", "chi", "ku", "sa", "be", "ren", "al",
             "mo", "da", "ki", "ra", "lo", "vin", "ter", "za", "hu", "ne", "po", "la", "gi", "us"]

FILLER = [
    "Officials described the talks as constructive and agreed to keep working level channels open.",
    "The discussion also covered the timetable for follow-up meetings later in the year.",
    "Analysts noted that the move reflects growing concern about the regional security environment.",
    "Both sides stressed the importance of close coordination with like-minded partners.",
    "Further details are expected once the working groups report back to their governments.",
    "Observers said the announcement marks a shift in how the partners share responsibilities.",
    "The statement left several questions about funding and implementation unresolved.",
    "Public reaction was mixed, with local officials asking for more consultation.",
]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


@dataclass(frozen=True)
class PoolEntry:
    """One entity the generator can draw: its key, name, country, role and Wikidata id."""

    key: str
    name: str
    country: str | None = None
    role: str | None = None
    wikidata: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pool:
    """Entries of one kind and the cumulative Zipf weights to draw them with."""

    entries: tuple[PoolEntry, ...]
    cumulative: tuple[float, ...]

    def draw(self, rng: random.Random, count: int) -> list[PoolEntry]:
        """`count` distinct entries (or all of them if fewer), busy ones more often."""
        count = min(count, len(self.entries))
        chosen: dict[str, PoolEntry] = {}
        total = self.cumulative[-1]
        while len(chosen) < count:
            entry = self.entries[bisect.bisect(self.cumulative, rng.random() * total)]
            chosen.setdefault(entry.key, entry)
        return list(chosen.values())


def _zipf_pool(entries: list[PoolEntry], exponent: float = 1.1, offset: int = 5) -> Pool:
    # Zipf-Mandelbrot: the offset keeps the busiest entry at a few percent of the draws.
    weights = (1.0 / ((rank + offset) ** exponent) for rank in range(1, len(entries) + 1))
    return Pool(tuple(entries), tuple(itertools.accumulate(weights)))


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


@cache
def pools(seed: int = 7) -> dict[str, Pool]:
    """The entity pools, the same for every digest of a given seed."""
    import pycountry  # only here: the pools are built once per process

    rng = random.Random(f"pools-{seed}")
    codes = LEADING_COUNTRIES + sorted(
        {c.alpha_2 for c in pycountry.countries} - set(LEADING_COUNTRIES))
    countries = []
    for i, code in enumerate(codes):
        record = pycountry.countries.get(alpha_2=code)
        name = SHORT_NAMES.get(code) or getattr(record, "common_name", None) or record.name
        countries.append(PoolEntry(code, name, code, wikidata=f"Q{900000 + i}"))
    # Persons mostly belong to the busy states, as in the digest.
    home = _zipf_pool(countries[:12])
    persons = []
    for i in range(PERSONS):
        name = f"{_word(rng, 2)} {_word(rng, rng.choice((2, 3)))}"
        persons.append(PoolEntry(
            f"{name.lower().replace(' ', '-')}-{i}", name, home.draw(rng, 1)[0].key,
            role=rng.choice(ROLES) if rng.random() < 0.7 else None,
            wikidata=f"Q{1000000 + i}" if rng.random() < 0.4 else None,
            aliases=(name.split()[-1],)))
    organizations = []
    for i in range(ORGANIZATIONS):
        name = rng.choice(ORGANIZATION_FORMS).format(_word(rng, 3))
        acronym = "".join(part[0] for part in name.split()).upper()
        organizations.append(PoolEntry(
            f"{name.lower().replace(' ', '-')}-{i}", name,
            home.draw(rng, 1)[0].key if rng.random() < 0.8 else None, aliases=(acronym,)))
    places = []
    for i in range(PLACES):
        name = rng.choice(PLACE_FORMS).format(_word(rng, 2))
        places.append(PoolEntry(f"{name.lower().replace(' ', '-')}-{i}", name, home.draw(rng, 1)[0].key))
    topics = [PoolEntry(topic.lower().replace(" ", "-"), topic) for topic in TOPICS]
    # Countries are drawn more steeply: nearly every event involves the US or Japan.
    return {"person": _zipf_pool(persons), "organization": _zipf_pool(organizations),
            "country": _zipf_pool(countries, 1.6, 0), "place": _zipf_pool(places),
            "topic": _zipf_pool(topics)}


class _Text:
    """A description written piece by piece, recording where each mention lands."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, words: str) -> Span:
        span = Span(self.length, self.length + len(words), words)
        self.parts.append(words)
        self.length += len(words)
        return span

    def text(self) -> str:
        return "".join(self.parts)


def country_name(code: str) -> str:
    """The name the generator uses for a country."""
    return next(entry.name for entry in pools().get("country").entries if entry.key == code)


def _entity(kind: str, entry: PoolEntry, span: Span, role: str | None = None) -> Entity:
    return Entity(kind=kind, key=entry.key, name=entry.name, spans=[span], aliases=list(entry.aliases),
                  role=role, country=entry.country, wikidata=entry.wikidata,
                  mention=span.text if kind == "person" else None)


def _event(rng: random.Random, position: int, published: dt.date, pool: dict[str, Pool]) -> Event:
    actors = rng.randint(2, 5)
    persons = pool["person"].draw(rng, rng.randint(1, min(actors, 3)))
    organizations = pool["organization"].draw(rng, actors - len(persons))
    countries = pool["country"].draw(rng, rng.randint(1, 6))
    places = pool["place"].draw(rng, rng.randint(1, 3))
    topics = pool["topic"].draw(rng, rng.randint(2, 5))
    code, verb = rng.choice(EVENT_TYPES)
    dates = sorted({published - dt.timedelta(days=rng.randint(0, 40)) for _ in range(rng.randint(1, 3))})

    text = _Text()
    event = Event(position=position, headline=None, text="")
    for i, person in enumerate(persons):
        text.add(", " if i else "")
        role = person.role if rng.random() < 0.8 else None
        if role:
            text.add(role + " ")
        event.persons.append(_entity("person", person, text.add(person.name), role))
    for i, organization in enumerate(organizations):
        text.add(" and the " if i else " of the ")
        event.organizations.append(_entity("organization", organization, text.add(organization.name)))
    text.add(" ")
    trigger = text.add(verb)
    event.event_type = Entity("event_type", code, code.lower(), spans=[trigger])
    for i, place in enumerate(places):
        text.add(" in " if i == 0 else " and ")
        event.places.append(_entity("place", place, text.add(place.name)))
    for i, day in enumerate(dates):
        text.add(" on " if i == 0 else " and ")
        words = f"{MONTHS[day.month - 1]} {day.day}"
        event.dates.append(DateRef(day.isoformat(), [text.add(words)]))
    text.add(" to discuss ")
    for i, topic in enumerate(topics):
        text.add(", " if 0 < i < len(topics) - 1 else " and " if i else "")
        event.topics.append(_entity("topic", topic, text.add(topic.name)))
    text.add(". The talks involved ")
    for i, country in enumerate(countries):
        text.add(", " if i else "")
        event.countries.append(_entity("country", country, text.add(country.name)))
    text.add(". ")
    # As in the real graph, a person's state is involved too, backed by the words naming them.
    listed = {country.key for country in event.countries}
    for person in event.persons:
        if person.country and person.country not in listed:
            listed.add(person.country)
            event.countries.append(Entity("country", person.country, country_name(person.country),
                                          spans=list(person.spans)))
    for sentence in rng.sample(FILLER, len(FILLER)):
        if text.length > DESCRIPTION_LENGTH - 60:
            break
        text.add(sentence + " ")
    event.text = text.text().rstrip()
    event.headline = f"{persons[0].name if persons else organizations[0].name} {verb} on {topics[0].name}"
    return event


def digest_count(events: int) -> int:
    return -(-events // EVENTS_PER_DIGEST)


def extraction(index: int, digests: int, seed: int = 7) -> Extraction:
    """The `index`-th of `digests` synthetic digests, published evenly over 2015-2030."""
    rng = random.Random(f"digest-{seed}-{index}")
    start, end = dt.date(2015, 1, 1), dt.date(2030, 12, 31)
    published = start + dt.timedelta(days=(end - start).days * index // max(digests, 1))
    volume = f"{index // 26 + 1}.{index % 26 + 1}"
    digest = Digest(source=f"synthetic-vol-{volume}.txt", series=SERIES, volume=volume,
                    published=published.isoformat(), published_from="metadata", bullets=[])
    pool = pools(seed)
    events = [_event(rng, position, published, pool) for position in range(1, EVENTS_PER_DIGEST + 1)]
    digest.bullets = [Bullet(event.position, event.headline, event.text) for event in events]
    return Extraction(digest, events)


def extractions(events: int, seed: int = 7) -> Iterator[Extraction]:
    """The synthetic extractions of a graph of `events` events (5 per digest)."""
    digests = digest_count(events)
    for index in range(digests):
        yield extraction(index, digests, seed)


def nquads_lines(graph_extraction: Extraction, described: set | None = None) -> str:
    """One digest as the store holds it, as N-Quads: its own triples in its named graph and the
    descriptions of its entities in the entities graph (kg.build.build_triples). Descriptions
    already in `described` are left out, and the ones written are added to it."""
    from kg.build import build_triples, digest_iri, entities_graph_iri
    from kg.store import to_oxigraph

    built = build_triples(graph_extraction)
    digest_graph = f" {to_oxigraph(digest_iri(graph_extraction.digest))} .\n"
    entities_graph = f" {to_oxigraph(entities_graph_iri())} .\n"
    lines = [f"{to_oxigraph(s)} {to_oxigraph(p)} {to_oxigraph(o)}{digest_graph}" for s, p, o in built.digest]
    for triple in built.descriptions:
        if described is not None:
            if triple in described:
                continue
            described.add(triple)
        s, p, o = triple
        lines.append(f"{to_oxigraph(s)} {to_oxigraph(p)} {to_oxigraph(o)}{entities_graph}")
    return "".join(lines)


def _write_chunk(args: tuple[int, int, int, int, str]) -> int:
    first, last, digests, seed, path = args
    quads = 0
    described: set = set()  # entity descriptions this chunk has written (other chunks repeat some)
    with open(path, "w", encoding="utf-8") as out:
        for index in range(first, last):
            text = nquads_lines(extraction(index, digests, seed), described)
            quads += text.count("\n")
            out.write(text)
    return quads


def _fingerprint(events: int, seed: int) -> str:
    """Changes whenever the generator's version or what the builder makes of a sample digest
    changes: edits to kg/build.py that leave its output alone keep the cache."""
    digest = hashlib.sha256(f"{events}-{seed}-{GENERATOR_VERSION}".encode())
    for index in range(2):
        sample = nquads_lines(extraction(index, 2, seed))
        digest.update("\n".join(sorted(sample.splitlines())).encode())
    return digest.hexdigest()[:12]


@dataclass
class SyntheticGraph:
    """A cached N-Quads file of the synthetic graph and what making it cost."""

    path: Path
    events: int
    quads: int  # lines written; the store holds fewer (chunks repeat some entity descriptions)
    seconds: float  # what building it took (when it was built, if taken from the cache)
    cached: bool
    workers: int


def write_nquads(events: int, seed: int = 7, workers: int | None = None, out: Path = OUT) -> SyntheticGraph:
    """Build (or reuse) the N-Quads file of `events` synthetic events under bench/out/."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"synthetic-{events}-{_fingerprint(events, seed)}.nq"
    facts_path = path.with_suffix(".json")
    if path.exists() and facts_path.exists():
        facts = json.loads(facts_path.read_text())
        return SyntheticGraph(path, events, facts["quads"], facts["seconds"], True, facts["workers"])
    digests = digest_count(events)
    workers = workers or min(os.cpu_count() or 1, 4)
    if digests < 200:
        workers = 1
    chunks = workers * 4
    bounds = [digests * i // chunks for i in range(chunks + 1)]
    jobs = [(bounds[i], bounds[i + 1], digests, seed, f"{path}.part{i}") for i in range(chunks)]
    started = time.perf_counter()
    if workers == 1:
        quads = sum(map(_write_chunk, jobs))
    else:
        with ProcessPoolExecutor(workers) as pool:
            quads = sum(pool.map(_write_chunk, jobs))
    with open(f"{path}.tmp", "wb") as whole:
        for job in jobs:
            with open(job[4], "rb") as part:
                while block := part.read(1 << 20):
                    whole.write(block)
            os.unlink(job[4])
    os.replace(f"{path}.tmp", path)
    elapsed = time.perf_counter() - started
    facts_path.write_text(json.dumps({"quads": quads, "seconds": elapsed, "workers": workers}))
    return SyntheticGraph(path, events, quads, elapsed, False, workers)


def run(context) -> list:
    """Benchmark section: make (or reuse) the graph at the run's scale and describe it."""
    from collections import Counter

    from bench.report import Table, ratio, seconds

    table = Table(f"Synthetic graph, {context.scale:,} events",
                  "Built with the project's `kg.build.build_triples`, one named graph per 5-event "
                  "digest plus the entities graph, cached under bench/out/ until the generator or "
                  "the builder's output changes. "
                  "Baseline: the notes' synthetic graph (~84 quads per event).")
    started = time.perf_counter()
    generated = list(extractions(min(context.scale, 10_000), context.seed))
    generation = time.perf_counter() - started
    events = [event for item in generated for event in item.events]
    table.add("generate extractions (no RDF)", f"{len(events) / generation:,.0f} events/s",
              note=f"{len(events):,} events in {seconds(generation)}")
    busiest = Counter(person.key for event in events for person in event.persons).most_common(1)[0]
    table.add("busiest person's share of events", f"{busiest[1] / len(events):.1%}",
              note=f"{busiest[0]}, in the first {len(events):,} events")
    table.add("mean description length", f"{sum(len(e.text) for e in events) / len(events):.0f} chars",
              "~600 chars")
    graph = context.graph(context.scale)
    how = "taken from the cache; it took" if graph.cached else "took"
    table.add("build graph through rdflib + write N-Quads", seconds(graph.seconds),
              note=f"{how} this with {graph.workers} worker process(es); "
                   f"{graph.events / graph.seconds:,.0f} events/s")
    per_event = graph.quads / graph.events
    table.add("quads", f"{graph.quads:,}", note=f"{graph.path.stat().st_size / 1e6:,.0f} MB of N-Quads")
    table.add("quads per event", f"{per_event:.0f}", "notes ~84", ratio(per_event, 84),
              "one mention node per span; entity descriptions in the entities graph (lines written, "
              "a few repeated across chunks)")
    return [table]


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Write the synthetic benchmark graph as N-Quads.")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    graph = write_nquads(args.events, args.seed)
    state = f"{'cached; ' if graph.cached else ''}built in {graph.seconds:.1f} s"
    print(f"{graph.path}: {graph.quads} quads for {graph.events} events ({state})")


if __name__ == "__main__":
    main()
