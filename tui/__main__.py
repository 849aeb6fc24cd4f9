"""The ``patron-utils`` command: open the app, or create a demo database."""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

from store.database import Busy, NotADatabase, default_path, resolve_path

DEMO_PATRONS = 2000
MOST_DEMO_PATRONS = 10_000_000  # a district ten times the largest; about half an hour


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MOST_DEMO_PATRONS:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; from 1 to "
                                         f"{MOST_DEMO_PATRONS:,}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="patron-utils",
        description="Batch utilities for a library's patron database. With no command, "
                    "opens the app (on a demo database it creates, unless --db or "
                    "PATRON_UTILS_DB names one).")
    p.add_argument("--db", metavar="PATH", help="the patron database file "
                   f"(default: $PATRON_UTILS_DB, else {default_path()})")
    p.add_argument("--group", action="store_true",
                   help="a database created now is readable by its group too (0660, not 0600)")
    sub = p.add_subparsers(dest="command")
    # Listed for --help; cli/ parses their arguments.
    for name, summary in (("list", "list every utility's key and title"),
                          ("run", "run a utility: patron-utils run KEY --help"),
                          ("log", "list the journal's operations"),
                          ("undo", "undo an operation: patron-utils undo ID --yes"),
                          ("import", "import patrons from a CSV file"),
                          ("export", "export selected patrons as CSV or JSON"),
                          ("password", "choose a new password (asks on a terminal)")):
        sub.add_parser(name, help=summary, add_help=False)
    demo = sub.add_parser("demo", help="(re)create a demo database")
    demo.add_argument("--db", metavar="PATH", dest="demo_db", help="where to create it")
    demo.add_argument("--patrons", type=_positive, default=DEMO_PATRONS, metavar="N",
                      help=f"how many patrons (default {DEMO_PATRONS})")
    demo.add_argument("--seed", type=int, default=1, metavar="S",
                      help="random seed; the same seed gives the same database (default 1)")
    demo.add_argument("--force", action="store_true", help="replace an existing file")
    demo.add_argument("--group", action="store_true", dest="demo_group",
                      help="let the file's group open it too (0660; default 0600, the owner only)")
    mail = sub.add_parser(
        "send-mail", help="deliver queued messages (password-reset links) over SMTP",
        description="Settings come from PATRON_UTILS_SMTP_HOST, _PORT, _STARTTLS, _USER, "
                    "_PASSWORD, PATRON_UTILS_MAIL_FROM and PATRON_UTILS_RESET_URL; the options "
                    "below override them. The SMTP password is only read from the environment.")
    mail.add_argument("--db", metavar="PATH", dest="mail_db", help="the patron database file")
    mail.add_argument("--host", help="SMTP server")
    mail.add_argument("--port", help="SMTP port (default 25)")
    mail.add_argument("--starttls", action="store_const", const="1", help="use STARTTLS")
    mail.add_argument("--user", dest="username", help="SMTP login name")
    mail.add_argument("--from", dest="sender", metavar="ADDRESS", help="sender address")
    mail.add_argument("--reset-url", dest="reset_url", metavar="URL",
                      help="the catalog's password-reset page; the token is appended")
    mail.add_argument("--operator", metavar="NAME", default=os.environ.get("PATRON_UTILS_OPERATOR"),
                      help="log in as this operator (or $PATRON_UTILS_OPERATOR; the password from "
                           "$PATRON_UTILS_PASSWORD): sending reset links needs Patron Passwords: Edit")
    return p


def demo_credentials() -> str:
    from store.demo import DEMO_OPERATORS

    lines = ["Demo operators (username / password):"]
    lines += [f"  {user} / {password}   ({group})" for user, password, _, _, group in DEMO_OPERATORS]
    return "\n".join(lines)


def send_mail(path: Path, args: argparse.Namespace) -> int:
    from cli.run import INVALID, Exit, guarded, log_in, open_store
    from store.mail import MailConfig, MailConfigError

    def _send() -> int:
        if not path.exists():
            raise Exit(INVALID, f"send-mail: there is no database at {path}")
        try:
            config = MailConfig.from_env(host=args.host, port=args.port, starttls=args.starttls,
                                         username=args.username, sender=args.sender,
                                         reset_url=args.reset_url)
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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from cli import COMMANDS

    for number, arg in enumerate(argv, start=1):
        # Bytes that are not UTF-8 arrive as lone surrogates: no name, path or value has them.
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            print(f"patron-utils: argument {number} is not UTF-8 text "
                  f"({arg.encode('utf-8', 'backslashreplace').decode()}); nothing was done",
                  file=sys.stderr)
            return 2

    # "patron-utils --db PATH log" as the usage shows it: the database goes to the command.
    lead = 0
    while lead < len(argv) and (argv[lead] == "--db" or argv[lead].startswith("--db=")):
        lead += 2 if argv[lead] == "--db" else 1
    if 0 < lead < len(argv) and argv[lead] in COMMANDS:
        argv = [argv[lead], *argv[lead + 1:], *argv[:lead]]

    if argv and argv[0] in COMMANDS:  # each parses its own flags (a utility's are generated)
        try:
            return COMMANDS[argv[0]](argv[1:])
        except BrokenPipeError:  # piped into head: stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    args = parser().parse_args(argv)
    from store.demo import create_demo

    if args.command == "demo":
        path = resolve_path(args.demo_db or args.db)
        try:
            create_demo(path, patrons=args.patrons, seed=args.seed, force=args.force,
                        group=args.group or args.demo_group)
        except FileExistsError as exc:
            print(f"patron-utils demo: {exc}", file=sys.stderr)
            return 2
        print(f"Created a demo database with {args.patrons:,} patrons (and the demo operators) "
              f"at {path}")
        print(demo_credentials())
        return 0

    if args.command == "send-mail":
        return send_mail(resolve_path(args.mail_db or args.db), args)

    path = resolve_path(args.db)
    notice = None
    if not path.exists():
        if path != default_path():
            print(f"patron-utils: there is no database at {path}.\n"
                  f"To create a demo database there: patron-utils demo --db {path}",
                  file=sys.stderr)
            return 2
        create_demo(path, patrons=DEMO_PATRONS, group=args.group)
        notice = (f"Created a demo database with {DEMO_PATRONS:,} patrons at {path}. "
                  "Use --db PATH to open your library's database.")

    from .app import make_app

    try:
        app = make_app(path, notice=notice)
    except (Busy, NotADatabase, RuntimeError, sqlite3.DatabaseError) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return 2
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
