"""Driving the app in tests: a demo database, opening a utility, filling fields, reading it back."""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Select, SelectionList, Static

from store import clock
from store.demo import create_demo
from tui.app import make_app

from ..operators import ADMIN

DEMO_PATRONS = 300
SIZE = (80, 24)


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


@pytest.fixture
def path(tmp_path):
    return demo_db(tmp_path)


def app_for(path: Path, operator=ADMIN):
    return make_app(path, operator=operator)


def query(path: Path, sql: str, *params):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def everything(path) -> dict[str, list]:
    """Every row of every table, ordered by every column (operation_changes has no rowid):
    'nothing was written' compares two of these."""
    out = {}
    for (table,) in query(path, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        width = len(query(path, f"PRAGMA table_info('{table}')"))
        order = ", ".join(str(n) for n in range(1, width + 1))
        out[table] = query(path, f"SELECT * FROM {table} ORDER BY {order}")
    return out


def rendered(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def settle(pilot) -> None:
    """Wait for the workers; stop cursors blinking so a snapshot never depends on timing."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def open_utility(pilot, filter_text: str) -> None:
    """Type in the picker's filter and press Enter, as a user does."""
    await settle(pilot)
    await pilot.press(*filter_text)
    await pilot.press("enter")
    await settle(pilot)


def fill(pilot, field: str, value) -> None:
    """Set a generated form field the way its widget would after the user's keys."""
    widget = pilot.app.screen.query_one(f"#input-{field}")
    if isinstance(widget, SelectionList):
        widget.deselect_all()
        for v in value:
            widget.select(v)
    elif isinstance(widget, (Select, Checkbox, Input)):
        widget.value = value
    else:  # pragma: no cover - a new widget kind needs a line here
        raise TypeError(widget)


async def fill_all(pilot, **fields) -> None:
    for name, value in fields.items():
        fill(pilot, name, value)
    await pilot.pause()


async def preview(pilot, filter_text: str, selections: dict | None = None,
                  options: dict | None = None) -> None:
    """Open a utility, fill both tabs, press F5 and wait for the preview."""
    await open_utility(pilot, filter_text)
    await fill_all(pilot, **(selections or {}))
    await pilot.press("f3")
    await fill_all(pilot, **(options or {}))
    await pilot.press("f5")
    await settle(pilot)


async def preview_and_apply(pilot) -> None:
    """F5, F9, y: preview, confirm and apply what the forms say."""
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)


def preview_rows(app) -> list:
    """Every plan row the preview table holds, in order (a small demo fits in its first pages)."""
    from tui.widgets.preview_table import PreviewTable

    table = app.screen.query_one(PreviewTable)
    rows = [table.record(i) for i in range(table.total)]
    assert None not in rows, "a row of the preview is not loaded"
    return rows
