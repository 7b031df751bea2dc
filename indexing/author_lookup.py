"""Finding one author's stored posts without reading a whole source (`groundswell subject forget|export --author`).

A store that can (`FindsAuthors`: the SQLite store, through its (source, author_handle) index) lists the posts an
author wrote and the reposts of them (`RT @handle: …`), by the rule `groundswell.subject.Subject.is_author` applies:
handles compared without '@' and casefolded (`handle_key`). Any other store is read source by source, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from core.mention import Mention

# What `\s` matches at the start of a `RT @handle:` prefix (core.mention.RT_PREFIX): every whitespace character, so
# an SQL ltrim of these, then LIKE 'rt%' (ASCII case-insensitive, as the pattern's IGNORECASE is for R and T), keeps
# every text the pattern can match and few others.
# (tests/indexing/test_author_lookup.py checks this list against the pattern's `\s`.)
REPOST_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                 "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def handle_key(value: str) -> str:
    """A handle as authors are compared: without '@', casefolded (`groundswell.subject`)."""
    return value.strip().lstrip("@").casefold()


@runtime_checkable
class FindsAuthors(Protocol):
    def mentions_by_author(self, source: str, handles: Iterable[str]) -> list[Mention]:
        """The stored posts of `source` whose author's handle, or whose `RT @handle:` prefix's
        (`core.mention.reposted_author`), is one of `handles` by `handle_key`; spam included."""
        ...
