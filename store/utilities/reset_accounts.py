"""Reset Patron Accounts: usernames and/or passwords, by the chosen formats."""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from itertools import islice

import sqlite_utils
from pydantic import Field

from .. import security
from ..fields import field_title
from ..security import PASSWORDS, UTILITIES, Operator
from ..usernames import as_password
from ..validation import Invalid, Problem, StoreModel
from .base import CHANGING, MATCHED, PlanSQL, PlanView, Progress, TransactionView, Utility


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


# Usernames keep the case they are made from (a barcode 'AbC3012', an address as listed):
# logins ignore case (store/security.py casefolds what is typed, and the column compares
# with NOCASE), so lower-casing would only change what the patron sees, and uniqueness is
# already without case.
EMAIL = (
    "(SELECT trim(e.address) FROM patron_emails e WHERE e.patron_id = p.id "
    "ORDER BY e.position LIMIT 1)"
)
FIRST = "CASE WHEN :nickname AND p.nickname <> '' THEN p.nickname ELSE p.first_name END"
USERNAME_SQL = {
    UsernameFormat.NO_CHANGE: "p.username",
    UsernameFormat.BARCODE: "p.barcode",
    UsernameFormat.INITIAL_LAST: (
        f"substr(fold_username({FIRST}), 1, 1) || fold_username(p.last_name)"
    ),
    UsernameFormat.FIRST_LAST: f"fold_username({FIRST}) || fold_username(p.last_name)",
    UsernameFormat.EMAIL: EMAIL,
}
LEVEL = "(SELECT g.level FROM security_groups g WHERE g.name = p.security_group)"
# The batch's tables (PlanSQL.batch): who may take a new username, and who does.
WANTING, MOVERS = "reset_wanting", "reset_movers"
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
        "new username is not given if it would duplicate another patron's after the run (one "
        "another patron of this run gives up may be taken), or if the format needs an email "
        "address and they have none; an emailed link needs an email address too. When only "
        "the username or only the password can be reset, that part is done and the preview "
        "says which was not and why; the summary lists every skip. Usernames keep the case "
        "of the barcode or address (logins ignore case)."
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
        resets_username = options.username != UsernameFormat.NO_CHANGE
        resets_password = options.password != PasswordFormat.NO_CHANGE
        # The plan skips your own account, and below level 0 patrons at or above your level;
        # the vendor manual lets no one change the password of a patron at their own level,
        # so here level 0 skips level 0 too. Such a patron keeps both username and password.
        level = f"(p.id = :operator OR coalesce({LEVEL} <= :level, 0))"
        level_why = (
            "'in ' || p.security_group || ' (level ' || "
            + LEVEL
            + " || '), not below your level ' || :level"
        )
        # Each part (username, password) is done on its own when the other cannot be.
        password_why = (
            "CASE WHEN p.email IS NULL THEN 'no email address' END"
            if options.password == PasswordFormat.EMAIL_LINK
            else "NULL"
        )
        params = {"nickname": options.use_nickname, "level": operator.level}
        params["operator"] = operator.patron_id
        if not resets_username:
            return PlanSQL(
                current="p.username",
                new="p.username",
                outcome=f"CASE WHEN {level} OR ({password_why}) IS NOT NULL THEN 'skip' "
                "ELSE 'change' END",
                reason=f"CASE WHEN {level} THEN {level_why} ELSE {password_why} END",
                params=params,
                extra={"email": EMAIL},
            )
        batch, username_why = self._usernames(options, level)
        # A changing username differs from the patron's own, in case too ('DANDERSON' may
        # become 'danderson': the column compares without case, so that is no clash).
        differs = "p.candidate IS NOT p.username COLLATE BINARY"
        new = f"CASE WHEN p.id IN (SELECT id FROM {MOVERS}) THEN p.candidate ELSE p.username END"
        if not resets_password:
            outcome = (
                f"CASE WHEN {level} OR ({username_why}) IS NOT NULL THEN 'skip' "
                f"WHEN NOT ({differs}) THEN 'unchanged' ELSE 'change' END"
            )
            reason = (
                f"CASE WHEN {level} THEN {level_why} "
                f"WHEN ({username_why}) IS NOT NULL THEN {username_why} "
                f"WHEN NOT ({differs}) THEN 'already ' || p.username END"
            )
        else:
            user, word = f"({username_why})", f"({password_why})"
            outcome = (
                f"CASE WHEN {level} THEN 'skip' WHEN {word} IS NULL THEN 'change' "
                f"WHEN {user} IS NULL AND {differs} THEN 'change' ELSE 'skip' END"
            )
            reason = f"""CASE WHEN {level} THEN {level_why}
                WHEN {user} IS NULL AND {word} IS NULL THEN NULL
                WHEN {user} = {word} THEN {user}
                WHEN {word} IS NULL THEN 'password reset; username not changed: ' || {user}
                WHEN {user} IS NOT NULL
                THEN 'username not changed: ' || {user} || '; password not reset: ' || {word}
                WHEN {differs} THEN 'username changed; password not reset: ' || {word}
                ELSE 'password not reset: ' || {word} || ' (username already ' ||
                     p.username || ')' END"""
        return PlanSQL(
            current="p.username",
            new=new,
            outcome=outcome,
            reason=reason,
            params=params,
            extra={"email": EMAIL, "candidate": USERNAME_SQL[options.username]},
            batch=batch,
        )

    def _usernames(self, options: ResetAccountsOptions, level: str) -> tuple[dict[str, str], str]:
        """The batch of patrons who take their new username, and why another does not.

        Set-based, on the usernames as they will be after the run: a patron may take a
        username another patron of this run gives up (bsmith → zsmith frees bsmith for Bea
        Smith). Who moves is found from the patrons whose new username nobody holds, then,
        step by step, those whose new username is held by one who moves. A username wanted by
        two patrons goes to neither; two patrons swapping usernames both keep theirs. In the
        end every username is still held by one patron at most."""
        m = MATCHED
        base = [
            (
                "p.email IS NULL" if options.username == UsernameFormat.EMAIL else "0",
                "'no email address'",
            ),
            ("coalesce(p.candidate, '') = ''", "'no letters to make a username from'"),
        ]
        able = " AND ".join(f"NOT coalesce({cond}, 0)" for cond, _ in [(level, ""), *base])
        differs = "w.candidate IS NOT w.username COLLATE BINARY"
        batch = {
            # Who may take a new username, with how many of them want the same one.
            WANTING: f"""SELECT p.id, p.username, p.candidate,
                    count(*) OVER (PARTITION BY p.candidate COLLATE NOCASE) AS wanted
                FROM {m} p WHERE {able}""",
            MOVERS: f"""SELECT w.id, w.username FROM {WANTING} w
                WHERE w.wanted = 1 AND {differs} AND NOT EXISTS
                    (SELECT 1 FROM patrons o WHERE o.username = w.candidate AND o.id <> w.id)
                UNION
                SELECT w.id, w.username FROM {WANTING} w
                JOIN {MOVERS} h ON h.username = w.candidate COLLATE NOCASE AND h.id <> w.id
                WHERE w.wanted = 1 AND {differs}""",
        }
        differs = "p.candidate IS NOT p.username COLLATE BINARY"
        moves = f"p.id IN (SELECT id FROM {MOVERS})"
        held = (
            f"{differs} AND NOT {moves} AND EXISTS (SELECT 1 FROM patrons o "
            f"WHERE o.username = p.candidate AND o.id <> p.id "
            f"AND o.id NOT IN (SELECT id FROM {MOVERS}))"
        )
        shared = f"{differs} AND p.id IN (SELECT id FROM {WANTING} WHERE wanted > 1)"
        cases = [
            *base,
            (held, "p.candidate || ' belongs to another patron'"),
            (shared, "p.candidate || ' would be shared within this batch'"),
            (f"{differs} AND NOT {moves}", "p.candidate || ' belongs to another patron'"),
        ]
        why = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in cases) + " END"
        return batch, why

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
        workers = os.cpu_count() or 2
        # A few hashes in flight per core, taken in order as each is done: every core stays
        # busy, progress moves with each patron and a cancel waits for a few hashes only.
        waiting = iter(rows)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            in_flight = deque(
                pool.submit(hasher.hash, as_password(r[1])) for r in islice(waiting, 2 * workers)
            )
            while in_flight:
                hashes.append(in_flight.popleft().result())
                for r in islice(waiting, 1):
                    in_flight.append(pool.submit(hasher.hash, as_password(r[1])))
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
            tx.update_patrons("username", moving=True)
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
                    FROM patrons p WHERE p.id IN {tx.changes} AND {EMAIL} IS NOT NULL""",
                {"subject": RESET_SUBJECT, "body": RESET_BODY, "now": tx.now},
            )
            tx.record_rows("outbox", "insert", "id > :first", {"first": first})
