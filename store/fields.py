"""What a model's fields are, read once from the Pydantic models: the one introspection.

The form generator (tui/widgets/model_form.py), the command-line flags (cli/flags.py) and
validation (store/validation.py) all read a field through ``spec_of`` / ``field_specs``,
so a field is a list, a database choice or a required value in the same sense at every
door. Pure: no database, no widgets.
"""

from __future__ import annotations

import enum
import functools
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel, Field

# What a field is, for the widget that edits it, the flag that sets it and the message
# that refuses it:
#   text         one line of text (a number is typed as text too)
#   list_text    a list typed or pasted as text: barcodes, one per line or space
#   bool         yes / no
#   enum         one of a fixed set (the model's Enum)
#   choice       one of the database's values (grades, sites, …)
#   many_enum    any of a fixed set
#   many_choice  any of the database's values
Kind = Literal["text", "list_text", "bool", "enum", "choice", "many_enum", "many_choice"]
MANY: frozenset[Kind] = frozenset({"list_text", "many_enum", "many_choice"})

# The json_schema_extra keys a field is marked with (by ``choice`` and ``list_as_text``).
CHOICES = "choices"
LIST_AS_TEXT = "list_as_text"


def choice(kind: str, *, many: bool = False, **kwargs: Any) -> Any:
    """A field whose value(s) must be among the database's ``kind`` values."""
    extra: dict[str, Any] = {CHOICES: kind}
    if many:
        return Field(default_factory=list, json_schema_extra=extra, **kwargs)
    if "default" not in kwargs and "default_factory" not in kwargs:
        # Required: a blank value is "a value is required", never a NULL written to patrons.
        kwargs.setdefault("min_length", 1)
    return Field(json_schema_extra=extra, **kwargs)


def list_as_text(**kwargs: Any) -> Any:
    """A list field typed as text (a barcode list): one text box, not a list to tick."""
    return Field(default_factory=list, json_schema_extra={LIST_AS_TEXT: True}, **kwargs)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    title: str  # as the vendor manual labels it, or in the library's terms (field_specs)
    description: str
    kind: Kind
    default: Any
    required: bool
    max_length: int | None = None
    options: tuple[str, ...] = ()  # the Enum's values, for enum and many_enum
    enum: type[enum.Enum] | None = None
    choices: str | None = None  # the database choice kind (grade, site, …)

    @property
    def many(self) -> bool:
        return self.kind in MANY


def title_of(name: str, title: str | None) -> str:
    return title or name.replace("_", " ").capitalize()


def _enum_of(annotation: Any) -> type[enum.Enum] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, enum.Enum) else None
    )


def _kind(name: str, annotation: Any, extra: dict[str, Any]) -> tuple[Kind, type[enum.Enum] | None]:
    many = typing.get_origin(annotation) is list
    inner = typing.get_args(annotation)[0] if many else annotation
    enum_type = _enum_of(inner)
    if annotation is bool:
        return "bool", None
    if enum_type is not None:
        return ("many_enum" if many else "enum"), enum_type
    if extra.get(CHOICES):
        return ("many_choice" if many else "choice"), None
    if many:
        if not extra.get(LIST_AS_TEXT):
            # A list needs a way to be edited: ticked from choices, or typed as text.
            raise TypeError(f"list field {name!r} needs choice(...) or list_as_text(...)")
        return "list_text", None
    return "text", None


@functools.cache
def _specs(model: type[BaseModel]) -> dict[str, FieldSpec]:
    specs: dict[str, FieldSpec] = {}
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        kind, enum_type = _kind(name, field.annotation, extra)
        choices = extra.get(CHOICES)
        specs[name] = FieldSpec(
            name=name,
            title=title_of(name, field.title),
            description=field.description or "",
            kind=kind,
            default=None if field.is_required() else field.get_default(call_default_factory=True),
            required=field.is_required(),
            max_length=next(
                (m.max_length for m in field.metadata if hasattr(m, "max_length")), None
            ),
            options=tuple(str(e.value) for e in enum_type) if enum_type else (),
            enum=enum_type,
            choices=str(choices) if choices else None,
        )
    return specs


def field_specs(model: type[BaseModel], say: Callable[[str], str] = str) -> list[FieldSpec]:
    """One spec per model field, in declaration order (the form's order). A list default
    is the caller's own copy (the specs are computed once per model). ``say`` puts titles
    and descriptions in the library's terminology (store.preferences.localize): the app's
    forms and the command line's flags say the same words."""
    return [
        replace(
            s,
            title=say(s.title),
            description=say(s.description),
            default=list(s.default) if isinstance(s.default, list) else s.default,
        )
        for s in _specs(model).values()
    ]


def spec_of(model: type[BaseModel], name: str) -> FieldSpec | None:
    return _specs(model).get(name)


def field_title(model: type[BaseModel], name: str) -> str:
    """The field's label, for a message that names it."""
    spec = spec_of(model, name)
    return spec.title if spec else title_of(name, None)
