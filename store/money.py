"""Money: amounts are integer cents everywhere; a patron's balance and accruing fines in SQL.

Fines accrue per overdue loan, day by day, at the rate and up to the maximum the loan
was checked out under (its own ``fine_per_day`` and ``max_fine``: a patron's policy changed
since does not change them; Recompute Due Dates does). They are not rows until someone
charges them, so the balance adds what has accrued by today; forgiving one moves the loan's
``fines_from`` to today, which zeroes what had accrued and leaves the loan checked out.
"""

from __future__ import annotations

import re

# Dollars with optional thousands commas (1,250) and at most the cents after a point.
_DIGITS = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?$")
LIMIT = 10**11  # cents: a billion dollars, beyond any patron balance


def parse_amount(text: str) -> int:
    """'$1.00', '1', '.5', '-2.50', '-$3', '1,250.75' → cents; ValueError says what is allowed."""
    raw = text.strip()
    negative = raw.startswith("-")
    raw = raw.removeprefix("-").removeprefix("$")
    if not negative and raw.startswith("-"):  # "$-1.00"
        negative, raw = True, raw[1:]
    if not _DIGITS.match(raw) or not any(ch.isdigit() for ch in raw):
        raise ValueError(f"{text!r} is not an amount: use dollars and cents, e.g. 0.99 or $12.50")
    whole, _, cents = raw.replace(",", "").partition(".")
    if len(cents) > 2:
        raise ValueError(f"{text!r} has more than two decimals: amounts are in whole cents")
    value = int(whole or "0") * 100 + int(cents.ljust(2, "0"))
    if value > LIMIT:
        raise ValueError(f"{text!r} is larger than any balance: at most {format_money(LIMIT)}")
    return -value if negative else value


def format_money(cents: int | None) -> str:
    """1299 → '$12.99'; -100 → '-$1.00' (a credit balance)."""
    if cents is None:
        return "(none)"
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


# Days a loan ``k`` is overdue today (:today), counted from its due date or, once a fine
# was forgiven, from that day.
FINE_START = "max(k.due_date, coalesce(k.fines_from, k.due_date))"
_DAYS = f"max(0, CAST(julianday(:today) - julianday({FINE_START}) AS INTEGER))"
# The fine accrued on loan ``k`` under its own terms, in cents, capped by its maximum.
ACCRUED = (
    f"min({_DAYS} * coalesce(k.fine_per_day, 0), "
    f"coalesce(k.max_fine, {_DAYS} * coalesce(k.fine_per_day, 0)))"
)
# The loans ``k`` whose fines ACCRUED reads (each carries its terms).
LOANS_OF = "checkouts k"

# Outstanding charges minus credits plus fines accruing today, for patron ``p``.
BALANCE = (
    "((SELECT coalesce(sum(CASE WHEN c.is_credit THEN -c.amount ELSE c.amount END), 0) "
    "FROM charges c WHERE c.patron_id = p.id) + "
    f"(SELECT coalesce(sum({ACCRUED}), 0) FROM {LOANS_OF} WHERE k.patron_id = p.id))"
)
