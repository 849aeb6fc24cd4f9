"""Driving the app in tests: opening a utility, filling fields, pressing through the preview and
the confirm, and reading back what the screens show (tests/tui/conftest.py gives the ``path``
of a fresh demo and keeps every cursor from blinking)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Checkbox, DataTable, Input, OptionList, Select, SelectionList, Static

from tui.app import make_app
from tui.screens.confirm import ConfirmScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from ..databases import query
from ..operators import ADMIN

SIZE = (80, 24)
# Today is fixed at 2026-06-01 (conftest), so every journal time is 2026-06-01 09:00:00.
GRADE_12 = "SELECT id, status, modified FROM patrons WHERE grade = '12' ORDER BY id"


def app_for(path: Path, operator=ADMIN):
    return make_app(path, operator=operator)


def ids(path, sql: str, *params) -> set:
    """The first column of the rows, as a set."""
    return {r[0] for r in query(path, sql, *params)}


def rendered(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def focused_id(app) -> str | None:
    return app.focused.id if app.focused is not None else None


def notes(app) -> list[tuple[str, str]]:
    """The notifications on screen now, as (severity, message)."""
    return [(n.severity, n.message) for n in app._notifications]


def table_rows(app, selector: str | type = DataTable) -> list[list[str]]:
    """Every row of a DataTable, or of a patron table (the preview's, the result's) as far
    as its pages are loaded: [barcode, name, before, after, outcome, reason]."""
    table = app.screen.query_one(selector)
    if isinstance(table, PreviewTable):
        loaded = (table.cells(i) for i in range(table.total))
        return [[str(cell) for cell in cells] for cells in loaded if cells is not None]
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def preview_rows(app) -> list:
    """Every plan row the preview table holds, in order (a small demo fits in its first pages)."""
    table = app.screen.query_one(PreviewTable)
    rows = [table.record(i) for i in range(table.total)]
    assert None not in rows, "a row of the preview is not loaded"
    return rows


async def settle(pilot) -> None:
    """Wait for the workers and let the screen catch up (cursors never blink: conftest)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def open_utility(pilot, filter_text: str) -> None:
    """Type in the picker's filter and press Enter, as a user does."""
    await settle(pilot)
    await pilot.press(*filter_text)
    await pilot.press("enter")
    await settle(pilot)


async def open_listed(pilot, phrase: str, title: str, *, alone: bool = False) -> None:
    """Type ``phrase`` in the picker's filter; ``title`` must be listed first (or, ``alone``,
    be all it lists), highlighted; Enter opens it."""
    await settle(pilot)
    await pilot.press(*phrase)
    await settle(pilot)
    options = pilot.app.screen.query_one("#utilities", OptionList)
    listed = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    assert listed == [title] if alone else listed[0] == title, listed
    assert options.highlighted == 0
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, UtilityScreen)
    assert pilot.app.screen.utility.title == title


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


async def preview(
    pilot, filter_text: str, selections: dict | None = None, options: dict | None = None
) -> None:
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


async def apply_change_status(pilot, grade: str, status: str) -> None:
    """From the picker: Change Patron Status for one grade, preview, F9, y → its summary."""
    await preview(pilot, "status", {"grades": [grade]}, {"status": status})
    assert isinstance(pilot.app.screen, UtilityScreen)
    assert pilot.app.screen.utility.key == "change-status"
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await pilot.press("y")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SummaryScreen)
