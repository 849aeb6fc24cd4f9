"""``patron-utils keys add | list | remove``, and the command line's operations recorded as made
from the command line (log, its JSON and the operation's header)."""

from __future__ import annotations

import io
import json
import sys

import asyncssh
import pytest

from .commands import AIDE, AIDE_PASSWORD, OPERATOR, count


def new_key(comment: str | None = None):
    return asyncssh.generate_private_key("ssh-ed25519", comment=comment)


def key_rows(db) -> int:
    return count(db, "SELECT count(*) FROM operator_keys")


def stdin_of(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_keys_add_list_and_remove_an_operators_own_key(cli, db, tmp_path):
    key = new_key("dana@laptop")
    pub = tmp_path / "id_ed25519.pub"
    pub.write_bytes(key.export_public_key())
    fingerprint = key.get_fingerprint()

    added = cli("keys", "add", OPERATOR, pub)
    assert added.code == 0, added.err
    assert added.out == f"Added ssh-ed25519 key {fingerprint} (dana@laptop) to {OPERATOR}.\n"
    assert count(db, "SELECT count(*) FROM operator_keys WHERE fingerprint = ?", fingerprint) == 1

    listed = cli("keys", "list", OPERATOR)
    assert listed.code == 0, listed.err
    assert listed.out.splitlines() == [
        f"{fingerprint}\tssh-ed25519\tdana@laptop\t2026-06-01 09:00:00\t{OPERATOR}"
    ]
    as_json = cli("keys", "list", OPERATOR, "--format", "json")
    assert as_json.code == 0
    assert json.loads(as_json.out) == [
        {
            "fingerprint": fingerprint,
            "algorithm": "ssh-ed25519",
            "comment": "dana@laptop",
            "added": "2026-06-01 09:00:00",
            "added_by": OPERATOR,
        }
    ]
    # Options before the command reach it too.
    assert cli("--db", db, "keys", "list", OPERATOR).out == listed.out

    removed = cli("keys", "remove", OPERATOR, fingerprint)
    assert removed.code == 0, removed.err
    assert fingerprint in removed.out
    assert key_rows(db) == 0
    empty = cli("keys", "list", OPERATOR, "--format", "json")
    assert json.loads(empty.out) == []


def test_keys_add_reads_standard_input_by_default_and_for_a_dash(cli, db, monkeypatch):
    first, second = new_key(), new_key()
    stdin_of(monkeypatch, first.export_public_key())
    assert cli("keys", "add", AIDE).code == 0  # level 0 adds the aide's key
    stdin_of(monkeypatch, second.export_public_key())
    assert cli("keys", "add", AIDE, "-").code == 0
    assert (
        count(
            db,
            "SELECT count(*) FROM operator_keys k JOIN patrons p ON p.id = k.patron_id "
            "WHERE p.username = ? AND k.added_by = ?",
            AIDE,
            OPERATOR,
        )
        == 2
    )


def test_an_aide_may_not_add_a_key_for_another_operator(cli, db, tmp_path, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    pub = tmp_path / "k.pub"
    pub.write_bytes(new_key().export_public_key())
    refused = cli("keys", "add", OPERATOR, pub)
    assert refused.code == 3
    assert f"aide may not add keys of {OPERATOR}" in refused.err
    assert key_rows(db) == 0
    assert cli("keys", "list", OPERATOR).code == 3
    assert cli("keys", "add", AIDE, pub).code == 0  # their own
    assert key_rows(db) == 1


def test_a_private_key_file_is_refused_and_not_stored(cli, db, tmp_path):
    secret = tmp_path / "id_ed25519"
    secret.write_bytes(new_key().export_private_key())
    result = cli("keys", "add", OPERATOR, secret)
    assert result.code == 2
    assert "this is a PRIVATE key" in result.err and str(secret) in result.err
    assert "nothing was written" in result.err and "Traceback" not in result.err
    assert key_rows(db) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbad x\n", "is not a valid ssh-ed25519 key"),
        (b"hello\n", "does not start with a key type"),
        (b"", "is empty"),
        (b"\xff\xfe not text", "is not text"),
    ],
    ids=["bad-data", "not-a-key", "empty", "not-text"],
)
def test_a_bad_key_file_says_what_is_wrong(cli, db, tmp_path, content, message):
    bad = tmp_path / "bad.pub"
    bad.write_bytes(content)
    result = cli("keys", "add", OPERATOR, bad)
    assert result.code == 2, result.err
    assert message in result.err and "Traceback" not in result.err
    assert key_rows(db) == 0


def test_a_missing_file_and_an_unknown_fingerprint_are_named(cli, db, tmp_path):
    missing = cli("keys", "add", OPERATOR, tmp_path / "nope.pub")
    assert missing.code == 2 and "there is no file" in missing.err
    unknown = cli("keys", "remove", OPERATOR, "SHA256:nosuchkey")
    assert unknown.code == 2
    assert f"{OPERATOR} has no key 'SHA256:nosuchkey'" in unknown.err


def test_a_duplicate_key_is_refused(cli, db, tmp_path):
    pub = tmp_path / "k.pub"
    key = new_key()
    pub.write_bytes(key.export_public_key())
    assert cli("keys", "add", OPERATOR, pub).code == 0
    again = cli("keys", "add", AIDE, pub)
    assert again.code == 2
    assert f"{key.get_fingerprint()} is already registered to {OPERATOR}" in again.err
    assert key_rows(db) == 1


# -- how an operation was made ---------------------------------------------------------------------


def test_the_command_lines_operations_are_made_from_the_command_line(cli, db):
    applied = cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes")
    assert applied.code == 0, applied.err
    assert "Made from: command line" in applied.out.partition("\n\n")[0].splitlines()
    assert cli("undo", "1", "--yes").code == 0
    assert count(db, "SELECT count(*) FROM operations WHERE via = 'command line'") == 2

    ops = json.loads(cli("log", "--format", "json").out)
    assert [(op["id"], op["via"]) for op in ops] == [(2, "command line"), (1, "command line")]
    lines = cli("log").out.splitlines()
    assert [line.split("\t")[3] for line in lines] == ["command line", "command line"]
