"""A roster as read from a OneRoster export, the same for 1.1 and 1.2: what the sync needs
of each user and each org, with the vendors' quirks already smoothed out by the reader."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RosterOrg:
    """A school (or district) of orgs.csv."""

    sourced_id: str
    name: str
    identifier: str = ""  # the org's own code (a state school number, a site code…)
    type: str = ""  # school, district, …


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


@dataclass(frozen=True)
class RosterProblem:
    """Something in the export that cannot be used: which file, row (1 = the header) and
    column, and what is wrong."""

    file: str
    row: int | None
    column: str | None
    message: str

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
