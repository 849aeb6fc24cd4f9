"""``patron-utils sync oneroster PATH`` (issue 19): the dry run (text and JSON), --yes, the
transfer guard's refusal and its confirmation, a second run with nothing to do, bad input,
an aide refused, and undo of a sync from the command line."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ..store.roster_sync_helpers import demo_users, export, user
from .commands import AIDE, AIDE_PASSWORD


def rows(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def status(db, barcode):
    return rows(db, "SELECT status FROM patrons WHERE barcode = ?", barcode)[0][0]


@pytest.fixture
def users(db):
    conn = sqlite3.connect(db)
    try:
        return demo_users(conn)
    finally:
        conn.close()


@pytest.fixture
def roster(users, tmp_path):
    """The demo's own roster but its first user (at ELM), with one new student."""
    varied = users[1:] + [user("u-new", identifier="N1", givenName="Nia", familyName="New")]
    return export(tmp_path, varied)


def test_the_dry_run_lists_every_patron_and_writes_nothing(cli, db, users, roster):
    before = rows(db, "SELECT * FROM patrons ORDER BY id")
    done = cli("sync", "oneroster", roster)
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert lines[0] == "Would sync from roster (dry run; --yes applies it) — OneRoster 1.1"
    n = len(users)
    assert (
        lines[1] == f"1 new, {n - 1} updated, 0 unchanged, 1 transferred, 2 skipped"
    )  # the operators
    gone = users[0]["identifier"]
    assert any(
        line.startswith(f"transferred\t{gone}\t")
        and line.endswith("\tnot in the roster: status Active → Transferred")
        for line in lines
    )
    assert "new\tN1\tNew, Nia\tnew patron" in lines
    # An update names each field as the library reads it, with its current and new value.
    updated = [line for line in lines if line.startswith("updated\t")]
    assert updated and all("\tRoster id (blank) → " in line for line in updated)
    assert rows(db, "SELECT * FROM patrons ORDER BY id") == before
    assert rows(db, "SELECT count(*) FROM operations") == [(0,)]


def test_json_is_one_object(cli, db, roster):
    done = cli("sync", "oneroster", roster, "--format", "json")
    out = json.loads(done.out)
    assert out["counts"]["new"] == 1 and out["counts"]["transferred"] == 1
    assert out["applied"] is False and out["operation"] is None
    [new] = [p for p in out["patrons"] if p["fate"] == "new"]
    assert (new["barcode"], new["sourced_id"]) == ("N1", "u-new")


def test_yes_applies_then_the_same_roster_has_nothing_to_do_and_undo_takes_it_back(
    cli, db, users, roster
):
    before = rows(db, "SELECT barcode, status, roster_id FROM patrons ORDER BY id")
    done = cli("sync", "oneroster", roster, "--yes")
    assert done.code == 0, done.err
    assert done.out.startswith("Synced from roster as operation #1")
    assert status(db, users[0]["identifier"]) == "Transferred"
    assert rows(db, "SELECT username, roster_id FROM patrons WHERE barcode = 'N1'") == [
        ("N1", "u-new")
    ]
    again = cli("sync", "oneroster", roster, "--yes")
    assert again.out.startswith("Nothing to do: roster matches the patrons; nothing was written")
    assert rows(db, "SELECT count(*) FROM operations") == [(1,)]
    assert cli("undo", "1", "--yes").code == 0
    assert rows(db, "SELECT barcode, status, roster_id FROM patrons ORDER BY id") == before


def test_the_guard_refuses_with_exit_2_until_the_transfers_are_confirmed(cli, db, users, tmp_path):
    mid = [u for u in users if u["orgSourcedIds"] == "s-mid"]
    half = export(tmp_path, [u for u in users if u not in mid[: len(mid) // 2]], "half")
    refused = cli("sync", "oneroster", half, "--yes")
    assert refused.code == 2
    n = len(mid) // 2
    assert f"--confirm-transfers {n}" in refused.err and "nothing was written" in refused.err
    assert f"Applying needs --confirm-transfers {n}" in refused.out
    assert rows(db, "SELECT count(*) FROM operations") == [(0,)]
    assert status(db, mid[0]["identifier"]) == "Active"
    done = cli("sync", "oneroster", half, "--yes", "--confirm-transfers", n)
    assert done.code == 0, done.err
    assert status(db, mid[0]["identifier"]) == "Transferred"


def test_an_unreadable_roster_is_exit_2(cli, db, tmp_path):
    missing = cli("sync", "oneroster", tmp_path / "nowhere")
    assert missing.code == 2 and "PATH: the roster cannot be read" in missing.err
    folder = tmp_path / "empty"
    folder.mkdir()
    assert cli("sync", "oneroster", folder).code == 2


def test_a_bad_mapping_file_is_exit_2_naming_the_key(cli, db, roster, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text("transfer_guard_percent = 300\n")
    bad = cli("sync", "oneroster", roster, "--mapping", mapping)
    assert bad.code == 2 and "transfer_guard_percent" in bad.err


def test_an_aide_is_refused_with_exit_3(cli, db, roster, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    refused = cli("sync", "oneroster", roster, "--yes")
    assert refused.code == 3
    assert "Patron Security Groups: Assign" in refused.err
    assert rows(db, "SELECT count(*) FROM operations") == [(0,)]
