"""A seeded, clearly synthetic demo corpus: two weeks of mentions of a fictional brand.

`Lumora` (earbuds "Pulse", speaker "Halo") and its competitor `Sonique` are talked
about in seven languages with a daily rhythm per timezone, heavier weekends,
heavy-tailed engagement, ordinary praise/complaints/questions, a positive launch
spike for the competitor (which must not alert), and one planted crisis: Lumora
Pulse batteries overheating while charging, starting 2026-11-11 12:00 UTC.

Planted for the spam rules and the advocates ranking (`plant_people_and_bots`, drawn from a
random stream of its own so everything above stays byte-identical): a few loyal fans and critics
posting several times over the two weeks, a copy-paste campaign from 40 fresh accounts
(2026-11-07) and a multilingual giveaway burst (2026-11-09).

Planted for response times (`plant_brand_replies`, its own random stream too): the brand's care
account `@demo_LumoraCare` (an own account in the demo config) answers about 60% of the crisis posts
and of the critics' posts on X in the parent's language, after 4 minutes to 6 hours; the rest stay
unanswered, so the demo's "needs reply" queue and its response figures have real material.

Every author is `demo_…`, every line carries `extra.synthetic = true`, and the same
seed always writes byte-identical output: `python -m groundswell.demo_corpus --out FILE`.
The demo itself (its config, and what `groundswell demo` runs) is `groundswell/demo.py`.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.file_write import replacing

START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 14
CRISIS_START = datetime(2026, 11, 11, 12, tzinfo=UTC)
CRISIS_HOURS = 10
LAUNCH_START = datetime(2026, 11, 5, 15, tzinfo=UTC)  # Sonique launch: a positive spike

BRANDS = {
    "Lumora": {"products": ["Pulse", "Halo"], "daily": 150},
    "Sonique": {"products": ["Wave", "Arc"], "daily": 90},
}

# language -> (share of posts, UTC offset of its audience in hours)
LANGS = {
    "en": (0.38, -5),
    "ko": (0.15, 9),
    "zh": (0.15, 8),
    "ru": (0.12, 3),
    "it": (0.10, 1),
    "de": (0.05, 1),
    "es": (0.05, -3),
}

FEATURES = {
    "en": ["sound quality", "battery life", "app", "price", "delivery", "design", "customer support"],
    "ko": ["음질", "배터리", "앱", "가격", "배송", "디자인", "고객센터"],
    "zh": ["音质", "电池", "应用", "价格", "快递", "设计", "客服"],
    "ru": ["звук", "батарея", "приложение", "цена", "доставка", "дизайн", "поддержка"],
    "it": ["audio", "batteria", "app", "prezzo", "consegna", "design", "assistenza"],
    "de": ["Klang", "Akku", "App", "Preis", "Lieferung", "Design", "Kundenservice"],
    "es": ["sonido", "batería", "app", "precio", "envío", "diseño", "atención al cliente"],
}

TEMPLATES: dict[str, dict[str, list[str]]] = {
    "en": {
        "positive": [
            "Really happy with my {brand} {product}, the {feat} is amazing",
            "{brand} nailed the {feat} this time. Love it!",
            "Best purchase this year: {brand} {product}. The {feat} is superb",
            "Honestly impressed by the {brand} {product} {feat}. Great job",
        ],
        "negative": [
            "Disappointed with {brand}, the {feat} is terrible",
            "My {brand} {product} {feat} broke after a week. Not buying again",
            "{brand} {feat} is a joke, total waste of money",
            "Worst {feat} ever. {brand} please fix this",
        ],
        "neutral": [
            "Anyone tried the {brand} {product}? Wondering about the {feat}",
            "{brand} announced a new {product} colour today",
            "Comparing the {brand} {product} with other options, mostly for the {feat}",
            "Is the {brand} {product} {feat} different from last year's model?",
        ],
    },
    "ko": {
        "positive": [
            "{brand} {product} 진짜 만족해요. {feat} 최고예요",
            "{brand} {feat} 너무 좋아요 강력 추천합니다",
            "이번에 산 {brand} {product} {feat} 완전 마음에 들어요",
        ],
        "negative": [
            "{brand} {feat} 최악이에요. 돈 아까워요",
            "{brand} {product} 일주일 만에 고장났어요. {feat} 다시는 안 삽니다",
            "{brand} {feat} 때문에 너무 실망했어요",
        ],
        "neutral": [
            "{brand} {product} 써보신 분 있나요? {feat} 어떤지 궁금해요",
            "{brand} 오늘 새 {product} 색상 발표했네요",
            "{brand} {product} {feat} 다른 제품이랑 비교 중입니다",
        ],
    },
    "zh": {
        "positive": [
            "{brand} {product} 真的很满意，{feat}太棒了",
            "{brand} 的{feat}非常好，强烈推荐",
            "新买的 {brand} {product}，{feat}完全超出预期",
        ],
        "negative": [
            "{brand} 的{feat}太差了，浪费钱",
            "{brand} {product} 用了一周就坏了，{feat}太失望，再也不买了",
            "对 {brand} 的{feat}非常失望",
        ],
        "neutral": [
            "有人用过 {brand} {product} 吗？想了解一下{feat}",
            "{brand} 今天发布了新的 {product} 配色",
            "正在比较 {brand} {product} 和其他产品的{feat}",
        ],
    },
    "ru": {
        "positive": [
            "Очень доволен {brand} {product}! {feat} — просто супер",
            "{brand} молодцы, {feat} на высоте. Рекомендую",
            "Лучшая покупка года — {brand} {product}. {feat} радует каждый день",
        ],
        "negative": [
            "Разочарован {brand}: {feat} — ужас. Деньги на ветер",
            "{brand} {product} сломался через неделю, {feat} отвратительно. Больше не куплю",
            "{feat} у {brand} просто кошмар, очень плохо",
        ],
        "neutral": [
            "Кто-нибудь пробовал {brand} {product}? Интересует {feat}",
            "{brand} сегодня представили новый цвет {product}",
            "Сравниваю {brand} {product} с другими, в основном по параметру «{feat}»",
        ],
    },
    "it": {
        "positive": [
            "Contentissimo del mio {brand} {product}, {feat} fantastico",
            "{brand} ha fatto centro, {feat} ottimo. Lo consiglio",
            "Miglior acquisto dell'anno: {brand} {product}, {feat} eccellente",
        ],
        "negative": [
            "Deluso da {brand}, {feat} pessimo. Soldi buttati",
            "Il mio {brand} {product} si è rotto dopo una settimana, {feat} terribile. Mai più",
            "{brand}, {feat} è una vergogna",
        ],
        "neutral": [
            "Qualcuno ha provato {brand} {product}? Mi interessa {feat}",
            "{brand} ha presentato oggi un nuovo colore del {product}",
            "Sto confrontando {brand} {product} con altri, soprattutto per {feat}",
        ],
    },
    "de": {
        "positive": [
            "Total zufrieden mit meinem {brand} {product}, {feat} ist super",
            "{brand} hat beim Thema {feat} alles richtig gemacht. Klare Empfehlung",
        ],
        "negative": [
            "Enttäuscht von {brand}, {feat} ist schrecklich. Geldverschwendung",
            "{brand} {product} nach einer Woche kaputt, {feat} mies. Nie wieder",
        ],
        "neutral": [
            "Hat jemand den {brand} {product} getestet? Wie ist {feat}?",
            "{brand} hat heute eine neue Farbe für {product} vorgestellt",
        ],
    },
    "es": {
        "positive": [
            "Encantado con mi {brand} {product}, {feat} increíble",
            "{brand} acertó con {feat}. Lo recomiendo",
        ],
        "negative": [
            "Decepcionado con {brand}, {feat} malísimo. Dinero tirado",
            "Mi {brand} {product} se rompió en una semana, {feat} fatal. Nunca más",
        ],
        "neutral": [
            "¿Alguien probó el {brand} {product}? Me interesa {feat}",
            "{brand} presentó hoy un color nuevo del {product}",
        ],
    },
}

CRISIS: dict[str, list[str]] = {
    "en": [
        "My Lumora Pulse got so hot while charging it burned my hand. The battery is swelling!",
        "WARNING: Lumora Pulse battery overheating, smoke came out while charging",
        "Lumora Pulse overheating while charging, this is dangerous. Recall it now!",
        "Another report of Lumora Pulse batteries overheating. Is anyone at Lumora listening?",
        "Unplugged my Lumora Pulse case because the battery was overheating again. Scary",
    ],
    "ko": [
        "Lumora Pulse 충전하다가 너무 뜨거워져서 화상 입었어요. 배터리가 부풀었어요!",
        "Lumora Pulse 배터리 과열 조심하세요. 충전 중에 연기가 났어요",
        "Lumora Pulse 과열 문제 심각합니다. 당장 리콜하세요",
    ],
    "zh": [
        "Lumora Pulse 充电时烫得把我手烫伤了，电池都鼓包了！",
        "警告：Lumora Pulse 电池过热，充电时冒烟了",
        "Lumora Pulse 过热问题太危险了，赶紧召回！",
    ],
    "ru": [
        "Lumora Pulse так нагрелся при зарядке, что я обжёг руку. Батарея вздулась!",
        "Осторожно: батарея Lumora Pulse перегревается, при зарядке пошёл дым",
        "Перегрев Lumora Pulse — это опасно. Отзовите их немедленно!",
    ],
    "it": [
        "Il mio Lumora Pulse si è surriscaldato in carica e mi sono bruciato la mano. La batteria è gonfia!",
        "Attenzione: batteria del Lumora Pulse surriscaldata, è uscito fumo durante la ricarica",
        "Surriscaldamento del Lumora Pulse, è pericoloso. Ritiratelo subito!",
    ],
    "de": ["Lumora Pulse Akku überhitzt beim Laden, da kam Rauch raus. Gefährlich!"],
    "es": ["Cuidado: la batería del Lumora Pulse se sobrecalienta al cargar, salió humo"],
}

LAUNCH = {
    "en": [
        "The new Sonique Arc launch looks incredible, pre-ordered already!",
        "Sonique Arc reveal was fantastic, love it",
    ],
    "ko": ["Sonique Arc 신제품 발표 대박이에요! 바로 예약했어요"],
    "zh": ["Sonique Arc 新品发布会太精彩了，已经预订！"],
    "ru": ["Презентация Sonique Arc просто отличная, уже заказал!"],
    "it": ["Il lancio del nuovo Sonique Arc è fantastico, già preordinato!"],
    "de": ["Der Launch des Sonique Arc war großartig!"],
    "es": ["¡El lanzamiento del Sonique Arc fue genial, ya lo reservé!"],
}

SOURCES = [("x", 0.45), ("bluesky", 0.15), ("reddit", 0.15), ("mastodon", 0.10), ("rss", 0.08), ("hackernews", 0.07)]
EMOJI_BY_SENTIMENT = {
    "positive": ["", " 😍", " 👍", " 🙌"],
    "negative": ["", " 😡", " 😭", " 👎"],
    "neutral": ["", " 🤔", ""],
}


@dataclass
class _Author:
    handle: str
    followers: int
    lang: str


def _url(source: str, native_id: str, handle: str) -> str:
    # Synthetic posts: links point at an .invalid host, so nobody mistakes them for real posts.
    return f"https://{source}.demo.invalid/{handle}/{native_id}"


def _rate(hour_utc: datetime, lang_offset: int) -> float:
    """Relative posting rate: low at night, peak in the local evening, heavier weekends."""
    local = (hour_utc + timedelta(hours=lang_offset)).hour
    daily = 0.25 + 0.75 * (0.5 + 0.5 * math.cos((local - 20) / 24 * 2 * math.pi))
    weekend = 1.25 if (hour_utc + timedelta(hours=lang_offset)).weekday() >= 5 else 1.0
    return daily * weekend


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    x = rng.random() * sum(w for _, w in weighted)
    for value, weight in weighted:
        x -= weight
        if x <= 0:
            return value
    return weighted[-1][0]


def generate(seed: int = 7) -> list[dict]:
    """All demo mention records (JSON-ready dicts), sorted by time."""
    rng = random.Random(seed)
    authors: dict[str, list[_Author]] = {}
    for lang in LANGS:
        pool = []
        for i in range(400):
            followers = int(rng.lognormvariate(5.0, 1.6))
            if rng.random() < 0.01:
                followers = rng.randint(80_000, 900_000)  # a few influencers
            pool.append(_Author(handle=f"demo_{lang}_{i:03d}", followers=followers, lang=lang))
        authors[lang] = pool
    records: list[dict] = []
    counter = 0

    def emit(created: datetime, brand: str, lang: str, text: str, sentiment_hint: str, boost: float = 1.0) -> None:
        nonlocal counter
        counter += 1
        source = _pick(rng, SOURCES if lang == "en" else [s for s in SOURCES if s[0] != "hackernews"])
        author = rng.choice(authors[lang])
        native_id = f"demo-{counter:06d}"
        likes = int(rng.lognormvariate(1.2, 1.3) * boost * (1 + author.followers / 20000))
        records.append(
            {
                "source": source,
                "native_id": native_id,
                "url": _url(source, native_id, author.handle),
                "text": text,
                "created_at": created.isoformat().replace("+00:00", "Z"),
                "author": {"id": f"u-{author.handle}", "handle": author.handle, "followers": author.followers},
                "engagement": {
                    "likes": likes,
                    "reposts": int(likes * rng.uniform(0.05, 0.4)),
                    "replies": int(likes * rng.uniform(0.05, 0.3)),
                    "quotes": int(likes * rng.uniform(0.0, 0.1)) if source in ("x", "bluesky") else None,
                },
                "extra": {
                    "synthetic": True,
                    "planted": sentiment_hint if sentiment_hint.startswith("planted") else None,
                },
            }
        )

    lang_weights = [(lang, share) for lang, (share, _) in LANGS.items()]
    for hour in range(DAYS * 24):
        t = START + timedelta(hours=hour)
        for brand, spec in BRANDS.items():
            mean_per_hour = spec["daily"] / 24
            for lang, (share, offset) in LANGS.items():
                expected = mean_per_hour * share * _rate(t, offset) * 1.1
                for _ in range(_poisson(rng, expected)):
                    sentiment = _pick(rng, [("positive", 0.40), ("neutral", 0.36), ("negative", 0.24)])
                    template = rng.choice(TEMPLATES[lang][sentiment])
                    text = template.format(
                        brand=brand, product=rng.choice(spec["products"]), feat=rng.choice(FEATURES[lang])
                    ) + rng.choice(EMOJI_BY_SENTIMENT[sentiment])
                    if rng.random() < 0.15:
                        text += f" #{brand.lower()}"
                    emit(t + timedelta(seconds=rng.randrange(3600)), brand, lang, text, sentiment)
        # The competitor's launch: a burst of positive posts over 6 hours.
        if LAUNCH_START <= t < LAUNCH_START + timedelta(hours=6):
            for _ in range(_poisson(rng, 22)):
                lang = _pick(rng, lang_weights)
                text = rng.choice(LAUNCH[lang]) + rng.choice(EMOJI_BY_SENTIMENT["positive"])
                emit(t + timedelta(seconds=rng.randrange(3600)), "Sonique", lang, text, "planted-launch", boost=2.0)
        # The crisis: negative posts ramp up over CRISIS_HOURS, then a tail the next day.
        since_crisis = (t - CRISIS_START).total_seconds() / 3600
        if 0 <= since_crisis < CRISIS_HOURS + 14:
            peak = 40.0
            intensity = (
                peak * min(1.0, (since_crisis + 1) / 4)
                if since_crisis < CRISIS_HOURS
                else peak * 0.8 ** (since_crisis - CRISIS_HOURS + 1)
            )
            for _ in range(_poisson(rng, intensity)):
                lang = _pick(rng, lang_weights)
                text = rng.choice(CRISIS[lang]) + rng.choice(EMOJI_BY_SENTIMENT["negative"])
                if rng.random() < 0.3:
                    text += " #lumora"
                emit(t + timedelta(seconds=rng.randrange(3600)), "Lumora", lang, text, "planted-crisis", boost=3.0)
    # Reposts of earlier posts (same text, another source): cross-source de-duplication material.
    for record in rng.sample(records, k=len(records) // 50):
        counter += 1
        repost = dict(record)
        repost.update(
            {
                "source": "x",
                "native_id": f"demo-{counter:06d}",
                "text": "RT @" + record["author"]["handle"] + ": " + record["text"],
                "url": _url("x", f"demo-{counter:06d}", record["author"]["handle"]),
                "extra": {**record["extra"], "repost_of": record["native_id"]},
            }
        )
        created = datetime.fromisoformat(record["created_at"].replace("Z", "+00:00")) + timedelta(
            minutes=rng.randint(1, 90)
        )
        repost["created_at"] = created.isoformat().replace("+00:00", "Z")
        records.append(repost)
    records.extend(planted := plant_people_and_bots(seed, first_id=counter + 1))
    records.extend(plant_brand_replies(seed, records, first_id=counter + len(planted) + 1))
    records.sort(key=lambda r: (r["created_at"], r["native_id"]))
    return records


# Loyal authors: (handle, followers, language, sentiment, posts). Handles lie outside the 400-author pools.
FANS = [
    ("demo_en_901", 2400, "en", "positive", 6),
    ("demo_ko_902", 800, "ko", "positive", 5),
    ("demo_it_903", 350, "it", "positive", 4),
    ("demo_ru_904", 60, "ru", "positive", 3),
    ("demo_en_905", 1500, "en", "negative", 5),
    ("demo_zh_906", 420, "zh", "negative", 3),
]
CAMPAIGN_START = datetime(2026, 11, 7, 14, tzinfo=UTC)
CAMPAIGN_TEXT = "Lumora Pulse are the best earbuds money can buy, grab yours today at https://lumora-deals.invalid/{n}"
GIVEAWAY_START = datetime(2026, 11, 9, 10, tzinfo=UTC)
GIVEAWAY = {
    "en": "GIVEAWAY! RT & follow to win a Lumora Halo speaker 🎁",
    "ru": "Розыгрыш Lumora Halo! Подпишись и сделай репост 🎁",
    "zh": "转发抽奖：送出 Lumora Halo 音箱一台 🎁",
    "ko": "Lumora Halo 스피커 이벤트 응모하세요! 🎁",
    "it": "Concorso Lumora: usa il codice promo LUMORA10 e vinci un Halo 🎁",
}


def plant_people_and_bots(seed: int, first_id: int) -> list[dict]:
    """Fans, critics, a copy-paste campaign and a giveaway burst (see the module docstring)."""
    rng = random.Random(seed * 7919 + 1)  # its own stream: the rest of the corpus does not move
    out: list[dict] = []

    def emit(created: datetime, handle: str, followers: int, text: str, planted: str, likes: int) -> None:
        native_id = f"demo-{first_id + len(out):06d}"
        out.append(
            {
                "source": "x",
                "native_id": native_id,
                "url": _url("x", native_id, handle),
                "text": text,
                "created_at": created.isoformat().replace("+00:00", "Z"),
                "author": {"id": f"u-{handle}", "handle": handle, "followers": followers},
                "engagement": {"likes": likes, "reposts": likes // 5, "replies": likes // 8, "quotes": 0},
                "extra": {"synthetic": True, "planted": planted},
            }
        )

    for handle, followers, lang, sentiment, posts in FANS:
        days = sorted(rng.sample(range(DAYS), posts))  # one post a day on `posts` different days
        for day in days:
            feat = rng.choice(FEATURES[lang])
            template = rng.choice(TEMPLATES[lang][sentiment])
            text = template.format(brand="Lumora", product=rng.choice(BRANDS["Lumora"]["products"]), feat=feat)
            created = START + timedelta(days=day, hours=rng.randint(8, 21), minutes=rng.randrange(60))
            emit(created, handle, followers, text, f"planted-{'advocate' if sentiment == 'positive' else 'detractor'}",
                 rng.randint(2, 40))  # fmt: skip
    for i in range(40):  # fresh accounts pasting one text within 12 minutes, a tag or two varied
        text = CAMPAIGN_TEXT.format(n=rng.randrange(10_000)) + rng.choice(["", " #lumora", " #deal", " 🔥"])
        created = CAMPAIGN_START + timedelta(seconds=rng.randrange(12 * 60))
        emit(created, f"demo_en_{6000 + i}", rng.randint(0, 8), text, "planted-campaign", rng.randint(0, 2))
    for i in range(25):  # giveaway accounts in five languages over two hours
        lang = list(GIVEAWAY)[i % len(GIVEAWAY)]
        created = GIVEAWAY_START + timedelta(seconds=rng.randrange(2 * 3600))
        emit(created, f"demo_{lang}_{7000 + i}", rng.randint(50, 3000), GIVEAWAY[lang], "planted-giveaway",
             rng.randint(0, 30))  # fmt: skip
    return out


CARE_HANDLE = "demo_LumoraCare"
CARE_REPLY = {
    "en": "Lumora Care here: thank you for telling us. Please DM us your order number and we will sort it out.",
    "ko": "Lumora 고객지원입니다. 알려주셔서 감사합니다. 주문 번호를 DM으로 보내주시면 도와드리겠습니다.",
    "zh": "Lumora 客服：感谢反馈，请私信我们订单号，我们会尽快处理。",
    "ru": "Служба поддержки Lumora: спасибо, что написали. Пришлите номер заказа в личные сообщения, мы поможем.",
    "it": "Assistenza Lumora: grazie della segnalazione. Scriveteci in privato il numero d'ordine e vi aiutiamo.",
    "de": "Lumora Support: danke für den Hinweis. Schick uns deine Bestellnummer per DM, wir helfen dir.",
    "es": "Soporte de Lumora: gracias por avisarnos. Envíanos tu número de pedido por DM y lo resolvemos.",
}


def lang_of(handle: str) -> str:
    """Demo handles are `demo_<lang>_<n>`."""
    parts = handle.split("_")
    return parts[1] if len(parts) > 2 and parts[1] in CARE_REPLY else "en"


def plant_brand_replies(seed: int, records: list[dict], first_id: int) -> list[dict]:
    """@demo_LumoraCare's replies to crisis and critics' posts on X (see the module docstring)."""
    rng = random.Random(seed * 104_729 + 3)  # its own stream: the rest of the corpus does not move
    parents = [
        r
        for r in records
        if r["source"] == "x"
        and (r["extra"].get("planted") or "") in ("planted-crisis", "planted-detractor")
        and not r["text"].startswith("RT @")
    ]
    out: list[dict] = []
    for parent in parents:
        if rng.random() >= 0.6:
            continue  # left unanswered
        native_id = f"demo-{first_id + len(out):06d}"
        created = datetime.fromisoformat(parent["created_at"].replace("Z", "+00:00"))
        created += timedelta(minutes=round(rng.lognormvariate(math.log(35), 1.0)) % 360 + 4)
        out.append(
            {
                "source": "x",
                "native_id": native_id,
                "url": _url("x", native_id, CARE_HANDLE),
                "text": f"@{parent['author']['handle']} {CARE_REPLY[lang_of(parent['author']['handle'])]}",
                "created_at": created.isoformat().replace("+00:00", "Z"),
                "author": {"id": f"u-{CARE_HANDLE}", "handle": CARE_HANDLE, "followers": 12_400},
                "engagement": {"likes": rng.randint(0, 6), "reposts": 0, "replies": rng.randint(0, 2), "quotes": 0},
                "reply_to": f"x:{parent['native_id']}",
                "extra": {"synthetic": True, "planted": "planted-brand-reply"},
            }
        )
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: fine for the small rates used here."""
    if lam <= 0:
        return 0
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def write_corpus(path: str | Path, seed: int = 7) -> int:
    """Write the corpus as JSONL; return the number of lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = generate(seed)
    with replacing(path, "w", encoding="utf-8") as handle:  # never through a link planted at the name
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return len(records)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="JSONL file to write")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    n = write_corpus(args.out, args.seed)
    print(f"wrote {n} synthetic mentions to {args.out}")


if __name__ == "__main__":
    main()
