"""The layers as the design draws them: the store and the command line work without the
screen's libraries (a cron job or the SSH service's CLI never loads Textual)."""
from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["store", "cli.run", "cli.flags", "cli.files", "cli.password"])
def test_importing_leaves_textual_and_rich_unloaded(module):
    code = (f"import sys, {module}; "
            "print(sorted(m for m in ('textual', 'rich', 'tui') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=__import__("pathlib").Path(__file__).parents[1])
    assert out.stdout.strip() == "[]", (module, out.stderr)
