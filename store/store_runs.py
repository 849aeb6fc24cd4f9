"""The Store's saved runs: a utility's selections and options saved under a name, read
back, checked against the database as it is now, renamed and deleted.

A mixin of ``Store`` (store/store.py), which supplies the open database, its lock and the
validation of selections and options.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import sqlite_utils

from . import authority, security
from . import saved_runs as _saved_runs
from .catalog import get
from .security import Operator
from .validation import Invalid, Problem

if TYPE_CHECKING:
    from .selection import Selection
    from .validation import StoreModel


class SavedRunsMixin:
    """The saved-runs methods of ``Store``."""

    db: sqlite_utils.Database
    lock: threading.RLock

    if TYPE_CHECKING:  # Store's own, declared here for mypy

        def validate_selection(self, data: dict[str, Any], key: str | None = None) -> Selection: ...

        def validate_options(
            self, key: str, data: dict[str, Any], operator: Operator | None = None
        ) -> StoreModel: ...

    def save_run(
        self, key: str, name: str, selection: dict, options: dict, operator: Operator
    ) -> tuple[int, bool]:
        """Validate and save selections and options under a name; (id, replaced an old one).
        Needs the utility's permissions; another operator's run is replaced only by level 0."""
        sel = self.validate_selection(selection, key)
        opts = self.validate_options(key, options)
        utility = get(key)
        with (
            self.lock,
            authority.writing(
                self.db, operator, utility.permissions, f"save a run of {utility.title}"
            ),
        ):
            return _saved_runs.save(
                self.db,
                key,
                name,
                sel.model_dump(mode="json"),
                opts.model_dump(mode="json"),
                operator,
            )

    def saved_runs(self, key: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return _saved_runs.runs(self.db, key)

    def saved_run(self, run_id: int) -> dict[str, Any]:
        with self.lock:
            return _saved_runs.get(self.db, run_id)

    def run_problems(self, run: dict[str, Any]) -> list[Problem]:
        """What is wrong with a saved run's values now (a grade renamed, a location no patron
        has any more): the problems a preview of it would be refused with."""
        if run.get("damaged"):
            return [Problem("run", "Saved run", run["damaged"])]
        problems: list[Problem] = []
        for check in (
            lambda: self.validate_selection(run["selection"], run["utility"]),
            lambda: self.validate_options(run["utility"], run["options"]),
        ):
            try:
                check()
            except Invalid as exc:
                problems += exc.problems
        return problems

    def find_saved_run(self, name: str, key: str | None = None) -> dict[str, Any]:
        with self.lock:
            return _saved_runs.find(self.db, name, key)

    def rename_run(self, run_id: int, name: str, operator: Operator) -> None:
        """Rename a saved run: the utility's permissions, and the run's owner or level 0."""
        with self.lock, self._changing_run(run_id, operator, "rename"):
            _saved_runs.rename(self.db, run_id, name, operator)

    def delete_run(self, run_id: int, operator: Operator) -> None:
        """Delete a saved run: the utility's permissions, and the run's owner or level 0."""
        with self.lock, self._changing_run(run_id, operator, "delete"):
            _saved_runs.delete(self.db, run_id, operator)

    def run_refusal(self, run_id: int, operator: Operator, doing: str) -> str | None:
        """Why ``operator`` may not rename or delete this saved run, or None — for a screen
        to say before it asks for a name or a confirm (the store asks again when it writes)."""
        with self.lock:
            run = _saved_runs.get(self.db, run_id)
        utility = get(run["utility"])
        try:
            security.require(
                operator, utility.permissions, f"{doing} a saved run of {utility.title}"
            )
        except security.NotPermitted as exc:
            return str(exc)
        return _saved_runs.refusal(run, operator, doing)

    def _changing_run(self, run_id: int, operator: Operator, doing: str):
        utility = get(_saved_runs.get(self.db, run_id)["utility"])
        return authority.writing(
            self.db, operator, utility.permissions, f"{doing} a saved run of {utility.title}"
        )
