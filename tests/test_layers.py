"""The layers as the design draws them: the store and the command line work without the
screen's libraries (a cron job or the SSH service's CLI never loads Textual)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "store",
        "cli",
        "cli.run",
        "cli.journal",
        "cli.printing",
        "cli.flags",
        "serve",
        "serve.session",
        "web",
    ],
)
def test_importing_leaves_textual_and_rich_unloaded(module):
    assert imported_with(module, ("textual", "rich", "tui")) == []


@pytest.mark.parametrize("module", ["store", "cli.run", "serve"])
def test_only_the_password_page_loads_the_web_libraries(module):
    """A cron job, the app and an SSH-only service never load Starlette or uvicorn:
    serve imports web/ only when it is asked for --web."""
    assert imported_with(module, ("web", "starlette", "uvicorn", "jinja2")) == []


def imported_with(module: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` a fresh interpreter has loaded once it has imported ``module``."""
    code = (
        f"import json, sys, {module}; "
        f"print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=__import__("pathlib").Path(__file__).parents[1],
    )
    return json.loads(out.stdout)


def test_utilities_see_the_engine_only_through_the_contract():
    """store/utilities/ import store.contract, never store.plan or store.apply (which import
    the utilities: a cycle), not even for type checking."""
    import ast
    from pathlib import Path

    folder = Path(__file__).parents[1] / "store" / "utilities"
    engine = {"plan", "apply"}
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[-1]} | {a.name for a in node.names}
                assert not (node.level >= 2 and names & engine), (path.name, ast.dump(node))
            assert not (isinstance(node, ast.Name) and node.id == "TYPE_CHECKING"), path.name


def loaded_by(graph, module: str) -> set[str]:
    """What importing ``module`` loads: what it imports, and every package __init__ on the
    way (which the import graph does not count as a dependency, though Python runs it)."""
    loaded: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in loaded:
            continue
        loaded.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:n]) for n in range(2, len(parts))]  # not 'store' itself
        todo += graph.find_modules_directly_imported_by(name)
    return loaded


@pytest.mark.parametrize("module", ["store.plan", "store.apply", "store.utilities.base"])
def test_the_engine_loads_no_utility(module):
    """The engine needs the contract (store.utilities.base), not the catalog or any one
    utility: a broken utility module cannot break planning for the others. Read from the
    static import graph (import-linter's grimp); the top package's __init__, which loads
    everything for a Python shell, is left out."""
    import grimp

    graph = grimp.build_graph("store")
    utilities = sorted(
        m
        for m in loaded_by(graph, module)
        if m.startswith("store.utilities.") or m == "store.catalog"
    )
    assert utilities == ["store.utilities.base"]
