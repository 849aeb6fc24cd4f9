"""``run recompute-due-dates``: its --help from the declaration, the dry run's lines (each
patron's due dates before → after) and --yes writing exactly that, undone by ``undo``."""

from __future__ import annotations

import datetime as dt
import sqlite3

from .commands import count, dump, store_plan

# Grade 9-12 lends for 21 days (store/demo.py); the demo's loans were all due 14 days after.
GRADE_9_12 = (
    "SELECT k.id, k.checked_out, k.due_date, k.fine_per_day, k.max_fine FROM checkouts k "
    "JOIN patrons p ON p.id = k.patron_id WHERE p.policy = 'Grade 9-12' ORDER BY k.id"
)


def loans(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(GRADE_9_12).fetchall()
    finally:
        conn.close()


def test_help_names_the_utility_and_offers_the_selections_only(cli):
    result = cli("run", "recompute-due-dates", "--help")
    assert result.code == 0, result.err
    text = " ".join(result.out.split())
    assert "Recompute Due Dates: Recomputes the due dates and fines of selected patrons'" in text
    assert "--policies" in text and "--grades" in text
    assert "--policy " not in text and "--recompute-due-dates" not in text  # no options
    assert "--balance-from" not in text


def test_a_dry_run_lists_due_dates_before_and_after_and_writes_nothing(cli, db):
    before = dump(db)
    result = cli("run", "recompute-due-dates", "--policies", "Grade 9-12")
    assert result.code == 0, result.err
    assert dump(db) == before
    plan = store_plan(db, "recompute-due-dates", {"policies": ["Grade 9-12"]}, {})
    assert plan.counts.change > 0
    out = loans(db)
    assert f"{len(out)} current loans of the patrons to change will get the loan period" in (
        result.out
    )
    changed = [(b, cur, new) for b, outcome, _, cur, new in plan.rows if outcome == "change"]
    for barcode, current, new in changed:
        assert f"{barcode}\t" in result.out
        assert f"{current} → {new}\tchange" in result.out
    # MM/DD/YYYY, oldest checkout first: the first loan's new date is 7 days on.
    _, current, new = changed[0]
    first_now, first_new = current.split(", ")[0], new.split(", ")[0]
    as_date = lambda us: dt.datetime.strptime(us, "%m/%d/%Y").date()  # noqa: E731
    assert as_date(first_new) - as_date(first_now) == dt.timedelta(days=7)


def test_yes_gives_the_loans_the_policys_period_and_fines_and_undo_puts_them_back(cli, db):
    before = loans(db)
    assert before and all(due != out for _, out, due, _, _ in before)
    done = cli("run", "recompute-due-dates", "--policies", "Grade 9-12", "--yes")
    assert done.code == 0, done.err
    assert "current loans of the changed patrons got the loan period and fines" in done.out
    expected = [
        (cid, out, (dt.date.fromisoformat(out) + dt.timedelta(days=21)).isoformat(), 10, 1000)
        for cid, out, _, _, _ in before
    ]
    assert loans(db) == expected
    assert count(db, "SELECT count(*) FROM operation_rows WHERE table_name = 'checkouts'") == len(
        before
    )
    undone = cli("undo", "1", "--yes")
    assert undone.code == 0, undone.err
    assert loans(db) == before
