"""Validation that names the field and says what is allowed.

Models whose fields offer values from the database (grades, sites, policies…)
mark them with ``choices`` and are validated with a ``context`` that can list
those values; the check runs in one place for every such field.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from .choice_names import Names, shown
from .control_chars import control_character, has_control
from .fields import FieldSpec, field_title, spec_of
from .file_out import excerpt

# What each kind of database choice is called in a message.
CHOICE_SOURCES = {
    "grade": "the grade table",
    "site": "the sites",
    "real_site": "the sites (not the Union Site)",
    "policy": "the policies",
    "security_group": "the security groups",
    "location": "the locations patrons have",
    "location2": "the 2nd locations patrons have",
}

ChoicesFn = Callable[[str], list[str]]


@dataclass(frozen=True)
class Problem:
    """One bad value: which field (name and label) and what is wrong with it."""

    field: str
    title: str
    message: str

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


class Invalid(ValueError):
    """Input that does not validate; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def allowed_list(values: list[str], limit: int = 20) -> str:
    """'a, b, c' — shortened with a count when the list is long."""
    shown = ", ".join(values[:limit])
    if len(values) > limit:
        shown += f", … ({len(values) - limit} more)"
    return shown or "(none defined)"


class StoreModel(BaseModel):
    """Base for Selections and Options: strict about unknown fields and DB choices."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control(cls, value: Any) -> Any:
        """No control character in any text: a NUL is cut by SQLite's JSON functions (the
        journal, undo, barcode lists), so it could not be matched or restored literally; an
        escape or a line break would reach a technician's terminal or a report whole."""
        if isinstance(value, str) and not has_control(value):
            return value  # the usual case: one scan (an import checks every cell)
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, str) and (bad := control_character(v)):
                raise ValueError(f"contains a control character ({bad}), which is not allowed")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _enum_by_name(cls, value: Any, info: ValidationInfo) -> Any:
        """'inactive' and 'card-lost' mean Inactive and Card Lost: a fixed choice is typed as
        titled, in any case, or in kebab case (store/choice_names.py)."""
        names = _enum_fields(cls).get(info.field_name or "")
        if names is None:
            return value

        def fix(v: Any) -> Any:
            if not isinstance(v, str):
                return v
            found = names.resolve(v)
            return v if found is None else found  # no match: the enum's own message

        return [fix(v) for v in value] if isinstance(value, list) else fix(value)

    @field_validator("*", mode="after")
    @classmethod
    def _in_database(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _choice_fields(cls).get(info.field_name or "")
        if not kind or value in (None, "", []):
            return value
        choices_fn: ChoicesFn | None = (info.context or {}).get("choices")
        if choices_fn is None:
            return value  # built in code, not from input: checked again by store.plan
        allowed = choices_fn(kind)
        # As titled, in any case or in kebab case; stored as the database spells it.
        names = _names(tuple(allowed))
        values = value if isinstance(value, list) else [value]
        fixed = []
        for v in values:
            match = names.resolve(str(v))
            if match is None:
                raise ValueError(
                    f"{excerpt(str(v), 60)} is not in {CHOICE_SOURCES.get(kind, kind)}; "
                    f"allowed: {allowed_list(allowed)}"
                )
            if match not in fixed:
                fixed.append(match)
        return fixed if isinstance(value, list) else fixed[0]


def narrowed(check: str, *fields: str) -> Any:
    """StoreModel's ``check`` (``_enum_by_name`` or ``_in_database``) on ``fields`` alone,
    for a model to declare under the same name: the inherited one is replaced in its place
    (the checks run in the same order), and a model validated once a row (an import's
    PatronRecord) does not run it on the fields it has nothing to check on."""
    method = StoreModel.__dict__[check]
    if check == "_enum_by_name":
        return field_validator(*fields, mode="before")(method)
    if check == "_in_database":
        return field_validator(*fields, mode="after")(method)
    raise ValueError(f"{check!r} is not a check a model narrows")


@functools.lru_cache(maxsize=64)
def _names(allowed: tuple[str, ...]) -> Names:
    """Indexed once per list of values, not once per value checked (an import checks each
    row's grade, policy and security group against the same lists)."""
    return Names(allowed)


@functools.cache
def _enum_names(enum_type: type[enum.Enum]) -> Names:
    return Names(str(e.value) for e in enum_type)


# A model's enum and database-choice fields, found once per model: the checks above run on
# every field of every row an import reads.
@functools.cache
def _enum_fields(model: type[BaseModel]) -> dict[str, Names]:
    return {s.name: _enum_names(s.enum) for s in _model_specs(model) if s.enum is not None}


@functools.cache
def _choice_fields(model: type[BaseModel]) -> dict[str, str]:
    return {s.name: s.choices for s in _model_specs(model) if s.choices}


def _model_specs(model: type[BaseModel]) -> list[FieldSpec]:
    return [spec for name in model.model_fields if (spec := spec_of(model, name))]


def validate(
    model: type[BaseModel], data: dict[str, Any], choices: ChoicesFn | None, files: bool = True
) -> Any:
    """``model.model_validate`` with every error turned into a named Problem. With ``files``
    False a value naming a file (a barcode list) is refused instead of read: the session
    may not read the server's files (over SSH, they are the service account's)."""
    try:
        return model.model_validate(data, context={"choices": choices, "files": files})
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else ""
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing" or (
                err["type"] == "string_too_short" and err.get("ctx", {}).get("min_length") == 1
            ):
                message = "a value is required" + _allowed_hint(model, name, choices)
            elif err["type"] == "string_too_long":
                limit = err["ctx"]["max_length"]
                message = f"at most {limit} characters are allowed; this has {len(err['input'])}"
            elif err["type"] == "enum":
                message = (
                    f"{excerpt(str(err['input']), 60)} is not allowed; allowed: "
                    f"{_enum_allowed(model, name) or err['ctx']['expected']}"
                )
            elif err["type"] == "extra_forbidden":
                message = "is not a field of this form"
            problems.append(Problem(name, field_title(model, name) if name else "Form", message))
        raise Invalid(problems) from None


def _allowed_hint(model: type[BaseModel], name: str, choices: ChoicesFn | None) -> str:
    """'; choose one of: …' for a required field that offers fixed or database choices."""
    spec = spec_of(model, name)
    if spec is None:
        return ""
    if spec.options:
        return "; choose one of: " + ", ".join(spec.options)
    if spec.choices and choices is not None:
        return "; choose one of: " + allowed_list(choices(spec.choices))
    return ""


def _enum_allowed(model: type[BaseModel], name: str) -> str:
    """ "'Active' (active), 'Card Lost' (card-lost), …": each value and the kebab form a
    script may type instead."""
    spec = spec_of(model, name)
    if spec is None:
        return ""
    return ", ".join(repr(v) + shown(v).removeprefix(v) for v in spec.options)
