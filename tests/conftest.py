"""Shared fixtures: hand-made extractions of one small digest, and a fresh store folder.

- `meeting_extraction(volume="1.17", published="2022-09", day="2022-09-14", words="September 14",
  text=None)`: an `Extraction` with one event, Hamada (JP, Defense Minister) meeting Austin (US,
  Defense Secretary) in Washington on `day`, with mentions found in the text.
- `store_dir`: a path (not yet created) for a store.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kg.model import Bullet, DateRef, Digest, Entity, Event, Extraction, Span

SERIES = "US-Japan Alliance Digest"
MEETING_TEXT = (
    "Defense Minister Hamada met Defense Secretary Austin in Washington on {words} "
    "to discuss how the Japanese and American forces can deepen integrated deterrence."
)


def spans(text: str, *words: str) -> list[Span]:
    """The first occurrence of each of `words` in `text` as a Span."""
    found = []
    for word in words:
        begin = text.index(word)
        found.append(Span(begin, begin + len(word), word))
    return found


def meeting_event(position: int, text: str, day: str, words: str) -> Event:
    """Hamada and Austin meet in Washington on `day` (written `words` in the text)."""
    return Event(
        position=position,
        headline="Defense chiefs meet in Washington",
        text=text,
        persons=[
            Entity("person", "yasukazu-hamada", "Yasukazu Hamada", spans(text, "Hamada"),
                   role="Defense Minister", country="JP", wikidata="Q11477787", mention="Hamada"),
            Entity("person", "lloyd-austin", "Lloyd Austin", spans(text, "Austin"),
                   role="Defense Secretary", country="US", mention="Austin"),
        ],
        countries=[
            Entity("country", "JP", "Japan", spans(text, "Hamada", "Japanese"), wikidata="Q17"),
            Entity("country", "US", "United States", spans(text, "Austin", "Washington", "American")),
        ],
        places=[Entity("place", "washington-dc", "Washington", spans(text, "Washington"), country="US")],
        dates=[DateRef(day, spans(text, words))],
        topics=[Entity("topic", "integrated-deterrence", "integrated deterrence",
                       spans(text, "integrated deterrence"))],
        event_type=Entity("event_type", "CONSULT", "Consult"),
    )


def make_meeting_extraction(volume: str = "1.17", published: str = "2022-09", day: str = "2022-09-14",
                            words: str = "September 14", text: str | None = None) -> Extraction:
    text = text or MEETING_TEXT.format(words=words)
    digest = Digest(
        source=f"us-japan-alliance-digest-vol-{volume}.txt", series=SERIES, volume=volume,
        published=published, published_from="text",
        bullets=[Bullet(1, "Defense chiefs meet in Washington", text)],
    )
    return Extraction(digest, [meeting_event(1, text, day, words)])


def pytest_configure(config: pytest.Config) -> None:
    # pytest probes module attributes for mock markers; rdflib's closed namespaces (XSD) warn on it.
    config.addinivalue_line("filterwarnings", "ignore:Code. _mock_name is not defined:UserWarning")


@pytest.fixture
def meeting_extraction() -> Callable[..., Extraction]:
    return make_meeting_extraction


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "store"
