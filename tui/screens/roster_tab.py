"""Preferences → Roster: how the school's roster (OneRoster) makes patrons, the library's
RosterMapping (store/roster/mapping.py).

Its settings of one value are generated forms (tui/widgets/model_form.py), in the model's
order; its tables (grade codes, policy by grade, roles, schools to sites) are code tables
(tui/widgets/code_table.py) whose values are chosen from the database's. What the saved
mapping names that the database lacks is flagged as the tab opens; saving is the
screen's F9 (tui/screens/preferences.py), which the store refuses while a problem holds.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import TabbedContent

from store import Invalid, Problem, Store
from store.roster.mapping import DEFAULT_GRADES, DEFAULT_ROLES, RosterMapping

from ..fields import field_specs
from ..widgets.code_table import CodeTable, Column
from ..widgets.model_form import ModelForm
from ..widgets.plain import Plain

if TYPE_CHECKING:
    from textual import getters

    from ..app import PatronUtilsApp

# The columns of each table of the mapping (a dict field; ModelForm edits the others).
TABLES: dict[str, tuple[Column, ...]] = {
    "grades": (Column("OneRoster code"), Column("Grade", choices="grade", blank="(no grade)")),
    "grade_policies": (Column("Grade", choices="grade"), Column("Policy", choices="policy")),
    "roles": (
        Column("Role"),
        Column("Policy", key="policy", choices="policy"),
        Column("Security group", key="security_group", choices="security_group"),
    ),
    "sites": (Column("School code"), Column("Site", choices="site")),
}
# The tables whose codes not listed keep their defaults (the model merges them back).
KEPT_DEFAULTS: dict[str, dict[str, Any]] = {"grades": DEFAULT_GRADES, "roles": DEFAULT_ROLES}
ROSTER = "F4 Roster"  # the tab's label (tui/screens/preferences.py)
KINDS = sorted({c.choices for columns in TABLES.values() for c in columns if c.choices})


def _is_table(name: str) -> bool:
    return typing.get_origin(RosterMapping.model_fields[name].annotation) is dict


class RosterTab(VerticalScroll):
    """The mapping's forms and tables; ``values()`` is what F9 gives the store."""

    DEFAULT_CSS = """
    RosterTab ModelForm { height: auto; overflow-y: hidden; }
    RosterTab #roster-message { height: auto; padding: 0 1; text-style: bold; display: none; }
    """

    if TYPE_CHECKING:
        app = getters.app(PatronUtilsApp)

    def __init__(self, store: Store) -> None:
        super().__init__(id="roster-tab")
        self.store = store
        self.unreadable: list[Problem] = []
        self.read: RosterMapping | None
        try:
            self.read = store.roster_mapping()
        except Invalid as exc:  # saved by an older version, or edited by hand
            self.unreadable = exc.problems
            self.read = None  # saving is then over it, not compared with it
        self.labels = self._choice_labels()

    def _choice_labels(self) -> dict[str, list[tuple[str, str]]]:
        return {kind: self.store.choice_labels(kind) for kind in KINDS}

    def compose(self) -> ComposeResult:
        say = self.app.say
        yield Plain(
            "In a table: a add · e or Enter edit · d delete · F9 saves this tab",
            classes="help-line",
        )
        yield Plain("", id="roster-message")
        shown = (self.read or RosterMapping()).model_dump(mode="json")
        specs = {s.name: s for s in field_specs(RosterMapping, say)}
        run: list = []  # settings of one value in a row make one form
        for name in RosterMapping.model_fields:
            if not _is_table(name):
                run.append(specs[name])
                continue
            if run:
                yield ModelForm(run, {}, shown, id=f"roster-form-{run[0].name}")
                run = []
            columns = tuple(
                Column(say(c.title), c.key, c.choices, c.blank and say(c.blank))
                for c in TABLES[name]
            )
            yield CodeTable(
                name,
                specs[name].title,
                specs[name].description,
                columns,
                shown[name],
                self.labels,
                KEPT_DEFAULTS.get(name),
            )
        if run:
            yield ModelForm(run, {}, shown, id=f"roster-form-{run[0].name}")

    def on_mount(self) -> None:
        self.check()

    @property
    def forms(self) -> list[ModelForm]:
        return list(self.query(ModelForm))

    @property
    def tables(self) -> list[CodeTable]:
        return list(self.query(CodeTable))

    def focus_first(self) -> None:
        self.forms[0].focus_first()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for form in self.forms:
            out.update(form.values())
        for table in self.tables:
            out[table.field] = table.values()
        return out

    def unsaved(self) -> bool:
        """Whether the tab holds changes F9 has not saved (values that do not validate are)."""
        try:
            shown = RosterMapping.model_validate(self.values())
        except ValidationError:
            return True
        return shown != (self.read or RosterMapping())

    # -- problems -----------------------------------------------------------------------
    def check(self) -> None:
        """Flag what the mapping shown names that the database lacks (the grade table may
        have changed since it was saved), and a saved mapping that cannot be read."""
        self.labels = self._choice_labels()
        for table in self.tables:
            table.update_choices(self.labels)
        self.show_problems(self.store.roster_mapping_check(self.values()), focus=False)
        if self.unreadable:
            said = "; ".join(str(p) for p in self.unreadable)
            self._say(
                f"⚠ The saved roster mapping cannot be read ({said}). This tab shows the "
                "defaults: F9 saves them over it."
            )

    def clear_problems(self) -> None:
        for form in self.forms:
            form.clear_problems()
        for table in self.tables:
            table.clear_problems()
        self._say("")

    def show_problems(self, problems: list[Problem], focus: bool = True) -> None:
        """Each problem by its field or row; the first one focused (after F9)."""
        self.clear_problems()
        self._count(len(problems))
        if not problems:
            return
        placed: list[tuple[Problem, ModelForm | CodeTable]] = []
        for form in self.forms:
            placed += [(p, form) for p in form.show_problems(problems)]
        for table in self.tables:
            placed += [(p, table) for p in table.show_problems(problems)]
        rest = [p for p in problems if all(p is not q for q, _ in placed)]
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        where = ", marked ⚠ below" if placed else ""
        lines = [f"⚠ {count}{where}: nothing is saved while one remains."]
        lines += [f"⚠ {self.app.say(str(p))}" for p in rest]
        self._say("\n".join(lines))
        if focus and placed:
            first, part = min(placed, key=lambda pp: problems.index(pp[0]))
            if isinstance(part, ModelForm):
                part.focus_field(first.field)
            else:
                part.focus_problem(first)

    def _count(self, problems: int) -> None:
        """The tab's own label says it has problems, seen from the other tabs too."""
        for tabs in self.ancestors_with_self:
            if isinstance(tabs, TabbedContent):
                tabs.get_tab("roster").label = f"{ROSTER} ⚠ {problems}" if problems else ROSTER

    def _say(self, text: str) -> None:
        message = self.query_one("#roster-message", Plain)
        message.update(text)
        message.display = bool(text)

    def saved(self, mapping: RosterMapping) -> None:
        self.read = mapping
        self.unreadable = []
        self.clear_problems()
        self._say("Roster mapping saved.")
        self.app.notify("Roster mapping saved.")

    def refused(self, message: str) -> None:
        self._say(message)
