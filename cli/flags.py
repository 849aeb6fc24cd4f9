"""Command-line flags generated from the same Pydantic models as the forms.

A field ``graduation_to`` is the flag ``--graduation-to``; a list field repeats
(``--grades 12 --grades 11``); a boolean is ``--x`` / ``--no-x``. A utility declared
once gets its flags here with no code of its own.
"""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import BaseModel

from store import Invalid, Problem
from store.fields import field_specs, field_title

SELECTION = "sel__"
OPTIONS = "opt__"


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_model(
    parser: argparse.ArgumentParser,
    model: type[BaseModel],
    prefix: str,
    heading: str,
    only: list[str] | None = None,
) -> None:
    """Add one flag per field of ``model`` (or of those named in ``only``)."""
    group = parser.add_argument_group(heading)
    for spec in field_specs(model):
        if only is not None and spec.name not in only:
            continue
        help_text = spec.title + ". " + spec.description
        if spec.options:
            help_text += " One of: " + ", ".join(spec.options) + "."
        if spec.choices:
            help_text += " Allowed values come from the database."
        if spec.required:
            help_text += " Required."
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
