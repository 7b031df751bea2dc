"""Theme words read a word as search does (nlp/tokenize.py; review s66 "text", findings 1 and 8): soft hyphens and
other invisible characters do not cut a word into fragments, and case never makes two words of one (Turkish
KAPALI and kapalı, German STRASSE and Straße); labels give back the spelling most posts write (`written_form`)."""

from __future__ import annotations

from nlp.tokenize import phrase_runs, strip_markup, tokenize, written_form

SHY = "\u00ad"


def test_invisible_characters_do_not_cut_theme_words() -> None:
    """Was ['rück', 'ruf', 'aktion', 'akku', 'probleme']."""
    assert tokenize(f"Rück{SHY}ruf{SHY}aktion Akku{SHY}probleme", "de") == ["rückrufaktion", "akkuprobleme"]
    assert tokenize("Rück&shy;ruf&#173;aktion Akku\u200bprobleme", "de") == ["rückrufaktion", "akkuprobleme"]
    assert tokenize("Il servizio dellʼassistenza", "it") == ["servizio", "assistenza"]  # ʼ elides as ’ does
    assert strip_markup("لومـــورا") == "لومورا"


def test_turkish_words_in_capitals_are_the_same_keywords() -> None:
    """Was ['istanbul', 'mağazası', 'kapali', 'iade'] against [..., 'kapalı', ...] for the lower-case post."""
    shouted = tokenize("İSTANBUL mağazası KAPALI, İADE yok", "tr")
    quiet = tokenize("istanbul mağazası kapalı, iade yok", "tr")
    assert shouted == quiet == ["istanbul", "mağazasi", "kapali", "iade"]
    assert tokenize("ARTIK çok geç", "tr") == tokenize("artık çok geç", "tr") == ["geç"]  # artık is a stopword


def test_german_sharp_s_and_capitals_are_the_same_keywords() -> None:
    """Was four distinct words."""
    assert tokenize("STRASSE GROSSE Straße große", "de") == ["strasse", "grosse", "strasse", "grosse"]
    assert [w for run in phrase_runs("Der Akku wird HEISS. Der Akku wird heiß.", "de") for w, _ in run] == [
        "der", "akku", "wird", "heiss", "der", "akku", "wird", "heiss"
    ]


def test_labels_are_written_as_most_posts_write_them() -> None:
    assert written_form("akku heiss", ["Mein Akku heiß!", "AKKU HEISS", "der akku heiß"]) == "akku heiß"
    assert written_form("strasse", ["STRASSE", "Straße"]) == "straße"  # capitals do not say ß or ss
    assert written_form("mağazasi kapali", ["İSTANBUL mağazası KAPALI", "mağazası kapalı bugün"]) == "mağazası kapalı"
    assert written_form("kapali", ["KAPALI", "KAPALI", "kapalı"]) == "kapalı"
    assert written_form("kapali", ["kapalı", "kapali", "kapali"]) == "kapali"  # most write it without ı
    assert written_form("istanbul", ["İSTANBUL", "ISTANBUL", "İstanbul"]) == "istanbul"
    assert written_form("masse", ["die Masse"]) == "masse"  # no text writes it otherwise: as given
    assert written_form("电池", ["電池壞了", "電池"]) == "電池"  # Han as before
