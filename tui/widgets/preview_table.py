"""The preview's table: a window onto the plan, however many patrons it holds.

Only the rows on screen are drawn, and they come from the plan a page at a time as
they scroll into view; a few pages are kept, never every matched row. So the first
page shows at once and End reaches the last of a million rows as fast as the first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAGE = 100  # rows per page asked of the plan
KEEP = 40  # pages kept; older ones are fetched again if scrolled back to
WIDEST = 40  # a column is cut at this width (the row detail line shows it whole)


@dataclass(frozen=True)
class Column:
    """A column: on a narrow screen cut down to ``floor`` (columns of lower ``cut`` first;
    None: never cut); on a wide one grown to ``grow_to``. ``at_least`` is the width a
    later row may need (an outcome becoming "excluded")."""

    title: str
    floor: int | None = None
    cut: int = 0
    grow_to: int = 0
    at_least: int = 0


def fit(
    columns: list[Column], natural: list[int], width: int, content: list[int] | None = None
) -> list[int]:
    """Widths for ``columns`` on a screen ``width`` wide (each cell has a space either
    side): cut what may be cut until the row fits — first a title wider than its column's
    cells ("New security group" over "Teacher"), then by level — then grow what may grow;
    the last column runs to the edge. Only columns that may not be cut can push a row off
    screen."""
    widths = list(natural)
    room = width - sum(w + 2 for w in widths)
    for i, column in enumerate(columns):
        if room < 0 and column.floor is not None and content is not None:
            cut = min(widths[i] - max(content[i], column.floor), -room)
            if cut > 0:
                widths[i] -= cut
                room += cut
    floors = {i: c.floor for i, c in enumerate(columns) if c.floor is not None}
    for level in sorted({columns[i].cut for i in floors}):
        # Columns of one level give way together, the widest first (Before and After alike).
        group = [i for i in floors if columns[i].cut == level]
        while room < 0:
            widest = max(group, key=lambda i: widths[i] - floors[i])
            if widths[widest] <= floors[widest]:
                break
            widths[widest] -= 1
            room += 1
    for i, column in enumerate(columns):
        if room > 0 and column.grow_to > widths[i]:
            grown = min(room, column.grow_to - widths[i])
            widths[i] += grown
            room -= grown
    if room > 0 and widths:
        widths[-1] += room
    return widths


class PreviewTable(ScrollView, can_focus=True):
    """Rows of the plan by position: ``record(i)`` is what the screen gave for row ``i``."""

    DEFAULT_CSS = """
    PreviewTable {
        background: $surface;
        color: $foreground;
        & > .preview-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .preview-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .preview-table--even-row { background: $surface-lighten-1 50%; }
        &:dark > .preview-table--even-row { background: $surface-darken-1 40%; }
        & > .preview-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .preview-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .preview-table--waiting { color: $text-muted; }
    }
    """
    COMPONENT_CLASSES = {
        "preview-table--header",
        "preview-table--even-row",
        "preview-table--cursor",
        "preview-table--waiting",
    }
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move_page(-1)", "Page up", show=False),
        Binding("pagedown", "move_page(1)", "Page down", show=False),
        Binding("home", "first_row", "First", show=False),
        Binding("end", "last_row", "Last", show=False),
        Binding("space", "exclude", "Exclude", id="exclude"),
        # Not in the footer (the preview's is full at 80 columns): F1 lists it.
        Binding("enter", "open_patron", "Patron record", id="patron", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, repaint=False)

    class RowHighlighted(Message):
        """The cursor is on row ``index`` (its record may still be on its way)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class PageWanted(Message):
        """Page ``page`` (rows page*PAGE ..) has scrolled into view and is not held."""

        def __init__(self, page: int) -> None:
            super().__init__()
            self.page = page

    class ExcludeWanted(Message):
        """Space on a row: take that patron out of the run, or put them back."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    class PatronWanted(Message):
        """Enter on a row: show that patron's whole record."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, excludable: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.excludable = excludable  # space takes a patron out (a preview, not a result)
        self.columns: list[Column] = []
        self.content: list[int] = []  # what the first page's cells need
        self.natural: list[int] = []  # and with the column's title
        self.widths: list[int] = []  # what they get on this screen
        self.total = 0  # rows in the plan (the first page's length until it is counted)
        self.pages: OrderedDict[int, list[tuple[Any, tuple]]] = OrderedDict()
        self.asked: set[int] = set()

    # -- what the screen tells it -----------------------------------------------------
    def start(
        self,
        columns: Sequence[str | Column],
        first: list[tuple[Any, tuple]],
        total: int | None = None,
    ) -> None:
        """A new preview: its columns, the first page as (record, cells), and the row count
        when known (``set_total`` gives it once the plan is counted). Widths fit the first
        page, then the screen (see ``fit``)."""
        self.columns = [c if isinstance(c, Column) else Column(c) for c in columns]
        self.content = [
            min(WIDEST, max([c.at_least] + [_width(cells[i]) for _, cells in first]))
            for i, c in enumerate(self.columns)
        ]
        self.natural = [
            max(len(c.title), width) if len(c.title) <= WIDEST else WIDEST
            for c, width in zip(self.columns, self.content, strict=True)
        ]
        self._fit()
        self.pages = OrderedDict({0: list(first)})
        self.asked = set()
        self.set_total(len(first) if total is None else total)
        self.cursor_row = 0
        self.scroll_to(0, 0, animate=False)
        self.post_message(self.RowHighlighted(0))

    def _fit(self) -> None:
        # The screen's width: a table on a hidden tab has none of its own yet (2: the scroll bar).
        self.widths = fit(self.columns, self.natural, self.app.size.width - 2, self.content)

    def set_total(self, total: int) -> None:
        self.total = total
        self.virtual_size = Size(sum(w + 2 for w in self.widths), total + 1)  # + the header
        self.refresh()

    def fill(self, page: int, rows: list[tuple[Any, tuple]]) -> None:
        """Rows of ``page`` arrived from the plan."""
        self.asked.discard(page)
        self.pages[page] = list(rows)
        while len(self.pages) > KEEP:
            self.pages.popitem(last=False)
        self.refresh()
        if page == self.cursor_row // PAGE:
            self.post_message(self.RowHighlighted(self.cursor_row))

    def replace(self, index: int, record: Any, cells: tuple) -> None:
        """One row changed (excluded by hand, say)."""
        rows = self.pages.get(index // PAGE)
        if rows is not None and index % PAGE < len(rows):
            rows[index % PAGE] = (record, cells)
            self.refresh()

    def record(self, index: int) -> Any | None:
        """Row ``index``'s record, or None while its page is not held."""
        rows = self.pages.get(index // PAGE)
        if rows is None or not 0 <= index % PAGE < len(rows):
            return None
        self.pages.move_to_end(index // PAGE)
        return rows[index % PAGE][0]

    def cells(self, index: int) -> tuple | None:
        """Row ``index``'s cells as drawn, or None while its page is not held."""
        rows = self.pages.get(index // PAGE)
        if rows is None or not 0 <= index % PAGE < len(rows):
            return None
        return rows[index % PAGE][1]

    # -- drawing ------------------------------------------------------------------------
    @property
    def body_height(self) -> int:
        """Rows on screen: the height less the header and any horizontal scroll bar."""
        return max(1, self.scrollable_content_region.height - 1)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("preview-table--header")
            return self._strip([c.title for c in self.columns], style, scroll_x, width)
        index = scroll_y + y - 1
        if index >= self.total:
            return Strip.blank(width, base)
        style = base
        if index % 2:
            style += self.get_component_rich_style("preview-table--even-row")
        rows = self.pages.get(index // PAGE)
        if rows is None:
            self._ask(index // PAGE)
            waiting = style + self.get_component_rich_style("preview-table--waiting")
            cells = ["…"] * len(self.columns)
            return self._strip(cells, waiting, scroll_x, width, self._cursor(index))
        if index % PAGE >= len(rows):
            return Strip.blank(width, style)
        return self._strip(rows[index % PAGE][1], style, scroll_x, width, self._cursor(index))

    def _cursor(self, index: int) -> Style | None:
        if index == self.cursor_row:
            return self.get_component_rich_style("preview-table--cursor")
        return None

    def _strip(
        self, cells, style: Style, scroll_x: int, width: int, over: Style | None = None
    ) -> Strip:
        line = Text(no_wrap=True, end="")
        for cell, cell_width in zip(cells, self.widths, strict=True):
            text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            text.truncate(cell_width, overflow="ellipsis", pad=True)
            line.append(" ")
            line.append_text(text)
            line.append(" ")
        # The row's style under each cell's own, the cursor's over both.
        segments = Segment.apply_style(line.render(self.app.console), style, over)
        strip = Strip(list(segments), line.cell_len)
        return strip.crop_extend(scroll_x, scroll_x + width, over and style + over or style)

    def _ask(self, page: int) -> None:
        if page not in self.asked:
            self.asked.add(page)
            # Not from here: a message made while the screen draws counts the screen as its
            # sender, and would stop bubbling just below it.
            self.call_later(lambda: self.post_message(self.PageWanted(page)))

    # -- the cursor ---------------------------------------------------------------------
    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, self.total - 1))

    def watch_cursor_row(self, row: int) -> None:
        top = self.scroll_offset.y
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + self.body_height:
            self.scroll_to(y=row - self.body_height + 1, animate=False)
        self.refresh()
        self.post_message(self.RowHighlighted(row))

    def move_cursor(self, row: int) -> None:
        self.cursor_row = row

    def action_move(self, by: int) -> None:
        self.cursor_row += by

    def action_move_page(self, by: int) -> None:
        self.cursor_row += by * self.body_height

    def action_first_row(self) -> None:
        self.cursor_row = 0

    def action_last_row(self) -> None:
        self.cursor_row = self.total - 1

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "exclude" and not self.excludable:
            return False  # not this table's key: neither shown nor bound
        return super().check_action(action, parameters)

    def action_exclude(self) -> None:
        if self.total:
            self.post_message(self.ExcludeWanted(self.cursor_row))

    def action_open_patron(self) -> None:
        if self.total:
            self.post_message(self.PatronWanted(self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        if event.y > 0:
            self.cursor_row = self.scroll_offset.y + event.y - 1

    def on_resize(self) -> None:
        if self.columns:
            self._fit()
        self.set_total(self.total)


def _width(cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else len(str(cell))
