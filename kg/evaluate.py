"""Scoring extraction records against gold records, exactly as `gold/SCHEMA.md` says: events
paired by position, items matched one to one per field, precision/recall/F1 micro-averaged over
every event of every file; plus the publication date and the event count per file."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError

FIELDS = ("persons", "organizations", "countries", "places", "dates")


@dataclass
class Score:
    """Matched, spurious and missed items of one field."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Miss:
    """One item the producer missed (`missed`) or added (`spurious`)."""

    source: str
    position: int
    field: str
    kind: str  # missed | spurious
    item: str


@dataclass(frozen=True)
class FileResult:
    source: str
    published_gold: str
    published_produced: str | None
    published_correct: bool
    events_gold: int
    events_produced: int

    @property
    def event_count_correct(self) -> bool:
        return self.events_gold == self.events_produced


@dataclass
class Report:
    """Scores per field, per-file results, every miss, and records that had no gold."""

    scores: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    files: list[FileResult] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    without_gold: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "fields": {
                name: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "tp": s.true_positives,
                    "fp": s.false_positives,
                    "fn": s.false_negatives,
                }
                for name, s in self.scores.items()
            },
            "files": [
                {
                    "source": f.source,
                    "published_gold": f.published_gold,
                    "published_produced": f.published_produced,
                    "published_correct": f.published_correct,
                    "events_gold": f.events_gold,
                    "events_produced": f.events_produced,
                    "event_count_correct": f.event_count_correct,
                }
                for f in self.files
            ],
            "published_accuracy": self.published_accuracy,
            "event_count_accuracy": self.event_count_accuracy,
            "without_gold": self.without_gold,
            "misses": [m.__dict__ for m in self.misses],
        }

    @property
    def published_accuracy(self) -> float:
        return sum(f.published_correct for f in self.files) / len(self.files) if self.files else 1.0

    @property
    def event_count_accuracy(self) -> float:
        return sum(f.event_count_correct for f in self.files) / len(self.files) if self.files else 1.0


def load_gold(gold_dir: str | Path) -> dict[str, dict]:
    """Gold records in a folder, keyed by the source file name they describe."""
    folder = Path(gold_dir)
    if not folder.is_dir():
        raise InputError(folder, "gold folder not found")
    gold = {}
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(path, f"not a JSON gold record: {error}") from None
        if not isinstance(record, dict) or not isinstance(record.get("events"), list):
            raise InputError(path, "not a gold record (no 'events' list)")
        gold[record.get("source") or path.stem] = record
    return gold


def evaluate(gold_dir: str | Path, records: list[dict]) -> Report:
    """Score extraction records (SCHEMA.md form) against the gold records in `gold_dir`,
    pairing each record with the gold record of the same source file."""
    gold = load_gold(gold_dir)
    stems = {Path(name).stem: record for name, record in gold.items()}
    report = Report()
    for record in records:
        source = record.get("source", "")
        expected = gold.get(source) or stems.get(Path(source).stem)
        if expected is None:
            report.without_gold.append(source)
            continue
        score_record(expected, record, report)
    return report


def score_record(gold: dict, produced: dict, report: Report) -> None:
    """Add one file's comparison to `report`."""
    source = produced.get("source") or gold.get("source", "")
    gold_published = str(gold.get("published") or "")
    produced_published = produced.get("published")
    report.files.append(
        FileResult(
            source,
            gold_published,
            produced_published,
            bool(produced_published)
            and str(produced_published)[: len(gold_published)] == gold_published
            and len(str(produced_published)) >= len(gold_published),
            len(gold["events"]),
            len(produced.get("events", [])),
        )
    )
    gold_events = {e["position"]: e for e in gold["events"]}
    produced_events = {e["position"]: e for e in produced.get("events", [])}
    for position in sorted(set(gold_events) | set(produced_events)):
        expected = gold_events.get(position, {})
        found = produced_events.get(position, {})
        for name in FIELDS:
            matched, missed, spurious = _MATCHERS[name](expected.get(name) or [], found.get(name) or [])
            score = report.scores[name]
            score.true_positives += matched
            score.false_negatives += len(missed)
            score.false_positives += len(spurious)
            report.misses += [Miss(source, position, name, "missed", item) for item in missed]
            report.misses += [Miss(source, position, name, "spurious", item) for item in spurious]


# -- normalizing and matching ---------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def normalize_person(text: str) -> str:
    """Case and accents folded, possessive 's and punctuation dropped."""
    text = re.sub(r"['’]s\b", "", _fold(text or ""))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def normalize_name(text: str) -> str:
    """Organizations and places: folded, leading "the" and punctuation dropped, "U.S." and
    "United States" read as "us"."""
    text = _fold(text or "")
    text = re.sub(r"\bu\.s\.(?=\W|$)|\bunited states\b", "us", text)
    text = " ".join(re.sub(r"[^\w\s]", "", text).split())
    return text.removeprefix("the ")


def _within(part: str, whole: str) -> bool:
    return bool(part) and f" {part} " in f" {whole} "


def _match_persons(gold: list[dict], produced: list[dict]) -> tuple[int, list[str], list[str]]:
    """Gold persons longest mention first, each produced person used once."""
    unused = list(range(len(produced)))
    normal = [
        (normalize_person(p.get("name") or ""), normalize_person(p.get("mention") or "")) for p in produced
    ]
    missed = []
    matched = 0
    for person in sorted(gold, key=lambda p: -len(normalize_person(p.get("mention") or p.get("name") or ""))):
        mention = normalize_person(person.get("mention") or person.get("name") or "")
        name = normalize_person(person.get("name") or "")
        hit = next(
            (
                i
                for i in unused
                if _within(mention, normal[i][0])
                or _within(mention, normal[i][1])
                or _within(normal[i][1], name)
            ),
            None,
        )
        if hit is None:
            missed.append(person.get("mention") or person.get("name") or "")
        else:
            unused.remove(hit)
            matched += 1
    spurious = [produced[i].get("mention") or produced[i].get("name") or "" for i in unused]
    return matched, missed, spurious


def _match_named(gold: list[dict], produced: list[dict]) -> tuple[int, list[str], list[str]]:
    """Organizations and places: a pair matches when their normalized name-and-alias sets
    share a member; a maximum one-to-one matching."""

    def forms(item: dict) -> set[str]:
        return {normalize_name(n) for n in [item.get("name") or "", *(item.get("aliases") or [])]} - {""}

    gold_forms = [forms(g) for g in gold]
    produced_forms = [forms(p) for p in produced]
    partner: dict[int, int] = {}  # produced index -> gold index

    def augment(g: int, seen: set[int]) -> bool:
        for p, candidate in enumerate(produced_forms):
            if p not in seen and gold_forms[g] & candidate:
                seen.add(p)
                if p not in partner or augment(partner[p], seen):
                    partner[p] = g
                    return True
        return False

    for g in range(len(gold)):
        augment(g, set())
    matched_gold = set(partner.values())
    missed = [gold[g].get("name", "") for g in range(len(gold)) if g not in matched_gold]
    spurious = [produced[p].get("name", "") for p in range(len(produced)) if p not in partner]
    return len(partner), missed, spurious


def _match_sets(gold: list[str], produced: list[str]) -> tuple[int, list[str], list[str]]:
    expected, found = set(gold), set(produced)
    return len(expected & found), sorted(expected - found), sorted(found - expected)


_MATCHERS = {
    "persons": _match_persons,
    "organizations": _match_named,
    "places": _match_named,
    "countries": _match_sets,
    "dates": _match_sets,
}


def format_report(report: Report, *, misses: bool = False) -> str:
    """The report as a plain-text table (and, if asked, every miss)."""
    lines = [f"{'field':<14}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>6}{'FN':>6}"]
    for name, s in report.scores.items():
        lines.append(
            f"{name:<14}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}"
            f"{s.true_positives:>6}{s.false_positives:>6}{s.false_negatives:>6}"
        )
    lines.append("")
    lines.append(f"{'file':<48}{'published':>22}{'events':>10}")
    for f in report.files:
        verdict = "ok" if f.published_correct else f"WRONG (gold {f.published_gold})"
        published = f"{f.published_produced or '-'} {verdict}"
        events = f"{f.events_produced}/{f.events_gold}{'' if f.event_count_correct else ' WRONG'}"
        lines.append(f"{f.source:<48}{published:>22}{events:>10}")
    lines.append(
        f"published correct: {report.published_accuracy:.0%}   "
        f"event count correct: {report.event_count_accuracy:.0%}"
    )
    for source in report.without_gold:
        lines.append(f"no gold record for {source}")
    if misses:
        lines.append("")
        for m in report.misses:
            lines.append(f"{m.source} #{m.position} {m.field} {m.kind}: {m.item}")
    return "\n".join(lines)
