"""Operators, permissions, password hashes and logging in.

Operators are patrons whose security group grants permissions. Every rule of
who may do what is decided here, so the TUI and the command line obey the same.
Passwords are kept only as argon2 hashes; never in plaintext, never journaled.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import secrets
import time
from dataclasses import dataclass

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Permissions a security group can grant.
UTILITIES = "Patrons: Import, Export and Utilities"
PASSWORDS = "Patron Passwords: Edit"
SECURITY_GROUPS = "Patron Security Groups: Assign"
REMOVE_PATRONS = "Patrons: Remove"
REMOVE_RECORDS = "Patron Notes, Pictures and History: Remove"
FORGIVE = "Charges: Forgive"
PREFERENCES = "Library Preferences: Edit"
ALL_PERMISSIONS = (
    UTILITIES,
    PASSWORDS,
    SECURITY_GROUPS,
    REMOVE_PATRONS,
    REMOVE_RECORDS,
    FORGIVE,
    PREFERENCES,
)

# Every password hash the product writes, an operator's or a patron's: argon2id with
# argon2-cffi's defaults (RFC 9106's low-memory profile). One hasher, so a batch reset
# never leaves weaker hashes than a login would.
HASHER = PasswordHasher()

FAILURE_DELAY = 1.0  # seconds a wrong password costs
LOCK_AFTER = 5  # failures in a row
LOCK_SECONDS = 5 * 60
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# An operator whose patron record has one of these statuses may not log in.
NO_LOGIN_STATUSES = ("Suspended", "Inactive", "Transferred")

LOGIN_FAILED = "Unknown username or wrong password."


class LoginFailed(PermissionError):
    """Wrong credentials, a locked username, or an account that is not an operator."""


class NotPermitted(PermissionError):
    """The operator's security group does not grant what this needs."""


class PasswordChangeRequired(LoginFailed):
    """Right credentials, but the password was reset: a new one must be chosen first."""

    def __init__(self, username: str):
        self.username = username
        super().__init__(
            f"the password of {username!r} was reset and must be changed before anything else"
        )


@dataclass(frozen=True)
class Operator:
    """Who is running utilities: a patron with a security group that grants permissions."""

    patron_id: int
    username: str
    name: str
    group: str
    level: int
    permissions: frozenset[str]
    # Which password the session was opened with (a digest of its hash): a session ends
    # when the password changes, whoever changes it.
    credential: str = ""

    def may(self, permissions: tuple[str, ...] | frozenset[str]) -> bool:
        return set(permissions) <= self.permissions

    def missing(self, permissions: tuple[str, ...]) -> list[str]:
        return [p for p in permissions if p not in self.permissions]

    def outranks(self, level: int | None) -> bool:
        """May this operator act on a group of ``level``? Level 0 may act on any."""
        return self.level == 0 or level is None or level > self.level


def require(operator: Operator, permissions: tuple[str, ...], what: str) -> None:
    """NotPermitted unless ``operator`` has every one of ``permissions``; ``what`` is what
    they asked to do ("run Forgive Charges", "undo operation #4")."""
    missing = operator.missing(permissions)
    if missing:
        raise NotPermitted(
            f"{operator.username} may not {what}: it needs the permission "
            + " and ".join(f"'{p}'" for p in missing)
        )


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def credential_of(password_hash: str | None) -> str:
    """A session's mark of the password it was opened with (not a secret: a digest of the
    hash, which is itself no secret's plaintext)."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def token_hash(token: str) -> str:
    """Reset tokens are long and random, so a plain SHA-256 keeps them safe at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


def _clock() -> float:
    return time.time()


def operator_for(db: sqlite_utils.Database, patron_id: int) -> Operator | None:
    """The operator this patron is now, or None: no such patron, a group that grants
    nothing, or a status that may not log in (Suspended, Inactive, Transferred)."""
    row = db.execute(
        f"""SELECT p.id, p.username, p.first_name || ' ' || p.last_name, g.name, g.level,
                  g.permissions
           FROM patrons p JOIN security_groups g ON g.name = p.security_group
           WHERE p.id = ? AND p.status NOT IN ({", ".join("?" * len(NO_LOGIN_STATUSES))})""",
        [patron_id, *NO_LOGIN_STATUSES],
    ).fetchone()
    if row is None:
        return None
    permissions = frozenset(json.loads(row[5]))
    if not permissions:
        return None
    return Operator(row[0], row[1], row[2], row[3], row[4], permissions)


def locked_for(db: sqlite_utils.Database, username: str) -> float | None:
    """Seconds left on a lock of ``username`` after too many failures, or None."""
    now = _clock()
    row = db.execute(
        "SELECT locked_until FROM login_failures WHERE username = ?", [username.strip().casefold()]
    ).fetchone()
    return row[0] - now if row and row[0] and row[0] > now else None


def locked_message(username: str, seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return (
        f"Too many failed attempts: {username!r} is locked for about "
        f"{minutes} more minute{'s' if minutes != 1 else ''}."
    )


def login(db: sqlite_utils.Database, username: str, password: str) -> Operator:
    """Check credentials; raises LoginFailed with one message whatever went wrong.

    The lock is checked and a failure counted in one write transaction, so attempts made
    at the same moment are each counted; a database too busy to take that lock refuses
    the attempt (Busy) before the password is looked at. A patron whose password was
    reset gets PasswordChangeRequired instead of a session."""
    from .database import begin_write, roll_back

    username = username.strip().casefold()
    begin_write(db)
    try:
        operator, must_change = _check(db, username, password)
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    if operator is None:
        time.sleep(FAILURE_DELAY)
        raise LoginFailed(LOGIN_FAILED)
    if must_change:
        raise PasswordChangeRequired(operator.username)
    return operator


def _check(db: sqlite_utils.Database, username: str, password: str) -> tuple[Operator | None, bool]:
    """Inside the login's write transaction: (the operator or None for a failure, whether
    the password must be changed). Raises LoginFailed for a locked name (not counted)."""
    seconds = locked_for(db, username)
    if seconds is not None:
        raise LoginFailed(locked_message(username, seconds))
    row = db.execute(
        "SELECT id, password_hash, must_change_password FROM patrons WHERE username = ?", [username]
    ).fetchone()
    operator = None
    try:
        # An unknown username is checked against a dummy hash, so it takes as long.
        HASHER.verify(row[1] if row and row[1] else dummy_hash(), password)
        operator = operator_for(db, row[0]) if row and row[1] else None
    except (VerificationError, InvalidHashError):
        operator = None
    if operator is None:
        record_failure(db, username)
        return None, False
    db.execute("DELETE FROM login_failures WHERE username = ?", [username])
    return dataclasses.replace(operator, credential=credential_of(row[1])), bool(row[2])


@functools.cache
def dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def record_failure(db: sqlite_utils.Database, username: str) -> None:
    """Count a failed login of ``username`` (inside the caller's write transaction); the
    LOCK_AFTER-th in a row locks it for LOCK_SECONDS."""
    now = _clock()
    db.execute(
        """INSERT INTO login_failures (username, failures, locked_until) VALUES (?, 1, NULL)
           ON CONFLICT (username) DO UPDATE SET
               failures = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END,
               locked_until = NULL""",
        [username],
    )
    db.execute(
        "UPDATE login_failures SET locked_until = ? WHERE username = ? AND failures >= ?",
        [now + LOCK_SECONDS, username, LOCK_AFTER],
    )


def check_new_password(username: str, new_password: str) -> None:
    """The rules every new password follows; Invalid names the field and says what is allowed."""
    from .validation import Invalid, Problem

    problem = None
    if len(new_password) < MIN_PASSWORD_LENGTH:
        problem = (
            f"at least {MIN_PASSWORD_LENGTH} characters are needed; this has {len(new_password)}"
        )
    elif len(new_password) > MAX_PASSWORD_LENGTH:
        problem = f"at most {MAX_PASSWORD_LENGTH} characters are allowed"
    elif "\x00" in new_password:
        problem = "contains a NUL character (\\x00), which is not allowed"
    elif new_password.strip().casefold() == username.strip().casefold():
        problem = "may not be the username"
    if problem:
        raise Invalid([Problem("new_password", "New password", problem)])


def change_password(
    db: sqlite_utils.Database, username: str, old_password: str, new_password: str
) -> Operator:
    """An operator sets a new password, proving the current one (with the login's lockout);
    clears "must change password" and returns the operator, now logged in."""
    from . import clock
    from .database import begin_write, roll_back
    from .validation import Invalid, Problem

    username = username.strip().casefold()
    check_new_password(username, new_password)
    new_hash = HASHER.hash(new_password)  # slow: before the write lock
    begin_write(db)
    try:
        operator, _ = _check(db, username, old_password)
        if operator is not None:
            current = db.execute(
                "SELECT password_hash FROM patrons WHERE id = ?", [operator.patron_id]
            ).fetchone()[0]
            if verifies(current, new_password):
                db.execute("COMMIT")  # the failures the right password cleared stay cleared
                raise Invalid(
                    [
                        Problem(
                            "new_password", "New password", "must differ from the current password"
                        )
                    ]
                )
            db.execute(
                "UPDATE patrons SET password_hash = ?, must_change_password = 0, "
                "modified = ? WHERE id = ?",
                [new_hash, clock.now(), operator.patron_id],
            )
            operator = dataclasses.replace(operator, credential=credential_of(new_hash))
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    if operator is None:
        time.sleep(FAILURE_DELAY)
        raise LoginFailed(LOGIN_FAILED)
    return operator


def verifies(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(db: sqlite_utils.Database, patron_id: int, password: str) -> None:
    """Give a patron (an operator, say) a password; only its hash is stored."""
    db.execute(
        "UPDATE patrons SET password_hash = ?, must_change_password = 0 WHERE id = ?",
        [hash_password(password), patron_id],
    )


class ResetRefused(ValueError):
    """A password-reset token that is unknown, used or expired."""
