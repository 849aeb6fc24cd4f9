"""Fixtures of the SSH service's tests: a demo per module (cheap password hashes, a saved run
of Change Patron Status), a fresh copy per test, and the service running on it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import Store
from store.demo import create_demo

from ..databases import copy_db
from ..operators import CHEAP
from .ssh import Server

OPERATORS = (("demo", "demo-librarian"), ("aide", "demo-aide"))
RUN = "Seniors inactive"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = create_demo(tmp_path_factory.mktemp("serve") / "demo.db", patrons=150, seed=3)
    conn = sqlite3.connect(path)
    for username, password in OPERATORS:
        conn.execute(
            "UPDATE patrons SET password_hash = ? WHERE username = ?",
            [CHEAP.hash(password), username],
        )
    conn.commit()
    conn.close()
    store = Store(path)
    try:
        store.save_run(
            "change-status",
            RUN,
            {"grades": ["12"]},
            {"status": "Inactive"},
            store.login(*OPERATORS[0]),
        )
    finally:
        store.close()
    return path


@pytest.fixture
def db(template, tmp_path) -> Path:
    return copy_db(template, tmp_path / "a.db")


@pytest.fixture
def server(db):
    s = Server(db)
    yield s
    s.stop()
