"""Screens as a 16-colour terminal (TEXTUAL_COLOR_SYSTEM=standard) shows them: ticked and
unticked boxes differ by what they say ([x] / [ ]), not by a colour the terminal may not
have. The snapshot is drawn the way such a terminal receives it, every colour brought down
to the 16 standard ones; nothing is written by looking."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment, Segments
from rich.style import Style

import tui.app
from store import Store
from tui.app import PatronUtilsApp

from ..databases import query
from ..operators import ADMIN
from .pilot import SIZE, fill_all, open_utility, settle


def sixteen(style: Style | None) -> Style | None:
    """A style as a 16-colour terminal shows it."""
    if style is None or (style.color is None and style.bgcolor is None):
        return style
    down = {}
    if style.color is not None:
        down["color"] = style.color.downgrade(ColorSystem.STANDARD)
    if style.bgcolor is not None:
        down["bgcolor"] = style.bgcolor.downgrade(ColorSystem.STANDARD)
    return style + Style(**down)


class SixteenColours(PatronUtilsApp):
    CSS_PATH = Path(tui.app.__file__).with_name("app.tcss")  # not next to this test

    def _sixteen_colour_console(self, simplify: bool = False) -> Console:
        width, height = self.size
        console = Console(
            width=width,
            height=height,
            file=io.StringIO(),
            force_terminal=True,
            color_system="truecolor",
            record=True,
            legacy_windows=False,
            safe_box=False,
        )
        update = self.screen._compositor.render_update(
            full=True, screen_stack=self._background_screens, simplify=simplify
        )
        segments = [
            Segment(s.text, sixteen(s.style), s.control)
            for s in console.render(update, console.options)
        ]
        console.print(Segments(segments))
        return console

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        return self._sixteen_colour_console(simplify).export_svg(title=title or self.title)

    def screen_text(self) -> str:
        return self._sixteen_colour_console().export_text()


async def statuses_part_ticked(pilot) -> None:
    await open_utility(pilot, "change patron status")
    await fill_all(pilot, statuses=["Active", "Suspended"])
    pilot.app.screen.query_one("#input-statuses").focus()  # scrolled into view, as Tab does
    await settle(pilot)


async def policy_recompute_ticked(pilot) -> None:
    await open_utility(pilot, "change patron policy")
    await pilot.press("f3")
    await fill_all(pilot, policy="Grade 6-8", recompute_due_dates=True)
    await settle(pilot)


async def preferences_switches(pilot) -> None:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)


# name: (how to get there, the lines that must read on screen)
SCREENS = {
    "selections-tick-list": (
        statuses_part_ticked,
        ["[x] Active", "[ ] Card Lost", "[x] Suspended"],
    ),
    "options-ticked-box": (policy_recompute_ticked, ["[x] Recompute due dates of current loans"]),
    "preferences-switches": (
        preferences_switches,
        ["[x] Centralized catalog", "[ ] Disable account expiration dates"],
    ),
}


@pytest.mark.parametrize("name", list(SCREENS))
def test_ticks_in_sixteen_colours(snap_compare, path, name):
    before = query(path, "SELECT * FROM preferences ORDER BY key")
    go, lines = SCREENS[name]
    shown: list[str] = []

    async def run_before(pilot):
        await go(pilot)
        shown.append(pilot.app.screen_text())

    app = SixteenColours(Store(path), ADMIN)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    # Ticked and not are told apart by their text, whatever colours the terminal has.
    text = " ".join(shown[0].split())  # a box and its label may sit two spaces apart
    assert all(line in text for line in lines), shown[0]
    assert query(path, "SELECT * FROM preferences ORDER BY key") == before
    assert query(path, "SELECT count(*) FROM operations") == [(0,)]
