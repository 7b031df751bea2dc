"""Which post's story a repost tells: the one rule that collection's copies (`groundswell/copies.py`) and the
backtest's shares (`alerts/backtest_shares.py`) both call, so a backtest rebuilds the shares collection records.

A post owns keys (the caller prefixes them: collection keeps them in state as ``copy:<key>``), and a repost
(`core.mention.is_repost`) looks them up, in this order, to find the stored post it copies (`original_of`):
- ``repost:<brand>:<repost_of>`` (`repost_keys`): owned by a post marked as a repost of `extra.repost_of` (an X
  retweet read through the API, any extractor's boost), which carries no `RT @` prefix to key its story on.
- ``head:<brand>:<author>:<hash of the first HEAD normalised characters>`` (`head_keys`): owned by every post, a
  `RT @author:` retweet for its original's author. X cuts a retweet at 140 characters ("RT @ann: " included) and
  ends it with an ellipsis, so its fingerprint is not its original's: a head key only names a candidate, and
  `same_story` compares the texts.
- ``retweet:<brand>:<author>:<hash of the text>`` (`retweet_keys`): owned by a `RT @author:` retweet, its whole
  text as written (links and the cut word kept). Identical retweets are copies of one another whoever owns their
  head key: it has one owner per author and start, and a stand-in for another of the author's posts that starts
  alike is no owner of theirs (tried after the head key, so an original that took the story over keeps it).
- the post `extra.repost_of` names, when it is stored.
- ``text:<brand>:<fingerprint>`` (`text_keys`): owned by a post that is no repost; a repost with the same
  fingerprint tells its story, but this key knows no author (two people may write the same words): a repost that
  names whose story it tells (`RT @bob:`, or `extra.repost_of`) takes its owner only when the owner is by bob (or is
  the post it names). Tried first, it credited `RT @bob: <text>` to ann's earlier post of the same words.

So the first repost stored of an original that is not stored stands for it (a stand-in), and later reposts of the
same story are its copies. When the original is collected after its stand-in, it takes the stand-in's keys over
(`takes_over`): later reposts are its copies, and the stand-in becomes a share of the original, with its shares
(collection: `groundswell.copies.CopyIndex.merge_stand_ins`; a store an older version wrote: the one-time pass,
`CopyIndex.index_heads`, which also merges any other row stored that this rule calls a copy of an earlier one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from core.mention import Mention, is_cut_repost, is_repost, reposted_author, story_text

# Normalised characters of a story's start that key it (`head_keys`). A retweet X cut short keeps at least this
# many: the shortest of the GOP stream's 2,692 keeps 47 (`python -m tools.brands.stories` measures what it finds).
# A cut story shorter than this (`same_story`) is too little to tell two of its author's posts apart: both kept.
HEAD = 40


def story(mention: Mention) -> tuple[str, str, bool] | None:
    """(author, text, cut short) of the story a post tells: a `RT @author:` retweet tells its original's (the author
    its prefix names), any other post its own; the text is `core.mention.story_text`. None for a post marked as a
    repost without naming whose (`extra.repost_of`), or without an author or words."""
    text = mention.text
    author = reposted_author(text)
    if author is None:
        if is_repost(mention):
            return None
        author = ((mention.author.handle or "") if mention.author else "").lstrip("@").casefold()
    words = story_text(text)
    return (author, words, is_cut_repost(text)) if author and words else None


def repost_of(mention: Mention) -> str | None:
    """The id of the post a marked repost reposts (`extra.repost_of`, a mention id), if any."""
    value = mention.extra.get("repost_of")
    return str(value) if value else None


def _brands(mention: Mention) -> list[str | None]:
    return list(mention.brands) or [None]


def text_keys(mention: Mention) -> list[str]:
    """One fingerprint key per brand of the mention: a repost copies a post already stored for that brand."""
    return [f"text:{brand}:{mention.dedup_key()}" for brand in _brands(mention)]


def head_keys(mention: Mention) -> list[str]:
    """One key per brand for the start of the story a post tells (its author and first `HEAD` characters)."""
    told = story(mention)
    if told is None:
        return []
    author, words, _ = told
    head = hashlib.sha1(words[:HEAD].encode("utf-8")).hexdigest()[:20]
    return [f"head:{brand}:{author}:{head}" for brand in _brands(mention)]


def retweet_keys(mention: Mention) -> list[str]:
    """One key per brand for a `RT @author:` retweet's whole text: an identical retweet is its copy."""
    author = reposted_author(mention.text)
    if author is None:
        return []
    # Its text as written, links included (a fingerprint drops them: two link posts would be one), spaces aside.
    exact = hashlib.sha1(" ".join(mention.text.split()).casefold().encode("utf-8")).hexdigest()[:20]
    return [f"retweet:{brand}:{author}:{exact}" for brand in _brands(mention)]


def repost_keys(mention: Mention) -> list[str]:
    """One key per brand for the post a marked repost reposts: a later repost of it copies the first one stored."""
    of = repost_of(mention)
    return [f"repost:{brand}:{of}" for brand in _brands(mention)] if of else []


def owned_keys(mention: Mention) -> list[str]:
    """The keys a stored post owns: its text per brand unless it is a repost, its story's start, a retweet's whole
    text, what it reposts."""
    return (([] if is_repost(mention) else text_keys(mention)) + head_keys(mention) + retweet_keys(mention)
            + repost_keys(mention))


def lookups(mention: Mention) -> list[str]:
    """The keys whose owner a repost may copy, in the order `original_of` tries them; none for other posts."""
    if not is_repost(mention):
        return []
    return [*repost_keys(mention), *head_keys(mention), *retweet_keys(mention), *text_keys(mention)]


def takeover_keys(mention: Mention) -> list[str]:
    """The keys a post that is no repost takes from its stand-in (`takes_over`): its story's start, and the
    repost keys naming it (which it never owns otherwise: one state entry per post would be kept for nothing)."""
    if is_repost(mention):
        return []
    return head_keys(mention) + [f"repost:{brand}:{mention.id}" for brand in _brands(mention)]


def same_story(mention: Mention | Brief, owner: Mention | Brief | None) -> bool:
    """Whether `mention` (a repost) tells `owner`'s story: the same author, and the same text, or one of the two is
    cut short and the other goes on from where it stops, the cut one's story at least `HEAD` characters (a shorter
    one may start two of its author's posts). Two posts that only start alike stay two."""
    mine, theirs = brief(mention).told, brief(owner).told if owner is not None else None
    if mine is None or theirs is None or mine[0] != theirs[0]:
        return False
    if mine[2] or theirs[2]:
        if min(len(mine[1]), len(theirs[1])) < HEAD:
            return False
    return (mine[1] == theirs[1] or (mine[2] and theirs[1].startswith(mine[1]))
            or (theirs[2] and mine[1].startswith(theirs[1])))


@dataclass(frozen=True)
class Brief:
    """What this rule reads of a stored post (`same_story`, `takes_over`): what a pass over a whole store keeps of
    each post instead of the post (`groundswell.copies.CopyIndex.index_heads`)."""

    id: str
    told: tuple[str, str, bool] | None  # `story`
    repost: bool  # `core.mention.is_repost`
    of: str | None  # `repost_of`


def brief(post: Mention | Brief) -> Brief:
    """`post`'s `Brief` (itself when it is one)."""
    if isinstance(post, Brief):
        return post
    return Brief(post.id, story(post), is_repost(post), repost_of(post))


def _author(post: Mention | Brief | None) -> str | None:
    """The author (as `story` writes it) of a stored post that is no repost, "" when it has none (a stream that
    keeps no authors); None for a repost or a post that could not be read."""
    if post is None:
        return None
    told = brief(post)
    if told.repost:
        return None
    return told.told[0] if told.told is not None else ""


def original_of(mention: Mention, owner: Callable[[str], str | None],
                post: Callable[[str], Mention | Brief | None]) -> str | None:
    """The id of the post `mention` (a repost) copies, or None. `owner(key)` gives a key's owner other than
    `mention` itself, `post(id)` reads a post (None when it cannot). A repost that names its original (a `RT @author`
    prefix, or `extra.repost_of`) tries the keys that know whose story it is first: its repost key, a head key whose
    owner tells the same story, its retweet key (an identical retweet); then the post it is marked a repost of,
    when `post` has it. Its text key (author-blind: two people may write the same words) counts only when its owner
    is by the author the prefix names (or by no known author: nothing says it is another's), or is the post it is
    marked a repost of: else `RT @bob: <text>` would be credited to ann's earlier post of the same words. A repost
    that names neither takes its text key's owner."""
    if not is_repost(mention):
        return None
    named, of = reposted_author(mention.text), repost_of(mention)
    for key in repost_keys(mention):
        if (found := owner(key)) is not None:
            return found
    for key in head_keys(mention):
        if (found := owner(key)) is not None and same_story(mention, post(found)):
            return found
    for key in retweet_keys(mention):
        if (found := owner(key)) is not None:
            return found
    if of is not None and of != mention.id and (target := post(of)) is not None and not brief(target).repost:
        return of  # the post it reposts is stored (an X API retweet carries its original's id)
    for key in text_keys(mention):
        if (found := owner(key)) is None:
            continue
        if (named is None and of is None) or found == of or (named is not None and _author(post(found)) in (named, "")):
            return found
    return None


def takes_over(mention: Mention | Brief, holder: Mention | Brief | None) -> bool:
    """Whether `mention`, a post that is no repost, takes a key of `takeover_keys` from `holder`: a repost stored
    as a stand-in for it (marked as a repost of it, or telling its story)."""
    if holder is None:
        return False
    mine, theirs = brief(mention), brief(holder)
    if theirs.id == mine.id or mine.repost or not theirs.repost:
        return False
    return theirs.of == mine.id or same_story(theirs, mine)
