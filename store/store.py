"""The Store: one open patron database and everything the screens and CLI ask of it.

One connection, used from worker threads one call at a time (the lock), so
the plan's temporary table stays on the connection that made it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from typing import Any

from . import apply as _apply
from . import authority, grade_journal, security
from . import choices as _choices
from . import plan as _plan
from . import preferences as _preferences
from .catalog import PICKER, RUNNABLE, get
from .database import BUSY, Busy, connect, share_with_group
from .fields import field_title
from .plan import Plan, PlanRow
from .preferences import Unavailable
from .security import Operator
from .selection import OPT_IN, Selection
from .store_files import PatronFilesMixin
from .store_journal import JournalMixin
from .store_keys import OperatorKeysMixin
from .store_patron_passwords import PatronPasswordsMixin
from .store_patrons import PatronViewMixin
from .store_roster import RosterMappingMixin
from .store_runs import SavedRunsMixin
from .utilities.base import Entry, Utility
from .validation import Invalid, Problem, StoreModel, validate

# How an operation was made, as the journal records it (Store's ``via``).
TERMINAL = "terminal"  # the app, on the computer the database is on
COMMAND_LINE = "command line"  # patron-utils COMMAND, from a script or cron


class Store(
    JournalMixin,
    OperatorKeysMixin,
    SavedRunsMixin,
    PatronFilesMixin,
    PatronViewMixin,
    RosterMappingMixin,
    PatronPasswordsMixin,
):
    """An open patron database. Every public method is safe to call from any thread.

    Its journal — operations, their reports, undo (store/store_journal.py) — its operators'
    SSH keys (store/store_keys.py), saved runs (store/store_runs.py), patron
    files (store/store_files.py), one patron's record (store/store_patrons.py), the roster
    mapping (store/store_roster.py) and patrons' own passwords (store/store_patron_passwords.py)
    are mixins; the rest is here."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        group: bool = False,
        create: bool = False,
        via: str = TERMINAL,
        server_files: bool = True,
    ):
        """Open the Patron Utilities database at ``path`` (NotADatabase if it is not one);
        with ``create`` a missing one is made, the owner's alone (0600), or with ``group``
        its group's too (0660), as is one whose preferences say so.

        ``via`` is how every operation this Store writes was made, as the journal records
        it: "terminal" (the app on this computer), "command line", "ssh from 203.0.113.5".

        Without ``server_files`` (a session over SSH) nothing reads or writes a file of this
        computer on the operator's word: a barcode list naming a file is refused, and so is
        writing a report — the files are the service account's, not the operator's."""
        self.path = os.fspath(path)
        self.via = via
        self.server_files = server_files
        self.db = connect(path, group, create)
        self.lock = threading.RLock()
        if os.fspath(path) != ":memory:" and _preferences.is_on(
            self.preferences(), "share_with_group"
        ):
            # OSError: not the file's owner; the owner set it when saving the preference
            with contextlib.suppress(OSError):
                share_with_group(path)

    def close(self) -> None:
        with self.lock:
            self.db.conn.close()

    # -- what forms offer -------------------------------------------------
    @property
    def catalog(self) -> list[Entry]:
        """What the picker lists: the manual's utilities and Sync from Roster."""
        return PICKER

    def utility(self, key: str) -> Utility:
        return get(key)

    def choice_labels(self, kind: str) -> list[tuple[str, str]]:
        """(value, label) pairs a form offers for a database choice field."""
        with self.lock:
            return _choices.labels(self.db, kind)

    def choices(self, kind: str) -> list[str]:
        return [value for value, _ in self.choice_labels(kind)]

    def login(self, username: str, password: str) -> Operator:
        """An Operator for good credentials; LoginFailed (one message for all causes) otherwise,
        PasswordChangeRequired when the password was reset, Busy (nothing checked) when the
        database is too busy to count the attempt."""
        with self.lock:
            return security.login(self.db, username, password)

    def change_password(self, username: str, old_password: str, new_password: str) -> Operator:
        """Set an operator's new password, proving the current one; returns them logged in.
        Invalid (field new_password) says what a password needs; LoginFailed as login."""
        with self.lock:
            return security.change_password(self.db, username, old_password, new_password)

    def unavailable(self, entry: Entry, operator: Operator) -> str | None:
        """Why ``operator`` cannot run ``entry`` now, or None when they can."""
        missing = operator.missing(entry.permissions)
        if missing:
            return "needs the permission " + " and ".join(f"'{p}'" for p in missing)
        if entry.reads_server_files and not self.server_files:
            return (
                "it reads the roster from a file of the server, which a session over SSH "
                "may not read: run patron-utils sync oneroster on the server"
            )
        return entry.unavailable(self.preferences())

    def data_version(self) -> int:
        """A number that moves whenever another connection (another technician's session,
        the CLI) commits: screens compare it to re-read what they show only when needed."""
        with self.lock:
            return self.db.execute("PRAGMA data_version").fetchone()[0]

    # -- preferences and terminology ----------------------------------------
    def preferences(self) -> dict[str, str]:
        with self.lock:
            return _preferences.read(self.db)

    def library_preferences(self) -> _preferences.LibraryPreferences:
        with self.lock:
            return _preferences.current(self.db)

    def save_preferences(
        self, data: dict[str, Any], operator: Operator, read: dict[str, Any] | None = None
    ) -> None:
        """Validate and store the Preferences screen's values (Invalid names the field).

        ``read`` is what the screen showed when it was opened: a preference another
        technician has saved since is not overwritten unseen (Invalid names it)."""
        prefs = validate(_preferences.LibraryPreferences, data, None)
        with (
            self.lock,
            authority.writing(self.db, operator, (security.PREFERENCES,), "change Preferences"),
        ):
            if read is not None:
                _preferences.check_unchanged(self.db, read)
            _preferences.save(self.db, prefs)
            self._file_mode(prefs.share_with_group)

    def _file_mode(self, group: bool) -> None:
        """The database file's mode as the preference says (only its owner can change it)."""
        if os.fspath(self.path) == ":memory:":
            return
        try:
            if group:
                share_with_group(self.path)
            else:
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(os.fspath(self.path) + suffix):
                        os.chmod(os.fspath(self.path) + suffix, 0o600)
        except OSError as exc:
            raise Invalid(
                [
                    Problem(
                        "share_with_group",
                        "Database file readable by its group",
                        f"only the file's owner can change who may open it ({exc.strerror})",
                    )
                ]
            ) from None

    def grades(self) -> list[dict]:
        with self.lock:
            return _preferences.grades(self.db)

    def edit_grades(self, operator: Operator, action: str, *args) -> int:
        """add / rename / remove / move / set_last on the grade table (Invalid says why not);
        each edit is an operation of the journal, undoable. Returns its id."""
        with (
            self.lock,
            authority.writing(self.db, operator, (security.PREFERENCES,), "change Preferences"),
        ):
            return grade_journal.edit(self.db, operator, action, *args, via=self.via)

    def is_demo(self) -> bool:
        with self.lock:
            row = self.db.execute("SELECT value FROM preferences WHERE key = 'demo'").fetchone()
        return bool(row and row[0] == "1")

    def patron_count(self) -> int:
        with self.lock:
            return self.db["patrons"].count

    # -- validate, plan, apply --------------------------------------------
    def validate_selection(self, data: dict[str, Any], key: str | None = None) -> Selection:
        """A Selection from form or CLI values; raises Invalid naming each bad field.

        With a utility's key, a criterion only some utilities offer (Patron Balance) is
        refused when this one does not.
        """
        if key is not None:
            get(key).refuse_criteria(data)  # before reading them: a utility with none
        selection = validate(Selection, data, self.choices, self.server_files)
        if key is not None:
            utility = get(key)
            problems = [
                Problem(
                    name, field_title(Selection, name), f"is not a selection {utility.title} offers"
                )
                for name in OPT_IN
                if getattr(selection, name) and name not in utility.extra_criteria
            ]
            if problems:
                raise Invalid(problems)
        return selection

    def validate_options(
        self, key: str, data: dict[str, Any], operator: Operator | None = None
    ) -> StoreModel:
        """Options from form or CLI values; with an operator, also the rules that depend on them."""
        utility = get(key)
        options = validate(utility.Options, data, self.choices)
        if operator is not None:
            with self.lock:
                utility.check(self.db, options, operator)
        return options

    def plan(
        self, key: str, selection: Selection | dict, options: StoreModel | dict, operator: Operator
    ) -> Plan:
        """Compute the plan for a utility; inputs are validated against the database first.

        Raises NotPermitted when the operator's security group does not allow it.
        """
        utility, sel, opts = self._planned(key, selection, options, operator)
        with self.lock:
            return Plan(self.db, utility, sel, opts, operator)

    def first_rows(
        self,
        key: str,
        selection: Selection | dict,
        options: StoreModel | dict,
        operator: Operator,
        limit: int,
    ) -> list[PlanRow]:
        """The first ``limit`` rows the plan will hold, quickly (for the preview's first
        page while the whole plan is counted); same checks and refusals as ``plan``."""
        utility, sel, opts = self._planned(key, selection, options, operator)
        with self.lock:
            return _plan.first_rows(self.db, utility, sel, opts, operator, limit)

    def _planned(
        self, key: str, selection: Selection | dict, options: StoreModel | dict, operator: Operator
    ) -> tuple[Utility, Selection, StoreModel]:
        utility = get(key)
        if utility not in RUNNABLE:
            raise KeyError(f"{utility.title} is not planned: it has a command of its own")
        with self.lock:
            authority.authorize(self.db, operator, utility.permissions, f"run {utility.title}")
        reason = utility.unavailable(self.preferences())
        if reason:
            raise Unavailable(f"{utility.title} cannot run: {reason}")
        sel = self.validate_selection(_as_dict(selection), key)
        opts = self.validate_options(key, _as_dict(options), operator)
        return utility, sel, opts

    def page(self, plan: Plan, offset: int, limit: int):
        with self.lock:
            return plan.page(offset, limit)

    def toggle_excluded(self, plan: Plan, seq: int) -> bool:
        """Take the patron at ``seq`` out of the run or put them back; True when now out."""
        with self.lock:
            return plan.toggle_excluded(seq)

    def discard(self, plan: Plan) -> None:
        with self.lock:
            plan.discard()

    def apply(self, plan: Plan, progress=None, stage=None, cancel=None) -> _apply.Report:
        """Apply a plan as previewed (raises Stale, Busy or Cancelled having written nothing)."""
        with self.lock:
            report = _apply.apply(self.db, plan, progress, stage, cancel, via=self.via)
            plan.discard()
            return report

    def send_mail(self, config, operator: Operator):
        """Deliver the outbox (mail.send_outbox): an operator who may run the utilities, and
        Patron Passwords: Edit when password-reset links are queued (sending one mints it)."""
        from . import mail

        with self.lock:
            resets = self.db.execute(
                "SELECT 1 FROM outbox WHERE sent IS NULL AND kind = 'password-reset' LIMIT 1"
            ).fetchone()
            needed = (security.UTILITIES, security.PASSWORDS) if resets else (security.UTILITIES,)
            authority.authorize(self.db, operator, needed, "send the queued mail")
            try:
                return mail.send_outbox(self.db, config)
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise Busy(f"{BUSY}; messages not yet sent stay queued") from exc
                raise


def _as_dict(model: StoreModel | dict) -> dict[str, Any]:
    return model if isinstance(model, dict) else model.model_dump(mode="json")
