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

import re
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


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok("LPAREN" if ch == "(" else "RPAREN", i + 1, ch))
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
            j = i
            while j < n and not text[j].isspace() and text[j] not in "()" and text[j] not in QUOTE_CLOSERS:
                j += 1
            _lex_chunk(text[i:j], i + 1, text[j : j + 1], toks)
            i = j
    toks.append(_Tok("EOF", n + 1))
    return toks


def _find_quote_end(text: str, start: int, closers: str) -> int:
    """The index of the first of `closers` at or after `start`, or -1."""
    for k in range(start, len(text)):
        if text[k] in closers:
            return k
    return -1


def _lex_chunk(chunk: str, pos: int, following: str, toks: list[_Tok]) -> None:
    # '-term' and '-(...)' are NOT, as on X; a lone '-' elsewhere is not a term. A loop, not
    # recursion, so a run of dashes is bounded by MAX_DEPTH in the parser, not by the stack.
    while chunk.startswith("-"):
        if len(chunk) == 1:
            if following == "(":
                toks.append(_Tok("NOT", pos, "-"))
                return
            raise QuerySyntaxError("'-' must be followed by a term or '(' (it means NOT)", pos)
        toks.append(_Tok("NOT", pos, "-"))
        chunk, pos = chunk[1:], pos + 1
    upper = chunk.upper()
    if upper in ("AND", "OR", "NOT"):
        toks.append(_Tok(upper, pos, chunk))
        return
    near = _NEAR.fullmatch(chunk)
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
