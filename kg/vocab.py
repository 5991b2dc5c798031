"""The one loader of the vocabularies and patterns under `data/`, validated and built into
matchers once per process (`load()` is cached).

Vocabulary surface forms (persons, organizations, places, countries, person titles, blocking
phrases) all go into one Aho-Corasick automaton, so a bullet is scanned once for all of them;
`Vocabulary.find` returns every hit that starts and ends on a word boundary.

Building takes a fraction of a second that every fresh `kg` command would wait for, so the
built vocabulary is also kept in a pickle under the user's cache folder (`$KG_CACHE`, else
`$XDG_CACHE_HOME/alliance-kg`, else `~/.cache/alliance-kg`), named by a hash of every data file
and of this module: editing any of them makes a new one (after upgrading pycountry, clear the
folder to pick up its new names). The cache is optional: if it cannot be read or written, the
vocabulary is simply built.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import ahocorasick

from kg.errors import VocabularyError
from kg.resources import resource

HIT_KINDS = ("person", "organization", "place", "country", "title", "blocker")  # what `find` reports
_SLUG = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$")  # IRI-safe
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_WIKIDATA = re.compile(r"^Q\d+$")


@dataclass(frozen=True)
class Role:
    """An office a person held: its title, the state or organization served, and when."""

    title: str
    of: str | None
    start: str | None
    end: str | None


@dataclass(frozen=True)
class Term:
    """One vocabulary entry: a person, organization, place or country."""

    kind: str
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    wikidata: str | None = None
    roles: tuple[Role, ...] = ()
    category: str | None = None  # organizations' and places' `kind`


@dataclass(frozen=True)
class Title:
    """A title that introduces a person, and the state it implies, if any."""

    text: str
    country: str | None


@dataclass(frozen=True)
class Concept:
    """A topic or event type: a SKOS concept with its trigger words."""

    key: str
    label: str
    broader: str | None
    definition: str | None
    triggers: tuple[str, ...]


class Hit(NamedTuple):
    """A vocabulary surface form found in a text: where, and what it may stand for."""

    begin: int
    end: int
    kind: str
    keys: tuple[str, ...]  # the terms (or the title) it may stand for; namesakes share a form


@dataclass
class Vocabulary:
    """Everything the extractor looks things up in."""

    terms: dict[tuple[str, str], Term]
    titles: dict[str, Title]  # keyed by the title as written in the data
    title_modifiers: frozenset[str]
    country_adjectives: frozenset[str]
    ambiguous_country_forms: frozenset[str]
    given_names: frozenset[str]
    japanese_given_names: frozenset[str]
    korean_surnames: frozenset[str]
    name_suffixes: frozenset[str]
    abbreviations: frozenset[str]
    prominent_roles: frozenset[str]
    speech_verbs: frozenset[str]
    stopwords: frozenset[str]
    org_heads: frozenset[str]
    org_leading_heads: tuple[str, ...]
    org_not_heads: frozenset[str]
    org_connectors: frozenset[str]
    org_generic_words: frozenset[str]
    org_not_acronyms: frozenset[str]
    org_unit_heads: frozenset[str]
    org_public_kinds: frozenset[str]
    org_heads_taking_place: frozenset[str]
    vessel_prefixes: frozenset[str]
    vessel_nouns: frozenset[str]
    org_cue_nouns: frozenset[str]
    org_not_starts: frozenset[str]
    place_prefixes: tuple[str, ...]
    place_suffixes: frozenset[str]
    place_prepositions: frozenset[str]
    place_name_stops: frozenset[str]
    place_titles: frozenset[str]
    not_places: frozenset[str]
    topics: tuple[Concept, ...]
    event_types: tuple[Concept, ...]
    topic_by_key: dict[str, Concept]
    event_type_by_key: dict[str, Concept]
    event_type_rank: dict[str, int]  # order in the file: the first wins a tie
    _automaton: ahocorasick.Automaton = field(repr=False)
    _trigger_automaton: ahocorasick.Automaton = field(repr=False)

    def term(self, kind: str, key: str) -> Term | None:
        return self.terms.get((kind, key))

    def find(self, text: str) -> list[Hit]:
        """Every vocabulary form in `text` that starts and ends on a word boundary."""
        hits = []
        append, size, new = hits.append, len(text), tuple.__new__
        for last, (length, entries) in self._automaton.iter(text):  # `_on_boundary`, inlined: hot
            begin, end = last - length + 1, last + 1
            if begin > 0 and text[begin - 1].isalnum():
                continue
            if end < size:
                after = text[end]
                if after.isalnum() or (after in "’'" and not _on_boundary(text, begin, end)):
                    continue
            for kind, keys in entries:
                append(new(Hit, (begin, end, kind, keys)))
        return hits

    def triggers(self, text: str) -> list[tuple[int, int, str, str]]:
        """(begin, end, scheme, key) for every topic/event-type trigger in `text` (any case)."""
        lowered = text.lower()
        if len(lowered) != len(text):  # a rare character whose lower case is longer
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        found = []
        size = len(lowered)
        for last, (length, entries) in self._trigger_automaton.iter(lowered):
            begin, end = last - length + 1, last + 1
            if begin > 0 and lowered[begin - 1].isalnum():  # `_on_boundary`, inlined: hot
                continue
            if end < size:
                after = lowered[end]
                if after.isalnum() or (after in "’'" and not _on_boundary(lowered, begin, end)):
                    continue
            found.extend([(begin, end, scheme, key) for scheme, key in entries])
        return found


def _on_boundary(text: str, begin: int, end: int) -> bool:
    """Does text[begin:end] start and end on word boundaries? A possessive "’s" may follow;
    an apostrophe inside a longer word ("O’Hara") may not."""
    before = text[begin - 1] if begin > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (
        before.isalnum()
        or after.isalnum()
        or (after in "’'" and text[end + 1 : end + 2].isalnum() and text[end + 1 : end + 2] not in "s")
    )


def vocab_dir() -> Path:
    return resource("data", "vocab")


def patterns_dir() -> Path:
    return resource("data", "patterns")


@functools.cache
def load() -> Vocabulary:
    """The vocabularies and patterns, loaded, validated and built once per process."""
    vocab, patterns = vocab_dir(), patterns_dir()
    key = hashlib.sha256(Path(__file__).read_bytes())
    for folder in (vocab, patterns):
        for path in sorted(folder.glob("*.toml")):
            key.update(path.name.encode() + b"\0" + path.read_bytes())
    cached = _cache_folder() / f"vocabulary-{key.hexdigest()[:24]}.pickle"
    try:
        with cached.open("rb") as stream:
            found = pickle.load(stream)
        if isinstance(found, Vocabulary):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass  # no cache yet, or one this code cannot read: build
    built = build(vocab, patterns)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        with partial.open("wb") as stream:
            pickle.dump(built, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cached)  # readers never see half a file
    except OSError:
        pass
    return built


def _cache_folder() -> Path:
    if os.environ.get("KG_CACHE"):
        return Path(os.environ["KG_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "alliance-kg"


def build(vocab: Path, patterns: Path) -> Vocabulary:
    """Load and validate the files in the two folders and build the matchers (uncached)."""
    import pycountry  # only when building: a cached vocabulary needs none of its data

    terms: dict[tuple[str, str], Term] = {}
    forms: dict[str, dict[str, list[str]]] = {}  # surface -> kind -> keys

    def add_form(surface: str, kind: str, key: str) -> None:
        keys = forms.setdefault(surface, {}).setdefault(kind, [])
        if key not in keys:
            keys.append(key)

    valid_codes = {c.alpha_2 for c in pycountry.countries}
    for kind, file_name in (
        ("person", "persons.toml"),
        ("organization", "organizations.toml"),
        ("place", "places.toml"),
    ):
        path = vocab / file_name
        for term in _read_terms(path, kind, valid_codes):
            if (kind, term.key) in terms:
                raise VocabularyError(f"{path}: id {term.key!r} appears twice")
            terms[(kind, term.key)] = term
            for surface in person_forms(term) if kind == "person" else (term.name, *term.aliases):
                for variant in _case_variants(surface):
                    add_form(variant, kind, term.key)

    adjectives, ambiguous = _read_countries(vocab / "countries.toml", valid_codes, terms, add_form)
    things = _read_toml(patterns / "not_entities.toml")
    for group in ("exercises", "operations", "phrases"):
        for phrase in _word_list(things, group, patterns / "not_entities.toml"):
            for variant in {phrase, phrase[0].upper() + phrase[1:]}:
                add_form(variant, "blocker", group)
    titles = _read_titles(patterns / "titles.toml", valid_codes, add_form)

    names = _read_toml(patterns / "names.toml")
    stop = _read_toml(patterns / "stopwords.toml")
    orgs = _read_toml(patterns / "organizations.toml")
    places = _read_toml(patterns / "places.toml")
    topics = _read_concepts(vocab / "topics.toml", "topic")
    event_types = _read_concepts(vocab / "event_types.toml", "event_type")

    automaton = ahocorasick.Automaton()
    for surface, by_kind in forms.items():
        automaton.add_word(surface, (len(surface), tuple((k, tuple(v)) for k, v in by_kind.items())))
    automaton.make_automaton()

    trigger_forms: dict[str, list[tuple[str, str]]] = {}
    for scheme, concepts in (("topic", topics), ("event_type", event_types)):
        for concept in concepts:
            for trigger in concept.triggers:
                trigger_forms.setdefault(trigger.lower(), []).append((scheme, concept.key))
    trigger_automaton = ahocorasick.Automaton()
    for surface, entries in trigger_forms.items():
        trigger_automaton.add_word(surface, (len(surface), tuple(entries)))
    trigger_automaton.make_automaton()

    words = _word_list

    return Vocabulary(
        terms=terms,
        titles=titles,
        title_modifiers=frozenset(_read_toml(patterns / "titles.toml").get("modifiers", [])),
        country_adjectives=frozenset(adjectives),
        ambiguous_country_forms=frozenset(ambiguous),
        given_names=frozenset(words(names, "given_names", patterns / "names.toml")),
        japanese_given_names=frozenset(words(names, "japanese_given_names", patterns / "names.toml")),
        korean_surnames=frozenset(words(names, "korean_surnames", patterns / "names.toml")),
        name_suffixes=frozenset(words(names, "suffixes", patterns / "names.toml")),
        abbreviations=frozenset(words(names, "abbreviations", patterns / "names.toml")),
        prominent_roles=frozenset(
            r.lower() for r in words(names, "prominent_roles", patterns / "names.toml")
        ),
        speech_verbs=frozenset(words(names, "speech_verbs", patterns / "names.toml")),
        stopwords=frozenset(words(stop, "words", patterns / "stopwords.toml")),
        org_heads=frozenset(words(orgs, "heads", patterns / "organizations.toml")),
        org_leading_heads=tuple(words(orgs, "leading_heads", patterns / "organizations.toml")),
        org_not_heads=frozenset(words(orgs, "not_heads", patterns / "organizations.toml")),
        org_connectors=frozenset(words(orgs, "connectors", patterns / "organizations.toml")),
        org_generic_words=frozenset(words(orgs, "generic_words", patterns / "organizations.toml")),
        org_not_acronyms=frozenset(words(orgs, "not_acronyms", patterns / "organizations.toml")),
        org_unit_heads=frozenset(words(orgs, "unit_heads", patterns / "organizations.toml")),
        org_public_kinds=frozenset(words(orgs, "public_kinds", patterns / "organizations.toml")),
        org_heads_taking_place=frozenset(words(orgs, "heads_taking_place", patterns / "organizations.toml")),
        vessel_prefixes=frozenset(words(orgs, "vessel_prefixes", patterns / "organizations.toml")),
        vessel_nouns=frozenset(words(orgs, "vessel_nouns", patterns / "organizations.toml")),
        org_cue_nouns=frozenset(words(orgs, "cue_nouns", patterns / "organizations.toml")),
        org_not_starts=frozenset(words(orgs, "not_starts", patterns / "organizations.toml")),
        place_prefixes=tuple(words(places, "prefixes", patterns / "places.toml")),
        place_suffixes=frozenset(words(places, "suffixes", patterns / "places.toml")),
        place_prepositions=frozenset(words(places, "after_prepositions", patterns / "places.toml")),
        place_name_stops=frozenset(words(places, "name_stops", patterns / "places.toml")),
        place_titles=frozenset(words(places, "place_titles", patterns / "places.toml")),
        not_places=frozenset(words(places, "not_places", patterns / "places.toml")),
        topics=topics,
        event_types=event_types,
        topic_by_key={c.key: c for c in topics},
        event_type_by_key={c.key: c for c in event_types},
        event_type_rank={c.key: rank for rank, c in enumerate(event_types)},
        _automaton=automaton,
        _trigger_automaton=trigger_automaton,
    )


def _word_list(table: dict, name: str, path: Path) -> list[str]:
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise VocabularyError(f"{path}: {name!r} must be a list of non-empty strings")
    return value


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise VocabularyError(f"{path}: vocabulary file missing") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise VocabularyError(f"{path}: not valid TOML: {error}") from None


def _string(entry: dict, name: str, path: Path, where: str, *, required: bool = False) -> str | None:
    value = entry.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise VocabularyError(f"{path}: {where}: {name!r} must be a non-empty string")
    return value


def _read_terms(path: Path, kind: str, valid_codes: set[str]) -> list[Term]:
    table = _read_toml(path)
    entries = table.get(kind, [])
    if not isinstance(entries, list):
        raise VocabularyError(f"{path}: [[{kind}]] must be an array of tables")
    terms = []
    for number, entry in enumerate(entries, 1):
        where = f"entry {number} ({entry.get('id', 'no id') if isinstance(entry, dict) else '?'})"
        if not isinstance(entry, dict):
            raise VocabularyError(f"{path}: {where}: not a table")
        key = _string(entry, "id", path, where, required=True)
        if not _SLUG.match(key):
            raise VocabularyError(f"{path}: {where}: id {key!r} is not a slug (letters, digits, hyphens)")
        name = _string(entry, "name", path, where, required=True)
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise VocabularyError(f"{path}: {where}: 'aliases' must be a list of non-empty strings")
        country = _string(entry, "country", path, where)
        if country is not None and country not in valid_codes:
            raise VocabularyError(f"{path}: {where}: country {country!r} is not an ISO 3166-1 alpha-2 code")
        wikidata = _string(entry, "wikidata", path, where)
        if wikidata is not None and not _WIKIDATA.match(wikidata):
            raise VocabularyError(f"{path}: {where}: wikidata {wikidata!r} is not a Q-id")
        roles = []
        for role in entry.get("roles", []) if kind == "person" else []:
            if not isinstance(role, dict):
                raise VocabularyError(f"{path}: {where}: a role is not a table")
            title = _string(role, "title", path, where, required=True)
            dates = [_string(role, name, path, where) for name in ("start", "end")]
            for value in dates:
                if value is not None and not _ISO_DATE.match(value):
                    raise VocabularyError(f"{path}: {where}: role date {value!r} is not an ISO date")
            roles.append(Role(title, _string(role, "of", path, where), dates[0], dates[1]))
        terms.append(
            Term(
                kind,
                key,
                name.strip(),
                tuple(a.strip() for a in aliases),
                country,
                wikidata,
                tuple(roles),
                _string(entry, "kind", path, where),
            )
        )
    return terms


def person_forms(term: Term) -> list[str]:
    """A person's name, aliases, and two-word names in the other order ("Abe Shinzo")."""
    found = [term.name, *term.aliases]
    for form in list(found):
        parts = form.split()
        if len(parts) == 2 and not form.endswith("."):
            found.append(f"{parts[1]} {parts[0]}")
    return found


def _case_variants(surface: str) -> list[str]:
    """The form as written and, for a lower-case start, capitalized ("industry ministry")."""
    if surface[:1].islower():
        return [surface, surface[0].upper() + surface[1:]]
    return [surface]


def _read_countries(path: Path, valid_codes: set[str], terms: dict, add_form) -> tuple[set[str], set[str]]:
    import pycountry

    table = _read_toml(path)
    territories = set(table.get("territories", []))
    ambiguous = set(table.get("ambiguous", []))
    for blocker in table.get("blockers", []):
        add_form(blocker, "blocker", "country")
    extra: dict[str, dict] = {}
    for number, entry in enumerate(table.get("country", []), 1):
        code = entry.get("code") if isinstance(entry, dict) else None
        if code not in valid_codes:
            raise VocabularyError(f"{path}: entry {number}: code {code!r} is not an ISO 3166-1 alpha-2 code")
        for name in ("names", "adjectives", "demonyms"):
            value = entry.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise VocabularyError(f"{path}: entry {number} ({code}): {name!r} must be a list of strings")
        extra[code] = entry
    adjectives: set[str] = set()
    for country in pycountry.countries:
        code = country.alpha_2
        if code in territories:
            continue
        common = getattr(country, "common_name", None)
        label = common or country.name
        entry = extra.get(code, {})
        names = [
            n for n in (common, country.name, getattr(country, "official_name", None)) if n and "," not in n
        ]
        names += entry.get("names", [])
        terms[("country", code)] = Term("country", code, label, tuple(dict.fromkeys(names)))
        for form in [*names, *entry.get("adjectives", []), *entry.get("demonyms", [])]:
            add_form(form, "country", code)
        adjectives.update(entry.get("adjectives", []))
    return adjectives, ambiguous


def _read_titles(path: Path, valid_codes: set[str], add_form) -> dict[str, Title]:
    table = _read_toml(path)
    titles = {}
    for number, entry in enumerate(table.get("title", []), 1):
        where = f"entry {number}"
        text = _string(entry, "text", path, where, required=True)
        country = _string(entry, "country", path, where)
        if country is not None and country not in valid_codes:
            raise VocabularyError(f"{path}: {where} ({text}): country {country!r} is not an ISO code")
        titles[text] = Title(text, country)
        for variant in _title_variants(text):
            add_form(variant, "title", text)
    return titles


def _title_variants(text: str) -> list[str]:
    """The title as written, its plural, and other cases for ordinary words ("Defense
    Minister", "defense minister", "Defense Ministers"); abbreviations only as written."""
    words = text.split()
    if text.endswith(".") or any(len(w) > 1 and w.isupper() for w in words):
        return [text]
    cased = {text, text.lower(), " ".join(w[:1].upper() + w[1:] for w in words), text[0].upper() + text[1:]}
    variants = set(cased)
    for form in cased:
        variants.add(form[:-1] + "ies" if form.endswith("y") else form + "s")  # "Secretaries"
        head, _, rest = form.partition(" ")
        if rest and head.lower() in {"director", "minister", "consul", "attorney"}:
            variants.add(f"{head}s {rest}")  # "Directors General"
    return sorted(variants)


def _read_concepts(path: Path, kind: str) -> tuple[Concept, ...]:
    table = _read_toml(path)
    entries = table.get(kind, [])
    concepts = []
    for number, entry in enumerate(entries, 1):
        where = f"entry {number}"
        key = _string(entry, "id", path, where, required=True)
        triggers = entry.get("triggers", [])
        if not isinstance(triggers, list) or not all(isinstance(t, str) and t for t in triggers):
            raise VocabularyError(f"{path}: {where} ({key}): 'triggers' must be a list of strings")
        concepts.append(
            Concept(
                key,
                _string(entry, "label", path, where, required=True),
                _string(entry, "broader", path, where),
                _string(entry, "definition", path, where),
                tuple(triggers),
            )
        )
    keys = {c.key for c in concepts}
    for concept in concepts:
        if concept.broader and concept.broader not in keys:
            raise VocabularyError(f"{path}: {concept.key}: broader {concept.broader!r} is not defined")
    return tuple(concepts)
