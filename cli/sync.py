"""``patron-utils sync oneroster PATH``: Sync from Roster without a screen, for cron.

A dry run unless --yes: it prints how many patrons meet each fate (new, updated,
unchanged, transferred, skipped) and then every patron with their fate and its reason
(--format json: one object). --yes applies the plan in one journaled operation (undo it
with patron-utils undo). A plan that would transfer more than the mapping's share of a
site's active patrons is applied only with --confirm-transfers N, N the number of
transfers. Exit statuses as every command's (cli/exits.py); the guard's refusal is 2.
Not over SSH: PATH is a file of the server.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from store.file_out import printable
from store.roster.mapping_files import load_mapping
from store.roster.model import BadRoster
from store.roster.sync import SyncPlan, TransfersUnconfirmed

from .run import DONE, INVALID, REFUSED, common, fail, guarded, log_in, open_store, whole


def sync(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils sync",
        description="Sync the patrons from the school's roster: OneRoster CSV (1.1 or 1.2), a "
        "folder or a .zip. A dry run unless --yes: every patron's fate — new, updated, "
        "unchanged, transferred (active patrons of the roster's sites it no longer lists: "
        "status Transferred, never removed), skipped (protected, or a row problem). Needs "
        "the permissions 'Patrons: Import, Export and Utilities', 'Patron Passwords: Edit' "
        "and 'Patron Security Groups: Assign'.",
    )
    parser.add_argument("kind", choices=("oneroster",), help="the roster's format")
    parser.add_argument("path", metavar="PATH", help="the export: a folder or a .zip")
    parser.add_argument(
        "--mapping",
        metavar="FILE",
        help="a mapping file (.toml or .json); default: the library's (Preferences → Roster)",
    )
    parser.add_argument("--yes", action="store_true", help="apply the sync (default: dry run)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--confirm-transfers",
        metavar="N",
        type=whole(0, 2**63 - 1),
        help="the number of transfers, typed back: needed when the sync would transfer more "
        "than the mapping's share of a site's active patrons",
    )
    common(parser)
    args = parser.parse_args(argv)

    def _sync() -> int:
        from . import run

        if run.session is not None:
            raise fail(REFUSED, "sync: not over SSH; PATH would be a file of the server")
        mapping = load_mapping(args.mapping) if args.mapping else None
        store = open_store(args)
        try:
            operator = log_in(store, args)
            say = _terms(store.preferences())
            try:
                plan = store.plan_sync(args.path, operator, mapping)
            except BadRoster as exc:
                for problem in exc.problems:
                    print(f"patron-utils: {printable(str(problem))}", file=sys.stderr)
                raise fail(
                    INVALID, "PATH: the roster cannot be read; nothing was written"
                ) from None
            operation = None
            if args.yes:
                try:
                    result = store.apply_sync(plan, operator, args.confirm_transfers)
                except TransfersUnconfirmed as exc:
                    _print(plan, args.format, say, None, applied=False)
                    raise fail(INVALID, str(exc)) from None
                operation = result.operation_id
        finally:
            store.close()
        _print(plan, args.format, say, operation, applied=args.yes)
        return DONE

    return guarded(_sync)


def _terms(prefs: dict[str, str]):
    from store.preferences import localize

    return lambda text: localize(text, prefs)


def _summary(plan: SyncPlan) -> dict[str, Any]:
    return {
        "file": plan.source,
        "version": plan.roster.version,
        "counts": plan.counts,
        "synced_sites": list(plan.synced_sites),
        "other_sites_not_transferred": plan.other_sites,
        "guarded": [
            {
                "site": g.site,
                "active": g.active,
                "transfers": g.transfers,
                "percent": round(g.percent, 1),
            }
            for g in plan.guarded
        ],
        "unmatched_problem_rows": plan.unmatched,
        "needs_confirming": plan.needs_confirming,
        "transfer_guard_percent": plan.mapping.transfer_guard_percent,
    }


def _print(plan: SyncPlan, fmt: str, say, operation: int | None, applied: bool) -> None:
    if fmt == "json":
        out = _summary(plan) | {
            "applied": operation is not None,
            "nothing_to_do": plan.nothing_to_do,
            "operation": operation,
            "patrons": [
                {
                    "fate": f.fate,
                    "barcode": f.barcode,
                    "name": f.name,
                    "reason": say(f.reason),
                    "sourced_id": f.sourced_id,
                    "row": f.row,
                    "changes": [{"field": say(k), "current": a, "new": b} for k, a, b in f.changes],
                }
                for f in plan.fates
            ],
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return
    counts = plan.counts
    if operation is not None:
        head = f"Synced from {plan.source} as operation #{operation}"
    elif applied and plan.nothing_to_do:
        head = f"Nothing to do: {plan.source} matches the patrons; nothing was written"
    else:
        head = f"Would sync from {plan.source} (dry run; --yes applies it)"
    print(printable(head) + f" — OneRoster {plan.roster.version}")
    print(plan.counts_line())
    sites = ", ".join(plan.synced_sites) or "(none)"
    print(f"Sites synced: {sites}")
    if plan.other_sites:
        others = ", ".join(
            f"{site or '(no site)'} {n}" for site, n in sorted(plan.other_sites.items())
        )
        print(f"Active patrons of other sites, not in the roster and not transferred: {others}")
    for g in plan.guarded:
        print(
            f"Guard: {g.site} would transfer {g.transfers} of {g.active} active patrons "
            f"({g.percent:.0f}%, more than {plan.mapping.transfer_guard_percent}%)"
        )
    if plan.needs_confirming and operation is None:
        print(f"Applying needs --confirm-transfers {counts['transferred']}")
    for f in plan.fates:
        reason = say(f.reason)
        if f.changes and f.fate == "updated":  # each field with its current and new value
            reason = "; ".join(f"{say(k)} {_v(a)} → {_v(b)}" for k, a, b in f.changes)
        print("\t".join(printable(cell) for cell in (f.fate, f.barcode, f.name, reason)))


def _v(value: Any) -> str:
    return "(blank)" if value in (None, "") else str(value)
