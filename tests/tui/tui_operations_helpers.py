"""Operations by keys: notifications, tables, applying Change Patron Status."""
from __future__ import annotations

from textual.widgets import DataTable

from tui.screens.confirm import ConfirmScreen
from tui.screens.summary import SummaryScreen
from tui.screens.utility import UtilityScreen
from tui.widgets.preview_table import PreviewTable

from .tui_helpers import preview, settle

# Today is fixed at 2026-06-01 (conftest), so every journal time is 2026-06-01 09:00:00.
GRADE_12 = "SELECT id, status, modified FROM patrons WHERE grade = '12' ORDER BY id"


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


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)
