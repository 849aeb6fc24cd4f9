"""Reset Patron Accounts: username formats, skips, levels, and both password modes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import store
from store import security
from store.usernames import as_password, fold_username
from store.utilities.reset_accounts import RESET_SUBJECT

from .reset_accounts_helpers import BATCH, KEY, add, operator, patron, prepare, run, usernames
from .runs import NOW

pytestmark = pytest.mark.usefixtures("fast")  # cheap logins (tests/conftest.py)


@pytest.fixture
def s(small_db):
    return prepare(small_db)


def raw_bytes(s: store.Store) -> bytes:
    s.close()
    path = Path(s.path)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


# -- username formats ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Darla Anderson", "darlaanderson"),
        ("Nguyễn", "nguyen"),
        ("Østergaard", "ostergaard"),
        ("O'Brien", "obrien"),
        ("de la Cruz-Smith", "delacruzsmith"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_username(text, folded):
    assert fold_username(text) == folded


@pytest.mark.parametrize(
    "first, nickname, fmt, use_nickname, expected",
    [
        ("Darla", "", "First Initial + Last Name", False, "danderson"),
        ("Darla", "", "First Name + Last Name", False, "darlaanderson"),
        ("Darla", "", "First Name + Last Name", True, "darlaanderson"),  # no nickname: first name
        ("Daniel", "Danny", "First Name + Last Name", True, "dannyanderson"),
        ("Daniel", "Danny", "First Name + Last Name", False, "danielanderson"),
        ("Robert", "Bob", "First Initial + Last Name", True, "banderson"),
        ("Robert", "Bob", "First Initial + Last Name", False, "randerson"),
    ],
)
def test_name_formats_with_and_without_nickname(s, first, nickname, fmt, use_nickname, expected):
    pid = add(s, first, "Anderson", nickname=nickname, username=f"old{first}")
    _, rows, report = run(s, {"username": fmt, "use_nickname": use_nickname})
    assert (rows[pid].outcome, rows[pid].current, rows[pid].new) == (
        "change",
        f"old{first}",
        expected,
    )
    assert usernames(s)[pid] == expected
    [(row_id, before, after)] = s.db.execute(
        "SELECT row_id, before, after FROM operation_rows WHERE operation_id = ?",
        [report.operation_id],
    ).fetchall()
    assert (row_id, json.loads(before), json.loads(after)) == (
        pid,
        {"username": f"old{first}", "modified": "2026-01-01"},
        {"username": expected, "modified": NOW},
    )


def test_accents_and_punctuation_are_folded(s):
    linh = add(s, "Linh", "Nguyễn")
    soren = add(s, "Søren", "Østergaard")
    owen = add(s, "Owen", "O'Brien")
    zoe = add(s, "Zoë", "de la Cruz")
    run(s, {"username": "First Name + Last Name"})
    names = usernames(s)
    assert (names[linh], names[soren], names[owen], names[zoe]) == (
        "linhnguyen",
        "sorenostergaard",
        "owenobrien",
        "zoedelacruz",
    )


def test_barcode_format_keeps_the_case_of_the_barcode_and_logins_ignore_it(s):
    pid = add(s, "Paul", "Upper", barcode="AbC3012", username="old-name")
    s.db.execute(
        "UPDATE patrons SET password_hash = ? WHERE id = ?", [security.HASHER.hash("pw"), pid]
    )
    _, rows, report = run(s, {"username": "barcode"})
    assert (rows[pid].current, rows[pid].new) == ("old-name", "AbC3012")
    assert usernames(s)[pid] == "AbC3012"
    # Logins ignore case: made an operator, the patron logs in typing it in any case.
    s.db.execute("UPDATE patrons SET security_group = 'Admin' WHERE id = ?", [pid])
    for typed in ("AbC3012", "abc3012", "ABC3012"):
        assert s.login(typed, "pw").patron_id == pid


def test_a_barcode_username_clashes_with_another_patrons_in_another_case(s):
    s.db.execute("UPDATE patrons SET username = 'abc3012' WHERE id = 1")  # Ann Adams, ELM
    pid = add(s, "Paul", "Upper", barcode="AbC3012")
    _, rows, _ = run(s, {"username": "barcode"})
    assert (rows[pid].outcome, rows[pid].reason) == ("skip", "AbC3012 belongs to another patron")
    assert usernames(s)[pid] is None


def test_email_format_takes_the_first_listed_email_and_skips_patrons_without(s):
    two = add(s, "Two", "Emails", emails=(" First.Choice@Example.org ", "second@example.org"))
    none = add(s, "No", "Email", username="keepme")
    plan, rows, _ = run(s, {"username": "Email Address"})
    assert rows[two].new == "First.Choice@Example.org"  # trimmed, as listed
    assert (rows[none].outcome, rows[none].reason) == ("skip", "no email address")
    assert usernames(s)[two] == "First.Choice@Example.org"
    assert usernames(s)[none] == "keepme"


def test_duplicates_inside_the_batch_skip_both_clashing_patrons(s):
    darla = add(s, "Darla", "Anderson")
    dan = add(s, "Dan", "Anderson")
    dora = add(s, "Dora", "Anders")
    plan, rows, _ = run(s, {"username": "First Initial + Last Name"})
    for pid in (darla, dan):
        assert rows[pid].outcome == "skip"
        assert rows[pid].reason == "danderson would be shared within this batch"
    assert rows[dora].outcome == "change"
    names = usernames(s)
    assert names[darla] is None and names[dan] is None and names[dora] == "danders"
    assert "danderson" not in names.values()


def test_a_skipped_patron_does_not_make_a_batch_duplicate(s):
    darla = add(s, "Darla", "Anderson")
    add(s, "Dan", "Anderson", group="Librarian")  # same level as the operator: skipped anyway
    _, rows, _ = run(s, {"username": "First Initial + Last Name"})
    assert rows[darla].outcome == "change" and usernames(s)[darla] == "danderson"


@pytest.mark.parametrize("held", ["danderson", "DAnderson"])  # logins ignore case
def test_a_username_held_by_a_patron_outside_the_batch_is_skipped(s, held):
    s.db.execute("UPDATE patrons SET username = ? WHERE id = 1", [held])  # Ann Adams, site ELM
    darla = add(s, "Darla", "Anderson")
    _, rows, _ = run(s, {"username": "First Initial + Last Name"})
    assert (rows[darla].outcome, rows[darla].reason) == (
        "skip",
        "danderson belongs to another patron",
    )
    assert usernames(s)[darla] is None and usernames(s)[1] == held


def test_a_patrons_own_username_in_another_case_is_lower_cased(s):
    darla = add(s, "Darla", "Anderson", username="DANDERSON")
    _, rows, _ = run(s, {"username": "First Initial + Last Name"})
    assert (rows[darla].outcome, rows[darla].new) == ("change", "danderson")
    assert usernames(s)[darla] == "danderson"


def test_the_database_refuses_usernames_that_differ_only_in_case(s):
    add(s, "Bob", "Brown", username="BBrown")
    with pytest.raises(sqlite3.IntegrityError):
        s.db.execute("UPDATE patrons SET username = 'bbrown' WHERE id = 1")


def test_a_username_already_equal_to_the_target_is_unchanged(s):
    darla = add(s, "Darla", "Anderson", username="danderson")
    plan, rows, report = run(s, {"username": "First Initial + Last Name"})
    assert (rows[darla].outcome, rows[darla].reason) == ("unchanged", "already danderson")
    assert plan.counts.change == 0
    assert s.db.execute("SELECT count(*) FROM operation_rows").fetchone()[0] == 0


def test_both_no_change_is_invalid(s):
    with pytest.raises(store.Invalid) as info:
        s.plan(KEY, BATCH, {"username": "No Change", "password": "No Change"}, operator(s))
    [problem] = info.value.problems
    assert problem.field == "username" and "No Change" in problem.message
    with pytest.raises(store.Invalid):
        s.plan(KEY, BATCH, {}, operator(s))


# -- levels and the operator's own account -------------------------------------------------------


def test_a_level_1_operator_changes_only_larger_level_numbers(s):
    me = add(s, "Olga", "Operator", group="Librarian")
    ids = {
        g: add(s, "Pat", f"In{g or 'None'}", group=g)
        for g in ("Admin", "Librarian", "Aide", "Student", None)
    }
    _, rows, report = run(s, {"username": "First Name + Last Name"}, operator(s, 1, patron_id=me))
    assert (rows[me].outcome, rows[me].reason) == ("skip", "your own account")
    assert rows[ids["Admin"]].outcome == rows[ids["Librarian"]].outcome == "skip"
    assert rows[ids["Librarian"]].reason == "in Librarian (level 1), not below your level 1"
    assert "level 0" in rows[ids["Admin"]].reason
    for g in ("Aide", "Student", None):
        assert rows[ids[g]].outcome == "change"
    names = usernames(s)
    assert names[ids["Aide"]] == "patinaide" and names[ids[None]] == "patinnone"
    assert names[ids["Librarian"]] is None and names[me] == "op1"  # as enrolled


def test_a_level_0_operator_skips_other_level_0_patrons_and_their_own_account(s):
    me = add(s, "Ada", "Admin", group="Admin")
    other = add(s, "Abe", "Admin", group="Admin")
    librarian = add(s, "Lee", "Librarian", group="Librarian")
    _, rows, _ = run(s, {"username": "Barcode"}, operator(s, 0, patron_id=me))
    assert rows[me].reason == "your own account"
    assert rows[other].outcome == "skip" and "level 0" in rows[other].reason
    assert rows[librarian].outcome == "change"


# -- passwords -----------------------------------------------------------------------------


def test_last_name_passwords_are_hashed_flagged_and_never_stored_in_plaintext(s):
    # Accented last names: the password (folded to ASCII) differs from every stored name, so
    # finding it anywhere in the file's bytes would mean a leaked password.
    zeb = add(s, "Éva", "Zébrowskiqx")
    luk = add(s, "Łucja", "Łukasiewiczqz", group=None)
    plain = add(s, "Pat", "Plainname")
    kept = add(s, "Lee", "Librarianqw", group="Librarian")
    changed = {zeb: "Zebrowskiqx", luk: "Lukasiewiczqz", plain: "Plainname"}
    plan, rows, report = run(s, {"password": "Last Name (non-secure)"})
    assert plan.counts.change == 3 and rows[kept].outcome == "skip"
    verifier = PasswordHasher()
    for pid, password in changed.items():
        row = patron(s, pid)
        assert as_password(row["last_name"]) == password
        assert verifier.verify(row["password_hash"], password)
        assert row["must_change_password"] == 1
        assert row["username"] is None  # usernames: No Change
    assert patron(s, kept)["password_hash"] is None
    assert patron(s, kept)["must_change_password"] == 0
    journal = s.db.execute(
        "SELECT row_id, before, after FROM operation_rows WHERE operation_id = ?",
        [report.operation_id],
    ).fetchall()
    assert {r[0] for r in journal} == set(changed)
    for _, before, after in journal:
        assert json.loads(before) == {
            "password_hash": None,
            "must_change_password": 0,
            "modified": "2026-01-01",
        }
        assert json.loads(after)["must_change_password"] == 1
        assert json.loads(after)["modified"] == NOW
    raw = raw_bytes(s)
    assert "Zébrowskiqx".encode() in raw and b"$argon2id$" in raw  # we read the right file
    for password in ("Zebrowskiqx", "Lukasiewiczqz"):
        assert password.encode() not in raw
        assert password.lower().encode() not in raw
        assert password.encode("utf-16-le") not in raw


def test_a_last_name_password_appears_nowhere_but_the_patrons_name(s):
    pid = add(s, "Zed", "Zebrowskiqx", username="zedz")
    plan, rows, report = run(s, {"password": "Last Name (non-secure)"})
    assert patron(s, pid)["must_change_password"] == 1
    dumped = json.dumps(
        [
            list(r)
            for t in ("operations", "operation_rows", "outbox", "password_resets", "login_failures")
            for r in s.db.execute(f"SELECT * FROM {t}").fetchall()
        ]
    )
    dumped += json.dumps(
        s.db.execute("SELECT before, after, reason FROM operation_changes").fetchall()
    )
    assert "zedz" in dumped  # the report does hold the (unchanged) username
    assert "zebrowskiqx" not in dumped.lower()


def test_email_link_queues_one_message_per_changed_patron_with_no_token(s):
    one = add(s, "Mia", "Mailer", emails=("Mia@Example.org", "mia.other@example.org"))
    two = add(s, "Noah", "Mailer", emails=("noah@example.org",))
    none = add(s, "Nell", "Nomail")
    high = add(s, "Lee", "Librarian", group="Librarian", emails=("lee@example.org",))
    plan, rows, report = run(s, {"password": "Patron (email link)"})
    assert (rows[none].outcome, rows[none].reason) == ("skip", "no email address")
    assert rows[high].outcome == "skip"
    assert plan.counts.change == 2
    outbox = s.db.execute(
        "SELECT id, patron_id, kind, address, subject, body, sent FROM outbox ORDER BY patron_id"
    ).fetchall()
    assert [(r[1], r[2], r[3], r[4], r[6]) for r in outbox] == [
        (one, "password-reset", "Mia@Example.org", RESET_SUBJECT, None),  # as listed
        (two, "password-reset", "noah@example.org", RESET_SUBJECT, None),
    ]
    assert outbox[0][5].startswith("Hello Mia,") and "{link}" in outbox[0][5]
    assert "token" not in outbox[0][5] and "http" not in outbox[0][5]
    assert s.db.execute("SELECT count(*) FROM password_resets").fetchone()[0] == 0
    assert patron(s, one)["password_hash"] is None and patron(s, one)["must_change_password"] == 0
    journal = s.db.execute(
        "SELECT table_name, row_id, action FROM operation_rows "
        "WHERE operation_id = ? ORDER BY row_id",
        [report.operation_id],
    ).fetchall()
    assert journal == [("outbox", outbox[0][0], "insert"), ("outbox", outbox[1][0], "insert")]


def test_username_and_password_together_journal_every_change(s):
    darla = add(s, "Darla", "Anderson", username="danderson")
    bob = add(s, "Bob", "Brown", emails=("bob@example.org",))
    plan, rows, report = run(
        s, {"username": "First Initial + Last Name", "password": "Last Name (non-secure)"}
    )
    # With a password reset, a username already right is still a change (of the password).
    assert rows[darla].outcome == rows[bob].outcome == "change"
    journal = s.db.execute(
        "SELECT row_id, after FROM operation_rows WHERE operation_id = ?", [report.operation_id]
    ).fetchall()
    keys = {}
    for row_id, after in journal:
        keys.setdefault(row_id, set()).update(json.loads(after))
    assert keys == {
        darla: {"username", "password_hash", "must_change_password", "modified"},
        bob: {"username", "password_hash", "must_change_password", "modified"},
    }
    assert usernames(s)[bob] == "bbrown"
    assert PasswordHasher().verify(patron(s, darla)["password_hash"], "Anderson")
    changes = s.operation_changes(report.operation_id)
    assert {c["patron_id"] for c in changes if c["outcome"] == "change"} == {darla, bob}
