"""What a sync plan says: every patron's fate (``Fate``), the sites the transfer guard stops
(``GuardedSite``) and the plan as a whole (``SyncPlan``), made by store/roster/sync_plan.py
and applied by store/roster/sync.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ..patron_write import Entry
from ..security import Operator
from .mapping import RosterMapping
from .mapping_context import Mapped, MappingContext
from .model import Roster

FATES = ("new", "updated", "unchanged", "transferred", "skipped")
NOT_IN_ROSTER = "not in the roster"


@dataclass(frozen=True)
class Fate:
    """What the sync does to one patron (or roster user): ``fate`` is one of FATES;
    ``changes`` are (field, current, new) for updated, new and transferred patrons."""

    fate: str
    barcode: str
    name: str
    reason: str
    sourced_id: str = ""
    row: int | None = None  # users.csv's line
    patron_id: int | None = None
    changes: tuple[tuple[str, Any, Any], ...] = ()


@dataclass(frozen=True)
class GuardedSite:
    """A site the sync would transfer more than the guard's share of."""

    site: str
    active: int
    transfers: int

    @property
    def percent(self) -> float:
        return 100 * self.transfers / self.active if self.active else 100.0


@dataclass
class SyncPlan:
    roster: Roster
    mapping: RosterMapping
    source: str  # the roster's file or folder name, as the journal says it
    fates: list[Fate]
    synced_sites: tuple[str, ...]
    # Active patrons not in the roster, of sites the roster does not cover: never transferred.
    other_sites: dict[str, int]
    guarded: list[GuardedSite]
    # Row problems of users.csv whose patron could not be told (no patron has that roster
    # id yet): one of the transfers may be that patron, so transfers need confirming.
    unmatched: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list, repr=False)  # what apply writes
    # Each user as mapped, and what the database offered the mapping: the apply's second
    # plan maps them again only if that changed.
    mapped: list[Mapped] = field(default_factory=list, repr=False, compare=False)
    context: MappingContext | None = field(default=None, repr=False, compare=False)
    # The database as the plan read it (``seen``): the apply plans again only if it changed.
    seen: tuple | None = field(default=None, repr=False, compare=False)

    def count(self, fate: str) -> int:
        return sum(1 for f in self.fates if f.fate == fate)

    @property
    def counts(self) -> dict[str, int]:
        return {fate: self.count(fate) for fate in FATES}

    def counts_line(self, sep: str = ", ") -> str:
        """How many patrons meet each fate: "1 new, 189 updated, 0 unchanged, …"."""
        counts = self.counts
        return sep.join(f"{counts[fate]:,} {fate}" for fate in FATES)

    @property
    def changing(self) -> int:
        """Patrons the apply writes: created, updated and transferred."""
        counts = self.counts
        return counts["new"] + counts["updated"] + counts["transferred"]

    @property
    def needs_confirming(self) -> bool:
        """Transfers that are applied only with their number typed back."""
        return bool(self.guarded or (self.unmatched and self.count("transferred")))

    @property
    def nothing_to_do(self) -> bool:
        return not self.entries


def data_version(db: sqlite_utils.Database) -> int:
    """Changes when any other connection commits (SQLite's PRAGMA data_version)."""
    return db.execute("PRAGMA data_version").fetchone()[0]


def seen(db: sqlite_utils.Database, operator: Operator, version: int | None = None) -> tuple:
    """What tells this connection that the database is as a plan read it: the same
    connection and operator, no commit by another connection since ``version`` (taken
    before the plan's first read) and no change by this one (total_changes, temporary
    tables too)."""
    if version is None:
        version = data_version(db)
    return (db.conn, operator, version, db.conn.total_changes)


def name_of(last: str | None, first: str | None) -> str:
    return f"{last}, {first}" if first else (last or "")
