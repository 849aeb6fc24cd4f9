"""The preview's virtual table on its own: the cursor stays in sight, pages are asked for."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.preview_table import PreviewTable

ROWS = 1000


class TableApp(App):
    CSS = "PreviewTable { height: 12; }"

    def compose(self) -> ComposeResult:
        yield PreviewTable()

    def on_mount(self) -> None:
        self.wanted = []
        table = self.query_one(PreviewTable)
        # Columns wider than the screen: a horizontal scroll bar takes the bottom line.
        wide = [(n, (str(n), "x" * 40, "y" * 40)) for n in range(100)]
        table.start(["Row", "Wide", "Wider"], wide, total=ROWS)
        table.focus()

    def on_preview_table_page_wanted(self, message: PreviewTable.PageWanted) -> None:
        self.wanted.append(message.page)
        start = message.page * 100
        self.query_one(PreviewTable).fill(
            message.page,
            [(n, (str(n), "x" * 40, "y" * 40)) for n in range(start, min(start + 100, ROWS))],
        )


def visible_rows(table: PreviewTable) -> range:
    top = table.scroll_offset.y
    return range(top, top + table.body_height)


async def test_the_cursor_stays_above_the_horizontal_scroll_bar():
    app = TableApp()
    async with app.run_test(size=(60, 14)) as pilot:
        table = app.query_one(PreviewTable)
        assert table.scrollable_content_region.height == 11  # 12 less the scroll bar
        for _ in range(15):
            await pilot.press("down")
        assert table.cursor_row == 15 and 15 in visible_rows(table)
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == ROWS - 1 and ROWS - 1 in visible_rows(table)
        for _ in range(20):  # drawn, asked for, filled
            if table.record(ROWS - 1) is not None:
                break
            await pilot.pause()
        assert table.record(ROWS - 1) == ROWS - 1
        # Only the pages on screen were asked for, not the ones scrolled past.
        assert app.wanted == [9] and 5 not in table.pages
        await pilot.press("pageup")
        assert table.cursor_row == ROWS - 1 - table.body_height
        assert table.cursor_row in visible_rows(table)


def test_columns_fit_the_screen_cutting_the_reason_first_then_values_then_names():
    from tui.text import patron_columns
    from tui.widgets.preview_table import fit

    columns = patron_columns("Security group", "New security group")
    natural = [8, 30, 22, 22, 9, 40]  # a long name, two long group names, a long reason
    widths = fit(columns, natural, 78)
    assert sum(w + 2 for w in widths) == 78
    barcode, name, before, after, outcome, reason = widths
    assert (barcode, outcome) == (8, 9)  # never cut
    assert reason == 10  # gave way first, to its floor
    assert before == after == 11  # then the values, alike, to theirs ("Transferred")
    assert name == 17  # and the name takes what is left, above its floor of 12
    # Room to spare: the name grows to 28, the reason takes the rest to the edge.
    wide = fit(columns, [8, 15, 6, 8, 9, 20], 120)
    assert wide[1] == 28 and sum(w + 2 for w in wide) == 120
    # What may not be cut is never cut, even if the row must then scroll.
    assert fit(columns, [30, 30, 30, 30, 9, 30], 40)[0] == 30


def test_a_title_wider_than_its_cells_gives_way_before_any_cell():
    from tui.text import patron_columns
    from tui.widgets.preview_table import fit

    columns = patron_columns("Security group", "New security group")
    content = [8, 20, 7, 7, 9, 0]  # Student → Teacher, no reasons
    natural = [max(len(c.title), w) for c, w in zip(columns, content, strict=True)]
    widths = fit(columns, natural, 78, content)
    assert widths[1] == 20  # the names whole
    assert widths[2] >= 7 and widths[3] >= 7 and sum(w + 2 for w in widths) == 78
