"""The Store's roster mapping: how the school's roster (OneRoster) makes patrons, as the
library keeps it in its preferences (store/roster/mapping.py).

A mixin of ``Store`` (store/store.py), which supplies the open database and its lock.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlite_utils

from .roster import mapping_files
from .roster.mapping import RosterMapping
from .roster.mapping_users import MappingContext, check
from .security import Operator
from .validation import Problem


class RosterMappingMixin:
    """The roster-mapping methods of ``Store``."""

    db: sqlite_utils.Database
    lock: threading.RLock

    def roster_mapping(self) -> RosterMapping:
        """The library's roster mapping (the defaults until one is saved)."""
        with self.lock:
            return mapping_files.mapping_from_preferences(self.db)

    def roster_mapping_problems(self, mapping: RosterMapping) -> list[Problem]:
        """What ``mapping`` names that this database lacks, by key (empty: it is usable)."""
        with self.lock:
            return check(mapping, MappingContext.of(self.db))

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
