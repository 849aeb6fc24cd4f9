"""Forgive Charges and Remove Patrons by keys: test data, the picker's first match, focus."""
from __future__ import annotations

import sqlite3

from textual.widgets import OptionList

from tui.screens.utility import UtilityScreen

from .tui_helpers import query, settle


def query_write(path, sql: str, *params) -> None:
    """Test data the demo lacks, added before the app opens the database."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def ids(path, sql: str, *params) -> set:
    return {r[0] for r in query(path, sql, *params)}


async def open_first(pilot, phrase: str, title: str) -> None:
    """Type ``phrase`` in the picker's filter; ``title`` must be listed first (the one
    holding the whole phrase), highlighted; Enter opens it."""
    await settle(pilot)
    await pilot.press(*phrase)
    await settle(pilot)
    options = pilot.app.screen.query_one("#utilities", OptionList)
    assert options.highlighted == 0
    assert str(options.get_option_at_index(0).prompt) == title
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, UtilityScreen)
    assert pilot.app.screen.utility.title == title


def focused_id(app) -> str | None:
    return app.focused.id if app.focused is not None else None
