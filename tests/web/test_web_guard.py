"""What every page of the password page carries: CSRF tokens (a form without its page's
token is refused and nothing is done), no caching, the security headers, the library's
name, a page made for a phone."""

from __future__ import annotations

import httpx

from store.preferences import LibraryPreferences

from ..operators import ADMIN
from .conftest import LOGINS, csrf_of, email_links

EXPIRED = "This form was not sent from this page, or it has expired."


def test_a_form_without_its_pages_token_is_refused_and_nothing_is_done(
    patrons, server, smtp, client
):
    link = email_links(patrons, server, smtp)[1]
    token = link.partition("token=")[2]
    page = client.get(link)
    good = csrf_of(page)
    fields = {"token": token, "new_password": "Quince-lantern-77", "again": "Quince-lantern-77"}
    # No token; a token of another browser; the right token with no cookie (another site's
    # page posting to ours cannot read or send the cookie).
    assert client.post("/reset", data=fields).status_code == 403
    assert client.post("/reset", data={**fields, "csrf": "x" * 43}).status_code == 403
    with httpx.Client(base_url=server.url) as other:
        refused = other.post("/reset", data={**fields, "csrf": good})
        assert refused.status_code == 403 and EXPIRED in refused.text
    signed_in = client.post("/password", data={"username": "aadams", "password": LOGINS[0][2]})
    assert signed_in.status_code == 403
    assert client.post("/password/sign-out", data={}).status_code == 403
    assert patrons.db.execute(
        "SELECT used FROM password_resets WHERE patron_id = 1"
    ).fetchone() == (None,)
    assert patrons.db.execute("SELECT count(*) FROM login_failures").fetchone()[0] == 0
    assert client.post("/reset", data={**fields, "csrf": good}).status_code == 200


def test_every_answer_carries_the_security_headers_and_is_never_cached(server, client):
    for answer in (
        client.get("/password"),
        client.get("/reset?token=nothing"),
        client.get("/"),
        client.get("/style.css"),
        client.get("/no-such-page"),
        client.post("/password", data={}),
    ):
        h = answer.headers
        assert h["cache-control"] == "no-store", answer.url
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "default-src 'none'" in h["content-security-policy"]
        assert "script-src" not in h["content-security-policy"]  # none: default-src says so
        assert h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert "server" not in h
    with httpx.Client(base_url=server.url) as fresh:
        cookie = fresh.get("/password").headers["set-cookie"]
    assert cookie.startswith("csrf=") and "; HttpOnly" in cookie and "; SameSite=strict" in cookie
    assert "; Secure" not in cookie  # plain HTTP on one machine; behind TLS it is Secure


def test_the_page_names_the_library_and_fits_a_phone(patrons, client):
    assert '<p class="library">The Library</p>' in client.get("/password").text
    values = {**patrons.library_preferences().model_dump(), "library_name": "Elm & Oak Library"}
    patrons.save_preferences(values, ADMIN)
    page = client.get("/password")
    assert "<title>Sign in · Elm &amp; Oak Library</title>" in page.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert "<script" not in page.text
    assert LibraryPreferences.model_fields["library_name"].title == "Library name"


def test_behind_a_tls_proxy_on_this_computer_cookies_are_secure(server):
    """The proxy says the patron's connection was HTTPS (X-Forwarded-Proto, believed from
    127.0.0.1 only): cookies are Secure, and browsers are told to keep to HTTPS."""
    with httpx.Client(base_url=server.url, headers={"X-Forwarded-Proto": "https"}) as behind:
        answer = behind.get("/password")
    assert "; Secure" in answer.headers["set-cookie"]
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
