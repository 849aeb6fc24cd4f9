"""Dates as technicians type them (store/dates.py), resolved against the fixed today."""

from __future__ import annotations

import datetime as dt

import pytest

from store import clock
from store.dates import ACCEPTED, add_months, parse_date, show

D = dt.date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("06/01/2026", D(2026, 6, 1)),
        ("6/1/2026", D(2026, 6, 1)),
        ("12/31/1999", D(1999, 12, 31)),
        ("02/29/2024", D(2024, 2, 29)),
        ("2026-06-01", D(2026, 6, 1)),
        ("1999-12-31", D(1999, 12, 31)),
        ("  2026-01-15  ", D(2026, 1, 15)),
    ],
)
def test_absolute_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("today", D(2026, 6, 1)),
        ("TODAY", D(2026, 6, 1)),
        ("Today", D(2026, 6, 1)),
        ("today-30d", D(2026, 5, 2)),
        ("today - 30d", D(2026, 5, 2)),
        ("today+1d", D(2026, 6, 2)),
        ("-1d", D(2026, 5, 31)),
        ("+0d", D(2026, 6, 1)),
        ("-1y", D(2025, 6, 1)),
        ("today-1y", D(2025, 6, 1)),
        ("+1y", D(2027, 6, 1)),
        ("+2w", D(2026, 6, 15)),
        ("-2w", D(2026, 5, 18)),
        ("-6m", D(2025, 12, 1)),
        ("+6m", D(2026, 12, 1)),
        ("+7m", D(2027, 1, 1)),
        ("today+365d", D(2027, 6, 1)),
    ],
)
def test_relative_dates_use_the_fixed_today(text, expected):
    assert parse_date(text) == expected


def test_relative_dates_follow_the_clock():
    clock.fix_today(D(2030, 3, 15))
    assert parse_date("today") == D(2030, 3, 15)
    assert parse_date("-1d") == D(2030, 3, 14)


def test_explicit_today_argument_wins_over_the_clock():
    assert parse_date("today", today=D(2001, 1, 1)) == D(2001, 1, 1)
    assert parse_date("+1m", today=D(2001, 1, 1)) == D(2001, 2, 1)
    # Absolute dates ignore the base.
    assert parse_date("2026-06-01", today=D(2001, 1, 1)) == D(2026, 6, 1)


@pytest.mark.parametrize(
    "base, text, expected",
    [
        (D(2026, 1, 31), "+1m", D(2026, 2, 28)),  # month-end clamping
        (D(2024, 1, 31), "+1m", D(2024, 2, 29)),  # … to a leap February
        (D(2026, 3, 31), "-1m", D(2026, 2, 28)),
        (D(2026, 5, 31), "+1m", D(2026, 6, 30)),
        (D(2026, 12, 31), "+2m", D(2027, 2, 28)),
        (D(2024, 2, 29), "-1y", D(2023, 2, 28)),  # leap day back a year
        (D(2024, 2, 29), "+4y", D(2028, 2, 29)),  # … to another leap year
        (D(2024, 2, 29), "+1y", D(2025, 2, 28)),
    ],
)
def test_month_and_year_arithmetic_clamps_to_month_end(base, text, expected):
    assert parse_date(text, today=base) == expected


def test_add_months_crosses_years_both_ways():
    assert add_months(D(2026, 1, 15), -1) == D(2025, 12, 15)
    assert add_months(D(2026, 1, 15), -13) == D(2024, 12, 15)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert add_months(D(2026, 6, 1), 0) == D(2026, 6, 1)


@pytest.mark.parametrize(
    "text",
    [
        "13/01/2026",  # no month 13
        "2026-02-30",  # no February 30
        "02/30/2026",
        "2026-13-01",
        "00/10/2026",
        "2025-02-29",  # not a leap year
        "yesterday",
        "",
        "   ",
        "today-",
        "today-d",
        "-1",
        "1y",  # a relative date needs a sign
        "today-30x",
        "+2 weeks",
        "2026/06/01",
        "06-01-2026",
        "2026-6-1",
        "6/1/26",
        "today today",
    ],
)
def test_bad_dates_raise_value_error_listing_what_is_accepted(text):
    with pytest.raises(ValueError) as info:
        parse_date(text)
    message = str(info.value)
    assert ACCEPTED in message
    for form in ("MM/DD/YYYY", "YYYY-MM-DD", "today", "today-30d", "-1y", "+2w", "-6m"):
        assert form in message


def test_bad_date_message_quotes_the_input():
    with pytest.raises(ValueError, match="'13/01/2026' is not a real date"):
        parse_date("13/01/2026")
    with pytest.raises(ValueError, match="'yesterday' is not a date"):
        parse_date("yesterday")


def test_bad_date_is_not_some_other_exception_type():
    # OverflowError etc. must not leak: the form shows the message next to the field.
    with pytest.raises(ValueError):
        parse_date("-9999y")
    with pytest.raises(ValueError):
        parse_date("today+9999w", today=D(9999, 12, 1))


@pytest.mark.parametrize(
    "iso, shown",
    [
        ("2026-06-01", "06/01/2026"),
        ("1999-12-31", "12/31/1999"),
        ("2026-06-01 13:45:00", "06/01/2026"),
        (None, "(none)"),
        ("", "(none)"),
    ],
)
def test_show_formats_iso_dates_as_typed(iso, shown):
    assert show(iso) == shown


def test_show_round_trips_through_parse():
    for iso in ("2026-06-01", "2024-02-29", "2000-01-01"):
        assert parse_date(show(iso)).isoformat() == iso


@pytest.mark.parametrize("text", ["+9999y", "-99999y", "today-99999999999d"])
def test_dates_beyond_the_calendar_say_so(text):
    with pytest.raises(ValueError, match="too far in the past or future"):
        parse_date(text)
