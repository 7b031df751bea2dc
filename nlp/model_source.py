"""Where `nlp.sentiment_model` comes from, checked without loading it (`groundswell config check`), and the one line
that says why it cannot be loaded (`nlp.sentiment.HuggingFaceSentimentModel`).

"default" and "minilm" ship with the package. Anything else is a Hugging Face checkpoint: a local folder, or a hub
name ("org/model") that must be in the local Hugging Face cache, since models load offline (`HF_HUB_OFFLINE`
defaults to 1 in `nlp.sentiment.load_sentiment_model`) unless the hub is allowed (`HF_HUB_OFFLINE=0`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SHIPPED = ("default", "minilm")
SETTING = "nlp.sentiment_model"


def looks_like_path(name: str) -> bool:
    """Whether `name` can only be a local folder, never a hub id ("org/model" has one slash and no leading dot)."""
    return (name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name
            or (os.sep != "/" and os.sep in name))


def offline(env: Mapping[str, str] | None = None) -> bool:
    """Whether models load without the hub (`HF_HUB_OFFLINE` unset counts as on: `load_sentiment_model` sets it)."""
    env = os.environ if env is None else env
    return env.get("HF_HUB_OFFLINE", "1").strip().lower() not in ("0", "false", "no", "off", "")


def in_hub_cache(name: str) -> bool:
    """Whether hub checkpoint `name` is in the local Hugging Face cache (its config.json), read without the network."""
    try:
        from huggingface_hub import try_to_load_from_cache  # lazy: only a hub checkpoint needs huggingface_hub
    except ImportError:  # pragma: no cover - transformers installs it
        return False
    try:
        found = try_to_load_from_cache(name, "config.json")
    except ValueError:  # not a valid repo id ("a b", "x//y"): no cache holds it
        return False
    return isinstance(found, str)


def model_problem(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """Why `nlp.sentiment_model: name` cannot be loaded here, as one line saying what to do; None when it resolves
    (shipped, an existing local folder, a cached hub name, or any hub name while the hub may be reached)."""
    if name in SHIPPED:
        return None
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir() or not (path / "config.json").is_file():
            return (f"{SETTING}: {name!r} is not a model folder (no config.json in it): point it at the folder "
                    "a Hugging Face checkpoint was saved to, or use 'default'")
        return None
    if looks_like_path(name):
        return (f"{SETTING}: {name!r} is a local path that does not exist: copy the model folder there, fix the "
                "path, or use 'default' (the shipped model)")
    if in_hub_cache(name) or not offline(env):
        return None
    return (f"{SETTING}: {name!r} is not in the local Hugging Face cache and the hub is not reached offline "
            "(HF_HUB_OFFLINE): download it once with `hf download "
            f"{name}` (or run once with HF_HUB_OFFLINE=0), point the setting at a local folder, or use 'default'")
