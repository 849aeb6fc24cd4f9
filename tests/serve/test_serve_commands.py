"""Commands over SSH (``ssh HOST run …``): the headless CLI as the operator who logged in,
same output and exit status; and everything that is not the app or a command, refused."""

from __future__ import annotations

import asyncssh
import pytest

from ..databases import everything, query

CHANGE = "run change-status --grades 12 --status Inactive"


def seniors(db) -> dict[str, str]:
    return dict(query(db, "SELECT barcode, status FROM patrons WHERE grade = '12'"))


async def test_a_dry_run_prints_the_plan_and_writes_nothing(server, db):
    before = everything(db)
    async with server.connect() as conn:
        result = await conn.run(CHANGE)
    assert result.exit_status == 0, result.stderr
    assert "Change Patron Status — dry run: nothing was written" in result.stdout
    to_change = [b for b, status in seniors(db).items() if status != "Inactive"]
    assert to_change and f"will change {len(to_change)}" in result.stdout
    assert everything(db) == before


async def test_yes_applies_as_the_operator_who_logged_in_and_the_journal_says_ssh(server, db):
    async with server.connect("aide", "demo-aide") as conn:
        result = await conn.run(CHANGE + " --yes")
    assert result.exit_status == 0, result.stderr
    assert set(seniors(db).values()) == {"Inactive"}
    assert query(db, "SELECT utility, operator, via FROM operations") == [
        ("change-status", "aide", "ssh from 127.0.0.1")
    ]


async def test_a_refusal_keeps_the_commands_exit_status(server, db):
    before = everything(db)
    async with server.connect() as conn:
        bad = await conn.run("run change-status --grades 12 --status Nonsense --yes")
        unknown = await conn.run("run no-such-utility")
    assert bad.exit_status == 2 and "status" in bad.stderr.lower()
    assert unknown.exit_status == 2 and "no utility 'no-such-utility'" in unknown.stderr
    assert everything(db) == before


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (CHANGE + " --yes --db /tmp/other.db", "--db: not over SSH"),
        (CHANGE + " --yes --operator aide", "--operator: not over SSH"),
        (
            "run change-status --barcodes-file /etc/passwd --status Inactive --yes",
            "--barcodes-file",
        ),
        ("demo --db /tmp/x.db", "'demo' is not a command of this service"),
        ("sh -c id", "'sh' is not a command of this service"),
        ("run 'unclosed", "cannot be read"),
    ],
)
async def test_commands_that_reach_past_the_session_are_refused(server, db, command, says):
    before = everything(db)
    async with server.connect() as conn:
        result = await conn.run(command)
    assert result.exit_status == 2
    assert says in result.stderr
    assert everything(db) == before


async def test_a_barcode_that_names_a_file_of_the_server_is_a_barcode_not_a_file(server, db):
    """--barcodes takes barcodes (the file flag is refused over SSH): a path is looked up as
    a barcode nobody has, and the file is never read."""
    before = everything(db)
    async with server.connect() as conn:
        result = await conn.run("run change-status --barcodes /etc/hostname --status Inactive")
    assert result.exit_status == 0, result.stderr
    assert "/etc/hostname\t(not found)" in result.stdout
    assert everything(db) == before


async def test_a_shell_without_a_terminal_sftp_and_forwarding_are_refused(server):
    async with server.connect() as conn:
        shell = await conn.run()  # no command, no terminal: no app to show
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.start_sftp_client()
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", server.port)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", server.port)
    assert shell.exit_status == 2 and "on a terminal" in shell.stderr
    log = server.log()
    assert "refused subsystem 'sftp'" in log
    assert "refused port forwarding" in log and "refused remote port forwarding" in log


async def test_an_operator_registers_their_own_key_over_ssh_on_standard_input(server, db):
    """keys add over SSH takes the key on standard input only (a FILE would be the
    server's); the key then logs in without a password."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    public = key.export_public_key("openssh").decode()
    async with server.connect("aide", "demo-aide") as conn:
        named = await conn.run("keys add aide /etc/hostname")
        added = await conn.run("keys add aide", input=public)
    assert named.exit_status == 2 and "give the key on standard input" in named.stderr
    assert added.exit_status == 0, added.stderr
    assert query(
        db,
        "SELECT p.username, k.fingerprint FROM operator_keys k "
        "JOIN patrons p ON p.id = k.patron_id",
    ) == [("aide", key.get_fingerprint())]
    async with server.connect("aide", None, client_keys=[key]) as conn:
        listed = await conn.run("keys list aide")
    assert listed.exit_status == 0 and key.get_fingerprint() in listed.stdout


async def test_export_over_ssh_comes_on_standard_output_never_a_file_of_the_server(server, db):
    async with server.connect() as conn:
        exported = await conn.run("export --grades 12")
        to_file = await conn.run("export --grades 12 --output /tmp/seniors.csv")
    assert exported.exit_status == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert len(lines) - 1 == len(seniors(db))  # a header, then each grade 12 patron
    assert to_file.exit_status == 2 and "--output: not over SSH" in to_file.stderr


async def test_show_patron_grades_and_preferences_answer_over_ssh(server, db):
    """The commands a script writer sets a library up with, and reads it back by, are the
    service's too: the patron record comes on standard output (the summary's w says so)."""
    barcode = query(db, "SELECT barcode FROM patrons WHERE grade = '12' ORDER BY id LIMIT 1")[0][0]
    async with server.connect() as conn:
        applied = await conn.run(CHANGE + " --yes")
        shown = await conn.run("show 1 --format csv")
        record = await conn.run(f"patron {barcode} --format json")
        grades = await conn.run("grades add 13 --after 12")
        terms = await conn.run("preferences --term Grade=Level")
    assert applied.exit_status == 0, applied.stderr
    assert shown.exit_status == 0, shown.stderr
    assert len(shown.stdout.splitlines()) - 1 == len(seniors(db))
    assert record.exit_status == 0 and f'"{barcode}"' in record.stdout, record.stderr
    assert grades.exit_status == 0, grades.stderr
    assert query(db, "SELECT name FROM grades WHERE name = '13'") == [("13",)]
    assert terms.exit_status == 0, terms.stderr
    assert query(db, "SELECT value FROM preferences WHERE key = 'term.grade'") == [("Level",)]
    assert query(db, "SELECT utility, via FROM operations ORDER BY id") == [
        ("change-status", "ssh from 127.0.0.1"),
        ("grade-table", "ssh from 127.0.0.1"),
    ]
