"""Patron Utilities' domain: the database, selections, utilities, the journal.

Usable from a Python shell with no terminal; it never imports Textual.
"""

from .apply import AlreadyApplied, Cancelled, Report, Stale
from .authority import SessionEnded
from .database import Busy, NotADatabase, ReadOnly, connect, resolve_path
from .operator_keys import KeyInfo
from .patron_passwords import PatronLogin
from .patron_view import NoSuchPatron, PatronView
from .plan import Counts, Plan, PlanRow
from .security import (
    LoginFailed,
    NotPermitted,
    Operator,
    PasswordChangeRequired,
    ResetRefused,
)
from .selection import Selection, Status, compile_selection
from .store import Store, Unavailable
from .undo import NotUndoable, UndoCheck, UndoReport
from .validation import Invalid, Problem

__all__ = [
    "AlreadyApplied",
    "Busy",
    "Cancelled",
    "Counts",
    "Invalid",
    "KeyInfo",
    "LoginFailed",
    "NotPermitted",
    "NotADatabase",
    "NoSuchPatron",
    "NotUndoable",
    "Operator",
    "PatronLogin",
    "PatronView",
    "ReadOnly",
    "PasswordChangeRequired",
    "Plan",
    "PlanRow",
    "Problem",
    "Report",
    "ResetRefused",
    "Selection",
    "SessionEnded",
    "Stale",
    "Status",
    "Store",
    "Unavailable",
    "UndoCheck",
    "UndoReport",
    "compile_selection",
    "connect",
    "resolve_path",
]
