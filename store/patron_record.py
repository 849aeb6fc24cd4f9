"""One row of a patron file: the patron fields a file may carry (in export order) and the
PatronRecord each row of an import must make, as the patrons table will hold it.

store/patron_file.py reads and writes the files.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from pydantic import Field, field_validator

from .dates import parse_date
from .fields import choice
from .selection import Status
from .validation import StoreModel, narrowed

# The patron fields a file may carry, in export order (no password hashes, no ids).
FIELDS = (
    "barcode",
    "first_name",
    "middle_name",
    "last_name",
    "nickname",
    "grade",
    "location",
    "location2",
    "policy",
    "security_group",
    "status",
    "site",
    "graduation_date",
    "expiration_date",
    "username",
)
REQUIRED = ("barcode", "last_name")


class PatronRecord(StoreModel):
    """One row of a patron file, as the patrons table will hold it."""

    barcode: str = Field(min_length=1, max_length=15)
    first_name: str = ""
    middle_name: str = ""
    last_name: str = Field(min_length=1, max_length=100)
    nickname: str = ""
    grade: str | None = choice("grade", default=None)
    location: str | None = None
    location2: str | None = None
    policy: str | None = choice("policy", default=None)
    security_group: str | None = choice("security_group", default=None)
    status: Status = Status.ACTIVE
    site: str | None = None  # checked against the sites separately: unknown → Union Site
    graduation_date: str | None = None
    expiration_date: str | None = None
    username: str | None = None

    # The by-name and database-choice checks on the fields that have them only: an import
    # validates every row (tests/store check these are all such fields).
    _enum_by_name = narrowed("_enum_by_name", "status")
    _in_database = narrowed("_in_database", "grade", "policy", "security_group")

    @field_validator(
        "grade",
        "location",
        "location2",
        "policy",
        "security_group",
        "site",
        "username",
        "graduation_date",
        "expiration_date",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("graduation_date", "expiration_date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        return parse_date(value).isoformat() if value else value

    @field_validator("last_name")
    @classmethod
    def _visible(cls, value: str) -> str:
        # Only invisible characters (a zero-width space): a name nobody could read or find.
        visible = (
            _ASCII_VISIBLE.search(value) is not None
            if value.isascii()  # its only invisible characters: the controls and the space
            else any(not unicodedata.category(c).startswith(("C", "Z")) for c in value)
        )
        if not visible:
            raise ValueError("has no visible character")
        return value

    @field_validator("barcode")
    @classmethod
    def _listable(cls, value: str) -> str:
        # A barcode list (pasted or a file) splits on these: such a barcode could never be
        # selected; an invisible character would make two barcodes that look the same.
        if bad := _first(value, _ASCII_UNLISTABLE, lambda c: c.isspace() or c in ",;"):
            raise ValueError(
                f"contains {_named(bad)}; barcodes have no spaces, commas, "
                "semicolons or invisible characters"
            )
        return value

    @field_validator("username")
    @classmethod
    def _typeable(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if len(value) > 60:
            raise ValueError(f"at most 60 characters are allowed; this has {len(value)}")
        if bad := _first(value, _ASCII_SPACE, str.isspace):
            raise ValueError(
                f"contains {_named(bad)}; a username is typed at the login: "
                "no spaces or invisible characters"
            )
        return value


# In ASCII no character is invisible (its controls are refused before): there the search
# is one regular expression, not a Python test of each character. \s is str.isspace.
_ASCII_SPACE = re.compile(r"\s")
_ASCII_UNLISTABLE = re.compile(r"[\s,;]")
_ASCII_VISIBLE = re.compile("[!-~]")


def _first(value: str, ascii_bad: re.Pattern[str], bad: Callable[[str], bool]) -> str | None:
    """The first character of ``value`` that is ``bad`` or invisible."""
    if value.isascii():
        found = ascii_bad.search(value)
        return found.group() if found else None
    return next((c for c in value if bad(c) or _invisible(c)), None)


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Co", "Cn", "Zl", "Zp")


def _named(ch: str) -> str:
    return "a space" if ch == " " else f"the character {ch!r}"
