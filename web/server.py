"""Running the password page (web/app.py) on uvicorn inside an asyncio loop that may also
run the SSH service: started on a socket of our own, stopped when the service stops."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn

from .app import make_app


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the caller's loop handles SIGTERM and SIGINT, for every service it runs


class WebServer:
    """The password page over the database at ``db``, listening on ``host``:``port`` (0:
    a free one). Behind a TLS reverse proxy on the same computer, ``forwarded_from`` is its
    address, whose X-Forwarded-Proto and -For are believed (so cookies are Secure)."""

    def __init__(
        self,
        db: str,
        host: str,
        port: int,
        contact: str | None = None,
        forwarded_from: str = "127.0.0.1",
    ):
        self.host, self.port = host, port
        self.config = uvicorn.Config(
            make_app(db, contact),
            access_log=False,  # a reset link's token is in its address: never written down
            log_level="warning",
            server_header=False,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_from,
            lifespan="on",
        )
        self.server = _Server(self.config)
        self._task: asyncio.Task | None = None

    async def start(self) -> int:
        """Listen; returns the port (OSError when the address cannot be had)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._task = asyncio.create_task(self.server.serve(sockets=[sock]))
        while not self.server.started:
            if self._task.done():
                self._task.result()  # what stopped it
                raise OSError(f"the password page did not start on {self.host}:{self.port}")
            await asyncio.sleep(0.01)
        return self.port

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task
