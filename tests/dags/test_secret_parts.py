"""A secret URL's plain words are never registered as secrets (`core.logsafe.secret_parts`, used by the DAGs'
`exported_env`): "services" (Slack), "webhooks" (Discord), "webhookb2"/"IncomingWebhook" (Teams), "elasticsearch"
(a cluster behind a proxy) stay readable in later log lines, while the URL, its path and its ids and tokens go."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core import logsafe

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dags"))

SLACK = "https://hooks.slack.com/services/T01ABCD2EF/B03GHIJ4KL/aBcDeFgHiJkLmNoPqRsTuVwX"
DISCORD = "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdef"
TEAMS = ("https://acme.webhook.office.com/webhookb2/0f8fad5b-d9cb-469f-a165-70867728950e@"
         "72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/4e2b1c0d9a8f7e6d5c4b3a2918070605/"
         "0f8fad5b-d9cb-469f-a165-70867728951f")
ES = "https://proxy.example.com/elasticsearch"
# url -> (its plain words, which stay; its ids and tokens, each masked also when a log line quotes it alone)
CASES = {
    SLACK: (["services"], ["T01ABCD2EF", "B03GHIJ4KL", "aBcDeFgHiJkLmNoPqRsTuVwX"]),
    DISCORD: (["webhooks"], ["AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdef"]),
    TEAMS: (["webhookb2", "IncomingWebhook"],
            ["4e2b1c0d9a8f7e6d5c4b3a2918070605", "0f8fad5b-d9cb-469f-a165-70867728951f"]),
    ES: (["elasticsearch"], []),
}


@pytest.fixture
def fresh_secrets(monkeypatch):
    monkeypatch.setattr(logsafe, "_known", {})


@pytest.mark.parametrize("url", list(CASES))
def test_plain_words_of_a_secret_url_stay_its_tokens_go(fresh_secrets, url):
    import groundswell_common  # lazy: the DAG folder is put on sys.path above (as Airflow does)

    words, tokens = CASES[url]
    for part in groundswell_common.secret_parts(url):
        logsafe.register_secret(part)
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    said = f"sending to {' and '.join(words)} now"
    masked = logsafe.redact(f"{said}; url {url}; POST {path} 200; ids {' '.join(tokens)}")

    assert masked.startswith(said + ";"), masked  # the plain words stay readable
    assert url not in masked, masked
    if tokens:
        assert path not in masked, masked  # urllib3's request line
    for token in tokens:
        assert token not in masked, masked
