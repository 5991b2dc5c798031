"""Dates in bullet text, rule by rule (the Dates rule of the gold SCHEMA)."""

from __future__ import annotations

import pytest

from kg.dates import Period, find_dates, parse_iso


def values(text: str, published: str) -> list[str]:
    return sorted(ref.value for ref in find_dates(text, published))


def words(text: str, published: str) -> dict[str, list[str]]:
    """Each value with the words that give it; also checks every span against the text."""
    result = {}
    for ref in find_dates(text, published):
        for span in ref.spans:
            assert text[span.begin : span.end] == span.text
        result[ref.value] = [span.text for span in ref.spans]
    return result


# --- days ----------------------------------------------------------------------------------------


def test_day_takes_the_year_nearest_before_publication():
    text = "The envoys met in Seoul on March 3 to compare notes."
    assert words(text, "2023-03") == {"2023-03-03": ["March 3"]}
    assert values("Japan adopted its strategy on December 16.", "2023-01") == ["2022-12-16"]


def test_day_in_the_publication_month_is_not_pushed_a_year_back_when_only_the_month_is_known():
    assert values("Talks were held on January 28.", "2023-01") == ["2023-01-28"]


def test_day_with_its_year_and_day_first_forms():
    text = "The law passed on January 21, 2022 and took effect 14 February 2022; see also 2022-03-01."
    assert words(text, "2024") == {
        "2022-01-21": ["January 21, 2022"],
        "2022-02-14": ["14 February 2022"],
        "2022-03-01": ["2022-03-01"],
    }


def test_abbreviated_months_with_a_day():
    assert values("Signed on Apr. 9, after the Jan 5-9 trip and the Sept. 12 call.", "2024-04") == [
        "2023-09-12", "2024-01-05", "2024-01-09", "2024-04-09"]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("The ministers will meet on February 10.", "2023-01", ["2023-02-10"]),
        ("The ministers met on February 10.", "2023-01", ["2022-02-10"]),
        ("The vote is scheduled for December 5.", "2023-01", ["2023-12-05"]),
        ("Officials are planning to hold the upcoming talks on March 2.", "2023-04", ["2024-03-02"]),
        ("Leaders will meet in April.", "2023-05", ["2024-04"]),
        ("Leaders met in April.", "2023-05", ["2023-04"]),
    ],
)
def test_dates_presented_as_still_to_come_take_the_year_nearest_after(text, published, expected):
    assert values(text, published) == expected


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # A deadline, a modal, a present progressive, a rule taking effect: plans, not reports.
        ("The Diet must pass the budget by the end of March, Finance Minister Kato said.", "2024-12",
         ["2025-03"]),
        ("Tokyo is hosting the Quad foreign ministers on February 3.", "2024-12", ["2025-02-03"]),
        ("The new export rules, which take effect on April 1, cover chip tools.", "2024-11", ["2025-04-01"]),
        ("Japan said it would send its new destroyer to the region in April.", "2024-10", ["2025-04"]),
        ("Tokyo hopes to close the deal with Manila before mid-February.", "2024-11", ["2025-02"]),
        # The same clauses told in the past stay in the past.
        ("Japan sent its new destroyer to the region in April.", "2024-10", ["2024-04"]),
        ("The embargo lasted until June 18, when it ended with a joint statement.", "2025-01",
         ["2024-06-18"]),
        ("The agreement was signed before the end of January.", "2024-11", ["2024-01"]),
    ],
)
def test_a_clause_about_plans_takes_the_nearer_year_after(text, published, expected):
    assert values(text, published) == expected


def test_a_weak_sign_of_plans_keeps_a_recent_date_in_the_past():
    # Last month is nearer than next October: "would" alone does not push it a year ahead.
    assert values("Japan said it would hold the talks in October.", "2024-11") == ["2024-10"]
    # A future marker does.
    assert values("Japan will hold the talks on October 3.", "2024-11") == ["2025-10-03"]


def test_a_deadline_falls_after_the_day_it_was_set():
    text = "On January 10 the agency gave the firm until December 18 to answer the inquiry."
    assert values(text, "2025-02") == ["2025-01-10", "2025-12-18"]


def test_a_date_after_since_is_past_even_in_a_clause_about_plans():
    text = "The visit will be the first by a Japanese leader since March 3."
    assert values(text, "2024-11") == ["2024-03-03"]


def test_dates_still_to_come_are_left_out_on_request():
    text = "Tokyo is hosting the Quad foreign ministers on February 3. Envoys prepared on December 4."
    assert [ref.value for ref in find_dates(text, "2024-12", include_future=False)] == ["2024-12-04"]


def test_a_future_marker_after_the_date_does_not_count():
    assert values("Japan announced June 6 that it will join the project.", "2023-06") == ["2023-06-06"]


def test_an_april_summit_in_a_march_issue_is_still_to_come():
    assert values("Both sides began preparing for an April summit.", "2023-03") == ["2023-04"]
    assert values("Both sides reviewed the April summit.", "2023-03") == ["2022-04"]


def test_february_29_only_in_leap_years():
    assert values("The agency said on February 29 that it agreed.", "2023-03") == ["2020-02-29"]
    assert values("The agency said on February 30 that it agreed.", "2023-03") == []


# --- ranges and lists ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The forum met on September 8-9.", {"2022-09-08": ["September 8"], "2022-09-09": ["9"]}),
        ("The forum met on May 31-June 2.", {"2022-05-31": ["May 31"], "2022-06-02": ["June 2"]}),
        ("The dialogue (June 2-4) drew ministers.", {"2022-06-02": ["June 2"], "2022-06-04": ["4"]}),
        ("The drill ran June 1–7 off Luzon.", {"2022-06-01": ["June 1"], "2022-06-07": ["7"]}),
        ("Talks were held 8-9 September in Seoul.", {"2022-09-08": ["8"], "2022-09-09": ["9 September"]}),
    ],
)
def test_day_range_gives_first_and_last_day(text, expected):
    assert words(text, "2022-09") == expected


def test_range_across_the_new_year():
    assert values("The exercise ran December 30-January 2.", "2023-01") == ["2022-12-30", "2023-01-02"]


def test_listed_days():
    assert words("The ministers met on February 18 and 20.", "2023-03") == {
        "2023-02-18": ["February 18"], "2023-02-20": ["20"]}
    assert values("Aircraft flew on July 6, 11 and 12 with 52 jets.", "2022-07") == [
        "2022-07-06", "2022-07-11", "2022-07-12"]


def test_a_range_that_runs_backwards_keeps_only_its_first_day():
    assert values("The team met on May 5-3.", "2022-06") == ["2022-05-05"]


# --- months --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("Their first meeting since Hamada took office in August.", "2022-09", {"2022-08": ["August"]}),
        ("Japan adopted its new documents in mid-December.", "2023-01", {"2022-12": ["mid-December"]}),
        ("He was in Washington in late July.", "2022-08", {"2022-07": ["late July"]}),
        ("Visitors arrived at the start of May.", "2022-05", {"2022-05": ["May"]}),
        ("It follows the January “2+2” meeting.", "2022-07", {"2022-01": ["January"]}),
        ("The post was vacant since July 2019.", "2022-01", {"2019-07": ["July 2019"]}),
        ("Work has gone on since late 2014.", "2022", {"2014": ["2014"]}),
        ("Late July brought talks; Mid-June had none.", "2022-08",
         {"2022-07": ["Late July"], "2022-06": ["Mid-June"]}),
    ],
)
def test_months(text, published, expected):
    assert words(text, published) == expected


def test_a_capitalized_may_or_march_needs_a_date_word_before_it():
    assert values("May the talks go well. March forward, he said. Both may meet in March.", "2023-04") == [
        "2023-03"]
    assert values("The allies may meet again.", "2023-04") == []


# --- years ---------------------------------------------------------------------------------------


def test_years():
    text = "The exercise began in 1985, was expanded in 2018 and is planned through fiscal 2027 and mid-2030."
    assert words(text, "2022-09") == {"1985": ["1985"], "2018": ["2018"], "2027": ["2027"], "2030": ["2030"]}


def test_years_after_capitalized_words_that_introduce_them():
    assert values("In 2018 the council met. Since 2021 it has grown; Fiscal 2027 plans too.", "2024") == [
        "2018", "2021", "2027"]


def test_the_same_year_twice_is_one_value_with_two_spans():
    assert words("Slightly narrower than in 2018, with turnout down from 2018.", "2022") == {
        "2018": ["2018", "2018"]}


def test_year_ranges():
    assert words("Output rose in 2018-19 and again in 2020–2021.", "2022") == {
        "2018": ["2018"], "2019": ["19"], "2020": ["2020"], "2021": ["2021"]}


# --- relative days -------------------------------------------------------------------------------


def test_two_days_later_counts_from_the_anchor_date():
    text = "The envoys met on September 7. Two days later Pyongyang passed a new law."
    assert words(text, "2022-09") == {"2022-09-07": ["September 7"], "2022-09-09": ["Two days later"]}


def test_ten_days_later_and_a_week_later():
    assert values("On March 6 Seoul unveiled a plan. Ten days later Yoon was in Tokyo.", "2023-03") == [
        "2023-03-06", "2023-03-16"]
    assert values("On March 3 the envoys met, and a week later they signed.", "2023-03") == [
        "2023-03-03", "2023-03-10"]


def test_the_next_and_following_day():
    assert values("He landed on January 23. Officials welcomed him the next day.", "2022-01") == [
        "2022-01-23", "2022-01-24"]
    assert values("On Apr. 9 they signed. The following day the leaders met.", "2024-04") == [
        "2024-04-09", "2024-04-10"]


def test_two_days_earlier_counts_back_from_the_first_day_of_a_range():
    text = "The ministers met on September 8-9. Two days earlier, Raimondo called Hayashi."
    assert values(text, "2022-09") == ["2022-09-06", "2022-09-08", "2022-09-09"]


def test_anchor_in_the_same_sentence_comes_first():
    text = "He visited May 27-29, and in a May 29 meeting cited the launch two days earlier."
    assert values(text, "2024-05") == ["2024-05-27", "2024-05-29"]


def test_the_day_before_skips_a_date_that_only_modifies_a_noun():
    text = (
        "The deputies met on May 31 for talks. They condemned the failed May 27 satellite launch. "
        "The day before, two of them opened a separate dialogue."
    )
    assert words(text, "2024-06")["2024-05-30"] == ["The day before"]


def test_the_same_day_adds_a_span_to_its_anchor():
    text = "The minister warned on March 8 against quitting. The same day Japan eased its rules."
    assert words(text, "2022-03") == {"2022-03-08": ["March 8", "The same day"]}


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("The envoys met in Manila on October 9, three days after the coast guard clash near Second "
         "Thomas Shoal.", "2024-10", {"2024-10-06": ["three days after"], "2024-10-09": ["October 9"]}),
        ("Kishida arrived in Canberra on July 4, the day after the Diet session closed.", "2024-07",
         {"2024-07-03": ["the day after"], "2024-07-04": ["July 4"]}),
    ],
)
def test_a_phrase_set_after_a_day_dates_what_follows_it(text, published, expected):
    assert words(text, published) == expected


def test_looking_back_from_the_main_event_and_returning_to_it():
    text = (
        "Austin landed in Tokyo on July 28. The day before in Manila he pledged $500 million in "
        "military financing. Two days earlier at the ASEAN meeting in Vientiane he met Wang Yi. In "
        "Tokyo he and Kihara agreed to upgrade US Forces Japan, and he flew to Seoul the next day."
    )
    assert words(text, "2024-08") == {
        "2024-07-28": ["July 28"],
        "2024-07-27": ["The day before"],
        "2024-07-25": ["Two days earlier"],  # further back from the day before
        "2024-07-29": ["the next day"],  # the main events again, not the looks back
    }


@pytest.mark.parametrize(
    "text",
    [
        "Yoon met Kishida in Tokyo on March 16, amid protests that followed the March 6 compensation "
        "plan and strikes at Seoul hospitals since February 20. The next day the two leaders dined.",
        "Yoon flew to Tokyo on March 16, after a cabinet meeting on March 14 that approved the plan. "
        "The next day the two leaders dined.",
    ],
)
def test_the_next_day_counts_from_the_main_event_not_from_background(text):
    assert "2023-03-17" in values(text, "2023-03")


def test_relative_days_that_are_not_resolved():
    # Anchored to what follows, or with no date to anchor to.
    assert values("The meeting came three days after the ministry approved the plan.", "2022-08") == []
    assert values("Two days later the talks resumed.", "2022-08") == []
    assert values("They met the day before the vote on July 5.", "2022-08") == ["2022-07-05"]
    # Set after a clause rather than right after the day, the phrase is not dated.
    text = "The Quad met on May 24, with Albanese joining a day after being sworn in."
    assert values(text, "2022-05") == ["2022-05-24"]


# --- not dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Turnout was higher than last year, and the plan was recently revised.",
        "The weeklong exercise will be repeated in six years.",
        "Orient Shield 22 used F-35 and F-2 jets; COVID-19 rules applied.",
        "The allies plan to meet this fall and again next spring.",
        "Support reached 35% and 2000 troops took part, costing $2022 million and 1,400 miles.",
        "He returned last May to the capital.",
        "Ships sailed in RIMPAC 2024 and Talisman Sabre 2023 before Expo 2025 opened.",
    ],
)
def test_not_listed(text):
    assert values(text, "2022-09") == []


def test_publication_known_only_to_the_year():
    assert values("Leaders met on April 11 and will meet in June.", "2024") == ["2024-04-11", "2024-06"]


# --- ISO helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022", "2022"),
        ("2022-9", "2022-09"),
        ("2022-09-14", "2022-09-14"),
        ("2022-09-14T10:30:00+09:00", "2022-09-14"),
        ("September 14, 2022", "2022-09-14"),
        ("14 September 2022", "2022-09-14"),
        ("September 2022", "2022-09"),
        ("2022-13", None),
        ("2022-02-30", None),
        ("mid September", None),
        ("", None),
    ],
)
def test_parse_iso(value, expected):
    assert parse_iso(value) == expected


def test_period_covers_the_days_of_a_value():
    assert (str(Period.of("2024-02").first), str(Period.of("2024-02").last)) == ("2024-02-01", "2024-02-29")
    assert (str(Period.of("2022").first), str(Period.of("2022").last)) == ("2022-01-01", "2022-12-31")
    with pytest.raises(ValueError, match="not an ISO date"):
        Period.of("soon")
