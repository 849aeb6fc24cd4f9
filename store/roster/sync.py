"""Sync from Roster: the plan (store/roster/sync_plan.py) applied in one transaction,
journaled as its own operation (store/utilities/sync_roster.py) and undone like any other.

The apply plans again under the write lock — the operator, their rights, the patrons and
the rules are read as the write sees them — and writes only if that plan is the one
previewed (else Stale: plan again). A plan that would transfer more than the mapping's
share of a site's active patrons (transfer_guard_percent) is applied only with the number
of transfers typed back (``confirm_transfers``): a half-exported roster must not transfer
a school. A plan with nothing to do writes nothing, not even an operation: a nightly sync
of an unchanged roster leaves the log alone.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import sqlite_utils

from .. import authority, clock, credentials
from ..apply import STAGES, Cancelled, Stage, Stale
from ..database import begin_write, roll_back
from ..patron_write import journal_outcomes, write_patrons
from ..security import Operator
from .sync_model import FATES, Fate, GuardedSite, SyncPlan, seen
from .sync_plan import PERMISSIONS, WHAT, plan_sync

__all__ = [
    "FATES",
    "Fate",
    "GuardedSite",
    "SyncPlan",
    "SyncResult",
    "SyncStale",
    "TransfersUnconfirmed",
    "apply_sync",
    "plan_sync",
]

KEY = "sync-roster"
TITLE = "Sync from Roster"


class TransfersUnconfirmed(ValueError):
    """The plan transfers more than the guard's share of a site and the number of
    transfers was not typed back (or was typed wrong): nothing was written."""

    def __init__(self, plan: SyncPlan, given: int | None):
        self.plan, self.given = plan, given
        transfers = plan.count("transferred")
        sites = "; ".join(
            f"{g.site}: {g.transfers} of {g.active} active patrons ({g.percent:.0f}%)"
            for g in plan.guarded
        )
        told = "" if given is None else f" ({given} was given)"
        if sites:
            why = (
                f"the sync would transfer more than {plan.mapping.transfer_guard_percent}% "
                f"of a site's active patrons — {sites}"
            )
        else:
            why = (
                f"{len(plan.unmatched)} row(s) of users.csv could not be read and their "
                "patrons not told (no patron has their sourcedId yet): one of the "
                f"{transfers} transfer(s) may be one of them"
            )
        super().__init__(
            f"{why}; if the roster is whole, confirm the {transfers} transfer(s) by typing "
            f"their number{told} (--confirm-transfers {transfers}); nothing was written"
        )


class SyncStale(Stale):
    """The patrons (or the operator's rights) changed between the plan and the apply."""

    def __init__(self, changed: int):
        self.changed = changed
        RuntimeError.__init__(
            self,
            f"patrons changed since the sync was planned ({changed} fate(s) differ) — plan "
            "it again; nothing was written",
        )


@dataclass(frozen=True)
class SyncResult:
    operation_id: int | None  # None: nothing to do, nothing written
    counts: dict[str, int]


def apply_sync(
    db: sqlite_utils.Database,
    plan: SyncPlan,
    operator: Operator,
    confirm_transfers: int | None = None,
    *,
    via: str,
    stage: Stage | None = None,
    cancel: threading.Event | None = None,
) -> SyncResult:
    """Write ``plan`` exactly as planned, in one transaction, or raise having written
    nothing (TransfersUnconfirmed, SyncStale, NotPermitted, Invalid, Cancelled). ``stage``
    hears each step (as an apply's); ``cancel`` set before the commit rolls it all back."""
    stage = stage or (lambda number, of, what: None)
    transfers = plan.count("transferred")
    if (plan.needs_confirming or confirm_transfers is not None) and confirm_transfers != transfers:
        raise TransfersUnconfirmed(plan, confirm_transfers)
    if plan.nothing_to_do:
        return SyncResult(None, plan.counts)

    def stop_if_cancelled() -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()

    stop_if_cancelled()
    stage(0, STAGES, "waiting for the database (another technician may be writing)")
    begin_write(db)
    try:
        stage(1, STAGES, "checking the roster's plan is still current")
        if plan.seen is not None and plan.seen == seen(db, operator):
            # Nothing written since the plan, by anyone: planning again would read the same
            # patrons and rules. Only the operator's rights are read again.
            authority.authorize(db, operator, PERMISSIONS, WHAT)
            fresh = plan
        else:
            fresh = plan_sync(db, plan.roster, plan.mapping, operator, plan.source, plan)
        if fresh.fates != plan.fates:
            differ = len(set(fresh.fates) ^ set(plan.fates)) or 1
            raise SyncStale(differ)
        stop_if_cancelled()
        op = _operation(db, fresh, operator, confirm_transfers, via)
        stage(3, STAGES, f"{len(fresh.entries):,} patrons being created, updated or transferred")
        write_patrons(db, op, fresh.entries, clock.now())
        skips = [
            (op, len(fresh.entries) + n, f.patron_id, f.barcode, "skip", f.reason)
            for n, f in enumerate((f for f in fresh.fates if f.fate == "skipped"), start=1)
            if f.patron_id is not None
        ]
        journal_outcomes(db, skips)
        credentials.nothing_to_erase(db, op)  # a sync sets no password
        credentials.erase_expired(db)
        stop_if_cancelled()
        stage(4, STAGES, "committing")
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    return SyncResult(op, fresh.counts)


def _operation(db, plan: SyncPlan, operator: Operator, confirmed: int | None, via: str) -> int:
    now = clock.now()
    counts = plan.counts
    options = {
        "file": plan.source,
        "version": plan.roster.version,
        "confirmed_transfers": confirmed or 0,
    }
    title = f"{TITLE} ({plan.source})" if plan.source else TITLE
    return db.execute(
        """INSERT INTO operations (utility, title, operator, operator_id, started, finished,
               selection, options, matched, changed, unchanged, skipped, via)
           VALUES (:key, :title, :operator, :operator_id, :now, :now, '{}', :options,
                   :matched, :changed, :unchanged, :skipped, :via)""",
        {
            "key": KEY,
            "title": title,
            "operator": operator.username,
            "operator_id": operator.patron_id,
            "now": now,
            "options": json.dumps(options),
            "matched": len(plan.fates),
            "changed": counts["new"] + counts["updated"] + counts["transferred"],
            "unchanged": counts["unchanged"],
            "skipped": counts["skipped"],
            "via": via,
        },
    ).lastrowid
