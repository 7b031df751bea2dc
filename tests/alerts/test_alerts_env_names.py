"""`*_env` channel fields must name an environment variable: a secret pasted there is refused, unrepeated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alerts.config import EmailChannel, WebhookChannel
from core.errors import ConfigError
from groundswell.config import parse_config

SLACK_URL = "https://hooks.slack.com/services/T0AAA/B0BBB/s3cr3tT0k3nXYZ"


def _email(password_env: str | None) -> EmailChannel:
    return EmailChannel(type="email", host="smtp.example.org", sender="a@example.org", to=["b@example.org"],
                        password_env=password_env)


@pytest.mark.parametrize("value", [SLACK_URL, "hunter2 pw", "9LIVES", "SLACK-URL", "$SLACK_WEBHOOK_URL", " X"])
def test_a_value_that_is_not_a_variable_name_is_refused_without_repeating_it(value):
    for build, field in ((lambda: WebhookChannel(type="slack", url_env=value), "url_env"),
                         (lambda: _email(value), "password_env")):
        with pytest.raises(ValidationError) as caught:
            build()
        (error,) = caught.value.errors(include_input=False)
        assert error["loc"] == (field,) and "must NAME an environment variable" in error["msg"]
        assert value not in str(caught.value)


@pytest.mark.parametrize("name", ["SLACK_WEBHOOK_URL", "_x", "a1", "GS_SMTP_PASSWORD"])
def test_variable_names_are_accepted(name):
    assert WebhookChannel(type="teams", url_env=name).url_env == name
    assert _email(name).password_env == name
    assert _email(None).password_env is None


def test_a_webhook_url_in_url_env_is_a_config_error_naming_the_field_not_the_url():
    data = {"brands": [{"name": "Acme", "query": "acme"}], "channels": [{"type": "slack", "url_env": SLACK_URL}]}
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    text = str(caught.value)
    assert "channels.0 (slack).url_env" in text and "must NAME an environment variable" in text
    assert SLACK_URL not in text and "s3cr3t" not in text
