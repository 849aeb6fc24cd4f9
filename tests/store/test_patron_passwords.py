"""Patrons' own passwords in the store (store/patron_passwords.py): the rules against their
names and barcode, the journal entry read and undone like any operation, and who may sign
in. The pages that ask for these are tested over HTTP in tests/web/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import store
from store import Invalid, LoginFailed, ResetRefused, clock, security
from store.patron_passwords import LINK_REFUSED, VIA

from ..operators import ADMIN

pytestmark = pytest.mark.usefixtures("fast")

TOKEN = "a-token-the-tests-mint-themselves-0123456789"


@pytest.fixture
def linked(small_db):
    """small_db with a reset link for Paul Éluard (patron 5, barcode P123, made Active),
    minted now."""
    now = dt.datetime.fromisoformat(clock.now())
    small_db.db["password_resets"].insert(
        {
            "patron_id": 5,
            "token_hash": security.token_hash(TOKEN),
            "created": now.isoformat(sep=" "),
            "expires": (now + dt.timedelta(hours=72)).isoformat(sep=" "),
        }
    )
    small_db.db.execute(
        "UPDATE patrons SET username = 'peluard', nickname = 'Pol', status = 'Active' WHERE id = 5"
    )
    return small_db


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("i-am-ELUARD-really", "may not contain your last name"),
        ("i-am-Éluard-really", "may not contain your last name"),
        ("paul-was-here-2026", "may not contain your first name"),
        ("x-p123-card-number", "may not contain your barcode"),
        ("hello-peluard-friend", "may not contain your username"),
        ("short-1", "at least 10 characters are needed; this has 7"),
    ],
)
def test_a_password_with_the_patrons_own_names_or_barcode_is_refused(linked, password, said):
    with pytest.raises(Invalid) as refused:
        linked.redeem_reset(TOKEN, password, password)
    (problem,) = refused.value.problems
    assert (problem.field, problem.message) == ("new_password", said)
    assert linked.db.execute("SELECT used FROM password_resets").fetchone()[0] is None
    assert linked.db.execute("SELECT count(*) FROM operations").fetchone()[0] == 0


def test_a_short_name_is_not_looked_for(linked):
    """'Pol' (three letters) is, but a name of two would refuse half of all passwords."""
    linked.db.execute("UPDATE patrons SET nickname = 'Po' WHERE id = 5")
    assert linked.redeem_reset(TOKEN, "a-pony-on-the-hill", "a-pony-on-the-hill")


def test_the_journal_entry_reads_like_any_operation_and_undo_puts_the_password_back(
    linked, tmp_path
):
    security.set_password(linked.db, 5, "the-old-password-1")
    linked.db.execute("UPDATE patrons SET must_change_password = 1 WHERE id = 5")
    page = store.Store(linked.path, via=VIA)  # as the password page opens it
    op = page.redeem_reset(TOKEN, "a-new-one-for-Pierre", "a-new-one-for-Pierre")
    with pytest.raises(ResetRefused, match=LINK_REFUSED):  # the link is spent
        page.reset_greeting(TOKEN)
    page.close()
    report = linked.write_report(op, tmp_path / "op.txt", ADMIN)
    head, _, rows = Path(report).read_text(encoding="utf-8").partition("\n\n")
    head = head.splitlines()
    assert head[0] == f"Operation #{op}: Patron Password (reset link)"
    assert head[1].startswith("By peluard at ")
    assert "Selections: The patron who signed in or followed their reset link" in head
    assert "Options: How: reset link" in head
    assert head[-1] == f"Made from: {VIA}"
    assert rows.splitlines() == [
        "P123\tÉluard, Paul\treset, to be changed → chosen by the patron\t"
        "change: password reset link"
    ]
    undone = linked.undo(op, ADMIN)
    assert undone.operation_id > op
    row = linked.db["patrons"].get(5)
    assert security.verifies(row["password_hash"], "the-old-password-1")
    assert row["must_change_password"] == 1


def test_only_a_patron_who_may_log_in_signs_in(linked):
    security.set_password(linked.db, 5, "the-old-password-1")
    assert linked.patron_login("PEluard ", "the-old-password-1").patron_id == 5
    linked.db.execute("UPDATE patrons SET status = 'Suspended' WHERE id = 5")
    with pytest.raises(LoginFailed, match=security.LOGIN_FAILED):
        linked.patron_login("peluard", "the-old-password-1")
    assert linked.db.execute(
        "SELECT failures FROM login_failures WHERE username = 'peluard'"
    ).fetchone() == (1,)
    assert not linked.patron_password_verifies("peluard", "the-old-password-1")
