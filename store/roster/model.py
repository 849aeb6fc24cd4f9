"""A roster as read from a OneRoster export, the same for 1.1 and 1.2: what the sync needs
of each user and each org, with the vendors' quirks already smoothed out by the reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RosterOrg:
    """A school (or district) of orgs.csv."""

    sourced_id: str
    name: str
    identifier: str = ""  # the org's own code (a state school number, a site code…)
    type: str = ""  # school, district, …
    status: str = "active"  # active or tobedeleted (the school is closing)


@dataclass(frozen=True)
class RosterUser:
    """One row of users.csv (with its roles.csv rows folded in, for 1.2).

    Text fields are stripped; absent ones are "". ``active`` is False when the row's
    status is tobedeleted or enabledUser is false; the reader keeps such rows (the mapping
    gives them the library's status for them)."""

    sourced_id: str
    row: int  # the line of users.csv it came from, for messages
    role: str  # lower case: student, teacher, aide, administrator, guardian, parent, …
    given_name: str
    family_name: str
    middle_name: str = ""
    preferred_given_name: str = ""
    identifier: str = ""
    username: str = ""
    email: str = ""
    # {"LDAP": "12", "District": "S-1001"}: userIds' "{type:value}" pairs
    user_ids: dict[str, str] = field(default_factory=dict)
    # orgs.csv sourcedIds; the first is the primary org (1.2 primaryOrgSourcedId, else
    # the first listed)
    org_ids: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()  # OneRoster grade codes as given: "PK", "KG", "01" … "12"
    status: str = "active"  # active or tobedeleted
    enabled: bool = True
    # dateLastModified when it could be read (ISO date or datetime, MM/DD/YYYY); a date
    # alone is midnight UTC. None when blank or in no known format: never a problem.
    modified: datetime | None = None
    # 1.2: the line of roles.csv that gave the role and the primary org (None: users.csv
    # did), so a problem with either names the file it is in.
    role_row: int | None = None

    @property
    def active(self) -> bool:
        """Still at the school as the roster sees it: not tobedeleted, not disabled."""
        return self.status == "active" and self.enabled


@dataclass(frozen=True)
class RosterProblem:
    """Something in the export that cannot be used: which file, row (1 = the header) and
    column, and what is wrong."""

    file: str
    row: int | None
    column: str | None
    message: str
    # users.csv's sourcedId of the row (or roles.csv's userSourcedId), when it has one: a
    # user the reader left out is skipped by the sync, never taken for one who has left
    sourced_id: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class Roster:
    """The whole export: its OneRoster version ("1.1" or "1.2"), its orgs by sourcedId, its
    users in file order, and the problems found (rows with a problem are not in ``users``)."""

    version: str
    orgs: dict[str, RosterOrg]
    users: list[RosterUser]
    problems: list[RosterProblem] = field(default_factory=list)


class BadRoster(ValueError):
    """The export as a whole cannot be read (not a folder or a .zip, no users.csv, a
    users.csv without sourcedId, a file that is not UTF-8 or over the size limit…): nothing
    of it is used."""

    def __init__(self, problems: list[RosterProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))
