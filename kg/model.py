"""The records passed between stages: a read digest, and what extraction finds in it."""

from __future__ import annotations

from dataclasses import dataclass, field

ENTITY_KINDS = ("person", "organization", "country", "place", "topic", "event_type")


@dataclass(frozen=True)
class Bullet:
    """One detail bullet: its 1-based position, the headline announcing it, its exact words."""

    position: int
    headline: str | None
    text: str


@dataclass
class Digest:
    """One issue of a digest series as read from a file."""

    source: str  # the file name
    series: str
    volume: str
    published: str  # ISO date as precise as known: YYYY-MM-DD, YYYY-MM or YYYY
    published_from: str  # metadata | option | profile | text
    bullets: list[Bullet]
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.series} Vol {self.volume}"


@dataclass(frozen=True)
class Span:
    """Code-point offsets into a bullet's text, and the words found there."""

    begin: int
    end: int
    text: str


@dataclass
class Entity:
    """A person, organization, country, place, topic or event type named in one bullet."""

    kind: str
    key: str  # vocabulary id, ISO code, event-type code, or a slug of the name
    name: str
    spans: list[Span] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    role: str | None = None
    country: str | None = None
    wikidata: str | None = None
    mention: str | None = None  # persons: the fullest form the bullet uses


@dataclass
class DateRef:
    """A date the bullet refers to, as an ISO string, with the words that give it."""

    value: str
    spans: list[Span] = field(default_factory=list)


@dataclass
class Event:
    """One detail bullet and everything extracted from it."""

    position: int
    headline: str | None
    text: str
    persons: list[Entity] = field(default_factory=list)
    organizations: list[Entity] = field(default_factory=list)
    countries: list[Entity] = field(default_factory=list)
    places: list[Entity] = field(default_factory=list)
    dates: list[DateRef] = field(default_factory=list)
    topics: list[Entity] = field(default_factory=list)
    event_type: Entity | None = None

    def to_record(self) -> dict:
        """This event in the gold SCHEMA.md form."""
        return {
            "position": self.position,
            "headline": self.headline,
            "persons": [
                {"name": p.name, "mention": p.mention or p.name, "role": p.role, "country": p.country}
                for p in self.persons
            ],
            "organizations": [{"name": o.name, "aliases": list(o.aliases)} for o in self.organizations],
            "countries": sorted({c.key for c in self.countries}),
            "places": [{"name": p.name, "aliases": list(p.aliases)} for p in self.places],
            "dates": sorted({d.value for d in self.dates}),
            "topics": [t.name for t in self.topics],
            "event_type": self.event_type.key if self.event_type else None,
        }


@dataclass
class Extraction:
    """A digest and the events extracted from it."""

    digest: Digest
    events: list[Event]

    def to_record(self) -> dict:
        """The SCHEMA.md extraction record for this digest."""
        return {
            "source": self.digest.source,
            "series": self.digest.series,
            "volume": self.digest.volume,
            "published": self.digest.published,
            "events": [e.to_record() for e in self.events],
        }
