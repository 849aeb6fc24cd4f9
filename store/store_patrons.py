"""The Store's view of one patron: their whole record, and its Patron History report written
to a file.

A mixin of ``Store`` (store/store.py), which supplies the open database, its lock, its path
(never written over) and whether files of this computer may be written (``server_files``).

Reading a record needs the permission Export Patrons needs ("Patrons: Import, Export and
Utilities"): a record names a patron, their emails and notes as an export does. Viewing
changes nobody, so the security-level rule (which is about changing) does not apply: any
patron may be looked at, the Unknown Patron and the operator's own account included.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import sqlite_utils

from . import authority, security
from . import patron_report as _patron_report
from . import patron_view as _patron_view
from .patron_view import PatronView
from .security import NotPermitted, Operator

VIEW = (security.UTILITIES,)


class PatronViewMixin:
    """The patron-record methods of ``Store``."""

    db: sqlite_utils.Database
    lock: threading.RLock
    path: str
    server_files: bool

    def patron_view(self, barcode: str, operator: Operator) -> PatronView:
        """The whole record of the patron with ``barcode`` (as typed, or in any case when
        only one patron has it); NoSuchPatron when none does, NotPermitted (or SessionEnded)
        when ``operator`` may not look."""
        with self.lock:
            authority.authorize(self.db, operator, VIEW, "look at a patron's record")
            return _patron_view.read(self.db, _patron_view.find(self.db, barcode))

    def write_patron_report(
        self,
        barcode: str,
        path: str | os.PathLike,
        operator: Operator,
        overwrite: bool = False,
    ) -> str:
        """Write a patron's record (the Patron History report as CSV for a .csv name, the
        whole record as text otherwise); returns the full path. Over SSH NotPermitted (the
        files here are the server's); FileExists unless ``overwrite``; never through a link,
        never over the database."""
        if not self.server_files:
            raise NotPermitted(
                "writing a file is not possible in a session over SSH: the files here are "
                "the server's (to save the Patron History report on your own computer: "
                f"{_patron_report.ssh_command(barcode)})"
            )
        with self.lock:
            authority.authorize(self.db, operator, VIEW, "write a patron's record")
            view = _patron_view.read(self.db, _patron_view.find(self.db, barcode))
        return str(_patron_report.write(view, Path(path), overwrite, (self.path,)))
