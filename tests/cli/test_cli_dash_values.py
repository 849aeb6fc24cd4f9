"""A value that starts with '-' as its own word: ``--graduation-to -1y`` (as the help offers it)
and ``--balance-from -5.00`` mean what ``--graduation-to=-1y`` does, for every date flag and
amount, at run and export alike; a flag followed by a flag still has no value."""

from __future__ import annotations

import argparse

import pytest

from cli.flags import add_model
from store import Selection

DATE_FLAGS = ["--graduation-from", "--graduation-to", "--expiration-from", "--expiration-to"]


@pytest.mark.parametrize("flag", DATE_FLAGS)
@pytest.mark.parametrize("value", ["-1y", "-6m", "-2w", "-30d"])
def test_a_relative_date_as_its_own_word(cli, db, flag, value):
    joined = cli("run", "remove-patrons", f"{flag}={value}")
    apart = cli("run", "remove-patrons", flag, value)
    assert joined.code == 0, joined.err
    assert apart.code == 0, apart.err
    assert apart.out == joined.out


def test_an_options_date_and_amounts_below_zero_as_their_own_words(cli, db):
    argv = ["--category", "all-charges-fees-and-fines"]
    joined = cli(
        "run",
        "forgive-charges",
        *argv,
        "--transaction-from=-1y",
        "--balance-from=-5.00",
        "--balance-to=-$0.01",
    )
    apart = cli(
        "run",
        "forgive-charges",
        *argv,
        "--transaction-from",
        "-1y",
        "--balance-from",
        "-5.00",
        "--balance-to",
        "-$0.01",
    )
    assert joined.code == 0, joined.err
    assert apart.out == joined.out
    assert "Patron Balance to: -$0.01" in apart.out


def test_export_takes_them_too(cli, db):
    joined = cli("export", "--graduation-from=-1y")
    apart = cli("export", "--graduation-from", "-1y")
    assert joined.code == 0, joined.err
    assert apart.out == joined.out and apart.out.count("\n") > 1


def test_a_flag_followed_by_a_flag_still_has_no_value(cli, db):
    result = cli("run", "remove-patrons", "--graduation-to", "--yes")
    assert result.code == 2 and "--graduation-to: expected one argument" in result.err


def test_the_generated_flags_take_them():
    parser = argparse.ArgumentParser()
    add_model(parser, Selection, "s__", "Selection")
    args = parser.parse_args(["--graduation-to", "-1y", "--balance-from", "-$5"])
    assert (args.s__graduation_to, args.s__balance_from) == ("-1y", "-$5")
