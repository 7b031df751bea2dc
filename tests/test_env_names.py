"""Every config field ending in `_env` names an environment variable (`core.strict.check_env_name`): a
source's token variable, the Elasticsearch URL and API key variables, a channel's webhook variable. A secret
pasted there instead is refused, naming the field and never repeating the value."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from groundswell.config import parse_config

TOKEN = "AAAAAAAAAAAAAAAAAAAAAF7s3cr3tBearer%2Fvalue"


@pytest.mark.parametrize(("section", "where"), [
    ({"sources": [{"type": "x", "options": {"bearer_token_env": TOKEN}}]}, "bearer_token_env"),
    ({"sources": [{"type": "reddit", "options": {"client_secret_env": "hunter2 secret"}}]}, "client_secret_env"),
    ({"store": {"type": "elasticsearch", "url_env": "https://elastic:pw@es.example:9200"}}, "url_env"),
    ({"store": {"type": "elasticsearch", "api_key_env": TOKEN}}, "api_key_env"),
])
def test_a_secret_where_its_variable_name_belongs_is_refused_unrepeated(section, where):
    data = {"brands": [{"name": "Acme", "query": "acme"}], **section}
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    text = str(caught.value)
    assert where in text and "must NAME an environment variable" in text
    assert "s3cr3t" not in text and "hunter2" not in text and "elastic:pw" not in text


def test_variable_names_are_accepted():
    config = parse_config({
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [{"type": "x", "options": {"bearer_token_env": "ACME_X_TOKEN"}}],
        "store": {"type": "elasticsearch", "url_env": "ACME_ES_URL", "api_key_env": "ACME_ES_KEY"},
    })
    assert config.store.url_env == "ACME_ES_URL"
