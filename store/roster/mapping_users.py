"""One roster user as a patron of this library, by the library's RosterMapping.

What the database offers (its grade table, sites and Union Site, policies and security
groups) is read once into a ``MappingContext``; a ``Mapper`` resolves the mapping against it
once (each code, role and school override to the database's own spelling, or why not), so
that mapping a user is a few dictionary look-ups and the patron file's own check
(store/patron_record.py's PatronRecord): the record a user makes is exactly a patron-file
record, which the sync then passes through the import's rules (store/import_rules.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .. import patron_emails
from ..choice_names import Names
from ..patron_record import PatronRecord
from ..schema_versions import Status
from ..validation import CHOICE_SOURCES, Problem, allowed_list
from .mapping import SKIPPED_REASON, USER_IDS, RosterMapping, SiteFrom
from .mapping_context import Mapped, MappedPatron, MappingContext, Skipped
from .model import Roster, RosterOrg, RosterProblem, RosterUser

USERS = "users.csv"
ROLES = "roles.csv"
# The users.csv columns whose values 1.2 gives in roles.csv instead.
ROLES_COLUMNS = {"role": "role", "orgSourcedIds": "orgSourcedId"}
# Which users.csv column a patron field comes from, for a problem's message.
COLUMNS = {
    "first_name": "givenName",
    "middle_name": "middleName",
    "last_name": "familyName",
    "nickname": "preferredGivenName",
    "username": "username",
    "grade": "grades",
    "policy": "role",
    "security_group": "role",
    "site": "orgSourcedIds",
    "status": "status",
}
# A record's values that differ from user to user, and those the mapping gives.
PER_USER = ("barcode", "first_name", "middle_name", "last_name", "nickname", "username")
SHARED = ("grade", "policy", "security_group", "status", "site")
# Only a student's grades are theirs: a teacher's are the grades they teach.
GRADED_ROLE = "student"


def _resolved(names: Names, allowed: tuple[str, ...], value: str, kind: str) -> tuple[str, str]:
    """(the database's spelling, "") or ("", why not)."""
    try:
        found = names.resolve(value)
    except ValueError as exc:  # two values it could be: never a guess
        return "", str(exc)
    if found is not None:
        return found, ""
    return "", (
        f"{value!r} is not in {CHOICE_SOURCES[kind]}; allowed: {allowed_list(list(allowed))}"
    )


@dataclass
class Mapper:
    """A mapping resolved against one database: build once, then ``map`` every user."""

    mapping: RosterMapping
    context: MappingContext
    problems: list[Problem] = field(default_factory=list)  # the mapping's own, by key

    def __post_init__(self) -> None:
        m, c = self.mapping, self.context
        grades, policies = Names(c.grades), Names(c.policies)
        groups, sites = Names(c.security_groups), Names(c.sites)
        self._grades: dict[str, tuple[str, str]] = {}
        for code, grade in m.grades.items():
            found = _resolved(grades, c.grades, grade, "grade") if grade else ("", "")
            self._grades[code.casefold()] = found
            self._note(f"grades.{code}", "Grade codes", found[1])
        self._grade_policies: dict[str, tuple[str, str]] = {}
        for grade, policy in m.grade_policies.items():
            at, why = _resolved(grades, c.grades, grade, "grade")
            self._note(f"grade_policies.{grade}", "Policy by grade", why)
            found = _resolved(policies, c.policies, policy, "policy")
            self._note(f"grade_policies.{grade}", "Policy by grade", found[1])
            if at:
                self._grade_policies[at] = found
        self._roles: dict[str, tuple[str, str, str]] = {}
        for role, rule in m.roles.items():
            policy, why_p = _resolved(policies, c.policies, rule.policy, "policy")
            group, why_g = _resolved(
                groups, c.security_groups, rule.security_group, "security_group"
            )
            self._note(f"roles.{role}.policy", "Roles", why_p)
            self._note(f"roles.{role}.security_group", "Roles", why_g)
            self._roles[role] = (policy, group, "; ".join(w for w in (why_p, why_g) if w))
        self._sites: dict[str, tuple[str, str]] = {}
        for org, code in m.sites.items():
            found = _resolved(sites, c.sites, code, "site")
            self._sites[org.casefold()] = found
            self._note(f"sites.{org}", "Schools to sites", found[1])
        self._site_codes = {code.casefold(): code for code in c.sites}
        self._skipped = frozenset(m.skipped_roles)
        self._shared: dict[tuple, dict[str, Any] | list[tuple[str, str]]] = {}
        field_name = m.barcode_from
        self._barcode_column = "userIds" if field_name.startswith(USER_IDS) else field_name
        self._user_id_type = field_name[len(USER_IDS) :] if field_name.startswith(USER_IDS) else ""

    def _note(self, key: str, title: str, why: str) -> None:
        if why:
            self.problems.append(Problem(key, f"{title} [{key}]", why))

    # -- one user ---------------------------------------------------------------------
    def map(self, user: RosterUser, orgs: dict[str, RosterOrg]) -> Mapped:
        m = self.mapping
        if user.role in self._skipped:
            return Skipped(user.sourced_id, user.row, f"{user.role}: {SKIPPED_REASON}")
        problems: list[RosterProblem] = []

        def problem(column: str, message: str) -> None:
            if user.role_row is not None and column in ROLES_COLUMNS:  # 1.2: roles.csv's
                where = ROLES, user.role_row, ROLES_COLUMNS[column]
            else:
                where = USERS, user.row, column
            problems.append(RosterProblem(*where, message))

        role = self._roles.get(user.role)
        if role is None:
            problem(
                "role",
                f"role {user.role!r} is not in the mapping; mapped: "
                f"{allowed_list(sorted(self._roles))}; skipped: "
                f"{allowed_list(sorted(self._skipped))}",
            )
            policy = group = ""
        else:
            policy, group, why = role
            if why:
                problem("role", f"role {user.role}: {why}")
        barcode = self._barcode(user)
        if not barcode:
            problem(
                self._barcode_column,
                f"is blank, and {m.barcode_from} is the barcode "
                "(Barcode from): the user cannot be a patron",
            )
        grade = ""
        if user.grades and user.role == GRADED_ROLE:
            grade = self._grade(user.grades[0], problem)
            if grade in self._grade_policies:
                policy, why = self._grade_policies[grade]
                if why:
                    problem("grades", f"grade {grade}'s policy: {why}")
        site, to_union = self._site(user, orgs, problem)
        if problems:
            return problems
        status = Status.ACTIVE
        if user.status.casefold() == "tobedeleted":
            status = m.tobedeleted_status
        elif not user.enabled:
            status = m.disabled_status
        record: dict[str, Any] = {
            "barcode": barcode,
            "first_name": user.given_name,
            "middle_name": user.middle_name,
            "last_name": user.family_name,
            "grade": grade or None,
            "policy": policy,
            "security_group": group,
            "status": status,
            "site": site,
        }
        if m.nickname_from_preferred_name and user.preferred_given_name:
            record["nickname"] = user.preferred_given_name
        if m.username_from_roster and user.username:
            record["username"] = user.username
        checked = self._check(record, problem)
        email = None
        if m.email_from_roster and user.email:
            if not _PLAIN_EMAIL.fullmatch(user.email) and (
                bad := patron_emails.problem(user.email)
            ):
                problem("email", bad)
            email = user.email
        if problems:
            return problems
        return MappedPatron(user.sourced_id, user.row, checked, email, to_union)

    def _check(self, record: dict[str, Any], problem) -> dict[str, Any]:
        """The record as the patron file's own check (PatronRecord) makes it. What varies
        from user to user (barcode, names, username) is checked for each; the values taken
        from the mapping (grade, policy, group, status, site) once per combination: they
        are few, and checking them per user would double a 100,000-user sync's time."""
        own = {k: record[k] for k in PER_USER if k in record}
        shared = tuple((k, record[k]) for k in SHARED)
        checked: dict[str, Any] = {}
        if (done := self._shared.get(shared)) is None:
            done = self._shared[shared] = self._validate(
                {"barcode": "X", "last_name": "X", **dict(shared)}, SHARED, self.context.choices
            )
        mine = dict(own) if _plain(own) else self._validate(own, tuple(own), None)
        for part in (done, mine):
            if isinstance(part, list):
                for name, message in part:
                    column = self._barcode_column if name == "barcode" else COLUMNS.get(name, name)
                    problem(column, message)
            else:
                checked.update(part)
        return {k: checked[k] for k in record if k in checked}

    @staticmethod
    def _validate(
        data: dict[str, Any], keys: tuple[str, ...], choices
    ) -> dict[str, Any] | list[tuple[str, str]]:
        try:
            model = PatronRecord.model_validate(data, context={"choices": choices})
        except ValidationError as exc:
            out = []
            for err in exc.errors(include_url=False):
                name = str(err["loc"][0]) if err["loc"] else ""
                message = err["msg"].removeprefix("Value error, ")
                if err["type"] == "string_too_short":
                    message = "a value is required"
                elif err["type"] == "string_too_long":
                    message = (
                        f"at most {err['ctx']['max_length']} characters are allowed for a "
                        f"patron's {name.replace('_', ' ')}; this has {len(err['input'])}"
                    )
                out.append((name, message))
            return out
        values = {k: getattr(model, k) for k in keys}
        if "status" in values:
            values["status"] = str(values["status"])
        return values

    def _barcode(self, user: RosterUser) -> str:
        source = self.mapping.barcode_from
        if self._user_id_type:
            return user.user_ids.get(self._user_id_type, "").strip()
        if source == "sourcedId":
            return user.sourced_id
        return user.identifier if source == "identifier" else user.username

    def _grade(self, code: str, problem) -> str:
        found = self._grades.get(code.casefold())
        if found is None and code.isdigit() and len(code) == 1:
            found = self._grades.get("0" + code)  # a vendor's 1 is OneRoster's 01
        if found is None:
            problem(
                "grades",
                f"grade code {code!r} is not in the mapping (Grade codes); "
                f"codes: {allowed_list(list(self.mapping.grades), 30)}",
            )
            return ""
        grade, why = found
        if why:
            problem("grades", f"grade code {code!r} is mapped to {why}")
        return grade

    def _site(self, user: RosterUser, orgs: dict[str, RosterOrg], problem) -> tuple[str, bool]:
        org = orgs.get(user.org_ids[0]) if user.org_ids else None
        keys = (org.sourced_id, org.identifier) if org else ()
        for key in keys:
            if key and (found := self._sites.get(key.casefold())) is not None:
                code, why = found
                if why:
                    problem("orgSourcedIds", f"school {key!r} (Schools to sites): {why}")
                return code, False
        if org is not None:
            order = {
                SiteFrom.IDENTIFIER_THEN_SOURCED_ID: (org.identifier, org.sourced_id),
                SiteFrom.IDENTIFIER: (org.identifier,),
                SiteFrom.SOURCED_ID: (org.sourced_id,),
            }[self.mapping.site_from]
            for key in order:
                if key and (site := self._site_codes.get(key.casefold())) is not None:
                    return site, False
        if self.context.union_site is None:  # as an import: the Union Site catches the rest
            problem(
                "orgSourcedIds",
                "the user's school is no site here and this database "
                "has no Union Site to hold them",
            )
            return "", False
        return self.context.union_site, True


def _plain(own: dict[str, Any]) -> bool:
    """Whether PatronRecord would take these per-user values exactly as they are, known
    without it: printable text (no control or invisible character, no space but ASCII's)
    with nothing to strip, within each field's limits. Most users' are; any other value is
    checked by PatronRecord itself, which says what is wrong."""
    for key, value in own.items():
        limits = _LIMITS.get(key)
        if limits is None or type(value) is not str:
            return False
        least, most, banned = limits
        if not least <= len(value) <= most or not value.isprintable() or value != value.strip():
            return False
        if banned is not None and banned.search(value):
            return False
    return True


# An address patron_emails.problem() has nothing against, known by one C-speed match: ASCII
# letters, digits and its punctuation before the @ (no dot first, last or twice, at most 64),
# then two or more labels of letters, digits and inner hyphens (at most 63 each), the last
# not all digits, 254 characters in all. Any other address is checked by problem() itself.
_PLAIN_EMAIL = re.compile(
    r"(?=.{3,254}\Z)(?=[^@]{1,64}@)"
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?![0-9]+\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    re.ASCII | re.DOTALL,
)
# PatronRecord's limits on the per-user fields: (shortest, longest, characters not allowed).
_ANY = 10**9
_LIMITS: dict[str, tuple[int, int, re.Pattern | None]] = {
    "barcode": (1, 15, re.compile("[ ,;]")),
    "first_name": (0, _ANY, None),
    "middle_name": (0, _ANY, None),
    "last_name": (1, 100, None),
    "nickname": (0, _ANY, None),
    "username": (1, 60, re.compile(" ")),
}


def check(mapping: RosterMapping, context: MappingContext) -> list[Problem]:
    """The mapping's values that this database lacks (a grade, policy, group or site),
    each named by its key (roles.student.policy) with what is allowed."""
    return Mapper(mapping, context).problems


def map_user(
    user: RosterUser, orgs: dict[str, RosterOrg], mapping: RosterMapping, context: MappingContext
) -> Mapped:
    """One user (resolves the mapping each call: for many, a Mapper or ``map_users``)."""
    return Mapper(mapping, context).map(user, orgs)


def map_users(
    roster: Roster | Iterable[RosterUser],
    mapping: RosterMapping,
    context: MappingContext,
    orgs: dict[str, RosterOrg] | None = None,
) -> list[Mapped]:
    """Every user of the roster, in order."""
    mapper = Mapper(mapping, context)
    if isinstance(roster, Roster):
        users, orgs = roster.users, roster.orgs
    else:
        users = list(roster)
    return [mapper.map(u, orgs or {}) for u in users]
