"""Cross-source de-duplication at ingestion, so every count downstream counts a post once.

Two kinds of copy are dropped before storing (and counted in the collect report):
- the same canonical URL seen again (a news story found through RSS and Hacker News, a post found by two
  queries of different sources, one article in two RSS feeds, one Mastodon status through two instances),
  unless both posts come from one source, were written by different known authors and differ in text
  (`_link_copy`: two people linking one page are two posts);
- an explicit repost (`RT @x: …` or an extractor-set `extra.repost_of`) of a post
  already stored for the same brand;
- a `RT @x:` retweet of the story a post stored for the same brand tells (`_head_keys`, `_same_story`): by the
  author its prefix names, with the same text, or one the retweet's text starts (X cuts a retweet at 140
  characters and ends it with `…`, so its fingerprint is not its original's). The first retweet stored of an
  original that is not stored stands for that story, and later retweets of it are its copies, so its reposts are
  counted once and read as its shares (identical retweets are copies of one another, `copy:retweet:…`, even when
  another of the author's posts that starts alike holds the head key); a post marked as a repost
  (`extra.repost_of`) stands in the same way, keyed on the id it reposts (`copy:repost:…`). An original collected
  after its stand-in takes the story over, and the stand-in becomes its share, with its shares
  (`CopyIndex.merge_stand_ins`, the merge of the one-time pass): the store holds what collecting in order holds, so
  windowed backfills run in any order, or a late export, count the story once. The keys and the rule are
  `core.stories`'s (the backtest's shares call it too).

A copy that names a brand its original lacks gives the original that brand (`give_owners_brands`), so the
post counts once, for every brand either copy names.

Identical texts from *different* authors that are not marked as reposts are kept:
many people writing "Pulse overheating, recall it" is the crisis, not noise.
The index lives in the store's state (keys ``copy:url:…``, ``copy:text:…``, ``copy:head:…``, ``copy:retweet:…``,
``copy:repost:…``, value: the owner's mention id), so re-runs and other processes agree on it; a store written
before head keys gets them once, on the first lookup that needs them (`CopyIndex.index_heads`). Retention:
`CopyIndex.prune` drops the entries whose owner is no longer stored (retention deleted it), so a later post is not
called a copy of one the store no longer has. Retention deletes the mentions first and prunes the index afterwards
(a long pass on a big store), and a collect may run in between: so `split` also checks that the owners it finds are
still stored (one read per batch) and treats a key whose owner is gone as free, `remember` takes such a key over,
and `widen_owners` hands back the copies whose owner went between `split` and it, to be stored as originals. A stale
entry never drops a post.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from alerts.shares import Shares
from core import stories
from core.mention import Mention, is_repost, reposted_author
from extractors.base import CLOCK_SKEW
from groundswell.merged_word import CarriedWord, carry_word
from groundswell.sentiment_corrections import CORRECTION_PREFIX
from groundswell.shares import record_reposts
from groundswell.spam import OVERRIDE_PREFIX
from indexing.base import BRANDS, Filters, Store, is_no_longer_stored, stored_ids

log = logging.getLogger(__name__)

# Tracking parameters that never change what a URL points to.
_TRACKING = {"fbclid", "gclid", "ref_src", "ref_url", "igshid", "mc_cid", "mc_eid"}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in _TRACKING


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme/host, no 'www.', no fragment, no tracking parameters, no trailing '/'.

    None without a host, or for an unparsable URL (`http://[x`): one stranger's broken URL must cost its
    post the URL key only, not fail the whole batch it came in. Any other URL keeps the key it always had
    (scheme-relative and ftp links included): a stored post's key must not change under it."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.netloc:
        return None
    host = parts.netloc.lower().removeprefix("www.")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    return urlunsplit(("https", host, parts.path.rstrip("/") or "/", urlencode(sorted(query)), ""))


PREFIX = "copy:"


def _author_key(mention: Mention) -> str:
    author = mention.author
    return ((author.id or author.handle or "") if author else "").casefold()


def _link_copy(mention: Mention, owner: Mention | None) -> bool:
    """Whether sharing `owner`'s URL makes `mention` a copy of it. Not when both come from one source, were
    written by different known authors and say different things: two people's posts that link the same page (a
    brand's profile link in an export, a campaign URL) are two posts; the same story from another source (RSS
    and Hacker News) is one, and so is one Mastodon status read through two instances (its home URL, its text,
    but each instance's own id for its author). An owner that cannot be read keeps the URL rule as it was."""
    if owner is None or owner.source != mention.source:
        return True
    mine, theirs = _author_key(mention), _author_key(owner)
    if not (mine and theirs and mine != theirs):
        return True
    return mention.dedup_key() == owner.dedup_key()


def _url_key(mention: Mention) -> str | None:
    url = canonical_url(mention.url)
    return f"{PREFIX}url:{url}" if url else None


def _prefixed(keys: list[str]) -> list[str]:
    return [PREFIX + key for key in keys]


def _text_keys(mention: Mention) -> list[str]:
    """One fingerprint key per brand of the mention: a repost copies a post already stored for that brand."""
    return _prefixed(stories.text_keys(mention))


def _head_keys(mention: Mention) -> list[str]:
    """`core.stories.head_keys`, as state keys: a key only names a candidate (`core.stories.same_story`)."""
    return _prefixed(stories.head_keys(mention))


def _keys(mention: Mention) -> list[str]:
    """The keys a stored post owns: its URL, and its story's keys (`core.stories.owned_keys`: a repost stored
    because its original is not stands for that story, and later reposts of it are its copies)."""
    url = _url_key(mention)
    return ([url] if url else []) + _prefixed(stories.owned_keys(mention))


def _lookups(mention: Mention) -> list[str]:
    """The keys whose owner a new post may copy: its URL; a repost also its story's (`core.stories.lookups`)."""
    url = _url_key(mention)
    return ([url] if url else []) + _prefixed(stories.lookups(mention))


_HEAD_PREFIX = f"{PREFIX}head:"
_TEXT_PREFIX = f"{PREFIX}text:"
_REPOST_PREFIX = f"{PREFIX}repost:"
_RETWEET_PREFIX = f"{PREFIX}retweet:"
_STORY_PREFIXES = (_HEAD_PREFIX, _REPOST_PREFIX, _RETWEET_PREFIX)
# Set once every stored post owns its `_head_keys`, retweet and repost keys (`CopyIndex.index_heads`); the one entry
# of `PREFIX` that names no owner (its value: how many keys that pass wrote), so `prune` keeps it. Renamed when a
# kind of key is added ('-2': retweet keys) or the pass does more ('-3': rows stored twice merged), so a store indexed
# before gets it once (`prune` drops the old marker: its value names no stored post).
HEADS_INDEXED = f"{PREFIX}heads-indexed-3"


class CopyIndex:
    """Remembers which post owns each URL and text fingerprint; says which new mentions are copies."""

    def __init__(self, store: Store):
        self.store = store
        # What the last `merge_copies` did with a person's word on the rows it merged (conflicts: not carried).
        self.carried = CarriedWord()

    def split(self, mentions: list[Mention]) -> tuple[list[Mention], list[tuple[Mention, str]]]:
        """(mentions to store, [(copy, id of the post it copies)])."""
        keep: list[Mention] = []
        copies: list[tuple[Mention, str]] = []
        # The stored owners of every key the batch can look up, in one read (on Elasticsearch a round trip
        # per key made a store copy ten times slower), then keys claimed earlier in this same batch.
        lookups = {k for m in mentions for k in _lookups(m)}
        heads = any(k.startswith(_STORY_PREFIXES) for k in lookups)
        marker = {HEADS_INDEXED} if heads else set()
        owners: dict[str, str] = self.store.get_states(lookups | marker) if lookups else {}
        if heads and owners.pop(HEADS_INDEXED, None) is None:
            # A store written before story keys: its stored posts get theirs first, or a retweet cut short today of
            # a post stored yesterday would find no key and count the story twice. Once per store.
            self.index_heads()
            owners = self.store.get_states(lookups)
        # An entry whose owner retention deleted (and has not pruned yet) is free: trusted, it would drop the new
        # post as a copy of nothing. One existence read for the owners that would make some post a copy.
        ids = {m.id for m in mentions}
        others = {owner for owner in owners.values() if owner not in ids}
        alive = stored_ids(self.store, others) if others else set()
        owners = {k: owner for k, owner in owners.items() if owner in ids or owner in alive}
        # The stored posts of the same source whose URL a new one shares: `_link_copy` asks who wrote them (one
        # read per batch, none when no such post: ids start with their source, `core.mention.make_id`).
        url_owners = {owner for m in mentions if (owner := owners.get(_url_key(m) or "")) is not None
                      and owner.startswith(f"{m.source}:")} - ids
        # And the stored posts a repost's story start or repost key names: `core.stories.same_story` reads their
        # text, `core.stories.takes_over` whether they stand in for an original of this batch (the same read).
        # A repost naming its original's author (`RT @bob:`) takes a text key's owner only when bob wrote it, and one
        # marked a repost of a post (`extra.repost_of`) is that post's copy when it is stored: read them too.
        story_owners = {owner for m in mentions for k in _lookups(m)
                        if (k.startswith((_HEAD_PREFIX, _REPOST_PREFIX))
                            or (k.startswith(_TEXT_PREFIX) and reposted_author(m.text) is not None))
                        and (owner := owners.get(k)) is not None} - ids
        story_owners |= {of for m in mentions if (of := stories.repost_of(m)) is not None} - ids
        posts = {m.id: m for m in mentions}
        wanted = list(url_owners | story_owners)
        posts |= {m.id: m for m in self.store.get(wanted)} if wanted else {}
        kept: set[str] = set()
        taken: dict[str, str] = {}  # a stand-in of this batch -> the original of this batch that takes it over
        for mention in mentions:
            original = self._owner(_url_key(mention), mention.id, owners)
            if original is not None and not _link_copy(mention, posts.get(original)):
                original = None
            original = original or stories.original_of(
                mention, lambda key, m=mention: self._owner(PREFIX + key, m.id, owners), posts.get)
            if original is not None:
                copies.append((mention, original))
                continue
            keep.append(mention)
            kept.add(mention.id)
            for key in _keys(mention):
                owners.setdefault(key, mention.id)
            for key in _prefixed(stories.takeover_keys(mention)):
                # An original collected after the repost that stood in for it: later reposts are its copies.
                if (holder := owners.get(key)) is not None and stories.takes_over(mention, posts.get(holder)):
                    owners[key] = mention.id
                    if holder in kept:
                        taken.setdefault(holder, mention.id)
        if taken:
            # The stand-in came earlier in this same batch: it is the original's copy, as it is when the original
            # comes first (one stored earlier is merged into it by `remember`), and so are its copies.
            keep = [m for m in keep if m.id not in taken]
            copies = [(copy, taken.get(owner, owner)) for copy, owner in copies]
            copies += [(posts[stand_in], original) for stand_in, original in taken.items()]
        return keep, copies

    @staticmethod
    def _owner(key: str | None, mention_id: str, owners: dict[str, str]) -> str | None:
        owner = owners.get(key) if key is not None else None
        return owner if owner and owner != mention_id else None

    def widen_owners(self, copies: list[tuple[Mention, str]]) -> tuple[list[str], list[Mention]]:
        """Each copy's brands that its stored original lacks are added to the original (the same story found
        through another brand's search, its title naming that brand): dropped as a copy, the post would not
        count for that brand at all. Only the brands are written (`indexing.base.BRANDS`). Returns the errors
        of writes that failed, and the copies whose original is no longer stored (retention deleted it since
        `split`): those are no copies, the caller stores them (a `split` of them again finds their keys free).
        Call only after the originals are stored."""
        found: dict[str, list[Mention]] = {}
        for copy, owner_id in copies:
            found.setdefault(owner_id, []).append(copy)
        owners = {m.id: m for m in self.store.get(list(found))} if found else {}
        orphans = [copy for owner_id, group in found.items() if owner_id not in owners for copy in group]
        widened = []
        for owner_id, owner in owners.items():
            merged = owner
            for copy in found[owner_id]:
                new_reasons = {b: q for b, q in copy.matches.items() if b not in owner.brands}
                merged = merged.with_brands(copy.brands, new_reasons)
            if merged.brands != owner.brands:
                widened.append(merged)
        errors: list[str] = []
        for result in self.store.upsert(widened, fields=BRANDS) if widened else []:
            if is_no_longer_stored(result):  # deleted between the read above and this write
                orphans += found[result.id]
            elif not result.ok:
                errors.append(result.error or "unknown error")
        return errors, orphans

    def give_owners_brands(self, copies: list[tuple[Mention, str]]) -> list[str]:
        """`widen_owners` for callers that retry on any error (a replay keeps the copy parked, `store copy`
        counts it failed): a copy whose original is no longer stored is an error here too, never dropped."""
        errors, orphans = self.widen_owners(copies)
        return errors + [f"{copy.id}: the post it copies is no longer stored" for copy in orphans]

    def remember(self, stored: list[Mention]) -> None:
        """Record ownership of stored mentions' keys (the first owner keeps a key while it is stored); call only
        after they are safely stored. An original stored after the repost that stood in for it takes the stand-in's
        keys over, and the stand-in, the story stored twice, becomes its share (`merge_stand_ins`) before the keys
        move: a crash in between leaves the keys with the stand-in, and the next run, collecting the original again
        (its cursor did not move), finds it and finishes. One state read, one existence read and one write for the
        whole batch (and a merge's reads and writes when it takes one over)."""
        new, handed = self._claims(stored)
        stand_ins = {holder: new[key] for key, holder in handed.items()}
        if stand_ins:
            stayed = stand_ins.keys() - self.merge_stand_ins(stand_ins)
            # A stand-in whose original went meanwhile (retention) stays stored, and keeps the story's keys.
            new = {key: owner for key, owner in new.items() if handed.get(key) not in stayed}
        if new:
            self.store.set_states(new)

    def _claims(self, stored: list[Mention], take_over: bool = True) -> tuple[dict[str, str], dict[str, str]]:
        """The keys `stored` take (key -> owner): those free or whose owner is no longer stored, and, with
        `take_over`, the keys of a stand-in one of them takes over (`core.stories.takes_over`); and of those, each
        key taken from a stand-in (key -> the stand-in's id). Reads only."""
        claims: dict[str, str] = {}
        for mention in stored:
            for key in _keys(mention):
                claims.setdefault(key, mention.id)
        # And the keys an original takes from a repost that stood in for it (`core.stories.takes_over`): read with
        # the claims, written only when a stand-in holds them.
        wanted: dict[str, Mention] = {}
        for mention in stored if take_over else []:
            for key in _prefixed(stories.takeover_keys(mention)):
                wanted.setdefault(key, mention)
        if not claims and not wanted:
            return {}, {}
        taken = self.store.get_states(set(claims) | set(wanted))
        # A key whose owner is no longer stored (retention deleted it, the prune has not run yet) is taken over.
        mine = {k: m.id for k, m in wanted.items()} | claims
        others = {owner for k, owner in taken.items() if owner != mine[k]}
        alive = stored_ids(self.store, others) if others else set()
        new = {k: owner for k, owner in claims.items()
               if k not in taken or (taken[k] != owner and taken[k] not in alive)}
        standing = {k: taken[k] for k, m in wanted.items() if taken.get(k, m.id) != m.id and taken[k] in alive}
        holders = {h.id: h for h in self.store.get(sorted(set(standing.values())))} if standing else {}
        handed = {k: holder for k, holder in standing.items() if stories.takes_over(wanted[k], holders.get(holder))}
        new |= {k: wanted[k].id for k in handed}
        return new, handed

    def merge_stand_ins(self, stand_ins: dict[str, str]) -> set[str]:
        """Merge each stored stand-in (`stand_ins`: its id -> the original that took its story over, stored) into
        its original, as `merge_copies` merges rows stored twice: it becomes a share of the original, marked `merged`
        (counted; a viral alert raised on it while it stood in is not raised again on the original, `alerts.viral`),
        the original gets its brands, its shares move to the original (as they were: news of their hour, as when the
        original comes first), a person's word on it goes to the original (`groundswell.merged_word`), and its row
        and records are deleted, last. Every step is idempotent, so a crash part-way leaves the
        stand-in stored and a re-run does it all again. Returns the ids of the stand-ins deleted."""
        rows = self.store.get(sorted(stand_ins))
        originals = self.store.get(sorted(set(stand_ins.values())))
        if not rows or not originals:
            return set()
        # Its shares are reposts of the original's story: not posted before it (less a clock's skew), and
        # collection stores none dated later than its clock allows, so the days between are all there is to list.
        since = min(m.created_at for m in [*rows, *originals]) - CLOCK_SKEW
        gone = self._merge_rows(rows, stand_ins, merged=True, since=since, until=datetime.now(UTC) + CLOCK_SKEW)
        log.info("merged %d repost(s) that stood in for an original collected after them into it (now shares of "
                 "it; first %s); carried to the original: %d sentiment corrections, %d \"not spam\" overrides; %d "
                 "corrections not carried (conflicts)", len(gone), min(gone, default="none"),
                 len(self.carried.corrections), len(self.carried.overrides), len(self.carried.conflicts))
        return gone

    def index_heads(self, chunk: int = 5000) -> int:
        """Give every stored post the story keys (`_head_keys`, retweet and repost keys) it would own had it been
        stored today, for a store written before them, and merge the rows an older version stored that today's
        rule calls copies (`merge_copies`); then mark the store done (`HEADS_INDEXED`). As collection gives them: a
        key's earliest post owns it, unless a later original takes it from the repost that stood in for it
        (`core.stories.takes_over`, the rule `split` and `remember` follow); a key already owned keeps its owner
        (unless a merged copy owned it), so a second run (two processes at once) changes nothing. One pass over the
        stored posts, one read and one write per `chunk` keys; returns how many keys it wrote."""
        claims: dict[str, str] = {}  # key -> the earliest post owning it
        kept: dict[str, stories.Brief] = {}  # what the rule reads of each post no repost, and of each owning a key
        named: dict[str, str] = {}  # an original's own repost keys: its only when a stored repost names it
        copies: list[tuple[Mention, str]] = []  # rows stored beside the post they copy, with its id
        merged: dict[str, str] = {}  # a copy's id -> the post it copies

        def owner(key: str, me: str) -> str | None:
            found = claims.get(PREFIX + key)
            return found if found != me else None

        for mention in self.store.iter_mentions(Filters(include_spam=True)):  # oldest first
            if is_repost(mention):
                original = stories.original_of(mention, lambda key, me=mention.id: owner(key, me), kept.get)
                if original is not None:  # collection today would have dropped it as a copy
                    copies.append((mention, original))
                    merged[mention.id] = original
                    continue
            brief = stories.brief(mention)
            if not is_repost(mention):  # its text keys (written at collection). Kept: a repost naming an author
                kept[mention.id] = brief  # reads who owns one, one marked a repost of it reads it (`original_of`)
                for key in _text_keys(mention):
                    claims.setdefault(key, mention.id)
            own = _head_keys(mention) + _prefixed(stories.retweet_keys(mention) + stories.repost_keys(mention))
            for key in own:
                if claims.setdefault(key, mention.id) == mention.id:
                    kept[mention.id] = brief
            for key in _prefixed(stories.takeover_keys(mention)):
                holder = claims.get(key)
                if holder is not None and holder != mention.id and stories.takes_over(brief, kept.get(holder)):
                    # An original stored after the repost that stood in for it: it takes the story over, and the
                    # stand-in, one story stored twice, becomes its share (`merge_copies`).
                    claims[key] = mention.id
                    kept[mention.id] = brief
                    if holder not in merged:
                        merged[holder] = mention.id
                elif key.startswith(_REPOST_PREFIX):
                    named.setdefault(key, mention.id)
        claims |= {key: owner for key, owner in named.items() if key in claims}
        roots = _roots(merged)
        # Keys a merged copy held go to the post it copies (later reposts of it are that post's copies).
        claims = {key: roots.get(owner, owner) for key, owner in claims.items() if key.startswith(_STORY_PREFIXES)}
        keys = list(claims)
        written = 0
        for start in range(0, len(keys), chunk):
            part = keys[start : start + chunk]
            taken = self.store.get_states(part)
            new = {key: claims[key] for key in part if key not in taken or taken[key] in roots}
            if new:
                self.store.set_states(new)
                written += len(new)
        self.merge_copies(copies, roots, chunk)
        self.store.set_state(HEADS_INDEXED, str(written))
        return written

    def merge_copies(self, copies: list[tuple[Mention, str]], roots: dict[str, str], chunk: int = 5000) -> int:
        """Merge rows an older version stored beside the post they copy (`roots`: each such row's id -> the post it
        is merged into; `copies`: the rows found as copies, read, with their stand-ins among `roots` read here):
        each becomes a share of that post (`groundswell.shares`, keyed by its own id: a re-run records nothing
        twice, marked `merged` so no viral alert counts it), the post gets its brands (`widen_owners`), shares of a
        merged row move to the post, a person's sentiment correction or "not spam" of a merged row goes to the post
        when it has none of its own (`groundswell.merged_word`; the ones not carried are counted in `self.carried`
        and logged), and the rows are deleted, with their records. Each step before the deletes:
        a crash leaves the rows stored and the pass runs again. Returns how many rows were deleted."""
        if not roots:
            return 0
        read = {copy.id for copy, _ in copies}
        stand_ins = sorted(set(roots) - read)
        rows = [copy for copy, _ in copies] + [m for start in range(0, len(stand_ins), chunk)
                                               for m in self.store.get(stand_ins[start : start + chunk])]
        deleted = len(self._merge_rows(rows, roots, merged=True, chunk=chunk))
        log.info("merged %d rows an older version stored beside the post they copy (now shares of it); carried to "
                 "the original: %d sentiment corrections, %d \"not spam\" overrides; %d corrections not carried "
                 "(conflicts)", deleted, len(self.carried.corrections), len(self.carried.overrides),
                 len(self.carried.conflicts))
        return deleted

    def _merge_rows(self, rows: list[Mention], roots: dict[str, str], *, merged: bool,
                    since: datetime | None = None, until: datetime | None = None, chunk: int = 5000) -> set[str]:
        """The merge of `merge_copies` and `merge_stand_ins`: `rows` (stored, read) become shares of the post
        `roots` names for each (`merged`: so marked), their shares reposted in [since, until) move to it (None:
        every share), and they are deleted, last. Returns the ids deleted (not a row whose post went meanwhile)."""
        pairs = [(row, roots[row.id]) for row in rows]
        record_reposts(self.store, pairs, merged=merged)
        errors, orphans = self.widen_owners(pairs)
        if errors:
            raise RuntimeError(f"merging copies stored twice: {errors[0]}")
        keep = {copy.id for copy in orphans}  # their original went meanwhile: they stay, as originals
        # The brands an original got from its copies come with their keys (a copy's brand finds it next time). Not
        # the keys its stand-ins hold: `remember` hands those over once they are merged.
        new, _ = self._claims(self.store.get(sorted(set(roots.values()))), take_over=False)
        if new:
            self.store.set_states(new)
        Shares(self.store).move({row.id: root for row, root in pairs if row.id not in keep}, since, until)
        gone = sorted({row.id for row in rows} - keep)
        # A person's word on a merged row goes to its original when it has none of its own (`merged_word`).
        self.carried = carry_word(self.store, {row: roots[row] for row in gone}, chunk)
        self.store.delete_state([f"{prefix}{i}" for i in gone for prefix in (CORRECTION_PREFIX, OVERRIDE_PREFIX)])
        self.store.delete_ids(gone)
        return set(gone)

    def prune(self, chunk: int = 500) -> int:
        """Delete the entries whose owner mention is gone; return how many."""
        entries = self.store.state_items(PREFIX)
        entries.pop(HEADS_INDEXED, None)
        alive = stored_ids(self.store, entries.values(), chunk)
        return self.store.delete_state(key for key, owner in entries.items() if owner not in alive)


def _roots(merged: dict[str, str]) -> dict[str, str]:
    """Each merged row's id -> the post it ends in (a copy of a stand-in the original took over: the original)."""
    out: dict[str, str] = {}
    for row in merged:
        seen, end = {row}, merged[row]
        while end in merged and end not in seen:
            seen.add(end)
            end = merged[end]
        out[row] = end
    return out
