"""The one door: every preview and every write asks here who is asking and what they may touch.

The operator a screen or a command holds is what login found; the database may have
moved on since (the account removed, its group changed, the name locked). So each door
re-reads the operator at the moment it acts — for a write, under the write lock — and
refuses a session that no longer matches. Then the permission, then the security-level
rule for every patron row: below level 0 nobody changes a patron whose group is at or
above their own level, and no batch changes the operator's own account.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlite_utils

from . import security
from .database import begin_write, roll_back
from .security import NotPermitted, Operator, require

# A patron's level, in SQL over a patron row aliased {p}: NULL when they have no group.
LEVEL_OF = "(SELECT g.level FROM security_groups g WHERE g.name = {p}.security_group)"
OWN_ACCOUNT = "your own account"


class SessionEnded(NotPermitted):
    """The operator who logged in is not the operator the database holds now."""


def current(db: sqlite_utils.Database, operator: Operator) -> Operator:
    """``operator`` if the database still says so now; SessionEnded (saying why) otherwise."""
    who = operator.username
    row = db.execute(
        """SELECT p.username, p.status, p.must_change_password, g.name, g.level, g.permissions,
                  p.password_hash
           FROM patrons p LEFT JOIN security_groups g ON g.name = p.security_group
           WHERE p.id = ?""",
        [operator.patron_id],
    ).fetchone()
    again = "; log in again"
    if row is None or (row[0] or "").casefold() != who.casefold():
        raise SessionEnded(
            f"{who} is no longer an operator of this database (the account was "
            f"removed or its username changed){again}"
        )
    username, status, must_change, group, level, permissions, password_hash = row
    permissions = frozenset(json.loads(permissions or "[]"))
    if status in security.NO_LOGIN_STATUSES:
        raise SessionEnded(
            f"{who}'s account is now {status}: it may not be used{again} "
            "once an administrator has made it Active"
        )
    if not permissions:
        raise SessionEnded(
            f"{who} is no longer an operator: the security group "
            f"{group or '(none)'} grants no permissions"
        )
    if security.locked_for(db, username) is not None:
        raise SessionEnded(f"{who} is locked after too many failed logins{again} later")
    if must_change:
        raise SessionEnded(f"{who}'s password was reset{again} and choose a new one")
    # (An Operator made by a program rather than by login carries no credential mark.)
    if operator.credential and security.credential_of(password_hash) != operator.credential:
        raise SessionEnded(f"{who}'s password was changed since logging in{again}")
    if (group, level, permissions) != (operator.group, operator.level, operator.permissions):
        raise SessionEnded(
            f"{who}'s security group changed since logging in (now {group}, level {level}){again}"
        )
    return operator


def authorize(
    db: sqlite_utils.Database, operator: Operator, permissions: tuple[str, ...], what: str
) -> Operator:
    """The operator as the database holds them now, with every one of ``permissions``."""
    current(db, operator)
    require(operator, permissions, what)
    return operator


@contextmanager
def writing(
    db: sqlite_utils.Database, operator: Operator, permissions: tuple[str, ...], what: str
) -> Iterator[Operator]:
    """One write transaction, entered only by an operator the database allows now: the
    check and the write see the same database, and a refusal leaves nothing behind."""
    begin_write(db)
    try:
        yield authorize(db, operator, permissions, what)
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise


# -- the security-level rule ------------------------------------------------------------------
@dataclass(frozen=True)
class Guard:
    """Patrons an operator may not change, as SQL over a patron row: each (condition,
    reason) in order, the first that holds is the reason given."""

    cases: list[tuple[str, str]]
    params: dict[str, object] = field(default_factory=dict)

    @property
    def condition(self) -> str:
        return "(" + " OR ".join(cond for cond, _ in self.cases) + ")"

    @property
    def reason(self) -> str:
        return "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in self.cases) + " END"


def guard(operator: Operator, p: str = "p") -> Guard:
    """Who ``operator`` may not change: their own account, and below level 0 every patron
    whose security group is at or above their level (a smaller or equal number)."""
    cases = [(f"{p}.id = :guard_operator", f"'{OWN_ACCOUNT}'")]
    if operator.level > 0:
        level = LEVEL_OF.format(p=p)
        cases.append(
            (
                f"coalesce({level} <= :guard_level, 0)",
                f"'in ' || {p}.security_group || ' (level ' || {level} || "
                "'), not below your level ' || :guard_level",
            )
        )
    return Guard(cases, {"guard_operator": operator.patron_id, "guard_level": operator.level})


def refusal(
    operator: Operator, patron_id: int | None, group: str | None, level: int | None
) -> str | None:
    """Why ``operator`` may not change this patron (in ``group`` of ``level``), or None."""
    if patron_id is not None and patron_id == operator.patron_id:
        return OWN_ACCOUNT
    if operator.level > 0 and level is not None and level <= operator.level:
        return f"in {group} (level {level}), not below your level {operator.level}"
    return None


def may_assign(operator: Operator, group: str, level: int | None) -> str | None:
    """Why ``operator`` may not put a patron in ``group``, or None (level 0 may assign any)."""
    if operator.level > 0 and level is not None and level <= operator.level:
        return (
            f"{group!r} is level {level}; as a level {operator.level} operator you may "
            f"assign only groups of level {operator.level + 1} or higher"
        )
    return None
