"""Small OneRoster exports written by the tests themselves, in 1.1 and 1.2 layouts, with the
quirks real vendors ship: a BOM, CRLF, blank status and dateLastModified, dates in several
formats, multi-valued cells with and without spaces, misspelled and re-cased headers, extra
columns, a quoted cell holding a comma and a line break, enabledUser and role in any case.

Each ``export_*`` writes a folder under ``tmp_path`` (or a .zip of it, optionally with the
files one folder down, as vendors zip them) and returns its path."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

USERS_1_1 = [
    # Headers as vendors misspell and re-case them, with an extra column (notes) at the end.
    [
        "sourcedid",
        "Status",
        "dateLastModified",
        "enabled_user",
        "orgSourceIds",
        "role",
        "username",
        "userIds",
        "givenname",
        "familyname",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
        "notes",
    ],
    # blank status and date; two orgs without a space; two userIds; two grades with one
    ["u1", "", "", "TRUE", "s1,s2", "Student", "ada", "{LDAP:12},{LTI:15}", "Ada", "Byron"]
    + ["M", "1001", "ada@school.org", "", "", "p1", "09, 10", "secret", "likes, maps\nand more"],
    # ISO datetime with Z; enabledUser 1; role in capitals; orgs with a space
    ["u2", "active", "2026-08-30T12:00:00Z", "1", "s2, s1", "TEACHER", "", "", "Tom", "Lee"]
    + ["", "T7", "", "", "", "", "", "", ""],
    # tobedeleted, enabledUser no, MM/DD/YYYY, an org orgs.csv lacks
    ["u3", "tobedeleted", "09/01/2026", "no", "s9", "student", "", "{District:S-3}", "Cy"]
    + ["Ng", "", "1003", "", "", "", "", "KG", "", ""],
    # ISO datetime with an offset; enabledUser False; a date in no known format
    ["u4", "Active", "2026-08-30T08:00:00-04:00", "False", "s1", "aide", "", "", "Di", "Ox"]
    + ["", "A4", "", "", "", "", "", "", ""],
    ["u5", "active", "last tuesday", "yes", "s1", "guardian", "", "", "Ed", "Fry"]
    + ["", "", "", "", "", "", "", "", ""],
]

ORGS = [
    ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
    ["d1", "active", "", "Elm District", "district", "D1", ""],
    ["s1", "", "2026-08-01", "North High", "school", "NH", "d1"],
    ["s2", "", "", "South Middle", "school", "SM", "d1"],
]

USERS_1_2 = [
    [
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
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
        "userMasterIdentifier",
        "resourceSourcedIds",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ],
    # primaryOrgSourcedId given (s2) though the primary role is at s1
    ["v1", "", "", "true", "bo", "{LDAP:21}", "Robert", "Ames", "", "2001", "bo@school.org"]
    + ["", "", "", "11", "", "", "", "Bob", "", "", "s2", "he/him"],
    # no primaryOrgSourcedId: the primary role's org first; its primary role is listed second
    ["v2", "active", "2026-08-30", "TRUE", "", "", "Ana", "Cole", "", "T2", ""]
    + ["", "", "", "", "", "", "", "", "", "", "", ""],
    # no role row says primary: the first one is taken
    ["v3", "", "", "", "", "", "Kim", "Diaz", "", "A3", "", "", "", "", "", "", "", ""]
    + ["", "", "", "", ""],
]

ROLES_1_2 = [
    [
        "sourcedId",
        "status",
        "dateLastModified",
        "userSourcedId",
        "roleType",
        "role",
        "beginDate",
        "endDate",
        "orgSourcedId",
        "userProfileSourcedId",
    ],
    ["r1", "active", "", "v1", "primary", "student", "2026-08-15", "", "s1", ""],
    ["r2", "", "", "v2", "secondary", "aide", "", "", "s2", ""],
    ["r3", "", "", "v2", "Primary", "districtAdministrator", "", "", "d1", ""],
    ["r4", "tobedeleted", "", "v2", "secondary", "teacher", "", "", "s9", ""],
    ["r5", "", "", "v3", "secondary", "Proctor", "", "", "s1", ""],
    ["r6", "", "", "v3", "secondary", "teacher", "", "", "s2", ""],
]

MANIFEST_1_2 = [
    ["propertyName", "value"],
    ["manifest.version", "1.0"],
    ["oneroster.version", "1.2"],
    ["file.users", "bulk"],
    ["file.orgs", "bulk"],
    ["file.roles", "bulk"],
    ["file.enrollments", "absent"],
    ["source.systemName", "Test SIS"],
]


def csv_text(rows: list[list[str]], crlf: bool = True) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    return out.getvalue()


def write(folder: Path, name: str, rows: list[list[str]] | str, bom: bool = False) -> Path:
    """One file of an export: rows as CSV (CRLF, as the spec says), or text as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    text = rows if isinstance(rows, str) else csv_text(rows)
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def export_1_1(tmp_path: Path, **files: list[list[str]] | str) -> Path:
    """A 1.1 export without a manifest (as many vendors ship it); ``files`` replaces or adds
    files by name (users="…" is users.csv)."""
    folder = tmp_path / "oneroster_1_1"
    write(folder, "users.csv", files.pop("users", USERS_1_1), bom=True)
    write(folder, "orgs.csv", files.pop("orgs", ORGS))
    for name, rows in files.items():
        write(folder, f"{name}.csv", rows)
    return folder


def export_1_2(
    tmp_path: Path, manifest: list[list[str]] | None = MANIFEST_1_2, **files: list[list[str]] | str
) -> Path:
    """A 1.2 export with ``manifest`` (None: without one)."""
    folder = tmp_path / "oneroster_1_2"
    if manifest is not None:
        write(folder, "manifest.csv", manifest)
    write(folder, "users.csv", files.pop("users", USERS_1_2))
    write(folder, "orgs.csv", files.pop("orgs", ORGS), bom=True)
    write(folder, "roles.csv", files.pop("roles", ROLES_1_2))
    for name, rows in files.items():
        write(folder, f"{name}.csv", rows)
    return folder


def zipped(folder: Path, inside: str = "", name: str = "roster.zip") -> Path:
    """The files of ``folder`` in a .zip, at its top or in the folder ``inside``."""
    target = folder.parent / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{inside}/{path.name}" if inside else path.name)
    return target


def with_row(rows: list[list[str]], *extra: list[str]) -> list[list[str]]:
    return [*rows, *extra]


def user_1_1(sourced_id: str, **values: str) -> list[str]:
    """A users.csv row in USERS_1_1's columns: an active student at s1 unless ``values``
    (by OneRoster column name) say otherwise."""
    row = dict.fromkeys(
        ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role"]
        + ["username", "userIds", "givenName", "familyName", "middleName", "identifier"]
        + ["email", "sms", "phone", "agentSourcedIds", "grades", "password", "notes"],
        "",
    )
    row |= {"sourcedId": sourced_id, "orgSourcedIds": "s1", "role": "student"}
    row |= {"givenName": "Given", "familyName": "Family " + sourced_id}
    row |= values
    return list(row.values())
