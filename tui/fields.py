"""Model → field specs: the pure half of form generation (no widgets, unit-tested).

tui/widgets/model_form.py turns each FieldSpec into a widget.
"""
from __future__ import annotations

import enum
import typing
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel


@dataclass(frozen=True)
class FieldSpec:
    name: str
    title: str
    description: str
    kind: str  # text | bool | enum | choice | many_enum | many_choice
    default: Any
    required: bool
    max_length: int | None = None
    options: tuple[str, ...] = ()  # enum values
    choices: str | None = None  # database choice kind (grade, site, …)


def _enum_of(annotation: Any) -> type[enum.Enum] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, enum.Enum) else None


def field_specs(model: type[BaseModel], say: Callable[[str], str] = str) -> list[FieldSpec]:
    """One spec per model field, in declaration order; ``say`` puts labels and help in
    the library's terminology (Location → Homeroom)."""
    specs = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        choices = extra.get("choices")
        many = typing.get_origin(annotation) is list
        inner = typing.get_args(annotation)[0] if many else annotation
        enum_type = _enum_of(inner)
        max_length = next((m.max_length for m in field.metadata if hasattr(m, "max_length")), None)
        if annotation is bool:
            kind = "bool"
        elif enum_type is not None:
            kind = "many_enum" if many else "enum"
        elif choices:
            kind = "many_choice" if many else "choice"
        else:
            kind = "text"
        default = field.get_default(call_default_factory=True)
        specs.append(FieldSpec(
            name=name,
            title=say(field.title or name.replace("_", " ").capitalize()),
            description=say(field.description or ""),
            kind=kind,
            default=None if field.is_required() else default,
            required=field.is_required(),
            max_length=max_length,
            options=tuple(str(e.value) for e in enum_type) if enum_type else (),
            choices=choices,
        ))
    return specs
