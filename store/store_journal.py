"""The Store's journal: its operations, each one's per-patron report, undo, and the report
written to a file.

A mixin of ``Store`` (store/store.py), which supplies the open database, its lock, its
path, how its operations are made (``via``) and whether it may write the server's files.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import sqlite_utils

from . import authority, security
from . import preferences as _preferences
from . import report as _report
from . import undo as _undo
from .security import NotPermitted, Operator


class JournalMixin:
    """The journal's methods of ``Store``."""

    db: sqlite_utils.Database
    lock: threading.RLock
    path: str
    via: str
    server_files: bool

    def operation(self, operation_id: int) -> dict[str, Any]:
        """An operation of the journal; KeyError when there is none with that number."""
        with self.lock:
            row = self.db.execute(
                "SELECT * FROM operations WHERE id = ?", [operation_id]
            ).fetchone()
            if row is None:
                raise KeyError(f"there is no operation #{operation_id}")
            return dict(zip([c.name for c in self.db["operations"].columns], row, strict=True))

    def operations(self, offset: int = 0, limit: int = 200) -> list[dict[str, Any]]:
        """A page of the journal's operations, newest first."""
        with self.lock:
            return list(
                self.db.query(
                    "SELECT * FROM operations ORDER BY id DESC LIMIT :limit OFFSET :offset",
                    {"limit": limit, "offset": offset},
                )
            )

    def check_undo(self, operation_id: int, operator: Operator) -> _undo.UndoCheck:
        """What undoing an operation would do, for the confirm; NotUndoable or NotPermitted
        (naming the missing permission) when it may not be undone. Writes nothing."""
        with self.lock:
            return _undo.check(self.db, operation_id, operator)

    def undo(self, operation_id: int, operator: Operator) -> _undo.UndoReport:
        """Undo an operation (NotUndoable, NotPermitted or Busy say why not)."""
        with self.lock:
            return _undo.undo(self.db, operation_id, operator, via=self.via)

    def write_report(
        self,
        operation_id: int,
        path: str | os.PathLike,
        operator: Operator,
        overwrite: bool = False,
    ) -> str:
        """Write an operation's summary (text, or CSV for a .csv name); returns the full path.
        FileExists unless ``overwrite``; never through a link, never over the database."""
        if not self.server_files:
            raise NotPermitted(
                "writing a file is not possible in a session over SSH: the files here are "
                "the server's (use 'ssh … log' or a report on your own computer instead)"
            )
        with self.lock:
            authority.authorize(self.db, operator, (security.UTILITIES,), "write a report")
            prefs = _preferences.read(self.db)
            return str(
                _report.write(
                    self.db,
                    operation_id,
                    path,
                    overwrite,
                    (self.path,),
                    say=lambda text: _preferences.localize(text, prefs),
                )
            )

    def operation_change_count(self, operation_id: int, outcome: str | None = None) -> int:
        """How many rows an operation's per-patron report has (of one outcome)."""
        with self.lock:
            return _report.change_count(self.db, operation_id, outcome)

    def report_page(
        self, operation_id: int, offset: int, limit: int, outcome: str | None = None
    ) -> list[dict[str, Any]]:
        """Rows ``offset``.. of an operation's report as its summary lists them (skipped
        first), or of one ``outcome`` only."""
        with self.lock:
            return _report.page(self.db, operation_id, offset, limit, outcome)

    def operation_changes(
        self,
        operation_id: int,
        outcome: str | None = None,
        offset: int = 0,
        limit: int = 200,
        after_seq: int | None = None,
    ) -> list[dict[str, Any]]:
        """A page of an operation's per-patron report, optionally one outcome only (with
        ``after_seq``: the rows after that one, for reading the whole report page by page)."""
        with self.lock:
            return _report.changes(self.db, operation_id, outcome, offset, limit, after_seq)
