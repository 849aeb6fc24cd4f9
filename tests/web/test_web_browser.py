"""The one real-browser test: Chromium opens the link a patron was emailed (through the
SMTP test server), the patron types a new password twice and presses Enter, and the new
password then verifies. Screenshots at a phone's and a desktop's width are kept in the
test's folder (they were looked at when the page was made)."""

from __future__ import annotations

from .browser import Browser, chromium_screenshot
from .conftest import email_links

NEW = "Heron-meadow-lamp-62"
PNG = b"\x89PNG\r\n\x1a\n"


def test_a_patron_opens_the_emailed_link_in_a_browser_and_chooses_a_password(
    patrons, server, smtp, tmp_path
):
    link = email_links(patrons, server, smtp)[1]
    for width, height in ((390, 844), (1280, 800)):  # a phone, a desktop
        shot = chromium_screenshot(
            link, tmp_path / f"reset-{width}.png", width, height, tmp_path / f"profile-{width}"
        )
        assert shot.read_bytes().startswith(PNG)
    browser = Browser(tmp_path / "profile", 390, 844)
    try:
        browser.open(link)
        page = browser.html()
        assert "Hello Ann." in page and "The Library" in page
        browser.type_into("#new_password", NEW)
        browser.type_into("#again", NEW)
        browser.press_enter()
        done = browser.html()
        assert "Your password is set" in done, done
        assert browser.screenshot(tmp_path / "done-390.png").read_bytes().startswith(PNG)
    finally:
        browser.close()
    assert patrons.patron_password_verifies("aadams", NEW)
    assert patrons.db.execute("SELECT used FROM password_resets WHERE patron_id = 1").fetchone()[0]
