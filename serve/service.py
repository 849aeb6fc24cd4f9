"""The SSH service: asyncssh does the protocol; this decides who gets in and what they get.

Each connection is a ``Connection`` (authentication, limits, refusals of everything but
sessions); each session a ``Session`` (serve/session.py), one child process of its own.
Store calls block (argon2, SQLite locks), so they run in threads, never on the loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import asyncssh

from store import Busy, LoginFailed, PasswordChangeRequired, Store, security
from store.file_out import printable

if TYPE_CHECKING:
    from .session import Session


@dataclass(frozen=True)
class Settings:
    db: Path
    host: str
    port: int
    host_key: asyncssh.SSHKey
    max_sessions: int = 20
    max_unauthenticated: int = 10  # per client address
    login_timeout: float = 60
    idle_timeout: float = 30 * 60


@dataclass(frozen=True)
class Verdict:
    """The answer to one login attempt: who (canonical username) or None."""

    user: str | None
    must_change: bool = False
    note: str = ""  # for the service's log only, never for the client


class Service:
    """The listening service: its settings, its connections and sessions, and its log."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connections: set[Connection] = set()
        self.sessions: set[Session] = set()
        self.pending: Counter[str] = Counter()  # unauthenticated connections by address
        self.acceptor: asyncssh.SSHAcceptor | None = None
        self.stopping = False

    def log(self, text: str) -> None:
        print(f"patron-utils serve: {text}", file=sys.stderr, flush=True)

    async def start(self) -> int:
        """Listen; returns the port (the one chosen when asked for port 0)."""
        s = self.settings
        self.acceptor = await asyncssh.listen(
            s.host,
            s.port,
            server_factory=lambda: Connection(self),
            server_host_keys=[s.host_key],
            login_timeout=s.login_timeout,
            keepalive_interval=60,  # a client gone without a word is noticed
            keepalive_count_max=3,
            # Only what a session of the app needs: no forwarding, no SFTP or SCP, and
            # the bytes as they are (the child's terminal does the line editing).
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            sftp_factory=None,
            line_editor=False,
            encoding=None,
            kbdint_auth=False,
            gss_auth=False,
            host_based_auth=False,
        )
        return self.acceptor.get_port()

    async def stop(self, grace: float = 30) -> None:
        """Stop listening, hang up every session (their apps finish or roll back an apply
        that is under way), wait for the children, then close the connections."""
        self.stopping = True
        if self.acceptor is not None:
            self.acceptor.close()
        sessions = list(self.sessions)
        for session in sessions:
            session.hang_up()
        waits = [session.ended.wait() for session in sessions]
        if waits:
            done, pending = await asyncio.wait(
                [asyncio.ensure_future(w) for w in waits], timeout=grace
            )
            for session in sessions:
                session.kill()
            for task in pending:
                task.cancel()
        for connection in list(self.connections):
            connection.close()
        if self.acceptor is not None:
            await self.acceptor.wait_closed()

    # -- checking credentials: in a thread, a Store of its own per attempt ----------------
    def _store(self, via: str) -> Store:
        return Store(self.settings.db, via=via)

    def check_password(self, username: str, password: str, via: str) -> Verdict:
        try:
            store = self._store(via)
        except Exception as exc:  # the database cannot be opened: nobody gets in
            return Verdict(None, note=f"database: {exc}")
        try:
            return Verdict(store.login(username, password).username)
        except PasswordChangeRequired as exc:
            return Verdict(exc.username, must_change=True)
        except LoginFailed as exc:
            return Verdict(None, note=str(exc))
        except Busy as exc:
            return Verdict(None, note=str(exc))
        finally:
            store.close()

    def check_key(self, username: str, public_key: str, via: str) -> Verdict:
        try:
            store = self._store(via)
        except Exception as exc:
            return Verdict(None, note=f"database: {exc}")
        try:
            login_by_key = getattr(store, "login_by_key", None)
            if login_by_key is None:  # a store without operators' keys: passwords only
                return Verdict(None, note="keys are not supported by this database")
            return Verdict(login_by_key(username, public_key).username)
        except PasswordChangeRequired as exc:
            return Verdict(exc.username, must_change=True)
        except (LoginFailed, Busy) as exc:
            return Verdict(None, note=str(exc))
        finally:
            store.close()


class Connection(asyncssh.SSHServer):
    """One client connection: authentication, then sessions; nothing else is allowed."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.conn: asyncssh.SSHServerConnection | None = None
        self.addr = "?"
        self.user: str | None = None  # once authenticated: the canonical username
        self.method = ""
        self.must_change = False
        self.counted = False  # among service.pending

    @property
    def via(self) -> str:
        return f"ssh from {self.addr}"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.addr = str(peer[0]) if peer else "?"
        service = self.service
        if service.stopping:
            asyncio.get_running_loop().call_soon(conn.close)
            return
        if service.pending[self.addr] >= service.settings.max_unauthenticated:
            service.log(f"refused a connection from {self.addr}: too many not yet logged in")
            asyncio.get_running_loop().call_soon(conn.close)
            return
        service.pending[self.addr] += 1
        self.counted = True
        service.connections.add(self)

    def _uncount(self) -> None:
        if self.counted:
            self.counted = False
            self.service.pending[self.addr] -= 1
            if self.service.pending[self.addr] <= 0:
                del self.service.pending[self.addr]

    def connection_lost(self, exc: Exception | None) -> None:
        self._uncount()
        self.service.connections.discard(self)
        if self.user:
            self.service.log(f"{self.user} from {self.addr}: disconnected")

    def begin_auth(self, username: str) -> bool:
        return True  # everyone must authenticate

    # -- passwords ----------------------------------------------------------------------
    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        started = time.monotonic()
        verdict = await asyncio.to_thread(self.service.check_password, username, password, self.via)
        if verdict.user is None:
            # A locked name, an unknown one and a wrong password take as long to refuse.
            await asyncio.sleep(max(0.0, security.FAILURE_DELAY - (time.monotonic() - started)))
        return self._verdict(username, "password", verdict)

    # -- keys ---------------------------------------------------------------------------
    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # asyncssh checks the client's signature after this says yes: the key is proven
        # by the time auth_completed is called.
        text = key.export_public_key("openssh").decode("ascii").strip()
        verdict = await asyncio.to_thread(self.service.check_key, username, text, self.via)
        return self._verdict(username, f"key {key.get_fingerprint()}", verdict)

    def _verdict(self, username: str, method: str, verdict: Verdict) -> bool:
        shown = printable(username)[:64]
        if verdict.user is None:
            note = f" ({verdict.note})" if verdict.note else ""
            self.service.log(f"{shown!r} from {self.addr} by {method}: refused{note}")
            return False
        self.user, self.method, self.must_change = verdict.user, method, verdict.must_change
        return True

    def auth_completed(self) -> None:
        self._uncount()
        change = " (must choose a new password)" if self.must_change else ""
        self.service.log(f"{self.user} from {self.addr} by {self.method}: logged in{change}")

    # -- what a logged-in client may open -------------------------------------------------
    def session_requested(self) -> Session:
        from .session import Session

        service = self.service
        if service.stopping:
            raise asyncssh.ChannelOpenError(
                asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, "the service is stopping"
            )
        if len(service.sessions) >= service.settings.max_sessions:
            service.log(f"{self.user} from {self.addr}: refused a session (the service is full)")
            raise asyncssh.ChannelOpenError(
                asyncssh.OPEN_RESOURCE_SHORTAGE,
                f"all {service.settings.max_sessions} sessions are in use; try again later",
            )
        return Session(self)

    def connection_requested(self, *args: object) -> bool:
        self.service.log(f"{self.user} from {self.addr}: refused port forwarding")
        return False

    def server_requested(self, *args: object) -> bool:
        self.service.log(f"{self.user} from {self.addr}: refused remote port forwarding")
        return False

    def unix_connection_requested(self, *args: object) -> bool:
        return False

    def unix_server_requested(self, *args: object) -> bool:
        return False


def child_argv(fd: int) -> list[str]:
    """The child of one session: this same program, in its session mode."""
    return [sys.executable, "-m", "patron_utils", "--session-fd", str(fd)]


def child_env(term: str | None) -> dict[str, str]:
    """The child's environment: the service's, without what would name another operator
    or database, and the client's terminal type (nothing else the client sent)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PATRON_UTILS_", "SSH_")) and k not in ("TERM", "COLUMNS", "LINES")
    }
    if term:
        env["TERM"] = term
    return env
