"""What a sync from the roster would do to every patron, before anything is written: the
plan (store/roster/sync.py applies it).

Each roster user is matched to a patron by the roster's id kept on the patron (roster_id)
first, else by barcode (the sync then keeps the roster id). A matched patron is *updated*
(which fields, current → new) or *unchanged*; an unmatched user is a *new* patron; a user
the mapping skips (guardians) or who has a row problem is *skipped*, and the patron with
that sourcedId or barcode is then never taken for one who has left. Active patrons of the
synced sites (the sites the roster's users are on, the Union Site aside) whom the roster
does not name are *transferred* (status Transferred, never removed). Protected patrons
are skipped, never changed: operators (a security group that grants any permission), the
Unknown Patron, the operator's own account and patrons at or above the operator's level.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from .. import authority, import_rules, patron_emails
from ..patron_write import Entry, changed_fields, field_label, shown_value
from ..schema_versions import Status
from ..security import Operator
from ..selection import UNKNOWN_REASON
from ..utilities.sync_roster import SyncRoster
from ..validation import Invalid
from .mapping import RosterMapping
from .mapping_users import Mapped, MappedPatron, Mapper, MappingContext, Skipped
from .model import Roster
from .sync_model import NOT_IN_ROSTER, Fate, GuardedSite, SyncPlan, data_version, name_of, seen

WHAT = "run Sync from Roster"
# A sync creates patrons with a security group and a username: it needs all three.
PERMISSIONS = SyncRoster.permissions


def plan_sync(
    db: sqlite_utils.Database,
    roster: Roster,
    mapping: RosterMapping,
    operator: Operator,
    source: str = "",
    again: SyncPlan | None = None,
) -> SyncPlan:
    """Every patron's fate under this roster and mapping (Invalid when the mapping names
    what this database lacks; NotPermitted without the sync's permissions). ``again``: a
    plan of the same roster and mapping, whose users are not mapped again when the
    database offers the mapping what it did then (the apply's second plan)."""
    version = data_version(db)  # before the first read: a commit from now on is seen
    authority.authorize(db, operator, PERMISSIONS, WHAT)
    context = MappingContext.of(db)
    mapper = Mapper(mapping, context)
    if mapper.problems:
        raise Invalid(mapper.problems)
    # Mapping a user reads nothing but the user, the orgs and the context.
    same = (
        again is not None
        and again.roster is roster
        and again.mapping is mapping
        and again.context == context
    )
    results = again.mapped if same else [mapper.map(u, roster.orgs) for u in roster.users]  # type: ignore[union-attr]
    plan = _Planner(db, roster, mapping, operator, mapper, source).plan(results)
    plan.mapped, plan.context, plan.seen = results, context, seen(db, operator, version)
    return plan


class _Planner:
    def __init__(self, db, roster, mapping, operator, mapper, source):
        self.db, self.roster, self.mapping = db, roster, mapping
        self.operator, self.mapper, self.source = operator, mapper, source
        groups = db.execute("SELECT name, level, permissions FROM security_groups").fetchall()
        self.levels = {name: level for name, level, _ in groups}
        self.operators = {name for name, _, perms in groups if json.loads(perms or "[]")}
        self.patrons = {row["id"]: row for row in db.query("SELECT * FROM patrons")}
        self.by_roster = {p["roster_id"]: p for p in self.patrons.values() if p["roster_id"]}
        self.by_barcode = {p["barcode"]: p for p in self.patrons.values()}
        self.usernames = {
            p["username"].casefold(): p["id"] for p in self.patrons.values() if p["username"]
        }
        # Usernames the roster's accepted rows give (updated and new patrons): users.csv row.
        self.given: dict[str, int] = {}
        union = db.execute("SELECT code FROM sites WHERE is_union").fetchall()
        self.union = {code for (code,) in union}
        self.fates: list[Fate] = []
        self.entries: list[Entry] = []
        self.accounted: set[int] = set()  # patrons the roster names (never transferred)
        self.sites: set[str] = set()

    # -- the roster's users -----------------------------------------------------------------
    def plan(self, results: list[Mapped]) -> SyncPlan:
        unreadable = {p.sourced_id: p for p in self.roster.problems if p.sourced_id}
        self.unmatched: list[str] = []
        for sid, problem in unreadable.items():
            old = self.by_roster.get(sid)
            if old is None and self.mapping.barcode_from == "sourcedId":
                old = self.by_barcode.get(sid)
            if old is None:
                self.unmatched.append(sid)
            self._skip(old, "", sid, problem.row, f"row problem: {problem}")
        mapped: list[MappedPatron] = []
        for user, result in zip(self.roster.users, results, strict=True):
            if isinstance(result, Skipped):
                old = self.by_roster.get(user.sourced_id)
                self._skip(old, "", user.sourced_id, user.row, result.reason, user)
            elif isinstance(result, list):
                barcode = self.mapper._barcode(user)
                old = self.by_roster.get(user.sourced_id) or self.by_barcode.get(barcode)
                why = "; ".join(str(p) for p in result)
                self._skip(old, barcode, user.sourced_id, user.row, f"row problem: {why}", user)
            else:
                mapped.append(result)
                site = result.record.get("site")
                if site and not result.to_union_site and site not in self.union:
                    self.sites.add(site)
        self._mapped(mapped)
        self._transfers()
        return SyncPlan(
            roster=self.roster,
            mapping=self.mapping,
            source=self.source,
            fates=self.fates,
            synced_sites=tuple(sorted(self.sites)),
            other_sites=self.others,
            guarded=self.guarded,
            unmatched=self.unmatched,
            entries=self.entries,
        )

    def _skip(self, old, barcode, sid, row, reason, user=None) -> None:
        if old is not None:
            self.accounted.add(old["id"])
            barcode, name = old["barcode"], name_of(old["last_name"], old["first_name"])
        else:
            name = name_of(user.family_name, user.given_name) if user else ""
        self.fates.append(
            Fate("skipped", barcode, name, reason, sid, row, old["id"] if old else None)
        )

    def _protected(self, old: dict) -> str | None:
        """Why the sync may not change this patron, or None."""
        if old["is_unknown"]:
            return f"protected: the Unknown Patron ({UNKNOWN_REASON})"
        group = old["security_group"]
        why = authority.refusal(self.operator, old["id"], group, self.levels.get(group))
        if why:
            return f"protected: {why}"
        if group in self.operators:
            return f"protected: an operator ({group} grants permissions)"
        return None

    def _mapped(self, mapped: list[MappedPatron]) -> None:
        email = self.mapping.email_from_roster
        mapping = self.mapping
        kept = {
            Status.ACTIVE,
            Status.TRANSFERRED,
            mapping.tobedeleted_status,
            mapping.disabled_status,
        }
        matches: list[tuple[MappedPatron, dict | None]] = []
        claimed: dict[int, int] = {}  # patron id → the users.csv row that matched them
        given: dict[str, int] = {}  # barcode → users.csv row
        for m in mapped:
            barcode = m.record["barcode"]
            old = self.by_roster.get(m.sourced_id)
            if old is None:
                old = self.by_barcode.get(barcode)
                if old is not None and old["roster_id"] not in (None, m.sourced_id):
                    self._skip(
                        old,
                        barcode,
                        m.sourced_id,
                        m.row,
                        f"row problem: barcode {barcode} is the patron of roster id "
                        f"{old['roster_id']}, not {m.sourced_id}",
                    )
                    continue
            if barcode in given or (old is not None and old["id"] in claimed):
                first = given.get(barcode) or claimed[old["id"]]  # type: ignore[index]
                self._skip(
                    old,
                    barcode,
                    m.sourced_id,
                    m.row,
                    f"row problem: users.csv, row {m.row}: barcode {barcode} is also on row "
                    f"{first}",
                )
                continue
            given[barcode] = m.row
            if old is not None:
                claimed[old["id"]] = m.row
                self.accounted.add(old["id"])
            matches.append((m, old))
        lists = (
            patron_emails.of_patrons(self.db, [o["id"] for _, o in matches if o]) if email else {}
        )
        new_records: list[tuple[int, dict]] = []
        for m, old in matches:
            record = {**m.record, "roster_id": m.sourced_id}
            if old is not None and record["status"] == Status.ACTIVE and old["status"] not in kept:
                # Still enrolled: a status the library set (Card Lost, Suspended…) stays; only
                # the statuses a roster gives (Transferred, tobedeleted, disabled) go back.
                del record["status"]
            if m.first_email:
                theirs = lists.get(old["id"], ()) if old else ()
                record["emails"] = (m.first_email,) + tuple(
                    a for a in theirs if a.casefold() != m.first_email.casefold()
                )
            if old is None:
                new_records.append((m.row, record))
                continue
            current = dict(old, emails=lists.get(old["id"], ()))
            fields = changed_fields(current, record)
            name = name_of(old["last_name"], old["first_name"])
            if not fields:
                self.fates.append(
                    Fate("unchanged", old["barcode"], name, "", m.sourced_id, m.row, old["id"])
                )
                continue
            if why := self._protected(old):
                self.fates.append(
                    Fate("skipped", old["barcode"], name, why, m.sourced_id, m.row, old["id"])
                )
                continue
            if why := self._row_rules(m.row, record, old["id"]):
                self._skip(old, "", m.sourced_id, m.row, f"row problem: {why}")
                continue
            changes = tuple((_label(f), _shown(current, f), _shown(record, f)) for f in fields)
            self.fates.append(
                Fate(
                    "updated",
                    record["barcode"],
                    name_of(record["last_name"], record["first_name"]),
                    ", ".join(_label(f) for f in fields),
                    m.sourced_id,
                    m.row,
                    old["id"],
                    changes,
                )
            )
            self.entries.append(Entry(current, record, f"roster row {m.row}"))
            self._give(m.row, record)
        self._new(new_records, {m.row: m for m, _ in matches})

    def _row_rules(self, row: int, record: dict, patron_id: int | None) -> str | None:
        """The rules an import checks of a record: a barcode another patron has (in any
        case: barcodes match regardless of it), a username another patron has, a security
        group the operator may not assign."""
        if patron_id is not None and (why := self._barcode_taken(record["barcode"], patron_id)):
            return why
        name = record.get("username")
        if name and (other := self.given.get(name.casefold(), row)) != row:
            return f"username {name!r} is also given on users.csv row {other}"
        if name and self.usernames.get(name.casefold(), patron_id) != patron_id:
            return f"username {name!r} belongs to another patron"
        group = record.get("security_group")
        if group and (why := authority.may_assign(self.operator, group, self.levels.get(group))):
            return why
        return None

    def _barcode_taken(self, barcode: str, patron_id: int) -> str | None:
        """Why a matched patron may not take ``barcode`` (their roster id found them, and the
        roster gives them a new one), or None: it is another patron's (the write would fail on
        it) or another patron's in another case (a twin every barcode list would select too)."""
        if barcode == self.patrons[patron_id]["barcode"]:
            return None
        other = self.db.execute(
            "SELECT barcode FROM patrons WHERE barcode = ? COLLATE NOCASE AND id <> ? "
            "ORDER BY barcode = ? DESC LIMIT 1",
            [barcode, patron_id, barcode],
        ).fetchone()
        if other is None:
            return None
        if other[0] == barcode:
            return f"barcode {barcode} is another patron's"
        return (
            f"barcode {barcode} is patron {other[0]}'s barcode in another case "
            "(barcodes match regardless of case)"
        )

    def _give(self, row: int, record: dict) -> None:
        """The username this accepted row gives its patron is theirs: no later row takes it
        (two patrons given one username would stop the whole sync at the write)."""
        if record.get("username"):
            self.given.setdefault(record["username"].casefold(), row)

    def _new(self, records: list[tuple[int, dict]], by_row: dict[int, MappedPatron]) -> None:
        twins = {p.row: p.message for p in import_rules.case_twins(self.db, records)}
        # A new patron's barcode is their username unless someone has it, or an updated
        # patron of this roster is given it (those rows name it; they are not new).
        updated = [(0, e.record) for e in self.entries if e.record.get("username")]
        import_rules.default_usernames(self.db, records + updated)
        for row, record in records:
            m = by_row[row]
            name = name_of(record["last_name"], record["first_name"])
            why = twins.get(row) or self._row_rules(row, record, None)
            if why:
                self.fates.append(
                    Fate(
                        "skipped", record["barcode"], name, f"row problem: {why}", m.sourced_id, row
                    )
                )
                continue
            self._give(row, record)
            changes = tuple(
                (_label(f), None, _shown(record, f))
                for f in record
                if f not in ("barcode",) and record[f] not in (None, "", ())
            )
            why = "new patron" + (
                " on the Union Site (their school is no site here)" if m.to_union_site else ""
            )
            self.fates.append(
                Fate("new", record["barcode"], name, why, m.sourced_id, row, None, changes)
            )
            self.entries.append(Entry(None, record, f"roster row {row}"))

    # -- those who left -----------------------------------------------------------------------
    def _transfers(self) -> None:
        left = [
            p
            for p in self.patrons.values()
            if p["id"] not in self.accounted and p["status"] == Status.ACTIVE
        ]
        left.sort(key=lambda p: p["barcode"])
        self.others: dict[str, int] = {}
        transfers: dict[str, int] = {}
        for old in left:
            site = old["site"]
            if site not in self.sites:
                self.others[site or ""] = self.others.get(site or "", 0) + 1
                continue
            name = name_of(old["last_name"], old["first_name"])
            if why := self._protected(old):
                self.fates.append(
                    Fate(
                        "skipped",
                        old["barcode"],
                        name,
                        f"{why}; {NOT_IN_ROSTER}, not transferred",
                        old["roster_id"] or "",
                        None,
                        old["id"],
                    )
                )
                continue
            transfers[site] = transfers.get(site, 0) + 1
            self.fates.append(
                Fate(
                    "transferred",
                    old["barcode"],
                    name,
                    f"{NOT_IN_ROSTER}: status Active → Transferred",
                    old["roster_id"] or "",
                    None,
                    old["id"],
                    ((_label("status"), Status.ACTIVE.value, Status.TRANSFERRED.value),),
                )
            )
            record = {"barcode": old["barcode"], "status": Status.TRANSFERRED.value}
            self.entries.append(Entry(old, record, NOT_IN_ROSTER, f"transferred: {NOT_IN_ROSTER}"))
        active: dict[str, int] = {}
        for p in self.patrons.values():
            if p["status"] == Status.ACTIVE and p["site"] in transfers:
                active[p["site"]] = active.get(p["site"], 0) + 1
        share = self.mapping.transfer_guard_percent
        self.guarded = [
            GuardedSite(site, active[site], n)
            for site, n in sorted(transfers.items())
            if n * 100 > share * active[site]
        ]


# A roster sets a patron's first email address and keeps the others after it: the preview
# says the first.
def _shown(record: dict, field_name: str) -> Any:
    if field_name == "emails":
        value = record.get("emails")
        return value[0] if value else None
    return shown_value(record, field_name)


def _label(field_name: str) -> str:
    return "First email" if field_name == "emails" else field_label(field_name)
