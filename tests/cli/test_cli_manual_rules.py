"""The vendor manual's rules as ``patron-utils run`` shows and applies them: Renew never
shortens an account, Forgive Charges never goes below zero, Reset Patron Accounts takes a
username given up in the same run, Reassign Union Site reports listed patrons of other sites."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .commands import count


def sql(path: Path, statement: str, *params) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(statement, params).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def lines(result) -> dict[str, tuple]:
    assert result.code == 0, result.err
    return {
        p["barcode"]: (p["outcome"], p["reason"], p["before"], p["after"])
        for p in result.json()["patrons"]
    }


def a_patron(path: Path, where: str) -> str:
    [(barcode,)] = sql(path, f"SELECT barcode FROM patrons WHERE {where} ORDER BY id LIMIT 1")
    return barcode


def test_renew_leaves_an_account_that_expires_later_as_it_is(cli, db):
    barcode = a_patron(
        db,
        "policy IN (SELECT name FROM policies WHERE account_days BETWEEN 1 AND 1000) "
        "AND security_group IN (SELECT name FROM security_groups WHERE level > 0)",
    )
    [(days,)] = sql(
        db,
        "SELECT account_days FROM policies WHERE name = (SELECT policy FROM patrons "
        "WHERE barcode = ?)",
        barcode,
    )
    [(renewed,)] = sql(db, "SELECT strftime('%m/%d/%Y', date('2026-06-01', ?))", f"+{days} days")
    sql(db, "UPDATE patrons SET expiration_date = '2030-01-01' WHERE barcode = ?", barcode)
    result = cli("run", "renew-accounts", "--barcodes", barcode, "--yes", "--format", "json")
    assert lines(result) == {
        barcode: ("unchanged", f"already expires after {renewed}", "2030-01-01", "2030-01-01")
    }
    assert sql(db, "SELECT expiration_date FROM patrons WHERE barcode = ?", barcode) == [
        ("2030-01-01",)
    ]


def test_forgive_under_a_dollar_stops_at_a_zero_balance(cli, db):
    barcode = a_patron(
        db,
        "id NOT IN (SELECT patron_id FROM charges) AND id NOT IN (SELECT patron_id FROM "
        "checkouts) AND security_group IN (SELECT name FROM security_groups WHERE level > 0)",
    )
    [(pid,)] = sql(db, "SELECT id FROM patrons WHERE barcode = ?", barcode)
    for amount, credit in ((150, 0), (60, 1)):  # $1.50 owed, $0.60 credit: balance $0.90
        sql(
            db,
            "INSERT INTO charges (patron_id, amount, description, transaction_date, is_credit) "
            "VALUES (?, ?, 'Late fee', '2026-05-01', ?)",
            pid,
            amount,
            credit,
        )
    argv = ["--barcodes", barcode, "--balance-from", "0.01", "--balance-to", "0.99"]
    result = cli(
        "run", "forgive-charges", *argv, "--category", "All Charges, Fees, and Fines",
        "--yes", "--format", "json",
    )  # fmt: skip
    assert lines(result) == {
        barcode: (
            "change",
            "1 charge, $0.90 of $1.50 forgiven (up to the balance)",
            90,  # cents
            0,
        )
    }
    assert sql(
        db, "SELECT amount, is_credit FROM charges WHERE patron_id = ? ORDER BY id", pid
    ) == [(60, 0), (60, 1)]


def test_reset_takes_a_username_given_up_in_the_same_run(cli, db):
    [(zoe,), (bea,)] = sql(
        db,
        "SELECT id FROM patrons WHERE security_group IN (SELECT name FROM security_groups "
        "WHERE level > 0) AND first_name <> '' ORDER BY id LIMIT 2",
    )
    sql(db, "UPDATE patrons SET first_name = 'Zoe', last_name = 'Smyth', nickname = '', "
        "username = 'bsmyth' WHERE id = ?", zoe)  # fmt: skip
    sql(db, "UPDATE patrons SET first_name = 'Bea', last_name = 'Smyth', nickname = '', "
        "username = NULL WHERE id = ?", bea)  # fmt: skip
    barcodes = dict(sql(db, "SELECT id, barcode FROM patrons WHERE id IN (?, ?)", zoe, bea))
    result = cli(
        "run", "reset-accounts", "--barcodes", barcodes[zoe], "--barcodes", barcodes[bea],
        "--username", "First Initial + Last Name", "--yes", "--format", "json",
    )  # fmt: skip
    assert lines(result) == {
        barcodes[zoe]: ("change", None, "bsmyth", "zsmyth"),
        barcodes[bea]: ("change", None, None, "bsmyth"),
    }
    assert dict(sql(db, "SELECT id, username FROM patrons WHERE id IN (?, ?)", zoe, bea)) == {
        zoe: "zsmyth",
        bea: "bsmyth",
    }


def test_reassign_union_site_reports_listed_patrons_of_other_sites(cli, db):
    union = a_patron(db, "site IN (SELECT code FROM sites WHERE is_union)")
    other = a_patron(db, "site IN (SELECT code FROM sites WHERE NOT is_union)")
    result = cli(
        "run", "reassign-union-site", "--barcodes", other, "--barcodes", union,
        "--barcodes", "NOSUCH", "--site", "ELM", "--yes", "--format", "json",
    )  # fmt: skip
    outcomes = {b: (o, r) for b, (o, r, _, _) in lines(result).items()}
    assert outcomes == {
        "NOSUCH": ("skip", "not found"),
        other: ("skip", "not on the Union Site"),
        union: ("change", None),
    }
    assert count(db, "SELECT count(*) FROM operation_rows") == 1
