"""What a roster mapping is resolved against and what it makes: the database's grade
table, sites, policies and security groups read once (``MappingContext``), and the three
fates of a user — a patron record, skipped with a reason, or the problems that stop it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..choices import values
from .model import RosterProblem


@dataclass(frozen=True)
class MappingContext:
    """What this database offers a mapping, read once per sync (not once per user)."""

    grades: tuple[str, ...]
    sites: tuple[str, ...]
    union_site: str | None
    policies: tuple[str, ...]
    security_groups: tuple[str, ...]

    @classmethod
    def of(cls, db: sqlite_utils.Database) -> MappingContext:
        union = db.execute("SELECT code FROM sites WHERE is_union ORDER BY code LIMIT 1").fetchone()
        return cls(
            grades=tuple(values(db, "grade")),
            sites=tuple(values(db, "site")),
            union_site=union[0] if union else None,
            policies=tuple(values(db, "policy")),
            security_groups=tuple(values(db, "security_group")),
        )

    def choices(self, kind: str) -> list[str]:
        """The choices of ``kind`` as store/choices.py lists them (for validation)."""
        return list(getattr(self, _KINDS[kind]))


_KINDS = {
    "grade": "grades",
    "site": "sites",
    "policy": "policies",
    "security_group": "security_groups",
}


@dataclass(frozen=True)
class MappedPatron:
    """A user as a patron: ``record`` is a patron-file record (store/patron_record.py's
    FIELDS; nickname and username only when the roster sets them), ``first_email`` the
    address to be the patron's first (None: leave theirs), ``sourced_id`` the roster's id to
    keep on the patron."""

    sourced_id: str
    row: int
    record: dict[str, Any]
    first_email: str | None = None
    to_union_site: bool = False  # their school is no site here


@dataclass(frozen=True)
class Skipped:
    """A user the mapping does not make a patron (a guardian), and why."""

    sourced_id: str
    row: int
    reason: str


Mapped = MappedPatron | Skipped | list[RosterProblem]
