"""``run`` flags generated from the models, and the exits for bad input, login, permission."""

from __future__ import annotations

import io
import sqlite3
import sys

import pytest

from store.catalog import CATALOG
from store.selection import Selection

from .commands import (
    AIDE,
    AIDE_PASSWORD,
    argv_for,
    assert_agrees,
    count,
    dump,
    json_rows,
    operations,
    store_plan,
)

# -- flags generated from the models --------------------------------------------------------


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.key)
def test_help_lists_a_flag_for_every_option_and_offered_criterion(cli, entry):
    result = cli("run", entry.key, "--help")
    assert result.code == 0
    text = result.out
    for name, field in entry.Options.model_fields.items():
        flag = "--" + name.replace("_", "-")
        assert flag in text, f"{flag} missing from run {entry.key} --help"
        if field.annotation is bool:
            assert "--no-" + name.replace("_", "-") in text
    for name in Selection.model_fields:
        flag = "--" + name.replace("_", "-")
        if name in entry.criteria():
            assert flag in text, f"{flag} missing from run {entry.key} --help"
        elif name.startswith("balance"):
            assert flag not in text, f"{entry.key} does not offer {flag}"
    for common in ("--yes", "--format", "--preset", "--barcodes-file", "--operator", "--db"):
        assert common in text


def test_reassign_union_site_does_not_offer_the_site_criterion(cli):
    assert "--sites" not in cli("run", "reassign-union-site", "--help").out
    assert "--sites" in cli("run", "move-to-site", "--help").out


@pytest.mark.parametrize(
    "key, selection, options, name",
    [
        ("remove-patrons", {"grades": ["Graduated"]}, {}, "force"),
        (
            "reset-accounts",
            {"barcode_from": "20260001", "barcode_to": "20260060"},
            {"username": "First Name + Last Name"},
            "use_nickname",
        ),
    ],
    ids=["remove-patrons --force", "reset-accounts --use-nickname"],
)
def test_a_boolean_is_x_and_no_x(cli, db, key, selection, options, name):
    flag = "--" + name.replace("_", "-")
    base = [*argv_for(selection), *argv_for(options), "--format", "json"]
    on = cli("run", key, *base, flag)
    off = cli("run", key, *base, "--no-" + flag[2:])
    default = cli("run", key, *base)
    assert (on.code, off.code, default.code) == (0, 0, 0), on.err + off.err + default.err
    assert_agrees(on.json(), store_plan(db, key, selection, {**options, name: True}))
    assert_agrees(off.json(), store_plan(db, key, selection, {**options, name: False}))
    assert off.json() == default.json()  # the model's default is off
    assert json_rows(on.json()) != json_rows(off.json()), "the case should show the flag matters"


def test_a_list_field_repeats(cli, db):
    result = cli(
        "run",
        "change-status",
        "--grades",
        "12",
        "--grades",
        "11",
        "--status",
        "Inactive",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    expected = store_plan(db, "change-status", {"grades": ["12", "11"]}, {"status": "Inactive"})
    assert_agrees(result.json(), expected)
    both = count(db, "SELECT count(*) FROM patrons WHERE grade IN ('11', '12')")
    only_12 = count(db, "SELECT count(*) FROM patrons WHERE grade = '12'")
    assert result.json()["matched"] == both > only_12


def test_choices_and_fixed_values_are_matched_in_any_case(cli, db):
    result = cli(
        "run",
        "change-status",
        "--grades",
        "graduated",
        "--statuses",
        "active",
        "--status",
        "inactive",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    assert_agrees(
        result.json(),
        store_plan(
            db,
            "change-status",
            {"grades": ["Graduated"], "statuses": ["Active"]},
            {"status": "Inactive"},
        ),
    )


# (utility, flags, the flag the message must name, what it must say is allowed)
BAD = [
    (
        "change-status",
        ["--status", "Inactive", "--grades", "12", "--grades", "13"],
        "--grades",
        ["'13'", "allowed", "Graduated"],
    ),
    (
        "change-status",
        ["--status", "Inactive", "--graduation-from", "2026-13-01"],
        "--graduation-from",
        ["MM/DD/YYYY", "YYYY-MM-DD", "today"],
    ),
    (
        "change-status",
        ["--status", "Inactive", "--expiration-to", "next tuesday"],
        "--expiration-to",
        ["MM/DD/YYYY"],
    ),
    ("change-status", ["--status", "Retired"], "--status", ["'Retired'", "Inactive", "Active"]),
    (
        "change-status",
        ["--status", "Inactive", "--statuses", "Retired"],
        "--statuses",
        ["Inactive"],
    ),
    (
        "change-status",
        [
            "--status",
            "Inactive",
            "--expiration-from",
            "2026-06-01",
            "--expiration-to",
            "01/01/2026",
        ],
        "--expiration-to",
        ["before the start"],
    ),
    (
        "change-status",
        ["--status", "Inactive", "--barcode-from", "20260100", "--barcode-to", "20260001"],
        "--barcode-to",
        ["before the start"],
    ),
    ("change-status", [], "--status", ["a value is required", "Inactive"]),
    (
        "forgive-charges",
        ["--category", "Lost Fees Only", "--balance-to", "ten dollars"],
        "--balance-to",
        ["not an amount", "0.99"],
    ),
    (
        "forgive-charges",
        ["--category", "Lost Fees Only", "--balance-from", "5", "--balance-to", "1"],
        "--balance-to",
        ["before the start"],
    ),
    ("forgive-charges", ["--category", "Some"], "--category", ["Lost Fees Only"]),
    (
        "forgive-charges",
        [
            "--category",
            "Lost Fees Only",
            "--transaction-from",
            "06/01/2026",
            "--transaction-to",
            "05/01/2026",
        ],
        "--transaction-to",
        ["before the start"],
    ),
    ("change-grade", ["--grade", "13"], "--grade (", ["allowed", "Graduated"]),
    ("move-to-site", ["--site", "UNION"], "--site", ["ELM", "HIGH"]),
    ("change-policy", ["--policy", "Gold"], "--policy", ["Staff", "Community"]),
    ("change-security-group", ["--group", "Wizards"], "--group", ["Student"]),
    ("add-notes", ["--note-type", "General", "--note", "x" * 501], "--note (", ["500"]),
    ("add-notes", ["--note-type", "Gossip", "--note", "hi"], "--note-type", ["General", "Alert"]),
    ("reset-accounts", ["--barcodes", "20260001"], "--username", ["No Change"]),
]


@pytest.mark.parametrize(
    "key, argv, flag, allowed",
    BAD,
    ids=[f"{k} {f.strip(' (')}-{n}" for n, (k, _, f, _) in enumerate(BAD)],
)
def test_a_bad_value_exits_2_naming_the_flag_and_what_is_allowed(cli, db, key, argv, flag, allowed):
    before = dump(db)
    result = cli("run", key, *argv, "--yes")
    assert result.code == 2, result.out + result.err
    assert flag in result.err
    for text in allowed:
        assert text in result.err, f"{text!r} not in {result.err!r}"
    assert "nothing was written" in result.err
    assert result.out == ""
    assert dump(db) == before


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["change-status", "--status", "Inactive", "--balance-to", "1"], "--balance-to"),
        (["change-status", "--status", "Inactive", "--format", "xml"], "--format"),
        (["change-status", "--status", "Inactive", "--colour", "red"], "--colour"),
    ],
    ids=["not-offered-criterion", "bad-format", "unknown-flag"],
)
def test_argparse_refusals_exit_2_naming_the_flag(cli, db, argv, flag):
    before = dump(db)
    result = cli("run", *argv, "--yes")
    assert result.code == 2
    assert flag in result.err
    assert dump(db) == before


def test_an_unknown_utility_exits_2(cli, db):
    result = cli("run", "remove-everything", "--yes")
    assert result.code == 2
    assert "remove-everything" in result.err and "patron-utils list" in result.err
    assert operations(db) == 0


def test_a_missing_operator_exits_2_naming_operator(cli, db, monkeypatch):
    monkeypatch.delenv("PATRON_UTILS_OPERATOR")
    before = dump(db)
    result = cli("run", "change-status", "--status", "Inactive", "--yes")
    assert result.code == 2
    assert "--operator" in result.err and "PATRON_UTILS_OPERATOR" in result.err
    assert dump(db) == before


def test_the_operator_flag_overrides_the_environment(cli, db, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "nobody")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    result = cli(
        "run", "change-status", "--status", "Inactive", "--operator", AIDE, "--format", "json"
    )
    assert result.code == 0, result.err


def test_a_wrong_password_exits_3(cli, db, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "not-the-password")
    before = dump(db, skip=("login_failures",))
    result = cli("run", "change-status", "--status", "Inactive", "--yes")
    assert result.code == 3
    assert "wrong password" in result.err
    assert result.out == ""
    assert dump(db, skip=("login_failures",)) == before  # only the failure is counted


def test_no_password_and_no_terminal_exits_3(cli, db, monkeypatch):
    monkeypatch.delenv("PATRON_UTILS_PASSWORD")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    result = cli("run", "change-status", "--status", "Inactive", "--yes")
    assert result.code == 3
    assert "PATRON_UTILS_PASSWORD" in result.err
    assert operations(db) == 0


def test_an_aide_may_not_remove_patrons_exit_3(cli, db, monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", AIDE)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", AIDE_PASSWORD)
    before = dump(db)
    result = cli("run", "remove-patrons", "--grades", "Graduated", "--yes")
    assert result.code == 3
    assert "aide" in result.err and "Patrons: Remove" in result.err
    assert dump(db) == before
    # …though the aide may run the everyday utilities.
    assert cli("run", "change-status", "--status", "Inactive", "--format", "json").code == 0


def test_a_preference_that_rules_a_utility_out_exits_3(cli, db):
    conn = sqlite3.connect(db)
    conn.execute("UPDATE preferences SET value = '1' WHERE key = 'disable_account_expiration'")
    conn.commit()
    conn.close()
    before = dump(db)
    for extra in ([], ["--yes"]):
        result = cli("run", "renew-accounts", *extra)
        assert result.code == 3
        assert "Renew Patron Accounts cannot run" in result.err
    assert dump(db) == before


def test_a_missing_database_exits_2_and_is_not_created(cli, tmp_path):
    path = tmp_path / "typo.db"
    result = cli("run", "change-status", "--status", "Inactive", "--db", path)
    assert result.code == 2 and "--db" in result.err
    assert not path.exists()
