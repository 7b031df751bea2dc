"""Word-list scores (nlp/lexicon.py) and the command that rebuilds the shipped lists."""

import json
import math

import pytest

from nlp.lexicon import (
    LEXICON_DIR,
    LEXICON_LANGS,
    Lexicon,
    lexicon,
    lexicon_block,
    lexicon_digest,
    read_lexicon,
    read_negators,
)
from tools.sentiment.build_lexicons import convert


def test_shipped_lists_load_with_their_licence():
    assert (LEXICON_DIR / "LICENSE.txt").read_text(encoding="utf-8").startswith("## ODC Open Database License")
    assert "Produced Work" in (LEXICON_DIR / "README.md").read_text(encoding="utf-8")
    for lang in LEXICON_LANGS:
        lex = lexicon(lang)
        assert len(lex.scores) > 2500, lang
        assert all(-5 <= s <= 5 for s in lex.scores.values()), lang
        assert lex.negators, lang


def test_longest_phrase_wins_and_negation_flips_and_halves():
    lex = Lexicon({("bello",): 3.0, ("non", "bello"): -1.0, ("orribile",): -3.0, ("a", "caro", "prezzo"): 2.0},
                  frozenset({"non", "mai"}))
    compound, pos, neg, share = lex.score("Bello!")
    assert compound == pytest.approx(3 / math.sqrt(9 + 15)) and pos == pytest.approx(math.log1p(3)) and neg == 0
    assert share == 1.0
    # "non bello" is a phrase of its own: matched as such, not as a negated "bello".
    assert lex.score("non bello")[:3] == pytest.approx((-1 / 4, 0.0, math.log1p(1.0)))
    # A negator within three words before a match: score × -0.5.
    assert lex.score("mai stato così bello")[2] == pytest.approx(math.log1p(1.5))
    assert lex.score("mai e poi, davvero tanto bello")[1] == pytest.approx(math.log1p(3.0))  # too far back
    assert lex.score("l'ho preso a caro prezzo")[3] == pytest.approx(3 / 6)  # l, ho, preso + the phrase
    assert lex.score("") == (0.0, 0.0, 0.0, 0.0)


def test_block_is_zero_outside_the_chosen_languages():
    texts = ["Che schifo, orribile", "Che schifo, orribile", "Che schifo, orribile"]
    block = lexicon_block(texts, ["it", "ru", "other"])
    assert block.shape == (3, 4)
    assert block[0, 0] < 0 and not block[1:].any()
    assert not lexicon_block(texts, ["it"] * 3, langs=()).any()


def test_bad_list_line_is_a_clear_error(tmp_path):
    path = tmp_path / "afinn-xx.tsv"
    path.write_text("# comment\nbuono\t3\ncattivo\tmolto\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"afinn-xx.tsv:3: expected 'phrase<TAB>score'"):
        read_lexicon(path, frozenset())
    path.write_text("buono 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":1: expected"):
        read_lexicon(path, frozenset())


def test_missing_list_says_how_to_rebuild(tmp_path):
    with pytest.raises(FileNotFoundError, match="make lexicons"):
        lexicon("it", tmp_path)


def fake_package(root, lang="it"):
    languages = root / "build" / "languages"
    (languages / "negators").mkdir(parents=True)
    entries = {"Bello": 3, "bello": 2, "a caro prezzo": 3, "orribile": -3, "!!": 1, "strano": "x"}
    (languages / f"AFINN-{lang}.json").write_text(json.dumps(entries), encoding="utf-8")
    negators = {lang: ["non", "non è", "Mai"], "fr": ["ne", "pas"]}
    (languages / "negators" / "all.json").write_text(json.dumps(negators), encoding="utf-8")
    return root


def test_build_converts_merges_case_and_keeps_single_word_negators(tmp_path):
    package = fake_package(tmp_path / "package")
    out = tmp_path / "out"
    assert convert(package, out, ("it",)) == {"it": 3}
    lex = read_lexicon(out / "afinn-it.tsv", frozenset())
    # "Bello"/"bello" merge to their mean; "!!" has no word and "strano" no number: both left out.
    assert lex.scores == {("bello",): 2.5, ("a", "caro", "prezzo"): 3.0, ("orribile",): -3.0}
    assert (out / "negators.tsv").read_text(encoding="utf-8").splitlines()[1:] == ["it\tmai", "it\tnon"]
    # The digest follows the content, not the file's layout.
    before = lexicon_digest(["it"], out)
    lexicon.cache_clear()
    (out / "afinn-it.tsv").write_text("orribile\t-3\r\nbello\t2.5\r\na caro prezzo\t3\r\n", encoding="utf-8")
    assert lexicon_digest(["it"], out) == before
    lexicon.cache_clear()
    (out / "afinn-it.tsv").write_text("orribile\t-2\nbello\t2.5\na caro prezzo\t3\n", encoding="utf-8")
    assert lexicon_digest(["it"], out) != before
    lexicon.cache_clear()



def test_bad_negator_line_is_a_clear_error(tmp_path):
    path = tmp_path / "negators.tsv"
    path.write_text("it\tnon\nit non è\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"negators.tsv:2: expected 'lang<TAB>word'"):
        read_negators(path)


def test_broken_package_is_a_clear_error_and_writes_nothing(tmp_path):
    import click

    package = fake_package(tmp_path / "package")
    out = tmp_path / "out"
    out.mkdir()
    (out / "afinn-it.tsv").write_text("bello\t3\n", encoding="utf-8")
    # "es" is missing from the package: nothing may be written, not even the Italian list.
    with pytest.raises(click.ClickException, match="AFINN-es.json: not a readable"):
        convert(package, out, ("it", "es"))
    assert (out / "afinn-it.tsv").read_text(encoding="utf-8") == "bello\t3\n"
    assert not (out / "negators.tsv").exists()
    (package / "build" / "languages" / "AFINN-it.json").write_text("[1, 2", encoding="utf-8")
    with pytest.raises(click.ClickException, match="AFINN-it.json: not a readable"):
        convert(package, out, ("it",))
