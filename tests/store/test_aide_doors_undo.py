"""The doors of undo, tried by an aide who wants more rights: Forgive Charges forgiven in part,
undone and run again to the cent; Reset Patron Accounts' usernames passed along a chain put
back exactly, or not at all when one is taken since; and undo as a way round the level rule
or a permission (someone else's operation, on patrons the aide may not change)."""

from __future__ import annotations

import pytest

import store
from store.security import FORGIVE

from ..databases import everything
from ..district import LIBRARIAN_ID, SECOND_ADMIN_ID, District, patron

pytestmark = pytest.mark.usefixtures("fast")

FORGIVE_KEY = "forgive-charges"


def charges_of(s: store.Store, pid: int) -> list[tuple]:
    return s.db.execute(
        "SELECT id, amount, description, transaction_date, is_credit FROM charges "
        "WHERE patron_id = ? ORDER BY id",
        [pid],
    ).fetchall()


def owing(s: store.Store, pid: int) -> None:
    """$3.00 then $2.00 charged, $1.00 credit: a balance of $4.00, so the $2.00 charge is
    forgiven in part ($1.00 of it) and $1.00 stays owed."""
    s.db.execute("DELETE FROM charges WHERE patron_id = ?", [pid])
    s.db.execute("DELETE FROM checkouts WHERE patron_id = ?", [pid])
    s.db["charges"].insert_all(
        [
            {"patron_id": pid, "amount": a, "description": d, "transaction_date": t, "is_credit": c}
            for a, d, t, c in [
                (300, "Lost", "2026-03-01", 0),
                (200, "Printing", "2026-04-01", 0),
                (100, "Overpayment", "2026-04-02", 1),
            ]
        ]
    )


def forgive(s: store.Store, operator, *pids: int) -> store.Report:
    barcodes = [patron(s, pid)["barcode"] for pid in pids]
    return s.apply(
        s.plan(
            FORGIVE_KEY,
            {"barcodes": barcodes},
            {"category": "All Charges, Fees, and Fines"},
            operator,
        )
    )


def test_a_partial_forgiveness_undone_and_run_again_is_exact_to_the_cent(district: District):
    s = district.store
    student = 1
    owing(s, student)
    charged = charges_of(s, student)
    first = forgive(s, district.admin, student)
    assert first.counts.change == 1
    after_first = charges_of(s, student)
    lost, printing, credit = charged
    assert after_first == [(printing[0], 100, *printing[2:]), credit]  # $1.00 of $2.00 left
    undone = s.undo(first.operation_id, district.admin)
    assert undone.conflicts == []
    assert charges_of(s, student) == charged
    assert s.db.execute(
        "SELECT count(*) FROM history WHERE patron_id = ? AND kind = 'forgiven'", [student]
    ).fetchone() == (0,)
    again = forgive(s, district.admin, student)  # the same forgiveness, to the cent
    assert charges_of(s, student) == after_first
    assert s.operation(again.operation_id)["effects"] == "In all, $4.00 was forgiven."
    with pytest.raises(store.NotUndoable, match="itself an undo"):
        s.undo(undone.operation_id, district.admin)
    # A charge changed since (the library took $0.50 off) is not overwritten by an undo.
    s.db.execute("UPDATE charges SET amount = 50 WHERE id = ?", [printing[0]])
    report = s.undo(again.operation_id, district.admin)
    [conflict] = report.conflicts
    assert (conflict.table, conflict.row_id) == ("charges", printing[0])
    amounts = {row[0]: row[1] for row in charges_of(s, student)}
    assert amounts == {lost[0]: 300, printing[0]: 50, credit[0]: 100}


def test_the_aide_may_not_undo_a_forgiveness_and_nothing_is_written(district: District):
    s = district.store
    owing(s, 1)
    op = forgive(s, district.admin, 1).operation_id
    before = everything(district.path)
    for door in (s.check_undo, s.undo):
        with pytest.raises(store.NotPermitted, match=f"it needs the permission '{FORGIVE}'"):
            door(op, district.aide)
    assert everything(district.path) == before


def test_undo_of_a_forgiveness_leaves_the_patrons_the_undoer_may_not_change(district: District):
    s = district.store
    for pid in (1, LIBRARIAN_ID, SECOND_ADMIN_ID):
        owing(s, pid)
    charged = {pid: charges_of(s, pid) for pid in (1, LIBRARIAN_ID, SECOND_ADMIN_ID)}
    op = forgive(s, district.admin, 1, LIBRARIAN_ID, SECOND_ADMIN_ID).operation_id
    forgiven = {pid: charges_of(s, pid) for pid in (LIBRARIAN_ID, SECOND_ADMIN_ID)}
    check = s.check_undo(op, district.librarian)  # level 1, Charges: Forgive
    assert (check.changed, check.skipped) == (3, 2)
    report = s.undo(op, district.librarian)
    assert {c.patron_id for c in report.conflicts} == {LIBRARIAN_ID, SECOND_ADMIN_ID}
    assert {pid: charges_of(s, pid) for pid in forgiven} == forgiven  # not given back
    assert charges_of(s, 1) == charged[1]  # the student's came back, to the cent
    # Undone again by the administrator: the rest comes back, exactly.
    again = s.undo(op, district.admin)
    assert again.conflicts == [] and again.counts.change == 2
    assert {pid: charges_of(s, pid) for pid in charged} == charged
    assert s.operation(op)["undone_by"] == again.operation_id


def test_the_aide_undoing_an_administrators_run_restores_only_whom_the_aide_may_change(
    district: District,
):
    s = district.store
    staff = (LIBRARIAN_ID, SECOND_ADMIN_ID, district.aide.patron_id)
    barcodes = [patron(s, pid)["barcode"] for pid in (1, 2, *staff)]
    plan = s.plan("change-location", {"barcodes": barcodes}, {"location": "Gym"}, district.admin)
    op = s.apply(plan).operation_id
    assert {patron(s, pid)["location"] for pid in (1, 2, *staff)} == {"Gym"}
    report = s.undo(op, district.aide)
    assert {c.patron_id for c in report.conflicts} == set(staff)
    assert {patron(s, pid)["location"] for pid in staff} == {"Gym"}
    assert patron(s, 1)["location"] != "Gym" and patron(s, 2)["location"] != "Gym"
    assert s.operation(op)["partly_undone_by"] == report.operation_id


# -- Reset Patron Accounts: usernames passed along a chain -----------------------------------


def chain(s: store.Store) -> dict[int, str]:
    """Patron 1 holds patron 2's barcode as username; patron 2 holds 'old2'. Reset by
    Barcode, 1 gives it up and 2 takes it (the run's usernames are found after the run)."""
    s.db.execute("UPDATE patrons SET username = 'old2' WHERE id = 2")
    s.db.execute(
        "UPDATE patrons SET username = (SELECT barcode FROM patrons WHERE id = 2) WHERE id = 1"
    )
    return usernames(s)


def usernames(s: store.Store, ids=(1, 2, 3)) -> dict[int, str]:
    return dict(
        s.db.execute(
            f"SELECT id, username FROM patrons WHERE id IN ({', '.join('?' * len(ids))})", ids
        ).fetchall()
    )


def reset_usernames(district: District) -> int:
    s = district.store
    barcodes = [patron(s, pid)["barcode"] for pid in (1, 2)]
    plan = s.plan(
        "reset-accounts", {"barcodes": barcodes}, {"username": "Barcode"}, district.librarian
    )
    assert plan.counts.change == 2
    return s.apply(plan).operation_id


def test_usernames_passed_along_a_chain_are_put_back_exactly(district: District):
    s = district.store
    before = chain(s)
    op = reset_usernames(district)
    assert usernames(s)[2] == before[1] and usernames(s)[1] == patron(s, 1)["barcode"]
    report = s.undo(op, district.librarian)
    assert report.conflicts == []
    assert usernames(s) == before


def test_a_username_taken_since_leaves_the_whole_chain_as_it_is_until_it_is_free(
    district: District,
):
    s = district.store
    before = chain(s)
    op = reset_usernames(district)
    run = usernames(s)
    s.db.execute("UPDATE patrons SET username = 'OLD2' WHERE id = 3")  # taken, in another case
    report = s.undo(op, district.librarian)
    # 2 cannot have 'old2' back, so 1 cannot have 2's username back: neither is half-put back.
    assert {c.patron_id for c in report.conflicts} == {1, 2}
    assert usernames(s) == {**run, 3: "OLD2"}
    s.db.execute("UPDATE patrons SET username = ? WHERE id = 3", [before[3]])
    again = s.undo(op, district.librarian)  # undone again, once the name is free
    assert again.conflicts == []
    assert usernames(s) == before


def test_the_aide_may_not_undo_a_username_reset(district: District):
    s = district.store
    chain(s)
    op = reset_usernames(district)
    before = everything(district.path)
    with pytest.raises(store.NotPermitted, match="Patron Passwords: Edit"):
        s.undo(op, district.aide)
    assert everything(district.path) == before


# -- notes: replacing them is removing them, and so is undoing someone else's ------------------


ALERT = {"note": "See the librarian", "note_type": "Alert"}


def test_the_aide_may_not_remove_notes_by_replacing_them(district: District):
    s = district.store
    s.db["notes"].insert(
        {"patron_id": 1, "type": "Alert", "text": "Allergy", "created": "2026-01-02"}
    )
    selection = {"barcodes": [patron(s, 1)["barcode"]]}
    before = everything(district.path)
    with pytest.raises(store.Invalid) as info:
        s.plan("add-notes", selection, {**ALERT, "replace_existing": True}, district.aide)
    [problem] = info.value.problems
    assert (problem.field, problem.message) == (
        "replace_existing",
        "removes the patrons' existing Alert notes: it needs the permission "
        "'Patron Notes, Pictures and History: Remove'",
    )
    assert everything(district.path) == before
    s.apply(s.plan("add-notes", selection, ALERT, district.aide))  # adding is theirs to do
    plan = s.plan("add-notes", selection, {**ALERT, "replace_existing": True}, district.librarian)
    s.apply(plan)
    texts = [
        r[0] for r in s.db.execute("SELECT text FROM notes WHERE patron_id = 1 AND type = 'Alert'")
    ]
    assert texts == ["See the librarian"]


def test_the_aide_may_not_remove_the_administrators_notes_by_undoing_them(district: District):
    s = district.store
    selection = {"barcodes": [patron(s, pid)["barcode"] for pid in (1, 2)]}
    theirs = s.apply(s.plan("add-notes", selection, ALERT, district.admin)).operation_id
    before = everything(district.path)
    for door in (s.check_undo, s.undo):
        with pytest.raises(
            store.NotPermitted, match="'Patron Notes, Pictures and History: Remove'"
        ):
            door(theirs, district.aide)
    assert everything(district.path) == before
    mine = s.apply(s.plan("add-notes", selection, {**ALERT, "note": "Mine"}, district.aide))
    assert s.undo(mine.operation_id, district.aide).conflicts == []  # one's own: taken back
    assert s.undo(theirs, district.librarian).conflicts == []
    assert s.db.execute(
        "SELECT count(*) FROM notes WHERE text IN (?, 'Mine')", [ALERT["note"]]
    ).fetchone() == (0,)
