"""Extraction: a read `Digest` -> `Extraction`, one `Event` per detail bullet, each naming its
persons, organizations, countries, places, dates, topics and event type with exact spans.

One bullet is handled in a few passes over its text:
1. the vocabulary automaton finds every known form (persons, organizations, places, countries,
   person titles, blocking phrases) and the organization/place patterns propose unknown ones;
2. candidates are resolved longest first into non-overlapping spans; country words and
   leading organizations nested inside a chosen organization or place still count
   ("Japanese Ground Self-Defense Force" gives JP, "MOFA International Cooperation Bureau"
   gives MOFA beside the bureau);
3. persons come from the vocabulary and from patterns around titles ("Defense Minister
   Hamada", "national security advisors Sullivan, Akiba, and Kim", "Keiichi Ono, Director
   General of ..."), given names ("William Hagerty", "Okano Masataka") and Korean names;
   namesakes are told apart by the title in the bullet and the roles' dates;
4. unknown places after prepositions ("in Greensboro") fill in what nothing else claimed;
5. countries are collected from their words and from every person, organization and place.
Across the bullets of a digest, a person found by pattern in one is found by surname in the
others, and a known person named by a bare surname needs the digest to name them elsewhere.
The words and patterns are data (`data/patterns/*.toml`, loaded by `kg.vocab`), not code.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, chain
from operator import attrgetter, itemgetter
from typing import NamedTuple

from kg import vocab as vocabulary
from kg.dates import find_dates
from kg.model import Bullet, Digest, Entity, Event, Extraction, Span
from kg.vocab import Hit, Term, Vocabulary, person_forms

# Kinds that win a tie between candidates covering the same words (lower wins).
_PRIORITY = {"blocker": 0, "organization": 1, "place": 2, "person": 3, "country": 4, "title": 5}

# A word (its possessive "’s" apart, a final period kept for `_tokens` to judge), an initial,
# a possessive, or any other mark.
_INITIALS = re.compile(r"^(?:[A-Z]\.|(?:[A-Za-z]\.){2,})$")  # "W.", "U.S.", "D.C."
_ACRONYM = re.compile(r"^[A-Z][A-Za-z&\-]*[A-Z]$|^[A-Z]{2,}\d*$")
_STANDALONE_ACRONYM = re.compile(r"^(?:[A-Z]{3,6}|[A-Z]{2,4}\d{1,2})$")  # "JAXA", "CSIS", "ASEAN"
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$")
_HYPHENATED_GIVEN = re.compile(r"^[A-Z][a-z]+-[a-z]+$")
# A word that is spelled as romanized Japanese (Hepburn syllables, long vowels, doubled
# consonants, a syllabic "n"): "takeharu", "yumi", "shinjiro"; not "washington", "kenneth".
_JAPANESE_WORD = re.compile(
    r"^(?:(?:[kstcp](?=[kstcp]))?(?:sh|ch|ts|[kgsztdnhbpmr]y|[kgsztdnhbpmryfjw])?[aiueo][aiueo]?|n(?![aiueoy]))+(?<!nn)$"
)
_OF = frozenset({"of"})
_NOT_IN_ORGANIZATION_NAMES = frozenset({"person", "title", "place", "country", "blocker"})
_ROLE_CONNECTORS = frozenset({"of", "for", "to", "the", "and", "on"})


class Token(NamedTuple):
    """A word or mark of a bullet and its code-point offsets."""

    begin: int
    end: int
    text: str
    capitalized: bool  # starts with an upper-case letter


@dataclass(eq=False, slots=True)  # compared and hashed by identity
class Candidate:
    """Words that may name something: a vocabulary hit or a pattern find, before resolution."""

    begin: int
    end: int
    kind: str
    keys: tuple[str, ...] = ()
    from_vocabulary: bool = True
    name: str | None = None  # for pattern finds: the name as written
    nested: list[Candidate] = field(default_factory=list)


@dataclass
class PersonMention:
    """Words naming a person, with the title the bullet gives them."""

    begin: int
    end: int
    keys: tuple[str, ...]  # vocabulary namesakes; empty when found by a pattern
    title: str | None = None  # the title as written in the bullet
    title_key: str | None = None
    title_begin: int | None = None
    country_hint: str | None = None
    family_first: bool = False  # written family name first ("Okano Masataka")


def extract(digest: Digest) -> Extraction:
    """Every detail bullet of `digest` as an `Event`. A person no vocabulary knows, found by
    pattern in one bullet ("Governor Taro Hoshizora"), is also found by surname in the others;
    a known person named by a bare surname counts if the digest names them elsewhere too (in
    another bullet or a headline)."""
    vocab = vocabulary.load()
    found = [_extract_event(bullet, digest.published, vocab) for bullet in digest.bullets]
    events = [event for event, _ in found]
    confirmed = {p.key for event in events for p in event.persons}
    headlines = " ".join(b.headline for b in digest.bullets if b.headline)
    for event, tentative in found:  # a bare surname of someone the digest names elsewhere too
        for person in tentative:
            if person.key in confirmed or re.search(rf"\b{re.escape(person.spans[0].text)}\b", headlines):
                _add_person(event, person, vocab)
    surnames: dict[str, Entity] = {}
    for event in events:
        for person in event.persons:
            if vocab.term("person", person.key) is None:
                for word in _surnames(person.mention or person.name, vocab, titled=person.role is not None):
                    surnames.setdefault(word, person)
    if surnames:
        for event in events:
            _add_named_elsewhere(event, surnames, vocab)
    return Extraction(digest, events)


def extract_event(bullet: Bullet, published: str) -> Event:
    """The persons, organizations, countries, places, dates, topics and event type of one bullet;
    `published` (ISO, as precise as known) dates the roles that tell namesakes apart."""
    return _extract_event(bullet, published, vocabulary.load())[0]


def _extract_event(bullet: Bullet, published: str, vocab: Vocabulary) -> tuple[Event, list[Entity]]:
    """The event, and the known persons named only by a bare surname (see `_Bullet._tentative`)."""
    found = _Bullet(bullet.text, published, vocab)
    topics, event_type = found.concepts(bullet.headline)
    event = Event(
        position=bullet.position,
        headline=bullet.headline,
        text=bullet.text,
        persons=found.persons,
        organizations=found.organizations,
        countries=found.countries,
        places=found.places,
        dates=find_dates(bullet.text, published),
        topics=topics,
        event_type=event_type,
    )
    own = {
        w: p
        for p in event.persons
        if found.vocab.term("person", p.key) is None
        for w in _surnames(p.mention or p.name, found.vocab)
    }
    if own:
        _add_named_elsewhere(event, own, found.vocab)
    return event, found.tentative


class _Bullet:
    """The work on one bullet's text."""

    def __init__(self, text: str, published: str, vocab: Vocabulary) -> None:
        self.text = text
        self.published = published
        self.vocab = vocab
        self.tokens = _tokens(text, vocab.abbreviations)
        self.starts = {t.begin: i for i, t in enumerate(self.tokens)}
        self.token_begins = [t.begin for t in self.tokens]
        self.token_ends = [t.end for t in self.tokens]
        self.where: dict[str, list[int]] = {}  # word -> the indexes of its tokens
        for i, token in enumerate(self.tokens):
            self.where.setdefault(token.text, []).append(i)
        self.hits = vocab.find(text)
        resolved = _resolve(self._candidates())
        self.chosen = [c for c in resolved if c.kind != "blocker"]
        self.claimed: dict[int, Candidate] = {}  # token index -> the chosen span covering it
        for candidate in resolved:
            self.claimed.update(dict.fromkeys(self._token_range(candidate.begin, candidate.end), candidate))
        self._apply_local_acronyms()
        self._choose_namesakes()
        self.persons = self._persons()
        self.places = self._places()
        self.organizations = self._organizations()
        self.countries = self._countries()

    # -- what the bullet itself settles ----------------------------------------------------

    def _apply_local_acronyms(self) -> None:
        """An acronym in parentheses right after an organization's name ("Japan’s National
        Security Council (NSC)", "Democratic Party for the People (DPP)") stands for that
        organization wherever the bullet uses it: it is not looked up again (where "NSC" is
        the US council and "DPP" Taiwan's party)."""
        if "(" not in self.text:
            return
        tokens, defined = self.tokens, {}
        for c in self.chosen:
            if c.kind != "organization":
                continue
            last = self._token_range(c.begin, c.end)[-1]
            if (
                last + 3 < len(tokens)
                and tokens[last + 1].text == "("
                and tokens[last + 3].text == ")"
                and _ACRONYM.match(tokens[last + 2].text)
            ):
                defined.setdefault(tokens[last + 2].text, c)
        if not defined:
            return
        for c in self.chosen:
            owner = defined.get(self.text[c.begin : c.end])
            if owner is not None and c is not owner:
                c.kind, c.keys, c.from_vocabulary = owner.kind, owner.keys, owner.from_vocabulary
                c.name, c.nested = owner.name, []

    def _choose_namesakes(self) -> None:
        """An organization or place form that several entries share ("House of
        Representatives": the US House or Japan's) goes to the entry of the state the bullet
        is about: the one its other countries, persons, organizations and places name most."""
        shared = [
            c
            for c in self.chosen
            if len(c.keys) > 1 and c.from_vocabulary and c.kind in ("organization", "place")
        ]
        if not shared:
            return
        weight: dict[str, int] = {}
        for c in self.chosen:
            if len(c.keys) != 1 or not c.from_vocabulary:
                continue
            term = self.vocab.term(c.kind, c.keys[0]) if c.kind != "title" else None
            state = c.keys[0] if c.kind == "country" else (term.country if term is not None else None)
            if state:
                weight[state] = weight.get(state, 0) + 1
            for inner in c.nested:
                if inner.kind == "country":
                    weight[inner.keys[0]] = weight.get(inner.keys[0], 0) + 1
        for c in shared:
            terms = [self.vocab.term(c.kind, key) for key in c.keys]
            best = max(
                range(len(terms)),
                key=lambda k: (weight.get(terms[k].country, 0) if terms[k] else 0, -k),
            )
            c.keys = (c.keys[best], *c.keys[:best], *c.keys[best + 1 :])

    # -- tokens ---------------------------------------------------------------------------

    def _token_range(self, begin: int, end: int) -> range:
        """Indexes of the tokens overlapping text[begin:end]."""
        return range(bisect.bisect_right(self.token_ends, begin), bisect.bisect_left(self.token_begins, end))

    def _indexes(self, words: frozenset[str]) -> list[int]:
        """The indexes of the tokens that are one of `words`, in order."""
        where = self.where
        # `intersection` with a dict walks the dict (the bullet's few words), not the word list
        return sorted(i for word in words.intersection(where) for i in where[word])

    def _span(self, begin: int, end: int) -> Span:
        return Span(begin, end, self.text[begin:end])

    def _index_at(self, begin: int) -> int | None:
        return self.starts.get(begin)

    def _is_name_word(self, i: int) -> bool:
        """Could token i be part of a person's name found by pattern?"""
        if i >= len(self.tokens) or i in self.claimed:
            return False
        word = self.tokens[i].text
        return (
            word[:1].isupper()
            and word not in self.vocab.stopwords
            and not _ACRONYM.match(word)
            and not word.isupper()
            and word not in self.vocab.not_places
            and word not in self.vocab.place_suffixes
            and word not in self.vocab.org_heads
        )

    def _adjacent(self, i: int, j: int) -> bool:
        """Tokens i and j (i < j) separated only by white space."""
        gap = self.text[self.tokens[i].end : self.tokens[j].begin]
        return gap == " " or not gap.strip()

    # -- candidates -----------------------------------------------------------------------

    def _candidates(self) -> list[Candidate]:
        candidates = [
            Candidate(h.begin, h.end, h.kind, h.keys)
            for h in self.hits
            if h.kind != "country" or self._country_form_counts(h)
        ]
        candidates += self._organization_patterns()
        candidates += self._place_patterns()
        # a ship's name ("USS George Washington", "the carrier Fujian") names no person, place
        # or organization
        tokens = self.tokens
        for i in self._indexes(_union(self.vocab.vessel_nouns, self.vocab.vessel_prefixes)):
            token = tokens[i]
            if token.text in self.vocab.vessel_nouns and i + 1 < len(tokens):
                first = tokens[i + 1]
                if first.capitalized and not self.hit_kinds.get(i + 1, set()) & {"country", "title"}:
                    end = i + 1
                    while (
                        end + 1 < len(tokens)
                        and end - i < 3
                        and tokens[end + 1].capitalized
                        and self._adjacent(end, end + 1)
                    ):
                        end += 1
                    candidates.append(Candidate(token.begin, tokens[end].end, "blocker", (), False))
            elif token.text in self.vocab.vessel_prefixes:
                end = i
                while (
                    end + 1 < len(tokens)
                    and end - i < 4
                    and tokens[end + 1].capitalized
                    and self._adjacent(end, end + 1)
                ):
                    end += 1
                if end > i:
                    candidates.append(Candidate(token.begin, tokens[end].end, "blocker", (), False))
        return candidates

    def _country_form_counts(self, hit: Hit) -> bool:
        """Ambiguous forms ("Chad", "Jordan") count only with no capitalized word beside them."""
        form = self.text[hit.begin : hit.end]
        if form not in self.vocab.ambiguous_country_forms:
            return True
        before = self.text[: hit.begin].rstrip().split(" ")[-1:]
        after = self.text[hit.end :].lstrip().split(" ")[:1]
        return not any(w[:1].isupper() for w in before + after if w)

    def _organization_patterns(self) -> list[Candidate]:
        vocab, tokens = self.vocab, self.tokens
        self.hit_kinds: dict[int, set[str]] = {}
        for hit in self.hits:
            for i in self._token_range(hit.begin, hit.end):
                kinds = self.hit_kinds.get(i)
                if kinds is None:
                    self.hit_kinds[i] = {hit.kind}
                else:
                    kinds.add(hit.kind)
        # a name pattern stops at a person, a title, or a blocked name ("Keen Sword")
        person_or_title = {
            i for i, kinds in self.hit_kinds.items() if kinds & {"person", "title", "blocker"}
        }
        # "(X)": an acronym the bullet defines
        defined = [
            i + 1
            for i in self.where.get("(", ())
            if 2 <= i + 1 < len(tokens) - 1 and tokens[i + 2].text == ")"
        ]
        spelled_out: set[str] = set()
        for i in defined:  # acronyms defined after something that is no organization
            if tokens[i - 2].text in vocab.org_not_heads:
                spelled_out.add(tokens[i].text)
        found = []
        for i in self._indexes(vocab.org_heads):
            if i in person_or_title:
                continue
            start = self._walk_back(i, person_or_title)
            end = self._walk_forward(i, person_or_title)
            if end == i and start == i:
                continue  # a head word alone ("Congress", "Cabinet") is no name
            if tokens[end].text in vocab.org_not_heads or self._generic(start, end):
                continue
            acronym = (
                end + 2
                if end + 3 < len(tokens)
                and tokens[end + 1].text == "("
                and tokens[end + 3].text == ")"
                and _initials_match(tokens[end + 2].text, [t.text for t in tokens[start : end + 1]])
                else None
            )
            if self._quoted(start, end):
                continue  # a quoted name (“Global Partnership for the Future”) is an initiative's
            found.append(self._pattern("organization", start, end, acronym=acronym))
        # "Science Council of Japan (SCJ)", "Luzon Economic Corridor (LEC)": a capitalized
        # name followed by an acronym of its initials.
        for i in defined:
            if not _ACRONYM.match(tokens[i].text):
                continue
            end = i - 2
            start = end
            while (
                start - 1 >= 0
                and (tokens[start - 1].capitalized or tokens[start - 1].text in vocab.org_connectors)
                and self._adjacent(start - 1, start)
                and start - 1 not in person_or_title
            ):
                start -= 1
            while start < end and (
                tokens[start].text in vocab.org_connectors or tokens[start].text in vocab.org_not_starts
            ):
                start += 1
            if not tokens[start].capitalized or tokens[end].text in vocab.org_not_heads:
                continue
            words = [tokens[k].text for k in range(start, end + 1)]
            if _initials_match(tokens[i].text, words):
                found.append(self._pattern("organization", start, end, acronym=i))
            else:
                spelled_out.add(tokens[i].text)  # "(HIMARS)" after a weapon's name
        # A name right after a noun that says what it is: "chipmaker Rapidus", "US partner
        # Western Digital" (the name's words claimed by nothing else but organizations).
        for i in self._indexes(_last_words(vocab.org_cue_nouns)):
            token = tokens[i]
            if i + 1 >= len(tokens):
                continue
            cue = token.text if token.text in vocab.org_cue_nouns else None
            if cue is None and i > 0 and f"{tokens[i - 1].text} {token.text}" in vocab.org_cue_nouns:
                cue = token.text
            if cue is None or not self._adjacent(i, i + 1):
                continue
            end = i
            while (
                end + 1 < len(tokens)
                and end - i < 4
                and self._adjacent(end, end + 1)
                and (tokens[end + 1].capitalized or any(c.isdigit() for c in tokens[end + 1].text))
                and not self.hit_kinds.get(end + 1, set()) & _NOT_IN_ORGANIZATION_NAMES
                and tokens[end + 1].text not in vocab.org_not_starts
            ):
                end += 1
            if end > i and tokens[i + 1].capitalized and not self._quoted(i + 1, end):
                found.append(self._pattern("organization", i + 1, end))
        # A stand-alone acronym no vocabulary knows ("JAXA", "CSIS") names an organization.
        for i, token in enumerate(tokens):
            word = token.text
            if (
                token.capitalized
                and word.isupper()
                and _STANDALONE_ACRONYM.match(word)
                and word not in vocab.org_not_acronyms
                and word not in spelled_out
                and not self.hit_kinds.get(i)
                and not (i > 0 and tokens[i - 1].text == "(")
                and not self._beside_unknown_name(i)
            ):
                found.append(self._pattern("organization", i, i))
        return found

    def _generic(self, start: int, end: int) -> bool:
        """A state's name with generic words ("US Armed Forces", "Government of Japan")."""
        vocab = self.vocab
        has_country = False
        for k in range(start, end + 1):
            word = self.tokens[k].text
            if "country" in self.hit_kinds.get(k, ()):
                has_country = True
            elif (
                word not in vocab.org_connectors
                and word not in vocab.org_generic_words
                and word[:1].isalnum()
            ):
                return False
        return has_country

    def _quoted(self, start: int, end: int) -> bool:
        """Does a quotation mark open right before token `start`? A quoted name (“Global
        Partnership for the Future”, “Task Force”) is an initiative's or a slogan's."""
        return self.text[: self.tokens[start].begin].rstrip()[-1:] in ("“", '"')

    def _beside_unknown_name(self, i: int) -> bool:
        """Is token i part of a longer capitalized name ("SM-3 Block IIA", "USS Ralph Johnson")?"""
        for j in (i - 1, i + 1):
            if 0 <= j < len(self.tokens) and self._adjacent(min(i, j), max(i, j)):
                token = self.tokens[j]
                if (token.capitalized or any(c.isdigit() for c in token.text)) and not self.hit_kinds.get(j):
                    return True
        return False

    def _walk_back(self, i: int, stop: set[int]) -> int:
        vocab, tokens = self.vocab, self.tokens
        start = i
        k = i - 1
        after_connector = crossed_and = False
        while k >= 0 and (self._adjacent(k, k + 1) or tokens[k + 1].text == ",") and k not in stop:
            word = tokens[k].text
            if after_connector and "organization" in self.hit_kinds.get(k, ()):
                break  # "the Diet and Congress" are two organizations
            after_connector = False
            if word.endswith("-based"):
                break  # "Tokyo-based Japan Forum ...": the firm's seat, not its name
            if (word[:1].isupper() or _ORDINAL.match(word)) and word not in vocab.org_not_starts:
                start = k
            elif (
                word in ("of", "for", "on", "&")
                and k > 0
                and tokens[k - 1].capitalized
                and (tokens[k - 1].text in vocab.org_heads or tokens[k - 1].text in vocab.stopwords)
            ):  # "Corps of Engineers Japan District", not "Yuki Tatsumi of the Stimson Center"
                after_connector = True
            elif word == "the" and k > 0 and tokens[k - 1].text in ("of", "on", "for"):
                pass
            elif (
                word == "and"
                and k > 0
                and tokens[k - 1].text in vocab.stopwords
                and tokens[k - 1].text not in vocab.org_generic_words
                and tokens[k - 1].text not in vocab.org_heads
            ):
                after_connector = crossed_and = True
            elif word == "," and crossed_and and k > 0 and tokens[k - 1].capitalized:
                after_connector = True  # "Acquisition, Technology and Logistics Agency"
            else:
                break
            k -= 1
        return start

    def _walk_forward(self, i: int, stop: set[int]) -> int:
        """Extend an organization past its head over "of/for/on ..." ("Council of Japan")."""
        tokens = self.tokens
        end = i
        k = i + 1
        if (
            tokens[i].text in self.vocab.org_heads_taking_place
            and k < len(tokens)
            and self._adjacent(i, k)
            and self.hit_kinds.get(k, set()) & {"country", "place"}
            and tokens[k].capitalized
        ):
            return k  # "Marine Corps Forces Japan"
        seen_connector = None
        while k < len(tokens) and self._adjacent(k - 1, k) and k not in stop:
            word = tokens[k].text
            kinds = self.hit_kinds.get(k, set())
            if (
                word in self.vocab.not_places
                or any(c.isdigit() for c in word)
                or kinds & {"person", "title"}
                or (
                    seen_connector in ("on", "for")
                    and word[:1].isupper()
                    and word not in self.vocab.stopwords
                )
            ):
                break  # "State Department on March 7", "Regiment on Okinawa"; "Council on Foreign Relations"
            if word in ("of", "for", "on") and not seen_connector:
                seen_connector = word
            elif (word == "the" and seen_connector) or (
                word in ("and", "&", ",")
                and seen_connector
                and k + 1 < len(tokens)
                and tokens[k + 1].capitalized
            ):
                pass
            elif word[:1].isupper() and seen_connector and word not in self.vocab.org_not_starts:
                end = k
            else:
                break
            k += 1
        return end

    def _place_patterns(self) -> list[Candidate]:
        vocab, tokens = self.vocab, self.tokens
        found = []
        prefixes = _first_words(vocab.place_prefixes)
        suffixes = _first_words(vocab.place_suffixes)
        starters = _starters(vocab.place_prefixes, vocab.place_suffixes)
        for i in self._indexes(starters):
            token = tokens[i]
            for words in prefixes.get(token.text, ()):
                if tuple(t.text for t in tokens[i : i + len(words)]) != words:
                    continue
                k = i + len(words)
                end = None
                while (
                    k < len(tokens)
                    and k - i - len(words) < 3
                    and self._adjacent(k - 1, k)
                    and tokens[k].capitalized
                    and tokens[k].text not in vocab.place_name_stops
                ):
                    end = k
                    k += 1
                if end is not None:
                    found.append(
                        self._pattern(
                            "place", i, end, bare=(i + len(words), end) if words[0][0].islower() else None
                        )
                    )
            suffix_len = 0
            for words in suffixes.get(token.text, ()):
                if tuple(t.text for t in tokens[i : i + len(words)]) == words:
                    suffix_len = len(words)
                    break
            if suffix_len and i > 0:
                start = None
                k = i - 1
                while (
                    k >= 0
                    and i - k <= 3
                    and self._adjacent(k, k + 1)
                    and tokens[k].capitalized
                    and tokens[k].text not in vocab.place_name_stops
                    and "title" not in self._kinds_at(k)
                ):
                    start = k
                    k -= 1
                end = i + suffix_len - 1
                if start is not None and end + 1 < len(tokens) and tokens[end + 1].text in vocab.org_heads:
                    start = None  # "... Base Consortium" is an organization
                if start is not None and all(t.text in vocab.stopwords for t in tokens[start:i]):
                    start = None  # "Defense Industrial Base" names no place
                if start is not None:
                    bare = (start, i - 1) if tokens[i].text[0].islower() else None  # "Henoko district"
                    found.append(self._pattern("place", start, i + suffix_len - 1, bare=bare))
        return found

    def _kinds_at(self, i: int) -> set[str]:
        return self.hit_kinds.get(i, set())

    def _pattern(
        self, kind: str, start: int, end: int, acronym: int | None = None, bare: tuple[int, int] | None = None
    ) -> Candidate:
        """A candidate found by pattern; `acronym` is the token of the alias the bullet defines,
        `bare` the tokens of the name without a lower-case generic word ("city of Kyotango")."""
        begin, stop = self.tokens[start].begin, self.tokens[end].end
        candidate = Candidate(begin, stop, kind, (), False, self.text[begin:stop])
        if acronym is not None:
            candidate.keys = (self.tokens[acronym].text,)
        if bare is not None:
            candidate.keys = (candidate.name,)
            candidate.name = self.text[self.tokens[bare[0]].begin : self.tokens[bare[1]].end]
        return candidate

    # -- persons --------------------------------------------------------------------------

    def _persons(self) -> list[Entity]:
        mentions = self._person_mentions()
        return self._merge_persons(mentions)

    def _person_mentions(self) -> list[PersonMention]:
        tokens = self.tokens
        mentions: dict[int, PersonMention] = {}
        for c in self.chosen:
            if c.kind == "person":
                given = self._different_given_name(c)
                if given is not None:  # "Onaga Takeharu" is not Onaga Takeshi
                    mentions[c.begin] = PersonMention(c.begin, tokens[given].end, (), family_first=True)
                else:
                    mentions[c.begin] = PersonMention(c.begin, c.end, c.keys)
        titles = [c for c in self.chosen if c.kind == "title"]
        for title in titles:
            first = self._index_at(title.begin)
            last = self._token_range(title.begin, title.end)[-1]
            written = self.text[title.begin : title.end]
            plural = written.lower() != title.keys[0].lower()  # the title's plural form matched
            names, role_end = self._names_after(last + 1, plural)
            appositive = False
            if not names and first is not None:
                names = self._name_before(first)
                appositive = bool(names)
            if appositive:  # "Keiichi Ono, Director General of MOFA’s Economic Affairs Bureau"
                role_end = self._role_tail(last + 1)
            role, role_begin = self._role(title, first, role_end)
            for begin, end in names:
                mention = mentions.get(begin) or PersonMention(begin, end, ())
                if mention.title is None:
                    mention.title = role if not plural else _singular(role)
                    mention.title_key = title.keys[0]
                    mention.title_begin = role_begin
                    mention.country_hint = self._country_before(role_begin)
                mentions.setdefault(begin, mention)
        # Given names: "William Hagerty", "Taketoyo Toguchi"; surname first: "Okano Masataka".
        vocab = self.vocab
        named = {i for m in mentions.values() for i in self._token_range(m.begin, m.end)}
        speech = any(verb in self.text for verb in vocab.speech_verbs)
        # only tokens where a branch below can fire: a given name or Korean surname; the word
        # before a Japanese given name; up to three words before a speech verb
        names = _union(vocab.given_names, vocab.japanese_given_names, vocab.korean_surnames)
        looked_at = set(self._indexes(names))
        looked_at.update(i - 1 for i in self._indexes(vocab.japanese_given_names))
        if speech:
            looked_at.update(i - k for i in self._indexes(vocab.speech_verbs) for k in (1, 2, 3))
        for i in sorted(looked_at):
            if i < 0:
                continue
            token = tokens[i]
            if not token.capitalized or i in self.claimed or i in named:
                continue
            end = None
            if token.text in vocab.given_names or token.text in vocab.japanese_given_names:
                end = self._name_end(i + 1, minimum=1)
            elif token.text in vocab.korean_surnames:
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if nxt and self._adjacent(i, i + 1) and _HYPHENATED_GIVEN.match(nxt.text):
                    end = i + 1
                else:
                    end = self._name_end(i + 1, minimum=2)
            elif (
                self._is_name_word(i)
                and i + 1 < len(tokens)
                and self._adjacent(i, i + 1)
                and tokens[i + 1].text in vocab.japanese_given_names
                and i + 1 not in self.claimed
                and not (i + 2 < len(tokens) and self._is_name_word(i + 2) and self._adjacent(i + 1, i + 2))
            ):
                end = i + 1
            elif (
                speech
                and i + 2 < len(tokens)
                and self._is_name_word(i)
                and (i == 0 or not tokens[i - 1].capitalized)
                and not any(c.isdigit() for c in token.text)
            ):  # "Zack Cooper said"
                last = self._name_end(i, minimum=2)
                if (
                    last is not None
                    and last + 1 < len(tokens)
                    and tokens[last + 1].text in vocab.speech_verbs
                ):
                    end = last
            if end is not None:
                begin = token.begin
                mentions[begin] = PersonMention(
                    begin,
                    tokens[end].end,
                    (),
                    country_hint=self._country_before(begin),
                    family_first=end == i + 1 and tokens[end].text in vocab.japanese_given_names,
                )
        return self._absorb_inner(sorted(mentions.values(), key=lambda m: m.begin))

    def _different_given_name(self, c: Candidate) -> int | None:
        """The token of a given name written right after a known Japanese surname that is not
        that person's ("Hayashi Yumi" beside Yoshimasa Hayashi): the name is someone else's."""
        if " " in self.text[c.begin : c.end]:
            return None
        i = self._token_range(c.begin, c.end)[-1]
        j = i + 1
        if j >= len(self.tokens) or j in self.claimed or not self._adjacent(i, j):
            return None
        word = self.tokens[j].text
        if not (
            self._is_name_word(j)
            and (word in self.vocab.japanese_given_names or _JAPANESE_WORD.match(word.lower()))
            and not (j + 1 < len(self.tokens) and self._adjacent(j, j + 1) and self._is_name_word(j + 1))
        ):
            return None
        terms = [self.vocab.term("person", key) for key in c.keys]
        return j if all(term is not None and term.country == "JP" for term in terms) else None

    def _absorb_inner(self, mentions: list[PersonMention]) -> list[PersonMention]:
        """A known surname inside a longer name found by pattern ("Hiroshi Watanabe") is that
        longer name: it keeps only the namesakes whose full name it is."""
        kept = []
        for mention in mentions:
            outer = next(
                (
                    m
                    for m in mentions
                    if m is not mention and m.begin <= mention.begin and mention.end <= m.end
                ),
                None,
            )
            if outer is None:
                kept.append(mention)
                continue
            if mention.keys and not outer.keys:
                surface = _normal(self.text[outer.begin : outer.end])
                outer.keys = tuple(
                    k
                    for k in mention.keys
                    if surface in {_normal(form) for form in person_forms(self.vocab.term("person", k))}
                )
            if outer.title is None and mention.title is not None:
                outer.title, outer.title_key = mention.title, mention.title_key
                outer.title_begin, outer.country_hint = mention.title_begin, mention.country_hint
        return kept

    def _name_end(self, i: int, minimum: int) -> int | None:
        """Last token of the name words from i on (at least `minimum` of them), else None."""
        tokens = self.tokens
        end = None
        count = 0
        while i < len(tokens) and count < 3 and self._adjacent(i - 1, i):
            word = tokens[i].text
            holder = self.claimed.get(i)
            if (
                self._is_name_word(i)
                or (_INITIALS.match(word) and len(word) == 2)
                or (word in self.vocab.name_suffixes and end is not None)
                or (holder is not None and holder.kind == "person" and holder.end == tokens[i].end)
            ):  # a known surname after an unknown given name: "Hiroshi Watanabe"
                end = i
                count += 1
                i += 1
            else:
                break
        return end if count >= minimum else None

    def _names_after(self, i: int, plural: bool) -> tuple[list[tuple[int, int]], int | None]:
        """Names right after a title (a plural title may be followed by a list of them), and the
        last token of the words between that still belong to the title ("for Trade ... Affairs")."""
        tokens = self.tokens
        names: list[tuple[int, int]] = []
        role_end = None
        skipped = 0
        comma = False
        while i < len(tokens):
            token = tokens[i]
            person = self.claimed.get(i)
            if person is not None and person.kind == "person" and person.begin == token.begin:
                names.append((person.begin, person.end))
                i = self._token_range(person.begin, person.end)[-1] + 1
            elif self._is_name_word(i):
                end = self._name_end(i, minimum=1)
                nxt = end + 1
                if nxt < len(tokens) and self._adjacent(end, nxt) and "title" in self._kinds_at(nxt):
                    break  # "a former Chicago mayor": the word qualifies the next title
                if comma and end == i and not names:
                    break  # "its president, Takaaki Kajita" needs a full name after a comma
                if skipped and end == i and not names and skipped < 8:
                    skipped += 1  # "Under Secretary of State for Economic Growth, Energy, ..."
                    role_end = i
                    i += 1
                    continue
                given = next((k for k in range(i, end + 1) if tokens[k].text in self.vocab.given_names), i)
                names.append((tokens[given].begin, tokens[end].end))
                i = end + 1
            elif not names and token.text == "," and not comma and skipped == 0:
                comma = True
                i += 1
                continue
            elif not names and comma and skipped == 0 and "title" in self._kinds_at(i):
                i += 1  # "US Army Pacific Commander, General Charles Flynn"
                continue
            elif not names and skipped and token.text == ",":
                skipped += 1
                i += 1
                continue
            elif (
                not names
                and skipped < 8
                and (
                    token.text in _ROLE_CONNECTORS
                    or (token.capitalized and token.text in self.vocab.stopwords)
                    or (i in self.claimed and self.claimed[i].kind in ("organization", "country", "place"))
                )
            ):
                skipped += 1  # "Under Secretary for Trade and ... Affairs Alexis Taylor"
                if token.text not in _ROLE_CONNECTORS:
                    role_end = i
                i += 1
                continue
            else:
                break
            if not plural:
                break
            # a list: "Sullivan, Akiba, and Kim"; "Ichikawa (MOFA) and Masuda (Defense Ministry)"
            j = i
            if j < len(tokens) and tokens[j].text == "(":
                while j < len(tokens) and tokens[j].text != ")":
                    j += 1
                j += 1
            elif j + 1 < len(tokens) and tokens[j].text == "of" and j + 1 in self.claimed:
                j = (
                    self._token_range(self.claimed[j + 1].begin, self.claimed[j + 1].end)[-1] + 1
                )  # "of Japan"
            while j < len(tokens) and tokens[j].text in (",", "and", "or"):
                j += 1
            if j == i or j >= len(tokens):
                break
            i = j
        return names, (role_end if names else None)

    def _name_before(self, first: int) -> list[tuple[int, int]]:
        """An appositive: "Keitaro Ohno, the Cabinet Office State Minister"."""
        tokens = self.tokens
        k = first - 1
        while k >= 0 and (
            tokens[k].text in ("the", "a", "its", "their")
            or tokens[k].text in self.vocab.title_modifiers
            or (k in self.claimed and self.claimed[k].kind in ("organization", "country"))
            or (tokens[k].capitalized and tokens[k].text in self.vocab.stopwords)
        ):
            k -= 1
        if k < 1 or tokens[k].text != ",":
            return []
        end = k - 1
        start = end
        person = self.claimed.get(end)
        if person is not None and person.kind == "person":
            return [(person.begin, person.end)]
        while start - 1 >= 0 and self._is_name_word(start - 1) and self._adjacent(start - 1, start):
            start -= 1
        if not self._is_name_word(end) or end - start < 1 or end - start > 3:
            return []
        return [(tokens[start].begin, tokens[end].end)]

    def _role(self, title: Candidate, first: int | None, role_end: int | None) -> tuple[str, int]:
        """The title as the bullet gives it: with the named organizations, places and
        capitalized words in front of it ("METI Minister", "Acting PGI Special Coordinator",
        "Nebraska Agriculture Director", "former city assemblyman"), not a state's adjective;
        and through `role_end` when words after it belong to it."""
        tokens, vocab = self.tokens, self.vocab
        begin = title.begin
        k = (first if first is not None else 0) - 1
        while k >= 0 and self._adjacent(k, k + 1):
            holder = self.claimed.get(k)
            word = tokens[k].text
            if holder is not None:
                if (
                    holder.kind == "country"
                    and self.text[holder.begin : holder.end] in vocab.country_adjectives
                ):
                    break
                if holder.kind not in ("organization", "place", "country"):
                    break
                at = self._token_range(holder.begin, holder.end)[0]
                if at > 0 and tokens[at - 1].text in vocab.place_prepositions:
                    break  # "in Tokyo PM Kishida": the place is not part of the title
                begin, k = holder.begin, at - 1
            elif word == "and" and k > 0 and "title" in self._kinds_at(k - 1):
                begin, k = (
                    self.claimed[k - 1].begin,
                    self._token_range(self.claimed[k - 1].begin, begin)[0] - 1,
                )
            elif word in vocab.title_modifiers or (
                tokens[k].capitalized and word in vocab.stopwords and word not in vocab.place_name_stops
            ):
                begin, k = tokens[k].begin, k - 1
            else:
                break
        end = tokens[role_end].end if role_end is not None else title.end
        return self.text[begin:end], begin

    def _role_tail(self, i: int) -> int | None:
        """The last word of what follows a title and still belongs to it, in an appositive:
        "Director General [of MOFA’s Economic Affairs Bureau]", "adviser [to the President]"."""
        tokens, vocab = self.tokens, self.vocab
        end = None
        while i < len(tokens) and i - (end or i) < 6:
            word = tokens[i].text
            holder = self.claimed.get(i)
            if holder is not None and holder.kind == "person":
                break
            if word in vocab.given_names or word in vocab.japanese_given_names:
                break
            if holder is not None or (tokens[i].capitalized and word not in vocab.place_name_stops):
                end = i
            elif word not in _ROLE_CONNECTORS and word not in (",", "’s", "'s"):
                break
            i += 1
        return end

    def _country_before(self, begin: int) -> str | None:
        """The state named by an adjective right before a title or name ("Japanese Vice ...")."""
        i = self._index_at(begin)
        if i is None or i == 0:
            return None
        holder = self.claimed.get(i - 1)
        if holder is not None and holder.kind == "country" and self._adjacent(i - 1, i):
            return holder.keys[0]
        return None

    def _merge_persons(self, mentions: list[PersonMention]) -> list[Entity]:
        persons: list[Entity] = []
        by_key: dict[str, Entity] = {}
        for mention in sorted(mentions, key=lambda m: -(m.end - m.begin)):
            surface = self.text[mention.begin : mention.end]
            span = self._span(mention.begin, mention.end)
            owner = None
            if mention.title is None and " " not in surface:  # "Kishi" after "Nobuo Kishi"
                owner = next((p for p in persons if _same_person(surface, p, None)), None)
            if owner is not None:
                owner.spans.append(span)
                continue
            term = self._choose_person(mention) if mention.keys else None
            if term is None:
                # a surname-only mention of someone named in full elsewhere in the bullet
                owner = next((p for p in persons if _same_person(surface, p, mention.title)), None)
                if owner is not None:
                    owner.spans.append(span)
                    _fill_role(owner, mention, self)
                    continue
                if not mention.keys:
                    name = surface
                    if mention.family_first:  # the vocabulary's order: given name first
                        family, _, given = surface.partition(" ")
                        name = f"{given} {family}"
                    entity = Entity("person", _slug(name), name, [span], mention=surface)
                    _fill_role(entity, mention, self)
                    entity.country = entity.country or self._person_country(mention, surface)
                    persons.append(entity)
                    continue
            if term is None:
                continue
            if term.key in by_key:
                entity = by_key[term.key]
                entity.spans.append(span)
                if len(surface) > len(entity.mention or ""):
                    entity.mention = surface
                _fill_role(entity, mention, self)
                continue
            entity = Entity(
                "person",
                term.key,
                term.name,
                [span],
                list(term.aliases),
                None,
                term.country or self._person_country(mention, surface),
                term.wikidata,
                surface,
            )
            _fill_role(entity, mention, self)
            by_key[term.key] = entity
            persons.append(entity)
        for entity in persons:
            entity.spans.sort(key=lambda s: s.begin)
        persons.sort(key=lambda p: p.spans[0].begin)
        self.tentative = [p for p in persons if self._tentative(p)]
        return [p for p in persons if p not in self.tentative]

    def _tentative(self, person: Entity) -> bool:
        """A known person named only by a bare surname, with no title: kept only if the digest
        names them more fully elsewhere or they hold a prominent office."""
        term = self.vocab.term("person", person.key)
        if term is None or person.role is not None or any(" " in s.text for s in person.spans):
            return False
        return not any(role.title.lower() in self.vocab.prominent_roles for role in term.roles)

    @functools.cached_property
    def _full_name_words(self) -> frozenset[str]:
        """The words of the known persons the bullet names with more than one word."""
        return frozenset(
            word
            for c in self.chosen
            if c.kind == "person"
            for word in self.text[c.begin : c.end].split()[1:] + self.text[c.begin : c.end].split()[:-1]
        )

    def _choose_person(self, mention: PersonMention) -> Term | None:
        """The namesake the bullet means: the one whose role matches the title the bullet
        gives and was held at publication; else one active then; else, for a bare surname,
        whoever the bullet already names in full."""
        surface = self.text[mention.begin : mention.end]
        terms = [self.vocab.term("person", key) for key in mention.keys]
        if len(terms) == 1 and (mention.title is None or " " in surface):
            return terms[0]
        if mention.title is None and surface in self._full_name_words:
            return None  # the same person as the fuller mention: merged with it
        best, best_score = None, -1
        for term in terms:
            score = 0
            for role in term.roles:
                active = _active(role.start, role.end, self.published)
                matches = 0
                if mention.title_key is not None:
                    if _titles_match(role.title, mention.title_key, mention.title or ""):
                        matches = 4
                    elif _title_head(role.title) == _title_head(mention.title_key):
                        matches = 3  # "Governor Tamaki": the Okinawa Governor, not the party leader
                score = max(score, matches + (2 if active else 0))
            if mention.country_hint and term.country == mention.country_hint:
                score += 1
            if score > best_score:
                best, best_score = term, score
        return best

    def _person_country(self, mention: PersonMention, surface: str) -> str | None:
        """The state of a person no vocabulary knows: an adjective before the title, an
        organization or place in it ("PCG spokesperson"), the title itself ("Sen.")."""
        if mention.country_hint:
            return mention.country_hint
        if mention.title_begin is not None:
            first = self._index_at(mention.title_begin)
            while first is not None and first > 0 and self._adjacent(first - 1, first):
                holder = self.claimed.get(first - 1)  # titles in a row: "Navy spokesperson Rear Adm."
                if holder is None or holder.kind not in ("title", "organization", "place", "country"):
                    break
                if holder.kind == "country":
                    return holder.keys[0]
                first = self._index_at(holder.begin)
            begin = self.tokens[first].begin if first is not None else mention.title_begin
            for i in self._token_range(begin, mention.begin):
                holder = self.claimed.get(i)
                if holder is not None and holder.kind in ("organization", "place"):
                    term = (
                        self.vocab.term(holder.kind, holder.keys[0])
                        if holder.keys and holder.from_vocabulary
                        else None
                    )
                    if term is not None and term.country:
                        return term.country
        if mention.title_key:
            title = self.vocab.titles.get(mention.title_key)
            if title is not None and title.country:
                return title.country
        if mention.family_first or any(word in self.vocab.japanese_given_names for word in surface.split()):
            return "JP"
        return None

    # -- places, organizations, countries -------------------------------------------------

    def _coordinated_organizations(self) -> list[Candidate]:
        """Known organizations named by coordination: "the State and Commerce Departments" are
        the State Department and the Commerce Department; "the Ground, Maritime and Air
        Self-Defense Forces" the three services."""
        tokens, found = self.tokens, []
        if " and " not in self.text:
            return found
        plurals = _plural_heads(self.vocab.org_heads)
        for i in range(2, len(tokens)):
            singular = plurals.get(tokens[i].text)
            if singular is None:
                continue
            # the last member ("Air") right after "and", then up to two shared words
            # ("Self-Defense") before the plural head
            last = next((j for j in range(i - 1, max(i - 4, 0), -1) if tokens[j - 1].text == "and"), None)
            if last is None or not all(tokens[k].capitalized for k in range(last, i)):
                continue
            shared = " ".join(tokens[k].text for k in range(last + 1, i))
            members, k = [last], last - 2
            if k >= 1 and tokens[k].text == ",":  # "Ground, Maritime, and Air"
                k -= 1
            while k >= 0 and tokens[k].capitalized:
                members.append(k)
                if k >= 2 and tokens[k - 1].text == ",":
                    k -= 2
                else:
                    break
            if len(members) < 2:
                continue
            for k in members:
                form = " ".join(w for w in (tokens[k].text, shared, singular) if w)
                keys = [
                    h.keys
                    for h in self.vocab.find(form)
                    if h.kind == "organization" and h.begin == 0 and h.end == len(form)
                ]
                if not keys:
                    continue
                if k == last:  # its words run to the plural head: "Air Self-Defense Forces"
                    found.append(Candidate(tokens[k].begin, tokens[i].end, "organization", keys[0]))
                elif k not in self.claimed:
                    found.append(Candidate(tokens[k].begin, tokens[k].end, "organization", keys[0]))
        return found

    def _places(self) -> list[Entity]:
        places: dict[str, Entity] = {}
        person_words = {i for p in self.persons for s in p.spans for i in self._token_range(s.begin, s.end)}
        for c in self.chosen:
            if c.kind == "place":
                self._add_named(places, c, "place")
                if " and " in self.text[c.begin : c.end]:  # "the South and East China Seas"
                    for inner in c.nested:
                        if inner.kind == "place" and inner.end == c.end and inner.from_vocabulary:
                            self._add_named(places, inner, "place")
        # Unknown places: a capitalized name that nothing else claims after "in", "at", "near"
        # ...; after "mayor of"; before "-based"; and the rest of a list that starts with a place
        # ("Subic Bay, Clark, Manila, and Batangas").
        tokens, vocab = self.tokens, self.vocab
        starts = [
            i + 1
            for i in self._indexes(_union(vocab.place_prepositions, _OF))
            if i + 1 < len(tokens)
            and (tokens[i].text != "of" or (i > 0 and tokens[i - 1].text in vocab.place_titles))
        ]
        for i, token in enumerate(tokens if "-based" in self.text else ()):
            if token.capitalized and token.text.endswith("-based") and i not in self.claimed:
                self._add_named(
                    places,
                    Candidate(token.begin, token.end - 6, "place", (), False, token.text[:-6]),
                    "place",
                )
        for c in self.chosen:
            following = self._token_range(c.begin, c.end)[-1] + 1
            if c.kind == "place" and following < len(tokens) and tokens[following].text in (",", "and"):
                starts.append(following)
        found: set[int] = set()
        while starts:
            k = starts.pop()
            if k in found or k >= len(tokens):
                continue
            if tokens[k].text in (",", "and") and (k + 1 < len(tokens) and tokens[k + 1].text == "and"):
                k += 1
            listed = tokens[k].text in (",", "and")
            if listed:  # a list goes on only from a place
                k += 1
            end = self._place_run(k, person_words)
            if end is None:
                continue
            if listed and self.text[tokens[k - 1].begin : tokens[k - 1].end] not in (",", "and"):
                continue
            found.add(k)
            self._add_named(places, self._pattern("place", k, end), "place")
            if end + 1 < len(tokens) and tokens[end + 1].text in (",", "and"):
                starts.append(end + 1)
        return list(places.values())

    def _place_run(self, k: int, person_words: set[int]) -> int | None:
        """Last token of an unclaimed capitalized name of up to three words starting at k."""
        tokens, vocab = self.tokens, self.vocab
        end = None
        while (
            k < len(tokens)
            and (end is None or (k - end == 1 and self._adjacent(end, k)))
            and k - (end or k) < 3
        ):
            word = tokens[k].text
            if (
                k in self.claimed
                or k in person_words
                or not word[:1].isupper()
                or word.isupper()
                or word in vocab.not_places
                or (end is None and word in vocab.place_name_stops)
            ):
                break
            end = k
            k += 1
        if end is None or tokens[end].text in vocab.stopwords or tokens[end].text in vocab.org_heads:
            return None
        after = tokens[end + 1].text if end + 1 < len(tokens) else "."
        if after[:1].isupper() or after in ("(", "’s", "'s"):
            return None  # "to Tamaki’s camp" is more often a person's
        return end

    def _organizations(self) -> list[Entity]:
        organizations: dict[str, Entity] = {}
        for c in self.chosen:
            if c.kind == "organization":
                self._add_named(organizations, c, "organization")
            # a bureau or office is listed beside the organization named at its start; a
            # branch named for a place ("... Corps of Engineers Japan District") is the parent
            # itself in practice
            words = self.text[c.begin : c.end].split()
            unit = c.kind == "organization" and (
                words[-1] in self.vocab.org_unit_heads
                and not (len(words) > 2 and self._names_state_or_place(c.end - len(words[-1]) - 1))
            )
            if c.kind in ("place", "organization"):
                for inner in c.nested:
                    if (
                        inner.kind == "organization"
                        and inner.from_vocabulary
                        and inner.begin == c.begin
                        and inner.end < c.end
                        and (c.kind == "place" or unit or self._public_unit(c, inner))
                    ):
                        self._add_named(organizations, inner, "organization")
        for candidate in self._coordinated_organizations():
            self._add_named(organizations, candidate, "organization")
        # an acronym an unknown organization defined, used again later in the bullet
        for entity in organizations.values():
            for alias in entity.aliases if self.vocab.term("organization", entity.key) is None else ():
                for match in re.finditer(rf"(?<![\w]){re.escape(alias)}(?![\w])", self.text):
                    if all(s.begin != match.start() for s in entity.spans):
                        entity.spans.append(self._span(match.start(), match.end()))
                entity.spans.sort(key=lambda s: s.begin)
        return list(organizations.values())

    def _public_unit(self, unit: Candidate, parent: Candidate) -> bool:
        """Is `unit` a known military or government body written as its parent's name followed
        by the unit's own name ("US Army" + "Composite Watercraft Company")?"""
        kinds = self.vocab.org_public_kinds
        terms = [self.vocab.term("organization", c.keys[0]) for c in (unit, parent) if c.from_vocabulary]
        own_name = self.text[parent.end : unit.end].strip()
        return (
            len(terms) == 2
            and all(term is not None and term.category in kinds for term in terms)
            and own_name == terms[0].name
        )

    def _plural_of_known(self, name: str) -> tuple[str, ...] | None:
        """The organizations whose name or alias `name` is the plural of, if any."""
        head, _, last = name.rpartition(" ")
        singular = _plural_heads(self.vocab.org_heads).get(last)
        if not head or singular is None:
            return None
        form = f"{head.removeprefix('the ').removeprefix('The ')} {singular}"
        hits = self.vocab.find(form)
        return next(
            (h.keys for h in hits if h.kind == "organization" and h.begin == 0 and h.end == len(form)),
            None,
        )

    def _names_state_or_place(self, end: int) -> bool:
        """Does a country or place name end at text offset `end`?"""
        i = bisect.bisect_left(self.token_ends, end)
        return i < len(self.tokens) and self.token_ends[i] == end and bool(
            self.hit_kinds.get(i, set()) & {"country", "place"}
        )

    def _add_named(self, table: dict[str, Entity], c: Candidate, kind: str) -> None:
        span = self._span(c.begin, c.end)
        if not c.from_vocabulary and kind == "organization":
            known = self._plural_of_known(c.name)
            if known is not None:  # "Air Self-Defense Forces": the known "Air Self-Defense Force"
                c = Candidate(c.begin, c.end, kind, known)
        if c.from_vocabulary:
            term = self.vocab.term(kind, c.keys[0])
            key, name, aliases, country, wikidata = (
                term.key,
                term.name,
                list(term.aliases),
                term.country,
                term.wikidata,
            )
        else:
            name = c.name.removeprefix("the ").removeprefix("The ")
            key = _slug(name)
            aliases = [c.keys[0]] if c.keys else []
            states = {n.keys[0] for n in c.nested if n.kind == "country"}  # "Japan Forum for ..."
            country, wikidata = (states.pop() if len(states) == 1 else None), None
            known = next(
                (
                    e
                    for e in table.values()
                    if _normal(name) in {_normal(a) for a in [e.name, *e.aliases]}
                    or (self.vocab.term(kind, e.key) is None and e.name.startswith(name + " "))
                ),
                None,
            )
            if known is not None:
                key = known.key
        if key in table:
            entity = table[key]
            if span not in entity.spans:
                entity.spans.append(span)
            for alias in aliases:
                if alias not in entity.aliases:
                    entity.aliases.append(alias)
            return
        table[key] = Entity(kind, key, name, [span], aliases, None, country, wikidata)

    def _countries(self) -> list[Entity]:
        spans: dict[str, list[Span]] = {}

        def add(code: str | None, begin: int, end: int) -> None:
            if code:
                spans.setdefault(code, []).append(self._span(begin, end))

        for c in self.chosen:
            if c.kind == "country":
                add(c.keys[0], c.begin, c.end)
            for inner in c.nested if c.kind in ("organization", "place") else ():
                if inner.kind == "country":
                    add(inner.keys[0], inner.begin, inner.end)
        for entity in [*self.persons, *self.organizations, *self.places]:
            if entity.country:  # the words that name the entity imply its state
                spans.setdefault(entity.country, []).extend(entity.spans)
        countries = []
        for code in sorted(spans):
            term = self.vocab.term("country", code)
            unique = sorted(set(spans[code]), key=lambda s: (s.begin, s.end))
            countries.append(
                Entity(
                    "country", code, term.name if term else code, unique, list(term.aliases) if term else []
                )
            )
        return countries

    # -- topics and event type ------------------------------------------------------------

    def concepts(self, headline: str | None = None) -> tuple[list[Entity], Entity | None]:
        """Topics (every trigger found) and the event type: the type whose triggers weigh most,
        a trigger counting 3 in the headline, 2 in the first sentence and 1 elsewhere."""
        first_sentence_end = _first_sentence_end(self.text)
        topics: dict[str, Entity] = {}
        scores: dict[str, int] = {}
        vocab = self.vocab
        labels, types, order = vocab.topic_by_key, vocab.event_type_by_key, vocab.event_type_rank
        triggers = self.vocab.triggers(self.text)
        for begin, end, scheme, key in triggers:
            span = self._span(begin, end)
            if scheme == "topic":
                entity = topics.get(key)
                if entity is None:
                    entity = topics[key] = Entity("topic", key, labels[key].label, [])
                entity.spans.append(span)
            else:
                scores[key] = scores.get(key, 0) + (2 if begin < first_sentence_end else 1)
        for _, _, scheme, key in self.vocab.triggers(headline) if headline else ():
            if scheme == "event_type":
                scores[key] = scores.get(key, 0) + 3
        event_type = None
        if scores:
            best = max(scores, key=lambda k: (scores[k], -order[k]))
            concept = types[best]
            spans = [self._span(b, e) for b, e, s, k in triggers if s == "event_type" and k == best]
            event_type = Entity("event_type", concept.key, concept.label, spans[:1])
        return list(topics.values()), event_type


# -- helpers --------------------------------------------------------------------------------


@functools.cache
def _starters(*phrase_sets: frozenset[str] | tuple[str, ...]) -> frozenset[str]:
    """The first words of the phrases: the tokens worth a closer look."""
    return frozenset(phrase.split()[0] for phrases in phrase_sets for phrase in phrases)


@functools.cache
def _union(*word_sets: frozenset[str]) -> frozenset[str]:
    return frozenset().union(*word_sets)


@functools.cache
def _last_words(phrases: frozenset[str]) -> frozenset[str]:
    return frozenset(phrase.split()[-1] for phrase in phrases)


@functools.cache
def _plural_heads(heads: frozenset[str]) -> dict[str, str]:
    """Plural -> singular for organization head words ("Ministries" -> "Ministry")."""
    return {(h[:-1] + "ies" if h.endswith("y") else h + "s"): h for h in heads if h[-1:].isalpha()}


@functools.cache
def _first_words(phrases: frozenset[str] | tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases by their first word, longest first, to test only those a token can start."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(phrase.split())
        table.setdefault(words[0], []).append(words)
    return {first: tuple(sorted(found, key=len, reverse=True)) for first, found in table.items()}


def _surnames(mention: str, vocab: Vocabulary, titled: bool = False) -> list[str]:
    """The words of a name that can stand alone for the person: not given names or suffixes;
    a one-word name only if a title introduced it ("President Biden")."""
    words = mention.split()
    if len(words) < 2 and not titled:
        return []
    return [
        w
        for w in words
        if w not in vocab.given_names
        and w not in vocab.japanese_given_names
        and w not in vocab.name_suffixes
        and not _INITIALS.match(w)
        and len(w) > 2
        and w not in vocab.korean_surnames
    ]


def _add_person(event: Event, person: Entity, vocab: Vocabulary) -> None:
    """Add a person to an event, with the state they imply."""
    event.persons.append(person)
    event.persons.sort(key=lambda p: p.spans[0].begin)
    if person.country:
        country = next((c for c in event.countries if c.key == person.country), None)
        if country is None:
            term = vocab.term("country", person.country)
            country = Entity("country", person.country, term.name if term else person.country, [])
            event.countries.append(country)
            event.countries.sort(key=lambda c: c.key)
        country.spans.extend(person.spans)


def _add_named_elsewhere(event: Event, surnames: dict[str, Entity], vocab: Vocabulary) -> None:
    """Add bare-surname mentions of persons found by pattern (here or in another bullet)."""
    taken = [
        s
        for group in (event.persons, event.organizations, event.places, event.countries)
        for e in group
        for s in e.spans
    ]
    for match in re.finditer(r"[A-Z][\w’'-]+", event.text):
        word = match.group()
        person = surnames.get(word)
        if person is None or any(s.begin <= match.start() < s.end for s in taken):
            continue
        if re.search(r"(?:^|[.!?]\s+)$", event.text[: match.start()]):
            continue  # a sentence's first word may be any capitalized word
        span = Span(match.start(), match.end(), word)
        own = next((p for p in event.persons if p.key == person.key), None)
        if own is None:
            own = Entity(
                "person",
                person.key,
                person.name,
                [],
                list(person.aliases),
                None,
                person.country,
                person.wikidata,
                word,
            )
            event.persons.append(own)
        own.spans.append(span)
        own.spans.sort(key=lambda s: s.begin)
        if person.country and all(c.key != person.country for c in event.countries):
            term = vocab.term("country", person.country)
            event.countries.append(
                Entity("country", person.country, term.name if term else person.country, [span])
            )
            event.countries.sort(key=lambda c: c.key)
        elif person.country:
            next(c for c in event.countries if c.key == person.country).spans.append(span)


def _tokens(text: str, abbreviations: frozenset[str]) -> list[Token]:
    """Words and punctuation marks with their offsets. A possessive ("Japan’s" -> "Japan",
    "’s") and a sentence-final period are tokens of their own; abbreviations ("Sen.", "Inc.")
    and initials ("U.S.", "W.") keep their periods."""
    # The hot loop of extraction, so it runs in C: the expression gives (space before, token)
    # pairs, and the running total of their lengths gives every token's offsets.
    pairs = _token_pattern(abbreviations).findall(text)
    if not pairs:
        return []
    spaces, words = zip(*pairs, strict=True)
    offsets = list(accumulate(chain.from_iterable(zip(map(len, spaces), map(len, words), strict=True))))
    capitalized = map(str.isupper, map(itemgetter(0), words))
    columns = zip(offsets[0::2], offsets[1::2], words, capitalized, strict=True)
    return list(map(partial(tuple.__new__, Token), columns))


@functools.cache
def _token_pattern(abbreviations: frozenset[str]) -> re.Pattern[str]:
    """Tokens as `_tokens` defines them: an abbreviation or initials with their periods, else a
    word without a final period (which becomes a token of its own)."""
    listed = "|".join(re.escape(a) for a in sorted(abbreviations, key=len, reverse=True))
    whole = r"(?![\w.&-]|['’](?!s\b))"  # no longer word goes on from here
    return re.compile(
        rf"(\s*)((?=[\w']+\.)(?:(?:{listed}){whole}|(?:[A-Za-z]\.){{2,}}{whole}|[A-Z]\.(?=\s|$)|[A-Z]\.{whole})"
        r"|[^\W_]+(?:(?:[._&-]|['’](?!s\b))+[^\W_]+)*|['’]s\b|\S)"
    )


def _resolve(candidates: list[Candidate]) -> list[Candidate]:
    """Longest candidates first, no two overlapping; shorter ones inside a chosen one are kept
    as its `nested` (country words and leading organizations still count)."""
    ordered = sorted(
        candidates, key=lambda c: (-(c.end - c.begin), not c.from_vocabulary, _PRIORITY[c.kind], c.begin)
    )
    chosen: list[Candidate] = []
    size = max((c.end for c in candidates), default=0)
    owner: list[Candidate | None] = [None] * size  # text offset -> the chosen candidate covering it
    for candidate in ordered:
        begin, end = candidate.begin, candidate.end
        covered = owner[begin:end]
        if not any(covered):
            chosen.append(candidate)
            owner[begin:end] = [candidate] * (end - begin)
            continue
        holders = set(covered)
        holders.discard(None)
        if len(holders) == 1:
            holder = holders.pop()
            if holder.begin <= begin and end <= holder.end:
                holder.nested.append(candidate)
    return sorted(chosen, key=attrgetter("begin"))


def _initials_match(acronym: str, words: list[str]) -> bool:
    """Do the capitals of `acronym` follow the initials of `words` in order ("SCJ" for
    "Science Council of Japan", "ISC" for "Innovative Space Carrier Inc.")?"""
    letters = [c for c in acronym if c.isupper()]
    initials = [w[0].upper() for w in words if w[:1].isalpha()]
    k = 0
    for letter in letters:
        while k < len(initials) and initials[k] != letter:
            k += 1
        if k == len(initials):
            return False
        k += 1
    return len(letters) >= 2 and initials[:1] == letters[:1]


def _active(start: str | None, end: str | None, published: str) -> bool:
    """Was a role held at some time within the publication date? Every date is taken as the
    whole period its precision gives ("2022-09" runs from 2022-09-01 to 2022-09-31)."""
    return (start is None or _first_day(start) <= _last_day(published)) and (
        end is None or _last_day(end) >= _first_day(published)
    )


def _first_day(value: str) -> str:
    return value + "-01-01"[len(value) - 4 :]


def _last_day(value: str) -> str:
    return value + "-12-31"[len(value) - 4 :]


@functools.lru_cache(maxsize=4096)
def _titles_match(role_title: str, title_key: str, written: str) -> bool:
    role = set(_words(role_title))
    given = set(_words(title_key)) | set(_words(written))
    generic = {"of", "the", "for", "and", "to"}
    return bool((role & given) - generic) and (role - generic) <= given | {
        "us",
        "japan",
        "minister",
        "secretary",
    }


@functools.lru_cache(maxsize=4096)
def _title_head(title: str) -> str:
    """The noun a title is about: "governor" in "Okinawa Governor", "mayor" in "Mayor of Naha"."""
    words = _words(title.split(" of ")[0])
    return _singular(words[-1]) if words else ""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _singular(role: str) -> str:
    """The role of one person listed after a plural title ("Directors General", "Secretaries")."""
    words = role.split(" ")
    for i in (len(words) - 1, 0):
        if words[i].endswith("ies"):
            words[i] = words[i][:-3] + "y"
            break
        if words[i].endswith("s") and not words[i].endswith("ss"):
            words[i] = words[i][:-1]
            break
    return " ".join(words)


def _same_person(surface: str, person: Entity, title: str | None) -> bool:
    """Is a one-word mention the surname (or family name) of a person already found?"""
    if " " in surface:
        return False
    names = {*(person.mention or "").split(), *person.name.split()}
    return surface in names and (title is None or person.role is None or title == person.role)


def _fill_role(entity: Entity, mention: PersonMention, found: _Bullet) -> None:
    if entity.role is None and mention.title:
        entity.role = mention.title
    if entity.country is None:
        entity.country = found._person_country(mention, found.text[mention.begin : mention.end])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", text.lower())).strip()


def _first_sentence_end(text: str) -> int:
    match = re.search(r"[.!?](?:\s|$)", text)
    return match.end() if match else len(text)
