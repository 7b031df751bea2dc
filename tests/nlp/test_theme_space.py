"""Themes' space (nlp/theme_space.py): each language's mean embedding moved onto the mean of all
posts, the means stored with the centroids."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from multilingual_crisis import corpus

from indexing.sqlite import SqliteStore
from nlp.theme_centroids import make_centroid
from nlp.theme_space import MIN_LANGUAGE_POSTS, LanguageCentring, encode_vector, unit
from nlp.theme_state import PREFIX, BrandThemes, ThemeState
from nlp.themes import extract_themes


def _rows(direction: np.ndarray, n: int, seed: int) -> np.ndarray:
    """`n` unit rows around `direction`."""
    rng = np.random.default_rng(seed)
    return unit(direction + rng.normal(0, 0.2, (n, len(direction))))


def _mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float((a @ b.T).mean())


def test_each_language_mean_moves_onto_the_mean_of_all_and_a_rare_or_unseen_one_stays():
    # Two topics (axes 2 and 3) in two languages whose own direction (axes 0 and 1) is stronger.
    axis = np.eye(8)
    en_a, en_b = _rows(2 * axis[0] + axis[2], 20, 1), _rows(2 * axis[0] + axis[3], 20, 2)
    ko_a, ko_b = _rows(2 * axis[1] + axis[2], 20, 3), _rows(2 * axis[1] + axis[3], 20, 4)
    rare = _rows(2 * axis[4] + axis[2], 3, 5)  # zh: too few posts for a mean of its own
    vectors = np.vstack([en_a, en_b, ko_a, ko_b, rare])
    langs = ["en"] * 40 + ["ko"] * 40 + ["zh"] * 3
    assert _mean_cosine(en_a, ko_a) < _mean_cosine(en_a, en_b)  # raw: the language decides

    space = LanguageCentring.fit(vectors, langs)
    assert sorted(space.means) == ["en", "ko"] and 3 < MIN_LANGUAGE_POSTS
    np.testing.assert_allclose(space.means["en"], vectors[:40].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(space.fallback, vectors.mean(axis=0), rtol=1e-5)
    out = space.apply(vectors, langs)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1, rtol=1e-5)
    # Each language's mean moved onto the mean of all: the topic decides, across languages.
    en_mean, ko_mean = unit(out[:40].mean(axis=0, keepdims=True))[0], unit(out[40:80].mean(axis=0, keepdims=True))[0]
    assert float(en_mean @ ko_mean) > 0.99 > 0.5 > float(space.means["en"] @ space.means["ko"])
    assert _mean_cosine(out[:20], out[40:60]) > _mean_cosine(out[:20], out[20:40]) + 0.2
    # A rare language, or one never seen, is left where it is.
    np.testing.assert_allclose(out[80:], vectors[80:], rtol=1e-5)
    np.testing.assert_allclose(space.apply(vectors[80:], ["fr"] * 3), vectors[80:], rtol=1e-5)
    # No centring (a state saved without means): the rows are only normalised.
    np.testing.assert_allclose(LanguageCentring().apply(3 * vectors, langs), vectors, rtol=1e-5)


def test_the_means_survive_the_theme_state_round_trip_and_an_old_entry_reclusters(tmp_path):
    vectors = np.vstack([_rows(np.eye(8)[0] * 3, 40, 1), _rows(np.eye(8)[1] * 3, 40, 2)])  # en, ko
    langs = ["en"] * 40 + ["ko"] * 40
    space = LanguageCentring.fit(vectors, langs)
    centroid = make_centroid("battery · overheating", ["all"], space.apply(vectors, langs))
    store = SqliteStore(tmp_path / "gs.db")
    try:
        ThemeState(store).save("Acme", BrandThemes([centroid], {"x:1"}, 0.1, centring=space))
        back = ThemeState(store).load("Acme")
        assert sorted(back.centring.means) == ["en", "ko"]
        for lang in ("en", "ko"):
            assert np.array_equal(back.centring.means[lang], space.means[lang].astype(np.float32))
        assert np.array_equal(back.centring.apply(vectors, langs), space.apply(vectors, langs))
        # An entry written before the means were stored: read as none, so the next pass clusters in full.
        old = json.loads(store.get_state(PREFIX + "Acme"))
        old["version"] = 1
        del old["centring"]
        store.set_state(PREFIX + "Acme", json.dumps(old))
        assert ThemeState(store).load("Acme") is None
    finally:
        store.close()


@pytest.mark.parametrize("damage", ["truncated", "bad base64", "mean of another size", "no means"])
def test_a_damaged_theme_state_is_read_as_none_and_said(tmp_path, caplog, damage):
    """A hand-edited or cut-off entry: logged and read as none (the next pass clusters in full), no traceback."""
    vectors = np.vstack([_rows(np.eye(8)[0] * 3, 40, 1), _rows(np.eye(8)[1] * 3, 40, 2)])
    langs = ["en"] * 40 + ["ko"] * 40
    space = LanguageCentring.fit(vectors, langs)
    centroid = make_centroid("battery", ["all"], space.apply(vectors, langs))
    store = SqliteStore(tmp_path / "gs.db")
    try:
        ThemeState(store).save("Acme", BrandThemes([centroid], set(), 0.1, centring=space))
        raw = store.get_state(PREFIX + "Acme")
        data = json.loads(raw)
        if damage == "truncated":
            raw = raw[: len(raw) // 2]
        else:
            if damage == "bad base64":
                data["centring"]["means"]["ko"] = "not base64!"
            elif damage == "mean of another size":
                data["centring"]["means"]["ko"] = encode_vector(np.ones(5, dtype=np.float32))
            else:
                del data["centring"]["means"]
            raw = json.dumps(data)
        store.set_state(PREFIX + "Acme", raw)
        with caplog.at_level("WARNING"):
            assert ThemeState(store).load("Acme") is None
        assert "stored themes of Acme are unreadable" in caplog.text
    finally:
        store.close()


@pytest.mark.model
def test_one_crisis_in_three_scripts_is_one_theme_apart_from_everyday_talk():
    """Real e5 embeddings. Uncentred, the Korean crisis posts joined the Korean everyday talk."""
    themes = extract_themes(corpus(), max_themes=10)
    kinds = {t.label: Counter(mid.split(":")[1][0] for mid in t.member_ids) for t in themes}
    assert all(len(kind) == 1 for kind in kinds.values()), kinds  # no theme mixes the crisis and everyday talk
    crisis = [t for t in themes if kinds[t.label] == {"c": t.count}]
    biggest = max(crisis, key=lambda t: t.count)
    assert set(biggest.langs) == {"en", "ko", "zh"}, [(t.label, t.langs) for t in crisis]
    assert min(biggest.langs.values()) >= 10, biggest.langs  # half of each language's 20 crisis posts at least
