"""The Store's patron files: importing a CSV of patrons (checked whole first) and exporting
the selected ones as CSV or JSON.

A mixin of ``Store`` (store/store.py), which supplies the open database, its lock, how its
operations are made (``via``) and the database's choices.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import sqlite_utils

from . import authority, security
from . import patron_export as _patron_export
from . import patron_file as _patron_file
from .security import Operator
from .selection import Selection, compile_selection


class PatronFilesMixin:
    """The patron-file methods of ``Store``."""

    db: sqlite_utils.Database
    lock: threading.RLock
    via: str
    server_files: bool

    if TYPE_CHECKING:  # Store's own, declared here for mypy

        def choices(self, kind: str) -> list[str]: ...

        def validate_selection(self, data: dict[str, Any], key: str | None = None) -> Selection: ...

    def import_patrons(
        self,
        path: str | os.PathLike,
        mapping: dict[str, str],
        operator: Operator,
        site: str | None = None,
        dry_run: bool = False,
        progress=None,
        *,
        ignore: tuple[str, ...] = (),
        ignore_unknown: bool = False,
        preset: str | None = None,
    ) -> _patron_file.ImportReport:
        """Check then import a CSV of patrons (BadFile lists every problem; nothing written).

        ``ignore`` leaves those columns out, ``ignore_unknown`` every column that is no
        field; ``preset`` reads another system's export (store/import_presets.py)."""
        if not self.server_files:  # as a sync's roster: the file would be the server's
            raise security.NotPermitted(
                "a patron file is a file of the server: an import is not run over SSH"
            )
        with self.lock:
            return _patron_file.import_patrons(
                self.db,
                path,
                mapping,
                operator,
                site,
                dry_run,
                self.choices,
                progress,
                via=self.via,
                ignore=ignore,
                ignore_unknown=ignore_unknown,
                preset=preset,
            )

    def export_patrons(self, selection: dict, operator: Operator, out, fmt: str = "csv") -> int:
        """Write the selected patrons to ``out`` as CSV or JSON; returns how many."""
        sel = self.validate_selection(selection)
        where = compile_selection(sel)
        with self.lock:
            authority.authorize(self.db, operator, (security.UTILITIES,), "run Export Patrons")
            # One consistent read: the email columns counted are the addresses written.
            self.db.execute("BEGIN")
            try:
                return _patron_export.write_export(
                    _patron_export.export_rows(self.db, where.where, where.params),
                    out,
                    fmt,
                    _patron_export.most_emails(self.db, where.where, where.params),
                )
            finally:
                self.db.execute("COMMIT")
