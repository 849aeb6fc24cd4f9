"""A form generated from a Pydantic model's field specs (see tui/fields.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static

from store import Problem
from store.fields import Kind
from store.file_out import printable

from ..fields import FieldSpec
from .plain import Plain
from .ticks import TickBox, TickList

if TYPE_CHECKING:
    from textual import getters

    from ..app import PatronUtilsApp

# A long text field shows how much of its limit is used.
COUNTER_FROM = 100


class ModelForm(VerticalScroll):
    """Fields for one model; ``values()`` feeds ``model_validate``, errors show by their field."""

    DEFAULT_CSS = """
    ModelForm { padding: 0 1; }
    ModelForm .field { height: auto; margin-bottom: 1; }
    ModelForm .range { height: auto; margin-bottom: 1; }
    ModelForm .range > .field { width: 1fr; margin-bottom: 0; }
    ModelForm .range > .field:first-child { margin-right: 2; }
    ModelForm .field Label { text-style: bold; }
    ModelForm .help { color: $text-muted; }
    ModelForm .chosen { text-style: italic; }
    ModelForm .fixed { text-style: bold; margin-bottom: 1; }
    ModelForm Input { height: 1; border: none; padding: 0 1; background: $boost; }
    ModelForm Input:focus { border: none; background: $primary 40%; }
    ModelForm Select { height: auto; }
    ModelForm SelectCurrent { border: none; height: 1; padding: 0 1; background: $boost; }
    ModelForm Select:focus > SelectCurrent { border: none; background: $primary 40%; }
    ModelForm SelectionList {
        height: auto; max-height: 7; border: none; padding: 0; background: $boost;
    }
    ModelForm SelectionList:focus { border: none; background-tint: $primary 20%; }
    /* A long option title (the vendor manual's are) wraps instead of being cut at 80 columns. */
    ModelForm Checkbox { border: none; padding: 0; width: 1fr; height: auto; }
    /* Focus shows as a tint, not a border, so the fields below do not jump. */
    ModelForm Checkbox:focus { border: none; background-tint: $primary 20%; }
    ModelForm .error { color: $text-error; text-style: bold reverse; display: none; }
    ModelForm .field.-invalid .error { display: block; }
    ModelForm .field.-invalid Label { color: $text-error; }
    ModelForm #form-problems { color: $text-error; display: none; }
    ModelForm #form-problems.-shown { display: block; }
    """

    if TYPE_CHECKING:  # for the type checker only, as in tui/base.py
        app = getters.app(PatronUtilsApp)

    # Tab goes straight to the fields; up and down move between them too.
    can_focus = False
    BINDINGS = [
        Binding("up", "app.focus_previous", "Previous field", show=False),
        Binding("down", "app.focus_next", "Next field", show=False),
    ]

    class Edited(Message):
        """A field's value was edited by the user."""

        def __init__(self, form: ModelForm, field: str) -> None:
            super().__init__()
            self.form = form
            self.field = field

        @property
        def control(self) -> ModelForm:
            return self.form

    def __init__(
        self,
        specs: list[FieldSpec],
        choice_labels: dict[str, list[tuple[str, str]]],
        values: dict[str, Any] | None = None,
        *,
        id: str | None = None,
        fixed: Iterable[str] = (),
        empty: str = "Nothing to set here.",
    ) -> None:
        super().__init__(id=id)
        self.specs = specs
        self.choice_labels = choice_labels
        self.initial = values or {}
        self.fixed = list(fixed)  # criteria the utility imposes, shown read-only
        self.empty = empty  # said when the model has no fields

    def compose(self) -> ComposeResult:
        for line in self.fixed:
            yield Plain(line, classes="fixed")
        yield Plain("", id="form-problems")
        if not self.specs:
            yield Plain(self.empty, classes="help")
        specs = iter(self.specs)
        for spec in specs:
            partner = self._range_end(spec)
            if partner is None:
                yield from self._field(spec)
                continue
            # A range's two ends side by side: half the scrolling, and they read as one.
            next(specs)
            with Horizontal(classes="range"):
                yield from self._field(spec)
                yield from self._field(partner)

    def _range_end(self, spec: FieldSpec) -> FieldSpec | None:
        if not spec.name.endswith("_from"):
            return None
        name = spec.name.removesuffix("_from") + "_to"
        index = self.specs.index(spec) + 1
        following = self.specs[index] if index < len(self.specs) else None
        return following if following is not None and following.name == name else None

    def _field(self, spec: FieldSpec) -> ComposeResult:
        with Vertical(classes="field", id=f"field-{spec.name}"):
            if spec.kind != "bool":
                yield Label(self._label(spec), id=f"label-{spec.name}")
            # Above a list, not under it: a long list scrolls, and what is ticked stays in
            # sight with the list's name.
            if spec.kind in ("many_enum", "many_choice"):
                yield Plain(
                    self._chosen(self.initial.get(spec.name, spec.default)),
                    classes="chosen",
                    id=f"chosen-{spec.name}",
                )
            yield self._widget(spec, self.initial.get(spec.name, spec.default))
            if spec.description:
                yield Plain(spec.description, classes="help")
            if spec.kind == "bool":
                yield Plain(
                    self._ticked(bool(self.initial.get(spec.name, spec.default))),
                    classes="chosen",
                    id=f"chosen-{spec.name}",
                )
            yield Plain("", classes="error", id=f"error-{spec.name}")

    def _label(self, spec: FieldSpec, length: int = 0) -> str:
        label = spec.title + (" (required)" if spec.required else "")
        if spec.max_length and spec.max_length > COUNTER_FROM:
            label += f"   {length}/{spec.max_length}"
        return label

    def _widget(self, spec: FieldSpec, value: Any) -> Widget:
        return WIDGETS[spec.kind](self, spec, value, f"input-{spec.name}")

    @staticmethod
    def _ticked(value: bool) -> str:
        return "Chosen: Yes (ticked)" if value else "Chosen: No (not ticked; space ticks it)"

    @staticmethod
    def _chosen(values: Iterable[Any]) -> str:
        return "Chosen: " + (", ".join(map(str, values)) if values else "none (any patron)")

    def _options(self, spec: FieldSpec, held: Sequence[Any] = ()) -> list[tuple[Text, str]]:
        """(label, value) pairs, as Select and SelectionList take them. A value the form was
        given (a saved run, a draft) that is no longer offered stays, chosen and marked, so
        the store refuses it by name until the operator takes it out — never dropped, which
        would widen the selection."""
        if spec.options:
            offered = [(o, o) for o in spec.options]
        else:
            offered = [
                (label, value) for value, label in self.choice_labels.get(spec.choices or "", [])
            ]
        known = {v for _, v in offered}
        offered += [(f"{v} — no longer offered", v) for v in held if v not in known]
        # Text, not str: Select and SelectionList read a string as markup ("[b]" is a name).
        return [(Text(printable(label)), value) for label, value in offered]

    # -- reading and writing values --------------------------------------
    def values(self) -> dict[str, Any]:
        """The form's values; an unchosen required choice is left out so validation names it."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            value = READERS[spec.kind](self.query_one(f"#input-{spec.name}"))
            if value is not UNCHOSEN:
                out[spec.name] = value
        return out

    # -- errors ------------------------------------------------------------
    def clear_problems(self) -> None:
        for field in self.query(".field.-invalid"):
            field.remove_class("-invalid")
        self.query_one("#form-problems").remove_class("-shown")

    def show_problems(self, problems: list[Problem]) -> list[Problem]:
        """Show the problems that belong to this form; returns those."""
        mine = [p for p in problems if any(s.name == p.field for s in self.specs)]
        for problem in mine:
            self.query_one(f"#field-{problem.field}").add_class("-invalid")
            self.query_one(f"#error-{problem.field}", Static).update(
                f"⚠ {self.app.say(problem.message)}"
            )
        return mine

    def focus_first(self) -> None:
        """Focus the first field (or a fixed note when the form has no fields)."""
        if self.specs:
            self.focus_field(self.specs[0].name)

    def focus_field(self, name: str) -> None:
        widget = self.query_one(f"#input-{name}")
        widget.focus()
        self.scroll_to_widget(self.query_one(f"#field-{name}"), top=True)

    # -- edits -------------------------------------------------------------
    def _edited(self, widget: Widget | None) -> None:
        wid = widget.id if widget is not None else None
        if wid is None or not wid.startswith("input-"):
            return
        name = wid.removeprefix("input-")
        spec = next(s for s in self.specs if s.name == name)
        self.query_one(f"#field-{name}").remove_class(
            "-invalid"
        )  # its old message no longer applies
        if isinstance(widget, Input) and spec.max_length and spec.max_length > COUNTER_FROM:
            self.query_one(f"#label-{name}", Label).update(self._label(spec, len(widget.value)))
        if isinstance(widget, SelectionList):
            self.query_one(f"#chosen-{name}", Static).update(self._chosen(widget.selected))
        if isinstance(widget, Checkbox):
            self.query_one(f"#chosen-{name}", Static).update(self._ticked(widget.value))
        self.post_message(self.Edited(self, name))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._edited(event.input)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._edited(event.select)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        self._edited(event.selection_list)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._edited(event.checkbox)


# -- one widget and one reader per kind of field ----------------------------------
# A required choice not yet made reads as this, and is left out of values().
UNCHOSEN = object()


def _text(form: ModelForm, spec: FieldSpec, value: Any, wid: str) -> Widget:
    return Input(value="" if value is None else str(value), id=wid)


def _list_text(form: ModelForm, spec: FieldSpec, value: Any, wid: str) -> Widget:
    # A list typed as text (barcodes): the store reads it back one per line or space.
    shown = " ".join(map(str, value)) if isinstance(value, list) else (value or "")
    return Input(value=str(shown), id=wid)


def _tick_box(form: ModelForm, spec: FieldSpec, value: Any, wid: str) -> Widget:
    return TickBox(spec.title, value=bool(value), id=wid)


def _select(form: ModelForm, spec: FieldSpec, value: Any, wid: str) -> Widget:
    options = form._options(spec, [value] if value not in (None, "") else [])
    current = value if value in {v for _, v in options} else Select.NULL
    return Select(options, prompt="Choose…", value=current, id=wid)


def _tick_list(form: ModelForm, spec: FieldSpec, value: Any, wid: str) -> Widget:
    chosen = list(value) if isinstance(value, list) else [] if value in (None, "") else [value]
    return TickList(*[(label, v, v in chosen) for label, v in form._options(spec, chosen)], id=wid)


def _read_input(widget: Widget) -> Any:
    assert isinstance(widget, (Input, Checkbox))
    return widget.value


def _read_select(widget: Widget) -> Any:
    assert isinstance(widget, Select)
    return UNCHOSEN if widget.value is Select.NULL else widget.value


def _read_ticks(widget: Widget) -> Any:
    assert isinstance(widget, SelectionList)
    return list(widget.selected)


WIDGETS: dict[Kind, Callable[[ModelForm, FieldSpec, Any, str], Widget]] = {
    "text": _text,
    "list_text": _list_text,
    "bool": _tick_box,
    "enum": _select,
    "choice": _select,
    "many_enum": _tick_list,
    "many_choice": _tick_list,
}
READERS: dict[Kind, Callable[[Widget], Any]] = {
    "text": _read_input,
    "list_text": _read_input,
    "bool": _read_input,
    "enum": _read_select,
    "choice": _read_select,
    "many_enum": _read_ticks,
    "many_choice": _read_ticks,
}
