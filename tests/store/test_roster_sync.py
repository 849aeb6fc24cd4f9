"""Sync from Roster (issue 19) on the demo district: every patron's fate, matching by the
roster id after a barcode change, the transfer guard, idempotence, undo, zip and folder,
bad files, and the patrons a sync never touches."""

from __future__ import annotations

import pytest

import store
from store.roster.model import BadRoster
from store.roster.sync import SyncStale, TransfersUnconfirmed
from store.security import ALL_PERMISSIONS, NotPermitted, Operator

from ..databases import demo_db
from ..operators import ADMIN, AIDE
from .roster_fixtures import export_1_2, write, zipped
from .roster_sync_helpers import COLUMNS, demo_users, export, user
from .undo_helpers import dump, unstamped


@pytest.fixture
def s(tmp_path):
    st = store.Store(demo_db(tmp_path))
    yield st
    st.close()


def synced(s, tmp_path, users, name="roster", confirm=None):
    plan = s.plan_sync(export(tmp_path, users, name), ADMIN)
    return plan, s.apply_sync(plan, ADMIN, confirm)


def fates(plan) -> dict[str, tuple[str, str]]:
    return {f.barcode: (f.fate, f.reason) for f in plan.fates}


def patron(s, barcode):
    return next(s.db.query("SELECT * FROM patrons WHERE barcode = ?", [barcode]), None)


def col(s, column, barcode):
    return s.db.execute(f"SELECT {column} FROM patrons WHERE barcode = ?", [barcode]).fetchone()[0]


def operations(s) -> int:
    return s.db.execute("SELECT count(*) FROM operations").fetchone()[0]


@pytest.fixture
def baseline(s, tmp_path):
    """The demo after its first sync: every roster user's patron keeps their roster id."""
    users = demo_users(s.db)
    synced(s, tmp_path, users, "first")
    return users


# -- the first sync and the second ------------------------------------------------------------
def test_the_first_sync_keeps_the_roster_id_and_the_same_roster_again_changes_nothing(s, tmp_path):
    users = demo_users(s.db)
    plan, result = synced(s, tmp_path, users)
    assert plan.counts == {"new": 0, "updated": 287, "unchanged": 0, "transferred": 0, "skipped": 3}
    assert {f.reason for f in plan.fates if f.fate == "updated"} == {"Roster id"}
    assert plan.synced_sites == ("ELM", "HIGH", "MID")
    assert plan.other_sites == {"UNION": 3}  # active, not in the roster, never transferred
    assert col(s, "roster_id", "20260001") == "u20260001"
    assert s.operation(result.operation_id)["utility"] == "sync-roster"
    assert s.operation(result.operation_id)["title"] == "Sync from Roster (roster)"
    before, ops = dump(s), operations(s)
    again = s.plan_sync(export(tmp_path, users, "again"), ADMIN)
    assert again.counts == {
        "new": 0,
        "updated": 0,
        "unchanged": 287,
        "transferred": 0,
        "skipped": 3,
    }
    assert again.nothing_to_do
    assert s.apply_sync(again, ADMIN).operation_id is None  # nothing to do: nothing written
    assert (dump(s), operations(s)) == (before, ops)


def test_undo_of_the_first_sync_takes_the_roster_ids_back(s, tmp_path):
    _, result = synced(s, tmp_path, demo_users(s.db))
    assert col(s, "roster_id", "20260001") == "u20260001"
    s.undo(result.operation_id, ADMIN)
    assert (
        s.db.execute("SELECT count(*) FROM patrons WHERE roster_id IS NOT NULL").fetchone()[0] == 0
    )


def test_operators_are_protected_in_the_roster_or_not(s, tmp_path):
    users = demo_users(s.db)
    # The Librarian (an operator) is in the roster as a teacher: the sync would demote them.
    users.append(
        user(
            "u-lib",
            identifier="20260250",
            givenName="S",
            familyName="MacRae",
            role="teacher",
            orgSourcedIds="s-high",
        )
    )
    plan, _ = synced(s, tmp_path, users)
    got = fates(plan)
    assert got["20260250"] == ("skipped", "protected: an operator (Librarian grants permissions)")
    assert got["STAFF001"] == (
        "skipped",
        "protected: your own account; not in the roster, not transferred",
    )
    assert got["STAFF002"][1].startswith("protected: an operator (Library Aide")
    assert patron(s, "20260250")["security_group"] == "Librarian"
    assert patron(s, "20260250")["roster_id"] is None
    assert patron(s, "STAFF002")["status"] == "Active"


# -- every fate ---------------------------------------------------------------------------------
def test_every_fate_in_one_sync(s, tmp_path, baseline):
    s.db.execute(
        "INSERT INTO patrons (barcode, first_name, middle_name, last_name, nickname, status, "
        "site, created, modified, is_unknown) VALUES ('UNK', '', '', 'Unknown', '', 'Active', "
        "'ELM', '2026-01-01', '2026-01-01', 1)"
    )
    s.db.conn.commit()
    users = [dict(u) for u in baseline]
    by = {u["identifier"]: u for u in users}
    gone = [users[0]["identifier"], users[1]["identifier"]]  # both at ELM
    users = users[2:]
    by["20260005"]["familyName"] = "Renamed"
    by["20260006"]["grades"] = "ZZ"  # a code the mapping lacks: skipped, not transferred
    users += [
        user(
            "u-new",
            identifier="N1",
            givenName="Nia",
            familyName="New",
            grades="03",
            email="nia@school.org",
        ),
        user("u-far", identifier="N2", givenName="Far", familyName="Away", orgSourcedIds="s-new"),
        user("u-mum", givenName="Mum", familyName="New", role="guardian"),
    ]
    assert all(col(s, "site", b) == "ELM" for b in gone)
    last = col(s, "last_name", "20260005")
    plan, result = synced(s, tmp_path, users, "second")
    got = fates(plan)
    assert plan.counts == {"new": 2, "updated": 1, "unchanged": 283, "transferred": 2, "skipped": 6}
    assert got[gone[0]] == ("transferred", "not in the roster: status Active → Transferred")
    assert got["20260005"][0] == "updated"
    [renamed] = [f for f in plan.fates if f.barcode == "20260005"]
    assert renamed.changes == (("Last name", last, "Renamed"),)
    assert got["20260006"][0] == "skipped"
    assert got["20260006"][1].startswith("row problem: users.csv, row ")
    assert "grade code 'ZZ' is not in the mapping" in got["20260006"][1]
    assert got["N1"] == ("new", "new patron")
    assert got["N2"] == ("new", "new patron on the Union Site (their school is no site here)")
    assert got[""] == ("skipped", "guardian: guardians, parents and relatives are not patrons")
    assert got["UNK"][1].startswith("protected: the Unknown Patron")
    # Written: the fates, nothing else.
    assert [col(s, "status", b) for b in gone] == ["Transferred", "Transferred"]
    assert col(s, "last_name", "20260005") == "Renamed"
    assert col(s, "status", "20260006") == "Active"
    nia = patron(s, "N1")
    assert (nia["username"], nia["roster_id"], nia["grade"], nia["site"]) == (
        "N1",
        "u-new",
        "3",
        "ELM",
    )
    assert s.db.execute(
        "SELECT address, position FROM patron_emails WHERE patron_id = ?", [nia["id"]]
    ).fetchall() == [("nia@school.org", 0)]
    assert col(s, "site", "N2") == "UNION"
    assert col(s, "status", "UNK") == "Active"
    assert s.db.execute("SELECT count(*) FROM patrons WHERE barcode = ''").fetchone()[0] == 0
    op = s.operation(result.operation_id)
    assert (op["changed"], op["unchanged"], op["skipped"]) == (5, 283, 6)


def test_a_changed_barcode_is_an_update_of_the_same_patron(s, tmp_path, baseline):
    users = [dict(u) for u in baseline]
    users[0]["identifier"] = "NEW-0001"
    old = patron(s, "20260001")
    count = s.db.execute("SELECT count(*) FROM patrons").fetchone()[0]
    plan, _ = synced(s, tmp_path, users, "changed")
    assert plan.counts["new"] == plan.counts["transferred"] == 0
    [changed] = [f for f in plan.fates if f.fate == "updated"]
    assert changed.changes == (("Barcode", "20260001", "NEW-0001"),)
    assert patron(s, "NEW-0001")["id"] == old["id"]
    assert s.db.execute("SELECT count(*) FROM patrons").fetchone()[0] == count


def test_the_first_email_goes_first_and_the_others_stay(s, tmp_path, baseline):
    pid = patron(s, "20260003")["id"]
    s.db.execute("DELETE FROM patron_emails WHERE patron_id = ?", [pid])
    s.db.conn.executemany(
        "INSERT INTO patron_emails (patron_id, position, address) VALUES (?, ?, ?)",
        [(pid, 0, "home@example.org"), (pid, 1, "kid@school.org")],
    )
    s.db.conn.commit()
    users = [dict(u) for u in baseline]
    next(u for u in users if u["identifier"] == "20260003")["email"] = "kid@school.org"
    plan, _ = synced(s, tmp_path, users, "email")
    [f] = [f for f in plan.fates if f.fate == "updated"]
    assert f.changes == (("First email", "home@example.org", "kid@school.org"),)
    assert s.db.execute(
        "SELECT address FROM patron_emails WHERE patron_id = ? ORDER BY position", [pid]
    ).fetchall() == [("kid@school.org",), ("home@example.org",)]


def test_a_status_the_library_set_stays_and_one_who_came_back_is_active(s, tmp_path, baseline):
    lost, back = baseline[0]["identifier"], baseline[1]["identifier"]
    s.db.execute("UPDATE patrons SET status = 'Card Lost' WHERE barcode = ?", [lost])
    s.db.execute("UPDATE patrons SET status = 'Transferred' WHERE barcode = ?", [back])
    s.db.conn.commit()
    plan, _ = synced(s, tmp_path, baseline, "back")
    assert fates(plan)[lost] == ("unchanged", "")
    [returned] = [f for f in plan.fates if f.fate == "updated"]
    assert (returned.barcode, returned.changes) == (back, (("Status", "Transferred", "Active"),))
    assert (col(s, "status", lost), col(s, "status", back)) == ("Card Lost", "Active")


# -- the guard ---------------------------------------------------------------------------------
def test_the_guard_refuses_a_half_roster_until_the_transfers_are_typed_back(s, tmp_path, baseline):
    mid = [u for u in baseline if u["orgSourcedIds"] == "s-mid"]
    users = [u for u in baseline if u not in mid[:20]]
    plan = s.plan_sync(export(tmp_path, users, "half"), ADMIN)
    assert plan.count("transferred") == 20
    [guard] = plan.guarded
    assert (guard.site, guard.active, guard.transfers) == ("MID", 57, 20)
    before = dump(s)
    with pytest.raises(
        TransfersUnconfirmed, match=r"MID: 20 of 57 active patrons \(35%\).*--confirm-transfers 20"
    ):
        s.apply_sync(plan, ADMIN)
    with pytest.raises(TransfersUnconfirmed, match="19 was given"):
        s.apply_sync(plan, ADMIN, 19)
    assert dump(s) == before
    s.apply_sync(plan, ADMIN, 20)
    assert [col(s, "status", u["identifier"]) for u in mid[:20]] == ["Transferred"] * 20
    assert all(col(s, "status", u["identifier"]) == "Active" for u in mid[20:])


def test_a_few_transfers_need_no_confirmation(s, tmp_path, baseline):
    plan, result = synced(s, tmp_path, baseline[1:], "few")
    assert plan.guarded == [] and plan.count("transferred") == 1
    assert col(s, "status", baseline[0]["identifier"]) == "Transferred"


# -- undo ----------------------------------------------------------------------------------------
def test_undo_puts_everything_back(s, tmp_path, baseline):
    before = dump(s)
    users = [dict(u) for u in baseline[1:]]
    users[0]["familyName"] = "Undone"
    users[1]["identifier"] = "CHANGED"
    users.append(user("u-new", identifier="N1", familyName="New", email="n@school.org"))
    plan, result = synced(s, tmp_path, users, "undone")
    assert plan.counts["new"] == 1 and plan.counts["transferred"] == 1
    assert patron(s, "N1") is not None
    s.undo(result.operation_id, ADMIN)
    assert patron(s, "N1") is None  # the created patron is removed
    assert col(s, "barcode", baseline[2]["identifier"]) == baseline[2]["identifier"]
    assert unstamped(dump(s)) == unstamped(before)


# -- zip and folder, bad files -----------------------------------------------------------------
def test_a_zip_is_read_as_the_folder(s, tmp_path):
    folder = export(tmp_path, demo_users(s.db)[3:])
    by_folder = s.plan_sync(folder, ADMIN)
    by_zip = s.plan_sync(zipped(folder, inside="export"), ADMIN)
    assert by_zip.fates == by_folder.fates and by_zip.count("transferred") == 3


def test_an_export_without_users_csv_is_refused(s, tmp_path):
    folder = tmp_path / "bad"
    write(folder, "orgs.csv", [["sourcedId", "name"], ["s1", "X"]])
    with pytest.raises(BadRoster, match="users.csv"):
        s.plan_sync(folder, ADMIN)


def test_a_users_csv_without_sourced_id_is_refused(s, tmp_path):
    folder = tmp_path / "bad"
    write(folder, "users.csv", [COLUMNS[1:], ["", "", "", "s-elm", "student"] + [""] * 12])
    with pytest.raises(BadRoster, match="sourcedId"):
        s.plan_sync(folder, ADMIN)


def test_a_duplicate_sourced_id_is_skipped_never_transferred(s, tmp_path, baseline):
    users = [dict(u) for u in baseline]
    twin = dict(users[0], identifier="TWIN")
    users.insert(1, twin)
    plan = s.plan_sync(export(tmp_path, users, "twins"), ADMIN)
    mine = [f for f in plan.fates if f.sourced_id == users[0]["sourcedId"]]
    assert plan.count("transferred") == 0 and plan.count("new") == 0
    assert any(f.fate == "skipped" and "row problem" in f.reason for f in mine)


def test_an_unreadable_row_of_a_first_sync_makes_the_transfers_need_confirming(s, tmp_path):
    users = demo_users(s.db)
    users.insert(1, dict(users[0], identifier="TWIN"))  # both rows of u20260001 unread
    plan = s.plan_sync(export(tmp_path, users, "twins"), ADMIN)
    assert plan.unmatched == ["u20260001"] and plan.count("transferred") == 1
    before = dump(s)
    with pytest.raises(TransfersUnconfirmed, match="1 row\\(s\\) of users.csv could not be read"):
        s.apply_sync(plan, ADMIN)
    assert dump(s) == before


def test_a_1_2_export_of_schools_that_are_no_sites_makes_union_patrons_and_transfers_none(
    s, tmp_path
):
    plan, _ = synced_path(s, export_1_2(tmp_path))
    assert plan.roster.version == "1.2"
    assert plan.counts == {"new": 3, "updated": 0, "unchanged": 0, "transferred": 0, "skipped": 0}
    assert plan.synced_sites == ()  # the Union Site is never a synced site
    assert plan.other_sites["ELM"] == 139
    bob = patron(s, "2001")
    assert (bob["site"], bob["nickname"], bob["username"], bob["roster_id"]) == (
        "UNION",
        "Bob",
        "bo",
        "v1",
    )


def synced_path(s, path, operator=ADMIN):
    plan = s.plan_sync(path, operator)
    return plan, s.apply_sync(plan, operator)


def test_patrons_at_or_above_the_operators_level_are_protected(s, tmp_path):
    librarian = Operator(
        250, "20260250", "Sakura MacRae", "Librarian", 1, frozenset(ALL_PERMISSIONS)
    )
    users = demo_users(s.db)
    users.append(
        user(
            "u-dana",
            identifier="STAFF001",
            givenName="Dana",
            familyName="Reyes",
            role="teacher",
            orgSourcedIds="s-high",
        )
    )
    plan, _ = synced_path(s, export(tmp_path, users), librarian)
    got = fates(plan)
    assert got["STAFF001"] == (
        "skipped",
        "protected: in District Administrator (level 0), not below your level 1",
    )
    assert got["20260250"][1] == "protected: your own account; not in the roster, not transferred"
    assert patron(s, "STAFF001")["security_group"] == "District Administrator"


# -- who may sync ---------------------------------------------------------------------------------
def test_an_aide_may_not_sync_and_nothing_is_written(s, tmp_path):
    folder = export(tmp_path, demo_users(s.db)[5:])
    with pytest.raises(NotPermitted, match="Patron Security Groups: Assign"):
        s.plan_sync(folder, AIDE)
    plan = s.plan_sync(folder, ADMIN)
    before = dump(s)
    with pytest.raises(NotPermitted):
        s.apply_sync(plan, AIDE)  # re-checked under the lock: the plan is no pass
    assert dump(s) == before


def test_a_patron_changed_since_the_plan_makes_it_stale(s, tmp_path, baseline):
    plan = s.plan_sync(export(tmp_path, baseline[1:], "stale"), ADMIN)
    s.db.execute(
        "UPDATE patrons SET status = 'Card Lost' WHERE barcode = ?", [baseline[0]["identifier"]]
    )
    s.db.conn.commit()
    before = dump(s)
    with pytest.raises(SyncStale, match="plan it again; nothing was written"):
        s.apply_sync(plan, ADMIN)
    assert dump(s) == before
