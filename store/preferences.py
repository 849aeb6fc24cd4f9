"""Library preferences: terminology, the grade table, catalog and expiration rules."""

from __future__ import annotations

import re
from typing import Any

import sqlite_utils
from pydantic import Field

from .control_chars import control_character
from .fields import field_title
from .validation import Invalid, Problem, StoreModel

DEFAULTS = {
    "term.grade": "Grade",
    "term.location": "Location",
    "term.location2": "2nd Location",
    "centralized_catalog": "0",
    "disable_account_expiration": "0",
    "credential_retention_days": "30",
    "share_with_group": "0",
    "largest_import_mb": "200",
    "library_name": "The Library",
}
# The words a library may rename, longest first ("2nd Location" before "Location").
TERMS = ("term.location2", "term.grade", "term.location")
EXPIRATION_DISABLED = (
    "This utility only works when Preferences (F4) > Library > "
    "Disable account expiration dates is unchecked."
)


class Unavailable(RuntimeError):
    """The library's preferences rule the utility out (say, no centralized catalog)."""


def read(db: sqlite_utils.Database) -> dict[str, str]:
    """Every preference, with the defaults for those never set."""
    stored = dict(db.execute("SELECT key, value FROM preferences").fetchall())
    return {**DEFAULTS, **stored}


def is_on(preferences: dict[str, str], key: str) -> bool:
    return preferences.get(key, DEFAULTS.get(key, "0")) == "1"


def localize(text: str, preferences: dict[str, str]) -> str:
    """Say the library's words: with Location → Homeroom, 'Patrons in Location' reads
    'Patrons in Homeroom' (plurals and lower case too)."""
    if not text:
        return text
    # Placeholders first (for every term, renamed or not), so "Location" does not
    # rewrite the "2nd Location" in front of it.
    marks: list[str] = []
    for key in TERMS:
        default, term = DEFAULTS[key], preferences.get(key, DEFAULTS[key])
        variants: dict[str, str] = {}
        for word, new in (
            (default, term),
            (default[0].lower() + default[1:], term[0].lower() + term[1:]),
            (default.lower(), term.lower()),
        ):
            variants.setdefault(word, new)  # "2nd Location" has no lower-case first letter
        for word, new in variants.items():

            def mark(m: re.Match, new: str = new) -> str:
                marks.append(new + m[1])
                return f"\x00{len(marks) - 1}\x00"

            text = re.sub(rf"\b{re.escape(word)}(s?)\b", mark, text)
    return re.sub(r"\x00(\d+)\x00", lambda m: marks[int(m[1])], text)


class LibraryPreferences(StoreModel):
    """The preferences an operator edits on the Preferences screen."""

    grade_term: str = Field(
        "Grade",
        title="Term for Grade",
        min_length=1,
        max_length=30,
        description="What your library calls grades (levels), e.g. Level.",
    )
    location_term: str = Field(
        "Location",
        title="Term for Location",
        min_length=1,
        max_length=30,
        description="What your library calls locations, e.g. Homeroom.",
    )
    location2_term: str = Field(
        "2nd Location",
        title="Term for 2nd Location",
        min_length=1,
        max_length=30,
        description="e.g. Bus Route.",
    )
    centralized_catalog: bool = Field(
        False,
        title="Centralized catalog",
        description="Sites share one catalog; allows Move Patrons to Site.",
    )
    disable_account_expiration: bool = Field(
        False,
        title="Disable account expiration dates",
        description="Accounts never expire; Renew Patron Accounts does not run.",
    )
    credential_retention_days: int = Field(
        30,
        ge=1,
        le=3650,
        title="Keep password hashes in the journal (days)",
        description="Undo can put passwords back this long; then the journal's copies are erased.",
    )
    share_with_group: bool = Field(
        False,
        title="Database file readable by its group",
        description="Off: only the file's owner may open it (0600). On: its group too (0660).",
    )
    largest_import_mb: int = Field(
        200,
        ge=1,
        le=10_000,
        title="Largest import file (MB)",
        description="A patron file larger than this is refused before it is read.",
    )
    library_name: str = Field(
        "The Library",
        title="Library name",
        min_length=1,
        max_length=80,
        description="Named to patrons on the password page (patron-utils serve --web).",
    )


_FIELD_KEYS = {
    "grade_term": "term.grade",
    "location_term": "term.location",
    "location2_term": "term.location2",
    "library_name": "library_name",
}


_SWITCHES = ("centralized_catalog", "disable_account_expiration", "share_with_group")
_NUMBERS = ("credential_retention_days", "largest_import_mb")


def current(db: sqlite_utils.Database) -> LibraryPreferences:
    prefs = read(db)
    values: dict[str, Any] = {key: _number(prefs, key) for key in _NUMBERS}
    values |= {key: is_on(prefs, key) for key in _SWITCHES}
    return LibraryPreferences(
        grade_term=prefs["term.grade"],
        location_term=prefs["term.location"],
        location2_term=prefs["term.location2"],
        library_name=prefs["library_name"],
        **values,
    )


def _number(prefs: dict[str, str], key: str) -> int:
    try:
        return int(prefs[key])
    except ValueError:  # not a number in the table: the default, which the form then shows
        return int(DEFAULTS[key])


def check_unchanged(db: sqlite_utils.Database, read: dict) -> None:
    """Refuse, naming each, the preferences another session has saved since ``read`` (what
    a screen showed) was read: its edit would silently undo theirs."""
    now = current(db).model_dump()
    changed = [name for name, value in now.items() if read.get(name) != value]
    if changed:
        raise Invalid(
            [
                Problem(
                    name,
                    field_title(LibraryPreferences, name),
                    f"another technician changed it to {_shown(now[name])} since "
                    "this screen was opened; nothing was saved (Esc, then open "
                    "Preferences again to see theirs)",
                )
                for name in changed
            ]
        )


def _shown(value) -> str:
    return ("Yes" if value else "No") if isinstance(value, bool) else repr(value)


def save(db: sqlite_utils.Database, prefs: LibraryPreferences) -> None:
    """Store the preferences (inside the caller's write transaction)."""
    terms = [prefs.grade_term, prefs.location_term, prefs.location2_term]
    if len({t.casefold() for t in terms}) < 3:
        raise Invalid(
            [
                Problem(
                    "location2_term",
                    "Term for 2nd Location",
                    "the three terms must differ from each other",
                )
            ]
        )
    rows = {key: getattr(prefs, name) for name, key in _FIELD_KEYS.items()}
    rows.update({key: "1" if getattr(prefs, key) else "0" for key in _SWITCHES})
    rows.update({key: str(getattr(prefs, key)) for key in _NUMBERS})
    db.conn.executemany(
        "INSERT OR REPLACE INTO preferences (key, value) VALUES (?, ?)", list(rows.items())
    )


# -- the grade table (each edit inside the caller's write transaction) -------------


def grades(db: sqlite_utils.Database) -> list[dict]:
    """The grade table in order, with how many patrons are in each grade."""
    return list(
        db.query(
            """SELECT g.name, g.position, g.is_last,
                  (SELECT count(*) FROM patrons p WHERE p.grade = g.name) AS patrons
           FROM grades g ORDER BY g.position"""
        )
    )


def _problem(message: str, field: str = "grade") -> Invalid:
    return Invalid([Problem(field, "Grade", message)])


def _clean(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise _problem("a grade needs a name")
    if len(name) > 30:
        raise _problem(f"at most 30 characters are allowed; this has {len(name)}")
    if bad := control_character(name):
        raise _problem(
            f"contains a control character ({bad}); letters, digits, spaces and punctuation only"
        )
    return name


def _renumber(db: sqlite_utils.Database, names: list[str]) -> None:
    # Positions are unique: move them out of the way, then lay them down in order.
    db.conn.execute("UPDATE grades SET position = -1 - position")
    db.conn.executemany(
        "UPDATE grades SET position = ? WHERE name = ?", [(i, n) for i, n in enumerate(names)]
    )


def add_grade(db: sqlite_utils.Database, name: str, after: str | None = None) -> None:
    """Add a grade after ``after`` (or at the end)."""
    name = _clean(name)
    order = [g["name"] for g in grades(db)]
    if name.casefold() in {n.casefold() for n in order}:
        raise _problem(f"{name!r} is already in the grade table")
    if after and after not in order:  # never silently at the end instead
        raise _problem(f"{after!r} is not in the grade table (to add {name!r} after)", "detail")
    index = order.index(after) + 1 if after in order else len(order)
    db.conn.execute(
        "INSERT INTO grades (name, position, is_last) VALUES (?, ?, 0)", (name, len(order) + 1000)
    )
    _renumber(db, order[:index] + [name] + order[index:])


def rename_grade(db: sqlite_utils.Database, old: str, new: str) -> None:
    """Rename a grade; patrons in it follow (ON UPDATE CASCADE)."""
    new = _clean(new)
    order = [g["name"] for g in grades(db)]
    if old not in order:
        raise _problem(f"{old!r} is not in the grade table")
    if new != old and new.casefold() in {n.casefold() for n in order if n != old}:
        raise _problem(f"{new!r} is already in the grade table")
    db.conn.execute("UPDATE grades SET name = ? WHERE name = ?", (new, old))


def remove_grade(db: sqlite_utils.Database, name: str) -> None:
    """Remove a grade no patron has; the Last Grade cannot be removed (never blank)."""
    row = next((g for g in grades(db) if g["name"] == name), None)
    if row is None:
        raise _problem(f"{name!r} is not in the grade table")
    if row["patrons"]:
        raise _problem(
            f"{row['patrons']:,} patron{'s' if row['patrons'] != 1 else ''} "
            f"still {'have' if row['patrons'] != 1 else 'has'} grade {name!r}; "
            "change their grade first"
        )
    if row["is_last"]:
        raise _problem(f"{name!r} is the Last Grade; make another grade the Last Grade first")
    db.conn.execute("DELETE FROM grades WHERE name = ?", (name,))
    _renumber(db, [g["name"] for g in grades(db)])


def move_grade(db: sqlite_utils.Database, name: str, step: int) -> None:
    """Move a grade up (-1) or down (+1) the order of advancement."""
    order = [g["name"] for g in grades(db)]
    if name not in order:
        raise _problem(f"{name!r} is not in the grade table")
    i = order.index(name)
    j = max(0, min(len(order) - 1, i + step))
    order.insert(j, order.pop(i))
    _renumber(db, order)


def set_last_grade(db: sqlite_utils.Database, name: str) -> None:
    """Make ``name`` the Last Grade (exactly one grade is)."""
    if name not in {g["name"] for g in grades(db)}:
        raise _problem(f"{name!r} is not in the grade table")
    db.conn.execute("UPDATE grades SET is_last = (name = ?)", (name,))
