"""Validation that names the field and says what is allowed.

Models whose fields offer values from the database (grades, sites, policies…)
mark them with ``choices`` and are validated with a ``context`` that can list
those values; the check runs in one place for every such field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

# What each kind of database choice is called in a message.
CHOICE_SOURCES = {
    "grade": "the grade table",
    "site": "the sites",
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


def choice(kind: str, *, many: bool = False, **kwargs: Any) -> Any:
    """A field whose value(s) must be among the database's ``kind`` values."""
    extra = {"choices": kind}
    if many:
        return Field(default_factory=list, json_schema_extra=extra, **kwargs)
    return Field(json_schema_extra=extra, **kwargs)


class StoreModel(BaseModel):
    """Base for Selections and Options: strict about unknown fields and DB choices."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _in_database(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields[info.field_name]
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        kind = extra.get("choices")
        if not kind or value in (None, "", []):
            return value
        choices_fn: ChoicesFn | None = (info.context or {}).get("choices")
        if choices_fn is None:
            return value  # built in code, not from input: checked again by store.plan
        allowed = choices_fn(kind)
        # Case-insensitive match, stored as the database spells it.
        canon = {a.casefold(): a for a in allowed}
        values = value if isinstance(value, list) else [value]
        fixed = []
        for v in values:
            match = canon.get(str(v).casefold())
            if match is None:
                raise ValueError(
                    f"{v!r} is not in {CHOICE_SOURCES.get(kind, kind)}; "
                    f"allowed: {allowed_list(allowed)}"
                )
            if match not in fixed:
                fixed.append(match)
        return fixed if isinstance(value, list) else fixed[0]


def field_title(model: type[BaseModel], name: str) -> str:
    field = model.model_fields.get(name)
    return (field.title if field and field.title else name.replace("_", " ").capitalize())


def validate(model: type[BaseModel], data: dict[str, Any], choices: ChoicesFn | None) -> Any:
    """``model.model_validate`` with every error turned into a named Problem."""
    try:
        return model.model_validate(data, context={"choices": choices})
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else ""
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "enum":
                message = f"{err['input']!r} is not allowed; allowed: {err['ctx']['expected']}"
            elif err["type"] == "extra_forbidden":
                message = "is not a field of this form"
            problems.append(Problem(name, field_title(model, name) if name else "Form", message))
        raise Invalid(problems) from None
