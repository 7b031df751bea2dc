"""A user with no home folder (no HOME, no passwd entry: a container's arbitrary uid) gets the cache's one line
naming XDG_CACHE_HOME from the probe `config check` and `health` run, not a crash. `Path.home` is made to raise as
Python does then: a real uid without a passwd entry cannot be had in a test (a fault a real part can't be made to
produce on cue)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp import model_cache


def _no_home():
    raise RuntimeError("Could not determine home directory.")


def test_no_home_folder_is_said_with_what_to_set(monkeypatch):
    monkeypatch.setattr(Path, "home", staticmethod(_no_home))
    env = {}  # no XDG_CACHE_HOME, no GROUNDSWELL_*_CACHE
    problem = model_cache.cache_problem(env)
    assert problem and "no home folder" in problem and "XDG_CACHE_HOME" in problem
    with pytest.raises(model_cache.ModelCacheError, match="XDG_CACHE_HOME"):
        model_cache.cache_folder("e5", env)


def test_xdg_cache_home_needs_no_home_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(Path, "home", staticmethod(_no_home))
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert model_cache.cache_folder("onnx", env) == tmp_path / "groundswell" / "onnx"
    assert model_cache.cache_problem(env) is None
