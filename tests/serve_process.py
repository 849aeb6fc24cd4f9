"""``patron-utils serve`` as a real process for a test: started with the test's arguments and
environment, its log (stderr) kept line by line, waited on for a line, stopped with SIGTERM.
The SSH service's tests (tests/serve/ssh.py) and the password page's (tests/web/) start it
so."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

from .reliability_helpers import REPO, patron_utils


class ServeProcess:
    def __init__(self, db: Path, args: tuple[str, ...], env: dict[str, str], nohup: bool = False):
        self.proc = subprocess.Popen(
            patron_utils("serve", "--db", db, *args),
            cwd=REPO,
            env=env,
            # As `nohup patron-utils serve &` starts it: SIGHUP ignored, and inherited so.
            preexec_fn=(lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)) if nohup else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.decode(errors="replace").rstrip("\n"))

    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_log(self, text: str, timeout: float = 10) -> str:
        """The first log line holding ``text``, once it is there."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if text in line:
                    return line
            if self.proc.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"{text!r} never logged; the log:\n{self.log()}")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, and its exit status; a service that ignores it fails the test."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"the service ignored SIGTERM; the log:\n{self.log()}") from None
        finally:
            self.reader.join(5)
