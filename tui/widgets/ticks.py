"""Check boxes that read without colour: ``[x]`` ticked, ``[ ]`` not — the same in 16
colours, 256 colours and on a monochrome terminal over SSH. ↓ from the last choice of a
list moves on to the next field instead of wrapping to the top (↑ from the first, back).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED, UNTICKED = "[x]", "[ ]"


class TickBox(Checkbox):
    @property
    def _button(self) -> Content:
        return Content((TICKED if self.value else UNTICKED) + " ")


class TickList(SelectionList):
    def _get_left_gutter_width(self) -> int:
        return len(TICKED) + 1

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)  # the prompt, without SelectionList's button
        index = self.scroll_offset.y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        style = next(iter(line)).style or self.rich_style
        box = TICKED if selection.value in self._selected else UNTICKED
        return Strip([Segment(box + " ", style=style), *line])

    def action_cursor_down(self) -> None:
        if self.highlighted is not None and self.highlighted >= self.option_count - 1:
            self.screen.focus_next()
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.highlighted is not None and self.highlighted <= 0:
            self.screen.focus_previous()
            return
        super().action_cursor_up()
