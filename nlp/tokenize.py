"""Content-word tokenisation for theme labels, per language.

Chinese is segmented with jieba, Korean with kiwipiepy (nouns, verb and adjective stems only,
so particles and endings never become labels), everything else with a regex over letters plus
a short stopword list. Both segmenters are loaded once, on first use. An elided article or preposition
(l'assistenza, dell’auricolare, qu'il) is a function word split off its noun; a katakana run (バッテリー) is
one word, never left to jieba.

Chinese in traditional characters is read as simplified (`core.query.text.simplified`, the Han part of search
folding), so 電池 and 电池 are one word of one theme; `written_form` gives a label back the script most of its
posts write it in. Japanese keeps its characters (電池 is how Japanese writes it, not a variant).

Case never makes two words of one (`_lower`), as in search: ı is i (KAPALI and kapalı, ISTANBUL and İstanbul are
one word) and ß is ss (STRASSE and Straße); `written_form` gives a label back the ı and ß most of its posts write.
Invisible characters never split a word, Arabic tatweel is dropped and ʼ is an apostrophe
(`core.query.text.plain_text`, the search side's rule): "Rück&shy;ruf&shy;aktion" is one word.

Markup is never a word (`strip_markup`): links, with or without a scheme and cut short by the source
("https:…", "htt…", "bit.ly/x", "//rss.cnn.com/…"), HTML entities ("&amp;" is "&") and @handles, a
Mastodon or Bluesky one whole ("@lumora@mastodon.social", not "social"). Seen on the GOP debate stream,
whose truncated retweets gave "htt" and "https" as theme words.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from core.query.text import HANZI_FOLDED_TO, HANZI_SIMPLIFIED, MARKS, plain_text, simplified

# A word starts with a letter and ends with a letter or a combining mark (Indic vowel signs and viramas are
# marks, not `\w`: without them बैटरी would be cut into bare consonants); marks, apostrophes and hyphens
# inside. The marks are the query language's (core.query.text.MARKS).
# An elided article or preposition comes first, as a word of its own ending in its apostrophe, either form
# ("l'assistenza", "dell’auricolare", "qu'il": l' + assistenza, dell' + auricolare, qu' + il): without it one
# Italian noun was five keywords (assistenza, l'assistenza, all'assistenza, dell'assistenza, dall'assistenza).
# The query language splits at an apostrophe too (docs/query-language.md). Only these prefixes: English
# contractions and possessives ("don't", "it's", "trump's") stay one word, as `_content` expects.
ELIDED = frozenset(
    "l d c n j m t s un dell all dall nell sull coll quest quell qu".split()  # it: l', dell', c'è; fr: qu', j', s'
)
_ELISION = rf"(?<![\w{MARKS}'’-])(?i:{'|'.join(sorted(ELIDED, key=len, reverse=True))})['’](?=[^\W\d_])"
_WORD = re.compile(rf"{_ELISION}|[^\W\d_][\w{MARKS}'’-]*(?:[^\W_]|[{MARKS}])|[^\W\d_]", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_KANA = re.compile(r"[\u3040-\u30ff]")
# A katakana word, with its long-vowel mark (バッテリー, イヤホン): jieba knows no Japanese and cut it into single
# characters, which are never keywords, so a katakana run is one word before jieba sees the rest. Not the
# middle dot ・ (U+30FB), which separates words.
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff]*[\u30a1-\u30fa\u30fd-\u30ff\u31f0-\u31ff]"
                       r"[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff]*")
_KO_TAGS = ("NNG", "NNP", "SL", "VV", "VA", "XR")

# Links: with a scheme; protocol-relative ("…//rss.cnn.com/x"); www.; a host with a path ("t.co/abc",
# "bit.ly/x"); a bare host under a generic top-level domain ("lumora.com"; not a country's: "tried.It works" is
# a sentence without its space); a scheme cut short by the source, with or without the ellipsis ("https:…",
# "https", "htt…").
_URL = re.compile(
    r"(?:https?|ftp)://\S*|(?<![\w/])//[A-Za-z0-9-]+\.\S*|\bwww\.\S*"
    r"|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/\S*"
    r"|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|net|org|info|biz|edu|gov)\b"
    r"|\bhttps?\b\S*|\bhtt?p?s?:?/*(?:…|\.\.\.)",
    re.IGNORECASE,
)
# An @handle, whole: letters, digits, _ . - inside, and a Mastodon instance or a Bluesky domain with it. Not into
# Chinese, Japanese or Korean text written right after it ("@lumora的电池过热": the text is the post's).
_H = r"[^\W\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3]"
_HANDLE = re.compile(rf"[@＠]{_H}(?:(?:{_H}|[.-])*{_H})?(?:@{_H}(?:(?:{_H}|[.-])*{_H})?)?")
# An HTML entity, also cut short without its semicolon ("&amp" at the end of a truncated post).
_ENTITY = re.compile(
    r"&(?:#\d{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,7};|(?:amp|quot|lt|gt|apos|nbsp)\b)"
)

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
          "tutto tutti già ancora solo poi qui così perché quando dove "
          "davvero proprio comunque cioè magari quindi allora ecco invece almeno forse sempre mai tipo "
          "veramente praticamente assolutamente niente nulla qualcosa",
    "ru": "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было "
          "вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь "
          "опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам "
          "чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь "
          "этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой "
          "хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо "
          "свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между это очень "
          # everyday fillers and hedges, and the ё spellings of listed words (NFKC keeps ё: ещё is not еще)
          "просто вообще ещё всё её типа короче кстати вроде прямо прям реально действительно именно лишь "
          "также пока либо вообще-то",
    "de": "der die das den dem des ein eine einer eines einem einen und oder aber nicht ist sind war waren ich du "
          "er sie es wir ihr mit von zu im in auf für an bei aus nach wie so auch noch nur schon sehr mal mein "
          "dein kein keine hat habe haben wird werden dass was wer wo "
          "ja eben echt einfach wirklich doch eigentlich irgendwie gerade ganz also dann denn wohl etwa "
          "immer nie jetzt hier dort da sogar nichts etwas alles",
    "fr": "le la les un une des du de et ou mais ne pas est sont était je tu il elle nous vous ils elles ce cet "
          "cette ces mon ma mes ton ta son sa ses que qui quoi dans sur pour par avec sans au aux en plus très "
          "tout tous a ai as ont été être",
    "es": "el la los las un una unos unas de del y o pero no es son era fue yo tú él ella nosotros vosotros "
          "ellos ellas que quien en con por para sin sobre al lo le les se me te mi mis su sus muy más ya como "
          "este esta esto ese esa hay ha han "
          "pues bueno entonces también tanto todo todos nada algo siempre nunca ahora aquí así porque "
          "cuando donde solo sólo realmente literalmente simplemente además mucho poco cada mismo ni tipo",
    "pt": "o a os as um uma uns umas de do da dos das e ou mas não é são era foi eu tu ele ela nós vós eles "
          "elas que quem em no na nos nas com por para sem ao aos se me te meu minha seu sua muito mais já como "
          "este esta isto esse essa há tem",
    "zh": "的 了 是 我 你 他 她 它 们 在 有 和 就 不 也 都 这 那 个 很 吗 吧 啊 呢 着 与 及 而 但 又 还 被 把 给 让 "
          "一个 没有 我们 你们 他们 什么 这个 那个 就是 还是 可以 因为 所以 如果 已经 自己 真的 现在 知道 觉得 "
          "其实 然后 非常 一直 可能 应该 比较 简直 反正 好像 一样 这样 那样 怎么 为什么 真是 还有 一下",
    # Every other language nlp/langid.py can name. Short lists of function words, written from the well-known
    # public lists: nl and sv after the Snowball stop lists (snowballstem.org, BSD licence), the others after
    # stopwords-iso (github.com/stopwords-iso, MIT licence); trimmed to articles, pronouns, prepositions,
    # conjunctions, auxiliaries and hedges, never a word a theme could be about.
    "nl": "de het een en of maar dat die dit deze wat wie van in op aan met voor bij naar uit over door tot om "
          "te als dan ook nog wel niet geen nee ja ik je jij hij zij ze we wij u men mij me hem haar ons hun "
          "mijn jouw zijn haar hun uw er daar hier is was waren ben bent heb hebt heeft hebben had hadden wordt "
          "worden werd zal zou kan kon moet wil zo al toch dus want omdat toen nu weer echt heel erg alles iets "
          "niets iemand andere zelf onder tegen na zonder altijd nooit veel meer",
    "sv": "och i att det som en ett på är av för med till den har de inte om ett han hon jag du vi ni dem "
          "honom henne oss er mig dig sig min mitt mina din ditt dina sin sitt sina hans hennes deras vår vårt "
          "våra så men eller från ut när efter upp vad över än kan ha hade var vara varit blev blir bli skulle "
          "kunde här där denna detta dessa man ej nu också bara redan mycket någon något några inga ingen allt "
          "alla samma sedan utan under mellan hur varför vem vilken vilket vilka alls",
    "pl": "a aby ale bardzo bez bo by być był była było byli będzie ci co czy dla do gdy gdzie go i ich ile im "
          "ja jak jako je jej jest jestem jeszcze jego jednak już każdy kiedy kto która które który ma mam mi "
          "mnie mój moja moje może można my na nad nam nas nawet nic nie niż no o od on ona one oni ono oraz po "
          "pod przez przy również się sobie są ta tak tam te tego tej ten też to tu tylko ty u w we wszystko "
          "z za ze że żeby znowu teraz wciąż",
    "tr": "acaba ama aslında az bazı belki ben benim bu bunu bunlar bir biri birkaç biz bile çok çünkü da daha "
          "de değil diye eğer en gibi göre hala hâlâ hem hep hepsi her hiç için ile ise kadar kez ki kim mı mi "
          "mu mü nasıl ne neden nerede niye o olan olarak onlar onun sanki sen senin siz sonra şey şu tüm ve "
          "var veya ya yani yok zaten artık",
    "uk": "і й та а але або в у на з із зі до від по за про для під над при що як це цей ця ці цього цієї цю "
          "той то ті він вона воно вони я ти ми ви мене мені мій моя моє мої твій твоя його її їх їм нам вам "
          "нас вас себе собі не ні так вже ще теж також тільки лише дуже бути був була було були є буде може "
          "можна треба коли де тут там якщо бо тому чому хто який яка яке які все всі весь вся чи ж же би б "
          "ось навіть знову щоб цим цій цьому цих цими тим тих тій",
    "ar": "في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين هو هي هم هن أنا انا نحن أنت انت ما لا لم "
          "لن إن ان أن كان كانت يكون قد كل بعد قبل عند أو او ثم حتى إذا اذا لقد هل يا بين غير كما أي اي أيضا "
          "ايضا جدا فقط لكن منذ عليه فيه منه به له لها",
    "hi": "का के की है हैं था थे थी और या में से को पर भी तो ही यह वह ये वे इस उस इसे उसे एक कि जो क्या नहीं "
          "न हम मैं आप तुम मेरा मेरी मेरे अपना अपनी अपने हो होता होती होते हुआ हुई हुए रहा रही रहे कर किया "
          "लिए साथ बहुत अब फिर जब तक कुछ सब कोई",
    "ja": "これ それ あれ この その あの ここ そこ どこ だれ なに なん 何 私 僕 俺 あなた 彼 彼女 です ます "
          "でした ました ない いる ある する した して なる こと もの とき ため よう さん など まで から より "
          "けど でも しかし そして また まだ もう とても 本当 自分",
    # Korean is tagged (kiwipiepy): particles and endings are never tokens; these are the stems left that
    # only point at something else ("그렇다", "이렇다": so, like this).
    # 그냥, 진짜, 정말 are adverbs (MAG, never a token) but for the odd post the tagger reads as nouns.
    "ko": "그렇 이렇 저렇 어떻 그냥 진짜 정말",
}


def _lower(word: str) -> str:
    """Lower case, one form whatever the case a word was written in, as search compares case (case folding, then
    ı as i: core/query/text.py): Turkish İ becomes i, not i + a combining dot (what str.lower gives), and ı is i,
    since kapalı in capitals is KAPALI (and İstanbul is ISTANBUL without a Turkish keyboard); ß is ss ("Straße"
    is "STRASSE"). The typographic apostrophe is the plain one ("l’" is "l'", "trump’s" is "trump's")."""
    return word.lower().replace("i\u0307", "i").replace("ı", "i").replace("ß", "ss").replace("’", "'")


def keyword_key(word: str) -> str:
    """The key a theme word is counted under (`plain_text`, then `_lower`: "Yıldız" is yildiz, "Straße" strasse),
    for words that do not come out of `tokenize`: a brand's own names and query words, which labels leave out
    (`groundswell.themes_step.label_stopwords`, `nlp.themes.label_exclusions`) and must find as theme words."""
    return _lower(plain_text(word))


# Keyed as words are (`_lower`: Turkish artık is artik).
STOPWORDS: dict[str, frozenset[str]] = {lang: frozenset(map(_lower, words.split())) for lang, words in _STOP.items()}
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


def strip_markup(text: str) -> str:
    """`text` (NFKC, without invisible characters: `core.query.text.plain_text`) with its links and @handles made
    spaces and its HTML entities decoded (twice: "&amp;amp;" is an export's double escaping): what is left is
    what the writer wrote."""
    text = plain_text(text)
    for _ in range(2):
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0) if m.group(0).endswith(";") else m.group(0) + ";"), text)
    text = plain_text(text)  # an entity may have been an invisible character ("&shy;", "&#8203;")
    text = _URL.sub(" ", text)
    return _HANDLE.sub(" ", text)


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Lower-cased content words of `text`: the candidates for theme keywords."""
    text = strip_markup(text)
    lang = lang or script_lang(text)
    if lang == "ko" or (lang is None and _HANGUL.search(text)):
        tokens = [t.form.lower() for t in _kiwi().tokenize(text) if t.tag.split("-")[0] in _KO_TAGS]
        return [t for t in tokens if len(t) > 1 and t not in STOPWORDS["ko"]]
    if lang in ("zh", "ja") or _HAN.search(text):
        stop = _han_stop(lang)
        words = [w.strip().lower() for w in _han_cut(_one_script(text, lang))]
        return [w for w in words if w and w not in stop and (len(w) > 1 or not _HAN.match(w)) and _is_wordish(w)]
    stop = _spaced_stop(lang)
    return [w for w in (_lower(m.group(0)) for m in _WORD.finditer(text)) if _content(w, stop)]


def _one_script(text: str, lang: str | None) -> str:
    """Chinese (any language but Japanese) with traditional characters simplified, before jieba cuts it: one
    word in either script, cut alike (jieba's dictionary is simplified)."""
    return text if lang == "ja" else simplified(text)




# `written_form` counts spellings in at most this many of the texts that hold a phrase (the first ones: a theme's
# posts nearest its centre): a majority shows long before, and reading a post (`strip_markup`) is what costs.
WRITTEN_FORM_TEXTS = 1000


def written_form(phrase: str, texts: Iterable[str]) -> str:
    """`phrase` (as `tokenize`/`phrase_runs` give it: Chinese simplified, ı as i, ß as ss) with its Han
    characters, ı and ß as most of `texts` that use it write them (each text counted once, the first
    WRITTEN_FORM_TEXTS that hold it; a match that writes I or SS does not count, since KAPALI and STRASSE do not
    say which letter they stand for): a theme of Taiwanese posts is labelled 電池, not 电池, one of Turkish posts
    "kapalı", one of German posts "akku heiß". Ties and phrases no text holds stay as given; other characters
    are left as given."""
    return written_forms([phrase], texts)[0]


def written_forms(phrases: Sequence[str], texts: Iterable[str]) -> list[str]:
    """`written_form` of each of `phrases` in the same `texts` (a theme's label phrases in its posts), reading each
    text once for all of them, and only a text that may hold one (a cheap case-insensitive search first)."""
    texts = list(texts)
    wanted = [_Spellings.of(p) for p in phrases]
    todo = [w for w in wanted if w.han or any(ch in text for text in texts for ch in w.others)]
    if todo:  # else no text writes any of them otherwise (reading every post costs: strip_markup)
        # A superset of the texts a phrase is found in below: case ignored, markup kept, each Han character or any
        # traditional one it stands for; a text with "&" may hide a letter in an entity.
        maybe = re.compile("|".join(_probe(w.phrase) for w in todo), re.IGNORECASE)
        for text in texts:
            if "&" not in text and not maybe.search(plain_text(text)):
                continue
            plain = strip_markup(text)
            # Length-preserving lower case (İ as i), so offsets in the folded text are offsets in `plain`.
            lowered = "".join("i" if c == "İ" else c.lower() if len(c.lower()) == 1 else c for c in plain)
            folded = simplified(lowered)
            for w in todo:
                w.count(plain, lowered, folded)
            if all(w.texts >= WRITTEN_FORM_TEXTS for w in todo):
                break
    return [w.best() for w in wanted]


def _probe(phrase: str) -> str:
    """A pattern for any spelling of `phrase` in a text before it is lower-cased or simplified (`written_forms`):
    ss as ß too, i as ı too, a simplified Han character as any traditional one folding to it; case is ignored."""
    def one(ch: str) -> str:
        if ch == "i":
            return "[iı]"
        return f"[{ch}{_TRADITIONAL_OF[ch]}]" if ch in _TRADITIONAL_OF else re.escape(ch)

    return "(?:" + "(?:ss|ß)".join("".join(map(one, part)) for part in phrase.split("ss")) + ")"


def _traditional_of(table: dict[str, str]) -> dict[str, str]:
    """Each simplified Han character of `table` (traditional -> simplified), with the traditional ones folding
    to it."""
    out: dict[str, str] = {}
    for trad, simp in table.items():
        out[simp] = out.get(simp, "") + trad
    return out


_TRADITIONAL_OF = _traditional_of(HANZI_SIMPLIFIED)


@dataclass
class _Spellings:
    """The spellings of one phrase key found so far (`written_forms`)."""

    phrase: str
    han: bool
    others: tuple[str, ...]  # what a text writes for a letter of the key: ß, ẞ for ss, ı for i
    pattern: re.Pattern[str]
    forms: Counter[str] = field(default_factory=Counter)
    texts: int = 0  # texts that held the phrase (WRITTEN_FORM_TEXTS)

    @classmethod
    def of(cls, phrase: str) -> _Spellings:
        others = ("ß", "ẞ") * ("ss" in phrase) + ("ı",) * ("i" in phrase)
        # Each "i" of the phrase may be written ı, each "ss" ß: the letters `_lower` folds.
        pattern = re.compile("(?:ss|ß)".join(re.escape(part).replace("i", "[iı]") for part in phrase.split("ss")))
        return cls(phrase, any(ch in HANZI_FOLDED_TO for ch in phrase), others, pattern)

    def count(self, plain: str, lowered: str, folded: str) -> None:
        """Count the spellings one text (`plain`, lower-cased, Han simplified) writes the phrase in, once each."""
        if self.texts >= WRITTEN_FORM_TEXTS:
            return
        matches = list(self.pattern.finditer(folded))
        if not matches:
            return
        self.texts += 1
        # As written: traditional Han, ı and ß kept, everything else is the phrase's (a match differs nowhere else).
        self.forms.update({lowered[m.start() : m.end()] for m in matches
                           if self.han or not _capital_i_or_ss(plain[m.start() : m.end()])})

    def best(self) -> str:
        """The spelling most texts use; the phrase as given on a tie with it or when no text holds it."""
        if not self.forms:
            return self.phrase
        top = max(self.forms.values())
        return self.phrase if self.forms[self.phrase] == top else min(f for f, n in self.forms.items() if n == top)


def _capital_i_or_ss(written: str) -> bool:
    """Whether `written` has an I or SS, which may stand for i or ı, ss or ß (`written_form`)."""
    return "I" in written or "SS" in written


def _han_cut(text: str) -> list[str]:
    """jieba's words of `text`, each katakana run (`_KATAKANA`) kept whole."""
    out: list[str] = []
    start = 0
    for m in _KATAKANA.finditer(text):
        out += _jieba().lcut(text[start : m.start()]) if m.start() > start else []
        out.append(m.group(0))
        start = m.end()
    return out + (_jieba().lcut(text[start:]) if start < len(text) else [])


def _spaced_stop(lang: str | None) -> frozenset[str]:
    """Stopwords of a space-separated language: its own list, plus the Latin-script lists but in Cyrillic
    languages (a post in one language quotes words of another; an unknown language gets those alone)."""
    return STOPWORDS.get(lang or "", frozenset()) | (_ALL_LATIN_STOP if lang not in ("ru", "uk") else frozenset())


def _han_stop(lang: str | None) -> frozenset[str]:
    """Chinese stopwords for any text segmented by jieba; Japanese ones too when the post is Japanese (kept
    apart: a Japanese function word such as 本当 or 自分 can be a Chinese content word)."""
    return STOPWORDS["zh"] | STOPWORDS["ja"] if lang == "ja" else STOPWORDS["zh"]


_CONTRACTION = re.compile(r"^(\w+)['’](?:t|s|ll|d|re|ve|m)$")  # he's, i'll, you're; didn't is did + n't


def _content(word: str, stop: frozenset[str]) -> bool:
    """A content word in a space-separated language: longer than two letters and not a stopword, with
    apostrophes ignored ("it's", "don't", "i’m" are the lists' its, dont, im), and not a stopword
    contracted ("he's", "didn't", "i'll", "you're"; a possessive such as "trump's" stays)."""
    if len(word) <= 2 or word.replace("'", "").replace("’", "") in stop or is_elided(word):
        return False
    contracted = _CONTRACTION.match(word)
    if contracted is None:
        return True
    stem = contracted.group(1)
    return (stem[:-1] if stem.endswith("n") and word[-1] == "t" else stem) not in stop


def is_elided(word: str) -> bool:
    """Whether `word` is an elided article or preposition split off its noun ("l'", "dell'", "qu'"): a function
    word, never a keyword, and written joined to the next word in a phrase."""
    return word.endswith(("'", "’")) and word[:-1].lower() in ELIDED


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
    text = strip_markup(text)
    lang = lang or script_lang(text)
    if lang == "ko" or (lang is None and _HANGUL.search(text)):
        return _ko_runs(text)
    if lang in ("zh", "ja") or _HAN.search(text):
        return [[(w, True) for w in run] for run in _zh_runs(text, lang)]
    stop = _spaced_stop(lang)
    runs = [
        [(w, _content(w, stop)) for w in (_lower(m.group(0)) for m in _WORD.finditer(clause))]
        for clause in _LATIN_CLAUSE.split(text)
    ]
    return [r for r in runs if r]


def written_words(text: str, lang: str | None = None) -> list[tuple[str, str]]:
    """The words of a space-separated `text` as written, case kept, each with the word `phrase_runs` reads
    ("DonaldTrump", "donaldtrump"): a capital or a digit inside one shows where the words it joins meet
    (`nlp.label_words.joined_name`). None for the Chinese, Japanese and Korean texts `phrase_runs` segments."""
    text = strip_markup(text)
    lang = lang or script_lang(text)
    if lang in ("ko", "zh", "ja") or (lang is None and _HANGUL.search(text)) or _HAN.search(text):
        return []  # as `phrase_runs` decides
    return [(m.group(0), _lower(m.group(0))) for m in _WORD.finditer(text)]


def _ko_runs(text: str) -> list[list[tuple[str, bool]]]:
    """Korean runs; verb and adjective stems stay inside a phrase but never end one ("환불 거부",
    not "거부 당하": a stem is not how a person writes the word)."""
    runs: list[list[tuple[str, bool]]] = [[]]
    for t in _kiwi().tokenize(text):
        tag = t.tag.split("-")[0]
        if tag in _KO_TAGS and len(t.form) > 1:
            runs[-1].append((t.form.lower(), tag not in ("VV", "VA") and t.form.lower() not in STOPWORDS["ko"]))
        elif tag.startswith(_KO_BREAK) and runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _zh_runs(text: str, lang: str | None) -> list[list[str]]:
    stop = _han_stop(lang)
    runs: list[list[str]] = [[]]
    for word in (w.strip().lower() for w in _han_cut(_one_script(text, lang))):
        if not word:
            continue
        if not _is_wordish(word) and not (word.isalnum() or _HAN.match(word)):
            if runs[-1]:
                runs.append([])  # punctuation ends the phrase
        elif word not in stop and _is_wordish(word):
            runs[-1].append(word)
    return [r for r in runs if r]
