"""Parse Groundswell's boolean query language into a tree (see docs/query-language.md).

    query    := or
    or       := and ("OR" and)*
    and      := unary (["AND"] unary)*          -- adjacent terms are ANDed
    unary    := ("NOT" | "-") unary | near
    near     := primary ("NEAR/" n primary)?
    primary  := "(" or ")" | WORD | "PHRASE" | #hashtag | $cashtag | @handle | lang:xx

Operators are case-insensitive; quote a word to search for it literally ("not"). A phrase is quoted as its
language writes quotes (`QUOTE_CLOSERS`): "…", “…”, «…», »…«, „…“, ‚…‘, ‹…›.
A '*' right after a word (`overheat*`, also inside a phrase) makes it a prefix; one right before a Hangul word
(`*과열`) an infix (a word containing it); any other '*' is an error.
An emoji is a term like a word (core/query/emoji.py); a '$' before a letter is a cashtag, never dropped.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from core.lang_tags import UNKNOWN_LANG, lang_tag
from core.query import stem
from core.query.ast import STARS, And, Cashtag, Handle, Hashtag, Lang, Near, Node, Not, Or, Term
from core.query.emoji import WORD_DECORATIONS
from core.query.text import (
    CASHTAG_BODY,
    CASHTAG_PATTERN,
    MARKS,
    TOKEN_PATTERN,
    WORD,
    fold,
    is_hangul,
    is_nospace,
    is_symbol,
    normalize,
    tokenize,
)

MAX_NEAR = 100
MAX_LENGTH = 4096
# Parentheses and NOTs nest at most this deep: the parser, the matcher and every backend
# compiler recurse over the tree, and a real query never needs more than a handful.
MAX_DEPTH = 32
# A prefix (`word*`) has at least this many characters: a shorter one matches too many words to mean anything
# ('a*' is a third of English) and is too short for the SQLite store's trigram prefilter.
MIN_PREFIX = 3
# A Hangul infix (`*과열`) has at least this many characters: one syllable (`*열`) is inside too many words to mean
# anything (열 of 열다, 열정, 전열 ...). Two can use no trigram on SQLite: the store scans the rows its other filters
# leave (docs/query-language.md, "Hangul infixes").
MIN_INFIX = 2


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed; `position` is the 1-based column of the problem."""

    def __init__(self, message: str, position: int):
        super().__init__(f"column {position}: {message}")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class _Tok:
    kind: str  # LPAREN RPAREN AND OR NOT NEAR LEAF EOF
    pos: int  # 1-based column
    text: str = ""
    node: Node | None = None
    distance: int = 0


_OPERAND_START = {"LPAREN", "LEAF", "NOT"}
_NEAR = re.compile(r"near(?:/(.*))?", re.IGNORECASE)
_FIELD = re.compile(r"([a-z_]+):(.*)", re.IGNORECASE | re.DOTALL)
_LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
_HASHTAG_BODY = re.compile(WORD)  # as post text is read (text.HASHTAG_PATTERN): marks included
# 'word~ru' / '"phrase"~it': any inflected form (core/query/stem.py).
_INFLECT = re.compile(r"(.+)~([A-Za-z]*)", re.DOTALL)
# '~ru' with nothing before it (a space slipped in: 'Люмора ~ru'): not the word "ru".
_STRAY_INFLECT = re.compile(r"~[A-Za-z]*")
_HANDLE_BODY = re.compile(rf"\w[\w{MARKS}.\-]*(?:@\w[\w{MARKS}.\-]*)?")
# Phrase quotes: each opening quote and the quotes that close a phrase it opens. Straight and English curly quotes
# close one another (a phrase pasted as “battery life" still works); the others close with their own partner, as
# their languages write them: «…» (French, Russian, Italian), »…« (German, Danish) and »…» (Swedish, Finnish),
# „…“ (German, Czech) and „…” (Polish, Romanian, Hungarian), ‚…‘, ‹…› and ›…‹. A quote that only closes (‘, ’)
# opens nothing: ’ is also an apostrophe (l’Lumora).
_ENGLISH_QUOTES = '"“”'
QUOTE_CLOSERS: dict[str, str] = {
    **dict.fromkeys(_ENGLISH_QUOTES, _ENGLISH_QUOTES),
    "«": "»",
    "»": "«»",
    "„": "“”",
    "‚": "‘",
    "‹": "›",
    "›": "‹›",
}
# Quotes in a phrase opened by another kind are its text, not its end («the "Pro" model»), but Term.text must not
# hold them: it is written back in "…" (`str(query)`, native searches), where they would end the phrase early.
_INNER_QUOTES = str.maketrans(dict.fromkeys(_ENGLISH_QUOTES, " "))
_CASHTAG_BODY = re.compile(CASHTAG_BODY)
# Dashes that word processors, chat apps and phones type for '-' (autocorrect makes '-stock' '–stock'), and the
# full-width and small forms CJK input methods type: at the start of a chunk each is NOT, as '-' is. Read as the
# operator they look like, never as punctuation the tokens drop (which silently made '–stock' a required word).
DASHES: dict[str, str] = {
    "-": "'-'",
    "\u2010": "a hyphen (‐)",
    "\u2011": "a non-breaking hyphen",
    "\u2012": "a figure dash (‒)",
    "\u2013": "an en dash (–)",
    "\u2014": "an em dash (—)",
    "\u2015": "a horizontal bar (―)",
    "\u2212": "a minus sign (−)",
    "\ufe58": "a small em dash (﹘)",
    "\ufe63": "a small hyphen-minus (﹣)",
    "\uff0d": "a full-width hyphen-minus (－)",
}
# Parentheses as CJK input methods (full-width) and small forms write them: grouping, as '(' and ')' are, but only
# where they stand as operators (`_wide_paren_groups`). Glued to text they stay the text they were: Japanese writes
# company names with them (（株）ソニー, ソニー（株）: "Co., Ltd."), one phrase as before, never a loose 株 that
# finds 株価.
_OPEN = "(（﹙"
_CLOSE = ")）﹚"
_PARENS = _OPEN + _CLOSE
_WIDE_OPEN = "（﹙"
_WIDE_CLOSE = "）﹚"


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()" or ch in _WIDE_CLOSE or (ch in _WIDE_OPEN and _wide_paren_groups(text, i)):
            toks.append(_Tok("LPAREN" if ch in _OPEN else "RPAREN", i + 1, ch))
            i += 1
        elif ch in QUOTE_CLOSERS:
            closers = QUOTE_CLOSERS[ch]
            end = _find_quote_end(text, i + 1, closers)
            if end < 0:
                how = "" if ch in _ENGLISH_QUOTES else f": a phrase opened with {ch} ends with {' or '.join(closers)}"
                raise QuerySyntaxError(f"unclosed quote opened at column {i + 1}{how}", n + 1)
            phrase = text[i + 1 : end]
            _refuse_inner_question_mark(phrase, i + 2)
            _refuse_inner_cashtag(phrase, i + 2, "in a phrase")
            prefix, infix = _stars(phrase, i + 2)
            tokens = tuple(tokenize(phrase))
            if not tokens:
                raise QuerySyntaxError(f"empty phrase: put words or emoji between the quotes ({_UNSEARCHABLE})", i + 1)
            i = end + 1
            lang = None
            if _PROXIMITY.match(text, i):
                raise QuerySyntaxError(_proximity_message(text[i - 2 - len(phrase) : i], tokens, text, i + 1), i + 1)
            if text[i : i + 1] == "~":
                j = i + 1
                while j < n and text[j].isascii() and text[j].isalpha():
                    j += 1
                if prefix or infix:
                    _prefix_and_inflect(f'"{phrase}"{text[i:j]}', text[i:j], i + 1)
                lang, i = _inflect_lang(text[i + 1 : j], tokens, i + 1), j
            written = " ".join(phrase.translate(_INNER_QUOTES).split())
            term = Term(written, tokens, quoted=True, inflect=lang, prefix=prefix, infix=infix)
            toks.append(_Tok("LEAF", end - len(phrase), phrase, term))
        else:
            j = _chunk_end(text, i)
            k = i
            while k < j and text[k] in DASHES:
                k += 1
            if k < j and text[k] in _SINGLE_QUOTES and (close := _single_quote_end(text, k)) > 0:
                raise QuerySyntaxError(
                    f"{text[k : close + 1]}: single quotes do not make a phrase (the quotes are dropped and the "
                    f'words searched apart); use double quotes: "{text[k + 1 : close]}"',
                    k + 1,
                )
            _lex_chunk(text[i:j], i + 1, text[j : j + 1], toks)
            i = j
    toks.append(_Tok("EOF", n + 1))
    return toks


def _chunk_end(text: str, i: int) -> int:
    """Where the plain chunk (a word, an operator, a field) starting at `text[i]` ends: at whitespace, a quote,
    an ASCII parenthesis, or a full-width one that groups. A full-width '（' glued after text opens a literal
    pair (ソニー（株）), whose '）' stays text too; one right after the chunk's leading NOTs groups as at its start."""
    n, j, literal = len(text), i, 0
    while j < n and not text[j].isspace() and text[j] not in "()" and text[j] not in QUOTE_CLOSERS:
        ch = text[j]
        if ch in _WIDE_OPEN:  # at j == i only when `_lex` found it does not group
            if j > i and all(c in DASHES for c in text[i:j]) and _wide_paren_groups(text, j):
                break  # '－（stock OR shares）': NOT, then a group
            literal += 1
        elif ch in _WIDE_CLOSE and j > i:
            if not literal:
                break  # 'ipad）': the end of a group
            literal -= 1
        j += 1
    return j


def _wide_paren_groups(text: str, i: int) -> bool:
    """Whether the full-width '（' at `text[i]`, where a chunk starts, opens a group: not when it opens a one-word
    pair glued to text after its '）' (（株）ソニー), which stays one phrase, as before full-width grouping."""
    n, k = len(text), i + 1
    while k < n and not text[k].isspace() and text[k] not in _PARENS and text[k] not in QUOTE_CLOSERS:
        k += 1
    glued_after = k + 1 < n and not text[k + 1].isspace() and text[k + 1] not in _CLOSE
    return not (k < n and text[k] in _WIDE_CLOSE and k > i + 1 and glued_after)


def _find_quote_end(text: str, start: int, closers: str) -> int:
    """The index of the first of `closers` at or after `start`, or -1."""
    for k in range(start, len(text)):
        if text[k] in closers:
            return k
    return -1


def _lex_chunk(chunk: str, pos: int, following: str, toks: list[_Tok]) -> None:
    # '-term' and '-(...)' are NOT, as on X (so is any of `DASHES`); a lone '-' elsewhere is not a term. A loop,
    # not recursion, so a run of dashes is bounded by MAX_DEPTH in the parser, not by the stack.
    while chunk[0] in DASHES:
        if len(chunk) == 1:
            if following and following in _OPEN:
                toks.append(_Tok("NOT", pos, "-"))
                return
            name = DASHES[chunk]
            also = "" if chunk == "-" else ", as '-' does"
            raise QuerySyntaxError(f"{name} must be followed by a term or '(' (it means NOT{also})", pos)
        toks.append(_Tok("NOT", pos, "-"))
        chunk, pos = chunk[1:], pos + 1
    # Operators as written in full width (ＯＲ, ＮＥＡＲ/３: a CJK input method's full-width mode): NFKC makes them
    # ASCII, one character for one, so the columns of later errors stay right.
    plain = unicodedata.normalize("NFKC", chunk) if not chunk.isascii() else chunk
    upper = plain.upper()
    if upper in ("AND", "OR", "NOT"):
        toks.append(_Tok(upper, pos, chunk))
        return
    near = _NEAR.fullmatch(plain) if len(plain) == len(chunk) else None
    if near:
        toks.append(_Tok("NEAR", pos, chunk, distance=_near_distance(near.group(1), pos)))
        return
    if chunk[0] in "#＃@＠$＄" and (star := _first_star(chunk)) >= 0:
        kind = {"#": "#hashtags", "＃": "#hashtags", "$": "$cashtags", "＄": "$cashtags"}.get(chunk[0], "@handles")
        raise QuerySyntaxError(
            f"'{chunk}': '*' makes a word a prefix; {kind} are matched whole: write each one out, joined by OR",
            pos + star,
        )
    if chunk[0] in "#＃":
        body = normalize(chunk[1:])
        if not _HASHTAG_BODY.fullmatch(body):
            raise QuerySyntaxError(f"bad hashtag '{chunk}': use letters, digits and _ after '#'", pos)
        toks.append(_Tok("LEAF", pos, chunk, Hashtag(body)))
        return
    if chunk[0] in "$＄":
        body = normalize(chunk[1:])
        if not _CASHTAG_BODY.fullmatch(body):
            raise QuerySyntaxError(
                f"bad cashtag '{chunk}': a cashtag is '$', a letter, then at most 9 letters or digits, and an "
                "optional class ('.B'), as $AAPL or $BRK.B; to search for an amount, quote it (\"$100\": the "
                "number 100)",
                pos,
            )
        toks.append(_Tok("LEAF", pos, chunk, Cashtag(body)))
        return
    if chunk[0] in "@＠":
        body = normalize(chunk[1:]).rstrip(".-")
        if not _HANDLE_BODY.fullmatch(body):
            raise QuerySyntaxError(f"bad handle '{chunk}': use letters, digits, _ . - after '@'", pos)
        toks.append(_Tok("LEAF", pos, chunk, Handle(body)))
        return
    field = _FIELD.fullmatch(chunk)
    if field and not field.group(2).startswith("//"):
        name, value = field.group(1).lower(), field.group(2)
        if name != "lang":
            raise QuerySyntaxError(
                f"unknown operator '{field.group(1)}:'; the only field operator is lang:xx "
                f'(quote it, "{chunk}", to search for the text)',
                pos,
            )
        code = value.lower()
        if code != UNKNOWN_LANG and not _LANG_CODE.fullmatch(code):
            raise QuerySyntaxError(
                f"bad language code '{value}': use an ISO 639 code such as lang:en, or lang:{UNKNOWN_LANG}", pos + 5
            )
        # Stored languages are base codes (core/lang_tags.py): lang:ko-KR is lang:ko; lang:unknown, none.
        toks.append(_Tok("LEAF", pos, chunk, Lang(lang_tag(code) or UNKNOWN_LANG)))
        return
    _refuse_foreign(chunk, pos)
    if _STRAY_INFLECT.fullmatch(chunk):
        raise QuerySyntaxError(f"'{chunk}' needs a word before it", pos)
    tilde = chunk.rfind("~")
    if tilde > 0 and _first_star(chunk) >= 0:
        _prefix_and_inflect(chunk, chunk[tilde:], pos + tilde)
    inflect = _INFLECT.fullmatch(chunk)
    word = inflect.group(1) if inflect else chunk
    _refuse_inner_question_mark(word, pos)
    _refuse_inner_cashtag(word, pos, "inside a word")
    prefix, infix = _stars(word, pos)
    tokens = tuple(tokenize(word))
    if not tokens:
        raise QuerySyntaxError(f"'{chunk}' has no letters, digits or emoji to search for ({_UNSEARCHABLE})", pos)
    lang = _inflect_lang(inflect.group(2), tokens, pos + len(word)) if inflect else None
    toks.append(_Tok("LEAF", pos, chunk, Term(word, tokens, inflect=lang, prefix=prefix, infix=infix)))


# Other tools' syntax, which the tokens would silently drop (so the query would mean something else): each is
# refused with what to write here (docs/query-language.md, "Syntax from other tools").
_SINGLE_QUOTES = "'‘"
_SINGLE_CLOSERS = "'’"
# '+' or '#' after a one-letter word: c++, c#, f#, A+. Tokens drop them, leaving a one-letter word that finds
# unrelated posts ('c' finds "Plan C"). After a longer word the sign is trailing punctuation and the word is what
# is searched, as always (Disney+ is the word disney; Canal+, Apple TV+, iPhone 6+ likewise); in double quotes
# nothing is refused, so "C++" is the way to search for the letter c on purpose.
_GLUED_SIGNS = re.compile(r"([^\W\d_])([+#＋＃]+)")
# Hints for the languages these name; any other letter gets the quoting hint.
_SIGN_HINTS = {("c", "+"): "cpp OR cplusplus OR #cpp", ("c", "#"): "csharp OR #csharp", ("f", "#"): "fsharp OR #fsharp"}
# Lucene's shapes only, at the end of a word (`_latin_word`): fuzzy `apple~2` / `apple~0.8`, boost `apple^2`. A '~'
# or '^' elsewhere is text as before: ranges (10~20代, 3~5일) and emoticons (Kpop^^).
_FUZZY = re.compile(r"(.+)(~)\d+(?:\.\d+)?", re.DOTALL)
_BOOST = re.compile(r"(.+)(\^)\d+(?:\.\d+)?", re.DOTALL)
# A proximity: `"apple pie"~3` (right after a phrase), or `~3` written apart from it.
_PROXIMITY = re.compile(r"~\d+(?:\.\d+)?(?=$|[\s()）﹚])")
_STRAY_PROXIMITY = re.compile(r"~\d+(?:\.\d+)?")
# Words that open with an apostrophe or end with one in ordinary English, never a single-quoted phrase:
# 'tis the season, rock 'n roll, '90s (a digit), Dunkin' Donuts, Guns N' Roses (one letter or -in').
_ELIDED_OPENERS = frozenset({"n", "tis", "twas", "em", "til", "cause", "bout", "round", "nuff", "sup", "cos"})
_ELIDED_CLOSER = re.compile(r"(?:.*in|[^\W\d_])", re.IGNORECASE | re.DOTALL)
_OPERATORS = frozenset({"AND", "OR", "NOT"})  # and NEAR/n


def _latin_word(word: str) -> bool:
    """A word of Latin letters and digits with at least one letter (apple, iPhone6): the words Lucene's `~2` and
    `^2` are written after."""
    return (word.isalnum() and any(c.isalpha() for c in word)
            and all("LATIN" in unicodedata.name(c, "") for c in word if c.isalpha()))


def _single_quote_end(text: str, start: int) -> int:
    """Where the single quote at `text[start]` (at the start of a word) closes several words quoted as other tools
    quote a phrase ('apple pie'), or -1. The closer is looked for only in the same run of plain words (up to an
    operator, a parenthesis or a double quote), and -1 too when the quotes hold one word ('R' is R: nothing
    changes) or when either end is an ordinary apostrophe ('90s, 'tis, 'n, Dunkin', N')."""
    end = start + 1
    while end < len(text) and text[end] not in _PARENS and text[end] not in QUOTE_CLOSERS:
        end += 1
    run = text[start:end]
    for word in re.finditer(r"\S+", run):
        plain = unicodedata.normalize("NFKC", word.group())
        if word.start() and (plain.upper() in _OPERATORS or _NEAR.fullmatch(plain)):
            run = run[: word.start()]  # 'a OR b': the run of plain words ends at the operator
            break
    for k in range(1, len(run)):
        if run[k] in _SINGLE_CLOSERS and run[k - 1].isalnum() and (k + 1 == len(run) or run[k + 1].isspace()):
            inner = run[1:k]
            first, last = inner.split()[0] if inner.split() else "", inner.split()[-1] if inner.split() else ""
            if (not any(c.isspace() for c in inner) or not first[:1].isalpha()
                    or first.lower() in _ELIDED_OPENERS or _ELIDED_CLOSER.fullmatch(last)):
                return -1
            return start + k
    return -1


def _proximity_message(phrase: str, tokens: tuple[str, ...], text: str, pos: int) -> str:
    """What `"a b"~3` (Brandwatch's, Talkwalker's and Lucene's proximity) is written as here."""
    distance = "".join(itertools.takewhile(str.isdigit, text[pos:]))
    example = f"{tokens[0]} NEAR/{distance} {tokens[-1]}" if len(tokens) > 1 else f"a NEAR/{distance} b"
    return (f"'{phrase}~{distance}': proximity is NEAR/n here (words at most n words apart): write {example}; "
            "'~' after a phrase or word is a language to inflect in (~en, ~ru)")


def _refuse_glued_signs(chunk: str, pos: int) -> None:
    """A bare one-letter word with '+' or '#' glued on (`c++`, `c#`, `f#`, `A+`) is a QuerySyntaxError: tokens drop
    the signs, so it would silently search the one letter ('c' finds "Plan C"). Longer words keep working
    (`Disney+` is the word disney), and a phrase is never refused: `"C++"` searches the letter on purpose."""
    written = chunk.rstrip(",;:.!?")
    glued = _GLUED_SIGNS.fullmatch(written)
    if not glued:
        return
    letter = unicodedata.normalize("NFKC", glued.group(1)).lower()  # ｃ＋＋ is c++
    sign = unicodedata.normalize("NFKC", glued.group(2)[0])
    hint = _SIGN_HINTS.get((letter, sign))
    fix = (f"write the words or hashtags posts use for it ({hint}), or quote it to search for the letter on purpose"
           if hint else f'write it in quotes with the word posts put beside it ("{written} rating"), or quote it '
           "to search for the letter on purpose")
    raise QuerySyntaxError(
        f"'{written}': '{sign}' is not searched (punctuation is dropped), so this would find the word "
        f"'{fold(letter)}' alone; {fix} (\"{written}\")",
        pos + 1,
    )


def _refuse_foreign(chunk: str, pos: int) -> None:
    """A word written in another tool's syntax that this language would silently read as something else: a
    QuerySyntaxError saying what to write here (Lucene's `!a`, `a^2`, `a~2`; Brandwatch's `{Apple}`; `.net`)."""
    head = chunk[0]
    if head in "!！" and len(chunk) > 1 and chunk[1].isalnum():
        raise QuerySyntaxError(f"'{chunk}': '!' is not NOT here (it would be dropped, finding {chunk[1:]}); "
                               f"write -{chunk[1:]} or NOT {chunk[1:]}", pos)
    if head == "{" or chunk.endswith("}"):
        inner = chunk.strip("{}")
        raise QuerySyntaxError(f"'{chunk}': matching ignores case and '{{}}' is not searched; write {inner}", pos)
    if (boost := _BOOST.fullmatch(chunk)) and _latin_word(boost.group(1)):
        raise QuerySyntaxError(f"'{chunk}': a boost ('^') is not supported (it would be searched as words); drop "
                               f"it: {boost.group(1)}", pos + boost.start(2))
    if _STRAY_PROXIMITY.fullmatch(chunk):  # 'a b ~3': a proximity written apart from its phrase
        raise QuerySyntaxError(_proximity_message("", ("a", "b"), chunk, 1), pos)
    if (fuzzy := _FUZZY.fullmatch(chunk)) and _latin_word(word := fuzzy.group(1)):
        raise QuerySyntaxError(
            f"'{chunk}': fuzzy matching ('~' and a number) is not supported (it would search the words "
            f"\"{' '.join(tokenize(chunk))}\"): write the spellings joined by OR ({word} OR another spelling), or "
            f"a prefix ({word[: max(MIN_PREFIX, len(word) - 1)]}*)",
            pos + fuzzy.start(2),
        )
    if head == "." and len(chunk) > 1 and chunk[1].isalnum():
        raise QuerySyntaxError(
            f"'{chunk}': the '.' is not searched (punctuation is dropped), so this would find the word "
            f"'{chunk[1:]}' alone (\"{chunk[1:]} income\"); make it specific: a phrase with the word before or after "
            f'it ("asp{chunk}", "{chunk} framework"), or a hashtag',
            pos,
        )
    _refuse_glued_signs(chunk, pos)


def _refuse_inner_question_mark(text: str, pos: int) -> None:
    """A '?' between two letters or digits (`lum?ra`: other tools' one-letter wildcard) is a QuerySyntaxError:
    tokens drop punctuation, so it would silently search the phrase "lum ra". A '?' ending a word ("broken?")
    is punctuation and stays allowed."""
    for k, ch in enumerate(text):
        if ch in "?？" and 0 < k < len(text) - 1 and text[k - 1].isalnum() and text[k + 1].isalnum():
            raise QuerySyntaxError(
                f"'{_word_around(text, k)}': '?' as a one-letter wildcard is not supported: write the spellings "
                "joined by OR (lumora OR lumara), or a prefix (lum*)",
                pos + k,
            )


# What the "nothing to search for" errors say is left out, so that a refused symbol is never a mystery.
_UNSEARCHABLE = f"punctuation, arrows, math and currency signs and {' '.join(WORD_DECORATIONS)} are not searched"


def _refuse_inner_cashtag(text: str, pos: int, where: str) -> None:
    """A cashtag inside a phrase or a word ('"$AAPL earnings"', 'buy,$AAPL') is a QuerySyntaxError: tokens drop
    '$', so it would silently search the word 'aapl' (any post saying AAPL), not the cashtag."""
    found = CASHTAG_PATTERN.search(normalize(text))
    if found:
        tag = "$" + found.group(1).upper()
        raise QuerySyntaxError(
            f"'{_word_around(text, found.start())}': a cashtag cannot stand {where} (its '$' would be dropped): "
            f'write {tag} as a term of its own, e.g. {tag} AND "earnings"',
            pos,
        )


def _first_star(text: str) -> int:
    return next((k for k, ch in enumerate(text) if ch in STARS), -1)


def _stars(text: str, pos: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The indices of the tokens of `text` (a word or a phrase's text; `pos`: the column of its first character)
    written with a '*' right after them (prefixes), and of the Hangul tokens written with a '*' right before them
    (infixes: `*과열`, also `*과열*`). Any other '*' is a QuerySyntaxError naming the fix: tokens drop punctuation,
    so a '*' the parser let through would be silently ignored ('overheat*' = 'overheat')."""
    found: list[int] = []
    infix: list[int] = []
    for k, ch in enumerate(text):
        if ch not in STARS:
            continue
        word = _word_around(text, k)
        before = normalize(text[:k])
        tokens = list(TOKEN_PATTERN.finditer(before))
        if not tokens or tokens[-1].end() != len(before):
            infix.append(_infix_after(text, k, word, len(tokens), pos))
            continue
        if k + 1 < len(text) and not text[k + 1].isspace():
            raise QuerySyntaxError(
                f"'{word}': '*' can only end a word (overheat*: every word that starts with overheat), not stand "
                'inside one; for a name written with a \'*\' (E*Trade), put a space there: "E Trade"',
                pos + k,
            )
        token = tokens[-1].group()
        if len(tokens) - 1 in infix:
            continue  # `*과열*`: the closing '*' of an infix, which already matches anywhere in the word
        if is_symbol(token):
            raise QuerySyntaxError(
                f"'{word}': an emoji or symbol is matched whole (👍 already finds every skin tone of it): "
                "drop the '*'",
                pos + k,
            )
        if is_hangul(token):
            raise QuerySyntaxError(
                f"'{word}': a Hangul word already matches every word that starts with it (삼성 finds 삼성은): "
                f"drop the '*', or put it before the word (*{token}) to find it inside a word too",
                pos + k,
            )
        if is_nospace(token):
            raise QuerySyntaxError(_NOSPACE_STAR.format(word=word), pos + k)
        if len(fold(token)) < MIN_PREFIX:
            raise QuerySyntaxError(
                f"'{word}': a prefix needs at least {MIN_PREFIX} letters or digits before the '*' (a shorter one "
                "matches too many words): write more of the word, or the whole words joined by OR",
                pos + k,
            )
        found.append(len(tokens) - 1)
    return tuple(found), tuple(infix)


_NOSPACE_STAR = (
    "'{word}': Chinese, Japanese, Thai, Lao, Khmer and Myanmar words are matched anywhere in the text "
    "(苹果 finds 苹果手机), so a '*' adds nothing: drop it"
)


def _infix_after(text: str, k: int, word: str, index: int, pos: int) -> int:
    """The '*' at `text[k]` starts a word: `index`, the index of the Hangul token right after it (an infix, `*과열`:
    Korean writes compounds without spaces, 충전중과열됨), or a QuerySyntaxError saying why not."""
    after = TOKEN_PATTERN.match(normalize(text[k + 1 :]))
    if after is None:
        raise QuerySyntaxError(
            f"'{word}': '*' goes right after a word, as in overheat* (every word that starts with overheat), or "
            "right before a Hangul word (*과열: every word that contains it); it cannot stand alone",
            pos + k,
        )
    token = after.group()
    if is_hangul(token):
        if len(fold(token)) < MIN_INFIX:
            raise QuerySyntaxError(
                f"'{word}': a Hangul infix needs at least {MIN_INFIX} characters after the '*' (one syllable is "
                "inside too many words): write more of the word",
                pos + k,
            )
        return index
    if is_nospace(token):
        raise QuerySyntaxError(_NOSPACE_STAR.format(word=word), pos + k)
    if is_symbol(token):
        raise QuerySyntaxError(f"'{word}': an emoji or symbol is matched whole: drop the '*'", pos + k)
    raise QuerySyntaxError(
        f"'{word}': a '*' before a word is only for Hangul (*과열 finds 충전중과열됨: Korean writes compounds without "
        f"spaces); elsewhere it would match inside unrelated words and make each search read every indexed word: "
        f"write the whole words joined by OR, or a prefix ({token}*)",
        pos + k,
    )


def _word_around(text: str, k: int) -> str:
    """The whitespace-delimited word of `text` holding position `k`, for error messages."""
    start = max(text.rfind(c, 0, k) for c in (" ", "\t", "\n")) + 1
    end = min([j for j in (text.find(c, k) for c in (" ", "\t", "\n")) if j >= 0] or [len(text)])
    return text[start:end]


def _prefix_and_inflect(written: str, suffix: str, pos: int) -> None:
    raise QuerySyntaxError(
        f"'{written}': '*' and '{suffix}' do not go together: overheat* already finds every word that starts with "
        f"overheat; drop one of them",
        pos,
    )


def _inflect_lang(code: str, tokens: tuple[str, ...], pos: int) -> str:
    """The language of a `~xx` suffix, checked: supported, stemmer installed, words in its script."""
    lang = code.lower()
    if lang not in stem.LANGUAGES:
        raise QuerySyntaxError(f"'~{code}' needs a language to inflect in: one of {stem.supported()}", pos)
    wrong = [t for t in tokens if is_symbol(t) or not stem.in_script(t, lang)]
    if wrong:
        raise QuerySyntaxError(
            f"'~{lang}' inflects {stem.script_of(lang)} words; '{wrong[0]}' is not one (drop ~{lang} for it)", pos
        )
    try:
        stem.check_available(lang)
    except stem.StemmerUnavailable as exc:
        raise QuerySyntaxError(str(exc), pos) from None
    return lang


def _near_distance(raw: str | None, pos: int) -> int:
    if raw is None or raw == "":
        raise QuerySyntaxError("NEAR needs a distance, e.g. NEAR/3", pos)
    if not raw.isdigit() or not 0 <= int(raw) <= MAX_NEAR:
        raise QuerySyntaxError(f"NEAR distance must be a whole number from 0 to {MAX_NEAR}, got '{raw}'", pos + 5)
    return int(raw)


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.i = 0
        self.depth = 0

    def enter(self, tok: _Tok) -> None:
        """One level deeper (a '(' or a NOT); refuse past MAX_DEPTH instead of exhausting the stack."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                f"query nests too deeply: at most {MAX_DEPTH} levels of parentheses and NOT", tok.pos
            )

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def need_operand(self, after: _Tok) -> None:
        nxt = self.peek()
        if nxt.kind not in _OPERAND_START:
            what = "the end of the query" if nxt.kind == "EOF" else f"'{nxt.text}' at column {nxt.pos}"
            op = "NEAR" if after.kind == "NEAR" else after.text.upper() if after.text != "-" else "'-'"
            raise QuerySyntaxError(f"{op} needs a term after it, found {what}", after.pos)

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek().kind == "OR":
            op = self.take()
            self.need_operand(op)
            items.append(self.parse_and())
        return _flat(Or, items)

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                op = self.take()
                self.need_operand(op)
            elif kind not in _OPERAND_START:
                break
            items.append(self.parse_unary())
        return _flat(And, items)

    def parse_unary(self) -> Node:
        if self.peek().kind == "NOT":
            op = self.take()
            self.need_operand(op)
            self.enter(op)
            node = Not(self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_near()

    def parse_near(self) -> Node:
        start = self.peek()
        left = self.parse_primary()
        if self.peek().kind != "NEAR":
            return left
        op = self.take()
        self.need_operand(op)
        right_tok = self.peek()
        if right_tok.kind == "NOT":
            _check_near_operand(Not(Or(())), right_tok)
        right = self.parse_primary()
        _check_near_operand(left, start)
        _check_near_operand(right, right_tok)
        if self.peek().kind == "NEAR":
            raise QuerySyntaxError("NEAR cannot be chained; join two NEARs with AND", self.peek().pos)
        return Near(left, right, op.distance)  # type: ignore[arg-type]

    def parse_primary(self) -> Node:
        tok = self.take()
        if tok.kind == "LEAF":
            assert tok.node is not None
            return tok.node
        if tok.kind == "LPAREN":
            if self.peek().kind == "RPAREN":
                raise QuerySyntaxError("empty parentheses", tok.pos)
            if self.peek().kind not in _OPERAND_START:
                nxt = self.peek()
                if nxt.kind == "EOF":
                    raise QuerySyntaxError(f"unclosed parenthesis opened at column {tok.pos}", nxt.pos)
                raise QuerySyntaxError(f"{nxt.text.upper()} needs a term before it", nxt.pos)
            self.enter(tok)
            inner = self.parse_or()
            close = self.peek()
            if close.kind != "RPAREN":
                raise QuerySyntaxError(f"unclosed parenthesis opened at column {tok.pos}", close.pos)
            self.take()
            self.depth -= 1
            return inner
        if tok.kind == "RPAREN":
            raise QuerySyntaxError("unmatched closing parenthesis", tok.pos)
        if tok.kind == "EOF":
            raise QuerySyntaxError("empty query", tok.pos)
        raise QuerySyntaxError(f"{tok.text.upper() if tok.kind != 'NEAR' else 'NEAR'} needs a term before it", tok.pos)


def _check_near_operand(node: Node, tok: _Tok) -> None:
    ok = isinstance(node, Term) or (isinstance(node, Or) and all(isinstance(i, Term) for i in node.items))
    if not ok:
        raise QuerySyntaxError(
            'NEAR joins words or "phrases" (or a parenthesised OR of them), not hashtags, cashtags, handles, '
            "lang: or AND/NOT groups",
            tok.pos,
        )


def _flat(kind: type[And] | type[Or], items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    return kind(tuple(flat))


def parse_tree(text: str) -> Node:
    """Parse `text`; raise QuerySyntaxError naming the column and the problem."""
    if len(text) > MAX_LENGTH:
        raise QuerySyntaxError(f"query is longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    parser = _Parser(_lex(text))
    tree = parser.parse_or()
    tail = parser.peek()
    if tail.kind == "RPAREN":
        raise QuerySyntaxError("unmatched closing parenthesis", tail.pos)
    if tail.kind != "EOF":  # pragma: no cover - parse_and consumes every operand start
        raise QuerySyntaxError(f"unexpected '{tail.text}'", tail.pos)
    return tree
