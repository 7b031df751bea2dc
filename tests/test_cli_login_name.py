"""What `--by` records when it is not given: the login name as the system knows it (getpass.getuser()), "cli" only
when there is none. It read $USER/$USERNAME alone, so a cron job or a container with $LOGNAME set (or no $USER at
all) recorded "cli" in place of the person."""

from __future__ import annotations

import getpass
import os
import pwd

import pytest
from click.testing import CliRunner

from groundswell.cli import cli
from groundswell.cli_options import login_name


@pytest.fixture
def no_login_vars(monkeypatch):
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)


def test_logname_is_the_login_name(monkeypatch, no_login_vars):
    monkeypatch.setenv("LOGNAME", "ana")  # cron and login(1) set it; $USER may be absent there
    assert login_name() == "ana"


def test_without_variables_the_account_of_this_user_id_is_recorded(no_login_vars):
    try:
        account = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        pytest.skip("this user id has no entry in the password database")
    assert login_name() == account == getpass.getuser()


def test_help_of_every_by_option_says_what_is_recorded():
    for command in (["sentiment", "correct"], ["spam", "not-spam"], ["alerts", "verdict"]):
        text = " ".join(CliRunner().invoke(cli, [*command, "--help"], terminal_width=400).stdout.split())
        assert 'getpass.getuser(): $LOGNAME, $USER, $LNAME or $USERNAME' in text, command
        assert 'or "cli" when there is none' in text, command
