"""`infoshare backup`: an online, verified, owner-only copy that never overwrites by accident."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import pytest
from support.ledger_attacks import Tamper, run_cli, signer_for, take_anchor
from support.people import ALEX
from support.writer_process import WRITER, writer_env

from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.crypto import _raw_private
from infoshare_cli.ledger.store import Ledger

POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def test_backup_default_name_beside_the_log(staffed_log):
    result = run_cli(staffed_log.path, "backup")
    assert result.exit_code == 0, result.output
    copies = sorted(staffed_log.path.parent.glob("log-backup-*.sqlite3"))
    assert len(copies) == 1
    assert "Backed up 6 entries" in result.stdout and "intact" in result.stdout
    assert verify_path(copies[0]).ok
    # A single self-contained file: no -wal needed beside it.
    assert not copies[0].with_name(copies[0].name + "-wal").exists()
    assert not list(staffed_log.path.parent.glob(".*partial*"))


@POSIX_ONLY
def test_backup_is_owner_only(staffed_log, tmp_path):
    dest = tmp_path / "copy.sqlite3"
    assert run_cli(staffed_log.path, "backup", dest).exit_code == 0
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_backup_never_overwrites_without_force(staffed_log, tmp_path):
    dest = tmp_path / "copy.sqlite3"
    dest.write_text("precious")
    result = run_cli(staffed_log.path, "backup", dest)
    assert result.exit_code == 1
    assert "will not overwrite" in result.stderr
    assert dest.read_text() == "precious"
    result = run_cli(staffed_log.path, "backup", dest, "--force")
    assert result.exit_code == 0, result.output
    assert verify_path(dest).ok


def test_backup_into_a_folder_and_refuses_the_log_itself(staffed_log, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    assert run_cli(staffed_log.path, "backup", folder).exit_code == 0
    assert len(list(folder.glob("log-backup-*.sqlite3"))) == 1
    result = run_cli(staffed_log.path, "backup", staffed_log.path, "--force")
    assert result.exit_code == 1
    assert "over the log itself" in result.stderr


def test_backup_of_a_tampered_log_is_kept_but_fails(staffed_log, tmp_path):
    with Tamper(staffed_log.path) as conn:
        conn.execute("UPDATE entries SET payload = replace(payload, 'Sam', 'Sal') WHERE seq = 4")
    dest = tmp_path / "copy.sqlite3"
    result = run_cli(staffed_log.path, "backup", dest)
    assert result.exit_code == 1
    assert "the log itself does not verify" in result.stdout
    assert "Entry #4" in result.stdout
    assert dest.exists()  # a faithful copy of the evidence


def test_restore_from_a_backup(staffed_log, tmp_path):
    dest = tmp_path / "copy.sqlite3"
    assert run_cli(staffed_log.path, "backup", dest).exit_code == 0
    anchor = take_anchor(staffed_log.path)["signed"]
    staffed_log.path.unlink()
    for suffix in ("-wal", "-shm"):
        staffed_log.path.with_name(staffed_log.path.name + suffix).unlink(missing_ok=True)
    staffed_log.path.write_bytes(dest.read_bytes())
    assert run_cli(staffed_log.path, "verify", "--anchor", anchor).exit_code == 0
    with Ledger.open(staffed_log.path) as ledger:  # and it is writable again
        assert ledger.count() == 6


def test_backup_while_another_process_writes(staffed_log, tmp_path):
    signer = signer_for(staffed_log.path, ALEX)
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(staffed_log.path), signer.staff_id, "-", "400"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=writer_env(),
    )
    proc.stdin.write(_raw_private(signer.private_key).hex() + "\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "ready"
    counts = []
    try:
        for i in range(5):
            dest = tmp_path / f"copy-{i}.sqlite3"
            result = run_cli(staffed_log.path, "backup", dest)
            assert result.exit_code == 0, result.output
            report = verify_path(dest)
            assert report.ok
            counts.append(report.entries)
            time.sleep(0.02)
    finally:
        proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert counts == sorted(counts)
    assert counts[-1] > 6  # the copies were taken while entries were being written
