"""The app's own figures, headless, one kind per process (scale.py runs it).

    python benchmarks/app_probe.py DB startup [RUNS]  # the app vs a bare Textual app
    python benchmarks/app_probe.py DB first-paint     # preview of every patron, peak memory

Prints one JSON line (startup: the seconds of each of RUNS runs, 5 unless given).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Footer, Header, OptionList  # noqa: E402

from store import Store  # noqa: E402
from store.demo import DEMO_OPERATORS  # noqa: E402
from store.security import operator_for  # noqa: E402
from tui.app import PatronUtilsApp  # noqa: E402
from tui.screens.picker import PickerScreen  # noqa: E402
from tui.screens.utility import UtilityScreen  # noqa: E402
from tui.widgets.preview_table import PreviewTable  # noqa: E402

SIZE = (80, 24)


class BareApp(App):
    """What any Textual app costs to start: a header, a list and a footer."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield OptionList(*[f"Utility {n}" for n in range(17)])
        yield Footer()


async def until(pilot, ready, step: float = 0.002) -> None:
    while not ready():
        await asyncio.sleep(step)


async def start_bare() -> float:
    start = time.perf_counter()
    app = BareApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.query(OptionList) and app.focused is not None)
        seconds = time.perf_counter() - start
    return seconds


async def start_app(path: str, operator) -> float:
    start = time.perf_counter()
    app = PatronUtilsApp(Store(path), operator)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PickerScreen) and app.focused is not None)
        seconds = time.perf_counter() - start
    return seconds


async def first_paint(path: str, operator) -> dict:
    app = PatronUtilsApp(Store(path), operator)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        app.open_utility("change-status")
        await until(pilot, lambda: isinstance(app.screen, UtilityScreen))
        screen = app.screen
        await until(pilot, lambda: screen.query("#input-status"))
        await pilot.pause()
        screen.query_one("#input-status").value = "Inactive"
        table = screen.query_one(PreviewTable)
        painted_at = []
        draw = table.render_line

        def render_line(y: int):
            # On screen: the compositor asks for a row line while the first page is held.
            if y > 0 and not painted_at and table.record(0) is not None:
                painted_at.append(time.perf_counter())
            return draw(y)

        table.render_line = render_line
        await pilot.pause()
        start = time.perf_counter()
        screen.action_preview()
        await until(pilot, lambda: painted_at)
        painted = painted_at[0] - start
        await until(pilot, lambda: screen.plan is not None, step=0.05)
        counted = time.perf_counter() - start
        matched = screen.plan.counts.matched
        start = time.perf_counter()
        await pilot.press("end")
        await until(pilot, lambda: table.record(matched - 1) is not None)
        await pilot.pause()
        to_last = time.perf_counter() - start
    peak = peak_mb()
    return {
        "first_paint": painted,
        "counted": counted,
        "to_last": to_last,
        "matched": matched,
        "peak_mb": peak,
    }


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM on Linux: ru_maxrss would also count the
    parent's memory at the fork (Linux carries it across exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    path, what = sys.argv[1], sys.argv[2]
    # The demo operator without checking a password: argon2's 64 MiB would otherwise be
    # the process's peak, and the figure is the preview's.
    store = Store(path)
    username = DEMO_OPERATORS[0][0]
    (patron_id,) = store.db.execute(
        "SELECT id FROM patrons WHERE username = ?", [username]
    ).fetchone()
    operator = operator_for(store.db, patron_id)
    store.close()
    if what == "startup":
        # Alternate, several times each: start-up is short and noisy.
        bare, mine = [], []
        for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 5):
            bare.append(asyncio.run(start_bare()))
            mine.append(asyncio.run(start_app(path, operator)))
        print(json.dumps({"bare": bare, "app": mine}))
    else:
        print(json.dumps(asyncio.run(first_paint(path, operator))))


if __name__ == "__main__":
    main()
