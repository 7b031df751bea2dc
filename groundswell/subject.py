"""Who `groundswell subject export|forget` is about: authors (`SOURCE:HANDLE`) and/or posts (mention ids), and the
mentions the store holds of them.

An author is a handle on one source (`x:ann` is not `mastodon:ann`); handles compare without '@' and casefolded,
as the copy index keys them. Their posts include the reposts of them (`RT @ann: …` on that source, or a repost of
one of the ids, `extra.repost_of`): a repost carries their words, as the platform would show them. Their stored
mentions are found by the store's author index where it has one (`indexing.author_lookup.FindsAuthors`: SQLite),
else by scanning that source (`Store.iter_mentions`, spam included), plus the posts named by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from alerts.redact import Redaction
from core.mention import Mention, reposted_author
from indexing.author_lookup import FindsAuthors, handle_key
from indexing.base import Filters, Store


class SubjectError(ValueError):
    """A subject the command cannot act on (bad `--author`, an empty `--ids-file`): nothing was changed."""


def _handle(value: str) -> str:
    return handle_key(value)


@dataclass(frozen=True)
class Subject:
    """The authors (source, casefolded handle) and mention ids one request is about."""

    authors: frozenset[tuple[str, str]] = frozenset()
    ids: frozenset[str] = frozenset()

    def describe(self) -> str:
        parts = [f"{s}:{h}" for s, h in sorted(self.authors)] + sorted(self.ids)
        return ", ".join(parts[:5]) + (f" and {len(parts) - 5} more" if len(parts) > 5 else "")

    def is_author(self, mention: Mention) -> bool:
        """Whether one of the authors wrote it, or it reposts one of them (module docstring)."""
        handles = [mention.author.handle if mention.author else None, reposted_author(mention.text)]
        return any(h and (mention.source, _handle(h)) in self.authors for h in handles)

    def matches(self, mention: Mention) -> bool:
        """Whether `mention` is theirs: by (or a repost of) one of the authors, or one of the ids (or a repost of
        one)."""
        return mention.id in self.ids or mention.extra.get("repost_of") in self.ids or self.is_author(mention)


def parse_subject(authors: Iterable[str], ids: Iterable[str], ids_file: str | None = None) -> Subject:
    """The subject of the command line; SubjectError for an author without `SOURCE:HANDLE` or nothing named."""
    pairs = set()
    for raw in authors:
        source, sep, handle = raw.partition(":")
        if not sep or not source.strip() or not _handle(handle):
            raise SubjectError(f"--author {raw!r}: expected SOURCE:HANDLE, e.g. x:ann or reddit:jane_doe")
        pairs.add((source.strip().lower(), _handle(handle)))
    wanted = {i.strip() for i in ids if i.strip()}
    if ids_file is not None:
        try:
            lines = Path(ids_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SubjectError(f"--ids-file {ids_file}: {exc.strerror or exc}") from None
        # One id per line; blank lines and '#' comments skipped (a platform's list may carry a header).
        from_file = {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}
        if not from_file:
            raise SubjectError(f"--ids-file {ids_file}: no ids in it (one mention id per line, e.g. x:1234)")
        wanted |= from_file
    bad = sorted(i for i in wanted if ":" not in i)
    if bad:
        raise SubjectError(f"{bad[0]!r} is not a mention id: ids are SOURCE:NATIVE_ID, e.g. x:1234 or reddit:t1_abc")
    if not pairs and not wanted:
        raise SubjectError("name someone: --author SOURCE:HANDLE, --id MENTION_ID or --ids-file FILE")
    return Subject(frozenset(pairs), frozenset(wanted))


@dataclass
class Held:
    """The subject's stored mentions, and the redaction they make (`alerts.redact.Redaction`)."""

    mentions: list[Mention] = field(default_factory=list)
    redaction: Redaction = field(default_factory=Redaction)


def find_held(store: Store, subject: Subject, also: Iterable[Mention] = ()) -> Held:
    """Every stored mention of `subject` (`also`: more of theirs held elsewhere, the dead-letter file's), and the
    redaction naming them: their handles, and each post's id, URL, text and author."""
    wanted = sorted(subject.ids)
    found: dict[str, Mention] = {}
    for start in range(0, len(wanted), 500):  # an --ids-file from a platform may hold many thousands
        found.update((m.id, m) for m in store.get(wanted[start : start + 500]))
    for source in sorted({s for s, _ in subject.authors}):
        if isinstance(store, FindsAuthors):  # from an index: the store's rule is `is_author`'s (author_lookup)
            theirs = store.mentions_by_author(source, [h for s, h in subject.authors if s == source])
        else:
            theirs = store.iter_mentions(Filters(source=source, include_spam=True))
        for mention in theirs:
            if subject.is_author(mention):  # already so for an index's answer: kept as the one judge
                found[mention.id] = mention
    held = Held(sorted(found.values(), key=lambda m: (m.created_at, m.id)))
    redaction = held.redaction
    for source, handle in subject.authors:
        redaction.add_handle(handle, source)
    for post_id in subject.ids:
        redaction.add_id(post_id)
    for mention in [*held.mentions, *also]:
        redaction.add_post(mention.id, mention.url, mention.text,
                           mention.author.handle if mention.author else None, mention.source)
    return held
