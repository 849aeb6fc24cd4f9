"""Saved runs: a utility's selections and options kept under a name, in the database.

They are stored validated (as the models dump them), so a saved run opens with the
same values next year; a relative date such as today-1y stays relative.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import sqlite_utils

from . import clock
from .security import NotPermitted, Operator
from .validation import Invalid, Problem

NAME_LIMIT = 60


def check_name(name: str) -> str:
    """A run's name, trimmed; Invalid (field 'name') if blank, too long or unprintable."""
    name = name.strip()
    problem = None
    if not name:
        problem = "a name is required"
    elif len(name) > NAME_LIMIT:
        problem = f"at most {NAME_LIMIT} characters (this one has {len(name)})"
    elif any(unicodedata.category(ch).startswith("C") for ch in name):
        problem = "letters, digits, spaces and punctuation only (no control characters)"
    if problem:
        raise Invalid([Problem("name", "Saved run name", problem)])
    return name


def refusal(run: dict[str, Any], operator: Operator, doing: str) -> str | None:
    """Why ``operator`` may not ``doing`` (replace, rename, delete) this run, or None: a
    saved run is changed by the operator who saved it, or by a level-0 operator."""
    if run["owner_id"] != operator.patron_id and operator.level != 0:
        return (
            f"{operator.username} may not {doing} the saved run {run['name']!r}: it "
            f"belongs to {run['operator']}, and only they or a level-0 operator may change it"
        )
    return None


def owned(run: dict[str, Any], operator: Operator, doing: str) -> None:
    why = refusal(run, operator, doing)
    if why:
        raise NotPermitted(why)


def save(
    db: sqlite_utils.Database,
    utility: str,
    name: str,
    selection: dict[str, Any],
    options: dict[str, Any],
    operator: Operator,
) -> tuple[int, bool]:
    """Save (or replace, same name in any case) a run; returns (its id, whether it replaced one).

    Replacing someone else's run is refused (NotPermitted) unless the operator is level 0."""
    name = check_name(name)
    old = _named(db, utility, name)
    row = {
        "utility": utility,
        "name": name,
        "selection": json.dumps(selection),
        "options": json.dumps(options),
        "operator": operator.username,
        "owner_id": operator.patron_id,
        "saved": clock.now(),
    }
    if old is not None:
        owned(get(db, old), operator, "replace")  # then it is theirs: they saved it last
        db.table("saved_runs").update(old, row)
        return old, True
    new_id = db.table("saved_runs").insert(row).last_pk
    assert isinstance(new_id, int)
    return new_id, False


def runs(db: sqlite_utils.Database, utility: str | None = None) -> list[dict[str, Any]]:
    """Saved runs, by utility then name; each with its selection and options decoded."""
    where, params = ("utility = ?", [utility]) if utility else ("1", [])
    return [
        _decoded(r)
        for r in db.query(
            f"SELECT * FROM saved_runs WHERE {where} ORDER BY utility, name COLLATE NOCASE", params
        )
    ]


def get(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    row = db.execute("SELECT * FROM saved_runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        raise KeyError(f"there is no saved run #{run_id}")
    return _decoded(dict(zip([c.name for c in db["saved_runs"].columns], row, strict=True)))


def find(db: sqlite_utils.Database, name: str, utility: str | None = None) -> dict[str, Any]:
    """A saved run by name (any case); KeyError names the runs there are."""
    matches = [r for r in runs(db, utility) if r["name"].casefold() == name.strip().casefold()]
    if len(matches) != 1:
        known = ", ".join(f"{r['name']} ({r['utility']})" for r in runs(db, utility)) or "none"
        why = "is ambiguous: give the utility" if matches else "does not exist"
        raise KeyError(f"saved run {name!r} {why}; saved runs: {known}")
    return matches[0]


def rename(db: sqlite_utils.Database, run_id: int, name: str, operator: Operator) -> None:
    name = check_name(name)
    run = get(db, run_id)
    owned(run, operator, "rename")
    if _named(db, run["utility"], name, besides=run_id) is not None:
        raise Invalid(
            [
                Problem(
                    "name",
                    "Saved run name",
                    f"{name!r} is already the name of another saved run of this utility",
                )
            ]
        )
    db.execute("UPDATE saved_runs SET name = ? WHERE id = ?", [name, run_id])


def delete(db: sqlite_utils.Database, run_id: int, operator: Operator) -> None:
    owned(get(db, run_id), operator, "delete")
    db.execute("DELETE FROM saved_runs WHERE id = ?", [run_id])


def _named(
    db: sqlite_utils.Database, utility: str, name: str, besides: int | None = None
) -> int | None:
    """The run of ``utility`` with this name in any case (Unicode's, as find() compares:
    'Straße' is 'STRASSE'), other than ``besides``."""
    for run_id, other in db.execute("SELECT id, name FROM saved_runs WHERE utility = ?", [utility]):
        if other.casefold() == name.casefold() and run_id != besides:
            return run_id
    return None


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its values decoded; a run whose stored values cannot be read (written
    by hand, cut short) has none and says why in ``damaged``: it may be deleted, never run
    (empty values would take in every patron)."""
    try:
        selection, options = json.loads(row["selection"]), json.loads(row["options"])
        if not (isinstance(selection, dict) and isinstance(options, dict)):
            raise ValueError("not a set of fields")
    except (TypeError, ValueError) as exc:
        return {
            **row,
            "selection": {},
            "options": {},
            "damaged": f"its stored values cannot be read ({exc}); delete it and save it again",
        }
    return {**row, "selection": selection, "options": options, "damaged": None}
