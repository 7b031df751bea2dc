"""Theme labels of languages with a stopword list of their own only since it was found missing (nl, uk, ...).

Seen: a Ukrainian theme labelled 'вже · але · батарея' (already · but · battery), and Dutch posts adding
'het', 'niet', 'een' to an English theme's keywords. Real encoder, real clustering.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Mention, Sentiment
from nlp.themes import extract_themes

pytestmark = pytest.mark.model

T0 = datetime(2026, 11, 1, tzinfo=UTC)
CORPUS = {
    "en": ["the charger overheated and melted {i}", "charger got too hot overnight {i}",
           "my charger is overheating again {i}", "delivery arrived two days late {i}",
           "the courier lost my parcel {i}", "shipping took forever {i}"],
    "nl": ["de batterij van het toestel is niet goed en het is een probleem {i}",
           "het scherm is kapot en dat is niet de eerste keer {i}",
           "ik heb een nieuwe lader gekocht maar het werkt niet {i}"],
    "uk": ["що це за батарея, вона не тримає заряд і це вже не вперше {i}",
           "я вже не знаю що робити з цим телефоном, але він знову гріється {i}",
           "це не нормально, що екран не працює {i}"],
}
COUNTS = {"en": 60, "nl": 15, "uk": 15}
# The corpus' Dutch and Ukrainian function words, listed here: the test must not lean on the lists it checks.
STOP = {*"de het een van is en niet dat ik maar heb".split(), *"що це за вона не і вже я з цим але він знову".split()}


def _posts() -> list[Mention]:
    return [
        Mention(source="x", native_id=f"{lang}{i}", created_at=T0 + timedelta(minutes=i), lang=lang,
                text=templates[i % len(templates)].format(i=i), brands=["Acme"],
                sentiment=Sentiment(label="negative", probs={"negative": 1.0}, model="t"))
        for lang, templates in CORPUS.items() for i in range(COUNTS[lang])
    ]


def test_dutch_and_ukrainian_function_words_never_start_or_end_a_label_part_or_are_keywords():
    themes = extract_themes(_posts(), max_themes=10)
    assert any({"nl", "uk"} & set(t.langs) for t in themes)
    for theme in themes:
        for part in theme.label.split(" · "):
            words = part.split()
            assert words[0] not in STOP and words[-1] not in STOP, theme.label
        assert not STOP & set(theme.keywords), (theme.label, theme.keywords)
