"""Delivering the outbox over SMTP (standard library), e.g. password-reset links."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import secrets
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import sqlite_utils

from . import clock
from .security import token_hash

RESET_HOURS = 72
# Where the password page (patron-utils serve --web) said it is reached, as a reset link's
# start: the reset URL when neither PATRON_UTILS_RESET_URL nor --reset-url gives one.
SERVED_RESET_URL = "password_page.reset_url"


class MailConfigError(ValueError):
    """Something needed to send mail is not configured; names the setting."""


@dataclass(frozen=True)
class MailConfig:
    host: str
    sender: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    reset_url: str | None = None  # the page that takes ?token=… (see SERVED_RESET_URL)
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> MailConfig:
        """Settings from PATRON_UTILS_SMTP_* variables, overridden by non-empty arguments."""
        env = dict(os.environ if env is None else env)
        values = {
            "host": env.get("PATRON_UTILS_SMTP_HOST"),
            "port": env.get("PATRON_UTILS_SMTP_PORT"),
            "starttls": env.get("PATRON_UTILS_SMTP_STARTTLS"),
            "username": env.get("PATRON_UTILS_SMTP_USER"),
            "password": env.get("PATRON_UTILS_SMTP_PASSWORD"),
            "sender": env.get("PATRON_UTILS_MAIL_FROM"),
            "reset_url": env.get("PATRON_UTILS_RESET_URL"),
        }
        flags = {"sender": "from", "reset_url": "reset-url"}
        for key, value in overrides.items():
            if isinstance(value, str) and not value.strip():  # given, but empty: no default
                raise MailConfigError(
                    f"--{flags.get(key, key)} is empty: give a value or leave it out"
                )
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values["host"]:
            raise MailConfigError("no SMTP host: set PATRON_UTILS_SMTP_HOST or use --host")
        if not values["sender"]:
            raise MailConfigError("no sender address: set PATRON_UTILS_MAIL_FROM or use --from")
        text = str(values["port"] or 25).strip()
        if not (text.isascii() and text.isdigit()):  # int() would take '1_000' and '١٢'
            raise MailConfigError(f"SMTP port {values['port']!r} is not a number") from None
        port = int(text)
        if not 1 <= port <= 65535:
            raise MailConfigError(f"SMTP port {port} is not allowed; use 1 to 65535")
        starttls: str | bool | None = values["starttls"]
        if isinstance(starttls, str):
            if starttls.strip().lower() not in ("", "0", "1", "yes", "no", "true", "false"):
                raise MailConfigError(
                    f"PATRON_UTILS_SMTP_STARTTLS={starttls!r} is not allowed; use 1 or 0"
                )
            starttls = starttls.strip().lower() in ("1", "yes", "true")
        return cls(
            host=values["host"],
            sender=values["sender"],
            port=port,
            starttls=bool(starttls),
            username=values["username"] or None,
            password=values["password"] or None,
            reset_url=values["reset_url"] or None,
        )


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    errors: list[str]


def served_reset_url(db: sqlite_utils.Database) -> str | None:
    row = db.execute("SELECT value FROM preferences WHERE key = ?", [SERVED_RESET_URL]).fetchone()
    return row[0] if row and row[0] else None


def note_served_reset_url(db: sqlite_utils.Database, url: str) -> None:
    """Remember where the password page is served (``url`` ends where the token goes)."""
    db.execute(
        "INSERT OR REPLACE INTO preferences (key, value) VALUES (?, ?)", [SERVED_RESET_URL, url]
    )


def queued(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE sent IS NULL").fetchone()[0]


def send_outbox(db: sqlite_utils.Database, config: MailConfig) -> Delivery:
    """Send every queued message; a failed one stays queued with its error."""
    rows = list(db.query("SELECT * FROM outbox WHERE sent IS NULL ORDER BY id"))
    if not rows:
        return Delivery(0, 0, [])
    if config.reset_url is None:
        config = dataclasses.replace(config, reset_url=served_reset_url(db))
    if config.reset_url is None and any(r["kind"] == "password-reset" for r in rows):
        raise MailConfigError(
            "password-reset messages need the reset page: set PATRON_UTILS_RESET_URL, use "
            "--reset-url, or serve the password page (patron-utils serve --web HOST:PORT)"
        )
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        error = f"could not connect to {config.host}:{config.port}: {exc}"
        db.execute(
            "UPDATE outbox SET attempts = attempts + 1, error = ? WHERE sent IS NULL", [error]
        )
        return Delivery(0, len(rows), [error])
    sent, errors = 0, []
    with smtp:
        for row in rows:
            try:
                _send_one(db, smtp, config, row)
                sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                error = f"{row['address']}: {exc}"
                errors.append(error)
                db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, error = ? WHERE id = ?",
                    [error, row["id"]],
                )
    return Delivery(sent, len(rows) - sent, errors)


def _connect(config: MailConfig) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        if config.starttls:
            smtp.starttls()
        if config.username:
            smtp.login(config.username, config.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_one(db: sqlite_utils.Database, smtp: smtplib.SMTP, config: MailConfig, row: dict) -> None:
    body, reset_id = row["body"], None
    if row["kind"] == "password-reset":
        # The token is minted as the message leaves, so no usable one ever sits in the
        # database: only its hash is kept, and it expires 72 hours from now.
        token = secrets.token_urlsafe(32)
        now = dt.datetime.fromisoformat(clock.now())
        reset_id = db.execute(
            "INSERT INTO password_resets (patron_id, token_hash, created, expires) "
            "VALUES (?, ?, ?, ?)",
            [
                row["patron_id"],
                token_hash(token),
                now.isoformat(sep=" "),
                (now + dt.timedelta(hours=RESET_HOURS)).isoformat(sep=" "),
            ],
        ).lastrowid
        assert config.reset_url is not None  # refused above when a reset is queued
        body = body.replace("{link}", config.reset_url + token)
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = row["address"]
    message["Subject"] = row["subject"]
    message.set_content(body)
    try:
        smtp.send_message(message)
    except BaseException:
        if reset_id is not None:
            db.execute("DELETE FROM password_resets WHERE id = ?", [reset_id])
        raise
    db.execute(
        "UPDATE outbox SET sent = ?, attempts = attempts + 1, error = NULL WHERE id = ?",
        [clock.now(), row["id"]],
    )
