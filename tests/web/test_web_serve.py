"""`patron-utils serve --web HOST:PORT` as a real process: the password page alongside the
SSH service or alone (--no-ssh), reset links pointing to it unless told otherwise, and a
clean stop on SIGTERM."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from store import Store, clock
from store.mail import SERVED_RESET_URL, MailConfig, send_outbox

from ..conftest import build_small_db
from ..reliability_helpers import REPO, child_env, patron_utils
from ..serve_process import ServeProcess
from .conftest import ADDRESSES, LINK, SENDER, csrf_of

SECRET = "Never-in-a-log-44"

PAGE = re.compile(r"password page on http://127\.0\.0\.1:(\d+), reached at (\S+)/password")


class Served(ServeProcess):
    """``patron-utils serve --db DB ARGS…``, its log (stderr) kept line by line; its
    "today" is the tests' (tests/conftest.py's fixed_today), so links minted here work."""

    def __init__(self, db: Path, *args: str):
        env = child_env(PATRON_UTILS_TODAY=clock.today().isoformat())
        super().__init__(db, args, env)

    def page(self) -> tuple[str, str]:
        """(where it listens, where patrons reach it)."""
        found = PAGE.search(self.wait_log("password page on", timeout=30))
        assert found, self.lines
        return f"http://127.0.0.1:{found.group(1)}", found.group(2)


@pytest.fixture
def db(tmp_path) -> Path:
    s = build_small_db(tmp_path / "served.db")
    for pid, address in ADDRESSES.items():
        s.db["patron_emails"].insert({"patron_id": pid, "position": 0, "address": address})
    s.close()
    return tmp_path / "served.db"


def test_the_page_alone_and_the_reset_links_point_to_it(db, smtp):
    served = Served(db, "--web", "127.0.0.1:0", "--no-ssh")
    try:
        url, reached = served.page()
        assert reached == url
        page = httpx.get(f"{url}/password")
        assert page.status_code == 200 and "Sign in" in page.text
        s = Store(db)
        assert s.preferences()[SERVED_RESET_URL] == f"{url}/reset?token="
        # send-mail with no reset URL set: the links lead to the page being served.
        s.db["outbox"].insert(
            {"patron_id": 1, "kind": "password-reset", "address": ADDRESSES[1], "subject": "S"}
            | {"body": "Hello,\n{link}\n", "created": "2026-06-01 09:00:00"}
        )
        config = MailConfig(host="127.0.0.1", port=smtp.port, sender=SENDER)
        assert send_outbox(s.db, config).sent == 1
        s.close()
        link = LINK.search(smtp.by_address()[ADDRESSES[1]].get_content())
        assert link and link.group(1) == f"{url}/reset?token="
        with httpx.Client(base_url=url) as c:
            page = c.get(link.group(0))
            assert 'name="new_password"' in page.text
            form = {"csrf": csrf_of(page), "token": link.group(2)}
            chosen = c.post("/reset", data={**form, "new_password": SECRET, "again": SECRET})
            assert chosen.status_code == 200
    finally:
        assert served.stop() == 0
    assert "stopped" in served.lines[-1]
    # Neither the link's token nor the password is ever written to the log.
    assert not [line for line in served.lines if link.group(2) in line or SECRET in line]
    assert not Path(f"{db}.host_key").exists()  # no SSH: no host key made
    assert not any("listening on" in line for line in served.lines)


def test_the_page_alongside_ssh_with_its_public_address(db):
    served = Served(
        db, "--listen", "127.0.0.1:0", "--web", "127.0.0.1:0",
        "--public-url", "https://library.example.org/",
    )  # fmt: skip
    try:
        assert served.wait_log("listening on 127.0.0.1:")
        url, reached = served.page()
        assert reached == "https://library.example.org"
        assert httpx.get(f"{url}/password").status_code == 200
        s = Store(db)
        assert s.preferences()[SERVED_RESET_URL] == "https://library.example.org/reset?token="
        s.close()
    finally:
        assert served.stop() == 0
    assert "stopped" in served.lines[-1]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--no-ssh"], "--no-ssh: give --web HOST:PORT too"),
        (["--web", "127.0.0.1:0", "--no-ssh", "--listen", "127.0.0.1:0"], "--listen: not used"),
        (["--public-url", "https://x.example"], "--public-url: give --web HOST:PORT too"),
        (["--web", "127.0.0.1:0", "--public-url", "ftp://x"], "is not an http:// or https://"),
        (["--web", "nowhere"], "'nowhere' is not HOST:PORT"),
    ],
)
def test_bad_options_are_refused_naming_them(db, args, said):
    done = subprocess.run(
        patron_utils("serve", "--db", db, *args),
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and said in done.stderr
