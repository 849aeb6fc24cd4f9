"""Operators, permissions, password hashes and logging in.

Operators are patrons whose security group grants permissions. Every rule of
who may do what is decided here, so the TUI and the command line obey the same.
Passwords are kept only as argon2 hashes; never in plaintext, never journaled.
"""
from __future__ import annotations

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
ALL_PERMISSIONS = (UTILITIES, PASSWORDS, SECURITY_GROUPS, REMOVE_PATRONS, REMOVE_RECORDS, FORGIVE,
                   PREFERENCES)

# Operators' own passwords: argon2id at the library's defaults.
OPERATOR_HASHER = PasswordHasher()
# Batch resets hash one password per patron, so they use OWASP's minimum
# argon2id cost (19 MiB, 2 passes): still slow to guess, feasible by the thousand.
PATRON_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

FAILURE_DELAY = 1.0  # seconds a wrong password costs
LOCK_AFTER = 5  # failures in a row
LOCK_SECONDS = 5 * 60

LOGIN_FAILED = "Unknown username or wrong password."


class LoginFailed(PermissionError):
    """Wrong credentials, a locked username, or an account that is not an operator."""


class NotPermitted(PermissionError):
    """The operator's security group does not grant what this needs."""


@dataclass(frozen=True)
class Operator:
    """Who is running utilities: a patron with a security group that grants permissions."""

    patron_id: int
    username: str
    name: str
    group: str
    level: int
    permissions: frozenset[str]

    def may(self, permissions: tuple[str, ...] | frozenset[str]) -> bool:
        return set(permissions) <= self.permissions

    def missing(self, permissions: tuple[str, ...]) -> list[str]:
        return [p for p in permissions if p not in self.permissions]

    def outranks(self, level: int | None) -> bool:
        """May this operator act on a group of ``level``? Level 0 may act on any."""
        return self.level == 0 or level is None or level > self.level


def require(operator: Operator, permissions: tuple[str, ...], what: str) -> None:
    missing = operator.missing(permissions)
    if missing:
        raise NotPermitted(
            f"{operator.username} may not run {what}: it needs the permission "
            + " and ".join(f"'{p}'" for p in missing))


def hash_password(password: str, hasher: PasswordHasher = OPERATOR_HASHER) -> str:
    return hasher.hash(password)


def token_hash(token: str) -> str:
    """Reset tokens are long and random, so a plain SHA-256 keeps them safe at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


def _clock() -> float:
    return time.time()


def operator_for(db: sqlite_utils.Database, patron_id: int) -> Operator | None:
    row = db.execute(
        """SELECT p.id, p.username, p.first_name || ' ' || p.last_name, g.name, g.level,
                  g.permissions
           FROM patrons p JOIN security_groups g ON g.name = p.security_group
           WHERE p.id = ?""", [patron_id]).fetchone()
    if row is None:
        return None
    permissions = frozenset(json.loads(row[5]))
    if not permissions:
        return None
    return Operator(row[0], row[1], row[2], row[3], row[4], permissions)


def login(db: sqlite_utils.Database, username: str, password: str) -> Operator:
    """Check credentials; raises LoginFailed with one message whatever went wrong."""
    username = username.strip().casefold()
    now = _clock()
    failure = db.execute("SELECT failures, locked_until FROM login_failures WHERE username = ?",
                         [username]).fetchone()
    if failure and failure[1] and failure[1] > now:
        minutes = max(1, round((failure[1] - now) / 60))
        raise LoginFailed(f"Too many failed attempts: {username!r} is locked for about "
                          f"{minutes} more minute{'s' if minutes != 1 else ''}.")
    row = db.execute("SELECT id, password_hash FROM patrons WHERE username = ?",
                     [username]).fetchone()
    operator = None
    try:
        # An unknown username is checked against a dummy hash, so it takes as long.
        OPERATOR_HASHER.verify(row[1] if row and row[1] else _dummy_hash(), password)
        operator = operator_for(db, row[0]) if row and row[1] else None
    except (VerificationError, InvalidHashError):
        operator = None
    if operator is None:
        _record_failure(db, username, now)
        time.sleep(FAILURE_DELAY)
        raise LoginFailed(LOGIN_FAILED)
    if failure:
        # Only when there is one: a DELETE takes the write lock even if it matches
        # nothing, and logging in must not wait for another technician's apply.
        db.execute("DELETE FROM login_failures WHERE username = ?", [username])
    return operator


@functools.cache
def _dummy_hash() -> str:
    return OPERATOR_HASHER.hash(secrets.token_urlsafe(16))


def _record_failure(db: sqlite_utils.Database, username: str, now: float) -> None:
    db.execute(
        """INSERT INTO login_failures (username, failures, locked_until) VALUES (?, 1, NULL)
           ON CONFLICT (username) DO UPDATE SET
               failures = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END,
               locked_until = NULL""", [username])
    db.execute("UPDATE login_failures SET locked_until = ? WHERE username = ? AND failures >= ?",
               [now + LOCK_SECONDS, username, LOCK_AFTER])


def set_password(db: sqlite_utils.Database, patron_id: int, password: str) -> None:
    """Give a patron (an operator, say) a password; only its hash is stored."""
    db.execute("UPDATE patrons SET password_hash = ?, must_change_password = 0 WHERE id = ?",
               [hash_password(password), patron_id])


class ResetRefused(ValueError):
    """A password-reset token that is unknown, used or expired."""


def redeem_reset_token(db: sqlite_utils.Database, token: str, new_password: str) -> int:
    """Set a patron's password from a reset link's token (once, within 72 hours)."""
    from . import clock

    row = db.execute("SELECT id, patron_id, expires, used FROM password_resets WHERE token_hash = ?",
                     [token_hash(token)]).fetchone()
    if row is None or row[3] is not None:
        raise ResetRefused("this reset link is not valid or has already been used")
    if row[2] < clock.now():
        raise ResetRefused("this reset link has expired; ask the library for a new one")
    claimed = db.execute("UPDATE password_resets SET used = ? WHERE id = ? AND used IS NULL",
                         [clock.now(), row[0]]).rowcount
    if not claimed:  # another request redeemed it a moment ago
        raise ResetRefused("this reset link is not valid or has already been used")
    db.execute("UPDATE patrons SET password_hash = ?, must_change_password = 0 WHERE id = ?",
               [hash_password(new_password, PATRON_HASHER), row[1]])
    return row[1]
