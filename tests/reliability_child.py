"""The other side of the reliability tests: a process that applies, to be killed or raced.

Run as ``python -m tests.reliability_child MODE …`` (tests/reliability_helpers.py starts
it with the repository on PYTHONPATH). It imports the store only, never pytest or Textual,
and talks to the test over stdin/stdout one line at a time:

* ``status DB…`` — for each database in turn, a process forked from this one (the imports
  are done once) logs in, plans Change Patron Status to Inactive for every patron, prints
  ``ready PID CHANGES``, waits for a line on stdin, prints ``applying``, applies and prints
  ``applied ID SECONDS``; this one then prints ``ended STATUS`` (-9 once killed).
* ``notes DB NAME ROUNDS GRADE…`` — print ``ready``, wait for a line on stdin, then ROUNDS
  times plan and apply Add Patron Notes (a General note "NAME i") to the patrons of those
  grades, planning again whenever the apply says the preview went stale; prints one JSON
  line: the operations applied and how many stale previews were retried.
* ``cli MILLISECONDS ARG…`` — ``patron-utils ARG…`` with the store's busy timeout set to
  MILLISECONDS (the test cannot wait ten seconds for the real one).
* ``logins DB USERNAME N RIGHT`` — fork N processes that each open the database, then all
  at once try to log in as USERNAME, the one numbered RIGHT with the right password
  (PATRON_UTILS_PASSWORD) and the others with a wrong one; each prints ``INDEX OUTCOME``
  (ok, failed, locked or busy), then this one prints ``ended``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

OPERATOR = os.environ.get("PATRON_UTILS_OPERATOR", "demo")
PASSWORD = os.environ.get("PATRON_UTILS_PASSWORD", "demo-librarian")
MAX_STALE = 500  # a livelock between the two writers would show as this many retries


def say(*words) -> None:
    print(*words, flush=True)


def status(*dbs: str) -> int:
    import store  # noqa: F401 - once, here, not in every forked process

    for db in dbs:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _status(db)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        say("ended", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    return 0


def _status(db: str) -> int:
    from store import Store

    s = Store(db)
    plan = s.plan("change-status", {}, {"status": "Inactive"}, s.login(OPERATOR, PASSWORD))
    say("ready", os.getpid(), plan.counts.change)
    sys.stdin.readline()
    say("applying")
    started = time.perf_counter()
    report = s.apply(plan)
    say("applied", report.operation_id, f"{time.perf_counter() - started:.3f}")
    s.close()
    return 0


def notes(db: str, name: str, rounds: str, *grades: str) -> int:
    from store import Stale, Store

    s = Store(db)
    operator = s.login(OPERATOR, PASSWORD)
    say("ready")
    sys.stdin.readline()
    done, stale = [], 0
    for i in range(int(rounds)):
        text = f"{name} {i}"
        while True:
            plan = s.plan(
                "add-notes",
                {"grades": list(grades)},
                {"note": text, "note_type": "General"},
                operator,
            )
            try:
                report = s.apply(plan)
            except Stale:
                s.discard(plan)
                stale += 1
                if stale > MAX_STALE:
                    raise
                continue
            done.append(
                {
                    "id": report.operation_id,
                    "note": text,
                    "matched": report.counts.matched,
                    "change": report.counts.change,
                }
            )
            break
    s.close()
    say(json.dumps({"operations": done, "stale": stale}))
    return 0


def logins(db: str, username: str, n: str, right: str) -> int:
    import store
    from store.security import LOGIN_FAILED

    go_read, go_write = os.pipe()
    children = []
    for index in range(int(n)):
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                s = store.Store(db)  # each its own connection, opened after the fork
                os.read(go_read, 1)  # every process waits here; one write releases them all
                password = PASSWORD if index == int(right) else f"guess-{index}"
                try:
                    s.login(username, password)
                    outcome = "ok"
                except store.Busy:
                    outcome = "busy"
                except store.LoginFailed as exc:
                    outcome = "failed" if str(exc) == LOGIN_FAILED else "locked"
                # One write of one line: thirty processes share this pipe.
                os.write(sys.stdout.fileno(), f"{index} {outcome}\n".encode())
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                os._exit(code)
        children.append(pid)
    time.sleep(1.0)  # let every child open its database and block on the pipe
    os.write(go_write, b"x" * len(children))
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    say("ended", max(codes))
    return 0


def cli(timeout_ms: str, *argv: str) -> int:
    import store.database

    store.database.BUSY_TIMEOUT_MS = int(timeout_ms)
    from patron_utils import main

    return main(list(argv))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    sys.exit({"status": status, "notes": notes, "cli": cli, "logins": logins}[mode](*args))
