"""`core.file_rewrite.rewrite`, the one in-place rewrite of retention and erasure: lines another process appends
while the file is transformed survive, permissions and symlinks are kept, a failed transform changes nothing;
and `groundswell subject` redaction and `alerts.history.trim_jsonl` go through it."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from alerts.history import trim_jsonl
from alerts.redact import Redaction
from core.file_rewrite import rewrite
from groundswell.subject_files import redact_file


def test_lines_appended_during_the_transform_are_kept(tmp_path):
    path = tmp_path / "alerts.jsonl"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(1000)))

    def drop_even(data: bytes) -> bytes:
        with open(path, "ab") as fh:  # a channel delivering while the file is filtered
            fh.write(b"appended 1\nappended 2\n")
        return b"".join(line for line in data.splitlines(keepends=True) if int(line.split()[1]) % 2)

    assert rewrite(path, drop_even)
    lines = path.read_bytes().splitlines()
    assert len(lines) == 502 and lines[-2:] == [b"appended 1", b"appended 2"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_mode_and_symlink_are_kept_and_a_failing_transform_changes_nothing(tmp_path):
    target = tmp_path / "real" / "digest.md"
    target.parent.mkdir()
    target.write_text("- a\n- b\n", encoding="utf-8")
    os.chmod(target, 0o600)
    link = tmp_path / "2026-11-04.md"
    link.symlink_to(target)
    assert rewrite(link, lambda data: data.replace(b"b", b"c"))
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "- a\n- c\n"
    assert target.stat().st_mode & 0o777 == 0o600

    def broken(data: bytes) -> bytes:
        raise ValueError("no")

    with pytest.raises(ValueError):
        rewrite(link, broken)
    assert target.read_text(encoding="utf-8") == "- a\n- c\n" and len(list(target.parent.iterdir())) == 1


def test_redaction_and_retention_keep_the_files_mode_and_link(tmp_path):
    target = tmp_path / "kept" / "2026-11-04.md"
    target.parent.mkdir()
    target.write_text("- “Acme ate my dog” — @ann (negative, 0 interactions)\n- “fine” — @bob (0 interactions)\n",
                      encoding="utf-8")
    os.chmod(target, 0o640)
    link = tmp_path / "2026-11-04.md"
    link.symlink_to(target)
    redaction = Redaction()
    redaction.add_post("x:1", "https://x.example/ann/1", "Acme ate my dog", "ann", "x")
    assert redact_file(link, redaction) == 1
    assert link.is_symlink() and target.stat().st_mode & 0o777 == 0o640
    assert target.read_text(encoding="utf-8").splitlines() == [
        "- “[removed]” — [removed] (negative, 0 interactions)", "- “fine” — @bob (0 interactions)"]
    channel = tmp_path / "alerts.jsonl"
    channel.write_text('{"report": {"day": "2020-01-01"}}\nnot json\n', encoding="utf-8")
    os.chmod(channel, 0o600)
    report = trim_jsonl(channel, datetime(2026, 1, 1, tzinfo=UTC), drop=lambda record: True)
    assert report.removed == 1 and channel.read_text(encoding="utf-8") == "not json\n"
    assert channel.stat().st_mode & 0o777 == 0o600
