"""A theme label never names the brand through a word that joins its name with others (nlp/label_words.py
`joined_name`), and never says a word twice through a possessive (`same_word`).

Seen on the GOP debate stream (python -m tools.themes.labels): `gop debate news · donaldtrump` (#DonaldTrump),
`fox news · trump2016`, `cruzcrew · watch`, `kasich4us · win`, `standwithrand · security`, and
`last night · night's`. Real config (`label_stopwords`), real tokenisation and the real labeler (PhraseIndex),
on texts as themes read them: masking reads whole words only, so a joined name is still in the text."""

from __future__ import annotations

from groundswell.config import BrandConfig
from groundswell.themes_step import label_stopwords
from nlp.label_words import allowed, joined_name
from nlp.theme_labels import PhraseIndex
from nlp.themes import label_exclusions

TRUMP = BrandConfig(name="Donald Trump", query="Trump OR @realDonaldTrump")
RAND = BrandConfig(name="Rand Paul", query="Rand OR @RandPaul")
APPLE = BrandConfig(name="Apple", query="Apple OR @Apple OR #AAPL OR AAPL")
OTHERS = ["megyn kelly question", "immigration wall plan", "tax cuts plan", "abortion rights vote",
          "border security funding", "health care costs"]


def _names(brand: BrandConfig) -> frozenset[str]:
    return frozenset(label_exclusions(sorted(label_stopwords(brand))))


def _label(brand: BrandConfig, theme: list[str]) -> str:
    """The label of the posts `theme` against 48 posts on other topics, as the themes step makes it."""
    texts = theme + [f"{OTHERS[n % len(OTHERS)]} {n}" for n in range(48)]
    index = PhraseIndex(texts, ["en"] * len(texts), _names(brand))
    return index.labels(list(range(len(theme))), index.count(range(len(texts))))["en"]


def _words(label: str) -> list[str]:
    return [w for phrase in label.split(" · ") for w in phrase.split()]


def test_a_trump_theme_tagged_with_his_joined_name_is_not_labelled_by_it():
    """Every post of the theme carries #DonaldTrump and #Trump2016 (or #TrumpForPresident, one written in lower
    case): they were its label words, twice as common there as anywhere; now its topic names it."""
    tags = ["#DonaldTrump #Trump2016", "#donaldtrump #TrumpForPresident", "#DonaldTrump #trumpforpresident"]
    theme = [f"{tags[n % 3]} fox news hit job {n}" for n in range(12)]
    label = _label(TRUMP, theme)
    assert "fox news" in label or "hit job" in label, label
    assert not [w for w in _words(label) if "trump" in w or "donald" in w], label


def test_a_joined_name_goes_and_a_word_merely_holding_it_stays():
    """#StandWithRand names Rand Paul; #IranDeal holds "rand" only by its letters and is a topic of the
    debate. Looking for the name inside every word would take IranDeal; looking for none leaves StandWithRand."""
    theme = [f"#StandWithRand #IranDeal vote {n}" for n in range(12)]
    label = _label(RAND, theme)
    assert "irandeal" in _words(label), label
    assert "standwithrand" not in _words(label), label


def test_which_written_words_join_the_brand_name():
    """The writing shows the joined words: capitals (DonaldTrump, StandwithRand), digits (Trump2016, Kasich4Us),
    a hyphen (anti-Trump), or a multi-word name written together in any case (donaldtrump). A name only found
    inside a word is not one of its words (Pineapple, IranDeal, FairandBalanced, trumpet), nor is a name of
    fewer than 4 letters looked for (Jeb2016), nor a word that is not the brand's (ImWithHuck: "huck" is no
    name of Mike Huckabee's)."""
    trump, rand, apple = _names(TRUMP), _names(RAND), _names(APPLE)
    kasich = _names(BrandConfig(name="John Kasich", query="Kasich OR @JohnKasich"))
    jeb = _names(BrandConfig(name="Jeb Bush", query="Jeb OR Bush OR @JebBush"))
    huckabee = _names(BrandConfig(name="Mike Huckabee", query="Huckabee OR @GovMikeHuckabee"))
    for word in ("DonaldTrump", "donaldtrump", "Trump2016", "TRUMP2016", "TrumpForPresident", "anti-Trump"):
        assert joined_name(word, trump), word
    assert joined_name("StandwithRand", rand) and joined_name("Kasich4Us", kasich) and joined_name("kasich4us", kasich)
    assert joined_name("AppleWatch", apple) and joined_name("AAPL2015", apple)
    for word in ("Trumpet", "trumpet", "trumpforpresident"):
        assert not joined_name(word, trump), word
    for word in ("IranDeal", "irandeal", "FairandBalanced", "grandstand", "standwithrand"):
        assert not joined_name(word, rand), word
    assert not joined_name("Pineapple", apple) and not joined_name("pineapple", apple)
    assert not joined_name("Jeb2016", jeb) and joined_name("JebBush2016", jeb)
    assert not joined_name("ImWithHuck", huckabee)


def test_a_possessive_is_the_same_word():
    """`last night · night's` repeated a word; "won" and "winners" are two words (two Snowball stems), and so
    are "battery" and "batteries" (the demo's `batteries overheating · battery is swelling`)."""
    assert not allowed(("night night's", ("night", "night's")), frozenset())
    assert allowed(("won winners", ("won", "winners")), frozenset())
    theme = [f"last night {n}" for n in range(6)] + [f"last night, the night's best zinger {n}" for n in range(6)]
    label = _label(BrandConfig(name="Lumora", query="Lumora"), theme)
    words = [w.removesuffix("'s") for w in _words(label)]
    assert "night" in words and len(words) == len(set(words)), label
