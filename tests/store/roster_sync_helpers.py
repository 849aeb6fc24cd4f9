"""A OneRoster 1.1 export made from the demo database's own patrons (issue 19's sync tests):
each active patron of ELM, MID and HIGH who is no operator is a user — their barcode the
identifier, "u" + barcode the sourcedId, their site's code the school's identifier —
which a test then varies (leaves users out, changes them, adds new ones)."""

from __future__ import annotations

from pathlib import Path

from .roster_fixtures import write

COLUMNS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
]
ORGS = [
    ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
    ["d1", "", "", "Demo District", "district", "", ""],
    ["s-elm", "", "", "Elm Elementary", "school", "ELM", "d1"],
    ["s-mid", "", "", "Middle School", "school", "MID", "d1"],
    ["s-high", "", "", "High School", "school", "HIGH", "d1"],
    ["s-new", "", "", "A school no site is", "school", "NOWHERE", "d1"],
]
ORG_OF = {"ELM": "s-elm", "MID": "s-mid", "HIGH": "s-high"}


def grade_code(grade: str | None) -> str:
    if not grade:
        return ""
    return {"K": "KG", "PK": "PK", "Graduated": "PS"}.get(grade) or f"{int(grade):02d}"


def demo_users(db) -> list[dict[str, str]]:
    """The demo's roster users, by column, in barcode order."""
    rows = db.execute(
        """SELECT p.barcode, p.first_name, p.middle_name, p.last_name, p.grade, p.site,
                  p.security_group
           FROM patrons p JOIN security_groups g ON g.name = p.security_group
           WHERE p.status = 'Active' AND p.site IN ('ELM', 'MID', 'HIGH')
             AND g.permissions = '[]' AND NOT p.is_unknown
           ORDER BY p.barcode"""
    ).fetchall()
    return [
        user(
            "u" + barcode,
            identifier=barcode,
            givenName=first,
            middleName=middle,
            familyName=last,
            grades=grade_code(grade) if group == "Student" else "",
            orgSourcedIds=ORG_OF[site],
            role="student" if group == "Student" else "teacher",
        )
        for barcode, first, middle, last, grade, site, group in rows
    ]


def user(sourced_id: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row |= {"sourcedId": sourced_id, "role": "student", "orgSourcedIds": "s-elm"}
    row |= values
    return row


def export(tmp_path: Path, users: list[dict[str, str]], name: str = "roster") -> Path:
    folder = tmp_path / name
    write(folder, "users.csv", [COLUMNS] + [[u[c] for c in COLUMNS] for u in users], bom=True)
    write(folder, "orgs.csv", ORGS)
    return folder
