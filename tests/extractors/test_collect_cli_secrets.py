"""`groundswell collect` masks the secrets its source options name, like every other command.

It builds the source's options from `--option` instead of loading a config, so it must
register those options' `*_env` variables itself (groundswell/cli.py does it for configs).
"""

from __future__ import annotations

import secrets

import pytest
from click.testing import CliRunner

from core.logsafe import MASK, redact
from extractors.cli import collect


def test_the_variable_a_source_option_names_is_masked_in_logs(server, tmp_path, monkeypatch):
    # A name that does not look secret, so only the option naming it can tell the masker.
    token = "xtok-" + secrets.token_hex(12)
    monkeypatch.setenv("GS_TEST_X_APP_KEY", token)
    assert redact(f"sent {token}") == f"sent {token}"  # unknown before the command runs
    result = CliRunner().invoke(
        collect,
        [
            "--source", "x", "--query", "acme", "--out", str(tmp_path / "o.jsonl"),
            "-o", "bearer_token_env=GS_TEST_X_APP_KEY", "-o", f"api_base_url={server.base}", "-o", "max_pages=1",
        ],
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # the test server knows no X route: a clean source error
    assert token not in result.output
    assert redact(f"sent {token}") == f"sent {MASK}"


def test_printed_source_errors_are_redacted_like_log_lines(capsys):
    """`groundswell collect` prints the report's errors with click.echo, past the logs' RedactingFilter."""
    from groundswell.cli import EXIT_PARTIAL, _exit_for

    errors = {
        "rss/acme": "rss https://feeds.example/private.atom?token=ghp_S3cr3tT0kenValue: not authorised (403)",
        "hn/acme": "hackernews: unexpected response",
    }
    with pytest.raises(SystemExit) as exited:
        _exit_for(errors, attempted=3, deadletter=0)
    assert exited.value.code == EXIT_PARTIAL
    err = capsys.readouterr().err
    assert "S3cr3t" not in err
    assert f"rss/acme: {redact(errors['rss/acme'])}" in err and f"token={MASK}" in err
    assert "hn/acme: hackernews: unexpected response" in err


def test_the_printed_run_summary_is_masked_and_stays_json(capsys):
    """The summary's `source_errors` and `skipped_reasons` are printed to stdout, past the log filter too."""
    import json

    from groundswell.cli import _emit

    _emit({"source_errors": {"rss/acme": "rss https://f.example/a?token=ghp_S3cr3tT0kenValue: gone (410)",
                             "hn/acme": 'rejected (400): {"url": "https://h.example/?access_token=tok123456"}'},
           "skipped_reasons": ['x item 1: {"Authorization": "Bearer abcdef123456"}']})
    out = capsys.readouterr().out
    assert "S3cr3t" not in out and "abcdef123456" not in out and "tok123456" not in out
    summary = json.loads(out)  # a mask next to an escaped quote must not break the line
    assert summary["source_errors"]["rss/acme"].endswith("gone (410)")
