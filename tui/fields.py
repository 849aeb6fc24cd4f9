"""The store's field specs in the library's words (Location → Homeroom) for the forms.

What a field is comes from store/fields.py, the one reading of the models, which also puts
them in the library's terminology (the command line's flags say the same words);
tui/widgets/model_form.py turns each FieldSpec into a widget.
"""

from __future__ import annotations

from store.fields import FieldSpec, field_specs

__all__ = ["FieldSpec", "field_specs"]
