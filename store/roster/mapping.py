"""How a roster's users become patrons of this library: the mapping a library sets once
(Preferences → Roster, or a TOML/JSON file for the command line).

Its defaults make a working sync on the demo database with nothing set: OneRoster's grade
codes onto the demo's grade table (PK, K, 1 … 12, Graduated), schools onto sites by their
identifier, students onto the Student group, staff onto Staff / Teacher, parents skipped.
The values that name the database's grades, sites, policies and groups are checked against
the database by ``check`` (store/roster/mapping_users.py), not here: a file is read before
any database is open. Loading and saving are store/roster/mapping_files.py's; mapping one
user is store/roster/mapping_users.py's.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from ..control_chars import control_character
from ..schema_versions import Status
from ..validation import StoreModel

# OneRoster's grade vocabulary (CEDS), in order, onto the demo's grade table. "" is no
# grade. Codes with no year of their own go to the nearest one a school library has:
# infant/toddler, preschool and transitional kindergarten are before kindergarten (PK); a
# 13th year is still a high-school student (12); postsecondary is after graduating.
DEFAULT_GRADES: dict[str, str] = {
    "IT": "PK",
    "PR": "PK",
    "PK": "PK",
    "TK": "PK",
    "KG": "K",
    **{f"{n:02d}": str(n) for n in range(1, 13)},
    "13": "12",
    "PS": "Graduated",
    "UG": "",  # ungraded
    "Other": "",
}
# The demo's student policy follows the grade (store/demo.py): Elementary up to 5th.
DEFAULT_GRADE_POLICIES: dict[str, str] = {
    **{str(n): "Grade 6-8" for n in range(6, 9)},
    **{str(n): "Grade 9-12" for n in range(9, 13)},
    "Graduated": "Community",
}
STUDENT = {"policy": "Elementary", "security_group": "Student"}
# Staff are Staff / Teacher, the demo's staff group that grants no permission: a roster
# never makes an operator (a principal is no library administrator); a library gives an
# account its permissions by hand, or maps a role to such a group knowingly.
STAFF = {"policy": "Staff", "security_group": "Teacher"}
# OneRoster 1.1's roles and 1.2's additions, lower case as the reader gives them.
STAFF_ROLES = (
    "teacher",
    "aide",
    "administrator",
    "proctor",
    "counselor",
    "principal",
    "siteadministrator",
    "districtadministrator",
    "systemadministrator",
)
DEFAULT_ROLES: dict[str, dict[str, str]] = {
    "student": STUDENT,
    **{role: STAFF for role in STAFF_ROLES},
}
DEFAULT_SKIPPED = ("guardian", "parent", "relative")
SKIPPED_REASON = "guardians, parents and relatives are not patrons"

BARCODE_FIELDS = {"identifier": "identifier", "sourcedid": "sourcedId", "username": "username"}
USER_IDS = "userIds:"


class SiteFrom(StrEnum):
    """Which of a school's (org's) codes is its site code here."""

    IDENTIFIER_THEN_SOURCED_ID = "identifier, then sourcedId"
    IDENTIFIER = "identifier"
    SOURCED_ID = "sourcedId"


class RoleRule(StoreModel):
    """The policy and security group of the patrons of one OneRoster role."""

    policy: str = Field(min_length=1, max_length=100, title="Policy")
    security_group: str = Field(min_length=1, max_length=100, title="Security group")


def _code(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError(f"a {what} cannot be blank")
    if len(text) > 100:
        raise ValueError(f"a {what} has at most 100 characters; {text[:20]!r}… has {len(text)}")
    if bad := control_character(text):
        raise ValueError(f"{text!r} contains a control character ({bad}), which is not allowed")
    return text


class RosterMapping(StoreModel):
    """How the roster's users become patrons: the Preferences → Roster tab."""

    barcode_from: str = Field(
        "identifier",
        title="Barcode from",
        max_length=110,
        description="The roster field that is the patron's barcode: identifier (the "
        "student number), sourcedId, username, or userIds:TYPE for one of the userIds "
        "(userIds:District reads {District:…}). A user without it is not synced.",
    )
    grades: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_GRADES),
        title="Grade codes",
        description="Each OneRoster grade code (KG, 01 … 12 …) and the grade of the grade "
        "table it is; blank for no grade. Codes you do not list keep their defaults. A "
        "user with several grades takes the first; staff have none.",
    )
    grade_policies: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_GRADE_POLICIES),
        title="Policy by grade",
        description="A grade of the grade table and the policy its patrons get instead of "
        "their role's (Grade 6-8 for 6, 7 and 8). Grades not listed take the role's policy.",
    )
    roles: dict[str, RoleRule] = Field(
        default_factory=lambda: {r: RoleRule(**v) for r, v in DEFAULT_ROLES.items()},
        title="Roles",
        description="Each OneRoster role (student, teacher, aide, administrator…) and the "
        "policy and security group its patrons get. Roles you do not list keep their "
        "defaults; a role neither listed nor skipped is a problem.",
    )
    skipped_roles: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SKIPPED),
        title="Roles that are not patrons",
        description="Users of these roles are skipped, never made patrons, even when Roles "
        "lists them (guardians, parents and relatives by default).",
        json_schema_extra={"list_as_text": True},
    )
    site_from: SiteFrom = Field(
        SiteFrom.IDENTIFIER_THEN_SOURCED_ID,
        title="Site code from",
        description="Which code of the user's school is the site code here: its identifier, "
        "its sourcedId, or the identifier and then the sourcedId. A school that is no site "
        "puts its patrons on the Union Site, as an import does.",
    )
    sites: dict[str, str] = Field(
        default_factory=dict,
        title="Schools to sites",
        description="A school's sourcedId or identifier and the site code it is, where the "
        "codes differ (e.g. 0042 = ELM). Checked before Site code from.",
    )
    nickname_from_preferred_name: bool = Field(
        True,
        title="Nickname from preferredGivenName",
        description="A preferred given name the roster gives becomes the nickname; "
        "off, the library's nicknames are left alone.",
    )
    email_from_roster: bool = Field(
        True,
        title="First email address from email",
        description="An email the roster gives becomes the patron's first email address; "
        "off, the library's addresses are left alone.",
    )
    username_from_roster: bool = Field(
        True,
        title="Username from username",
        description="A username the roster gives becomes the patron's username; off (or "
        "blank), a new patron's username is their barcode.",
    )
    tobedeleted_status: Status = Field(
        Status.TRANSFERRED,
        title="Status for status=tobedeleted",
        description="The status of a patron the roster marks tobedeleted: they have left, "
        "as if no longer in the roster (Transferred, removed at the end of the year).",
    )
    disabled_status: Status = Field(
        Status.INACTIVE,
        title="Status for enabledUser=false",
        description="The status of a patron whose roster account is switched off but who is "
        "still enrolled (Inactive: kept, not removed with the Transferred).",
    )
    transfer_guard_percent: int = Field(
        20,
        ge=0,
        le=100,
        title="Transfers that need confirming (%)",
        description="A sync that would transfer more than this share of a site's patrons "
        "stops and asks for a typed confirmation: a half-exported roster must not transfer "
        "a school.",
    )

    @field_validator("barcode_from", mode="before")
    @classmethod
    def _barcode_from(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if (known := BARCODE_FIELDS.get(text.casefold())) is not None:
            return known
        if text.casefold().startswith(USER_IDS.casefold()):
            kind = text[len(USER_IDS) :].strip().strip("{}").strip()
            if kind and re.fullmatch(r"[^\s{}:,]+", kind):
                return USER_IDS + kind
            raise ValueError(
                f"{text!r} names no userIds type; write it as userIds:TYPE (userIds:District)"
            )
        raise ValueError(
            f"{text!r} is not a roster field for barcodes; allowed: identifier, sourcedId, "
            "username, userIds:TYPE (userIds:District)"
        )

    @field_validator("grades", "grade_policies", "sites", mode="before")
    @classmethod
    def _text_map(cls, value: Any, info) -> Any:
        if not isinstance(value, dict):
            return value
        out = {
            _code(str(k), "code"): _code(v, "value") if isinstance(v, str) and v.strip() else v
            for k, v in value.items()
        }
        out = {k: v.strip() if isinstance(v, str) else v for k, v in out.items()}
        if info.field_name == "grades":  # the codes not given keep their defaults
            out = {**DEFAULT_GRADES, **out}
        if info.field_name != "grades" and any(v == "" for v in out.values()):
            raise ValueError("each code needs a value; leave a code out instead of blank")
        return out

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        given = {_code(str(k), "role").casefold(): v for k, v in value.items()}
        # A default role given only its policy (or group) keeps the other.
        return {
            **DEFAULT_ROLES,
            **{
                r: {**DEFAULT_ROLES[r], **v} if isinstance(v, dict) and r in DEFAULT_ROLES else v
                for r, v in given.items()
            },
        }

    @field_validator("skipped_roles", mode="before")
    @classmethod
    def _skipped(cls, value: Any) -> Any:
        if isinstance(value, str):  # typed on a form: "guardian, parent"
            value = [v for v in re.split(r"[\s,;]+", value) if v]
        if isinstance(value, (list, tuple)):
            return list(dict.fromkeys(_code(str(v), "role").casefold() for v in value))
        return value
