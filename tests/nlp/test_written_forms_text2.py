"""Theme labels read a theme's posts once for all their phrases, only the posts that may hold one, and at most
WRITTEN_FORM_TEXTS of those per phrase (`nlp.tokenize.written_forms`, called by nlp/theme_labels.py `_label`).

Review s66 "dtext", finding 6: `written_form` ran `strip_markup` (about 80-175 µs) on every post of a theme for each
label phrase as soon as any post held an ı or ß, which in Turkish is nearly every post: 3.5 s per phrase for 20,000
posts, about 100 s per labelling pass of a 300,000-post window.
"""

from __future__ import annotations

import random

import pytest

import nlp.tokenize as tokenize_module
from nlp.theme_labels import PhraseIndex
from nlp.tokenize import WRITTEN_FORM_TEXTS, written_form, written_forms

WORDS = "mağaza kapalı iade yok kargo gecikti müşteri hizmetleri berbat telefon şarj olmuyor ekran kırıldı".split()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts `strip_markup` is called on."""
    seen: list[str] = []
    real = tokenize_module.strip_markup

    def counted(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(tokenize_module, "strip_markup", counted)
    return seen


def test_only_posts_that_may_hold_a_phrase_are_read(reads: list[str]) -> None:
    texts = [f"bugün hava güzel {n}" for n in range(2000)] + ["Mağaza kapalı", "MAĞAZA KAPALI", "mağaza kapalı"]
    assert written_forms(["kapali", "musteri hizmetleri"], texts) == ["kapalı", "musteri hizmetleri"]
    assert sorted(reads) == sorted(texts[-3:])


def test_each_post_is_read_once_for_all_phrases_and_at_most_the_cap(reads: list[str]) -> None:
    random.seed(3)
    texts = [" ".join(random.choice(WORDS) for _ in range(25)) + " https://t.co/abc @user" for _ in range(5000)]
    forms = written_forms(["kapali", "kirildi", "telefon"], texts)
    assert forms == ["kapalı", "kırıldı", "telefon"]
    # Read: each text that holds kapalı or kırıldı (telefon has no ı: no text writes it otherwise), once, until both
    # were found in WRITTEN_FORM_TEXTS texts; not 2 x 5,000.
    held = [t for t in texts if "kapalı" in t or "kırıldı" in t]
    enough = next(k for k in range(len(held)) if min(
        sum("kapalı" in t for t in held[: k + 1]), sum("kırıldı" in t for t in held[: k + 1])) >= WRITTEN_FORM_TEXTS)
    assert reads == held[: enough + 1]


def test_a_label_reads_each_post_once(reads: list[str]) -> None:
    theme = ["mağaza yine kapalı {n}", "MAĞAZA KAPALI, ekran kırıldı {n}", "mağaza bugün de kapalı, ekran kırıldı {n}"]
    others = ["kargo çok hızlı geldi", "fiyat çok pahalı", "ses kalitesi güzel", "müşteri hizmetleri cevap vermiyor"]
    texts = [theme[n % 3].format(n=n) for n in range(12)] + [others[n % 4] + f" {n}" for n in range(36)]
    index = PhraseIndex(texts, ["tr"] * len(texts), frozenset())
    reads.clear()  # the index's own reading of the posts
    label = index.labels(list(range(12)), index.count(range(len(texts))))["tr"]
    assert " · " in label and "kapalı" in label, label
    assert len(reads) == len(set(reads)) <= 12


def test_the_spellings_are_counted_as_before() -> None:
    assert written_form("kapali", ["KAPALI", "KAPALI", "kapalı"]) == "kapalı"
    assert written_form("kapali", ["kapalı", "kapali", "kapali"]) == "kapali"
    assert written_form("akku heiss", ["Mein Akku heiß!", "AKKU HEISS", "der akku heiß"]) == "akku heiß"
    assert written_form("电池", ["電池壞了", "電池", "电池"]) == "電池"
    assert written_form("kapali", ["kapal&#305; bug&uuml;n", "kapalı"]) == "kapalı"  # a letter in an entity
    assert written_forms(["kapali", "电池"], ["Kapalı 電池", "kapalı 电池", "KAPALI 電池"]) == ["kapalı", "電池"]
