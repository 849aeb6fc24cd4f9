"""``patron-utils send-mail``: deliver the outbox (password-reset links) over SMTP."""

from __future__ import annotations

import argparse
import sys

from store.database import resolve_path
from store.mail import MailConfig, MailConfigError

from .run import INVALID, Exit, common, guarded, log_in, open_store


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="patron-utils send-mail",
        description="Deliver queued messages (password-reset links) over SMTP. Settings come "
        "from PATRON_UTILS_SMTP_HOST, _PORT, _STARTTLS, _USER, _PASSWORD, "
        "PATRON_UTILS_MAIL_FROM and PATRON_UTILS_RESET_URL; the options below override them. "
        "The SMTP password is only read from the environment.",
    )
    common(p)  # --db, and --operator: sending reset links needs Patron Passwords: Edit
    p.add_argument("--host", help="SMTP server")
    p.add_argument("--port", help="SMTP port (default 25)")
    p.add_argument("--starttls", action="store_const", const="1", help="use STARTTLS")
    p.add_argument("--user", dest="username", help="SMTP login name")
    p.add_argument("--from", dest="sender", metavar="ADDRESS", help="sender address")
    p.add_argument(
        "--reset-url",
        dest="reset_url",
        metavar="URL",
        help="the catalog's password-reset page; the token is appended",
    )
    return p


def send_mail(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    path = resolve_path(args.db)

    def _send() -> int:
        if not path.exists():
            raise Exit(INVALID, f"send-mail: there is no database at {path}")
        try:
            config = MailConfig.from_env(
                host=args.host,
                port=args.port,
                starttls=args.starttls,
                username=args.username,
                sender=args.sender,
                reset_url=args.reset_url,
            )
        except MailConfigError as exc:
            raise Exit(INVALID, f"send-mail: {exc}") from None
        store = open_store(argparse.Namespace(db=str(path)))
        try:
            delivery = store.send_mail(config, log_in(store, args))
        except MailConfigError as exc:
            raise Exit(INVALID, f"send-mail: {exc}") from None
        finally:
            store.close()
        print(f"Sent {delivery.sent}; {delivery.failed} left queued.")
        for error in delivery.errors[:20]:
            print(f"  not sent: {error}", file=sys.stderr)
        return 1 if delivery.failed else 0

    return guarded(_send)
