"""Reset Patron Accounts tests' patrons, operator and runs (on small_db's TEST site)."""

from __future__ import annotations

import json

import store
from store import security
from store.security import PASSWORDS, UTILITIES, Operator

from ..operators import operator_at

KEY = "reset-accounts"
BATCH = {"sites": ["TEST"]}  # the patrons a test adds; small_db's own patrons stay outside


def prepare(small_db: store.Store) -> store.Store:
    """small_db with a TEST site for the patrons a test adds, and Admin and Aide groups."""
    small_db.db["sites"].insert({"code": "TEST", "name": "Test School", "is_union": 0})
    small_db.db["security_groups"].insert_all(
        [
            {
                "name": "Admin",
                "level": 0,
                "permissions": json.dumps(list(security.ALL_PERMISSIONS)),
            },
            {"name": "Aide", "level": 2, "permissions": json.dumps([UTILITIES])},
        ]
    )
    return small_db


_ids = iter(range(100, 1000))


def add(
    s: store.Store,
    first: str,
    last: str,
    *,
    nickname: str = "",
    group: str | None = "Student",
    emails: tuple[str, ...] = (),
    username: str | None = None,
    barcode: str | None = None,
) -> int:
    """A patron at the TEST site; emails are listed in order (inserted last first)."""
    pid = next(_ids)
    s.db["patrons"].insert(
        {
            "id": pid,
            "barcode": barcode or f"T{pid}",
            "first_name": first,
            "last_name": last,
            "nickname": nickname,
            "security_group": group,
            "status": "Active",
            "site": "TEST",
            "username": username,
            "created": "2026-01-01",
            "modified": "2026-01-01",
        }
    )
    for position in reversed(range(len(emails))):
        s.db["patron_emails"].insert(
            {"patron_id": pid, "position": position, "address": emails[position]}
        )
    return pid


def operator(s: store.Store, level: int = 1, patron_id: int | None = None) -> Operator:
    return operator_at(s.db, level, {UTILITIES, PASSWORDS}, patron_id)


def run(s: store.Store, options: dict, op: Operator | None = None):
    plan = s.plan(KEY, BATCH, options, op or operator(s))
    rows = {r.patron_id: r for r in plan.page(0, 1000)}
    return plan, rows, s.apply(plan)


def patron(s: store.Store, pid: int) -> dict:
    return s.db["patrons"].get(pid)


def usernames(s: store.Store) -> dict[int, str | None]:
    return dict(s.db.execute("SELECT id, username FROM patrons").fetchall())
