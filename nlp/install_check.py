"""Can the enrich step run here with this `nlp` section? Checked without loading anything heavy.

`config check` and `groundswell health` ask this (`install_problem`); a model that cannot be found
(`nlp.model_source.model_problem`) is only the first reason. A model can also fail later, every run, because:

- `nlp.backend` cannot run it (`nlp.model_source.backend_problem`: the default model on 'torch');
- a file it loads is missing from the install (a wheel built without `nlp/models/intents/weights.npz` ran for
  weeks with no labels while `health` said OK);
- a package its backend imports is missing: ONNX Runtime and its helpers for the shipped models and the sentence
  embeddings, the encoder packages installed with --no-deps, torch and transformers (the train extra) for the
  'torch' backend and Hugging Face checkpoints. Found with `importlib.util.find_spec`, nothing imported;
- its cache cannot be written (`nlp.model_cache.cache_problem`).

Each answer is the line the loader itself would say, with its "pip install" hint.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from nlp.config import DEFAULT_BACKEND, NlpConfig
from nlp.e5_sentiment import E5_MODEL_DIR, read_manifest
from nlp.e5_weights import q4_weights_path, tokenizer_json_path
from nlp.encoder import TORCH_BACKEND, encoder_path
from nlp.intents import MODEL_DIR as INTENT_MODEL_DIR
from nlp.lexicon import LEXICON_DIR
from nlp.model_cache import cache_problem
from nlp.model_files import MINILM_MODEL_DIR
from nlp.model_source import ModelUnavailable, backend_problem, model_problem, train_extra_missing
from nlp.onnx_encoder import ONNXRUNTIME_MISSING

# What the ONNX path imports (nlp/onnx_encoder.py, nlp/e5_encoder.py, nlp/bert_onnx.py): module -> package.
ONNX_MODULES = {"onnxruntime": "onnxruntime", "onnx": "onnx", "tokenizers": "tokenizers", "safetensors": "safetensors"}
TORCH_MODULES = ("torch", "transformers")  # the train extra


def install_problem(nlp: NlpConfig, env: Mapping[str, str] | None = None) -> str | None:
    """The first reason the enrich step cannot run with `nlp` here, as one line saying what to do; None when
    nothing is missing."""
    return next(_problems(nlp, env), None)


def _problems(nlp: NlpConfig, env: Mapping[str, str] | None) -> Iterator[str]:
    name, backend = nlp.sentiment_model, nlp.backend
    if problem := model_problem(name, env) or backend_problem(name, backend):
        yield problem
        return
    runs_onnx = name == "default" or (name == "minilm" and (backend or DEFAULT_BACKEND) == "onnx")
    # The sentence embeddings (themes, intents) run on the e5 checkpoint on ONNX Runtime whatever the model.
    embeds = name == "default" or nlp.themes or nlp.intents
    if runs_onnx or embeds:
        yield from _missing_modules(ONNX_MODULES, "the ONNX Runtime path (the shipped models, sentence embeddings)")
    if name == "default" or embeds:
        yield from _raised(q4_weights_path, tokenizer_json_path)
    if name == "default":
        yield from _default_model_files()
    elif name == "minilm":
        yield from _minilm_files()
        yield from _raised(encoder_path)
        if not runs_onnx:
            yield from (train_extra_missing(m, TORCH_BACKEND) for m in TORCH_MODULES if not _importable(m))
    else:
        checkpoint = f"the Hugging Face checkpoint {name!r}"
        yield from (train_extra_missing(m, checkpoint) for m in TORCH_MODULES if not _importable(m))
    if nlp.intents:
        yield from _missing_files(INTENT_MODEL_DIR, ("manifest.json", "weights.npz"), "tag intents")
    if runs_onnx or embeds:
        yield from filter(None, [cache_problem(env)])


def _importable(module: str) -> bool:
    """Whether `module` can be imported, without importing it (None in sys.modules, as tests set it, is not)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that fails to import, or a module without a spec
        return False


def _missing_modules(modules: Mapping[str, str], needed_by: str) -> Iterator[str]:
    for module, package in modules.items():
        if not _importable(module):
            yield ONNXRUNTIME_MISSING if module == "onnxruntime" else (
                f"{needed_by} needs {package}, which is not installed: pip install {package} "
                "(the version requirements.txt pins)")


def _raised(*checks: Callable[[], object]) -> Iterator[str]:
    """The message of each check that raises `ModelUnavailable` (a missing or wrong encoder package)."""
    for check in checks:
        try:
            check()
        except ModelUnavailable as exc:
            yield str(exc)


def _missing_files(folder: Path, names: tuple[str, ...] | list[str], purpose: str) -> Iterator[str]:
    for name in names:
        if not (folder / name).is_file():
            yield (f"{folder / name} is missing from this install, and enrich cannot {purpose} without it: "
                   "reinstall groundswell (a wheel or copy without the package data it ships)")


def _lexicon_files(langs: list[str]) -> list[str]:
    return [*(f"afinn-{lang}.tsv" for lang in langs), "negators.tsv"]


def _default_model_files() -> Iterator[str]:
    """The files the default model loads (nlp/e5_sentiment.py `E5SentimentModel`)."""
    try:
        manifest = read_manifest(E5_MODEL_DIR)
    except (OSError, ValueError) as exc:  # missing, damaged or of another format: its own words
        yield f"{exc}; reinstall groundswell"
        return
    yield from _missing_files(E5_MODEL_DIR, ("delta.safetensors",), "label sentiment")
    combine = manifest.get("combine") or {}
    if combine.get("kind") == "stacker":
        yield from _missing_files(E5_MODEL_DIR, ("weights.safetensors",), "label sentiment")
        yield from _missing_files(LEXICON_DIR, _lexicon_files(combine["lexicons"]["langs"]), "label sentiment")


def _minilm_files() -> Iterator[str]:
    """The files the MiniLM model loads (nlp/model_files.py `load_default_weights`, its word lists)."""
    path = MINILM_MODEL_DIR / "model.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        yield f"{path} cannot be read ({exc}): reinstall groundswell"
        return
    yield from _missing_files(MINILM_MODEL_DIR, ("weights.safetensors",), "label sentiment")
    yield from _missing_files(LEXICON_DIR, _lexicon_files(manifest["lexicons"]["langs"]), "label sentiment")
