"""/reset?token=…: the emailed link, over HTTP to the real server — a fresh link sets the
password once and is journaled; spent, expired and forged links get one plain message;
a password the rules refuse leaves the link usable; two redemptions at once, one wins."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import httpx

from store import clock, security
from store.patron_passwords import LINK_REFUSED, VIA

from .conftest import SENDER, csrf_of, email_links

NEW = "Wombat-orchard-73"


def choose(client: httpx.Client, link: str, new: str = NEW, again: str | None = None):
    page = client.get(link)
    assert page.status_code == 200, page.text
    token = link.partition("token=")[2]
    return client.post(
        "/reset",
        data={
            "csrf": csrf_of(page),
            "token": token,
            "new_password": new,
            "again": new if again is None else again,
        },
    )


def operations(s) -> list[dict]:
    return list(s.db.query("SELECT * FROM operations WHERE utility = 'patron-password'"))


def test_a_fresh_link_sets_the_password_spends_the_link_and_is_journaled(
    patrons, server, smtp, client
):
    link = email_links(patrons, server, smtp)[1]
    patrons.db.execute("UPDATE patrons SET must_change_password = 1 WHERE id = 1")
    before = patrons.db["patrons"].get(1)["password_hash"]
    page = client.get(link)
    assert page.status_code == 200
    assert "Hello Ann." in page.text and 'name="new_password"' in page.text
    assert 'name="again"' in page.text
    done = choose(client, link)
    assert done.status_code == 200 and "Your password is set" in done.text
    assert patrons.patron_password_verifies("aadams", NEW)
    row = patrons.db["patrons"].get(1)
    assert row["must_change_password"] == 0
    assert row["password_hash"].startswith("$argon2id$")
    assert patrons.db.execute("SELECT used FROM password_resets WHERE patron_id = 1").fetchone()[0]
    (op,) = operations(patrons)
    assert (op["operator"], op["operator_id"], op["via"]) == ("aadams", 1, VIA)
    assert (op["title"], op["changed"]) == ("Patron Password (reset link)", 1)
    (journal,) = patrons.db.query("SELECT * FROM operation_rows WHERE operation_id = ?", [op["id"]])
    assert json.loads(journal["before"]) == {
        "password_hash": before,
        "must_change_password": 1,
        "modified": "2026-01-01 00:00:00",
    }
    assert json.loads(journal["after"])["password_hash"] == row["password_hash"]
    (change,) = patrons.db.query(
        "SELECT * FROM operation_changes WHERE operation_id = ?", [op["id"]]
    )
    assert (change["patron_id"], change["barcode"], change["reason"]) == (
        1,
        "9",
        "password reset link",
    )
    path = Path(patrons.path)
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert NEW.encode() not in raw


def test_a_spent_link_gets_the_plain_message_and_changes_nothing(patrons, server, smtp, client):
    link = email_links(patrons, server, smtp)[2]
    assert choose(client, link).status_code == 200
    hashed = patrons.db["patrons"].get(2)["password_hash"]
    again = client.get(link)
    assert again.status_code == 410
    assert LINK_REFUSED in again.text and "Ask the library for a new link" in again.text
    assert f"mailto:{SENDER}" in again.text
    # Posting the spent token anyway (a form kept open in another tab) is refused too.
    page = client.get("/password")
    token = link.partition("token=")[2]
    form = {"csrf": csrf_of(page), "token": token, "new_password": "Other-pass-9911"}
    late = client.post("/reset", data={**form, "again": form["new_password"]})
    assert late.status_code == 410 and LINK_REFUSED in late.text
    assert patrons.db["patrons"].get(2)["password_hash"] == hashed
    assert len(operations(patrons)) == 1


def test_an_expired_link_gets_the_same_message(patrons, server, smtp, client, fixed_today):
    links = email_links(patrons, server, smtp)
    clock.fix_today(fixed_today + dt.timedelta(days=2))  # within 72 hours
    assert choose(client, links[1]).status_code == 200
    clock.fix_today(fixed_today + dt.timedelta(days=4))
    late = client.get(links[3])
    assert late.status_code == 410 and LINK_REFUSED in late.text
    assert patrons.db["patrons"].get(3)["password_hash"] is None
    assert [op["operator_id"] for op in operations(patrons)] == [1]


def test_a_forged_or_missing_token_gets_the_same_message(server, client):
    for address in ("/reset?token=forged-token-of-the-right-length-xxxxxxxxxxx", "/reset"):
        page = client.get(address)
        assert page.status_code == 410 and LINK_REFUSED in page.text
        assert 'name="new_password"' not in page.text


def test_a_password_the_rules_refuse_says_why_and_leaves_the_link_usable(
    patrons, server, smtp, client
):
    link = email_links(patrons, server, smtp)[1]
    cases = [
        ("short", None, "New password: at least 10 characters are needed; this has 5"),
        ("my-name-is-adams", None, "New password: may not contain your last name"),
        ("card-number-9-ann", None, "New password: may not contain your first name"),
        (NEW, "Wombat-orchard-74", "New password again: is not the same as the new password"),
    ]
    for new, again, said in cases:
        refused = choose(client, link, new, again)
        assert refused.status_code == 400 and said in refused.text
        assert new not in refused.text  # a password is never sent back
    assert not patrons.db.execute(
        "SELECT used FROM password_resets WHERE patron_id = 1"
    ).fetchone()[0]
    assert operations(patrons) == []
    assert choose(client, link).status_code == 200
    assert patrons.patron_password_verifies("aadams", NEW)


def test_two_redemptions_of_one_link_at_once_exactly_one_wins(patrons, server, smtp):
    link = email_links(patrons, server, smtp)[3]
    token = link.partition("token=")[2]
    clients = [httpx.Client(base_url=server.url, timeout=30) for _ in range(2)]
    forms = []
    for n, c in enumerate(clients):
        page = c.get(link)
        password = f"Racing-password-{n}0{n}"
        forms.append({"csrf": csrf_of(page), "token": token, "new_password": password})
        forms[-1]["again"] = password
    start = threading.Barrier(2)
    answers: list[httpx.Response | None] = [None, None]

    def redeem(n: int) -> None:
        start.wait()
        answers[n] = clients[n].post("/reset", data=forms[n])

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for c in clients:
        c.close()
    codes = sorted(a.status_code for a in answers if a is not None)
    assert codes == [200, 410]
    winner = next(n for n, a in enumerate(answers) if a is not None and a.status_code == 200)
    hashed = patrons.db["patrons"].get(3)["password_hash"]  # Cara is Inactive: no login
    assert security.verifies(hashed, forms[winner]["new_password"])
    assert not security.verifies(hashed, forms[1 - winner]["new_password"])
    assert [op["operator_id"] for op in operations(patrons)] == [3]
