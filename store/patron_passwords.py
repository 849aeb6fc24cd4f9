"""Patrons choosing their own passwords: from a reset link (Reset Patron Accounts'
"Patron (email link)"), or after logging in with their current one (required after a
"Last Name (non-secure)" reset, which sets must_change_password).

Every decision is here, and each write is checked again under the write lock, in the one
transaction that spends the link, writes the argon2 hash, clears must-change and journals
the change as the patron's own operation. Logging in counts failures and locks a username
exactly as an operator's login does (store/security.py), in the same table.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import sqlite_utils
from anyascii import anyascii

from . import clock, credentials, security
from .database import begin_write, roll_back
from .patron_write import journal_outcomes
from .security import LoginFailed, ResetRefused, token_hash
from .utilities.patron_password import PatronPassword
from .validation import Invalid, Problem

# How the journal says these operations were made (operations.via).
VIA = "the password page"
# One message for a link that is unknown, spent or expired: the page says nothing more.
LINK_REFUSED = (
    "This link cannot be used: it has expired, it was already used, "
    "or it is not a link the library sent."
)
SESSION_ENDED = "Your sign-in has ended (your password changed since); sign in again."
# A name or barcode shorter than this is not looked for inside a password.
SHORTEST_PART = 3
_PATRON = """SELECT id, barcode, username, first_name, middle_name, last_name, nickname,
                    password_hash, must_change_password, status FROM patrons"""
_FIELDS = ("id", "barcode", "username", "first_name", "middle_name", "last_name", "nickname",
           "password_hash", "must_change_password", "status")  # fmt: skip


@dataclass(frozen=True)
class PatronLogin:
    """A patron who proved their password: who, whether they must choose a new one first,
    and which password they proved (a digest of its hash: a change elsewhere ends this)."""

    patron_id: int
    username: str
    name: str
    must_change: bool
    credential: str


def _patron(db: sqlite_utils.Database, where: str, value: object) -> dict | None:
    row = db.execute(f"{_PATRON} WHERE {where} = ?", [value]).fetchone()
    return dict(zip(_FIELDS, row, strict=True)) if row else None


def _greeting(patron: dict) -> str:
    return patron["first_name"] or patron["nickname"] or patron["last_name"]


# -- the rules a new password follows --------------------------------------------------


def _fold(text: str) -> str:
    return anyascii(text or "").casefold()


def check_new(patron: dict, new_password: str, again: str) -> None:
    """Invalid, naming the field, unless ``new_password`` follows the rules every password
    does (store/security.py) and contains none of the patron's own names or barcode."""
    security.check_new_password(patron["username"] or "", new_password)
    folded = _fold(new_password)
    parts = [  # a username is often made of the names: said first, as the likelier cause
        ("username", "your username"),
        ("barcode", "your barcode"),
        ("first_name", "your first name"),
        ("middle_name", "your middle name"),
        ("last_name", "your last name"),
        ("nickname", "your nickname"),
    ]
    for column, said in parts:
        value = _fold(patron[column] or "").strip()
        if len(value) >= SHORTEST_PART and value in folded:
            raise Invalid([Problem("new_password", "New password", f"may not contain {said}")])
    if again != new_password:
        raise Invalid(
            [Problem("again", "New password again", "is not the same as the new password")]
        )


# -- a reset link -----------------------------------------------------------------------


def _usable_reset(db: sqlite_utils.Database, token: str) -> tuple[int, dict]:
    """(the reset's id, its patron) for a token that is known, unused and unexpired;
    ResetRefused (one message for all three) otherwise."""
    row = db.execute(
        "SELECT id, patron_id, expires, used FROM password_resets WHERE token_hash = ?",
        [token_hash(token)],
    ).fetchone()
    if row is None or row[3] is not None or row[2] < clock.now():
        raise ResetRefused(LINK_REFUSED)
    patron = _patron(db, "id", row[1])
    if patron is None:
        raise ResetRefused(LINK_REFUSED)
    return row[0], patron


def reset_greeting(db: sqlite_utils.Database, token: str) -> str:
    """The name to greet the patron by, when ``token`` can still be used (reads only)."""
    return _greeting(_usable_reset(db, token)[1])


def redeem(
    db: sqlite_utils.Database, token: str, new_password: str, again: str, via: str = VIA
) -> int:
    """Spend a reset link: the patron's new password, journaled; returns the operation.
    ResetRefused for a link that cannot be used, Invalid for a password the rules refuse
    (the link is not spent)."""
    _, patron = _usable_reset(db, token)
    check_new(patron, new_password, again)
    new_hash = security.HASHER.hash(new_password)  # slow: before the write lock
    begin_write(db)
    try:
        reset_id, patron = _usable_reset(db, token)  # as it is now, under the lock
        check_new(patron, new_password, again)
        db.execute("UPDATE password_resets SET used = ? WHERE id = ?", [clock.now(), reset_id])
        op = _write(db, patron, new_hash, "reset link", via)
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    return op


# -- logging in, and changing a password -------------------------------------------------


def _may_log_in(patron: dict | None) -> bool:
    return (
        patron is not None
        and bool(patron["password_hash"])
        and patron["status"] not in security.NO_LOGIN_STATUSES
    )


def login(db: sqlite_utils.Database, username: str, password: str) -> PatronLogin:
    """Check a patron's credentials with the operators' lockout: the lock is read and a
    failure counted in one write transaction; LoginFailed says one thing whatever went
    wrong (or how long a locked username waits)."""
    username = username.strip().casefold()
    begin_write(db)
    try:
        seconds = security.locked_for(db, username)
        if seconds is not None:
            raise LoginFailed(security.locked_message(username, seconds))
        patron = _patron(db, "username", username) if username else None
        # An unknown username is checked against a dummy hash, so it takes as long.
        stored = patron["password_hash"] if patron and patron["password_hash"] else None
        right = security.verifies(stored or security.dummy_hash(), password) and stored
        ok = bool(right) and _may_log_in(patron)
        if ok:
            db.execute("DELETE FROM login_failures WHERE username = ?", [username])
        else:
            security.record_failure(db, username)
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    if not ok or patron is None:
        time.sleep(security.FAILURE_DELAY)
        raise LoginFailed(security.LOGIN_FAILED)
    return PatronLogin(
        patron["id"],
        patron["username"],
        _greeting(patron),
        bool(patron["must_change_password"]),
        security.credential_of(patron["password_hash"]),
    )


def _still(patron: dict | None, signed_in: PatronLogin) -> dict:
    if (
        patron is None
        or not _may_log_in(patron)
        or security.credential_of(patron["password_hash"]) != signed_in.credential
    ):
        raise LoginFailed(SESSION_ENDED)
    return patron


def change(
    db: sqlite_utils.Database,
    signed_in: PatronLogin,
    new_password: str,
    again: str,
    via: str = VIA,
) -> int:
    """A signed-in patron's new password, journaled; returns the operation. LoginFailed
    when the password they signed in with is no longer theirs (changed, or their status
    no longer lets them log in); Invalid for one the rules refuse."""
    patron = _still(_patron(db, "id", signed_in.patron_id), signed_in)
    check_new(patron, new_password, again)
    new_hash = security.HASHER.hash(new_password)  # slow: before the write lock
    begin_write(db)
    try:
        patron = _still(_patron(db, "id", signed_in.patron_id), signed_in)
        check_new(patron, new_password, again)
        if security.verifies(patron["password_hash"], new_password):
            raise Invalid(
                [Problem("new_password", "New password", "must differ from the current password")]
            )
        how = "after a reset" if patron["must_change_password"] else "changed"
        op = _write(db, patron, new_hash, how, via)
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    return op


def verifies(db: sqlite_utils.Database, username: str, password: str) -> bool:
    """Whether ``password`` is the patron's now (no lockout, nothing counted): what a
    catalog that reads this database would check."""
    patron = _patron(db, "username", username.strip().casefold())
    return (
        patron is not None
        and _may_log_in(patron)
        and security.verifies(patron["password_hash"], password)
    )


# -- the journal -----------------------------------------------------------------------


def _write(db: sqlite_utils.Database, patron: dict, new_hash: str, how: str, via: str) -> int:
    """Set the password and journal it: the patron is the operator of their own change;
    the journal keeps the hashes as long as any password change's (store/credentials.py)."""
    now = clock.now()
    utility = PatronPassword()
    before = db.execute(
        "SELECT password_hash, must_change_password, modified FROM patrons WHERE id = ?",
        [patron["id"]],
    ).fetchone()
    after = {"password_hash": new_hash, "must_change_password": 0, "modified": now}
    db.execute(
        "UPDATE patrons SET password_hash = :password_hash, "
        "must_change_password = :must_change_password, modified = :modified WHERE id = :id",
        {**after, "id": patron["id"]},
    )
    op = db.execute(
        """INSERT INTO operations (utility, title, operator, operator_id, started, finished,
               selection, options, matched, changed, unchanged, skipped, via)
           VALUES (:key, :title, :operator, :operator_id, :now, :now, '{}', :options,
                   1, 1, 0, 0, :via)""",
        {
            "key": utility.key,
            "title": f"{utility.title} ({how})",
            "operator": patron["username"] or patron["barcode"],
            "operator_id": patron["id"],
            "now": now,
            "options": json.dumps({"how": how}),
            "via": via,
        },
    ).lastrowid
    db.execute(
        "INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after) "
        "VALUES (?, 'patrons', ?, 'update', ?, ?)",
        [
            op,
            patron["id"],
            json.dumps(dict(zip(after, before, strict=True))),
            json.dumps(after),
        ],
    )
    assert op is not None
    journal_outcomes(db, [(op, 1, patron["id"], patron["barcode"], "change", f"password {how}")])
    # The report's Password before → after says what it was, never a hash.
    was = "reset, to be changed" if before[1] else ("set" if before[0] else "none")
    db.execute(
        "UPDATE operation_changes SET before = ?, after = 'chosen by the patron' "
        "WHERE operation_id = ?",
        [was, op],
    )
    credentials.erase_expired(db)
    return op
