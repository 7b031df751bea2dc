"""One crisis told in three scripts beside everyday talk in the same three: themes tests' shared corpus.

With multilingual-e5-small's raw embeddings the Korean crisis posts sat with the Korean everyday
talk (one theme) instead of with the English and Chinese crisis posts; centring per language
(nlp/theme_space.py) joins the crisis across scripts. 20 crisis and 40 everyday posts per
language: every language has its own mean (nlp.theme_space.MIN_LANGUAGE_POSTS).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.mention import Mention, Sentiment

CRISIS = {
    "en": ["my Acme phone battery overheated while charging and burned my hand",
           "Acme battery overheating again, smoke came out of the charger",
           "the Acme phone got dangerously hot while charging, recall it now"],
    "ko": ["Acme 폰 충전하다가 배터리가 과열돼서 손을 데었어요",
           "Acme 배터리 또 과열, 충전기에서 연기가 났어요",
           "Acme 폰 충전 중에 위험할 정도로 뜨거워졌어요, 리콜하세요"],
    "zh": ["Acme手机充电时电池过热，把我的手烫伤了",
           "Acme电池又过热了，充电器冒烟了",
           "Acme手机充电时烫得危险，赶紧召回"],
}
TALK = {
    "en": ["the Acme camera takes lovely photos", "Acme delivery came a day early", "the new Acme colours look great",
           "Acme customer service answered quickly", "is the Acme phone worth the price?",
           "the Acme app update is smooth"],
    "ko": ["Acme 카메라 사진이 정말 예뻐요", "Acme 배송이 하루 빨리 왔어요", "Acme 새 색상 너무 멋져요",
           "Acme 고객센터 답변이 빨랐어요", "Acme 폰 가격 대비 괜찮을까요?", "Acme 앱 업데이트 부드러워요"],
    "zh": ["Acme相机拍照很漂亮", "Acme快递提前一天到了", "Acme新配色很好看",
           "Acme客服回复很快", "Acme手机值这个价吗？", "Acme应用更新很流畅"],
}
TAILS = ["", "!", " ...", " #acme", " 😡", " 🙂", "!!", " ?"]
START = datetime(2026, 11, 1, tzinfo=UTC)


def posts(texts: dict[str, list[str]], n: int, prefix: str, label: str, tails: list[str] = TAILS,
          hours: int = 0) -> list[Mention]:
    """`n` posts per language of `texts` (native ids `<prefix><lang><i>`), each a text with a tail."""
    out = []
    for lang, options in sorted(texts.items()):
        for i in range(n):
            out.append(Mention(
                source="test", native_id=f"{prefix}{lang}{i}", lang=lang, brands=["Acme"],
                text=options[i % len(options)] + tails[(i // len(options)) % len(tails)],
                created_at=START + timedelta(hours=hours, minutes=i),
                sentiment=Sentiment(label=label, probs={label: 1.0}, model="test"),
            ))
    return out


def corpus() -> list[Mention]:
    """20 crisis posts (ids `c<lang><i>`) and 40 everyday ones (`n<lang><i>`) per language."""
    return posts(CRISIS, 20, "c", "negative") + posts(TALK, 40, "n", "positive")
