"""Reset Patron Accounts on the usernames as they will be after the run (a username another
patron of the run gives up may be taken, and two patrons never end with the same one), and
each part, username or password, done on its own when the other cannot be."""

from __future__ import annotations

import pytest

from store.utilities.reset_accounts import RESET_SUBJECT

from .reset_accounts_helpers import add, operator, patron, prepare, run, usernames

pytestmark = pytest.mark.usefixtures("fast")  # cheap logins (tests/conftest.py)

INITIAL = {"username": "First Initial + Last Name"}


@pytest.fixture
def s(small_db):
    return prepare(small_db)


@pytest.mark.parametrize("zoe_first", [False, True])  # either order of ids, in apply and undo
def test_a_username_given_up_in_the_same_run_may_be_taken(s, zoe_first):
    # Zoe Smith holds 'bsmith' and becomes 'zsmith'; Bea Smith may then take 'bsmith'.
    if zoe_first:
        zoe = add(s, "Zoe", "Smith", username="bsmith")
        bea = add(s, "Bea", "Smith")
    else:
        bea = add(s, "Bea", "Smith")
        zoe = add(s, "Zoe", "Smith", username="bsmith")
    plan, rows, report = run(s, INITIAL)
    assert {pid: (rows[pid].outcome, rows[pid].new) for pid in (bea, zoe)} == {
        bea: ("change", "bsmith"),
        zoe: ("change", "zsmith"),
    }
    assert (usernames(s)[bea], usernames(s)[zoe]) == ("bsmith", "zsmith")
    # Undo puts both back, whichever order the rows come in.
    undone = s.undo(report.operation_id, operator(s))
    assert undone.conflicts == []
    assert (usernames(s)[bea], usernames(s)[zoe]) == (None, "bsmith")


def test_a_chain_of_usernames_given_up_moves_whole(s):
    # Each wants the username the next gives up; the last one's is free.
    amy = add(s, "Amy", "Jones", username="bjones")  # → ajones, held by Cal
    cal = add(s, "Cal", "Jones", username="ajones")  # → cjones, held by Deb
    deb = add(s, "Deb", "Jones", username="cjones")  # → djones, free
    bob = add(s, "Bob", "Jones")  # → bjones, held by Amy
    plan, rows, report = run(s, INITIAL)
    assert plan.counts.change == 4
    assert [usernames(s)[p] for p in (amy, cal, deb, bob)] == [
        "ajones",
        "cjones",
        "djones",
        "bjones",
    ]
    s.undo(report.operation_id, operator(s))
    assert [usernames(s)[p] for p in (amy, cal, deb, bob)] == ["bjones", "ajones", "cjones", None]


def test_a_username_held_by_a_patron_who_cannot_move_still_blocks(s):
    # Zed holds 'bsmith' and wants 'zsmith', which Zora (outside the run) holds.
    s.db.execute("UPDATE patrons SET username = 'zsmith' WHERE id = 1")  # Ann Adams, site ELM
    zed = add(s, "Zed", "Smith", username="bsmith")
    bea = add(s, "Bea", "Smith")
    _, rows, _ = run(s, INITIAL)
    assert (rows[zed].outcome, rows[zed].reason) == ("skip", "zsmith belongs to another patron")
    assert (rows[bea].outcome, rows[bea].reason) == ("skip", "bsmith belongs to another patron")
    assert (usernames(s)[zed], usernames(s)[bea]) == ("bsmith", None)


def test_two_patrons_swapping_usernames_keep_theirs_and_none_is_shared(s):
    ann = add(s, "Ann", "Lee", username="blee")  # → alee, held by Ben
    ben = add(s, "Ben", "Lee", username="alee")  # → blee, held by Ann
    _, rows, _ = run(s, INITIAL)
    assert {rows[p].outcome for p in (ann, ben)} == {"skip"}
    assert (usernames(s)[ann], usernames(s)[ben]) == ("blee", "alee")
    taken = [u for u in usernames(s).values() if u]
    assert len({u.casefold() for u in taken}) == len(taken)


def test_a_patron_without_email_gets_the_barcode_username_but_no_link(s):
    mia = add(s, "Mia", "Mailer", barcode="AbC3012", emails=("mia@example.org",))
    nob = add(s, "Nob", "Nomail", barcode="N900")
    plan, rows, report = run(s, {"username": "Barcode", "password": "Patron (email link)"})
    assert (rows[mia].outcome, rows[mia].new, rows[mia].reason) == ("change", "AbC3012", None)
    assert (rows[nob].outcome, rows[nob].new, rows[nob].reason) == (
        "change",
        "N900",
        "username changed; password not reset: no email address",
    )
    assert (usernames(s)[mia], usernames(s)[nob]) == ("AbC3012", "N900")
    assert s.db.execute("SELECT patron_id, subject FROM outbox").fetchall() == [
        (mia, RESET_SUBJECT)
    ]
    # Already holding the barcode and without email: nothing can be done.
    _, rows, _ = run(s, {"username": "Barcode", "password": "Patron (email link)"})
    assert (rows[nob].outcome, rows[nob].reason) == (
        "skip",
        "password not reset: no email address (username already N900)",
    )


def test_a_username_that_cannot_change_leaves_the_password_reset(s):
    s.db.execute("UPDATE patrons SET username = 'danderson' WHERE id = 1")  # Ann Adams, ELM
    darla = add(s, "Darla", "Anderson", username="darla")
    _, rows, report = run(s, {**INITIAL, "password": "Last Name (non-secure)"})
    assert (rows[darla].outcome, rows[darla].new, rows[darla].reason) == (
        "change",
        "darla",
        "password reset; username not changed: danderson belongs to another patron",
    )
    row = patron(s, darla)
    assert (row["username"], row["must_change_password"]) == ("darla", 1)
    assert row["password_hash"]


def test_both_parts_impossible_is_one_skip_with_both_reasons(s):
    s.db.execute("UPDATE patrons SET username = 'nnomail' WHERE id = 1")  # Ann Adams, ELM
    nob = add(s, "Nob", "Nomail")
    _, rows, _ = run(s, {**INITIAL, "password": "Patron (email link)"})
    assert (rows[nob].outcome, rows[nob].reason) == (
        "skip",
        "username not changed: nnomail belongs to another patron; "
        "password not reset: no email address",
    )
    assert usernames(s)[nob] is None
