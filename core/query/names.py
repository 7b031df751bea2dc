"""Where a query's own words stand in a post, as character offsets, by the rules that matched it.

Highlighting marks every positive word of a query (`name_spans`, core/query/marked.py); the sentiment
model reads only the words that name a brand as `@user` (core/query/brand_names.py, on `term_spans`
here), so that a label cannot depend on what the brand is called. Both need the words' places in the
original text, found exactly as matching finds them (core/query/match.py): whole words in spaced
scripts, the start of a Hangul word (삼성은 → 삼성 + 은), where a Hangul infix stands inside one (`*과열`: 충전중 +
과열 + 됨), any run in unspaced scripts (Han, kana), stems where a term is inflected (`Люмора~ru` finds
Люморы), the whole word a prefix starts (`Lumor*` finds Lumoras), accents and case folded, `#tag` for
hashtags and `$tag` for cashtags. Negated words (`NOT "lumora beach"`) are not the brand and are never
returned. @handles need nothing here: nlp/normalize.py already reads every @handle as `@user`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.query.ast import Cashtag, Handle, Hashtag, Node, Term, positive_leaves
from core.query.match import folded_tokens, query_token_matches
from core.query.text import CASHTAG_PATTERN, HASHTAG_PATTERN, TOKEN_PATTERN, FoldedText, fold, is_hangul

Span = tuple[int, int]
Token = tuple[str, int, int]  # a folded token and its folded offsets


def name_spans(text: str, roots: Sequence[Node]) -> list[Span]:
    """Sorted, non-overlapping character spans of `text` where positive words of the query trees stand.

    A span right after '#' or '@' takes it too, so `#Lumora` and `@Lumora` are one name each."""
    if not text:
        return []
    cut = FoldedText.of(text)
    tokens = text_tokens(cut)
    found: list[Span] = []
    for root in roots:
        for leaf in positive_leaves(root):
            if isinstance(leaf, Handle):
                continue  # nlp/normalize.py reads every @handle as @user already
            if isinstance(leaf, Hashtag):
                tag = fold(leaf.tag)
                hits = HASHTAG_PATTERN.finditer(cut.folded)
                found += [cut.span(m.start(), m.end()) for m in hits if m.group(1) == tag]
            elif isinstance(leaf, Cashtag):
                hits = CASHTAG_PATTERN.finditer(cut.folded)
                found += [cut.span(m.start(), m.end()) for m in hits if m.group(1) == leaf.tag]
            else:
                found += term_spans(cut, tokens, leaf)
    return merge_spans([with_sigil(text, span) for span in found])


def text_tokens(cut: FoldedText) -> list[Token]:
    """The folded tokens of a cut text with their folded offsets: what `term_spans` reads."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(cut.folded)]


def term_spans(
    cut: FoldedText, tokens: list[Token], term: Term, accept: Callable[[int], bool] | None = None
) -> list[Span]:
    """Original spans where `term` matches the tokens of `cut`; `accept(i)`, when given, must also hold for the
    match starting at token `i` (a name that is an everyday word checks its capitals: core/query/brand_names.py)."""
    query = folded_tokens(term.tokens)
    k = len(query)
    spans = []
    for i in range(len(tokens) - k + 1):
        if all(
            query_token_matches(q, tokens[i + j][0], term.inflect, j in term.prefix, j in term.infix)
            for j, q in enumerate(query)
        ):
            if accept is not None and not accept(i):
                continue
            first_text, first_start, _ = tokens[i]
            last_text, last_start, last_end = tokens[i + k - 1]
            if k == 1 and 0 in term.infix:  # `*과열`: each place in the word it stands, not the word (충전중[과열]됨)
                spans += [cut.span(first_start + at, first_start + at + len(query[0]))
                          for at in _occurrences(first_text, query[0])]
                continue
            # An infix first word starts where it stands in its word (충전중[과열 배터리]).
            start = first_start + first_text.find(query[0]) if 0 in term.infix else first_start
            # A Hangul query word matches the start of a word: the particle after it is not the name; an infix last
            # word ends where it stands in its word. A prefix (`Lumor*`) never ends in Hangul (the parser refuses
            # it): the whole word it starts is the name.
            if k - 1 in term.infix:
                end = last_start + last_text.rfind(query[-1]) + len(query[-1])
            elif term.inflect is None and is_hangul(query[-1]):
                end = last_start + len(query[-1])
            else:
                end = last_end
            spans.append(cut.span(start, end))
    return spans


def _occurrences(text: str, part: str) -> list[int]:
    """Where `part` starts in `text`, each place, not overlapping (과열과열 has two)."""
    found, at = [], text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + len(part))
    return found


def with_sigil(text: str, span: Span) -> Span:
    """`span` with the '#' or '@' right before it, when there is one."""
    start, end = span
    return (start - 1, end) if start and text[start - 1] in "#＃@＠" else span


def merge_spans(spans: list[Span]) -> list[Span]:
    """Spans sorted, overlapping or touching ones joined."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def replace_spans(text: str, spans: Sequence[Span], placeholder: str) -> str:
    """`text` with each (sorted, non-overlapping) span replaced by `placeholder`, set apart by spaces so that
    it never joins the words around it (`我的Nordvik手机` → `我的 @user 手机`)."""
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], f" {placeholder} "]
        pos = end
    out.append(text[pos:])
    return "".join(out)
