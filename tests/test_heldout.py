"""The extractor on held-out digests (`tests/heldout/`, `tests/heldout2/`), held to the same
bar as the dev gold: F1 >= 0.95 for persons, countries and dates, >= 0.90 for organizations and
places, and the right number of events in every file.

The five digests there are written in the three real page layouts from facts of 2022-2025, and
their gold records are annotated by the rules of `gold/SCHEMA.md` alone, so a vocabulary or
pattern tuned to the dev set shows up here as a miss. `heldout2/` was written blind (its author
never ran the extractor) and is kept out of tuning: it is the honest estimate for unseen issues.
Do not edit the gold to make this pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.evaluate import Report, evaluate
from kg.extract import extract
from kg.read import iter_sources, read_digest

HELDOUT_SETS = [Path(__file__).parent / "heldout", Path(__file__).parent / "heldout2"]
BAR = {"persons": 0.95, "countries": 0.95, "dates": 0.95, "organizations": 0.90, "places": 0.90}


@pytest.fixture(scope="module", params=HELDOUT_SETS, ids=lambda path: path.name)
def heldout(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture(scope="module")
def report(heldout: Path) -> Report:
    records = [extract(read_digest(path)).to_record() for path in iter_sources([heldout])]
    return evaluate(heldout, records)


def test_every_heldout_digest_has_gold_and_is_scored(report: Report, heldout: Path) -> None:
    digests = sorted(path.name for path in heldout.glob("*.txt"))
    assert len(digests) == 5
    assert report.without_gold == []
    assert sorted(result.source for result in report.files) == digests


@pytest.mark.parametrize("field", sorted(BAR))
def test_field_f1_meets_the_dev_bar(report: Report, field: str) -> None:
    score = report.scores[field]
    misses = [f"{m.source} #{m.position} {m.kind}: {m.item}" for m in report.misses if m.field == field]
    assert score.f1 >= BAR[field], (
        f"{field} F1 {score.f1:.3f} < {BAR[field]} (P {score.precision:.3f}, R {score.recall:.3f}):\n"
        + "\n".join(misses))


def test_event_count_is_right_in_every_file(report: Report) -> None:
    wrong = [f"{f.source}: {f.events_produced} events, gold {f.events_gold}"
             for f in report.files if not f.event_count_correct]
    assert wrong == []


def test_publication_date_agrees_with_gold(report: Report) -> None:
    wrong = [f"{f.source}: {f.published_produced}, gold {f.published_gold}"
             for f in report.files if not f.published_correct]
    assert wrong == []
