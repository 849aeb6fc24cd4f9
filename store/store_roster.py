"""The Store's roster mapping: how the school's roster (OneRoster) makes patrons, as the
library keeps it in its preferences (store/roster/mapping.py).

A mixin of ``Store`` (store/store.py), which supplies the open database and its lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from .apply import Stage
from .authority import authorize
from .patron_file import max_import_mb
from .roster import mapping_files
from .roster import sync as _sync
from .roster.mapping import RosterMapping
from .roster.mapping_users import MappingContext, check
from .roster.reader import read_roster
from .roster.sync_plan import PERMISSIONS, WHAT
from .security import NotPermitted, Operator
from .validation import Invalid, Problem


class RosterMappingMixin:
    """The roster-mapping methods of ``Store``."""

    db: sqlite_utils.Database
    lock: threading.RLock
    via: str
    server_files: bool

    def roster_mapping(self) -> RosterMapping:
        """The library's roster mapping (the defaults until one is saved)."""
        with self.lock:
            return mapping_files.mapping_from_preferences(self.db)

    def roster_mapping_problems(self, mapping: RosterMapping) -> list[Problem]:
        """What ``mapping`` names that this database lacks, by key (empty: it is usable)."""
        with self.lock:
            return check(mapping, MappingContext.of(self.db))

    def roster_mapping_check(self, data: dict[str, Any]) -> list[Problem]:
        """What saving ``data`` would refuse for its values: its own problems by key, else
        what it names that this database lacks (empty: it would save). Nothing written."""
        try:
            mapping = mapping_files.validate_mapping(data)
        except Invalid as exc:
            return exc.problems
        return self.roster_mapping_problems(mapping)

    def save_roster_mapping(
        self, data: dict[str, Any], operator: Operator, read: RosterMapping | None = None
    ) -> RosterMapping:
        """Validate and keep the Preferences → Roster values (Invalid names each bad key;
        NotPermitted without Library Preferences: Edit; nothing written either way).
        ``read`` is what the screen showed: another technician's save since is not
        overwritten unseen."""
        mapping = mapping_files.validate_mapping(data)
        with self.lock:
            mapping_files.save_mapping(self.db, mapping, operator, read)
        return mapping

    def plan_sync(
        self,
        path: str | os.PathLike[str],
        operator: Operator,
        mapping: RosterMapping | None = None,
        said: Callable[[str], None] | None = None,
    ) -> _sync.SyncPlan:
        """Read the roster at ``path`` (a folder or .zip of OneRoster CSV) and plan the sync
        with ``mapping`` (the library's when None): every patron's fate, nothing written.
        BadRoster when the export cannot be read; Invalid when the mapping names what the
        database lacks; NotPermitted without the sync's permissions. ``said`` hears what
        it is doing (a district's export takes seconds to read)."""
        said = said or (lambda line: None)
        if not self.server_files:
            raise NotPermitted("a roster is a file of the server: a sync is not run over SSH")
        with self.lock:
            # Asked first: a refusal costs no reading. Planning asks again.
            authorize(self.db, operator, PERMISSIONS, WHAT)
            limit = max_import_mb(self.db)
        said(f"Reading {Path(path).name}…")
        roster = read_roster(path, limit)  # the export, not the database: no lock held
        said(f"Planning the fates of {len(roster.users):,} users…")
        with self.lock:
            if mapping is None:
                mapping = mapping_files.mapping_from_preferences(self.db)
            return _sync.plan_sync(self.db, roster, mapping, operator, Path(path).name)

    def apply_sync(
        self,
        plan: _sync.SyncPlan,
        operator: Operator,
        confirm_transfers: int | None = None,
        stage: Stage | None = None,
        cancel: threading.Event | None = None,
    ) -> _sync.SyncResult:
        """Apply ``plan`` in one transaction (store/roster/sync.py): TransfersUnconfirmed,
        SyncStale, NotPermitted, Busy or Cancelled having written nothing."""
        with self.lock:
            return _sync.apply_sync(
                self.db, plan, operator, confirm_transfers, via=self.via, stage=stage, cancel=cancel
            )
