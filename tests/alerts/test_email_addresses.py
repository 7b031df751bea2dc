"""An email channel's `from` and `to` must be addresses (`alerts.config.address_problem`); a display name
("Name <a@b>") is one, and the SMTP envelope carries the bare address."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alerts.channels.email import EmailSender
from alerts.config import EmailChannel
from tests.alerts.conftest import SMTP_PASSWORD, email_channel, make_alert


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"from": "groundswell"}, "from\n  Value error, 'groundswell' is not an email address"),
        ({"to": ["ok@example.org", "mgmt-at-example.org"]}, "to\n  Value error, item 1: 'mgmt-at-example.org' is not"),
        ({"to": ["a@example.org, b@example.org"]}, "is not an email address (one address per item)"),
    ],
)
def test_what_is_no_address_is_refused(fields: dict, expected: str) -> None:
    base = {"type": "email", "host": "h", "from": "gs@example.org", "to": ["pr@example.org"]}
    with pytest.raises(ValidationError) as err:
        EmailChannel.model_validate({**base, **fields})
    assert expected in str(err.value)


def test_display_names_are_accepted_and_the_envelope_has_the_bare_addresses(smtp_server) -> None:
    channel = email_channel(smtp_server, sender="Groundswell <gs@example.org>", to=["PR Team <pr@example.org>"])
    EmailSender(channel, {"PW": SMTP_PASSWORD}).send(make_alert())
    ((mail_from, rcpt_tos, message),) = smtp_server.recorder.messages
    assert (mail_from, rcpt_tos) == ("gs@example.org", ["pr@example.org"])
    assert message["From"] == "Groundswell <gs@example.org>"
