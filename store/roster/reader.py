"""read_roster: a OneRoster 1.1 or 1.2 CSV export (a folder or a .zip) as a Roster.

What is wrong with the export as a whole raises BadRoster and nothing of it is used: the
path is neither a folder nor a .zip; users.csv is missing, empty, has no sourcedId column,
is not UTF-8, over ``max_mb`` or cannot be parsed to its end; the manifest says the users
are a delta (only the changes: read as a whole roster, everyone else would look as if they
had left) or absent; an unknown OneRoster version. What is wrong with a row is a
RosterProblem in ``Roster.problems`` (file, row, column, what is allowed) and the row is
left out; users' problems carry the row's sourcedId so the sync can skip that patron.

- Version: manifest.csv's ``oneroster.version``; without a manifest, 1.2 when there is a
  roles.csv or users.csv has 1.2's columns (primaryOrgSourcedId, preferredGivenName) or
  no role column, else 1.1. The files are read as they are, whatever the version says.
- 1.2's roles.csv is folded into each user: the role is the primary one (roleType
  primary, else the first row), the orgs are primaryOrgSourcedId, then the primary role's
  org, then the others. Rows of roles.csv with status tobedeleted are ended roles and are
  not folded in; beginDate and endDate are not read. A user without a role, or with a
  roles.csv row that cannot be used, is a problem.
- A sourcedId on two rows of users.csv: both rows are problems and neither user is read
  (which of them is the person is not for the reader to guess). On two rows of orgs.csv:
  the second is a problem and the first is kept (an org left out would send its whole
  school to the Union Site).
- Orgs a user names that orgs.csv lacks are kept in ``org_ids`` as they are, not a
  problem: the mapping sends unknown schools to the Union Site, as an import does.
- Users with status tobedeleted or enabledUser false are kept (``RosterUser.active``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from pydantic import BaseModel, ValidationError

from .csv_files import DEFAULT_MAX_MB, Source, Table, fail, read_table
from .model import Roster, RosterOrg, RosterProblem, RosterUser
from .rows import (
    ALIASES,
    ORG_COLUMNS,
    ROLE_COLUMNS,
    USER_COLUMNS,
    OrgRow,
    RoleRow,
    UserRow,
    errors,
)

VERSIONS = ("1.1", "1.2")
_VERSION = re.compile(r"v?(1\.[12])(\.\d+)*")
_MODES = ("bulk", "delta", "absent")


def read_roster(path: str | os.PathLike[str], max_mb: int = DEFAULT_MAX_MB) -> Roster:
    """The roster of the export at ``path`` (a folder or a .zip of OneRoster CSV files,
    at the top or in one folder inside); BadRoster if it cannot be read as a whole."""
    source = Source(path, max_mb)
    try:
        return _read(source)
    finally:
        source.close()


def _read(source: Source) -> Roster:
    manifest = _manifest(source) if source.has("manifest.csv") else {}
    for name in ("users", "orgs", "roles"):
        mode = manifest.get(f"file.{name}", "bulk").lower() or "bulk"
        if mode not in _MODES:
            raise fail("manifest.csv", f"file.{name} is {mode!r}; allowed: {', '.join(_MODES)}")
        if mode == "delta":
            raise fail(
                "manifest.csv",
                f"file.{name} is delta: the export holds only what changed, and everyone it "
                "leaves out would look as if they had left; export the roster in bulk",
            )
        if name == "users" and mode == "absent":
            raise fail("manifest.csv", "file.users is absent: the export holds no users")
    if not source.has("users.csv"):
        raise fail(
            "users.csv",
            f"is missing from {source.path.name}: a roster needs users.csv (orgs.csv and, "
            "for OneRoster 1.2, roles.csv with it)",
        )
    problems: list[RosterProblem] = []
    orgs = _orgs(source, problems) if source.has("orgs.csv") else {}
    roles = _roles(source, problems) if source.has("roles.csv") else None
    users = read_table(source, "users.csv", USER_COLUMNS, ALIASES["users.csv"], ("sourcedId",))
    version = _version(manifest, users, roles is not None)
    if roles is None and "role" not in users.header:
        raise fail(
            "users.csv",
            "has no role column and the export has no roles.csv (where OneRoster 1.2 "
            "gives the roles); one of them must say each user's role",
            1,
        )
    return Roster(version, orgs, _users(users, roles, problems), problems)


def _manifest(source: Source) -> dict[str, str]:
    table = read_table(
        source, "manifest.csv", ("propertyName", "value"), {}, ("propertyName", "value")
    )
    out = {}
    for _number, values, row_problems in table.rows:
        if values and not row_problems:
            out[values["propertyName"].strip().lower()] = values["value"].strip()
    return out


def _version(manifest: dict[str, str], users: Table, has_roles: bool) -> str:
    declared = manifest.get("oneroster.version", "")
    if declared:
        found = _VERSION.fullmatch(declared.lower())
        if not found:
            raise fail(
                "manifest.csv",
                f"oneroster.version is {declared!r}; this reads OneRoster "
                f"{' and '.join(VERSIONS)} CSV",
            )
        return found.group(1)
    new_columns = {"primaryOrgSourcedId", "preferredGivenName"} & users.header.keys()
    return "1.2" if has_roles or new_columns or "role" not in users.header else "1.1"


def _valid(
    table: Table, model: type[BaseModel], problems: list[RosterProblem], key: str
) -> Iterator[tuple[int, BaseModel | None]]:
    """Each row as ``model``, or None with its problems added (``key``: the column naming
    the user the row belongs to, for RosterProblem.sourced_id)."""
    for number, values, found in table.rows:
        sourced_id = values.get(key, "").strip()
        if not found and values:
            try:
                yield number, model.model_validate(values)
                continue
            except ValidationError as exc:
                found = [
                    RosterProblem(table.file, number, column, message)
                    for column, message in errors(exc, table.header)
                ]
        problems.extend(
            RosterProblem(p.file, p.row, p.column, p.message, sourced_id) for p in found
        )
        yield number, None


def _orgs(source: Source, problems: list[RosterProblem]) -> dict[str, RosterOrg]:
    table = read_table(source, "orgs.csv", ORG_COLUMNS, ALIASES["orgs.csv"], ("sourcedId",))
    orgs: dict[str, RosterOrg] = {}
    rows: dict[str, int] = {}
    for number, row in _valid(table, OrgRow, problems, ""):
        if not isinstance(row, OrgRow):
            continue
        if row.sourced_id in orgs:
            problems.append(
                _twice(table, number, row.sourced_id, rows[row.sourced_id], "the first is kept")
            )
            continue
        rows[row.sourced_id] = number
        orgs[row.sourced_id] = RosterOrg(
            row.sourced_id, row.name, row.identifier, row.type, row.status
        )
    return orgs


# By userSourcedId: each row with its line of roles.csv; None for a row not usable.
Roles = dict[str, list[tuple[int, RoleRow] | None]]


def _roles(source: Source, problems: list[RosterProblem]) -> Roles:
    table = read_table(
        source, "roles.csv", ROLE_COLUMNS, ALIASES["roles.csv"], ("userSourcedId", "role")
    )
    roles: Roles = {}
    for number, row in _valid(table, RoleRow, problems, "userSourcedId"):
        if isinstance(row, RoleRow):
            if row.status == "active":
                roles.setdefault(row.user_id, []).append((number, row))
        elif problems[-1].sourced_id:
            roles.setdefault(problems[-1].sourced_id, []).append(None)
    return roles


def _users(table: Table, roles: Roles | None, problems: list[RosterProblem]) -> list[RosterUser]:
    users: dict[str, RosterUser] = {}
    twice: dict[str, list[int]] = {}
    for number, row in _valid(table, UserRow, problems, "sourcedId"):
        if not isinstance(row, UserRow):
            continue
        if row.sourced_id in twice:
            twice[row.sourced_id].append(number)
            continue
        twice[row.sourced_id] = [number]
        folded = _folded(row, roles)
        if isinstance(folded, str):
            column = table.header.get("role")
            problems.append(RosterProblem(table.file, number, column, folded, row.sourced_id))
            continue
        role, org_ids, role_row = folded
        if not (row.given_name or row.family_name):
            problems.append(
                RosterProblem(
                    table.file,
                    number,
                    table.header.get("familyName", "familyName"),
                    "the user has no name: givenName and familyName are both blank",
                    row.sourced_id,
                )
            )
            continue
        users[row.sourced_id] = RosterUser(
            row.sourced_id,
            number,
            role,
            row.given_name,
            row.family_name,
            middle_name=row.middle_name,
            preferred_given_name=row.preferred_given_name,
            identifier=row.identifier,
            username=row.username,
            email=row.email,
            user_ids=row.user_ids,
            org_ids=org_ids,
            grades=row.grades,
            status=row.status,
            enabled=row.enabled,
            modified=row.modified,
            role_row=role_row,
        )
    for sourced_id, numbers in twice.items():
        if len(numbers) > 1:
            users.pop(sourced_id, None)
            for number in numbers:
                others = ", ".join(str(n) for n in numbers if n != number)
                problems.append(_twice(table, number, sourced_id, others, "neither row is read"))
    return sorted(users.values(), key=lambda u: u.row)


def _folded(row: UserRow, roles: Roles | None) -> tuple[str, tuple[str, ...], int | None] | str:
    """The user's role and orgs (primary first) and the line of roles.csv that gave them
    (None: users.csv did), or why there are none."""
    held = roles.get(row.sourced_id, []) if roles is not None else []
    if None in held:
        return "a row of roles.csv for this user cannot be used (see its problem)"
    lines = {id(r): n for n, r in (h for h in held if h is not None)}
    ok = [r for _, r in (h for h in held if h is not None)]
    if not ok:
        if row.role:  # 1.1, or a 1.2 export that still fills users.csv's role
            return row.role, _first(row.primary_org_id, row.org_ids), None
        if roles is not None:
            return "the user has no role: roles.csv has no active row for this sourcedId"
        return "role is blank; allowed: a OneRoster role such as student or teacher"
    main = next((r for r in ok if r.primary), ok[0])
    others = [r.org_id for r in ok if r is not main]
    orgs = _first(row.primary_org_id, (main.org_id, *others, *row.org_ids))
    return main.role, orgs, lines[id(main)]


def _first(primary: str, org_ids: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(o for o in (primary, *org_ids) if o))


def _twice(table: Table, number: int, sourced_id: str, other: object, what: str) -> RosterProblem:
    return RosterProblem(
        table.file,
        number,
        table.header.get("sourcedId", "sourcedId"),
        f"sourcedId {sourced_id} is also on row {other}; {what}",
        sourced_id if table.file == "users.csv" else "",
    )
