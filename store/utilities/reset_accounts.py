"""Reset Patron Accounts: usernames and/or passwords, by the chosen formats."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum

import sqlite_utils
from pydantic import Field

from .. import security
from ..fields import field_title
from ..security import PASSWORDS, UTILITIES, Operator
from ..usernames import as_password
from ..validation import Invalid, Problem, StoreModel
from .base import CHANGING, PlanSQL, PlanView, Progress, TransactionView, Utility


class UsernameFormat(StrEnum):
    NO_CHANGE = "No Change"
    BARCODE = "Barcode"
    INITIAL_LAST = "First Initial + Last Name"
    FIRST_LAST = "First Name + Last Name"
    EMAIL = "Email Address"


class PasswordFormat(StrEnum):
    NO_CHANGE = "No Change"
    LAST_NAME = "Last Name (non-secure)"
    EMAIL_LINK = "Patron (email link)"


class ResetAccountsOptions(StoreModel):
    username: UsernameFormat = Field(
        UsernameFormat.NO_CHANGE,
        title="Reset Username by",
        description="Barcode; first initial + last name (Darla Anderson → danderson); first + "
        "last name (darlaanderson); or the first email address listed.",
    )
    use_nickname: bool = Field(
        False,
        title="Use Nickname when available",
        description="Use the patron's nickname instead of the first name.",
    )
    password: PasswordFormat = Field(
        PasswordFormat.NO_CHANGE,
        title="Reset Password by",
        description="Last name (patrons must choose a new password at next login), or email "
        "patrons a single-use link to choose their own (valid 72 hours).",
    )


EMAIL = (
    "(SELECT lower(trim(e.address)) FROM patron_emails e WHERE e.patron_id = p.id "
    "ORDER BY e.position LIMIT 1)"
)
FIRST = "CASE WHEN :nickname AND p.nickname <> '' THEN p.nickname ELSE p.first_name END"
USERNAME_SQL = {
    UsernameFormat.NO_CHANGE: "p.username",
    UsernameFormat.BARCODE: "lower(p.barcode)",
    UsernameFormat.INITIAL_LAST: (
        f"substr(fold_username({FIRST}), 1, 1) || fold_username(p.last_name)"
    ),
    UsernameFormat.FIRST_LAST: f"fold_username({FIRST}) || fold_username(p.last_name)",
    UsernameFormat.EMAIL: EMAIL,
}
LEVEL = "(SELECT g.level FROM security_groups g WHERE g.name = p.security_group)"
RESET_SUBJECT = "Choose a new library password"
RESET_BODY = (
    "Hello {name},\n\nThe library has reset your account. Choose a new password "
    "with this link within 72 hours (it works once):\n\n{link}\n\n"
    "If you did not expect this message, tell your librarian.\n"
)


class ResetPatronAccounts(Utility[ResetAccountsOptions]):
    key = "reset-accounts"
    title = "Reset Patron Accounts"
    summary = "Resets patron usernames and/or passwords to the chosen formats."
    guidance = (
        "Run this utility at the beginning of the school year to let patrons who have forgotten "
        "their usernames and passwords over the summer log in again, or to change usernames to "
        "something easier to remember, such as first initial and last name.\n\n"
        "Only patrons of a lower security level than yours (a larger number) are changed. A "
        "patron is skipped if the new username would duplicate another patron's, or if the "
        "format needs an email address and they have none; the summary lists every skip."
    )
    textbook_tracker = True
    permissions = (UTILITIES, PASSWORDS)
    Options = ResetAccountsOptions
    value_label = "Username"

    def check(
        self, db: sqlite_utils.Database, options: ResetAccountsOptions, operator: Operator
    ) -> None:
        if (
            options.username == UsernameFormat.NO_CHANGE
            and options.password == PasswordFormat.NO_CHANGE
        ):
            raise Invalid(
                [
                    Problem(
                        "username",
                        field_title(ResetAccountsOptions, "username"),
                        "both the username and the password are No Change; choose what to reset",
                    )
                ]
            )

    def plan_sql(self, options: ResetAccountsOptions, operator: Operator) -> PlanSQL:
        needs_email = (
            options.username == UsernameFormat.EMAIL
            or options.password == PasswordFormat.EMAIL_LINK
        )
        resets_password = options.password != PasswordFormat.NO_CHANGE
        # Reasons in order; the first that holds is the patron's outcome.
        # The plan skips your own account, and below level 0 patrons at or above your level;
        # the vendor manual lets no one change the password of a patron at their own level, so here
        # level 0 skips level 0 too.
        blocked = [
            (
                f"coalesce({LEVEL} <= :level, 0)",
                "'in ' || p.security_group || ' (level ' || "
                + LEVEL
                + " || '), not below your level ' || :level",
            )
        ]
        if needs_email:
            blocked.append(("p.email IS NULL", "'no email address'"))
        if options.username != UsernameFormat.NO_CHANGE:
            blocked.append(("coalesce(p.new, '') = ''", "'no letters to make a username from'"))
        eligible = "NOT (" + " OR ".join(cond for cond, _ in blocked) + ")"
        # Usernames compare without case (the column is COLLATE NOCASE, as logins are), so
        # 'DAnderson' held by another patron clashes with a new 'danderson'; a patron's own
        # 'DANDERSON' may still become 'danderson' (BINARY: that is a change).
        differs = "p.new IS NOT p.username COLLATE BINARY"
        clash_outside = (
            f"{differs} AND EXISTS (SELECT 1 FROM patrons o "
            "WHERE o.username = p.new AND o.id <> p.id)"
        )
        clash_batch = (
            f"{differs} AND count(*) FILTER (WHERE {eligible}) OVER (PARTITION BY p.new) > 1"
        )
        blocked += [
            (clash_outside, "p.new || ' belongs to another patron'"),
            (clash_batch, "p.new || ' would be shared within this batch'"),
        ]
        skip = " ".join(f"WHEN {cond} THEN 'skip'" for cond, _ in blocked)
        reasons = " ".join(f"WHEN {cond} THEN {why}" for cond, why in blocked)
        same = "0" if resets_password else "p.new IS p.username COLLATE BINARY"
        return PlanSQL(
            current="p.username",
            new=USERNAME_SQL[options.username],
            outcome=f"CASE {skip} WHEN {same} THEN 'unchanged' ELSE 'change' END",
            reason=f"CASE {reasons} WHEN {same} THEN 'already ' || p.new END",
            params={"nickname": options.use_nickname, "level": operator.level},
            extra={"email": EMAIL},
        )

    def prepare(
        self, db: sqlite_utils.Database, plan: PlanView[ResetAccountsOptions], progress: Progress
    ) -> None:
        """Hash each new password before the write lock: argon2 is slow by design."""
        if plan.options.password != PasswordFormat.LAST_NAME:
            return
        rows = db.execute(
            f"""SELECT p.id, p.last_name FROM temp.{plan.table} plan
                JOIN patrons p ON p.id = plan.patron_id WHERE {CHANGING}"""
        ).fetchall()
        hasher = security.HASHER
        hashes: list[str] = []
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for start in range(0, len(rows), 64):
                chunk = rows[start : start + 64]
                hashes += pool.map(lambda r: hasher.hash(as_password(r[1])), chunk)
                progress(len(hashes), len(rows))
        table = f"{plan.table}_passwords"
        db.execute(f"DROP TABLE IF EXISTS temp.{table}")
        db.execute(f"CREATE TEMP TABLE {table} (patron_id INTEGER PRIMARY KEY, hash TEXT NOT NULL)")
        db.conn.executemany(
            f"INSERT INTO temp.{table} VALUES (?, ?)",
            [(r[0], h) for r, h in zip(rows, hashes, strict=True)],
        )

    def apply(self, tx: TransactionView[ResetAccountsOptions]) -> None:
        options: ResetAccountsOptions = tx.options
        if options.username != UsernameFormat.NO_CHANGE:
            tx.update_patrons("username")
        if options.password == PasswordFormat.LAST_NAME:
            table = f"temp.{tx.plan.table}_passwords"
            tx.record_rows(
                "patrons",
                "update",
                f"id IN {tx.changes}",
                {"now": tx.now},
                columns=["password_hash", "must_change_password", "modified"],
                after_sql=f"(SELECT json_object('password_hash', h.hash, "
                f"'must_change_password', 1, 'modified', :now) "
                f"FROM {table} h WHERE h.patron_id = patrons.id)",
            )
            tx.db.execute(
                f"""UPDATE patrons SET password_hash = h.hash, must_change_password = 1,
                                  modified = :now
                              FROM {table} h WHERE h.patron_id = patrons.id""",
                {"now": tx.now},
            )
            tx.db.execute(f"DROP TABLE {table}")
        elif options.password == PasswordFormat.EMAIL_LINK:
            first = tx.last_id("outbox")
            tx.db.execute(
                f"""INSERT INTO outbox (patron_id, kind, address, subject, body, created)
                    SELECT p.id, 'password-reset', {EMAIL}, :subject,
                           replace(:body, '{{name}}', CASE WHEN p.first_name = '' THEN p.last_name
                                                           ELSE p.first_name END), :now
                    FROM patrons p WHERE p.id IN {tx.changes}""",
                {"subject": RESET_SUBJECT, "body": RESET_BODY, "now": tx.now},
            )
            tx.record_rows("outbox", "insert", "id > :first", {"first": first})
