"""`/api/themes?format=csv` names themes and aspects as the page and the JSON do in a language view: a Korean view's
CSV listed its aspects by their main (Chinese, Russian) labels while the page showed the Korean ones. One rule
(`dashboards/web/theme_names.shown_label`) gives each JSON row and aspect its `label`; the page and the CSV read it.

The demo's crisis theme and an aspect of it get labels per language the way the themes step stores them (the
brand's theme state: `nlp.themes.Theme.info`), over the demo data in a real SQLite store and the real app.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from web_support import demo_app, demo_db

from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.theme_centroids import make_centroid
from nlp.theme_state import BrandThemes, ThemeState

THEME, ASPECT = "battery overheating", "charger melted"
THEME_LABELS = {"en": THEME, "ko": "배터리 과열 · 충전 연기", "zh": "电池过热 · 充电冒烟"}
ASPECT_LABELS = {"zh": "充电器熔化", "ko": "충전기 녹음"}  # no English one: its main label is the fallback
VIEW = {"brand": "Lumora", "since": "2026-11-01", "until": "2026-11-15", "samples": "0"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = Path(tmp_path_factory.mktemp("labels")) / "labels.db"
    shutil.copy(demo_db(), path)
    store = SqliteStore(path)
    crisis = list(store.iter_mentions(Filters(theme=THEME, include_spam=True)))
    with_aspect = [m.model_copy(update={"themes": [*m.themes, ASPECT]}) for m in crisis[::2]]
    assert {m.lang for m in with_aspect} >= {"ko", "zh", "en"}
    assert all(r.ok for r in store.upsert(with_aspect))
    vectors = np.random.default_rng(0).normal(size=(4, 8))
    theme, aspect = make_centroid(THEME, ["en"], vectors), make_centroid(ASPECT, ["en"], vectors)
    theme.info, aspect.info, aspect.parent = {"labels": THEME_LABELS}, {"labels": ASPECT_LABELS}, THEME
    for brand in {b for m in crisis for b in m.brands}:
        ThemeState(store).save(brand, BrandThemes([theme, aspect]))
    try:
        with TestClient(demo_app(store), base_url="http://127.0.0.1") as test_client:
            yield test_client
    finally:
        store.close()


def _views(client: TestClient, **params: str) -> tuple[dict, dict]:
    """The crisis theme's JSON row and CSV row for one view."""
    data = client.get("/api/themes", params={**VIEW, **params})
    download = client.get("/api/themes", params={**VIEW, **params, "format": "csv", "bom": "1"})
    assert data.status_code == download.status_code == 200
    (row,) = [r for r in data.json()["recurring"] if r["theme"] == THEME]
    (line,) = [r for r in csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))) if r["theme"] == THEME]
    return row, line


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_a_language_views_csv_names_themes_and_aspects_as_the_page_does(client: TestClient, lang: str) -> None:
    row, line = _views(client, lang=lang)
    aspect = next(a for a in row["aspects"] if a["theme"] == ASPECT)
    assert (row["label"], aspect["label"]) == (THEME_LABELS[lang], ASPECT_LABELS[lang])
    assert line["label"] == row["label"] and line["theme"] == THEME  # theme: the label `theme=` matches
    assert line["aspects"] == "|".join(f"{a['label']}:{a['count']}" for a in row["aspects"])
    assert f"{ASPECT_LABELS[lang]}:{aspect['count']}" in line["aspects"].split("|")
    assert ASPECT not in line["aspects"] and all(label not in line["aspects"] for label in ASPECT_LABELS.values()
                                                 if label != ASPECT_LABELS[lang])


def test_without_a_language_or_a_label_in_it_the_main_label_is_shown(client: TestClient) -> None:
    row, line = _views(client)
    assert row["label"] == line["label"] == THEME
    assert f"{ASPECT}:" in line["aspects"]
    row, line = _views(client, lang="en")  # the aspect has no English label
    aspect = next(a for a in row["aspects"] if a["theme"] == ASPECT)
    assert aspect["label"] == ASPECT and f"{ASPECT}:{aspect['count']}" in line["aspects"].split("|")
