"""``patron-utils demo``: (re)create a demo database to try the utilities on."""

from __future__ import annotations

import argparse
import sys

from store.database import resolve_path

from .run import entry_options, whole

DEMO_PATRONS = 2000
MOST_DEMO_PATRONS = 10_000_000  # a district ten times the largest; about half an hour


def demo_credentials() -> str:
    from store.demo import DEMO_OPERATORS

    lines = ["Demo operators (username / password):"]
    lines += [
        f"  {user} / {password}   ({group})" for user, password, _, _, group in DEMO_OPERATORS
    ]
    return "\n".join(lines)


def create(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils demo", description="(Re)create a demo database."
    )
    entry_options(parser)  # --db: where to create it; --group
    parser.add_argument(
        "--patrons",
        type=whole(1, MOST_DEMO_PATRONS),
        default=DEMO_PATRONS,
        metavar="N",
        help=f"how many patrons (default {DEMO_PATRONS})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="random seed; the same seed gives the same database (default 1)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args(argv)
    from store.demo import create_demo

    path = resolve_path(args.db)
    try:
        create_demo(path, patrons=args.patrons, seed=args.seed, force=args.force, group=args.group)
    except FileExistsError as exc:
        print(f"patron-utils demo: {exc}", file=sys.stderr)
        return 2
    print(
        f"Created a demo database with {args.patrons:,} patrons (and the demo operators) at {path}"
    )
    print(demo_credentials())
    return 0
