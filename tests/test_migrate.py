"""`infoshare migrate`: a plaintext log (from before encryption) copied into a new,
encrypted log. The old file is only read; both logs verify; the new file holds none of the
old log's personal content in the clear; `verify --as` checks the old chain again from the
new log alone; and a kill -9 mid-migration leaves no new log under its name."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infoshare_cli.actions.migrating import migrate_log
from infoshare_cli.actions.staff import unlock
from infoshare_cli.cli.main import app
from infoshare_cli.domain.staff import find_member
from infoshare_cli.integrity.verify import verify_ledger, verify_path
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register

GOLDEN = Path(__file__).parent / "data" / "golden.db"
ALEX, PRIYA, SAM = "Alex Morgan", "Priya Shah", "Sam Lee"
# The golden log's passphrases (test data, not secrets): see tests/test_golden_log.py.
GOLDEN_PASSPHRASES = {
    ALEX: "alex passphrase one",
    PRIYA: "priya passphrase two",
    SAM: "sam passphrase renewed",
}
# Personal content in the golden log, and in the decisions added to it below.
GOLDEN_SECRETS = (
    "C-1042",
    "Parent refused when asked on Monday.",
    "Agreed: the bruising meets the threshold.",
    "Typing slip.",
    "golden-export.csv",
)
ADDED_CASE = "ZQXW-MIGRATE-CASE-7731"
ADDED_REASON = "Quokka-lantern reason nobody else would type"
NEW_MANAGER, NEW_PASSPHRASE = "Kim Ng", "kim's brand new passphrase 4471"


def run(db: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(
        app, [str(a) for a in args], input=input, env={"INFOSHARE_DB": str(db)}
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def old_log_verifies(path: Path) -> bool:
    """The old log as this version reads it (its schema brought up to date in memory)."""
    with Ledger.snapshot(path) as ledger:
        return verify_ledger(ledger).ok


@pytest.fixture
def golden(tmp_path) -> Path:
    path = tmp_path / "old.db"
    path.write_bytes(GOLDEN.read_bytes())
    return path


@pytest.fixture
def busy_plaintext_log(golden) -> Path:
    """The golden log used on by this version: brought up to date, a new manager added (so
    they have a reading key), and a decision with distinctive content, all in plaintext."""
    result = run(
        golden,
        "staff", "add", "--name", NEW_MANAGER, "--role", "manager", "--by", ALEX,
        input=f"{GOLDEN_PASSPHRASES[ALEX]}\n{NEW_PASSPHRASE}\n{NEW_PASSPHRASE}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answers = golden.parent / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "case_ref": ADDED_CASE,
                "decided_by": ALEX,
                "answers": {
                    "urgent": "no",
                    "purpose": {"answer": "no", "reason": ADDED_REASON},
                },
            }
        )
    )
    result = run(golden, "decide", "--answers", answers, input=GOLDEN_PASSPHRASES[ALEX] + "\n")
    assert result.exit_code == 0, result.output
    answers.unlink()
    with sqlite3.connect(golden) as conn:  # it is still a plaintext log
        assert conn.execute("SELECT count(*) FROM data_keys").fetchone() == (0,)
        dump = "\n".join(conn.iterdump())
    assert ADDED_CASE in dump and ADDED_REASON in dump
    return golden


def migrate(old: Path, *lines: str, to: Path | None = None, by: str = ALEX):
    args = ["migrate", "--by", by] + (["--to", str(to)] if to else [])
    return run(old, *args, input="".join(f"{line}\n" for line in lines))


def dump_of(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def test_the_golden_log_migrates_and_both_logs_verify(golden):
    before = sha(golden)
    result = migrate(golden, GOLDEN_PASSPHRASES[ALEX], GOLDEN_PASSPHRASES[PRIYA], "")
    assert result.exit_code == 0, result.output
    new = golden.with_name("old-encrypted.db")
    assert f"Migrated 17 entries into the encrypted log {new}" in result.output
    assert "Can read the new log now: Alex Morgan, Priya Shah." in result.output
    said = " ".join(result.output.split())
    assert "Cannot read it yet: Sam Lee (passphrase not typed)." in said
    assert "was not changed and is NOT encrypted" in said
    # what to do next, step by step, with the commands for the new log
    assert f"1. Use the new log from now on: give every command --db {new}" in said
    assert f"2. Check the new log: `infoshare verify --as NAME --db {new}`." in said
    assert (
        "two other managers give them a new passphrase: "
        f'`infoshare staff reset "Sam Lee" --db {new}`'
    ) in said
    assert f"To read an older one, use the old log: `infoshare show NUMBER --db {golden}`." in said
    assert "infoshare never deletes it" in said

    assert sha(golden) == before  # the old file is only read
    assert old_log_verifies(golden)
    report = verify_path(new)
    assert report.ok, [p.message for p in report.problems]

    dump = dump_of(new)
    for secret in GOLDEN_SECRETS:
        assert secret not in dump, secret
    assert before in dump  # the migration entry names the old file by its SHA-256
    with Ledger.open(new, readonly=True) as ledger:
        link = next(ledger.entries(kinds=("migration",))).payload
    assert link["from_entries"] == 17 and link["from_head_seq"] == 17
    assert link["from_head_hash"].startswith("1f169f9ee2b04c06")
    assert link["from_file_sha256"] == before


def test_verify_as_checks_the_old_chain_again_from_the_new_log(golden):
    new = golden.parent / "new.db"
    assert migrate(golden, GOLDEN_PASSPHRASES[ALEX], "", "", to=new).exit_code == 0
    result = run(new, "verify", "--as", ALEX, input=GOLDEN_PASSPHRASES[ALEX] + "\n")
    assert result.exit_code == 0, result.output
    assert (
        "Carried over from the older, unencrypted log: 17 entries, checked again as that "
        "log's own chain"
    ) in " ".join(result.output.split())
    # Sam's passphrase was not typed: the new log cannot be read as Sam.
    result = run(new, "verify", "--as", SAM, input=GOLDEN_PASSPHRASES[SAM] + "\n")
    assert result.exit_code != 0
    assert "No key to read this log is stored for Sam Lee" in result.output
    assert "passphrase was not typed when the log was migrated" in " ".join(result.output.split())
    # Two other managers give Sam a new passphrase, and with it a key to read the log.
    renewed = "sam's passphrase after the migration 5521"
    result = run(
        new, "staff", "reset", SAM, "--by", ALEX, "--second", PRIYA,
        input=f"{GOLDEN_PASSPHRASES[ALEX]}\n{GOLDEN_PASSPHRASES[PRIYA]}\n{renewed}\n{renewed}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = run(new, "verify", "--as", SAM, input=renewed + "\n")
    assert result.exit_code == 0, result.output


def test_a_staffed_log_with_decisions_migrates_with_nothing_personal_in_the_clear(
    busy_plaintext_log,
):
    old = busy_plaintext_log
    before = sha(old)
    new = old.parent / "encrypted.db"
    # Priya types hers, Sam is skipped; Kim has a reading key already (added by this version).
    result = migrate(old, GOLDEN_PASSPHRASES[ALEX], GOLDEN_PASSPHRASES[PRIYA], "", to=new)
    assert result.exit_code == 0, result.output
    assert "Migrated 19 entries" in result.output
    assert "Can read the new log now: Alex Morgan, Priya Shah, Kim Ng." in result.output
    assert sha(old) == before
    assert old_log_verifies(old)
    assert verify_path(new).ok
    dump = dump_of(new)
    for secret in (ADDED_CASE, ADDED_REASON, *GOLDEN_SECRETS):
        assert secret not in dump, secret
    for reader in (PRIYA, NEW_MANAGER):  # each opens the old chain with their own keys
        passphrase = NEW_PASSPHRASE if reader == NEW_MANAGER else GOLDEN_PASSPHRASES[reader]
        checked = run(new, "verify", "--as", reader, input=passphrase + "\n")
        assert checked.exit_code == 0, checked.output
        assert "unencrypted log: 19 entries, checked again" in " ".join(checked.output.split())
    with Ledger.open(new, readonly=True) as ledger:  # the register as it stood, Jo left
        register = load_register(ledger)
    assert [m.name for m in register.values() if not m.active] == ["Jo Baker"]
    assert {m.name for m in register.values()} == {ALEX, PRIYA, SAM, "Jo Baker", NEW_MANAGER}
    # The new log is an ordinary encrypted log: decisions go on being taken in it.
    answers = old.parent / "next.json"
    answers.write_text(
        json.dumps(
            {
                "case_ref": "C-2",
                "decided_by": PRIYA,
                "answers": {"urgent": "no", "purpose": {"answer": "no", "reason": "Curiosity."}},
            }
        )
    )
    taken = run(new, "decide", "--answers", answers, input=GOLDEN_PASSPHRASES[PRIYA] + "\n")
    assert taken.exit_code == 0, taken.output
    listed = run(new, "log", "--as", PRIYA, input=GOLDEN_PASSPHRASES[PRIYA] + "\n")
    assert listed.exit_code == 0, listed.output
    assert "migrated from an unencrypted one" in " ".join(listed.output.split())
    assert "C-2" in listed.output
    assert verify_path(new).ok


def test_a_log_that_does_not_verify_is_not_migrated(golden):
    conn = sqlite3.connect(golden)
    conn.execute("DROP TRIGGER entries_no_update")
    conn.execute("UPDATE entries SET recorded_at = '2026-11-29T09:00:00.000000Z' WHERE seq = 9")
    conn.commit()
    conn.close()
    result = migrate(golden, GOLDEN_PASSPHRASES[ALEX], "", "")
    assert result.exit_code != 0
    assert "does not verify, so it was not migrated" in result.output
    assert sorted(p.name for p in golden.parent.iterdir() if "encrypted" in p.name) == []


def test_an_existing_file_is_never_overwritten(golden):
    taken = golden.parent / "taken.db"
    taken.write_bytes(b"someone's file")
    result = migrate(golden, GOLDEN_PASSPHRASES[ALEX], "", "", to=taken)
    assert result.exit_code != 0
    assert "will not overwrite it" in result.output
    assert taken.read_bytes() == b"someone's file"


def test_only_an_active_manager_migrates(golden):
    result = migrate(golden, GOLDEN_PASSPHRASES[SAM], by=SAM)
    assert result.exit_code != 0
    assert "Only a manager can migrate the log" in result.output


def test_an_encrypted_log_is_not_migrated_again(golden):
    new = golden.parent / "new.db"
    assert migrate(golden, GOLDEN_PASSPHRASES[ALEX], "", "", to=new).exit_code == 0
    result = migrate(new, GOLDEN_PASSPHRASES[ALEX], to=golden.parent / "again.db")
    assert result.exit_code != 0
    assert "already encrypted" in result.output
    assert not (golden.parent / "again.db").exists()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks migrating processes")
def test_kill_9_mid_migration_leaves_no_new_log(golden):
    with Ledger.snapshot(golden) as ledger:
        alex = unlock(find_member(load_register(ledger), ALEX), GOLDEN_PASSPHRASES[ALEX])
    before = sha(golden)
    rng = random.Random(20261130)
    target = golden.parent / "new.db"
    for _ in range(12):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                os.close(read_fd)
                os.write(write_fd, b"r")
                migrate_log(golden, target, alex)
            finally:
                os._exit(0)
        os.close(write_fd)
        os.read(read_fd, 1)
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_fd)
        # Either no new log at all, or a whole one that verifies: never half of one.
        if target.exists():
            report = verify_path(target)
            assert report.ok, [p.message for p in report.problems]
            with Ledger.open(target, readonly=True) as ledger:
                # 5 staff entries (Jo deactivated again), the setting, 17 carried over, the link
                assert ledger.count() == 5 + 1 + 17 + 1
            target.unlink()
        assert sha(golden) == before
    # What a kill leaves behind is a hidden .partial file: never the old log's content in it.
    for leftover in golden.parent.glob(".new.db.*.partial*"):
        raw = leftover.read_bytes()
        for secret in GOLDEN_SECRETS:
            assert secret.encode() not in raw, (leftover.name, secret)
    migrate_log(golden, target, alex)  # and a migration that is not killed finishes
    assert verify_path(target).ok


def test_reading_an_unencrypted_log_says_how_to_migrate_it(golden):
    result = run(golden, "log", "--as", ALEX, input=GOLDEN_PASSPHRASES[ALEX] + "\n")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Its records are not encrypted." in said
    assert "migrate --by NAME" in said and "this file is left as it is" in said


def test_verify_as_names_an_old_entry_carried_over_twice(golden):
    from infoshare_cli.actions.staff import open_keys
    from infoshare_cli.ledger import keystore
    from infoshare_cli.ledger.sealing import reading, seal_payload

    new = golden.parent / "new.db"
    assert migrate(golden, GOLDEN_PASSPHRASES[ALEX], "", "", to=new).exit_code == 0
    with Ledger.open(new) as ledger:
        alex = unlock(find_member(load_register(ledger), ALEX), GOLDEN_PASSPHRASES[ALEX])
        keys = open_keys(ledger, alex)
        with reading(ledger.conn, keys):
            last = list(ledger.entries(kinds=("imported",)))[-1].payload
        original = dict(last["original"])
        original["recorded_at"] = "2026-11-29T23:59:59.000000Z"  # a date moved, re-signed by Alex
        with ledger.batch():
            record, key = keystore.new_record(ledger.conn, keys)
            payload = seal_payload("imported", {"of": 17, "original": original}, record, key)
            ledger.append("imported", alex.staff_id, payload, alex.sign)
    assert verify_path(new).ok  # the new chain holds: a manager signed it
    result = run(new, "verify", "--as", ALEX, input=GOLDEN_PASSPHRASES[ALEX] + "\n")
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "The encrypted content does NOT hold." in said
    assert "in the old log it carries over, entry #17" in said, said


def test_a_migration_registered_outside_a_transaction_runs_outside_one(tmp_path):
    """VACUUM cannot run inside a transaction: the flag must reach sqlite-utils."""
    import sqlite_utils

    from infoshare_cli.ledger.startup_shortcuts import LightMigrations

    migrations = LightMigrations("a-test-set")

    @migrations(name="vacuum", transactional=False)
    def vacuum(db):
        db.execute("VACUUM")

    db = sqlite_utils.Database(tmp_path / "x.db")
    migrations.apply(db)
    assert migrations.applied_names(db.conn) == ["vacuum"]


def test_a_second_migration_entry_is_named_when_the_old_chain_is_checked(golden):
    """A manager appends a copy of the migration entry: `verify --as` names it."""
    new = golden.parent / "new.db"
    assert migrate(golden, GOLDEN_PASSPHRASES[ALEX], "", "", to=new).exit_code == 0
    with Ledger.open(new) as ledger:
        alex = unlock(find_member(load_register(ledger), ALEX), GOLDEN_PASSPHRASES[ALEX])
        link = next(ledger.entries(kinds=("migration",))).payload
        second = ledger.append("migration", alex.staff_id, dict(link), alex.sign)
    result = run(new, "verify", "--as", ALEX, input=GOLDEN_PASSPHRASES[ALEX] + "\n")
    assert result.exit_code == 1
    assert f"Entry #{second.seq}" in result.output
    assert "it is a second migration entry in one log." in " ".join(result.output.split())


def test_carried_over_entries_without_their_migration_entry_are_named(golden):
    """Someone with the file turns the migration entry into another kind: the carried-over
    entries then stand without the entry that says where they came from."""
    from support.ledger_attacks import Tamper

    new = golden.parent / "new.db"
    assert migrate(golden, GOLDEN_PASSPHRASES[ALEX], "", "", to=new).exit_code == 0
    with Ledger.open(new) as ledger:
        link = next(ledger.entries(kinds=("migration",))).seq
    with Tamper(new) as conn:
        conn.execute("UPDATE entries SET kind = 'setting' WHERE seq = ?", (link,))
    result = run(new, "verify", "--as", ALEX, input=GOLDEN_PASSPHRASES[ALEX] + "\n")
    assert result.exit_code == 1
    assert "Entry #7: it carries over entries of an older log, but no migration entry says so." in (
        " ".join(result.output.split())
    )
