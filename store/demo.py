"""A demo district, deterministic for a seed, for trying the utilities safely."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path

from . import clock, security
from .database import connect
from .demo_names import CHARGES, NOTE_TEXT, TITLES
from .demo_people import People

SITES = [
    ("ELM", "Elm Street Elementary", 0),
    ("MID", "Lincoln Middle School", 0),
    ("HIGH", "Central High School", 0),
    ("UNION", "Union Site", 1),
]
GRADES = ["PK", "K"] + [str(n) for n in range(1, 13)] + ["Graduated"]
# (name, account days, loan days, fine per day in cents, max fine in cents)
POLICIES = [
    ("Elementary", 365, 14, 5, 200),
    ("Grade 6-8", 365, 14, 10, 500),
    ("Grade 9-12", 365, 21, 10, 1000),
    ("Staff", 730, 60, 0, None),
    ("Community", None, 21, 25, 1000),
]
SECURITY_GROUPS = [
    ("District Administrator", 0, list(security.ALL_PERMISSIONS)),
    # Between the aide and the administrator: every permission, but level 1, so the level
    # rules have a case (a librarian cannot change the administrator or another librarian).
    ("Librarian", 1, list(security.ALL_PERMISSIONS)),
    ("Library Aide", 2, [security.UTILITIES]),
    ("Teacher", 2, []),
    ("Student", 3, []),
]
# The demo's operators: (username, password, first, last, security group). Their
# passwords are published (README, the login screen of a demo database): demo only.
DEMO_OPERATORS = [
    ("demo", "demo-librarian", "Dana", "Reyes", "District Administrator"),
    ("aide", "demo-aide", "Alex", "Kim", "Library Aide"),
]


def create_demo(
    path: str | Path, patrons: int = 2000, seed: int = 1, force: bool = False, group: bool = False
) -> Path:
    """(Re)create a demo database at ``path`` (0600, or 0660 with ``group``); refuses an
    existing file unless ``force``."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not force:
            raise FileExistsError(f"{path} already exists; use --force to replace it")
        if not _is_demo(path):
            raise FileExistsError(
                f"{path} is not a demo database (a library's own, or another "
                "program's file): it is never replaced; choose another path"
            )
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path, group, create=True)
    # Marked first, in a transaction of its own: a build cut short (killed, out of disk)
    # is still a demo that --force may replace.
    db.execute("INSERT INTO preferences (key, value) VALUES ('demo', '1')")
    rng = random.Random(seed)
    today = clock.today()
    # Not clock.now(): its time of day is the real one, and the demo must not depend on it.
    stamp = f"{today.isoformat()} 00:00:00"
    # One transaction, and the indexes built once at the end: a commit per batch and
    # index upkeep row by row would make a district-sized demo take many minutes.
    db.execute("PRAGMA cache_size = -262144")
    db.execute("BEGIN")
    indexes = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
    ]
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall():
        db.execute(f"DROP INDEX {name}")
    _reference_tables(db)
    _patrons(db, rng, People(seed, patrons), patrons, today, stamp)
    _operators(db, patrons, stamp)
    _circulation(db, rng, patrons, today)
    for sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    db.conn.close()
    return path


def _is_demo(path: Path) -> bool:
    """An existing regular file (not a link, a device or a pipe) that this command made;
    an empty regular file counts: it holds nothing."""
    import sqlite3
    import stat

    from .database import uri

    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        return False
    if info.st_size == 0:
        return True
    try:
        conn = sqlite3.connect(uri(path, "ro"), uri=True)
        try:
            row = conn.execute("SELECT value FROM preferences WHERE key = 'demo'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return bool(row and row[0] == "1")


def _reference_tables(db) -> None:
    db["sites"].insert_all([{"code": c, "name": n, "is_union": u} for c, n, u in SITES])
    db["grades"].insert_all(
        [{"name": g, "position": i, "is_last": int(g == "Graduated")} for i, g in enumerate(GRADES)]
    )
    db["policies"].insert_all(
        [
            dict(
                zip(
                    ("name", "account_days", "loan_days", "fine_per_day", "max_fine"),
                    p,
                    strict=True,
                )
            )
            for p in POLICIES
        ]
    )
    db["security_groups"].insert_all(
        [
            {"name": n, "level": lvl, "permissions": json.dumps(perm)}
            for n, lvl, perm in SECURITY_GROUPS
        ]
    )
    db["preferences"].insert_all(
        [
            {"key": "term.grade", "value": "Grade"},
            {"key": "term.location", "value": "Location"},
            {"key": "term.location2", "value": "2nd Location"},
            {"key": "centralized_catalog", "value": "1"},
            {"key": "disable_account_expiration", "value": "0"},
        ]
    )


def _policy_for(grade: str | None, staff: bool) -> str:
    if staff:
        return "Staff"
    if grade in (None, "Graduated"):
        return "Community"
    if grade in ("PK", "K") or int(grade) <= 5:
        return "Elementary"
    return "Grade 6-8" if int(grade) <= 8 else "Grade 9-12"


def _site_for(grade: str | None, rng: random.Random) -> str:
    if grade in ("PK", "K") or (grade and grade.isdigit() and int(grade) <= 5):
        return "ELM"
    if grade and grade.isdigit() and int(grade) <= 8:
        return "MID"
    return "HIGH" if grade else rng.choice(["ELM", "MID", "HIGH"])


# The names were drawn from the seed's own stream before they had theirs (demo_people):
# the stream still spends those draws, where they were, so that a seed's grades, sites,
# loans and charges stay as they were (the tests and their snapshots are built on them).
_SPENT_FIRST, _SPENT_LAST, _SPENT_MIDDLE = 37, 33, 5


def _patrons(
    db, rng: random.Random, people: People, count: int, today: dt.date, stamp: str
) -> None:
    rows, emails = [], []
    for i in range(1, count + 1):
        staff = i % 25 == 0
        grade = None if staff else GRADES[rng.randrange(len(GRADES))]
        rng.randrange(_SPENT_FIRST), rng.randrange(_SPENT_LAST)
        first, middle, last, nickname = people.person()
        site = _site_for(grade, rng)
        status = "Active"
        if i % 97 == 0:
            site = "UNION"  # imported with a bad site code
        if i % 61 == 0:
            status = "Transferred"
        elif i % 53 == 0:
            status = rng.choice(["Inactive", "Suspended", "Card Lost", "Other"])
        grad_year = today.year + (12 - int(grade)) if grade and grade.isdigit() else None
        if grade == "Graduated":
            grad_year = today.year - rng.randint(0, 1)
        rng.randrange(_SPENT_MIDDLE), rng.random()  # were the middle name and the nickname
        barcode = str(20260000 + i)
        rows.append(
            {
                "id": i,
                "barcode": barcode,
                "first_name": first,
                "middle_name": middle,
                "last_name": last,
                "nickname": nickname,
                "grade": grade,
                "location": None if staff else f"Room {100 + rng.randrange(30)}",
                "location2": rng.choice([None, None, "Bus 4", "Bus 7", "After School"]),
                "policy": _policy_for(grade, staff),
                "security_group": ("Librarian" if i % 250 == 0 else "Teacher")
                if staff
                else "Student",
                "status": status,
                "site": site,
                "graduation_date": dt.date(grad_year, 6, 5).isoformat() if grad_year else None,
                "expiration_date": (today + dt.timedelta(days=rng.randint(-200, 400))).isoformat(),
                "username": barcode,  # Alexandria's default username is the barcode
                "password_hash": None,
                "must_change_password": 0,
                "created": stamp,
                "modified": stamp,
            }
        )
        n_emails = rng.choice([0, 1, 1, 1, 2, 3]) if rng.random() < 0.8 else 0
        for pos, address in enumerate(
            people.emails(first, last, site, staff, grade == "Graduated", n_emails)
        ):
            emails.append({"patron_id": i, "position": pos, "address": address})
    _insert(db, "patrons", rows)
    _insert(db, "patron_emails", emails)


def _circulation(db, rng: random.Random, count: int, today: dt.date) -> None:
    day = lambda n: (today + dt.timedelta(days=n)).isoformat()  # noqa: E731
    notes, pictures, items, checkouts, holds, reservations = [], [], [], [], [], []
    charges, history, reviews = [], [], []
    # Each loan keeps the fine terms of the policy its patron had when it was checked out
    # (one shared pair per policy, indexed by patron id: small at a million patrons).
    of_policy = {name: (fine, most) for name, _, _, fine, most in POLICIES}
    terms: list[tuple[int, int | None]] = [(0, None)] * (count + 1)
    for pid, policy in db.execute("SELECT id, policy FROM patrons WHERE id <= ?", [count]):
        terms[pid] = of_policy.get(policy, (0, None))
    item_id = 0
    for pid in range(1, count + 1):
        if rng.random() < 0.15:
            kind = rng.choice(list(NOTE_TEXT))
            notes.append(
                {"patron_id": pid, "type": kind, "text": NOTE_TEXT[kind], "created": day(-30)}
            )
        if pid % 40 == 0:
            pictures.append(
                {
                    "patron_id": pid,
                    "image": bytes([0x89, 0x50, 0x4E, 0x47]) + pid.to_bytes(4, "big"),
                }
            )
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
            item_id += 1
            items.append(
                {
                    "id": item_id,
                    "barcode": f"3{item_id:07d}",
                    "title": rng.choice(TITLES),
                    "status": "Checked Out",
                    "price": rng.choice([899, 1299, 1999]),
                }
            )
            out = rng.randint(-60, -1)
            checkouts.append(
                {
                    "item_id": item_id,
                    "patron_id": pid,
                    "checked_out": day(out),
                    "due_date": day(out + 14),
                    "fines_from": None,
                    "fine_per_day": terms[pid][0],
                    "max_fine": terms[pid][1],
                }
            )
        if rng.random() < 0.05:
            holds.append({"patron_id": pid, "title": rng.choice(TITLES), "placed": day(-3)})
        if rng.random() < 0.03:
            reservations.append(
                {
                    "patron_id": pid,
                    "title": rng.choice(TITLES),
                    "start_date": day(7),
                    "end_date": day(14),
                }
            )
        if rng.random() < 0.12:
            desc, note = rng.choice(CHARGES)
            charges.append(
                {
                    "patron_id": pid,
                    "amount": rng.choice([25, 50, 75, 100, 350, 1299]),
                    "description": desc,
                    "note": note,
                    "transaction_date": day(-rng.randint(1, 400)),
                    "is_credit": 0,
                }
            )
        if rng.random() < 0.02:
            charges.append(
                {
                    "patron_id": pid,
                    "amount": 100,
                    "description": "Credit",
                    "note": "",
                    "transaction_date": day(-20),
                    "is_credit": 1,
                }
            )
        if rng.random() < 0.3:
            kind = rng.choice(
                ["payment", "credit", "renewal", "lost", "refund", "lexile", "returned"]
            )
            detail = f"{rng.randint(200, 1300)}L" if kind == "lexile" else rng.choice(TITLES)
            history.append(
                {
                    "patron_id": pid,
                    "kind": kind,
                    "detail": detail,
                    "date": day(-rng.randint(1, 500)),
                }
            )
        if rng.random() < 0.02:
            reviews.append({"patron_id": pid, "title": rng.choice(TITLES), "text": "Loved it!"})
    for table, rows in (
        ("notes", notes),
        ("pictures", pictures),
        ("items", items),
        ("checkouts", checkouts),
        ("holds", holds),
        ("reservations", reservations),
        ("charges", charges),
        ("history", history),
        ("reviews", reviews),
    ):
        _insert(db, table, rows)


def _insert(db, table: str, rows: list[dict]) -> None:
    """Plain executemany: sqlite-utils' insert_all inspects every value, too slow at a million."""
    if rows:
        columns = list(rows[0])
        db.conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(row[c] for c in columns) for row in rows],
        )


def _operators(db, count: int, stamp: str) -> None:
    for n, (username, password, first, last, group) in enumerate(DEMO_OPERATORS, start=1):
        db["patrons"].insert(
            {
                "id": count + n,
                "barcode": f"STAFF{n:03d}",
                "first_name": first,
                "last_name": last,
                "security_group": group,
                "status": "Active",
                "site": "HIGH",
                "policy": "Staff",
                "username": username,
                "password_hash": security.hash_password(password),
                "created": stamp,
                "modified": stamp,
            }
        )
