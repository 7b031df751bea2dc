"""An incremental themes pass labels a theme in a language its new posts brought it (groundswell/themes_step.py,
nlp/theme_relabel.py), by the rule a full clustering uses (`nlp.theme_labels.own_label`: 3 posts or more).

Before, Korean posts joining an English and Chinese battery theme between full clusterings left it without a Korean
label, so the Korean analyst's language view (`dashboards.web.theme_names.shown_label`) named it in another language
until the next full clustering. Real encoder, real SQLite store, the real themes step (as test_themes_incremental)."""

from __future__ import annotations

import re

import pytest
from multilingual_crisis import CRISIS, TALK, posts

from dashboards.web.theme_names import shown_label
from groundswell.config import BrandConfig, Config
from groundswell.pipeline import themes_pass
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.embeddings import SentenceEmbeddings
from nlp.theme_labels import MIN_LANG_POSTS
from nlp.theme_state import ThemeState, theme_details

pytestmark = pytest.mark.model
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Battery complaints told six ways in English and Chinese: a theme loose enough (its fit radius is the cosine 90% of
# its own posts reach) that Korean posts telling the same crisis fit it, as real, varied posts do.
MORE = {"en": ["Acme battery swelling after the update, the phone case is bulging",
               "charging my Acme overnight and the battery got so hot it smelled of burning plastic",
               "Acme please recall these batteries, mine overheated twice this week"],
        "zh": ["Acme更新后电池鼓包了，手机壳都撑开了", "Acme晚上充电电池烫到有烧焦塑料味",
               "Acme请召回这些电池，我的这周过热了两次"]}


@pytest.fixture
def english_battery_theme(tmp_path):
    """A store whose full clustering made a battery theme of English and Chinese posts, none Korean; Korean
    everyday talk gives Korean its language mean (nlp/theme_space.py), so Korean posts can join the theme later.
    (config, store, embeddings, the theme's label)."""
    config = Config(brands=[BrandConfig(name="Acme", query="Acme")], store={"path": str(tmp_path / "gs.db")})
    store = SqliteStore(tmp_path / "gs.db")
    embeddings = SentenceEmbeddings(backend=config.nlp.backend)
    battery_posts = posts({k: CRISIS[k] + MORE[k] for k in ("en", "zh")}, 20, "c", "negative")
    assert all(r.ok for r in store.upsert(battery_posts + posts(TALK, 40, "n", "positive")))
    (first,) = themes_pass(config, store, embeddings=embeddings)
    assert first.mode == "full"
    crisis = [m.brand_themes["Acme"][0] for m in store.iter_mentions(Filters()) if m.native_id.startswith("cen")
              and m.brand_themes.get("Acme")]
    battery = max(set(crisis), key=crisis.count)
    assert {"en", "zh"} <= set(theme_details(store, "Acme")[battery]["labels"])
    assert "ko" not in theme_details(store, "Acme")[battery]["labels"]
    yield config, store, embeddings, battery
    store.close()


def _korean(n: int, prefix: str):
    return posts({"ko": CRISIS["ko"]}, n, prefix, "negative", hours=48)


def _joined(store, prefix: str, label: str) -> int:
    return sum(label in m.brand_themes.get("Acme", []) for m in store.iter_mentions(Filters())
               if m.native_id.startswith(prefix))


def test_korean_posts_joining_a_theme_give_it_a_korean_label_once_they_are_enough(english_battery_theme):
    config, store, embeddings, battery = english_battery_theme
    # Fewer than the full clustering's rule asks: no Korean label yet, as a full clustering would give none.
    assert all(r.ok for r in store.upsert(_korean(MIN_LANG_POSTS - 1, "few")))
    (done,) = themes_pass(config, store, embeddings=embeddings)
    assert done.mode == "incremental" and done.relabelled == []
    assert _joined(store, "few", battery) == MIN_LANG_POSTS - 1
    assert "ko" not in theme_details(store, "Acme")[battery]["labels"]

    assert all(r.ok for r in store.upsert(_korean(4, "late")))
    (done,) = themes_pass(config, store, embeddings=embeddings)

    assert done.mode == "incremental" and done.new == 4
    assert _joined(store, "late", battery) >= 2  # with the two before, the theme has MIN_LANG_POSTS or more
    labels = theme_details(store, "Acme")[battery]["labels"]
    assert HANGUL.search(labels.get("ko", "")), labels  # was: no "ko", the Korean view showed the theme's name
    assert done.relabelled == [f"{battery} (ko)"]
    row = {"theme": battery, "labels": labels}
    assert shown_label(row, "ko") == labels["ko"] != battery
    assert shown_label(row, "en") == labels["en"] and shown_label(row, "zh") == labels["zh"]  # kept as they were
    assert ThemeState(store).load("Acme").labels >= {battery}  # the theme keeps its name: links still match
    # A pass with nothing new relabels nothing and keeps the label.
    (again,) = themes_pass(config, store, embeddings=embeddings)
    assert again.new == 0 and again.relabelled == [] and theme_details(store, "Acme")[battery]["labels"] == labels
