"""The store's field specs in the library's words (Location → Homeroom) for the forms.

What a field is comes from store/fields.py, the one reading of the models;
tui/widgets/model_form.py turns each FieldSpec into a widget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pydantic import BaseModel

from store.fields import FieldSpec
from store.fields import field_specs as model_specs

__all__ = ["FieldSpec", "field_specs"]


def field_specs(model: type[BaseModel], say: Callable[[str], str] = str) -> list[FieldSpec]:
    """One spec per model field, in declaration order; ``say`` puts labels and help in
    the library's terminology."""
    return [
        replace(spec, title=say(spec.title), description=say(spec.description))
        for spec in model_specs(model)
    ]
