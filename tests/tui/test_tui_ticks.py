"""Check boxes read without colour, and ↓ leaves a tick list at its end."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from tui.widgets.ticks import TickBox, TickList


class Ticks(App):
    def compose(self) -> ComposeResult:
        yield TickList(("Elm", "ELM", True), ("High", "HIGH"), id="sites")
        yield TickBox("Force", id="force")
        yield Input(id="after")


async def test_boxes_read_x_when_ticked_and_blank_when_not_in_any_colour_system():
    app = Ticks()
    async with app.run_test(size=(40, 10)) as pilot:
        lines = [app.query_one("#sites").render_line(y).text for y in range(2)]
        assert lines[0].startswith("[x] Elm") and lines[1].startswith("[ ] High")
        box = app.query_one("#force", TickBox)
        assert " ".join(str(box.render()).split()) == "[ ] Force"
        box.value = True
        await pilot.pause()
        assert " ".join(str(box.render()).split()) == "[x] Force"


async def test_down_from_the_last_choice_moves_to_the_next_field():
    app = Ticks()
    async with app.run_test(size=(40, 10)) as pilot:
        sites = app.query_one("#sites", TickList)
        sites.focus()
        await pilot.press("down", "down")  # ELM → HIGH → on, not back to ELM
        assert sites.highlighted == 1
        await pilot.press("down")
        assert app.focused is app.query_one("#force")
        sites.focus()
        sites.highlighted = 0
        await pilot.press("up")
        assert app.focused is not sites
