"""The one clock every date computation reads, so tests can fix "today"."""

from __future__ import annotations

import datetime as dt
import os

_fixed: dt.date | None = None


def fix_today(day: dt.date | None) -> None:
    """Fix "today" (tests, snapshots); None returns to the real date."""
    global _fixed
    _fixed = day


def today() -> dt.date:
    """Today's date: a fixed one if set, else PATRON_UTILS_TODAY, else the real date."""
    if _fixed is not None:
        return _fixed
    env = os.environ.get("PATRON_UTILS_TODAY")
    if env:
        return dt.date.fromisoformat(env)
    return dt.date.today()


def now() -> str:
    """A timestamp for the journal; with "today" fixed by a test, a fixed time of day too."""
    if _fixed is not None:
        return dt.datetime.combine(_fixed, dt.time(9, 0)).isoformat(sep=" ")
    real = dt.datetime.now().replace(microsecond=0)
    return dt.datetime.combine(today(), real.time()).isoformat(sep=" ")
