"""Where a query matched in a post, as character offsets: what a highlighter marks.

Highlighting marks exactly what matching accepted (core/query/match.py), never a bare substring: `app` marks the
word app, not Dis[app]ointed or h[app]y; `Люмора~ru` marks every form its stem matches (Люморе, Люморы, Люморой);
`overheat*` marks the words it starts; a Hangul word marks its start (삼성 of 삼성은); `#tag`, `$tag` and
`@handle` mark the tag or handle they matched. The words follow `core.query.names.name_spans` (the rule the
sentiment model's brand masking uses); this adds the @handles, which masking leaves to nlp/normalize.py.
Every store and the dashboard mark through here, so a post is marked alike on SQLite and Elasticsearch.
"""

from __future__ import annotations

from core.query.ast import Handle, Node, positive_leaves
from core.query.handles import ANY_PLATFORM, HANDLE_FORMS
from core.query.names import Span, merge_spans, name_spans
from core.query.text import FoldedText, fold


def match_spans(text: str, root: Node, source: str | None = None) -> list[Span]:
    """Sorted, non-overlapping spans of `text` where the positive words, phrases, tags and handles of the query
    tree `root` matched (negated ones never: `NOT recall` marks no recall). `source` reads @handles by that
    platform's rules, as `Query.matches` does; None: any platform's."""
    if not text:
        return []
    spans = name_spans(text, [root])
    wanted = {fold(leaf.handle) for leaf in positive_leaves(root) if isinstance(leaf, Handle)}
    if wanted:
        cut = FoldedText.of(text)
        forms = HANDLE_FORMS.get(source.lower(), ANY_PLATFORM) if source else ANY_PLATFORM
        for form in forms:
            for m in form.finditer(cut.folded):
                found = m.group(1)
                # '@brand' matches '@brand@instance' too (the same user name on any instance), as in match.py.
                if any(found == h or found.startswith(h + "@") for h in wanted):
                    spans.append(cut.span(m.start(), m.end()))
    return merge_spans(spans)
