"""How long the retweets that end in an ellipsis are: which of them X cut short (`core.mention.is_cut_repost`)?

`python -m tools.brands.cut_retweets ../shared/data/streams/gop-debate-2015/mentions.jsonl [more.jsonl ...]`

X cut a retweet's text at 140 characters ("RT @handle: " included) and ended it with '…'; an author may also end a
whole post with '...'. Per file: the `RT @x:` texts, those ending in an ellipsis, their lengths as stored (code
points) and as X counted them (`core.mention.x_length`: an HTML entity such as '&amp;' as one), and how many
`is_cut_repost` calls cut, with the texts under its threshold (`core.mention.CUT_LENGTH`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import click

from core.mention import CUT_LENGTH, RT_PREFIX, ends_in_ellipsis, is_cut_repost, x_length


def measure(path: Path) -> dict[str, Any]:
    """The length distribution of one JSONL file's retweets that end in an ellipsis."""
    retweets, ending = 0, []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            text = json.loads(line).get("text") or ""
            if RT_PREFIX.match(text):
                retweets += 1
                if ends_in_ellipsis(text):
                    ending.append(text)
    return {
        "retweets": retweets,
        "ending_in_ellipsis": len(ending),
        "code_points": dict(sorted(Counter(len(t.rstrip()) for t in ending).items())),
        "as_x_counted": dict(sorted(Counter(x_length(t.rstrip()) for t in ending).items())),
        "cut": sum(is_cut_repost(t) for t in ending),
        "threshold": CUT_LENGTH,
        "under_threshold": [re.sub(r"\s+", " ", t) for t in ending if not is_cut_repost(t)],
    }


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def main(paths: tuple[Path, ...]) -> None:
    """Print each file's distribution as JSON."""
    for path in paths:
        click.echo(json.dumps({"file": str(path), **measure(path)}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
