"""/password over HTTP to the real server: a patron signs in and changes their password; one
reset to their last name must choose a new one first; the operators' lockout; a sign-in
that ends when the password changes elsewhere."""

from __future__ import annotations

import html

import httpx
import pytest

from store import LoginFailed, security
from store.patron_passwords import SESSION_ENDED, VIA

from ..operators import ADMIN
from .conftest import LOGINS, csrf_of

NEW = "Pelican-harbour-58"


def sign_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    page = client.get("/password")
    assert page.status_code == 200 and 'name="username"' in page.text
    return client.post(
        "/password", data={"csrf": csrf_of(page), "username": username, "password": password}
    )


def choose(client: httpx.Client, new: str = NEW, again: str | None = None) -> httpx.Response:
    page = client.get("/password")
    return client.post(
        "/password/new",
        data={"csrf": csrf_of(page), "new_password": new, "again": new if again is None else again},
    )


def journal(s) -> list[tuple]:
    return s.db.execute(
        "SELECT operator, operator_id, title, via FROM operations "
        "WHERE utility = 'patron-password' ORDER BY id"
    ).fetchall()


def test_a_patron_signs_in_and_changes_their_password(patrons, client):
    _, username, password = LOGINS[0]
    signed = sign_in(client, username, password)
    assert signed.status_code == 303 and signed.headers["location"] == "/password"
    page = client.get("/password")
    assert "You are signed in as aadams" in page.text and "was reset" not in page.text
    done = choose(client)
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert patrons.patron_password_verifies(username, NEW)
    assert not patrons.patron_password_verifies(username, password)
    assert journal(patrons) == [("aadams", 1, "Patron Password (changed)", VIA)]
    # Changing it signed them out: the next page asks to sign in again.
    assert 'name="username"' in client.get("/password").text


def test_the_current_password_is_not_a_new_one(patrons, client):
    _, username, password = LOGINS[0]
    sign_in(client, username, password)
    same = choose(client, password)
    assert same.status_code == 400
    assert "New password: must differ from the current password" in same.text
    assert journal(patrons) == []


def test_a_patron_reset_to_their_last_name_must_choose_a_new_password_first(patrons, client):
    plan = patrons.plan(
        "reset-accounts", {"barcodes": ["10"]}, {"password": "Last Name (non-secure)"}, ADMIN
    )
    assert plan.counts.change == 1
    patrons.apply(plan)
    assert patrons.db["patrons"].get(2)["must_change_password"] == 1
    assert sign_in(client, "bcarter", "Carter").status_code == 303
    for _ in range(2):  # whatever they open, the page asks for a new password
        page = client.get("/password")
        assert "Your password was reset. Choose a new password before you" in page.text
        assert "You are signed in" not in page.text
        assert client.get("/").headers["location"] == "/password"
    assert choose(client).status_code == 200
    row = patrons.db["patrons"].get(2)
    assert row["must_change_password"] == 0
    assert patrons.patron_password_verifies("bcarter", NEW)
    assert journal(patrons)[-1] == ("bcarter", 2, "Patron Password (after a reset)", VIA)
    assert sign_in(client, "bcarter", NEW).status_code == 303
    assert "You are signed in as bcarter" in client.get("/password").text


def test_a_wrong_password_and_an_unknown_username_are_told_the_same(patrons, client):
    wrong = sign_in(client, "aadams", "not-my-password")
    unknown = sign_in(client, "nobody", "not-my-password")
    assert wrong.status_code == unknown.status_code == 401
    assert security.LOGIN_FAILED in wrong.text and security.LOGIN_FAILED in unknown.text
    assert "not-my-password" not in wrong.text
    assert 'value="aadams"' in wrong.text  # the username is kept, the password never


def test_five_failures_lock_the_username_for_the_page_and_the_app_alike(patrons, client):
    _, username, password = LOGINS[0]
    for _ in range(security.LOCK_AFTER):
        assert sign_in(client, username.upper(), "wrong-password").status_code == 401
    locked = sign_in(client, username, password)  # the right password, too late
    assert locked.status_code == 401
    assert "Too many failed attempts: 'aadams' is locked" in html.unescape(locked.text)
    assert "patron_session" not in locked.headers.get("set-cookie", "")
    failures, until = patrons.db.execute(
        "SELECT failures, locked_until FROM login_failures WHERE username = 'aadams'"
    ).fetchone()
    assert failures == security.LOCK_AFTER and until is not None
    with pytest.raises(LoginFailed, match="locked"):
        patrons.patron_login(username, password)
    # Another patron's username is not locked by them.
    assert sign_in(client, *LOGINS[1][1:]).status_code == 303


def test_a_sign_in_ends_when_the_password_changes_elsewhere(patrons, client):
    _, username, password = LOGINS[0]
    sign_in(client, username, password)
    security.set_password(patrons.db, 1, "Changed-at-the-desk-1")  # a librarian sets it
    ended = choose(client)
    assert ended.status_code == 401 and SESSION_ENDED in ended.text
    assert patrons.patron_password_verifies(username, "Changed-at-the-desk-1")
    assert journal(patrons) == []


def test_signing_out_ends_the_sign_in(patrons, client):
    sign_in(client, *LOGINS[0][1:])
    page = client.get("/password")
    out = client.post("/password/sign-out", data={"csrf": csrf_of(page)})
    assert out.status_code == 303
    assert 'name="username"' in client.get("/password").text
    refused = choose(client)  # a form kept open from before
    assert refused.status_code == 303 and refused.headers["location"] == "/password"
    assert journal(patrons) == []
