"""What a form offers for a field whose values come from the database (grades, sites,
policies, security groups, the locations patrons have): the one place that lists them,
for the forms, and for validating what is typed, saved or about to be applied."""

from __future__ import annotations

import sqlite_utils

CHOICES_SQL = {
    "grade": "SELECT name, name FROM grades ORDER BY position",
    "site": "SELECT code, code || ' — ' || name || "
    "CASE WHEN is_union AND name <> 'Union Site' THEN ' (Union Site)' ELSE '' END "
    "FROM sites ORDER BY is_union, code",
    "real_site": "SELECT code, code || ' — ' || name FROM sites WHERE NOT is_union ORDER BY code",
    "policy": "SELECT name, name FROM policies ORDER BY name",
    "security_group": "SELECT name, name || ' (level ' || level || ')' FROM security_groups "
    "ORDER BY level, name",
    "location": "SELECT DISTINCT location, location FROM patrons WHERE location IS NOT NULL "
    "ORDER BY location",
    "location2": "SELECT DISTINCT location2, location2 FROM patrons WHERE location2 IS NOT NULL "
    "ORDER BY location2",
}


def labels(db: sqlite_utils.Database, kind: str) -> list[tuple[str, str]]:
    """(value, label) pairs for a choice field of ``kind``."""
    return [(v, label) for v, label in db.execute(CHOICES_SQL[kind]).fetchall()]


def values(db: sqlite_utils.Database, kind: str) -> list[str]:
    return [value for value, _ in labels(db, kind)]
