"""Extraction from bullets in the digest's style: who and what each names, with exact offsets."""

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.extract import extract, extract_event
from kg.model import Bullet, Digest


def _event(text: str, published: str = "2024-05"):
    return extract_event(Bullet(1, None, text), published)


def _persons(event) -> dict[str, tuple]:
    return {p.mention: (p.name, p.role, p.country) for p in event.persons}


def _names(entities) -> set[str]:
    return {e.name for e in entities}


def _countries(event) -> set[str]:
    return {c.key for c in event.countries}


def _assert_offsets(event) -> None:
    groups = [event.persons, event.organizations, event.countries, event.places, event.topics]
    for entity in [e for group in groups for e in group]:
        assert entity.spans, entity
        for span in entity.spans:
            assert event.text[span.begin : span.end] == span.text, (entity.name, span)


def test_titled_persons_from_the_vocabulary_with_roles_and_states():
    event = _event(
        "Defense Minister Kihara met Deputy Secretary of State Kurt Campbell in Tokyo on May 3 "
        "to discuss Japan-ROK ties."
    )
    assert _persons(event) == {
        "Kihara": ("Minoru Kihara", "Defense Minister", "JP"),
        "Kurt Campbell": ("Kurt Campbell", "Deputy Secretary of State", "US"),
    }
    assert _countries(event) == {"JP", "KR", "US"}
    assert _names(event.places) == {"Tokyo"}
    assert event.organizations == []  # "Secretary of State" is a title, not the State Department
    _assert_offsets(event)


def test_namesakes_told_apart_by_title_and_date():
    deputy = _event("Deputy Chief Cabinet Secretary Kihara briefed reporters on the plan.", "2022-03")
    minister = _event("Defense Minister Kihara briefed reporters on the plan.", "2024-02")
    assert [p.key for p in deputy.persons] == ["seiji-kihara"]
    assert [p.key for p in minister.persons] == ["minoru-kihara"]
    speaker = _event("House Speaker Johnson said the bill would pass.", "2024-03")
    premier = _event("Prime Minister Johnson said the deal would hold.", "2021-06")
    assert speaker.persons[0].name == "Mike Johnson"
    assert premier.persons[0].name == "Boris Johnson"


def test_two_kims_in_one_bullet():
    event = _event(
        "North Korean leader Kim Jong Un test-fired a missile days after national security "
        "advisors Sullivan, Akiba, and Kim met in Hawaii.",
        "2022-09",
    )
    assert _persons(event) == {
        "Kim Jong Un": ("Kim Jong Un", "leader", "KP"),
        "Sullivan": ("Jake Sullivan", "national security advisor", "US"),
        "Akiba": ("Takeo Akiba", "national security advisor", "JP"),
        "Kim": ("Kim Sung-han", "national security advisor", "KR"),
    }
    assert _countries(event) == {"JP", "KP", "KR", "US"}
    _assert_offsets(event)


def test_persons_no_vocabulary_knows():
    event = _event(
        "Yamanashi Governor Kotaro Hoshizora and Sen. Dana Whitfield met Directors General "
        "Tanabori (MOFA) and Oyamazaki (Defense Ministry) before Hoshizora flew home."
    )
    persons = _persons(event)
    assert persons["Kotaro Hoshizora"][0] == "Kotaro Hoshizora"
    assert persons["Kotaro Hoshizora"][1] == "Yamanashi Governor"
    assert persons["Dana Whitfield"][2] == "US"  # "Sen." is a US title
    assert {"Tanabori", "Oyamazaki"} <= set(persons)
    assert len(event.persons) == 4  # the bare "Hoshizora" is the governor again
    assert len(next(p for p in event.persons if p.mention == "Kotaro Hoshizora").spans) == 2
    _assert_offsets(event)


def test_name_order_and_appositives():
    event = _event(
        "Vice Foreign Minister Okamura Masataka hosted Reiko Tanigawara, the Cabinet Office "
        "State Minister for space policy."
    )
    mentions = {p.mention for p in event.persons}
    assert mentions == {"Okamura Masataka", "Reiko Tanigawara"}


def test_persons_inside_phrases_and_surnames_inside_organizations():
    event = _event(
        "The Biden administration welcomed the Biden-Kishida summit, and Kishida later spoke "
        "at Johns Hopkins SAIS.",
        "2023-01",
    )
    assert {p.name for p in event.persons} == {"Joe Biden", "Fumio Kishida"}
    assert "Johns Hopkins SAIS" in _names(event.organizations)
    assert all("administration" not in o.name for o in event.organizations)


def test_korea_alone_is_south_korea():
    assert _countries(_event("Korean and Japanese officials met.")) == {"JP", "KR"}
    assert _countries(_event("North Korean officials met.")) == {"KP"}
    assert _countries(_event("A US-Japan-Korea summit met.")) == {"JP", "KR", "US"}


def test_organizations_with_acronyms_and_inside_titles():
    event = _event(
        "The Pacific Island Maritime Council (PIMC) met at Camp Kiyose; PIMC members praised "
        "US Army Pacific Commander Flynn and the Philippine Coast Guard.",
        "2022-09",
    )
    council = next(o for o in event.organizations if o.name == "Pacific Island Maritime Council")
    assert council.aliases == ["PIMC"]
    assert [s.text for s in council.spans] == ["Pacific Island Maritime Council", "PIMC", "PIMC"]
    assert {"US Army Pacific", "Philippine Coast Guard"} <= _names(event.organizations)
    assert _persons(event)["Flynn"][1] == "US Army Pacific Commander"
    assert _names(event.places) == {"Camp Kiyose"}
    assert _countries(event) == {"PH", "US"}  # the coast guard's name and the general's state
    _assert_offsets(event)


def test_descriptions_are_not_organizations():
    event = _event("The Thai Armed Forces and the Vietnamese Military Command were both named in the report.")
    assert event.organizations == []


def test_unknown_places_by_pattern():
    event = _event(
        "Toyota opened a plant in Greensboro, and drills moved to Kitakami Air Base in "
        "Iwate Prefecture and the city of Hanamaki."
    )
    places = _names(event.places)
    assert {"Greensboro", "Kitakami Air Base", "Iwate Prefecture", "Hanamaki"} <= places
    _assert_offsets(event)


def test_topics_and_event_type():
    event = _event("US and Japanese forces held a joint exercise near Okinawa to bolster deterrence.")
    assert event.event_type.key == "EXERCISE"
    assert "military exercises" in {t.name for t in event.topics}


def test_extract_a_digest_gives_one_event_per_bullet():
    digest = Digest(
        "d.txt",
        "US-Japan Alliance Digest",
        "9.1",
        "2024-05",
        "option",
        [Bullet(1, "One", "PM Kishida visited Manila."), Bullet(2, None, "Nothing named here.")],
    )
    extraction = extract(digest)
    record = extraction.to_record()
    assert [e["position"] for e in record["events"]] == [1, 2]
    assert record["events"][0]["persons"][0]["name"] == "Fumio Kishida"
    assert record["events"][1]["persons"] == []


DIGEST_TEXT = """US-Japan Alliance Digest Vol 9.3

  \u2022 Defense leaders meet in Tokyo
  \u2022 Pacific council convenes

  \u2022 Defense Minister Kihara met Deputy Secretary of State Kurt Campbell in Tokyo on May 3.
  \u2022 The Pacific Island Maritime Council (PIMC) held its first session at Camp Kiyose on May 7.

\u201cUS-Japan Alliance Digest\u201d is a bi-weekly summary.
"""


@pytest.fixture
def digest_file(tmp_path):
    path = tmp_path / "us-japan-alliance-digest-vol-9.3.txt"
    path.write_text(DIGEST_TEXT, encoding="utf-8")
    return path


def test_cli_extract_json(digest_file):
    result = CliRunner().invoke(cli, ["extract", str(digest_file), "--published", "2024-05-20"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["published"] == "2024-05-20"
    assert len(record["events"]) == 2
    assert record["events"][0]["persons"][0]["name"] == "Minoru Kihara"
    assert record["events"][1]["organizations"] == [
        {"name": "Pacific Island Maritime Council", "aliases": ["PIMC"]}
    ]


def test_cli_extract_turtle(digest_file):
    from rdflib import Graph

    result = CliRunner().invoke(
        cli, ["extract", str(digest_file), "--published", "2024-05-20", "--format", "turtle"]
    )
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.output, format="turtle")
    labels = {str(o) for o in graph.objects(None, None) if str(o) in ("Minoru Kihara", "Camp Kiyose")}
    assert labels == {"Minoru Kihara", "Camp Kiyose"}


def test_cli_extract_missing_file_is_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code != 0
    assert "nope.txt" in result.output
    assert "Traceback" not in result.output


def test_coordinated_names_ships_and_quoted_initiatives():
    event = _event(
        "The State and Commerce Departments briefed the crew of the USS George Washington on "
        "the “Global Partnership for the Future” with a Tokyo-based think tank."
    )
    assert {"US Department of State", "US Department of Commerce"} <= _names(event.organizations)
    assert all(o.name != "Global Partnership for the Future" for o in event.organizations)
    assert "George Washington" not in {p.name for p in event.persons}
    assert _names(event.places) == {"Tokyo"}  # not Washington, part of the ship's name
    _assert_offsets(event)


def test_speech_verbs_and_known_surnames_after_unknown_given_names():
    # the vocabulary knows a Watanabe (Tsuneo): Hiroshi Watanabe is someone else
    event = _event("Ryo Sahashizaka said the plan was sound, and Hiroshi Watanabe agreed.")
    assert {(p.name, p.mention) for p in event.persons} == {
        ("Ryo Sahashizaka", "Ryo Sahashizaka"),
        ("Hiroshi Watanabe", "Hiroshi Watanabe"),
    }


def test_a_person_found_in_one_bullet_is_found_by_surname_in_another():
    digest = Digest(
        "d.txt",
        "US-Japan Alliance Digest",
        "9.2",
        "2024-05",
        "option",
        [
            Bullet(1, None, "Kanagawa Governor Taro Hoshizora met officials."),
            Bullet(2, None, "Protests grew, and Hoshizora asked for talks."),
        ],
    )
    second = extract(digest).events[1]
    assert [(p.name, p.mention) for p in second.persons] == [("Taro Hoshizora", "Hoshizora")]
    assert _countries(second) == {"JP"}
    _assert_offsets(second)


def test_bare_surnames_of_known_persons_need_support():
    # "Clark" is a US general's surname, but here a place in a list; no title, no fuller mention
    event = _event("The corridor links Subic Bay, Clark, Manila, and Batangas.")
    assert event.persons == []
    assert "Clark" in _names(event.places)
    # a bare surname counts when the digest names the person elsewhere, here in a headline
    bullets = [Bullet(1, "Ambassador Emanuel speaks out", "Emanuel said the plan was sound.")]
    with_headline = extract(Digest("d.txt", "US-Japan Alliance Digest", "9.3", "2023-05", "option", bullets))
    assert [p.name for p in with_headline.events[0].persons] == ["Rahm Emanuel"]
    bullets = [Bullet(1, None, "Emanuel said the plan was sound.")]
    without = extract(Digest("d.txt", "US-Japan Alliance Digest", "9.3", "2023-05", "option", bullets))
    assert without.events[0].persons == []


def _keys(entities) -> set[str]:
    return {e.key for e in entities}


def test_the_title_decides_between_namesakes():
    governor = _event("Governor Tamaki told the prefectural assembly that the landfill must stop.", "2023-05")
    assert [p.key for p in governor.persons] == ["denny-tamaki"]
    leader = _event("DPFP leader Tamaki said his party would back the budget.", "2023-05")
    assert [p.key for p in leader.persons] == ["yuichiro-tamaki"]


def test_a_known_surname_with_another_given_name_is_another_person():
    event = _event(
        "Foreign Minister Hayashi campaigned for Hayashi Takeharu, whose rival Kato Ryosuke led the polls.",
        "2023-04",
    )
    persons = {p.mention: (p.key, p.name, p.country) for p in event.persons}
    assert persons["Hayashi"][0] == "yoshimasa-hayashi"
    assert persons["Hayashi Takeharu"] == ("takeharu-hayashi", "Takeharu Hayashi", "JP")
    assert persons["Kato Ryosuke"] == ("ryosuke-kato", "Ryosuke Kato", "JP")
    assert "katsunobu-kato" not in _keys(event.persons)


def test_unknown_family_first_names_are_named_given_name_first():
    event = _event("Tsuchida Naoki, a former Nago city official, won the mayoral race by 900 votes.")
    person = event.persons[0]
    assert (person.key, person.name, person.mention, person.country) == (
        "naoki-tsuchida",
        "Naoki Tsuchida",
        "Tsuchida Naoki",
        "JP",
    )


def test_an_acronym_the_bullet_defines_stands_for_that_organization():
    event = _event(
        "Japan’s National Security Council (NSC) met on Friday, and the NSC then approved the "
        "new export rules."
    )
    assert _keys(event.organizations) == {"national-security-council-japan"}
    assert len(event.organizations[0].spans) == 3
    assert _countries(event) == {"JP"}
    party = _event(
        "The Democratic Party for the People (DPP) doubled its seats; the DPP wants a higher "
        "income tax threshold."
    )
    assert _keys(party.organizations) == {"democratic-party-for-the-people"}
    assert _countries(party) == {"JP"}


def test_a_shared_organization_name_goes_to_the_state_the_bullet_is_about():
    japan = _event(
        "The LDP and Komeito lost their majority in the House of Representatives, leaving Prime "
        "Minister Ishiba to court the opposition in the Diet.",
        "2024-11",
    )
    assert "house-of-representatives-japan" in _keys(japan.organizations)
    assert "us-house-of-representatives" not in _keys(japan.organizations)
    assert "US" not in _countries(japan)
    us = _event(
        "The Senate and the House of Representatives passed the NDAA, and President Biden signed "
        "it in Washington.",
        "2023-12",
    )
    assert "us-house-of-representatives" in _keys(us.organizations)


def test_coordinated_services_and_plural_names_of_known_organizations():
    event = _event("The Ground, Maritime, and Air Self-Defense Forces will share one joint command.")
    assert _keys(event.organizations) == {
        "japan-ground-self-defense-force",
        "japan-maritime-self-defense-force",
        "japan-air-self-defense-force",
    }
    plural = _event("Both Maritime Self-Defense Forces ships docked at Yokosuka.")
    assert "japan-maritime-self-defense-force" in _keys(plural.organizations)


def test_exercise_names_and_ships_name_no_organization_or_place():
    event = _event(
        "The third Valiant Shield for US Indo-Pacific Command units drew the carrier Shandong "
        "and the carrier Ronald Reagan into the Philippine Sea."
    )
    assert _keys(event.organizations) == {"us-indo-pacific-command"}
    assert _names(event.places) == {"Philippine Sea"}
    assert event.persons == []
    drill = _event("Resolute Dragon and Orient Shield wrapped up on Hokkaido in August.")
    assert drill.organizations == []
    assert _names(drill.places) == {"Hokkaido"}


def test_a_named_unit_is_listed_beside_its_parent_but_a_subsidiary_is_not():
    unit = _event("A new US Army Composite Watercraft Company will move troops around Kyushu.")
    assert {"us-army", "composite-watercraft-company"} <= _keys(unit.organizations)
    firm = _event("The delegation toured the Honda Aircraft Company plant outside Greensboro.")
    assert _keys(firm.organizations) == {"honda-aircraft-company"}
