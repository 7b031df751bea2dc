"""A language view names themes by the language the posts are in, however the `lang=` parameter spells it: the
store selects `ko-KR` and `KO` as `ko` (core/lang_tags.py), so the page, `/api/themes` and its CSV show the Korean
labels for them too, not the main label (`dashboards/web/views.themes` passes `filter_lang`'s code).

Same real app and store as tests/dashboards/test_web_themes_csv_labels.py (its module fixture).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_web_themes_csv_labels import ASPECT, ASPECT_LABELS, THEME_LABELS, _views, client  # noqa: F401 (fixture)


@pytest.mark.parametrize("spelling", ["ko-KR", "KO", "ko_KR"])
def test_a_source_spelling_of_the_language_shows_its_labels(client: TestClient, spelling: str) -> None:  # noqa: F811
    row, line = _views(client, lang=spelling)
    base, _ = _views(client, lang="ko")
    assert row["count"] == base["count"] > 0  # the same Korean posts
    aspect = next(a for a in row["aspects"] if a["theme"] == ASPECT)
    assert (row["label"], aspect["label"]) == (THEME_LABELS["ko"], ASPECT_LABELS["ko"])
    assert line["label"] == THEME_LABELS["ko"]
