"""An SMTP server on 127.0.0.1 for the tests that send mail (aiosmtpd): it keeps every
message and refuses the addresses it is told to. The ``smtp`` fixture (tests/conftest.py)
starts one for a test and stops it after."""

from __future__ import annotations

import email
import email.policy
import socket


class Recorder:
    """An SMTP handler that keeps every message and refuses the addresses in ``reject``."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.reject: set[str] = set()
        self.port = 0  # where it listens, once started

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def by_address(self) -> dict[str, email.message.EmailMessage]:
        return {rcpt: msg for _, rcpts, msg in self.messages for rcpt in rcpts}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
