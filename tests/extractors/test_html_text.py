"""HTML fragments to plain text: a paragraph ends a line however it is marked (extractors/html_text.py)."""

from __future__ import annotations

from extractors.html_text import html_to_text

BLOCKS = [
    "one<p>two<p>three",  # Hacker News: an opening <p> between paragraphs, never closed
    "<p>one</p><p>two</p><p>three</p>",  # Mastodon
    "<p>one</p>\n<p>two</p>\n<p>three</p>",  # a feed's summary, laid out
    "<div>one</div><div class='x'>two</div><blockquote>three</blockquote>",
    "<ul><li>one</li><li>two</li></ul><h2>three</h2>",
    "<table><tr><td>one</td></tr><tr><td>two</td></tr></table><pre>three</pre>",
]


def test_each_block_is_its_own_line_however_it_is_marked():
    assert {fragment: html_to_text(fragment).split("\n") for fragment in BLOCKS} == {
        fragment: ["one", "two", "three"] for fragment in BLOCKS
    }


def test_inline_tags_and_br_keep_their_meaning():
    assert html_to_text("<b>Ac</b><i>me</i> rocks") == "Acme rocks"  # inline: no break inside a word
    assert html_to_text("one<br>two<br/><br />three") == "one\ntwo\n\nthree"  # two <br>: a blank line
    assert html_to_text("<param>x</param><pre>y</pre>") == "x\ny"  # <param> is no <p>
    assert html_to_text("AT&amp;T &amp;amp;") == "AT&T &amp;"
