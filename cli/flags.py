"""Command-line flags generated from the same Pydantic models as the forms.

A field ``graduation_to`` is the flag ``--graduation-to``; a list field repeats
(``--grades 12 --grades 11``); a boolean is ``--x`` / ``--no-x``. A utility declared
once gets its flags here with no code of its own.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from store import Invalid, Problem
from store.choice_names import shown
from store.fields import field_specs, field_title
from store.validation import allowed_list

SELECTION = "sel__"
OPTIONS = "opt__"


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def dash_values(parser: argparse.ArgumentParser) -> None:
    """``--graduation-to -1y`` and ``--balance-from -5.00`` as two words: a word that starts
    with '-' and then a digit, '.' or '$' is a value (a relative date, an amount), never a
    flag — argparse would take it for an unknown option and refuse the flag before it as
    having no value. No flag of ours looks like that."""
    parser._negative_number_matcher = _DASH_VALUE


_DASH_VALUE = re.compile(r"^-[0-9.$]")


def add_model(
    parser: argparse.ArgumentParser,
    model: type[BaseModel],
    prefix: str,
    heading: str,
    only: list[str] | None = None,
    say: Callable[[str], str] = str,
    choices: Callable[[str], list[str]] | None = None,
) -> None:
    """Add one flag per field of ``model`` (or of those named in ``only``); ``say`` puts the
    help in the library's terminology, and ``choices`` (a database's) lists the values a
    database field allows."""
    dash_values(parser)
    group = parser.add_argument_group(heading)
    for spec in field_specs(model, say):
        if only is not None and spec.name not in only:
            continue
        help_text = spec.title + ". " + spec.description
        if spec.options:
            # As titled (any case) or in kebab case: 'Card Lost (card-lost)'.
            help_text += " One of: " + ", ".join(shown(o) for o in spec.options) + "."
        if spec.choices:
            if choices is not None:
                allowed = [shown(v) for v in choices(spec.choices)]
                help_text += " One of: " + allowed_list(allowed) + "."
            else:
                help_text += (
                    " Allowed values come from the database (as named there, in any case "
                    "or in kebab case)."
                )
        if spec.required:
            help_text += " Required."
        help_text = help_text.replace("%", "%%")  # argparse formats help with %
        dest = prefix + spec.name
        if spec.kind == "bool":
            group.add_argument(
                flag(spec.name),
                dest=dest,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
        elif spec.many:
            group.add_argument(
                flag(spec.name),
                dest=dest,
                action="append",
                metavar="VALUE",
                default=None,
                help=help_text + " Repeat for more than one.",
            )
        else:
            group.add_argument(
                flag(spec.name), dest=dest, metavar="VALUE", default=None, help=help_text
            )


def values(
    args: argparse.Namespace, prefix: str, criteria: type[BaseModel] | None = None
) -> dict[str, Any]:
    """The fields given on the command line (absent ones keep the model's default).

    With ``criteria`` (the Selection), a flag given with a blank value is refused: on a
    form an empty field means "any patron", but ``--barcodes "$LIST"`` with an empty list
    is a mistake that would select everyone."""
    given = {
        key.removeprefix(prefix): value
        for key, value in vars(args).items()
        if key.startswith(prefix) and value is not None
    }
    if criteria is not None:
        blank = [
            name
            for name, value in given.items()
            if any(
                isinstance(v, str) and not v.strip()
                for v in (value if isinstance(value, list) else [value])
            )
        ]
        if blank:
            raise Invalid(
                [
                    Problem(
                        name,
                        field_title(criteria, name),
                        "is empty: give a value, or leave the flag out (an empty "
                        "selection would take in every patron)",
                    )
                    for name in blank
                ]
            )
    return given


def problem_text(problem: Problem) -> str:
    """A validation problem as the flag the user typed: '--grades: …'."""
    return f"{flag(problem.field)} ({problem.title}): {problem.message}"
