"""Test databases every layer uses: a fresh copy of the 300-patron demo, copying a database
with its WAL, and reading one back (a query; every row of every table)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from store import clock
from store.demo import create_demo

DEMO_PATRONS = 300

_TEMPLATES: dict[tuple, Path] = {}


def demo_db(tmp_path: Path) -> Path:
    """A fresh copy of the test demo, built once per process and "today" (it hashes two
    operators' passwords: half a second that every TUI test would otherwise pay)."""
    key = (DEMO_PATRONS, 7, clock.today())
    if key not in _TEMPLATES or not _TEMPLATES[key].exists():
        folder = Path(tempfile.mkdtemp(prefix="demo-template-"))
        _TEMPLATES[key] = create_demo(folder / "demo.db", patrons=DEMO_PATRONS, seed=7)
    path = tmp_path / "demo.db"
    shutil.copyfile(_TEMPLATES[key], path)
    return path


def copy_db(source: Path, dest: Path) -> Path:
    """``source`` copied to ``dest``, with its -wal and -shm files where it has them."""
    for suffix in ("", "-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(dest) + suffix)
    return dest


def query(path: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def query_write(path: Path, sql: str, *params) -> None:
    """Test data the demo lacks, added before the app opens the database."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def everything(path: Path) -> dict[str, list]:
    """Every row of every table, ordered by every column (operation_changes has no rowid):
    'nothing was written' compares two of these."""
    out = {}
    for (table,) in query(
        path,
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name",
    ):
        width = len(query(path, f"PRAGMA table_info('{table}')"))
        order = ", ".join(str(n) for n in range(1, width + 1))
        out[table] = query(path, f'SELECT * FROM "{table}" ORDER BY {order}')
    return out
