"""`tools.alerts.stream_viral --labels model` reads each post as the pipeline's model does (`Config.model_text()`:
keyed by brand name, whole names masked). It once keyed `ModelText` by query string, so "Donald Trump" read as
"Donald @user" where the pipeline reads "@user" (/tmp/diffreview-web-s63/viral_mask.py)."""

from __future__ import annotations

from core.mention import load_mention
from groundswell.brands import attribute
from groundswell.config import parse_config
from nlp.model_text import PLACEHOLDER
from tools.alerts.stream_viral import model_texts


def test_the_backtest_model_reads_what_the_pipeline_model_reads(tmp_path):
    config = parse_config({
        "brands": [{"name": "Donald Trump", "query": "Trump OR @realDonaldTrump"},
                   {"name": "Chris Christie", "query": "Christie OR @ChrisChristie"}],
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
    })
    line = ('{"source": "x", "native_id": "1", "text": "Donald Trump and Chris Christie were awful tonight",'
            ' "created_at": "2015-08-07T01:00:00+00:00", "lang": "en"}')
    post = attribute(load_mention(line), config.brands)
    assert sorted(post.brands) == ["Chris Christie", "Donald Trump"]
    text = model_texts([post], config)
    assert text == [config.model_text()(post)]
    assert "Donald" not in text[0] and "Chris" not in text[0] and text[0].count(PLACEHOLDER) == 2, text
