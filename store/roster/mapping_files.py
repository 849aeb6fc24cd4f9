"""Where a RosterMapping is kept: a TOML or JSON file for the command line, and the
preferences table (one JSON value under ``roster.mapping``) for Preferences → Roster.

Every bad key or value is a Problem naming the key (``roles.student.policy``) and what is
allowed; a key that is no setting is refused, never ignored; a refused save writes nothing.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import ValidationError

from .. import authority, security
from ..fields import field_title
from ..security import Operator
from ..validation import Invalid, Problem
from .mapping import RoleRule, RosterMapping
from .mapping_users import MappingContext, check

KEY = "roster.mapping"  # its row of the preferences table
FORMATS = (".toml", ".json")
MAX_BYTES = 1_000_000  # a mapping is a few kilobytes; a bigger file is the wrong one


def _problem(key: str, message: str) -> Problem:
    """Named by its label and its key: the form shows the one, a file has the other."""
    head = key.split(".")[0]
    if head not in RosterMapping.model_fields:
        return Problem(key, key.capitalize(), message)
    return Problem(key, f"{field_title(RosterMapping, head)} [{key}]", message)


# Pydantic's words for a wrong type, in the library's.
_TYPES = {
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "dict_type": "must be a table of code = value",
    "list_type": "must be a list of roles",
    "string_type": "must be text (in quotes)",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "model_type": "must be a table with policy and security_group",
}


def validate_mapping(data: Any) -> RosterMapping:
    """A RosterMapping from a file's or a form's values; Invalid names every bad key."""
    if not isinstance(data, dict):
        raise Invalid([_problem("mapping", "must be a table of settings (key = value)")])
    try:
        return RosterMapping.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            key = ".".join(str(part) for part in err["loc"]) or "mapping"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = f"is not a setting of the roster mapping; allowed: {_allowed(err)}"
            elif err["type"] == "enum":
                message = f"{err['input']!r} is not allowed; allowed: {err['ctx']['expected']}"
            elif err["type"] == "missing":
                message = "a value is required"
            elif err["type"] in ("greater_than_equal", "less_than_equal"):
                message = f"must be from 0 to 100; this is {err['input']!r}"
            elif err["type"] in _TYPES:
                message = f"{_TYPES[err['type']]}; this is {err['input']!r}"
            problems.append(_problem(key, message))
        raise Invalid(problems) from None


def _allowed(err: Any) -> str:
    """The settings allowed where an unknown key was found (the top level, or a role)."""
    model = RoleRule if len(err["loc"]) == 3 and err["loc"][0] == "roles" else RosterMapping
    return ", ".join(model.model_fields)


def load_mapping(path: str | os.PathLike[str]) -> RosterMapping:
    """Read a mapping from a .toml or .json file (Invalid names the file or each bad key)."""
    path = Path(path)
    if path.suffix.casefold() not in FORMATS:
        raise Invalid([_problem("file", f"{path.name}: a mapping is a .toml or .json file")])
    try:
        if path.stat().st_size > MAX_BYTES:
            raise Invalid([_problem("file", f"{path.name} is larger than a mapping can be (1 MB)")])
        raw = path.read_bytes()
    except OSError as exc:
        raise Invalid([_problem("file", f"{path.name} cannot be read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text) if path.suffix.casefold() == ".toml" else json.loads(text)
    except UnicodeDecodeError:
        raise Invalid([_problem("file", f"{path.name} is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise Invalid([_problem("file", f"{path.name} is not valid TOML: {exc}")]) from None
    except json.JSONDecodeError as exc:
        raise Invalid(
            [
                _problem(
                    "file",
                    f"{path.name} is not valid JSON: {exc.msg} "
                    f"(line {exc.lineno}, column {exc.colno})",
                )
            ]
        ) from None
    return validate_mapping(data)


def mapping_from_preferences(db: sqlite_utils.Database) -> RosterMapping:
    """The library's mapping (the defaults when none was saved). A stored one that no
    longer validates is Invalid, naming its keys: never silently the defaults."""
    row = db.execute("SELECT value FROM preferences WHERE key = ?", [KEY]).fetchone()
    if row is None:
        return RosterMapping()
    try:
        data = json.loads(row[0])
    except json.JSONDecodeError:
        raise Invalid(
            [_problem("mapping", "the saved roster mapping is not JSON; save it again")]
        ) from None
    return validate_mapping(data)


def save_mapping(
    db: sqlite_utils.Database,
    mapping: RosterMapping,
    operator: Operator,
    read: RosterMapping | None = None,
) -> None:
    """Keep ``mapping`` as the library's, in one write transaction entered only with the
    permission Library Preferences: Edit. Refused (Invalid, nothing written) when a value
    names a grade, policy, group or site this database lacks, or when another technician
    saved a different mapping since ``read`` (what the screen showed) was read."""
    with authority.writing(db, operator, (security.PREFERENCES,), "change the roster mapping"):
        if read is not None and (now := mapping_from_preferences(db)) != read:
            changed = [k for k in RosterMapping.model_fields if getattr(now, k) != getattr(read, k)]
            raise Invalid(
                [
                    _problem(
                        k,
                        "another technician changed it since this screen was opened; "
                        "nothing was saved (open Preferences again to see theirs)",
                    )
                    for k in changed
                ]
            )
        if problems := check(mapping, MappingContext.of(db)):
            raise Invalid(problems)
        db.execute(
            "INSERT OR REPLACE INTO preferences (key, value) VALUES (?, ?)",
            [KEY, json.dumps(mapping.model_dump(mode="json"), sort_keys=True)],
        )
