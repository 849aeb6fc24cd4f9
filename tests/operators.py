"""Operators for tests that are not about logging in.

The store re-reads the operator from the database at every door, so a test operator
must be a patron of the test's database. ADMIN and AIDE are the demo's own operators
(a demo of 300 patrons has them at 301 and 302); conftest's small_db has them at the same
ids. ``enrol`` makes any other Operator a patron of a database.
"""

import json
from dataclasses import replace

from argon2 import PasswordHasher

from store.security import ALL_PERMISSIONS, UTILITIES, Operator

# How the tests hash passwords: argon2id at its lowest cost, so a login takes no time.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# The demo's District Administrator (ADMIN below) logs in with these (store/demo.py).
OPERATOR, PASSWORD = "demo", "demo-librarian"

# A district administrator: level 0, every permission (the demo's "demo").
ADMIN = Operator(301, "demo", "Dana Reyes", "District Administrator", 0, frozenset(ALL_PERMISSIONS))
# A library aide: level 2, may run the everyday utilities only (the demo's "aide").
AIDE = Operator(302, "aide", "Alex Kim", "Library Aide", 2, frozenset({UTILITIES}))
OPERATOR_ROWS = [  # (operator, barcode, first name, last name)
    (ADMIN, "STAFF001", "Dana", "Reyes"),
    (AIDE, "STAFF002", "Alex", "Kim"),
]


def enrol(
    db,
    operator: Operator,
    barcode: str | None = None,
    stamp: str = "2026-01-01 00:00:00",
    site: str | None = None,
) -> Operator:
    """Make ``operator`` real in ``db`` (a sqlite_utils Database) and return it as enrolled.

    A new patron of the operator's id joins the operator's group (created or given the
    operator's level and permissions). An existing patron of that id stays in their own
    group, which must have the operator's level and is given its permissions, and keeps
    their username if they have one."""
    row = db.execute(
        "SELECT p.security_group, g.level, p.username FROM patrons p "
        "LEFT JOIN security_groups g ON g.name = p.security_group WHERE p.id = ?",
        [operator.patron_id],
    ).fetchone()
    if row is not None:
        group, level, username = row
        if group is not None and level != operator.level:
            raise ValueError(
                f"patron {operator.patron_id} is in {group} (level {level}), "
                f"not level {operator.level}"
            )
        operator = replace(
            operator, group=group or operator.group, username=username or operator.username
        )
    db.execute(
        "INSERT INTO security_groups (name, level, permissions) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET level = excluded.level, "
        "permissions = excluded.permissions",
        [operator.group, operator.level, json.dumps(sorted(operator.permissions))],
    )
    first, _, last = operator.name.partition(" ")
    if row is not None:
        db.execute(
            "UPDATE patrons SET username = ?, security_group = ?, status = 'Active' WHERE id = ?",
            [operator.username, operator.group, operator.patron_id],
        )
    else:
        site = (
            site
            or db.execute("SELECT code FROM sites ORDER BY is_union, code LIMIT 1").fetchone()[0]
        )
        db.execute(
            "INSERT INTO patrons (id, barcode, first_name, last_name, security_group, "
            "status, site, username, created, modified) "
            "VALUES (?, ?, ?, ?, ?, 'Active', ?, ?, ?, ?)",
            [
                operator.patron_id,
                barcode or f"OP{operator.patron_id}",
                first,
                last or first,
                operator.group,
                site,
                operator.username,
                stamp,
                stamp,
            ],
        )
    return operator


def operator_at(db, level: int, permissions, patron_id: int | None = None) -> Operator:
    """An enrolled operator of ``level`` with ``permissions``: a new patron (900 + level,
    username op<level>, in group "Test level <level>") unless ``patron_id`` names one."""
    return enrol(
        db,
        Operator(
            patron_id or 900 + level,
            f"op{level}",
            "Test Operator",
            f"Test level {level}",
            level,
            frozenset(permissions),
        ),
    )
