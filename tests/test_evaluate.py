"""Scoring by SCHEMA.md: the arithmetic on a tiny gold/produced pair, and the CLI."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import InputError
from kg.evaluate import evaluate, format_report, normalize_name, normalize_person

GOLD = {
    "source": "digest-vol-9.1.txt",
    "series": "US-Japan Alliance Digest",
    "volume": "9.1",
    "published": "2024-05",
    "events": [
        {
            "position": 1,
            "headline": "Allies meet",
            "persons": [
                {"name": "Kim Jong Un", "mention": "Kim Jong Un", "role": "leader", "country": "KP"},
                {"name": "Kim Sung-han", "mention": "Kim", "role": None, "country": "KR"},
                {"name": "Yasukazu Hamada", "mention": "Hamada", "role": None, "country": "JP"},
            ],
            "organizations": [
                {"name": "US Department of State", "aliases": ["State Department"]},
                {"name": "Quad", "aliases": []},
            ],
            "countries": ["JP", "KP", "KR", "US"],
            "places": [{"name": "Washington", "aliases": ["Washington, D.C."]}],
            "dates": ["2024-05-01"],
        },
        {
            "position": 2,
            "headline": None,
            "persons": [],
            "organizations": [],
            "countries": ["JP"],
            "places": [{"name": "Tokyo", "aliases": []}],
            "dates": [],
        },
    ],
}

PRODUCED = {
    "source": "digest-vol-9.1.txt",
    "published": "2024-05-20",
    "events": [
        {
            "position": 1,
            "persons": [
                {"name": "Kim Jong Un", "mention": "Kim Jong Un"},
                {"name": "Kim", "mention": "Kim"},
                {"name": "Hamada's", "mention": "Hamada’s"},  # possessive dropped
                {"name": "Lloyd Austin", "mention": "Austin"},  # spurious
            ],
            "organizations": [{"name": "the U.S. Department of State", "aliases": []}],  # normalized match
            "countries": ["JP", "KR", "US", "CN"],
            "places": [{"name": "Washington, D.C.", "aliases": []}],
            "dates": ["2024-05-01", "2024-05-02"],
        },
        {"position": 3, "persons": [], "organizations": [], "countries": ["PH"], "places": [], "dates": []},
        {"position": 4, "persons": [], "organizations": [], "countries": [], "places": [], "dates": []},
    ],
}


@pytest.fixture
def gold_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "digest-vol-9.1.json").write_text(json.dumps(GOLD), encoding="utf-8")
    return folder


def test_scores_follow_the_schema(gold_dir):
    report = evaluate(gold_dir, [PRODUCED])
    persons = report.scores["persons"]
    assert (persons.true_positives, persons.false_positives, persons.false_negatives) == (3, 1, 0)
    assert persons.precision == pytest.approx(0.75) and persons.recall == 1.0
    organizations = report.scores["organizations"]
    assert (organizations.true_positives, organizations.false_positives, organizations.false_negatives) == (
        1,
        0,
        1,
    )
    countries = report.scores["countries"]
    # event 1: JP KR US matched, CN spurious, KP missed; event 2 missing: JP missed;
    # event 3 extra: PH spurious
    assert (countries.true_positives, countries.false_positives, countries.false_negatives) == (3, 2, 2)
    assert countries.f1 == pytest.approx(2 * 0.6 * 0.6 / 1.2)
    places = report.scores["places"]
    assert (places.true_positives, places.false_positives, places.false_negatives) == (1, 0, 1)
    dates = report.scores["dates"]
    assert (dates.true_positives, dates.false_positives, dates.false_negatives) == (1, 1, 0)
    file = report.files[0]
    assert file.published_correct  # 2024-05-20 agrees with 2024-05 to the gold's precision
    assert (file.events_gold, file.events_produced) == (2, 3) and not file.event_count_correct
    assert ("digest-vol-9.1.txt", 2, "places", "missed", "Tokyo") in {
        (m.source, m.position, m.field, m.kind, m.item) for m in report.misses
    }


def test_published_to_the_golds_precision(gold_dir):
    def published_ok(value):
        return evaluate(gold_dir, [{**PRODUCED, "published": value}]).files[0].published_correct

    assert published_ok("2024-05")
    assert not published_ok("2024")  # less precise than the gold
    assert not published_ok("2024-06-01")


def test_persons_longest_gold_mention_first():
    gold = {
        "source": "x.txt",
        "published": "2024",
        "events": [
            {
                "position": 1,
                "persons": [
                    {"name": "Kim Sung-han", "mention": "Kim"},
                    {"name": "Kim Jong Un", "mention": "Kim Jong Un"},
                ],
            }
        ],
    }
    produced = {
        "source": "x.txt",
        "published": "2024",
        "events": [
            {
                "position": 1,
                "persons": [
                    {"name": "Kim Jong Un", "mention": "Kim Jong Un"},
                    {"name": "Kim Sung-han", "mention": "Kim"},
                ],
            }
        ],
    }
    from kg.evaluate import Report, score_record

    report = Report()
    score_record(gold, produced, report)
    assert report.scores["persons"].true_positives == 2


def test_normalization_rules():
    assert normalize_name("The U.S. Department of State") == "us department of state"
    assert normalize_name("United States  Navy") == "us navy"
    assert normalize_person("Eduardo Año’s") == "eduardo ano"


def test_unmatched_records_and_bad_gold_are_reported(tmp_path, gold_dir):
    report = evaluate(gold_dir, [{**PRODUCED, "source": "other.txt"}])
    assert report.without_gold == ["other.txt"] and report.files == []
    (gold_dir / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.json"):
        evaluate(gold_dir, [PRODUCED])
    with pytest.raises(InputError, match="gold folder not found"):
        evaluate(tmp_path / "missing", [PRODUCED])


def test_format_report_lists_misses(gold_dir):
    text = format_report(evaluate(gold_dir, [PRODUCED]), misses=True)
    assert "persons" in text.splitlines()[1]
    assert "digest-vol-9.1.txt #2 places missed: Tokyo" in text


DIGEST = """US-Japan Alliance Digest Vol 9.1

  \u2022 Ministers meet
  \u2022 Governor visits

  \u2022 Defense Minister Kihara met Deputy Secretary of State Kurt Campbell in Tokyo on May 3.
  \u2022 Okinawa Governor Denny Tamaki visited Washington on May 8.

\u201cUS-Japan Alliance Digest\u201d is a bi-weekly summary.
"""


def test_cli_evaluate(tmp_path):
    digest = tmp_path / "digests" / "digest-vol-9.1.txt"
    digest.parent.mkdir()
    digest.write_text(DIGEST, encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    record = {
        "source": "digest-vol-9.1.txt",
        "published": "2024",
        "events": [
            {
                "position": 1,
                "persons": [
                    {"name": "Minoru Kihara", "mention": "Kihara"},
                    {"name": "Kurt Campbell", "mention": "Kurt Campbell"},
                ],
                "organizations": [],
                "countries": ["JP", "US"],
                "places": [{"name": "Tokyo"}],
                "dates": ["2024-05-03"],
            },
            {
                "position": 2,
                "persons": [{"name": "Denny Tamaki", "mention": "Denny Tamaki"}],
                "organizations": [],
                "countries": ["JP", "US"],
                "places": [{"name": "Okinawa"}, {"name": "Washington"}],
                "dates": ["2024-05-08"],
            },
        ],
    }
    (gold / "digest-vol-9.1.json").write_text(json.dumps(record), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["evaluate", str(gold), str(digest.parent)])
    assert result.exit_code == 0, result.output
    assert "digest-vol-9.1.txt" in result.output
    result = runner.invoke(cli, ["evaluate", str(gold), str(digest), "--json"])
    report = json.loads(result.output)
    assert report["fields"]["persons"]["f1"] == 1.0
    assert report["files"][0]["event_count_correct"] is True
    result = runner.invoke(cli, ["evaluate", str(tmp_path / "nowhere"), str(digest)])
    assert result.exit_code != 0 and "gold folder not found" in result.output


SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def test_dev_gold_bar():
    """The extraction bar on the hand-made dev gold (../shared beside the project)."""
    from kg.extract import extract
    from kg.read import iter_sources, read_digest

    assert (SHARED / "gold" / "dev").is_dir(), f"dev gold not found at {SHARED}"
    records = [
        extract(read_digest(p)).to_record() for p in iter_sources([SHARED / "corpus", SHARED / "seeds"])
    ]
    report = evaluate(SHARED / "gold" / "dev", records)
    f1 = {name: score.f1 for name, score in report.scores.items()}
    assert f1["persons"] >= 0.95 and f1["countries"] >= 0.95, f1
    assert f1["organizations"] >= 0.90 and f1["places"] >= 0.90, f1
    assert all(file.event_count_correct for file in report.files)
    assert len(report.files) == len(list((SHARED / "gold" / "dev").glob("*.json")))
