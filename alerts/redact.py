"""Taking one person's (or one post's) words out of what alerts keep: the erasure rule of `groundswell subject`.

Redaction is structural: it acts only where Groundswell quotes or names a post, never on a bare word that merely
equals a handle or a post's text ("Acme", "Yes", "apple" stay wherever they are someone else's words or a field).

- A row (a JSON object in a list: an alert's top post, a digest's notable post) is theirs by its `id` or `url`
  being one of their posts', by its `text` and author being one of their posts', or by an author key naming
  their handle *on its own `source`*; a row with no `source` is never claimed by handle alone. Theirs: dropped.
- A quote of their post, in the exact formats Groundswell writes one (`alerts.explain.summarize`'s
  `“<first 139 characters>…”`, the digests' `“<first 160 characters>”`, as plain, Markdown-escaped or HTML-escaped
  text), becomes `“[removed]”`; their post's URL or mention id, written whole, becomes `[removed]`.
- `@handle` is replaced only in context: in a text that quotes one of their posts (that post's author), in an
  alert whose dropped top post was theirs (`redact_alert`), or in a state entry keyed by such an alert or its
  incident (`Redaction.contexts`: a verdict's note).

`Redaction` says what names the subject and is kept as JSON while an erasure runs (`to_json`/`from_json`, so an
interrupted one resumes with the same texts after their mentions were deleted). Nothing here reads or writes a store.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.alert import Alert, DrivingPost
from core.escaping import markdown_text, one_line

REMOVED = "[removed]"
QUOTED_REMOVED = f"“{REMOVED}”"
# Keys of a JSON object that hold a post's author: such an object in a list, with a `source`, is a post or row.
_AUTHOR_KEYS = ("author", "author_handle", "handle", "by")
_SUMMARY_CUT = 140  # `alerts.explain._short`: a post's first 139 characters then "…", whitespace folded
_DIGEST_CUT = 160  # `groundswell.digest` / `digest_render`: `text[:160]`
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&~|!])")  # `core.escaping.markdown_text`'s inline escapes
_URL_END = r"(?![\w/%?#=&+~-]|\.\w)"  # a URL or id written whole, not the start of a longer one


def _handle(value: str | None) -> str:
    return (value or "").strip().lstrip("@").casefold()


def _summary_quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SUMMARY_CUT else text[: _SUMMARY_CUT - 1] + "…"


def _escaped_forms(value: str) -> set[str]:
    """`value` as each output writes it: plain, HTML-escaped, Markdown-escaped (opening a line or inline)."""
    return {value, html.escape(value), html.escape(value, quote=False), markdown_text(value),
            _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(value))}


@dataclass(frozen=True)
class Post:
    """One post of theirs as outputs quote it: mention id, URL, text, author (casefolded, no '@') and source."""

    id: str
    url: str | None = None
    text: str | None = None
    author: str | None = None
    source: str | None = None

    def quotes(self) -> dict[str, str]:
        """Each quote of this post as Groundswell writes one (module docstring), with what replaces it: the
        summary's `Post: “…”` / `Top post (…): “…”`, the digests' `“…” — @author` rows, the HTML report's
        `<bdi dir="auto">…</bdi>`, in plain, HTML- and Markdown-escaped forms. None for a post without words."""
        if not self.text or not self.text.strip():
            return {}
        out: dict[str, str] = {}
        for form in _escaped_forms(_summary_quote(self.text)):
            for lead in ("Post: ", "): "):
                out[f"{lead}“{form}”"] = f"{lead}{QUOTED_REMOVED}"
        for body in (self.text[:_DIGEST_CUT], one_line(self.text[:_DIGEST_CUT])):
            for form in _escaped_forms(body):
                out[f"“{form}” — @"] = f"{QUOTED_REMOVED} — @"
        for body in (self.text, self.text[:200]):  # `groundswell.report`: a post whole, an alert's top post cut
            out[f'<bdi dir="auto">{html.escape(body)}</bdi>'] = f'<bdi dir="auto">{REMOVED}</bdi>'
        return {k: v for k, v in out.items() if "“”" not in k}

    def texts(self) -> set[str]:
        """The post's text as a row holds it (whole, or cut as a digest cuts it)."""
        if not self.text or not self.text.strip():
            return set()
        return {self.text, self.text[:_DIGEST_CUT], _summary_quote(self.text), one_line(self.text[:_DIGEST_CUT])}


@dataclass
class Redaction:
    """What names the subject: their posts (by mention id), ids named without a stored post, their authors
    (source, casefolded handle) and `contexts` (alert or incident id -> handles of theirs that alert named)."""

    posts: dict[str, Post] = field(default_factory=dict)
    extra_ids: set[str] = field(default_factory=set)
    authors: set[tuple[str, str]] = field(default_factory=set)
    contexts: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._compiled: tuple[list[tuple[Post, dict[str, str]]], re.Pattern[str] | None] | None = None

    @property
    def ids(self) -> set[str]:
        return set(self.posts) | self.extra_ids

    @property
    def urls(self) -> set[str]:
        return {p.url for p in self.posts.values() if p.url}

    def empty(self) -> bool:
        return not (self.posts or self.extra_ids or self.authors)

    def add_post(self, post_id: str, url: str | None = None, text: str | None = None, author: str | None = None,
                 source: str | None = None) -> None:
        """One post of theirs (stored, parked, or quoted by an alert); a second sighting fills what the first
        lacked."""
        old = self.posts.get(post_id)
        if old is not None:
            url, text = url or old.url, text or old.text
            author, source = author or old.author, source or old.source
        self.posts[post_id] = Post(post_id, url or None, text or None, _handle(author) or None,
                                   source or post_id.partition(":")[0] or None)
        self._compiled = None

    def add_id(self, post_id: str) -> None:
        """A mention id named without its post (nothing stored to quote): matched as an id only."""
        if post_id not in self.posts:
            self.extra_ids.add(post_id)
            self._compiled = None

    def add_handle(self, handle: str, source: str) -> None:
        """An author of theirs: `handle` on `source` (never on every source)."""
        if _handle(handle) and source:
            self.authors.add((source, _handle(handle)))

    def add_context(self, key: str, handles: Iterable[str]) -> None:
        """An alert or incident id whose entries may name these handles of theirs (`redact_alert` found it)."""
        wanted = {_handle(h) for h in handles if _handle(h)}
        if wanted:
            self.contexts.setdefault(key, set()).update(wanted)

    def merge(self, other: Redaction) -> None:
        """Everything `other` names, added."""
        for post in other.posts.values():
            self.add_post(post.id, post.url, post.text, post.author, post.source)
        for post_id in other.extra_ids:
            self.add_id(post_id)
        self.authors |= other.authors
        for key, handles in other.contexts.items():
            self.add_context(key, handles)

    def owns_handle(self, handle: str | None, source: str | None) -> bool:
        """Whether `handle` on `source` is one of theirs; a handle without its source is no one's."""
        return bool(source) and (source, _handle(handle)) in self.authors

    def owns_post(self, post_id: str | None, author: str | None, source: str | None, url: str | None = None) -> bool:
        """Whether a post is theirs: by its id, its URL, or its author on its source."""
        return ((post_id is not None and post_id in self.ids) or (url is not None and url in self.urls)
                or self.owns_handle(author, source))

    def _matchers(self) -> tuple[list[tuple[Post, dict[str, str]]], re.Pattern[str] | None]:
        """(each post with its quotes, the pattern of their URLs and ids written whole)."""
        if self._compiled is None:
            quoted = [(p, q) for p in self.posts.values() if (q := p.quotes())]
            whole = {form for value in self.urls | self.ids for form in (value, html.escape(value))}
            alt = "|".join(map(re.escape, sorted(whole, key=len, reverse=True)))
            pattern = re.compile(r"(?<![\w:/.@-])(?:" + alt + ")" + _URL_END) if alt else None
            self._compiled = (quoted, pattern)
        return self._compiled

    def text(self, value: str, handles: Iterable[str] = ()) -> str:
        """`value` with each quote of their posts, and their posts' URLs and ids written whole, replaced; and
        `@handle` replaced for `handles` (a context's) and for the author of each post it quotes."""
        quoted, pattern = self._matchers()
        named = {_handle(h) for h in handles}
        for post, quotes in quoted:
            for quote in sorted(quotes, key=len, reverse=True):
                if quote in value:
                    value = value.replace(quote, quotes[quote])
                    if post.author:
                        named.add(post.author)
        if pattern is not None:
            value = pattern.sub(REMOVED, value)
        return _without_handles(value, named) if named else value

    def names(self, value: str, handles: Iterable[str] = ()) -> bool:
        """Whether `value` quotes or names them (what `text` would change)."""
        return self.text(value, handles) != value

    def to_json(self) -> str:
        """The redaction as JSON (kept while an erasure runs); `from_json` reads it back."""
        return json.dumps({
            "posts": [[p.id, p.url, p.text, p.author, p.source] for _, p in sorted(self.posts.items())],
            "ids": sorted(self.extra_ids), "authors": sorted(map(list, self.authors)),
            "contexts": {k: sorted(v) for k, v in sorted(self.contexts.items())},
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Redaction:
        data = json.loads(raw)
        out = cls()
        for post_id, url, text, author, source in data.get("posts", []):
            out.add_post(post_id, url, text, author, source)
        for post_id in data.get("ids", []):
            out.add_id(post_id)
        for source, handle in data.get("authors", []):
            out.add_handle(handle, source)
        for key, handles in data.get("contexts", {}).items():
            out.add_context(key, handles)
        return out


def _without_handles(value: str, handles: set[str]) -> str:
    """`@handle` (plain, Markdown-escaped, or `@<bdi>handle` in HTML) replaced for these handles: a handle that is
    the start of a longer one (`@ann` in `@ann_b`, `@ann.b`) is someone else's."""
    forms = {f for h in handles for f in (h, _MARKDOWN_SPECIAL.sub(r"\\\1", h), html.escape(h))}
    alt = "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
    pattern = re.compile(r"(?<![\w@/.])@(<bdi>)?(?:" + alt + r")(?![\w-]|\\_|\.\w)", re.IGNORECASE)
    return pattern.sub(lambda m: f"@<bdi>{REMOVED}" if m.group(1) else REMOVED, value)


def redact_json(value: Any, redaction: Redaction, handles: Iterable[str] = ()) -> Any:
    """`value` (parsed JSON) without their rows (`is_theirs`) and with every string redacted (`Redaction.text`,
    `handles`: a context's)."""
    handles = tuple(handles)
    if isinstance(value, str):
        return redaction.text(value, handles)
    if isinstance(value, list):
        return [redact_json(v, redaction, handles) for v in value if not is_theirs(v, redaction)]
    if isinstance(value, dict):
        return {k: redact_json(v, redaction, handles) for k, v in value.items()}
    return value


def is_theirs(item: Any, redaction: Redaction) -> bool:
    """Whether a JSON object is one of their posts or rows (module docstring)."""
    if not isinstance(item, dict):
        return False
    if isinstance(item.get("id"), str) and item["id"] in redaction.ids:
        return True
    if isinstance(item.get("url"), str) and item["url"] in redaction.urls:
        return True
    authors = [_handle(item[k]) for k in _AUTHOR_KEYS if isinstance(item.get(k), str)]
    source = item.get("source") if isinstance(item.get("source"), str) else None
    if source and any(redaction.owns_handle(a, source) for a in authors):
        return True
    text = item.get("text")
    if isinstance(text, str) and authors:  # a row without id, URL or source: their text under their name
        return any(p.author in authors and text in p.texts() for p in redaction.posts.values())
    return False


def redact_alert(alert: Alert, redaction: Redaction) -> Alert | None:
    """The alert without their posts and quotes (module docstring), or None when it names nothing of theirs.

    A dropped post's author is removed from the summary too ("@ann with … followers posted"), unless a post the
    alert keeps is by the same person; brand, key phrases and the other aggregate fields stay as they are, and
    the alert keeps its id, so delivery and the incident stay as they were."""
    dropped = [p for p in alert.top_posts if redaction.owns_post(p.id, p.author, p.source, p.url)]
    kept = [p for p in alert.top_posts if p not in dropped]
    local = _with_posts(redaction, dropped)
    handles = _dropped_authors(dropped, kept)
    summary = local.text(alert.summary, handles) if alert.summary else alert.summary
    subject = REMOVED if alert.subject and alert.subject in local.ids else alert.subject
    if not dropped and summary == alert.summary and subject == alert.subject:
        return None
    return alert.model_copy(update={"top_posts": kept, "summary": summary, "subject": subject})


def alert_context(alert: Alert, redaction: Redaction) -> set[str]:
    """The handles of theirs an alert named through its dropped top posts (for `Redaction.contexts`)."""
    dropped = [p for p in alert.top_posts if redaction.owns_post(p.id, p.author, p.source, p.url)]
    return _dropped_authors(dropped, [p for p in alert.top_posts if p not in dropped])


def _dropped_authors(dropped: list[DrivingPost], kept: list[DrivingPost]) -> set[str]:
    keeps = {(_handle(p.author), p.source) for p in kept}
    return {_handle(p.author) for p in dropped if p.author and (_handle(p.author), p.source) not in keeps}


def _with_posts(redaction: Redaction, dropped: Iterable[DrivingPost]) -> Redaction:
    """`redaction` plus what the dropped posts say about themselves (their ids, URLs, texts and authors)."""
    local = Redaction()
    local.merge(redaction)
    for post in dropped:
        local.add_post(post.id, post.url, post.text, post.author, post.source)
    return local
