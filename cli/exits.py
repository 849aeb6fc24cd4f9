"""What every command ends with: its exit status, and the store's refusals as messages.

Exit status: 0 done (or a dry run printed); 2 invalid input; 3 login failed or not
permitted; 4 the database is busy or the preview went stale.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable

from store import (
    Busy,
    Invalid,
    LoginFailed,
    NotADatabase,
    NotPermitted,
    NotUndoable,
    ReadOnly,
    Stale,
    Unavailable,
)

from . import flags

DONE, INVALID, REFUSED, BUSY = 0, 2, 3, 4


class Exit(Exception):
    """Stop with this status after printing ``message`` to stderr."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def fail(status: int, message: str) -> Exit:
    return Exit(status, message)


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (SQLite holds 64 bits)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not allowed; from {low:,} to {high:,}")
        return value

    return parse


def guarded(action: Callable[[], int]) -> int:
    """Run ``action``; the store's refusals become messages and exit statuses."""
    try:
        return action()
    except Exit as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return exc.status
    except Invalid as exc:
        for problem in exc.problems:
            print(f"patron-utils: {flags.problem_text(problem)}", file=sys.stderr)
        print("patron-utils: nothing was written.", file=sys.stderr)
        return INVALID
    except (NotPermitted, Unavailable, NotUndoable, LoginFailed) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return REFUSED
    except (ReadOnly, NotADatabase) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return INVALID
    except sqlite3.DatabaseError as exc:  # a page or table gone: say so, no traceback
        print(
            f"patron-utils: the database could not be read ({exc}); it may be damaged: "
            "nothing was changed (restore it from a backup)",
            file=sys.stderr,
        )
        return INVALID
    except (Busy, Stale) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return BUSY
