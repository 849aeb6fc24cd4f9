"""store/ is the domain layer: importing all of it must not pull in Textual."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import store.utilities

SCRIPT = r"""
import importlib, json, pkgutil, sys
import store, store.demo, store.utilities
names = ["store", "store.demo"]
for info in pkgutil.iter_modules(store.__path__, "store."):
    importlib.import_module(info.name); names.append(info.name)
for info in pkgutil.iter_modules(store.utilities.__path__, "store.utilities."):
    importlib.import_module(info.name); names.append(info.name)
print(json.dumps({"imported": names,
                  "textual": sorted(m for m in sys.modules if m.startswith("textual")),
                  "tui": sorted(m for m in sys.modules if m == "tui" or m.startswith("tui."))}))
"""


def run_script() -> dict:
    repo = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=repo, check=True
    )
    return json.loads(out.stdout)


def test_store_never_imports_textual():
    result = run_script()
    assert result["textual"] == []
    assert result["tui"] == []


def test_every_utility_module_was_imported():
    result = run_script()
    modules = {m.name for m in pkgutil.iter_modules(store.utilities.__path__)}
    assert {
        "add_notes",
        "change_grade",
        "change_location",
        "change_status",
        "base",
        "forgive_charges",
        "remove_patrons",
    } <= modules
    assert {f"store.utilities.{m}" for m in modules} <= set(result["imported"])
    assert {"store.selection", "store.plan", "store.apply", "store.demo"} <= set(result["imported"])


def test_no_store_source_mentions_textual():
    root = Path(store.utilities.__file__).resolve().parent.parent
    offenders = [
        p.name
        for p in root.rglob("*.py")
        if "import textual" in p.read_text() or "from textual" in p.read_text()
    ]
    assert offenders == []
