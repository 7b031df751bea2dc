from nlp.normalize import has_content, normalize


def test_urls_and_handles_become_placeholders():
    text = "@acme_support your app https://acme.example/status?id=1 is down again www.acme.example/x"
    assert normalize(text) == "@user your app http is down again http"


def test_fediverse_handles_and_emails():
    assert normalize("ping @anna@mastodon.social and @bob.bsky.social") == "ping @user and @user"
    assert normalize("write to help@acme.example") == "write to help@acme.example"


def test_html_entities_whitespace_and_emoji():
    assert normalize("  great &amp; cheap &lt;3\n\n\t😍🔥  ") == "great & cheap <3 😍🔥"
    assert normalize("double escaped &amp;amp; ok") == "double escaped & ok"


def test_non_latin_text_is_kept():
    assert normalize("배터리  문제 @삼성") == "배터리 문제 @user"
    assert normalize("电池 起火 http://t.cn/abc") == "电池 起火 http"


def test_lone_surrogates_become_replacement_characters():
    assert normalize("love it \ud83d @acme") == "love it \ufffd @user"
    assert normalize("ok \U0001f600") == "ok \U0001f600"  # a whole emoji is kept


def test_has_content_ignores_whitespace_format_and_control_characters():
    for text in ["", " \n\t", "\u200b", "\ufeff", "\u2063\u2063", "\u00a0\u200b", "\x00\x01", "\u200e\u2066"]:
        assert not has_content(text), repr(text)
    for text in ["a", "\u200bok", "😡", "配", "\ufffd"]:
        assert has_content(text), repr(text)
