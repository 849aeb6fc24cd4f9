"""Dates as technicians type them: MM/DD/YYYY, ISO, or relative to today."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from . import clock

ACCEPTED = "MM/DD/YYYY, YYYY-MM-DD, today, or a relative date such as today-30d, -1y, +2w, -6m"

_RELATIVE = re.compile(r"^(?:today)?\s*(?:([+-])\s*(\d{1,12})\s*([dwmy]))?$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def add_months(day: dt.date, months: int) -> dt.date:
    """Shift by whole months, clamping to the month's last day (Jan 31 + 1m = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def parse_date(text: str, today: dt.date | None = None) -> dt.date:
    """Parse a date as typed; raises ValueError with what is accepted."""
    raw = text.strip().lower()
    base = today or clock.today()
    try:
        if m := _US.match(raw):
            return dt.date(int(m[3]), int(m[1]), int(m[2]))
        if m := _ISO.match(raw):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = _RELATIVE.match(raw)
        if m and raw and (raw.startswith("today") or m[1]):
            if not m[1]:
                return base
            amount = int(m[2]) * (1 if m[1] == "+" else -1)
            unit = m[3]
            if unit == "d":
                return base + dt.timedelta(days=amount)
            if unit == "w":
                return base + dt.timedelta(weeks=amount)
            if unit == "m":
                return add_months(base, amount)
            return add_months(base, 12 * amount)
    except OverflowError:
        raise ValueError(f"{text.strip()!r} is too far in the past or future") from None
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a real date; use {ACCEPTED}") from None
    raise ValueError(f"{text.strip()!r} is not a date; use {ACCEPTED}")


def show(iso: str | None) -> str:
    """An ISO date from the database as MM/DD/YYYY, or '(none)'."""
    if not iso:
        return "(none)"
    day = dt.date.fromisoformat(iso[:10])
    return day.strftime("%m/%d/%Y")
