"""Content-word tokenisation for theme labels, per language.

Chinese is segmented with jieba, Korean with kiwipiepy (nouns, verb and adjective stems only,
so particles and endings never become labels), everything else with a regex over letters plus
a short stopword list. Both segmenters are loaded once, on first use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_KO_TAGS = ("NNG", "NNP", "SL", "VV", "VA", "XR")

_STOP = {
    "en": "a an the and or but if of to in on at by for with from as is are was were be been being am it its "
          "this that these those i me my we our you your he she they them their his her him us do does did done "
          "have has had not no so too very just can could will would should about into than then there here what "
          "which who whom when where why how all any both each more most other some such only own same also again "
          "out up down over under get got one really like http user amp rt dont im ive cant wont while because "
          "another now still after before during through anyone someone anything something everyone every many "
          "much even yet back off well way going want make made know think see said say says let lets per via "
          "since until though although ever never always came come comes went goes thing things "
          # closed-class words: reflexive and possessive pronouns, prepositions, modals, hedges, interjections
          "myself yourself yourselves himself herself itself ourselves themselves hers yours ours theirs whose "
          "against between among across around behind beyond toward towards upon onto within without above "
          "below beneath beside besides near nor either neither whether once few several else ago maybe "
          "perhaps quite rather almost already enough however instead may might must shall yes yeah oh okay "
          "hey gonna wanna gotta aint whatever whoever",
    "it": "il lo la i gli le un uno una di a da in con su per tra fra e o ma se che chi cui non più come anche "
          "del della dei delle degli al alla ai alle dal dalla nel nella sul sulla è sono era ho hai ha abbiamo "
          "hanno questo questa quello quella mi ti si ci vi io tu lui lei noi voi loro mio mia suo sua molto "
          "tutto tutti già ancora solo poi qui così perché quando dove",
    "ru": "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было "
          "вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь "
          "опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам "
          "чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь "
          "этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой "
          "хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо "
          "свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между это очень",
    "de": "der die das den dem des ein eine einer eines einem einen und oder aber nicht ist sind war waren ich du "
          "er sie es wir ihr mit von zu im in auf für an bei aus nach wie so auch noch nur schon sehr mal mein "
          "dein kein keine hat habe haben wird werden dass was wer wo",
    "fr": "le la les un une des du de et ou mais ne pas est sont était je tu il elle nous vous ils elles ce cet "
          "cette ces mon ma mes ton ta son sa ses que qui quoi dans sur pour par avec sans au aux en plus très "
          "tout tous a ai as ont été être",
    "es": "el la los las un una unos unas de del y o pero no es son era fue yo tú él ella nosotros vosotros "
          "ellos ellas que quien en con por para sin sobre al lo le les se me te mi mis su sus muy más ya como "
          "este esta esto ese esa hay ha han",
    "pt": "o a os as um uma uns umas de do da dos das e ou mas não é são era foi eu tu ele ela nós vós eles "
          "elas que quem em no na nos nas com por para sem ao aos se me te meu minha seu sua muito mais já como "
          "este esta isto esse essa há tem",
    "zh": "的 了 是 我 你 他 她 它 们 在 有 和 就 不 也 都 这 那 个 很 吗 吧 啊 呢 着 与 及 而 但 又 还 被 把 给 让 "
          "一个 没有 我们 你们 他们 什么 这个 那个 就是 还是 可以 因为 所以 如果 已经 自己 真的 现在 知道 觉得",
}
STOPWORDS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in _STOP.items()}
_ALL_LATIN_STOP = frozenset().union(*(STOPWORDS[k] for k in ("en", "it", "de", "fr", "es", "pt")))


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        raise RuntimeError("Korean tokenisation needs kiwipiepy: pip install kiwipiepy") from None
    return Kiwi()


@lru_cache(maxsize=1)
def _jieba() -> Any:
    try:
        import jieba
    except ImportError:
        raise RuntimeError("Chinese tokenisation needs jieba: pip install jieba") from None
    import logging

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def script_lang(text: str) -> str | None:
    """A language guess from the script alone (for texts whose language is unknown)."""
    if _HANGUL.search(text):
        return "ko"
    if _KANA.search(text):
        return "ja"
    if _HAN.search(text):
        return "zh"
    return None


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Lower-cased content words of `text`: the candidates for theme keywords."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"https?://\S+|@\w+", " ", text)
    lang = lang or script_lang(text)
    if lang == "ko" or (lang is None and _HANGUL.search(text)):
        tokens = [t.form.lower() for t in _kiwi().tokenize(text) if t.tag.split("-")[0] in _KO_TAGS]
        return [t for t in tokens if len(t) > 1]
    if lang in ("zh", "ja") or _HAN.search(text):
        stop = STOPWORDS["zh"]
        words = [w.strip().lower() for w in _jieba().lcut(text)]
        return [w for w in words if w and w not in stop and (len(w) > 1 or not _HAN.match(w)) and _is_wordish(w)]
    stop = STOPWORDS.get(lang or "", frozenset()) | (_ALL_LATIN_STOP if lang not in ("ru", "uk") else frozenset())
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if _content(w, stop)]


_CONTRACTION = re.compile(r"^(\w+)['’](?:t|s|ll|d|re|ve|m)$")  # he's, i'll, you're; didn't is did + n't


def _content(word: str, stop: frozenset[str]) -> bool:
    """A content word in a space-separated language: longer than two letters and not a stopword, with
    apostrophes ignored ("it's", "don't", "i’m" are the lists' its, dont, im), and not a stopword
    contracted ("he's", "didn't", "i'll", "you're"; a possessive such as "trump's" stays)."""
    if len(word) <= 2 or word.replace("'", "").replace("’", "") in stop:
        return False
    contracted = _CONTRACTION.match(word)
    if contracted is None:
        return True
    stem = contracted.group(1)
    return (stem[:-1] if stem.endswith("n") and word[-1] == "t" else stem) not in stop


def _is_wordish(token: str) -> bool:
    return any(ch.isalnum() for ch in token) and len(token) > 1


_KO_BREAK = ("S", "EF", "EC")  # punctuation, sentence and clause endings end a phrase
_LATIN_CLAUSE = re.compile(r"[.,!?;:()\[\]{}\"“”«»…|/\\\n–—]+")


def phrase_runs(text: str, lang: str | None = None) -> list[list[tuple[str, bool]]]:
    """Runs of adjacent words in `text`, in order, each marked content word or not: the material
    of multi-word phrases (which must start and end with a content word: "burned my desk").

    The same per-language rules as `tokenize` decide what a content word is. In space-separated
    languages punctuation ends a run and stopwords stay in it, marked; in Korean and Chinese
    particles and function words are dropped ("배터리가 폭발" -> 배터리, 폭발) and punctuation
    and clause endings end a run.
    """
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"https?://\S+|@\w+", " ", text)
    lang = lang or script_lang(text)
    if lang == "ko" or (lang is None and _HANGUL.search(text)):
        return _ko_runs(text)
    if lang in ("zh", "ja") or _HAN.search(text):
        return [[(w, True) for w in run] for run in _zh_runs(text)]
    stop = STOPWORDS.get(lang or "", frozenset()) | (_ALL_LATIN_STOP if lang not in ("ru", "uk") else frozenset())
    runs = [
        [(w, _content(w, stop)) for w in (m.group(0).lower() for m in _WORD.finditer(clause))]
        for clause in _LATIN_CLAUSE.split(text)
    ]
    return [r for r in runs if r]


def _ko_runs(text: str) -> list[list[tuple[str, bool]]]:
    """Korean runs; verb and adjective stems stay inside a phrase but never end one ("환불 거부",
    not "거부 당하": a stem is not how a person writes the word)."""
    runs: list[list[tuple[str, bool]]] = [[]]
    for t in _kiwi().tokenize(text):
        tag = t.tag.split("-")[0]
        if tag in _KO_TAGS and len(t.form) > 1:
            runs[-1].append((t.form.lower(), tag not in ("VV", "VA")))
        elif tag.startswith(_KO_BREAK) and runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _zh_runs(text: str) -> list[list[str]]:
    stop = STOPWORDS["zh"]
    runs: list[list[str]] = [[]]
    for word in (w.strip().lower() for w in _jieba().lcut(text)):
        if not word:
            continue
        if not _is_wordish(word) and not (word.isalnum() or _HAN.match(word)):
            if runs[-1]:
                runs.append([])  # punctuation ends the phrase
        elif word not in stop and _is_wordish(word):
            runs[-1].append(word)
    return [r for r in runs if r]
