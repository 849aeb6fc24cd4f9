"""Fixtures of the screens' tests: the ``path`` of a fresh copy of the demo, and no cursor ever
blinking (autouse), so that a snapshot never depends on timing."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from ..databases import demo_db


@pytest.fixture
def path(tmp_path):
    return demo_db(tmp_path)


@pytest.fixture(autouse=True)
def still_cursors(monkeypatch):
    """Every Input is made with cursor_blink off: its cursor shows while it has the focus and
    never blinks (pilot.settle() used to switch it off on each call, screen by screen)."""
    made = Input.__init__

    def __init__(self, *args, **kwargs):
        made(self, *args, **kwargs)
        self.cursor_blink = False

    monkeypatch.setattr(Input, "__init__", __init__)
