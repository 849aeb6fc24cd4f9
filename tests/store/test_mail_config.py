"""The outbox's mail settings: from the environment and send-mail's flags, each bad or missing
one named (delivery itself is tests/store/test_mail.py)."""

from __future__ import annotations

import pytest

from store.mail import MailConfig, MailConfigError

SENDER = "library@example.org"
RESET_URL = "https://catalog.example.org/reset?token="
BASE_ENV = {"PATRON_UTILS_SMTP_HOST": "mail.example.org", "PATRON_UTILS_MAIL_FROM": SENDER}


def test_config_from_the_environment_with_overrides():
    c = MailConfig.from_env(
        {
            **BASE_ENV,
            "PATRON_UTILS_SMTP_PORT": "587",
            "PATRON_UTILS_SMTP_USER": "u",
            "PATRON_UTILS_SMTP_PASSWORD": "p",
            "PATRON_UTILS_RESET_URL": RESET_URL,
        }
    )
    assert (c.host, c.port, c.sender, c.username, c.password, c.reset_url, c.starttls) == (
        "mail.example.org",
        587,
        SENDER,
        "u",
        "p",
        RESET_URL,
        False,
    )
    c = MailConfig.from_env(BASE_ENV, host="other.example.org", port="2525", sender=None)
    assert (c.host, c.port, c.sender) == ("other.example.org", 2525, SENDER)
    assert MailConfig.from_env(BASE_ENV).port == 25


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PATRON_UTILS_MAIL_FROM": SENDER}, "no SMTP host"),
        ({"PATRON_UTILS_SMTP_HOST": "h"}, "no sender"),
        ({**BASE_ENV, "PATRON_UTILS_SMTP_PORT": "smtp"}, "not a number"),
        ({**BASE_ENV, "PATRON_UTILS_SMTP_PORT": "0"}, "not allowed"),
        ({**BASE_ENV, "PATRON_UTILS_SMTP_PORT": "65536"}, "not allowed"),
        ({**BASE_ENV, "PATRON_UTILS_SMTP_STARTTLS": "maybe"}, "STARTTLS"),
        ({**BASE_ENV, "PATRON_UTILS_SMTP_PORT": "1_000"}, "not a number"),
        ({**BASE_ENV, "PATRON_UTILS_SMTP_PORT": "\u0661\u0662"}, "not a number"),  # Arabic digits
    ],
)
def test_bad_or_missing_settings_are_named(env, message):
    with pytest.raises(MailConfigError, match=message):
        MailConfig.from_env(env)


@pytest.mark.parametrize(
    "flag, given", [("port", "--port"), ("host", "--host"), ("sender", "--from")]
)
def test_a_flag_given_empty_is_refused_not_defaulted(flag, given):
    with pytest.raises(MailConfigError, match=f"{given} is empty"):
        MailConfig.from_env(BASE_ENV, **{flag: " "})


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", True),
        ("yes", True),
        ("TRUE", True),
        (" true ", True),
        ("0", False),
        ("no", False),
        ("false", False),
        ("", False),
    ],
)
def test_starttls_values(value, expected):
    env = {**BASE_ENV, "PATRON_UTILS_SMTP_STARTTLS": value}
    assert MailConfig.from_env(env).starttls is expected
    assert MailConfig.from_env(BASE_ENV, starttls="1").starttls is True
