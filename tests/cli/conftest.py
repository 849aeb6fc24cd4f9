"""Fixtures of the command-line tests: a demo per module, a fresh copy of it that the CLI
finds in the environment, and ``cli``, running ``patron-utils ARGV…`` in-process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from patron_utils import main
from store import clock
from store.demo import create_demo

from ..databases import copy_db
from ..operators import CHEAP
from .commands import AIDE, AIDE_PASSWORD, OPERATOR, PASSWORD, TODAY, Result


@pytest.fixture(autouse=True)
def cheap_logins(fast):
    """Every CLI test logs in at no cost (tests/conftest.py's ``fast``): no test here is about
    what a password costs to check or the pause after a wrong one."""


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One demo database per module (150 patrons, seed 3), made with today fixed. The demo
    operators keep their passwords, hashed at a cheap cost so each login is quick."""
    clock.fix_today(TODAY)
    try:
        path = create_demo(tmp_path_factory.mktemp("template") / "demo.db", patrons=150, seed=3)
    finally:
        clock.fix_today(None)
    conn = sqlite3.connect(path)
    for username, password in ((OPERATOR, PASSWORD), (AIDE, AIDE_PASSWORD)):
        conn.execute(
            "UPDATE patrons SET password_hash = ? WHERE username = ?",
            [CHEAP.hash(password), username],
        )
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def db(template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the demo; the CLI finds it, and the demo operator, in the environment."""
    path = copy_db(template, tmp_path / "a.db")
    monkeypatch.setenv("PATRON_UTILS_DB", str(path))
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", OPERATOR)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", PASSWORD)
    return path


@pytest.fixture
def twin(template, tmp_path) -> Path:
    """A second copy of the same demo, for the Store to apply the same plan to."""
    return copy_db(template, tmp_path / "b.db")


@pytest.fixture
def cli(capsys):
    """Run ``patron-utils ARGV…`` in-process; argparse's SystemExit becomes the status."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
