"""Dates a bullet refers to: days, day ranges, months, years, year ranges and days given relative
to another date in the bullet, as ISO strings with the words that give them.

The rules are the Dates rule of the gold SCHEMA: a date written without a year takes the year
that puts it nearest before the publication, or nearest after it when the text presents it as
still to come: after a future marker ("will"), or after a weaker sign of plans ("would", "is
preparing", "by the end of") when the year after is the nearer. Relative days count from a day
of the same sentence, else from the bullet's main events. The words (month names, markers,
relative-day phrases) are data in `data/patterns/dates.toml`.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from kg.errors import VocabularyError
from kg.model import DateRef, Span
from kg.resources import resource

# ---------------------------------------------------------------------------------------------
# ISO values and publication periods


_ISO = re.compile(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ][0-9:.+\-Z]*)?\s*")


def parse_iso(value: str | None) -> str | None:
    """`value` ("2022", "2022-09", "2022-09-14", "2022-09-14T10:00:00Z", or written out as
    "September 14, 2022") as a normalized ISO date string as precise as given, or None if it is
    not a valid date."""
    if not value:
        return None
    match = _ISO.fullmatch(value)
    if not match:
        return parse_written(value)
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            return dt.date(year, month, day).isoformat()
        if month is not None:
            dt.date(year, month, 1)
            return f"{year:04d}-{month:02d}"
    except ValueError:
        return None
    return f"{year:04d}" if 1000 <= year <= 9999 else None


def parse_written(value: str) -> str | None:
    """A date written out with its year ("September 14, 2022", "14 September 2022",
    "September 2022") as an ISO string, or None."""
    patterns = _patterns()
    value = value.strip()
    for regex in (patterns.day, patterns.day_first):
        match = regex.fullmatch(value)
        if match and match["y"] and not match.groupdict().get("d2") and not match.groupdict().get("list"):
            try:
                day = dt.date(int(match["y"]), patterns.months[match["m1"]], _number(match["d1"]))
            except ValueError:
                return None
            return day.isoformat()
    match = patterns.month_year.fullmatch(value)
    if match and not match["q"]:
        return f"{int(match['y']):04d}-{patterns.months[match['m']]:02d}"
    return None


@dataclass(frozen=True)
class Period:
    """The stretch of days an ISO value covers: "2022-09" is September 1 to 30."""

    first: dt.date
    last: dt.date

    @classmethod
    def of(cls, value: str) -> Period:
        iso = parse_iso(value)
        if iso is None:
            raise ValueError(f"not an ISO date: {value!r}")
        parts = [int(p) for p in iso.split("-")]
        if len(parts) == 3:
            day = dt.date(*parts)
            return cls(day, day)
        if len(parts) == 2:
            year, month = parts
            return cls(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))
        return cls(dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31))


# ---------------------------------------------------------------------------------------------
# Patterns (data/patterns/dates.toml), compiled once


@dataclass(frozen=True)
class _Patterns:
    months: dict[str, int]  # full names and abbreviations
    full_months: frozenset[str]
    month_scan: re.Pattern[str]
    year_scan: re.Pattern[str]
    relative_scan: re.Pattern[str]
    iso_day: re.Pattern[str]
    day: re.Pattern[str]
    day_before: re.Pattern[str]
    day_first: re.Pattern[str]
    month_year: re.Pattern[str]
    year_range: re.Pattern[str]
    year: re.Pattern[str]
    relative_count: re.Pattern[str]
    sentence_end: re.Pattern[str]
    clause_break: re.Pattern[str]
    future: re.Pattern[str]
    prospective: re.Pattern[str]
    deadline: re.Pattern[str]
    retrospective: re.Pattern[str]
    past: re.Pattern[str]
    background: re.Pattern[str]
    month_cues: frozenset[str]
    qualifiers: frozenset[str]
    publication_relative: frozenset[str]
    future_articles: frozenset[str]
    attributive: frozenset[str]
    count_nouns: frozenset[str]
    year_cues: frozenset[str]
    abbreviations: frozenset[str]
    future_reach: int
    numbers: dict[str, int]
    units: dict[str, int]
    directions: dict[str, int]
    phrases: dict[str, int]
    standalone_followers: frozenset[str]


def _alternatives(words: object) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _patterns() -> _Patterns:
    path = resource("data", "patterns", "dates.toml")
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        months = {name: int(n) for name, n in data["months"].items()}
        abbreviations = {name: int(n) for name, n in data["month_abbreviations"].items()}
        words = data["words"]
        relative = data["relative"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError) as error:
        raise VocabularyError(f"{path}: cannot read date patterns ({error})") from None

    full = _alternatives(months)
    any_month = _alternatives({**months, **abbreviations})
    day = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:%])"
    year = r"(?:1[89]|20)\d{2}(?![\d%])"
    dash = r"\s*(?:-|–|—|to|through|until|till)\s*"
    qualifier = rf"(?:(?P<q>(?i:{_alternatives(words['month_qualifiers'])}))(?:-|\s+))?"
    numbers = relative["numbers"]
    part_of = r"(?:the\s+(?:end|start|beginning|middle)\s+of\s+)?"
    # Signs of a clause about what is still to come, short of a future marker: listed words and a
    # present progressive ("is hosting the summit").
    prospective = (
        rf"\b(?:{_alternatives(words['prospective_markers'])}"
        rf"|(?:{_alternatives(words['present_auxiliaries'])})\s+(?:not\s+|now\s+|still\s+)?(?-i:[a-z]+ing))\b"
    )
    return _Patterns(
        months={**months, **abbreviations},
        full_months=frozenset(months),
        # Scans: each finds the candidates that the anchored patterns below then read in full.
        month_scan=re.compile(rf"(?=[emlA-Z])\b{qualifier}(?P<m>{any_month})\b"),
        year_scan=re.compile(rf"(?=[12])(?<![\d$¥€£.,#])\b{year}"),
        relative_scan=re.compile(
            rf"(?=[dwtDWT])\b(?:(?P<u>{_alternatives(relative['units'])})\s+"
            rf"(?P<dir>{_alternatives(relative['directions'])})|(?P<p>{_alternatives(relative['phrases'])}))\b",
            re.IGNORECASE,
        ),
        iso_day=re.compile(r"(\d{4})-(\d{2})-(\d{2})(?![\d-])"),
        # "September 8", "Apr. 9", "May 31-June 2", "June 2-4", "July 6, 11 and 12", "Jan 5, 2022"
        day=re.compile(
            rf"(?P<m1>{any_month})\b\.?\s+(?P<d1>{day})"
            rf"(?:(?P<range>{dash}(?:(?P<m2>{any_month})\b\.?\s+)?(?P<d2>{day}))"
            rf"|(?P<list>(?:,\s*{day})*,?\s+(?:and|&)\s+{day}))?"
            rf"(?:,?\s+(?P<y>{year}))?"
        ),
        # "14 September 2022", "8-9 September": the day numbers found just before a month
        day_before=re.compile(rf"(?<![\d.,$])\b{day}(?:{dash}{day})?\s+$"),
        day_first=re.compile(rf"(?P<d1>{day})(?:{dash}(?P<d2>{day}))?\s+(?P<m1>{full})\b(?:,?\s+(?P<y>{year}))?"),
        # "April 2015", "late July 2019", "July of 2019"
        month_year=re.compile(rf"{qualifier}(?P<m>{full})\b(?:,?\s+of)?,?\s+(?P<y>{year})"),
        year_range=re.compile(rf"(?P<y1>{year})\s*[-–/]\s*(?P<y2>\d{{2}}(?![\d%])|{year})\b"),
        year=re.compile(rf"(?P<y>{year})\b(?!,\d|\.\d|-\d)"),
        relative_count=re.compile(rf"\b(?P<n>{_alternatives(numbers)}|\d{{1,2}})[\s-]+$", re.IGNORECASE),
        sentence_end=re.compile(r"[.!?][\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])"),
        clause_break=re.compile(r"[.;:!?,()\[\]—–]"),
        future=re.compile(rf"\b(?:{_alternatives(words['future_markers'])})\b", re.IGNORECASE),
        prospective=re.compile(prospective, re.IGNORECASE),
        # "until June 18", "by the end of March", "since March": searched for just before a date
        deadline=re.compile(rf"\b(?:{_alternatives(words['deadline_words'])})\s+{part_of}$", re.I),
        retrospective=re.compile(rf"\b(?:{_alternatives(words['retrospective_words'])})\s+{part_of}$", re.I),
        past=re.compile(rf"\b(?:{_alternatives(words['past_markers'])})\b", re.IGNORECASE),
        background=re.compile(rf"\b(?:{_alternatives(relative['background_words'])})\b", re.IGNORECASE),
        month_cues=frozenset(w.lower() for w in words["month_cues"]),
        qualifiers=frozenset(w.lower() for w in words["month_qualifiers"]),
        publication_relative=frozenset(w.lower() for w in words["publication_relative"]),
        future_articles=frozenset(w.lower() for w in words["future_articles"]),
        attributive=frozenset(w.lower() for w in words["attributive_before"]),
        count_nouns=frozenset(w.lower() for w in words["count_nouns"]),
        year_cues=frozenset(w.lower() for w in [*words["month_cues"], *words["year_cues"]]),
        abbreviations=frozenset(words["abbreviations"]),
        future_reach=int(words["future_marker_reach"]),
        numbers={k.lower(): int(v) for k, v in numbers.items()},
        units={k.lower(): int(v) for k, v in relative["units"].items()},
        directions={k.lower(): int(v) for k, v in relative["directions"].items()},
        phrases={k.lower(): int(v) for k, v in relative["phrases"].items()},
        standalone_followers=frozenset(w.lower() for w in relative["standalone_followers"]),
    )


# ---------------------------------------------------------------------------------------------
# Finding dates


@dataclass
class _Found:
    value: str
    begin: int
    end: int
    # For days: the day itself, and whether it may anchor a relative day strongly.
    day: dt.date | None = None
    last_day: dt.date | None = None  # the last day of the range or list this day opens
    attributive: bool = False
    anchor: bool = True  # later days of a range or list anchor through the first
    # A relative day: one before its anchor ("The day before") anchors only further looks back;
    # one set after a day ("on October 9, three days after the clash") is background.
    relative: int = 0  # days after the anchor
    apposed: bool = False


_WORD = re.compile(r"[\w’'-]+")
_LAST_WORD = re.compile(r"([\w’'.-]+)\s+$")


def find_dates(text: str, published: str, *, include_future: bool = True) -> list[DateRef]:
    """Every day, month and year `text` refers to, resolved against the publication date
    `published` (ISO, as precise as known), each with the spans that give it.

    With `include_future=False` the dates the text presents as still to come are left out (the
    reader uses this to date an issue by its latest reported event).
    """
    patterns = _patterns()
    period = Period.of(published)
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []

    def free(begin: int, end: int) -> bool:
        return all(end <= b or begin >= e for b, e in taken)

    def keep(items: list[_Found], future: bool, span: tuple[int, int]) -> None:
        taken.append(span)
        if include_future or not future:
            found.extend(items)

    starts: list[int] = []  # of sentences, found when first needed

    def sentence_start(begin: int) -> int:
        if not starts:
            starts.extend(_sentence_starts(text, patterns))
        return starts[bisect.bisect_right(starts, begin) - 1]

    def floor(begin: int) -> dt.date | None:
        """The nearest day before `begin` in its sentence: a deadline cannot fall before it."""
        first = sentence_start(begin)
        earlier = [f for f in found if f.day is not None and first <= f.begin and f.end <= begin]
        return max(earlier, key=lambda f: f.begin).day if earlier else None

    # Around each month name: a day, range or list of days, a month with its year, a month alone.
    for scan in patterns.month_scan.finditer(text):
        if not free(*scan.span()):
            continue
        begin = scan.start("m")
        match = None if scan["q"] else patterns.day.match(text, begin)
        if match is None and scan["m"] in patterns.full_months and not scan["q"]:
            before = patterns.day_before.search(text, max(0, begin - 16), begin)
            if before is not None and free(before.start(), begin):
                match = patterns.day_first.match(text, before.start())
        if match is not None:
            keep(*_day_match(text, match, patterns, period, floor))
            continue
        if scan["m"] not in patterns.full_months:
            continue
        match = patterns.month_year.match(text, scan.start())
        if match is not None:
            value = f"{int(match['y']):04d}-{patterns.months[match['m']]:02d}"
            keep([_Found(value, match.start(), match.end())], False, match.span())
            continue
        resolved = _month_alone(text, scan, patterns, period, floor)
        if resolved is not None:
            keep([_Found(resolved[0], scan.start(), scan.end())], resolved[1], scan.span())
    # Around each four-digit number from 1800 to 2099: an ISO day, a year range, a year.
    for scan in patterns.year_scan.finditer(text):
        begin = scan.start()
        if not free(*scan.span()):
            continue
        match = patterns.iso_day.match(text, begin)
        if match is not None and text[begin - 1 : begin] != "-":
            try:
                day = dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                day = None
            if day is not None:
                keep([_Found(day.isoformat(), *match.span(), day=day)], False, match.span())
                continue
        match = patterns.year_range.match(text, begin)
        if match is not None:
            first, second = int(match["y1"]), match["y2"]
            last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
            if first < last <= first + 10:
                first_found = _Found(str(first), begin, match.end("y1"))
                keep([first_found, _Found(str(last), match.start("y2"), match.end())], False, match.span())
                continue
        match = patterns.year.match(text, begin)
        if match is not None and _is_year(text, match, patterns):
            keep([_Found(match["y"], *match.span())], False, match.span())
    # Days given relative to another day of the same text.
    found.extend(_relative_days(text, found, taken, patterns, sentence_start))
    return _collect(text, found)


def _day_match(
    text: str, match: re.Match[str], patterns: _Patterns, period: Period, floor: _Floor
) -> tuple[list[_Found], bool, tuple[int, int]]:
    """(days named, presented as future, consumed span) for one day expression."""
    groups = match.groupdict()
    month = patterns.months[groups["m1"]]
    first_day = _number(groups["d1"])
    explicit_year = int(groups["y"]) if groups.get("y") else None
    attributive = _attributive(text, match.start(), patterns)
    # The days named, with the span of each: "July 6, 11 and 12" gives three.
    days: list[tuple[int, int, int, int]] = [(month, first_day, match.start(), match.end("d1"))]
    if groups.get("d2"):
        end_month = patterns.months[groups["m2"]] if groups.get("m2") else month
        start = match.start("m2") if groups.get("m2") else match.start("d2")
        days.append((end_month, _number(groups["d2"]), start, match.end("d2")))
    elif groups.get("list"):
        offset = match.start("list")
        for number in re.finditer(r"\d+", groups["list"]):
            days.append((month, int(number.group()), offset + number.start(), offset + number.end()))
    # The last day's span runs to the end of the expression: "May 4", "January 21, 2022",
    # "14 February 2022", "9 September".
    days[-1] = (*days[-1][:3], match.end())
    if explicit_year:
        year, future = explicit_year, False
    else:
        year, future = _choose_year(
            text, match.start(), match.end(), month, first_day, patterns, period, floor
        )
    dates = []
    for index, (m, d, begin, end) in enumerate(days):
        # A range running into the next year ("December 30-January 2").
        y = year + 1 if index and m < days[0][0] else year
        try:
            dates.append((dt.date(y, m, d), begin, end))
        except ValueError:
            return [], False, match.span()  # "February 30": not a date
    if groups.get("d2") and dates[-1][0] <= dates[0][0]:
        dates = dates[:1]  # "May 5-3" is no range; keep the day that is certain
    items = [
        _Found(day.isoformat(), begin, end, day=day, last_day=dates[-1][0] if index == 0 else None,
               attributive=attributive, anchor=index == 0)
        for index, (day, begin, end) in enumerate(dates)
    ]
    return items, future, match.span()


def _number(text: str) -> int:
    return int(re.match(r"\d+", text).group())


_Floor = Callable[[int], dt.date | None]  # the earliest day a deadline at this offset may fall on


def _choose_year(
    text: str, begin: int, end: int, month: int, day: int | None, patterns: _Patterns, period: Period,
    floor: _Floor,
) -> tuple[int, bool]:
    """(year, presented as future) for a month or day written without its year at text[begin:end].

    Nearest before the publication, always so after "since"; nearest after it after a future
    marker; after a weaker sign of what is still to come, whichever of the two is nearer. A
    deadline ("until June 18") never falls before an earlier day of its sentence.
    """
    past = _resolve_year(month, day, False, period)
    if day and day > calendar.monthrange(2000, month)[1]:
        return past, False  # "February 30": no date in any year, the caller drops it
    if patterns.retrospective.search(text, max(0, begin - 40), begin):
        return past, False
    if _presented_as_future(text, begin, patterns):
        return _resolve_year(month, day, True, period), True
    deadline = patterns.deadline.search(text, max(0, begin - 40), begin) is not None
    year = past
    ahead = _resolve_year(month, day, True, period)
    # Most dates lie just before the publication: only a nearer reading ahead needs the clause read.
    if _first_day(ahead, month, day) - period.last < period.first - _first_day(past, month, day):
        clause = _clause_before(text, begin)
        if (
            (deadline or patterns.future.search(clause) or patterns.prospective.search(clause))
            and not patterns.past.search(clause)
            and not patterns.past.search(_clause_after(text, end))
        ):
            year = ahead
    earliest = floor(begin) if deadline else None
    if earliest is not None:
        while _last_day(year, month, day) < earliest:
            year += 1
            while day and (month, day) == (2, 29) and not calendar.isleap(year):
                year += 1
    return year, year > past


def _first_day(year: int, month: int, day: int | None) -> dt.date:
    return dt.date(year, month, day or 1)


def _last_day(year: int, month: int, day: int | None) -> dt.date:
    return dt.date(year, month, day or calendar.monthrange(year, month)[1])


def _clause_before(text: str, begin: int) -> str:
    """The words of the clause that lead up to `begin`, parentheses left out ("is preparing to
    launch the Space Operations Group (SOG) by the end of")."""
    window = re.sub(r"\([^()]*\)", " ", text[max(0, begin - 200) : begin])
    breaks = list(re.finditer(r"[.;:!?,—–()]", window))
    return window[breaks[-1].end() :] if breaks else window


def _clause_after(text: str, end: int) -> str:
    """The rest of the sentence after `end` (", when it ended")."""
    return re.split(r"[.;!?]", text[end : end + 120], maxsplit=1)[0]


def _resolve_year(month: int, day: int | None, future: bool, period: Period) -> int:
    """The year that puts month/day nearest before the publication period's end (or, for a date
    still to come, nearest after its start)."""
    if future:
        year, step = period.first.year, 1
        if (month, day or 1) < (period.first.month, period.first.day if day else 1):
            year += 1
    else:
        year, step = period.last.year, -1
        if (month, day or 1) > (period.last.month, period.last.day if day else 1):
            year -= 1
    while day and not calendar.isleap(year) and (month, day) == (2, 29):
        year += step  # February 29 only exists in leap years
    return year


def _presented_as_future(text: str, begin: int, patterns: _Patterns) -> bool:
    """Does a future marker ("will", "scheduled", ...) stand in the same clause, shortly before?"""
    window = text[max(0, begin - 120) : begin]
    breaks = list(patterns.clause_break.finditer(window))
    if breaks:
        window = window[breaks[-1].end() :]
    words = _WORD.findall(window)
    window = " ".join(words[-patterns.future_reach :])
    return bool(patterns.future.search(window))


def _previous_words(text: str, begin: int, count: int) -> list[str]:
    return [w.lower() for w in _WORD.findall(text[max(0, begin - 60) : begin])][-count:]


def _attributive(text: str, begin: int, patterns: _Patterns) -> bool:
    """Is the date a modifier ("a July 25 document", "Korea's failed May 27 launch")?"""
    before = text[max(0, begin - 40) : begin].rstrip()
    if before.endswith(("’s", "'s")):
        return True
    words = _previous_words(text, begin, 2)
    if not words:
        return False
    if words[-1] in patterns.attributive:
        return True
    return len(words) == 2 and words[-2].endswith(("’s", "'s")) and words[-2] not in patterns.month_cues


def _month_alone(
    text: str, match: re.Match[str], patterns: _Patterns, period: Period, floor: _Floor
) -> tuple[str, bool] | None:
    """(YYYY-MM, presented as future) for a month named without day or year, when the words
    before it make it a date ("in August", "mid-December", "the January 2+2"), else None."""
    month = patterns.months[match["m"]]
    begin = match.start()
    words = _previous_words(text, begin, 2)
    if match["q"]:
        if words and words[-1] in patterns.publication_relative:
            return None
    elif not words or words[-1] not in patterns.month_cues or words[-1] in patterns.publication_relative:
        return None
    if not match["q"] and words[-1] in patterns.future_articles:
        # "an April summit": an event not yet held.
        year, future = _resolve_year(month, None, True, period), True
    else:
        year, future = _choose_year(text, begin, match.end(), month, None, patterns, period, floor)
    return f"{year:04d}-{month:02d}", future


def _is_year(text: str, match: re.Match[str], patterns: _Patterns) -> bool:
    """A four-digit number that is a year, not a count ("2000 troops") or part of a name."""
    begin = match.start()
    if begin and text[begin - 1] == "-":
        # "mid-2022" is a year, "F-2022" or "COVID-2019" is a name.
        word = _previous_words(text, begin, 1)
        if not word or word[0].rstrip("-") not in patterns.qualifiers:
            return False
    following = _WORD.match(text, match.end() + 1) if text[match.end() : match.end() + 1] == " " else None
    if following and following.group().lower() in patterns.count_nouns:
        return False
    # After a capitalized word a year belongs to a name ("RIMPAC 2024", "Expo 2025"), unless the
    # word is one that introduces years ("In 2018", "Fiscal 2023") or a month ("May 2023").
    previous = _LAST_WORD.search(text, max(0, begin - 40), begin)
    return not (
        previous
        and previous[1][0].isupper()
        and previous[1].lower() not in patterns.year_cues
        and previous[1] not in patterns.months
    )


# ---------------------------------------------------------------------------------------------
# Relative days


def _relative_days(
    text: str,
    found: list[_Found],
    taken: list[tuple[int, int]],
    patterns: _Patterns,
    sentence_start: Callable[[int], int],
) -> list[_Found]:
    """Days given relative to another day in the text ("Two days later", "the next day").

    The anchor is the nearest day before the phrase in the same sentence; else the nearest
    earlier day of the bullet's main events (not a mere modifier, "the May 27 launch", not
    background, "amid protests that followed the March 6 plan", and not a look back, "The day
    before", unless the phrase looks back further); else the nearest earlier day that is not a
    modifier; else any earlier day.
    A phrase set right after a day ("on October 9, three days after the clash") dates what
    follows it from that day.
    """
    lowered = text.lower()
    if "day" not in lowered and "week" not in lowered:
        return []
    anchors = sorted((f for f in found if f.day is not None and f.anchor), key=lambda f: f.begin)
    phrases: list[tuple[int, int, int, _Found | None]] = []  # (begin, end, days, day it is set after)
    for match in patterns.relative_scan.finditer(text):
        if match["p"]:
            begin, phrase = match.start(), match["p"].lower()
            days = patterns.phrases[phrase]
            governs = phrase.endswith(("before", "after"))
        else:
            counted = patterns.relative_count.search(text, max(0, match.start() - 12), match.start())
            if counted is None:
                continue
            number, direction = counted["n"].lower(), match["dir"].lower()
            count = int(number) if number.isdigit() else patterns.numbers[number]
            begin = counted.start()
            days = count * patterns.units[match["u"].lower()] * patterns.directions[direction]
            governs = direction in {"before", "after"}
        apposed = None
        if governs and not _stands_alone(text, match.end(), patterns):
            # "the day before the vote", "three days after the ministry approved": anchored to
            # what follows, which is dated only when the phrase is set right after a day.
            apposed = next((a for a in anchors if re.fullmatch(r"\s*[,—–]\s*", text[a.end : begin])), None)
            if apposed is None:
                continue
        phrases.append((begin, match.end(), days, apposed))
    if not phrases:
        return []
    results: list[_Found] = []

    def main(day: _Found, offset: int) -> bool:
        """May `day` anchor a relative day of a later sentence that adds `offset` days?"""
        if day.apposed or day.attributive:
            return False
        if day.relative:
            return day.relative > 0 or offset < 0
        return not patterns.background.search(_clause_before(text, day.begin))

    for begin, end, offset, apposed in sorted(phrases, key=lambda p: p[0]):
        if any(not (end <= b or begin >= e) for b, e in taken):
            continue
        if apposed is not None:
            day = apposed.day - dt.timedelta(days=offset)
            taken.append((begin, end))
            results.append(_Found(day.isoformat(), begin, end, day=day, relative=-offset, apposed=True))
            continue
        earlier = [a for a in anchors + results if a.end <= begin]
        if not earlier:
            continue
        first = sentence_start(begin)
        anchor = max(
            [a for a in earlier if a.begin >= first]
            or [a for a in earlier if main(a, offset)]
            or [a for a in earlier if not a.attributive]
            or earlier,
            key=lambda a: a.begin,
        )
        base = anchor.last_day if offset > 0 and anchor.last_day else anchor.day
        day = base + dt.timedelta(days=offset)
        taken.append((begin, end))
        results.append(_Found(day.isoformat(), begin, end, day=day, relative=offset))
    return results


def _stands_alone(text: str, end: int, patterns: _Patterns) -> bool:
    """Does a phrase ending in "before"/"after" stand alone ("The day before, ...", "The day
    before in Seoul ...") rather than govern what follows ("the day before the vote")?"""
    if _ends_clause(text, end):
        return True
    following = _WORD.match(text, end + 1) if text[end : end + 1] == " " else None
    return following is not None and following.group().lower() in patterns.standalone_followers


def _ends_clause(text: str, end: int) -> bool:
    rest = text[end : end + 2].lstrip()
    return not rest or rest[0] in ",.;:!?)—–"


def _sentence_starts(text: str, patterns: _Patterns) -> list[int]:
    starts = [0]
    for match in patterns.sentence_end.finditer(text):
        word = re.search(r"([\w.’']+)$", text[max(0, match.start() - 30) : match.start()])
        if word and (word.group(1) in patterns.abbreviations or re.fullmatch(r"[A-Z]", word.group(1))):
            continue
        starts.append(match.end())
    return starts


def _collect(text: str, found: list[_Found]) -> list[DateRef]:
    """One DateRef per value, its spans in text order, ordered by first appearance."""
    by_value: dict[str, list[Span]] = {}
    for item in sorted(found, key=lambda f: f.begin):
        by_value.setdefault(item.value, []).append(Span(item.begin, item.end, text[item.begin : item.end]))
    return [DateRef(value, spans) for value, spans in by_value.items()]
