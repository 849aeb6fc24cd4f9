"""One row of users.csv, orgs.csv or roles.csv, validated: the values as the vendors write
them made into what the reader keeps, or a message naming the column and what is allowed.

The column names are OneRoster's (1.1 and 1.2 together: a 1.1 file with 1.2's extra columns
is read as well); ``ALIASES`` holds the misspellings known vendors ship."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .csv_files import normal

# OneRoster 1.1's roles, then those 1.2 adds; "ext:…" extensions are read as written.
ROLES_1_1 = (
    *("administrator", "aide", "guardian", "parent", "proctor", "relative", "student"),
    "teacher",
)
ROLES_1_2 = (
    *("counselor", "districtAdministrator", "principal", "siteAdministrator"),
    "systemAdministrator",
)
# Each as the reader gives it: lower case (store/roster/model.py), by its normal form.
ROLES = {normal(r): r.lower() for r in ROLES_1_1 + ROLES_1_2}
ROLE_NAMES = ", ".join(ROLES_1_1 + ROLES_1_2)

USER_COLUMNS = (
    *("sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role"),
    *("username", "userIds", "givenName", "familyName", "middleName", "identifier"),
    *("email", "grades", "primaryOrgSourcedId", "preferredGivenName"),
)
ORG_COLUMNS = ("sourcedId", "status", "dateLastModified", "name", "type", "identifier")
ROLE_COLUMNS = ("sourcedId", "status", "userSourcedId", "roleType", "role", "orgSourcedId")

# Known misspellings, by file: a header matches a column in any case and with or without
# spaces, underscores or hyphens (SourcedId, enabled_user, Given Name) without being
# listed here.
ALIASES = {
    "users.csv": {
        "sourceId": "sourcedId",  # "d" dropped (several SIS exports)
        "orgSourceIds": "orgSourcedIds",
        "orgSourcedId": "orgSourcedIds",  # singular, as in roles.csv
        "orgSourceId": "orgSourcedIds",
        "grade": "grades",
        "primaryOrgSourceId": "primaryOrgSourcedId",
        "dateLastModifed": "dateLastModified",
    },
    "orgs.csv": {"sourceId": "sourcedId", "dateLastModifed": "dateLastModified"},
    "roles.csv": {
        "sourceId": "sourcedId",
        "userSourceId": "userSourcedId",
        "orgSourceId": "orgSourcedId",
        "orgSourcedIds": "orgSourcedId",
    },
}

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_PAIR = re.compile(r"\{([^{}]*)\}")
_US_DATES = ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")


def status(value: str) -> str:
    """Blank is active (real exports leave it out); OneRoster 1.0's inactive means gone."""
    found = value if value in ("", "active") else normal(value)
    if found in ("", "active"):
        return "active"
    if found in ("tobedeleted", "inactive"):
        return "tobedeleted"
    raise ValueError(f"{value!r} is not a status; allowed: active, tobedeleted (or blank)")


def modified(value: str) -> datetime | None:
    """dateLastModified in the formats exports use, or None: it is never a problem."""
    text = value.strip()
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        for form in _US_DATES:
            try:
                found = datetime.strptime(text, form)
                break
            except ValueError:
                continue
        else:
            return None
    return found.astimezone(UTC) if found.tzinfo else found.replace(tzinfo=UTC)


def listed(value: str) -> tuple[str, ...]:
    """'a, b,c' as ('a', 'b', 'c'): blanks and repeats left out."""
    if "," not in value:
        return (value.strip(),) if value.strip() else ()
    return tuple(dict.fromkeys(p for p in (v.strip() for v in value.split(",")) if p))


def user_ids(value: str) -> dict[str, str]:
    """'{LDAP:12},{District:S-1001}' (the braces may be left out) by type."""
    text = value.strip()
    if not text:
        return {}
    if "{" in text or "}" in text:
        pieces = _PAIR.findall(text)
        if _PAIR.sub("", text).strip(", ") or not pieces:
            raise ValueError(_USER_IDS)
    else:
        pieces = text.split(",")
    out: dict[str, str] = {}
    for piece in pieces:
        kind, colon, found = (p.strip() for p in piece.partition(":"))
        if not (kind and colon and found):
            raise ValueError(_USER_IDS)
        if out.get(kind, found) != found:
            raise ValueError(f"names the type {kind} twice, with {out[kind]} and {found}")
        out[kind] = found
    return out


_USER_IDS = "userIds are written {type:value}, separated by commas: {LDAP:12},{District:S-1001}"


class _Row(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=True, populate_by_name=False)

    sourced_id: str = Field("", alias="sourcedId")
    status: str = Field("active")

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: str) -> str:
        return status(value)


class UserRow(_Row):
    enabled: bool = Field(True, alias="enabledUser")
    org_ids: tuple[str, ...] = Field((), alias="orgSourcedIds")
    role: str = ""  # blank where roles.csv gives it (1.2)
    username: str = ""
    user_ids: dict[str, str] = Field(default_factory=dict, alias="userIds")
    given_name: str = Field("", alias="givenName")
    family_name: str = Field("", alias="familyName")
    middle_name: str = Field("", alias="middleName")
    identifier: str = ""
    email: str = ""
    grades: tuple[str, ...] = ()
    primary_org_id: str = Field("", alias="primaryOrgSourcedId")
    preferred_given_name: str = Field("", alias="preferredGivenName")
    modified: datetime | None = Field(None, alias="dateLastModified")

    @field_validator("sourced_id")
    @classmethod
    def _required(cls, value: str) -> str:
        if not value:
            raise ValueError("is blank; every user needs the sourcedId that names them")
        return value

    @field_validator("enabled", mode="before")
    @classmethod
    def _enabled(cls, value: str) -> bool:
        found = value.strip().lower()
        if found in _TRUE or not found:
            return True
        if found in _FALSE:
            return False
        raise ValueError(f"{value!r} is not allowed; true or false (or yes/no, 1/0, or blank)")

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: str) -> str:
        return role(value, blank=True)

    @field_validator("org_ids", "grades", mode="before")
    @classmethod
    def _listed(cls, value: str) -> tuple[str, ...]:
        return listed(value)

    @field_validator("user_ids", mode="before")
    @classmethod
    def _user_ids(cls, value: str) -> dict[str, str]:
        return user_ids(value)

    @field_validator("modified", mode="before")
    @classmethod
    def _modified(cls, value: str) -> datetime | None:
        return modified(value)


class OrgRow(_Row):
    name: str = ""
    type: str = ""
    identifier: str = ""

    @field_validator("sourced_id")
    @classmethod
    def _required(cls, value: str) -> str:
        if not value:
            raise ValueError("is blank; every org needs the sourcedId users name it by")
        return value


class RoleRow(_Row):
    user_id: str = Field("", alias="userSourcedId")
    primary: bool = Field(False, alias="roleType")
    role: str = ""
    org_id: str = Field("", alias="orgSourcedId")

    @field_validator("user_id")
    @classmethod
    def _required(cls, value: str) -> str:
        if not value:
            raise ValueError("is blank; a role belongs to the user whose sourcedId it names")
        return value

    @field_validator("primary", mode="before")
    @classmethod
    def _role_type(cls, value: str) -> bool:
        found = value.strip().lower()
        if found not in ("primary", "secondary", ""):
            raise ValueError(f"{value!r} is not a roleType; allowed: primary, secondary")
        return found == "primary"

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: str) -> str:
        return role(value, blank=False)


def role(value: str, blank: bool) -> str:
    text = value.strip()
    if not text and blank:
        return ""
    if text[:4].lower() == "ext:" and len(text) > 4:
        return text.lower()
    if found := ROLES.get(text.lower()) or ROLES.get(normal(text)):
        return found
    shown = repr(text) if text else "blank"
    raise ValueError(f"{shown} is not a OneRoster role; allowed: {ROLE_NAMES} (any case)")


def errors(exc: ValidationError, header: dict[str, str]) -> list[tuple[str | None, str]]:
    """(the column as the file names it, the message) for each of a row's bad values."""
    out = []
    for error in exc.errors():
        loc = str(error["loc"][0]) if error["loc"] else ""
        message = error["msg"].removeprefix("Value error, ")
        out.append((header.get(loc, loc) or None, message))
    return out
