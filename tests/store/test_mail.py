"""Delivering the outbox to a real SMTP server on 127.0.0.1 (aiosmtpd), and redeeming reset
links."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import store
from patron_utils import main
from store import clock, security
from store.mail import MailConfig, MailConfigError, queued, send_outbox
from store.patron_passwords import LINK_REFUSED, redeem
from store.security import PASSWORDS, UTILITIES, Operator, ResetRefused
from store.utilities.reset_accounts import RESET_SUBJECT

from ..operators import enrol
from ..smtp_server import Recorder, free_port

SENDER = "library@example.org"
RESET_URL = "https://catalog.example.org/reset?token="
LINK = re.compile(re.escape(RESET_URL) + r"([A-Za-z0-9_-]+)")
# small_db Students (level 3) who get addresses; the rest of small_db has none.
ADDRESSES = {1: "ann@example.org", 2: "ben@example.org", 3: "cara@example.org"}
OPERATOR = Operator(900, "mailer", "Mail Tester", "Librarian", 1, frozenset({UTILITIES, PASSWORDS}))


@pytest.fixture
def outbox(small_db, monkeypatch):
    """small_db with one password-reset message queued for each patron in ADDRESSES."""
    monkeypatch.setattr(
        security, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    for pid, address in ADDRESSES.items():
        small_db.db["patron_emails"].insert({"patron_id": pid, "position": 0, "address": address})
    plan = small_db.plan(
        "reset-accounts", {}, {"password": "Patron (email link)"}, enrol(small_db.db, OPERATOR)
    )
    assert plan.counts.change == len(ADDRESSES)
    small_db.apply(plan)
    assert queued(small_db.db) == len(ADDRESSES)
    return small_db


def config(port: int, **kw) -> MailConfig:
    return MailConfig(host="127.0.0.1", port=port, sender=SENDER, reset_url=RESET_URL, **kw)


def outbox_rows(s: store.Store) -> dict[str, dict]:
    return {r["address"]: r for r in s.db.query("SELECT * FROM outbox")}


def raw_bytes(s: store.Store) -> bytes:
    path = Path(s.path)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def tokens(recorder: Recorder) -> dict[str, str]:
    """address -> the token in its message's link."""
    return {
        address: LINK.search(msg.get_content()).group(1)
        for address, msg in recorder.by_address().items()
    }


# -- delivery -----------------------------------------------------------------------------


def test_reset_links_reach_each_patron_and_only_their_hashes_are_kept(outbox, smtp):
    delivery = send_outbox(outbox.db, config(smtp.port))
    assert (delivery.sent, delivery.failed, delivery.errors) == (3, 0, [])
    assert len(smtp.messages) == 3
    assert all(sender == SENDER for sender, _, _ in smtp.messages)
    received = smtp.by_address()
    assert set(received) == set(ADDRESSES.values())
    for address, message in received.items():
        assert message["To"] == address and message["From"] == SENDER
        assert message["Subject"] == RESET_SUBJECT
        assert "{link}" not in message.get_content()
    assert received["ann@example.org"].get_content().startswith("Hello Ann,")
    links = tokens(smtp)
    assert len(set(links.values())) == 3 and all(len(t) >= 32 for t in links.values())
    resets = dict(outbox.db.execute("SELECT patron_id, token_hash FROM password_resets").fetchall())
    assert resets == {
        pid: hashlib.sha256(links[a].encode()).hexdigest() for pid, a in ADDRESSES.items()
    }
    raw = raw_bytes(outbox)
    assert resets[1].encode() in raw  # we read the right file
    for token in links.values():
        assert token.encode() not in raw
    rows = outbox_rows(outbox)
    assert all(r["sent"] and r["attempts"] == 1 and r["error"] is None for r in rows.values())
    assert queued(outbox.db) == 0
    assert send_outbox(outbox.db, config(smtp.port)).sent == 0  # nothing is sent twice
    assert len(smtp.messages) == 3


def test_a_reset_link_sets_a_password_once(outbox, smtp):
    send_outbox(outbox.db, config(smtp.port))
    token = tokens(smtp)["ben@example.org"]
    outbox.db.execute("UPDATE patrons SET must_change_password = 1 WHERE id = 2")
    op = redeem(outbox.db, token, "Quokka-new-pass-71", "Quokka-new-pass-71")
    assert outbox.db.execute(
        "SELECT operator_id FROM operations WHERE id = ?", [op]
    ).fetchone() == (2,)
    row = outbox.db["patrons"].get(2)
    assert PasswordHasher().verify(row["password_hash"], "Quokka-new-pass-71")
    assert row["must_change_password"] == 0
    assert outbox.db.execute("SELECT used FROM password_resets WHERE patron_id = 2").fetchone()[0]
    with pytest.raises(ResetRefused, match=LINK_REFUSED):
        redeem(outbox.db, token, "another-pass-44", "another-pass-44")
    assert PasswordHasher().verify(
        outbox.db["patrons"].get(2)["password_hash"], "Quokka-new-pass-71"
    )
    with pytest.raises(ResetRefused, match=LINK_REFUSED):
        redeem(outbox.db, "not-a-token", "x", "x")
    assert b"Quokka-new-pass-71" not in raw_bytes(outbox)


def test_a_reset_link_expires_after_72_hours(outbox, smtp, fixed_today):
    send_outbox(outbox.db, config(smtp.port))
    links = tokens(smtp)
    clock.fix_today(fixed_today + dt.timedelta(days=2))
    assert redeem(outbox.db, links["ann@example.org"], "in-time-pass", "in-time-pass")
    clock.fix_today(fixed_today + dt.timedelta(days=4))
    with pytest.raises(ResetRefused, match=LINK_REFUSED):
        redeem(outbox.db, links["ben@example.org"], "too-late-pass", "too-late-pass")
    assert outbox.db["patrons"].get(2)["password_hash"] is None


def test_a_refused_recipient_stays_queued_and_the_others_are_sent(outbox, smtp):
    smtp.reject = {"ben@example.org"}
    delivery = send_outbox(outbox.db, config(smtp.port))
    assert (delivery.sent, delivery.failed) == (2, 1)
    assert len(delivery.errors) == 1 and "ben@example.org" in delivery.errors[0]
    assert set(smtp.by_address()) == {"ann@example.org", "cara@example.org"}
    rows = outbox_rows(outbox)
    assert rows["ben@example.org"]["sent"] is None
    assert "ben@example.org" in rows["ben@example.org"]["error"]
    assert rows["ben@example.org"]["attempts"] == 1
    assert rows["ann@example.org"]["sent"] and rows["cara@example.org"]["sent"]
    # No usable link exists for the message that was not delivered.
    assert {r[0] for r in outbox.db.execute("SELECT patron_id FROM password_resets")} == {1, 3}
    smtp.reject = set()
    assert send_outbox(outbox.db, config(smtp.port)).sent == 1  # a later run delivers it
    assert "ben@example.org" in smtp.by_address() and queued(outbox.db) == 0
    assert outbox_rows(outbox)["ben@example.org"]["error"] is None


def test_a_connection_failure_leaves_everything_queued_naming_the_host(outbox):
    port = free_port()  # nothing listens there
    delivery = send_outbox(outbox.db, config(port))
    assert (delivery.sent, delivery.failed) == (0, 3)
    assert f"127.0.0.1:{port}" in delivery.errors[0]
    for row in outbox_rows(outbox).values():
        assert row["sent"] is None and row["attempts"] == 1
        assert f"could not connect to 127.0.0.1:{port}" in row["error"]
    assert outbox.db.execute("SELECT count(*) FROM password_resets").fetchone()[0] == 0


def test_reset_messages_without_a_reset_page_are_a_config_error(outbox, smtp):
    with pytest.raises(MailConfigError, match="PATRON_UTILS_RESET_URL"):
        send_outbox(outbox.db, MailConfig(host="127.0.0.1", port=smtp.port, sender=SENDER))
    assert smtp.messages == [] and queued(outbox.db) == 3
    assert all(r["attempts"] == 0 for r in outbox_rows(outbox).values())


def test_plain_messages_need_no_reset_page(small_db, smtp):
    small_db.db["outbox"].insert(
        {
            "address": "x@example.org",
            "subject": "Hi",
            "body": "Plain {link}",
            "created": "2026-06-01 09:00:00",
        }
    )
    delivery = send_outbox(small_db.db, MailConfig(host="127.0.0.1", port=smtp.port, sender=SENDER))
    assert delivery.sent == 1
    assert smtp.by_address()["x@example.org"].get_content().strip() == "Plain {link}"


# -- the command line --------------------------------------------------------------------------

MAILER_PASSWORD = "Mailer-Password-1"


@pytest.fixture
def clean_env(monkeypatch, outbox):
    """No mail settings in the environment; the mail operator logged in from it."""
    for name in ("HOST", "PORT", "STARTTLS", "USER", "PASSWORD"):
        monkeypatch.delenv(f"PATRON_UTILS_SMTP_{name}", raising=False)
    monkeypatch.delenv("PATRON_UTILS_MAIL_FROM", raising=False)
    monkeypatch.delenv("PATRON_UTILS_RESET_URL", raising=False)
    security.set_password(outbox.db, OPERATOR.patron_id, MAILER_PASSWORD)
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", OPERATOR.username)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", MAILER_PASSWORD)


def test_send_mail_command_delivers_the_outbox(outbox, smtp, clean_env, capsys):
    args = [
        "send-mail",
        "--db",
        str(outbox.path),
        "--host",
        "127.0.0.1",
        "--port",
        str(smtp.port),
        "--from",
        SENDER,
        "--reset-url",
        RESET_URL,
    ]
    assert main(args) == 0
    assert "Sent 3; 0 left queued." in capsys.readouterr().out
    assert set(smtp.by_address()) == set(ADDRESSES.values())
    assert queued(outbox.db) == 0


def test_send_mail_command_without_a_host_exits_2(outbox, clean_env, capsys):
    assert (
        main(["send-mail", "--db", str(outbox.path), "--from", SENDER, "--reset-url", RESET_URL])
        == 2
    )
    assert "no SMTP host" in capsys.readouterr().err
    assert queued(outbox.db) == 3


def test_send_mail_command_reports_undelivered_messages(outbox, clean_env, capsys):
    port = free_port()
    assert (
        main(
            [
                "send-mail",
                "--db",
                str(outbox.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--from",
                SENDER,
                "--reset-url",
                RESET_URL,
            ]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert "Sent 0; 3 left queued." in captured.out and f"127.0.0.1:{port}" in captured.err


def test_send_mail_needs_an_operator_who_may_reset_passwords(
    outbox, smtp, clean_env, capsys, monkeypatch
):
    """Sending a reset link mints the token that sets a password: not for anyone who can
    run the command."""
    args = [
        "send-mail",
        "--db",
        str(outbox.path),
        "--host",
        "127.0.0.1",
        "--port",
        str(smtp.port),
        "--from",
        SENDER,
        "--reset-url",
        RESET_URL,
    ]
    monkeypatch.delenv("PATRON_UTILS_OPERATOR")
    assert main(args) == 2
    assert "--operator: required" in capsys.readouterr().err
    clerk = enrol(
        outbox.db, Operator(901, "clerk", "Desk Clerk", "Clerk", 2, frozenset({UTILITIES}))
    )
    security.set_password(outbox.db, clerk.patron_id, MAILER_PASSWORD)
    assert main([*args, "--operator", "clerk"]) == 3
    assert "needs the permission 'Patron Passwords: Edit'" in capsys.readouterr().err
    assert smtp.messages == [] and queued(outbox.db) == 3
    assert outbox.db.execute("SELECT count(*) FROM password_resets").fetchone()[0] == 0
