"""Fixtures of the password page's tests: small_db's patrons with addresses and logins, the
real server (web.WebServer, as `patron-utils serve --web` runs it) on 127.0.0.1 at a free
port, an SMTP server that keeps what it is sent, and a client that speaks HTTP to it."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator

import httpx
import pytest

import store
from store.mail import MailConfig, send_outbox
from web import WebServer

from ..operators import ADMIN
from ..smtp_server import Recorder

SENDER = "library@example.org"
ADDRESSES = {1: "ann@example.org", 2: "ben@example.org", 3: "cara@example.org"}
# Patrons who sign in: (id, username, password)
LOGINS = [(1, "aadams", "first-Password-41"), (2, "bcarter", "second-Password-42")]
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/reset\?token=)([A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_logins(fast):
    """Passwords hashed at the tests' cost, no pause after a wrong one (tests/conftest.py):
    the server runs in this process, so it hashes and pauses as the test says."""


class Running:
    """The password page served in a thread of its own (its own event loop), as
    `patron-utils serve --web` serves it; ``url`` is where it listens."""

    def __init__(self, path: str):
        self.web = WebServer(path, "127.0.0.1", 0, contact=SENDER)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        port = asyncio.run_coroutine_threadsafe(self.web.start(), self.loop).result(30)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.web.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@pytest.fixture
def patrons(small_db) -> store.Store:
    """small_db with addresses for three Students, two of whom have logins."""
    for pid, address in ADDRESSES.items():
        small_db.db["patron_emails"].insert({"patron_id": pid, "position": 0, "address": address})
    for pid, username, password in LOGINS:
        small_db.db.execute("UPDATE patrons SET username = ? WHERE id = ?", [username, pid])
        store.security.set_password(small_db.db, pid, password)
    return small_db


@pytest.fixture
def server(patrons) -> Iterator[Running]:
    running = Running(patrons.path)
    yield running
    running.stop()


@pytest.fixture
def client(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def email_links(s: store.Store, server: Running, smtp: Recorder) -> dict[int, str]:
    """Reset Patron Accounts by email link for ADDRESSES' patrons, the outbox sent to the
    SMTP server: patron id → the link in the message they were sent."""
    plan = s.plan("reset-accounts", {}, {"password": "Patron (email link)"}, ADMIN)
    assert plan.counts.change == len(ADDRESSES)
    s.apply(plan)
    config = MailConfig(
        host="127.0.0.1", port=smtp.port, sender=SENDER, reset_url=f"{server.url}/reset?token="
    )
    assert send_outbox(s.db, config).sent == len(ADDRESSES)
    by_address = smtp.by_address()
    links = {}
    for pid, address in ADDRESSES.items():
        found = LINK.search(by_address[address].get_content())
        assert found is not None
        links[pid] = found.group(0)
    return links


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)
