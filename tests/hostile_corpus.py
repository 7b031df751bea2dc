"""Hostile mentions for any test: text written to break out of HTML, JS, Markdown, chat markup or layout.

Every tag the corpus could inject carries the attribute `data-gs-injected` (see INJECTED_SELECTOR),
and every script it could run calls `alert(...)`: a test that renders these values asserts that no
element matches the selector, no dialog opens, and each value reads back as typed. Import it as
`from hostile_corpus import ...` (tests/ is on sys.path through tests/conftest.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from driving_posts import driving_posts

from core.alert import Alert
from core.mention import Author, Engagement, Mention, Sentiment

INJECTED_ATTR = "data-gs-injected"
INJECTED_SELECTOR = f"[{INJECTED_ATTR}]"

# name -> value. Eight values, so a page that shows the "top 8" shows them all.
HOSTILE_TEXTS: dict[str, str] = {
    "script": f'<script {INJECTED_ATTR}>alert("gs-script")</script> battery',
    "img_onerror": f'<img {INJECTED_ATTR} src=x onerror=alert("gs-img")> battery',
    "close_script": f'</script><script {INJECTED_ATTR}>alert("gs-close")</script> "\'`',
    # Breaks out of a double- or single-quoted attribute when not escaped.
    "attr_quotes": f'x" onmouseover="alert(\'gs-attr\')" {INJECTED_ATTR}="1" y=\' {INJECTED_ATTR}=\'1',
    # U+202E right-to-left override: reverses what follows it, unless isolated.
    "rtl_override": "invoice \u202egnp.exe\u202c paid",
    "long_word": "W" * 10_000,
    "template": "{{7*7}} ${7*7} <%= 7*7 %> {0} %s %{x}",
    "chat_markup": (
        '<!channel> <https://evil.example|Open in dashboard> [Open in dashboard](javascript:alert("gs-md")) '
        "**bold** &amp; &lt;b&gt;"
    ),
}

# Links a post may carry that must never become clickable: script, data and scheme tricks.
HOSTILE_URLS: list[str] = [
    'javascript:alert("gs-url")',
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/no-scheme",
]


def _rotate(i: int) -> str:
    values = list(HOSTILE_TEXTS.values())
    return values[i % len(values)]


def hostile_mentions(brand: str, start: datetime, label: str = "negative") -> list[Mention]:
    """One enriched mention per hostile text, every free-text field hostile: text, author handle and
    name, source, language, themes and url (each mention a different mix)."""
    mentions = []
    for i, text in enumerate(HOSTILE_TEXTS.values()):
        mentions.append(
            Mention(
                source=_rotate(i + 1),
                native_id=f"hostile-{i}",
                url=HOSTILE_URLS[i % len(HOSTILE_URLS)],
                text=text,
                created_at=start + timedelta(minutes=7 * i),
                author=Author(handle=_rotate(i + 2), name=_rotate(i + 3), followers=1000 - i),
                engagement=Engagement(likes=100 - i),
                brand=brand,
                lang=_rotate(i + 4),
                sentiment=Sentiment(label=label, probs={label: 0.9}, model="hostile-corpus"),
                themes=[_rotate(i)],
            )
        )
    return mentions


def hostile_alert(brand: str, start: datetime, mentions: list[Mention]) -> Alert:
    """A critical spike whose every text field (summary, terms, themes, mixes, posts, link) is hostile."""
    texts = list(HOSTILE_TEXTS.values())
    return Alert(
        brand=brand,
        kind="spike",
        severity="critical",
        window_start=start,
        window_end=start + timedelta(hours=1),
        observed=len(mentions),
        expected=1.0,
        statistic="poisson",
        score=9.9,
        p_value=1e-6,
        negative_share=1.0,
        top_posts=driving_posts(mentions[:3]),
        top_terms=texts,
        top_themes=texts,
        source_mix={t[:200]: 3 for t in texts[:4]},
        lang_mix={t[:200]: 2 for t in texts[4:]},
        link=HOSTILE_URLS[0],
        summary=" ".join(texts[:3]) + " " + HOSTILE_TEXTS["chat_markup"],
    )
