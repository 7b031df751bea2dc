"""Which of a brand's query words name the brand, and where a post names it: the one rule for what the
sentiment model reads as `@user` (nlp/model_text.py) and what is never an alert's key phrase (alerts/evidence.py).

A query says how to *find* a brand's posts, not which of its words are the brand: `Nothing AND (phone OR ear)`
finds the phone maker, but "phone" and "ear" are context, and "nothing" in "nothing works" is not the brand.
Reading every query word as `@user` turned "the camera is nothing special" into "the camera is @user special"
(5 of 16 review sentences changed label). The words that name the brand (`BrandNames.leaves`):

- the brand's name itself, and every alias (aliases are names by definition: docs/configuration.md);
- a query word, phrase or #hashtag that *is* the name or an alias, or starts or ends with one
  (`"Nothing Phone"`, `Lumor*`, `#coronabeer`);
- a query word or phrase that is one or more running words *of* the name or of an alias (`Shell` for the
  brand Royal Dutch Shell, `Nothing` for Nothing Technology, `Bush` for Jeb Bush): a query shortens a long
  name to the word people write, and that word is the brand where it stands;
- a query word, phrase, #hashtag, $cashtag or @handle that finds the brand on its own (the query matches a post
  holding only it: `ExxonMobil` in `Exxon OR ExxonMobil`, `#AAPL`): what finds a brand alone is one of its
  names, never a context word, which a query needs beside the name (`spill` in `Shell AND spill`).

A name that is also an everyday word is one the brand's query and aliases do not find on their own (its query
needs context beside it: `Nothing AND phone`, `(Shell AND oil) OR @shell`, or a phrase: `"Nothing Phone"`).
Where such a name is written with capitals ("Nothing", "BP"), a post names the brand only where the name's
words carry the same capitals, letter by letter (a query word that is a word of such a name or alias, with
that word's capitals: "Shell" of Royal Dutch Shell, never "a shell on the beach"): "nothing" mid-sentence
is the word, and so is "NOTHING" (a shouted "NOTHING WORKS" is the word far more often than the brand, and
masking a word that is not the brand changes what the sentence says, the error the review found; leaving a
shouted name unmasked only lets the name weigh as it did before masking existed). A sentence-initial
"Nothing beats it" still reads as the name: capitals cannot tell it apart. A name the query finds alone
(Lumora, Exxon, Apple in `Apple OR @Apple`) is matched case-folded, as matching finds it: its posts read
exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.query.ast import And, Cashtag, Handle, Hashtag, Lang, Near, Node, Not, Or, Term, positive_leaves
from core.query.match import Post, evaluate, folded_tokens, query_token_matches
from core.query.names import Span, Token, merge_spans, term_spans, text_tokens, with_sigil
from core.query.text import CASHTAG_PATTERN, HASHTAG_PATTERN, TOKEN_PATTERN, FoldedText, fold, search_tokens, tokenize

Leaf = Term | Hashtag | Cashtag | Handle


@dataclass(frozen=True)
class BrandNames:
    """A brand's naming words (module doc), decided once per brand."""

    leaves: tuple[Leaf, ...]  # the words, phrases and tags that name the brand
    names: tuple[tuple[str, ...], ...]  # folded tokens of the name and of each plain alias
    written: tuple[str, ...]  # the name's tokens as written, when its capitals tell it from an everyday word
    # Per name and plain alias: its folded tokens and, when its capitals tell it from an everyday word, its
    # tokens as written (else ()): what a query word that is some of its words is checked against.
    parts: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, name: str, query: Node, aliases: Sequence[Node] = ()) -> BrandNames:
        """The naming words of the brand `name`, found by the query tree `query` and the alias leaves `aliases`."""
        return _brand_names(name, query, tuple(aliases))

    def texts(self) -> list[str]:
        """Each naming word or phrase as text (a tag without its sign): what key phrases leave out."""
        return [leaf.bare_text if isinstance(leaf, Term) else _leaf_text(leaf)[1:] for leaf in self.leaves]

    def spans(self, text: str) -> list[Span]:
        """Sorted, non-overlapping spans of `text` where the brand is named (module doc), a '#' or '@' before
        a name included; @handles are left to nlp/normalize.py, which reads every one as `@user`."""
        if not text:
            return []
        cut = FoldedText.of(text)
        tokens = text_tokens(cut)
        found: list[Span] = []
        for leaf in self.leaves:
            if isinstance(leaf, Handle):
                continue
            if isinstance(leaf, Hashtag):
                hits = HASHTAG_PATTERN.finditer(cut.folded)
                found += [cut.span(m.start(), m.end()) for m in hits if m.group(1) == fold(leaf.tag)]
            elif isinstance(leaf, Cashtag):
                hits = CASHTAG_PATTERN.finditer(cut.folded)
                found += [cut.span(m.start(), m.end()) for m in hits if m.group(1) == leaf.tag]
            else:
                found += term_spans(cut, tokens, leaf, self._capitals_check(text, cut, tokens, leaf))
        return merge_spans([with_sigil(text, span) for span in found])

    def _capitals_check(
        self, text: str, cut: FoldedText, tokens: list[Token], term: Term
    ) -> Callable[[int], bool] | None:
        """For an everyday-word name: a test that a match of `term` at token i writes the name's words with
        the name's capitals (where the term starts or ends with the name). None: every match names the brand."""
        name = self.names[0] if self.names else ()
        m, k = len(name), len(term.tokens)
        query = folded_tokens(term.tokens)
        offsets = [o for o in {0, k - m} if m <= k and _runs_match(query[o : o + m], name, term, o)]
        if not offsets:
            return self._part_capitals_check(text, cut, tokens, term) if self.written or self.parts else None
        if not self.written:
            return None

        def accept(i: int) -> bool:
            for o in offsets:
                found = [text[slice(*cut.span(s, e))] for _, s, e in tokens[i + o : i + o + m]]
                if not all(_same_capitals(f, w) for f, w in zip(found, self.written, strict=True)):
                    return False
            return True

        return accept

    def _part_capitals_check(
        self, text: str, cut: FoldedText, tokens: list[Token], term: Term
    ) -> Callable[[int], bool] | None:
        """For a query word that is some running words of a name or alias (`Shell` of Royal Dutch Shell): a test
        that a match at token i carries those words' capitals. None: the words are matched in any case."""
        found_in = [(p, written) for source, written in self.parts for p in _part_offsets(term, source)]
        if not found_in or any(not written for _, written in found_in):
            return None
        k = len(term.tokens)

        def accept(i: int) -> bool:
            found = [text[slice(*cut.span(s, e))] for _, s, e in tokens[i : i + k]]
            return any(all(_same_capitals(f, w) for f, w in zip(found, written[p : p + k], strict=True))
                       for p, written in found_in)  # fmt: skip

        return accept


@lru_cache(maxsize=256)
def _brand_names(name: str, query: Node, aliases: tuple[Node, ...]) -> BrandNames:
    name_term = _name_term(name)
    alias_leaves = [leaf for root in aliases for leaf in positive_leaves(root)]
    alias_terms = [leaf for leaf in alias_leaves if isinstance(leaf, Term)]
    sources = [(tuple(search_tokens(name)), name)] if name_term else []
    sources += [(folded_tokens(leaf.tokens), leaf.bare_text) for leaf in alias_terms]
    sources = [(n, text) for n, text in sources if n]
    names = [n for n, _ in sources]
    leaves: list[Leaf] = [name_term] if name_term else []
    leaves += alias_leaves
    for leaf in positive_leaves(query):
        if leaf not in leaves and (_alone_finds(leaf, query) or _is_named(leaf, names) or _is_part(leaf, names)):
            leaves.append(leaf)
    roots = (query, *aliases)
    everyday = bool(name_term) and not any(_finds(root, name) for root in roots)
    written = _written(name, everyday)
    same = bool(written) and len(written) == len(names[0])  # capitals are checked token by token
    parts = tuple((n, w if len(w := _written(text, everyday)) == len(n) else ()) for n, text in sources)
    return BrandNames(tuple(leaves), tuple(names), tuple(written) if same else (), parts if everyday else ())


def _written(text: str, everyday: bool) -> tuple[str, ...]:
    """`text`'s tokens as written, when the brand is named by an everyday word and `text` has capitals."""
    if not everyday or text == text.lower():
        return ()
    return tuple(TOKEN_PATTERN.findall(" ".join(text.split())))


def _name_term(name: str) -> Term | None:
    """The brand's name as a phrase, as an alias is matched (core/query/aliases.py)."""
    text = " ".join(name.split())
    tokens = tuple(tokenize(text))
    return Term(text, tokens, quoted=True) if tokens else None


def _leaf_text(leaf: Leaf) -> str:
    if isinstance(leaf, Term):
        return leaf.bare_text
    sign = "#" if isinstance(leaf, Hashtag) else "$" if isinstance(leaf, Cashtag) else "@"
    return sign + (leaf.tag if isinstance(leaf, Hashtag | Cashtag) else leaf.handle)


def _alone_finds(leaf: Leaf, query: Node) -> bool:
    """Whether the query matches a post holding only this leaf's words (`Exxon OR ExxonMobil`: ExxonMobil)."""
    return _finds(query, _leaf_text(leaf))


def _finds(root: Node, text: str) -> bool:
    """Whether the tree matches a post of just `text`, in no language or any language it names (`lang:en`)."""
    return any(evaluate(root, Post.of(text, lang)) for lang in (None, *sorted(set(_langs(root)))))


def _langs(node: Node) -> Iterator[str]:
    if isinstance(node, Lang):
        yield node.code
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from _langs(item)
    elif isinstance(node, Not):
        yield from _langs(node.item)
    elif isinstance(node, Near):
        yield from _langs(node.left)
        yield from _langs(node.right)


def _is_named(leaf: Leaf, names: list[tuple[str, ...]]) -> bool:
    """Whether a query leaf is a name, or a phrase or #hashtag starting or ending with one."""
    if isinstance(leaf, Hashtag):
        tag = fold(leaf.tag)
        return any(tag.startswith(j) or tag.endswith(j) for j in ("".join(n) for n in names))
    if not isinstance(leaf, Term):
        return False
    query, k = folded_tokens(leaf.tokens), len(leaf.tokens)
    return any(_runs_match(query[: len(n)], n, leaf, 0) or _runs_match(query[k - len(n) :], n, leaf, k - len(n))
               for n in names if len(n) <= k)  # fmt: skip


def _is_part(leaf: Leaf, names: list[tuple[str, ...]]) -> bool:
    """Whether a query word or phrase is some running words of a name or alias (`Shell` of Royal Dutch Shell),
    or a #hashtag of them written together (`#dutchshell`)."""
    if isinstance(leaf, Hashtag):
        tag = fold(leaf.tag)
        return any(tag == "".join(n[p:q]) for n in names for p in range(len(n)) for q in range(p + 1, len(n) + 1))
    return isinstance(leaf, Term) and any(_part_offsets(leaf, n) for n in names)


def _part_offsets(term: Term, name: Sequence[str]) -> list[int]:
    """Where in `name` the term's tokens run, when the term is shorter than the name (the whole name is `_is_named`)."""
    query, k = folded_tokens(term.tokens), len(term.tokens)
    return [p for p in range(len(name) - k + 1) if k < len(name) and _runs_match(query, name[p : p + k], term, 0)]


def _runs_match(query: Sequence[str], name: Sequence[str], term: Term, offset: int) -> bool:
    """Whether the term's tokens from `offset` match the name's tokens, token by token, as they would in a post."""
    if len(query) != len(name):
        return False
    pairs = enumerate(zip(query, name, strict=True))
    return all(
        query_token_matches(q, n, term.inflect, offset + j in term.prefix, offset + j in term.infix)
        for j, (q, n) in pairs
    )


def _same_capitals(found: str, written: str) -> bool:
    """Whether `found` has the capitals of `written`, letter by letter ("Nothing" yes; "nothing", "NOTHING" no)."""
    return all(f.isupper() == w.isupper() for f, w in zip(found, written, strict=False) if w.isalpha())
