"""The command line's writing doors, tried by the aide who wants more rights (``patron-utils
undo``, ``import --preset koha``, ``run … --preset``, ``run advance-all-grades`` and
``recompute-due-dates``, ``sync oneroster``): the store's refusal is said, the exit status
is the refusal's, and nothing is written (tests/store/test_aide_doors*.py: the same doors
through the store)."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from ..store.roster_sync_helpers import demo_users, export
from .commands import AIDE, AIDE_PASSWORD, dump

ADMIN_ID, AIDE_ID, TEACHER_ID = 151, 152, 25  # the 150-patron demo's operators, a teacher
REFUSED, INVALID = 3, 2


def query(db, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        with conn:
            return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def as_aide(monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)


def test_the_aide_may_not_undo_the_administrators_forgiveness(db, cli, monkeypatch):
    done = cli("run", "forgive-charges", "--category", "All Charges, Fees, and Fines", "--yes")
    assert done.code == 0, done.err
    [(op,)] = query(db, "SELECT id FROM operations")
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    before = dump(db)
    for argv in ((str(op),), (str(op), "--yes")):
        refused = cli("undo", *argv)
        assert refused.code == REFUSED, refused.err
        assert "'Charges: Forgive'" in refused.err and "Traceback" not in refused.err
    assert dump(db) == before


def test_a_koha_userid_taking_the_administrators_login_is_refused(db, cli, tmp_path, as_aide):
    path = tmp_path / "koha.csv"
    with open(path, "w", newline="") as out:
        csv.writer(out).writerows(
            [
                ["cardnumber", "surname", "firstname", "branchcode", "userid"],
                ["NEW1", "Newman", "Ned", "ELM", "Demo"],
                ["STAFF001", "Reyes", "Dana", "HIGH", "aide2"],
            ]
        )
    before = dump(db)
    for dry in ((), ("--dry-run",)):
        refused = cli("import", path, "--preset", "koha", *dry)
        assert refused.code == INVALID, refused.err
        assert "'Demo' belongs to patron STAFF001" in refused.err
        assert "District Administrator (level 0), not below your level 2" in refused.err
        assert "nothing was imported" in refused.err and "Traceback" not in refused.err
    assert dump(db) == before


def test_a_saved_run_edited_in_the_database_is_planned_as_the_aide_typed_it(db, cli, as_aide):
    query(
        db,
        "INSERT INTO saved_runs (utility, name, selection, options, operator, owner_id, saved) "
        "VALUES ('change-status', 'Staff out', ?, ?, 'aide', ?, '2026-05-01 00:00:00')",
        json.dumps({"security_groups": ["District Administrator", "Teacher"]}),
        json.dumps({"status": "Suspended"}),
        AIDE_ID,
    )
    done = cli("run", "change-status", "--preset", "Staff out", "--yes", "--format", "json")
    assert done.code == 0, done.err
    assert query(
        db, "SELECT DISTINCT status FROM patrons WHERE id IN (?, ?)", ADMIN_ID, TEACHER_ID
    ) == [("Active",)]
    assert query(db, "SELECT changed FROM operations") == [(0,)]
    # Options no form offers, stored by hand: refused by name, nothing written.
    query(
        db,
        "UPDATE saved_runs SET options = ?",
        json.dumps({"status": "Active", "security_group": "District Administrator"}),
    )
    before = dump(db)
    refused = cli("run", "change-status", "--preset", "Staff out", "--yes")
    assert refused.code == INVALID, refused.err
    assert "--security-group (Security group): is not a field of this form" in refused.err
    assert "Traceback" not in refused.err
    assert dump(db) == before


@pytest.mark.parametrize(
    "key, prepare, read",
    [
        (
            "advance-all-grades",
            "UPDATE patrons SET grade = '5' WHERE id IN (151, 152, 25)",
            "SELECT id, grade FROM patrons WHERE id IN (151, 152, 25) ORDER BY id",
        ),
        (
            "recompute-due-dates",
            "UPDATE checkouts SET due_date = '2026-05-02' WHERE patron_id = 25",
            "SELECT id, due_date FROM checkouts WHERE patron_id = 25 ORDER BY id",
        ),
    ],
)
def test_the_aides_batch_leaves_staff_at_or_above_their_level(db, cli, as_aide, key, prepare, read):
    query(db, prepare)
    kept = query(db, read)
    assert kept
    done = cli("run", key, "--yes", "--format", "json")
    assert done.code == 0, done.err
    assert query(db, read) == kept
    [(op,)] = query(db, "SELECT id FROM operations")
    skipped = dict(
        query(db, "SELECT patron_id, reason FROM operation_changes WHERE operation_id = ?", op)
    )
    assert skipped[TEACHER_ID] == "in Teacher (level 2), not below your level 2"


@pytest.fixture
def synced(db, cli, tmp_path) -> list[dict[str, str]]:
    """The demo's roster users, synced once as the administrator (their roster ids kept)."""
    conn = sqlite3.connect(db)
    try:
        users = demo_users(conn)
    finally:
        conn.close()
    assert cli("sync", "oneroster", export(tmp_path, users, "first"), "--yes").code == 0
    return users


def test_a_roster_giving_a_patron_another_patrons_barcode_is_a_skip_not_an_error(
    db, cli, tmp_path, synced
):
    users = synced
    mover = next(u for u in users if u["identifier"] == "20260001")
    mover["identifier"] = "staff001"
    before = dump(db)
    result = cli("sync", "oneroster", export(tmp_path, users, "taken"), "--yes")
    assert result.code == 0, result.err
    assert "barcode staff001 is patron STAFF001's barcode in another case" in result.out
    assert "Traceback" not in result.err
    assert dump(db) == before  # nothing else to do: no operation either


def test_the_aide_may_not_replace_notes_nor_undo_the_administrators(db, cli, monkeypatch):
    note = ("--note", "See the librarian", "--note-type", "Alert")
    done = cli("run", "add-notes", *note, "--grades", "3", "--yes")
    assert done.code == 0, done.err
    [(op,)] = query(db, "SELECT id FROM operations")
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    before = dump(db)
    replaced = cli("run", "add-notes", *note, "--replace-existing", "--grades", "3", "--yes")
    assert replaced.code == INVALID, replaced.err
    assert "--replace-existing" in replaced.err
    assert "'Patron Notes, Pictures and History: Remove'" in replaced.err
    undone = cli("undo", str(op), "--yes")
    assert undone.code == REFUSED, undone.err
    assert "'Patron Notes, Pictures and History: Remove'" in undone.err
    assert "Traceback" not in replaced.err + undone.err
    assert dump(db) == before


def test_a_roster_giving_one_username_twice_is_a_skip_not_an_error(db, cli, tmp_path, synced):
    users = synced
    users[0]["username"], users[1]["username"] = "SameName", "samename"
    result = cli("sync", "oneroster", export(tmp_path, users, "names"), "--yes")
    assert result.code == 0, result.err
    assert "username 'samename' is also given on users.csv row 2" in result.out
    assert "Traceback" not in result.err
    assert query(db, "SELECT barcode FROM patrons WHERE username = 'samename'") == [
        (users[0]["identifier"],)
    ]
