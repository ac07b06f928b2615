"""Writers killed with SIGKILL mid-append, and many writers at once: the log stays whole.

The writers append through the real ``Ledger.append`` with a registered manager's real key,
so afterwards the whole log must pass ``verify``, not only the raw chain.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.ledger_attacks import signer_for
from support.people import ALEX, PRIYA
from support.writer_process import WRITER, writer_env

from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.crypto import _raw_private
from infoshare_cli.ledger.store import Ledger


def _start_writer(path: Path, signer, go: str, count: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), signer.staff_id, go, str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=writer_env(),
    )
    proc.stdin.write(_raw_private(signer.private_key).hex() + "\n")
    proc.stdin.flush()
    return proc


def _assert_whole(path: Path, reported: dict[int, str]) -> int:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    stored = dict(conn.execute("SELECT seq, hash FROM entries"))
    conn.close()
    for seq, entry_hash in reported.items():
        assert stored.get(seq) == entry_hash, f"reported append #{seq} is missing"
    report = verify_path(path)
    assert report.ok, [p.message for p in report.problems]
    return report.entries


# --- kill -9 mid-append ---------------------------------------------------------------------

_FORK_CHILD_RESULT_BYTES = 80


def _forked_writer(path: Path, signer, out_fd: int) -> None:
    """In a forked child: append until killed, reporting each committed append."""
    try:
        with Ledger.open(path) as ledger:
            os.write(out_fd, b"r\n")  # open: the kill is now aimed at the appends
            i = 0
            while True:
                entry = ledger.append("decision", signer.staff_id, {"n": i}, signer.sign)
                os.write(out_fd, f"{entry.seq} {entry.hash}\n".encode())
                i += 1
    finally:
        os._exit(0)


def _read_reports(fd: int, already: bytes = b"") -> dict[int, str]:
    chunks = [already]
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    reported = {}
    for line in b"".join(chunks).decode().splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[1]) == 64:  # a line cut by the kill is not a report
            reported[int(parts[0])] = parts[1]
    return reported


@pytest.mark.skipif(not hasattr(os, "fork"), reason="uses fork for fast writer processes")
def test_kill_9_during_appends_loses_nothing_reported(staffed_log):
    """120 writers killed at random moments: nothing reported is lost, the log passes
    integrity_check and verify after every few kills and at the end.

    No clock decides anything (a loaded machine only makes it slower): every fourth writer
    is killed only after it has reported its first append, so work does get done."""
    path = staffed_log.path
    signer = signer_for(path, ALEX)
    rng = random.Random(20261126)
    reported: dict[int, str] = {}
    for kills in range(1, 121):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read_fd)
            _forked_writer(path, signer, write_fd)
        os.close(write_fd)
        os.read(read_fd, 2)  # "r\n" once the child has the log open
        first = b""
        while kills % 4 == 0 and b"\n" not in first:  # one whole report line (one write)
            chunk = os.read(read_fd, 4096)
            if not chunk:  # the writer ended by itself: the assertions below will say
                break
            first += chunk
        time.sleep(rng.uniform(0.0, 0.02))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        reported.update(_read_reports(read_fd, first))
        os.close(read_fd)
        if kills % 40 == 0:
            _assert_whole(path, reported)
    entries = _assert_whole(path, reported)
    assert len(reported) >= 30  # at least the one append each fourth writer was waited for
    assert entries >= 6 + len(reported)


def test_kill_9_a_writer_process_started_fresh(staffed_log, tmp_path):
    """The same with a separately started interpreter (no fork), a few times."""
    path = staffed_log.path
    signer = signer_for(path, PRIYA)
    reported: dict[int, str] = {}
    for delay in (0.05, 0.12, 0.2):
        proc = _start_writer(path, signer, "-", 100_000)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.kill()
        out, _ = proc.communicate(timeout=30)
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and len(parts[1]) == 64:
                reported[int(parts[0])] = parts[1]
    _assert_whole(path, reported)


# --- many writers at once -------------------------------------------------------------------


def test_eight_processes_append_250_each(staffed_log, tmp_path):
    path = staffed_log.path
    signers = [signer_for(path, ALEX), signer_for(path, PRIYA)]
    go = tmp_path / "go"
    procs = [_start_writer(path, signers[i % 2], str(go), 250) for i in range(8)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    started = time.monotonic()
    go.touch()
    reported: dict[int, str] = {}
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        lines = [line.split() for line in out.splitlines()]
        assert len(lines) == 250
        reported.update({int(seq): h for seq, h in lines})
    elapsed = time.monotonic() - started
    assert len(reported) == 2000
    assert _assert_whole(path, reported) == 6 + 2000
    assert elapsed < 60
