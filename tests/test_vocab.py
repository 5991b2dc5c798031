"""The vocabulary loader: bundled files load and validate; malformed files are named."""

from pathlib import Path

import pytest

from kg import vocab
from kg.errors import VocabularyError


def _hits(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for hit in vocab.load().find(text):
        found.setdefault(text[hit.begin : hit.end], set()).update(f"{hit.kind}:{k}" for k in hit.keys)
    return found


def test_bundled_vocabularies_load_once():
    assert vocab.load() is vocab.load()
    loaded = vocab.load()
    assert loaded.term("country", "JP").name == "Japan"
    assert {c.key for c in loaded.event_types} >= {"CONSULT", "AGREE", "EXERCISE", "ELECTION", "STATEMENT"}


def test_country_forms_and_compounds():
    found = _hits("The US-Japan-Korea and Japan-ROK talks; North Korean and Chinese envoys met Filipinos.")
    assert found["US"] == {"country:US"}
    assert found["Japan"] == {"country:JP"}
    assert found["Korea"] == {"country:KR"}
    assert found["ROK"] == {"country:KR"}
    assert found["North Korean"] == {"country:KP"}
    assert found["Chinese"] == {"country:CN"}
    assert found["Filipinos"] == {"country:PH"}


def test_forms_only_on_word_boundaries():
    found = _hits("Japanese officials and the USA; Nigeria is not Niger.")
    assert "Japan" not in found  # inside "Japanese"
    assert "Niger" in found and found["Nigeria"] == {"country:NG"}


def test_territories_are_not_states():
    assert vocab.load().term("country", "GU") is None


def test_titles_match_in_other_cases_and_plural():
    found = _hits("National Security Advisors met; the defense minister spoke.")
    assert "title:national security advisor" in found["National Security Advisors"]
    assert "title:Defense Minister" in found["defense minister"]


def _copy_bundled(tmp_path: Path) -> tuple[Path, Path]:
    vocab_dir, patterns_dir = tmp_path / "vocab", tmp_path / "patterns"
    vocab_dir.mkdir()
    patterns_dir.mkdir()
    for source, target in ((vocab.vocab_dir(), vocab_dir), (vocab.patterns_dir(), patterns_dir)):
        for path in source.glob("*.toml"):
            (target / path.name).write_bytes(path.read_bytes())
    return vocab_dir, patterns_dir


def test_malformed_entry_is_named(tmp_path):
    vocab_dir, patterns_dir = _copy_bundled(tmp_path)
    (vocab_dir / "places.toml").write_text('[[place]]\nid = "camp-x"\nname = "Camp X"\ncountry = "XX"\n')
    with pytest.raises(VocabularyError, match=r"places\.toml: entry 1 \(camp-x\): country 'XX'"):
        vocab.build(vocab_dir, patterns_dir)


def test_broken_toml_and_duplicate_ids_are_named(tmp_path):
    vocab_dir, patterns_dir = _copy_bundled(tmp_path)
    (vocab_dir / "persons.toml").write_text('[[person]\nid = "x"\n')
    with pytest.raises(VocabularyError, match=r"persons\.toml: not valid TOML"):
        vocab.build(vocab_dir, patterns_dir)
    (vocab_dir / "persons.toml").write_text(
        '[[person]]\nid = "a-b"\nname = "A B"\n[[person]]\nid = "a-b"\nname = "A C"\n'
    )
    with pytest.raises(VocabularyError, match=r"persons\.toml: id 'a-b' appears twice"):
        vocab.build(vocab_dir, patterns_dir)


def test_missing_file_is_named(tmp_path):
    vocab_dir, patterns_dir = _copy_bundled(tmp_path)
    (patterns_dir / "titles.toml").unlink()
    with pytest.raises(VocabularyError, match=r"titles\.toml: vocabulary file missing"):
        vocab.build(vocab_dir, patterns_dir)


@pytest.fixture
def fresh_load(tmp_path, monkeypatch):
    """`vocab.load()` over copies of the bundled files, with its cache in tmp_path."""
    vocab_dir, patterns_dir = _copy_bundled(tmp_path)
    monkeypatch.setenv("KG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(vocab, "vocab_dir", lambda: vocab_dir)
    monkeypatch.setattr(vocab, "patterns_dir", lambda: patterns_dir)
    vocab.load.cache_clear()
    yield vocab_dir
    vocab.load.cache_clear()


def test_built_vocabulary_is_cached_and_rebuilt_when_a_file_changes(fresh_load, tmp_path):
    first = vocab.load()
    assert len(list((tmp_path / "cache").glob("vocabulary-*.pickle"))) == 1
    vocab.load.cache_clear()
    assert vocab.load().terms.keys() == first.terms.keys()  # read back from the cache
    places = fresh_load / "places.toml"
    places.write_text(
        places.read_text(encoding="utf-8")
        + '\n[[place]]\nid = "camp-kiyose"\nname = "Camp Kiyose"\ncountry = "JP"\n',
        encoding="utf-8",
    )
    vocab.load.cache_clear()
    assert vocab.load().term("place", "camp-kiyose").country == "JP"
    assert len(list((tmp_path / "cache").glob("vocabulary-*.pickle"))) == 2


def test_unwritable_cache_still_loads(fresh_load, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("KG_CACHE", str(blocker / "cache"))
    assert vocab.load().term("country", "US").name == "United States"


def test_exercise_and_operation_names_block_their_words():
    found = vocab.load().find("Keen Sword and Operation Tomodachi and RIMPAC")
    blocked = {(h.begin, h.end) for h in found if h.kind == "blocker"}
    assert {(0, 10), (15, 34), (39, 45)} <= blocked


def test_malformed_blocked_names_are_named(tmp_path):
    vocab_dir, patterns_dir = _copy_bundled(tmp_path)
    (patterns_dir / "not_entities.toml").write_text('exercises = ["Keen Sword", 3]\n')
    with pytest.raises(VocabularyError, match=r"not_entities\.toml: 'exercises' must be a list"):
        vocab.build(vocab_dir, patterns_dir)
