"""Patron Utilities' domain: the database, selections, utilities, the journal.

Usable from a Python shell with no terminal; it never imports Textual.
"""
from .apply import AlreadyApplied, Cancelled, Report, Stale
from .database import Busy, connect, resolve_path
from .plan import Counts, Plan, PlanRow
from .security import LoginFailed, NotPermitted, Operator
from .selection import Selection, Status, compile_selection
from .store import Store, Unavailable
from .undo import NotUndoable, UndoReport
from .validation import Invalid, Problem

__all__ = [
    "AlreadyApplied", "Busy", "Cancelled", "Counts", "Invalid", "NotUndoable", "UndoReport", "LoginFailed", "NotPermitted", "Operator",
    "Plan", "PlanRow", "Problem", "Report",
    "Selection", "Stale", "Status", "Store", "Unavailable", "compile_selection", "connect", "resolve_path",
]
