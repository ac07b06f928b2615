"""Time infoshare as whole processes against reference commands, and print the ratios.

    python benchmarks/run.py              # every case (builds the logs the first time)
    python benchmarks/run.py --runs 3     # fewer runs per case
    python benchmarks/run.py --only help,log
    python benchmarks/run.py --rebuild    # write the cached logs again

The 1k and 100k logs are written by ``make_log.py`` and kept under ``benchmarks/.cache/``
(gitignored); a log is rebuilt when ``make_log.py`` changes. Commands that change the log
(``export`` records itself, ``decide`` appends) run on a scratch copy made once per run.

Each case runs its command and its reference once to warm up (the OS file cache, Python's
bytecode cache), then alternately, several times; the figures are medians of wall-clock
time for the whole process, and peak memory (maximum resident set size) of the process.
A command that has not landed yet is reported as "not available yet". Figures are printed,
not asserted: the benchmarks are not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
BIN = Path(sys.executable).parent
PYTHON = sys.executable
INFOSHARE = str(BIN / "infoshare")
SQLITE_UTILS = str(BIN / "sqlite-utils")
SMALL, LARGE, BIG = 1_000, 100_000, 1_000_000
ALL_CASES = (
    "help",
    "log",
    "search",
    "export",
    "exports",
    "verify",
    "verify-memory",
    "append",
    "flat",
    "stats",
)

sys.path.insert(0, str(HERE))
import make_log  # noqa: E402

# The newest 20 decisions with the columns `infoshare log` shows.
LOG_SQL = """
SELECT d.decision_id, d.recorded_at, d.case_ref, d.outcome, d.status,
       (SELECT s.name FROM staff s WHERE s.staff_id = d.decided_by) AS decided_by
FROM decisions d ORDER BY d.decision_id DESC LIMIT 20
"""
# Every decision, oldest first, with its status, its people and its whole signed record.
EXPORT_SQL = """
SELECT d.decision_id, d.recorded_at, d.case_ref, d.outcome, d.status,
       (SELECT s.name FROM staff s WHERE s.staff_id = d.decided_by) AS decided_by,
       e.payload, e.hash
FROM decisions d JOIN entries e ON e.seq = d.decision_id ORDER BY d.decision_id
"""
# A bare loop: read every entry's hash and signature, keep each signer's current key from
# the staff entries, verify every Ed25519 signature, one after another. No other checks.
BARE_VERIFY = """
import base64, json, sqlite3, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute(
    "SELECT kind, actor, CASE WHEN kind = 'staff' THEN payload END, hash, signature"
    " FROM entries ORDER BY seq").fetchall()
keys, n = {}, 0
for kind, actor, payload, digest, signature in rows:
    if kind == "staff":
        body = json.loads(payload)
        if "public_key" in body and body["action"] == "register":
            keys[body["staff_id"]] = Ed25519PublicKey.from_public_bytes(
                base64.b64decode(body["public_key"]))
    keys[actor].verify(base64.b64decode(signature), bytes.fromhex(digest))
    if kind == "staff" and "public_key" in body:
        keys[body["staff_id"]] = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(body["public_key"]))
    n += 1
print(n, "signatures verified")
"""

# The same loop using both cores: the main thread reads rows and hands batches of
# (key, signature, digest) to two threads (the Ed25519 binding releases the GIL).
BARE_VERIFY_2 = """
import base64, json, sqlite3, sys
from concurrent.futures import ThreadPoolExecutor
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
def check(batch):
    for key, sig, digest in batch:
        key.verify(sig, digest)
    return len(batch)
conn = sqlite3.connect(sys.argv[1])
keys, batch, futures = {}, [], []
pool = ThreadPoolExecutor(2)
for kind, actor, payload, digest, signature in conn.execute(
    "SELECT kind, actor, CASE WHEN kind = 'staff' THEN payload END, hash, signature"
    " FROM entries ORDER BY seq"):
    body = json.loads(payload) if kind == "staff" else None
    if body is not None and "public_key" in body and body["action"] == "register":
        keys[body["staff_id"]] = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(body["public_key"]))
    batch.append((keys[actor], base64.b64decode(signature), bytes.fromhex(digest)))
    if body is not None and "public_key" in body:
        keys[body["staff_id"]] = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(body["public_key"]))
    if len(batch) == 512:
        futures.append(pool.submit(check, batch))
        batch = []
futures.append(pool.submit(check, batch))
print(sum(f.result() for f in futures), "signatures verified")
"""
# One Argon2id derivation with the tool's parameters (what unlocking one person costs).
BARE_ARGON2 = """
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from infoshare_cli.ledger import crypto
cost = crypto.SEALING_COST
Argon2id(salt=b"0123456789abcdef", length=32, iterations=cost.iterations,
         lanes=cost.lanes, memory_cost=cost.memory_kib).derive(b"benchmark passphrase")
"""
# sqlite-utils' query of the 20 rows `log` shows, printed as sqlite-utils prints them, and
# one Argon2id derivation with the tool's parameters (what unlocking the reader costs).
LOG_REFERENCE = (
    BARE_ARGON2
    + """
import json, sys, sqlite_utils
db = sqlite_utils.Database(sys.argv[1])
print(json.dumps(list(db.query(sys.argv[2])), indent=2))
"""
)
# Unlock one reader (their sealed signing key, their data keys), then open every sealed
# payload of the decisions, co-signatures and corrections: record keys unwrapped once per
# record, AES-GCM, JSON. No search, no checks.
BARE_DECRYPT = """
import base64, json, sqlite3, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from infoshare_cli.actions.staff import open_keys, unlock
from infoshare_cli.domain.staff import find_member
from infoshare_cli.ledger import keys as k
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register
with Ledger.open(sys.argv[1]) as ledger:
    signer = unlock(find_member(load_register(ledger), "Alex Morgan"), sys.stdin.readline().strip())
    keys = open_keys(ledger, signer)
    conn = ledger.conn
    wrapped = {r: (d, n, w) for r, d, n, w in conn.execute("SELECT * FROM record_keys")}
    record_keys, n = {}, 0
    for kind, payload in conn.execute("SELECT kind, payload FROM entries"
                                      " WHERE kind IN ('decision', 'cosign', 'correction')"):
        body = json.loads(payload)
        record = body["record"]
        key = record_keys.get(record)
        if key is None:
            d, nonce, w = wrapped[record]
            key = record_keys[record] = AESGCM(keys.data_keys[d]).decrypt(
                nonce, w, k.record_key_aad(record, d))
        sealed = body["sealed"]
        aad = k.content_aad(kind, body["id"], record)
        json.loads(AESGCM(key).decrypt(base64.b64decode(sealed["nonce"]),
                                       base64.b64decode(sealed["ciphertext"]), aad))
        n += 1
print(n, "payloads opened")
"""
# The JSON and JSONL exports' reference: sqlite-utils' JSON of the same entries (every
# decision, co-signature and correction, all eight columns) plus the decryption the design
# needs: unlock the exporter (Argon2id, their data keys), and each entry's payload opened
# (record key unwrapped once per record, AES-GCM) and written whole, opened, in place of
# the sealed one. Rows are printed as `sqlite-utils query --json` (or `--nl`) prints them.
# No whole-log check, no review dicts, no signed export entry, no fsync.
EXPORT_JSON_REFERENCE = """
import base64, json, sys
import sqlite_utils
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from infoshare_cli.actions.staff import open_keys, unlock
from infoshare_cli.domain.staff import find_member
from infoshare_cli.ledger import keys as k
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register
nl = sys.argv[3] == "nl"
with Ledger.open(sys.argv[1]) as ledger:
    signer = unlock(find_member(load_register(ledger), "Alex Morgan"), sys.stdin.readline().strip())
    keys = open_keys(ledger, signer)
    wrapped = {r: (d, n, w) for r, d, n, w in ledger.conn.execute("SELECT * FROM record_keys")}
db = sqlite_utils.Database(sys.argv[1])
record_keys = {}
out = open(sys.argv[4], "w", encoding="utf-8")
out.write("" if nl else "[")
for i, row in enumerate(db.query(sys.argv[2])):
    body = json.loads(row["payload"])
    record = body["record"]
    key = record_keys.get(record)
    if key is None:
        d, nonce, w = wrapped[record]
        key = record_keys[record] = AESGCM(keys.data_keys[d]).decrypt(
            nonce, w, k.record_key_aad(record, d))
    sealed = body.pop("sealed")
    aad = k.content_aad(row["kind"], body["id"], record)
    body.update(json.loads(AESGCM(key).decrypt(base64.b64decode(sealed["nonce"]),
                                               base64.b64decode(sealed["ciphertext"]), aad)))
    row["payload"] = body
    if nl:
        out.write(json.dumps(row, default=repr) + "\\n")
    else:
        out.write(("," if i else "") + "\\n " + json.dumps(row, default=repr))
out.write("" if nl else "\\n]\\n")
out.close()
"""
# The entries an export carries (every decision, co-signature and correction), as JSON.
EXPORT_ROWS_SQL = """
SELECT seq, kind, recorded_at, actor, payload, prev_hash, hash, signature
FROM entries WHERE kind IN ('decision', 'cosign', 'correction') ORDER BY seq
"""
# The figures `stats` shows, in SQL over the log's own `decisions` view (which works out
# each decision's status): decisions per local month (to the second, as `stats` and `log`
# show it) by outcome and status, how many of them were corrected, and the decisions
# awaiting co-signature for more than two days (found through the log's list of decisions
# awaiting co-signature, the fastest way the schema offers) with their numbers and the
# names of who took them. The overdue list shows each decision's case reference, which is
# sealed: the reference also does the one Argon2id derivation that unlocking a reader
# costs (LOG_REFERENCE), and opens nothing.
STATS_SQL = """
SELECT strftime('%Y-%m', substr(recorded_at, 1, 19), 'localtime') AS month, outcome, status,
       count(*) AS n, sum(decision_id IN (SELECT json_extract(payload, '$.decision')
                                          FROM entries WHERE kind = 'correction')) AS corrected
FROM decisions GROUP BY month, outcome, status
UNION ALL
SELECT 'overdue', n.number, d.recorded_at, d.case_ref, s.name FROM decisions d
JOIN decision_numbers n ON n.seq = d.decision_id
LEFT JOIN staff s ON s.staff_id = d.decided_by
WHERE d.decision_id IN (SELECT decision FROM decisions_awaiting)
  AND d.status = 'awaiting co-signature'
  AND d.recorded_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 days')
"""


# --- running things ---------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    max_rss_kib: int
    cpu: float  # user + system seconds of the process
    returncode: int
    stdout: str
    stderr: str


def run_once(cmd: list[str], stdin_text: str = "", cwd: Path | None = None) -> Run:
    """One whole process: wall time, and its own peak memory (wait4's rusage)."""
    with (
        tempfile.TemporaryFile() as stdin,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        stdin.write(stdin_text.encode("utf-8"))
        stdin.seek(0)
        env = {**os.environ, "COLUMNS": "120", "INFOSHARE_DEBUG": ""}
        # Bytecode is cached, as in any installed copy (pip compiles it on install); an
        # environment with PYTHONDONTWRITEBYTECODE would compile infoshare on every run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        # Only the end of the output: holding a 100 MB export in this process would make
        # every later child look big too (a child's peak includes what it was forked from).
        cpu = usage.ru_utime + usage.ru_stime
        return Run(elapsed, usage.ru_maxrss, cpu, proc.returncode, _tail(out), _tail(err))


def _tail(file, size: int = 64 * 1024) -> str:
    file.seek(0, os.SEEK_END)
    file.seek(max(0, file.tell() - size))
    return file.read().decode("utf-8", "replace")


# A small, fresh parent for measuring peak memory: a child's maximum resident set size
# counts the memory of the process it was forked from, so it is measured from this one.
PEAK_MEMORY = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,"
    " check=True)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_memory_kib(cmd: list[str], stdin_text: str = "") -> int:
    run = run_once([PYTHON, "-c", PEAK_MEMORY, *cmd], stdin_text)
    check(run, cmd)
    return int(run.stdout.split()[-1])


@dataclass
class Timing:
    median: float
    runs: list[float]
    max_rss_kib: int
    cpu: list[float] = field(default_factory=list)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def check(run: Run, cmd: list[str]) -> None:
    if run.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {run.returncode}:\n{run.stderr[-2000:] or run.stdout[-2000:]}"
        )


def compare(
    cmd: list[str],
    ref: list[str],
    runs: int,
    stdin_text: str = "",
    ref_stdin: str = "",
    before: Callable[[], None] | None = None,
) -> tuple[Timing, Timing]:
    """Warm up both, then alternate them ``runs`` times (fewer if a run takes long)."""
    a_times: list[float] = []
    b_times: list[float] = []
    a_cpu: list[float] = []
    b_cpu: list[float] = []
    a_rss = b_rss = 0
    warm = True
    total = runs
    i = 0
    while i < total + 1:
        for which in (0, 1):
            if before is not None:
                before()
            # What the last run wrote (an export of 660 MB) is flushed to the disk now, not
            # by the kernel during the next run, whichever side that is.
            if hasattr(os, "sync"):
                os.sync()
            this_cmd, text = (cmd, stdin_text) if which == 0 else (ref, ref_stdin)
            run = run_once(this_cmd, text)
            check(run, this_cmd)
            if warm:
                if which == 1 and run.seconds > 5:  # slow cases: three runs are enough
                    total = min(total, 3)
                continue
            if which == 0:
                a_cpu.append(run.cpu)
                a_times.append(run.seconds)
                a_rss = max(a_rss, run.max_rss_kib)
            else:
                b_cpu.append(run.cpu)
                b_times.append(run.seconds)
                b_rss = max(b_rss, run.max_rss_kib)
        warm = False
        i += 1
    return (
        Timing(statistics.median(a_times), a_times, a_rss, a_cpu),
        Timing(statistics.median(b_times), b_times, b_rss, b_cpu),
    )


def available(*command: str) -> bool:
    run = run_once([INFOSHARE, *command, "--help"])
    return run.returncode == 0


# --- the logs ---------------------------------------------------------------------------


def _make_log_key() -> str:
    return hashlib.sha256((HERE / "make_log.py").read_bytes()).hexdigest()[:12]


def cached_log(n: int, rebuild: bool) -> Path:
    """The cached log of ``n`` decisions, built if missing or if make_log.py changed."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"log-{n}-{_make_log_key()}.sqlite3"
    if rebuild or not path.exists():
        for old in CACHE.glob(f"log-{n}-*.sqlite3*"):
            old.unlink()
        print(f"Writing a log of {n:,} decisions to {path} ...", flush=True)
        started = time.perf_counter()
        make_log.make_log(path, n)
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    _open_and_close(path)
    return path


def _open_and_close(path: Path) -> None:
    """Apply any migration that landed since the log was built, before anything is timed."""
    from infoshare_cli.ledger.store import Ledger

    Ledger.open(path).close()


def scratch_copy(source: Path, name: str) -> Path:
    target = CACHE / name
    for side in ("", "-wal", "-shm"):
        Path(f"{target}{side}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)
    return target


# --- cases ------------------------------------------------------------------------------


@dataclass
class Result:
    case: str
    what: str
    infoshare: float | None = None
    reference: float | None = None
    reference_what: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)
    infoshare_min: float | None = None  # the quickest run: the least disturbed by others
    reference_min: float | None = None


def case_help(args) -> list[Result]:
    a, b = compare([INFOSHARE, "--help"], [PYTHON, "-c", "import typer"], max(args.runs, 10))
    ratio = a.median / b.median
    return [
        Result(
            "help",
            "infoshare --help",
            a.median,
            b.median,
            'python -c "import typer"',
            ratio,
            "≤ 1.2×",
            ratio <= 1.2,
            infoshare_min=min(a.runs),
            reference_min=min(b.runs),
        )
    ]


# Reading commands unlock: the reader names themselves and types their passphrase once.
READER = ["--as", make_log.FIRST_MANAGER]
UNLOCK = make_log.PASSPHRASE + "\n"


def case_log(args, large: Path) -> list[Result]:
    result = Result(
        "log",
        "infoshare log -n 20 (100k)",
        reference_what="sqlite-utils' query of the same 20 rows + one Argon2id derivation",
    )
    a, b = compare(
        [INFOSHARE, "log", "-n", "20", *READER, "--db", str(large)],
        [PYTHON, "-c", LOG_REFERENCE, str(large), LOG_SQL],
        max(args.runs, 10),
        stdin_text=UNLOCK,
    )
    _fill(result, a, b)
    result.target, result.passed = "≤ 1.0×", result.ratio <= 1.0
    return [result]


def case_search(args, large: Path) -> list[Result]:
    """A word found nowhere: every sealed payload is opened and searched."""
    result = Result(
        "search",
        "infoshare log -q (a word in no record) (100k)",
        reference_what="bare loop: unlock once, AES-GCM-decrypt every payload",
    )
    a, b = compare(
        [INFOSHARE, "log", "-q", "zzzunfound", "-n", "20", *READER, "--db", str(large)],
        [PYTHON, "-c", BARE_DECRYPT, str(large)],
        args.runs,
        stdin_text=UNLOCK,
        ref_stdin=UNLOCK,
    )
    _fill(result, a, b)
    result.target, result.passed = "≤ 2.0×", result.ratio <= 2.0
    return [result]


def case_export(args, small: Path, large: Path) -> list[Result]:
    # Measured after a warm-up export by the same person on the same copy: the check rests
    # on their checked head (see case_exports). Peak memory: the 1k export is a first one
    # (the whole check), the 100k one follows the timed runs.
    time_result = Result(
        "export",
        "infoshare export --format csv (100k, exported before)",
        reference_what="sqlite-utils query --csv",
    )
    memory_result = Result(
        "export-memory", "export peak memory, 100k vs 1k", reference_what="export of 1k"
    )
    if not available("export"):
        time_result.note = memory_result.note = "not available yet"
        return [time_result, memory_result]
    results = []
    timings = {}
    memory = {}
    for label, source in (("1k", small), ("100k", large)):
        work = scratch_copy(source, f"export-{label}.sqlite3")
        out = CACHE / f"export-{label}.csv"
        cmd = [INFOSHARE, "export", "--format", "csv", "--out", str(out), "--force"]
        cmd += ["--by", make_log.FIRST_MANAGER, "--db", str(work)]
        ref = [SQLITE_UTILS, "query", str(work), EXPORT_SQL, "--csv"]
        passphrase = make_log.PASSPHRASE + "\n"
        if label == "100k":
            a, b = compare(cmd, ref, args.runs, stdin_text=passphrase)
            timings[label] = (a, b)
        memory[label] = (peak_memory_kib(cmd, passphrase), peak_memory_kib(ref))
        out.unlink(missing_ok=True)
        for side in ("", "-wal", "-shm"):
            Path(f"{work}{side}").unlink(missing_ok=True)
    a, b = timings["100k"]
    _fill(time_result, a, b)
    time_result.target, time_result.passed = "≤ 1.0×", time_result.ratio <= 1.0
    results.append(time_result)
    small_rss, large_rss = memory["1k"][0], memory["100k"][0]
    memory_result.infoshare, memory_result.reference = large_rss / 1024, small_rss / 1024
    memory_result.ratio = large_rss / small_rss
    memory_result.target, memory_result.passed = "≤ 1.2×", memory_result.ratio <= 1.2
    memory_result.extra = {
        "sqlite_utils_1k_mib": memory["1k"][1] / 1024,
        "sqlite_utils_100k_mib": memory["100k"][1] / 1024,
    }
    results.append(memory_result)
    return results


def case_verify(args, large: Path) -> list[Result]:
    result = Result(
        "verify",
        "infoshare verify (100k)",
        reference_what="bare Ed25519 loop on two threads",
    )
    a, b = compare(
        [INFOSHARE, "verify", "--db", str(large)],
        [PYTHON, "-c", BARE_VERIFY_2, str(large)],
        args.runs,
    )
    _fill(result, a, b, inverse=True)  # speed relative to the bare loop
    result.target, result.passed = "≥ 1.0× (speed)", result.ratio >= 1.0
    return [result]


def case_verify_memory(args, small: Path, large: Path) -> list[Result]:
    result = Result(
        "verify-memory", "verify peak memory, 100k vs 1k", reference_what="verify of 1k"
    )
    big = peak_memory_kib([INFOSHARE, "verify", "--db", str(large)])
    little = peak_memory_kib([INFOSHARE, "verify", "--db", str(small)])
    result.infoshare, result.reference = big / 1024, little / 1024
    result.ratio = big / little
    result.target, result.passed = "≤ 1.2×", result.ratio <= 1.2
    return [result]


def _fill(result: Result, a: Timing, b: Timing, inverse: bool = False) -> None:
    result.infoshare, result.reference = a.median, b.median
    result.infoshare_min, result.reference_min = min(a.runs), min(b.runs)
    result.ratio = (b.median / a.median) if inverse else (a.median / b.median)
    result.extra["cpu_ratio"] = (
        (b.cpu_median / a.cpu_median) if inverse else (a.cpu_median / b.cpu_median)
    )


def _export_cmd(db: Path, fmt: str, out: Path) -> list[str]:
    return [
        INFOSHARE, "export", "--format", fmt, "--out", str(out), "--force",
        "--by", make_log.FIRST_MANAGER, "--db", str(db),
    ]  # fmt: skip


def forget_checks(db: Path) -> Callable[[], None]:
    """Before each run: the log as if never exported from, so the export's check is the
    whole check (its checked heads, a cache, deleted; the export entries stay)."""

    def forget() -> None:
        conn = sqlite3.connect(db)
        try:
            conn.execute("DELETE FROM checked_heads")
            conn.commit()
        finally:
            conn.close()

    return forget


def case_exports(args, large: Path) -> list[Result]:
    """JSON and JSONL against sqlite-utils' JSON of the same entries; HTML and Markdown
    against infoshare's own CSV export. Each export includes its whole-log check.

    Every export here is by the same person on one scratch copy, after a warm-up export, so
    the rows marked "exported before" measure the usual case: the check rests on the
    exporter's own checked head of their last export (integrity/checked_heads.py), and
    checks in full only the entries since. The "first export" row measures an export of a
    log no one has exported from: its checked heads are deleted before every run, so it
    pays the whole check (the time of `verify`)."""
    results = []
    work = scratch_copy(large, "exports-100k.sqlite3")
    passphrase = make_log.PASSPHRASE + "\n"
    out = CACHE / "exports-out"
    try:
        for fmt, flag, first in (
            ("json", "array", False),
            ("jsonl", "nl", False),
            ("json", "array", True),
        ):
            when = "first export on the log" if first else "exported before"
            result = Result(
                f"export-{fmt}{'-first' if first else ''}",
                f"infoshare export --format {fmt} (100k, {when})",
                reference_what=(
                    f"sqlite-utils JSON{' --nl' if flag == 'nl' else ''} of the same entries, "
                    "unlocked and every payload opened"
                ),
            )
            ref = [PYTHON, "-c", EXPORT_JSON_REFERENCE, str(work), EXPORT_ROWS_SQL, flag]
            ref.append(str(CACHE / "exports-reference.json"))
            a, b = compare(
                _export_cmd(work, fmt, out),
                ref,
                args.runs,
                stdin_text=passphrase,
                ref_stdin=passphrase,
                before=forget_checks(work) if first else None,
            )
            _fill(result, a, b)
            result.target, result.passed = "≤ 1.5×", result.ratio <= 1.5
            results.append(result)
        for fmt in ("html", "md"):
            result = Result(
                f"export-{fmt}",
                f"infoshare export --format {fmt} (100k, exported before)",
                reference_what="infoshare export --format csv (exported before)",
            )
            a, b = compare(
                _export_cmd(work, fmt, out),
                _export_cmd(work, "csv", out),
                args.runs,
                stdin_text=passphrase,
                ref_stdin=passphrase,
            )
            _fill(result, a, b)
            result.target, result.passed = "≤ 3.0×", result.ratio <= 3.0
            results.append(result)
    finally:
        out.unlink(missing_ok=True)
        (CACHE / "exports-reference.json").unlink(missing_ok=True)
        for side in ("", "-wal", "-shm"):
            Path(f"{work}{side}").unlink(missing_ok=True)
    return results


FLAT = (
    ("log -n 20", ["log", "-n", "20"]),
    ("log --status awaiting -n 20", ["log", "--status", "awaiting", "-n", "20"]),
    ("log -q bruising -n 20", ["log", "-q", "bruising", "-n", "20"]),
    ("case C-0042", ["case", "C-0042"]),
    ("show (newest decision)", ["show", "{newest}"]),
    ("pending", ["pending"]),
    ("anchor", ["anchor", "--by", make_log.FIRST_MANAGER, "--cosigner", "Jo Baker"]),
)


def _newest_decision(db: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT max(seq) FROM entries WHERE kind = 'decision'").fetchone()
        # Decisions have their own numbers; `e<entry>` names one by its entry, so this works
        # on a log whose decision numbers a first open has yet to work out.
        return f"e{row[0]}"
    finally:
        conn.close()


def case_flat(args, small: Path, large: Path, label: str = "100k") -> list[Result]:
    """Each command on the large log against the same command on the 1k log."""
    results = []
    for name, argv in FLAT:
        result = Result(
            f"flat-{label}-{name.split()[0]}{'-' + argv[2] if argv[0] == 'log' else ''}",
            f"infoshare {name} ({label})",
            reference_what="the same on 1k",
        )

        def cmd(db: Path, argv: list[str] = argv) -> list[str]:
            fill = {"newest": _newest_decision(db)}
            who = [] if argv[0] == "anchor" else READER
            return [INFOSHARE, *[a.format(**fill) for a in argv], *who, "--db", str(db)]

        unlock = UNLOCK * 2 if argv[0] == "anchor" else UNLOCK  # two managers sign it
        a, b = compare(
            cmd(large), cmd(small), max(args.runs, 10), stdin_text=unlock, ref_stdin=unlock
        )
        _fill(result, a, b)
        result.target, result.passed = "≤ 1.2×", result.ratio <= 1.2
        results.append(result)
    return results


def case_stats(args, large: Path) -> list[Result]:
    result = Result(
        "stats",
        "infoshare stats (100k)",
        reference_what="sqlite-utils' query of the same figures from the decisions view "
        "+ one Argon2id derivation",
    )
    a, b = compare(
        [INFOSHARE, "stats", *READER, "--db", str(large)],
        [PYTHON, "-c", LOG_REFERENCE, str(large), STATS_SQL],
        args.runs,
        stdin_text=UNLOCK,
    )
    _fill(result, a, b)
    result.target, result.passed = "≤ 1.0×", result.ratio <= 1.0
    return [result]


def case_append(args, large: Path) -> list[Result]:
    result = Result(
        "append",
        "decide --answers (100k log)",
        reference_what="a process doing only the Argon2id unlock",
    )
    answers = CACHE / "answers.json"
    answers.write_text(json.dumps(ANSWERS), encoding="utf-8")
    work_large = scratch_copy(large, "append-100k.sqlite3")
    decide = [INFOSHARE, "decide", "--answers", str(answers), "--by", make_log.FIRST_MANAGER]
    a, b = compare(
        decide + ["--db", str(work_large)],
        [PYTHON, "-c", BARE_ARGON2],
        max(args.runs, 7),
        stdin_text=make_log.PASSPHRASE + "\n",
    )
    for side in ("", "-wal", "-shm"):
        Path(f"{work_large}{side}").unlink(missing_ok=True)
    _fill(result, a, b)
    result.target, result.passed = "≤ 2.0×", result.ratio <= 2.0
    return [result]


ANSWERS = {
    "case_ref": "C-9999",
    "answers": {
        "urgent": "no",
        "purpose": {"answer": "yes", "reason": "To protect the child from further harm."},
        "identifiable": "yes",
        "confidential": "yes",
        "consent": {"answer": "refused", "reason": "Parent refused when asked on Monday."},
        "statutory": "no",
        "public_interest": {
            "answer": ["evidence_of_harm"],
            "reason": "Repeated unexplained bruising, recorded three times in two weeks.",
        },
        "right_way": {
            "necessary": "yes",
            "proportionate": "yes",
            "relevant": "yes",
            "adequate": "yes",
            "accurate": "yes",
            "need_to_know": "yes",
            "timely": "yes",
            "secure": "yes",
            "what": "Dated observations of bruising and the body map.",
            "recipient": "Children's Social Care front door",
            "recipient_role": "Duty social worker",
            "method": "referral_form",
            "shared_on": "2026-11-26",
            "parent_told": {"answer": "no", "reason": "Social care asked us not to tell them."},
        },
    },
}


# --- report -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    import sqlite3

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": f"{platform.system()} {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def fmt_value(result: Result, value: float | None) -> str:
    if value is None:
        return "–"
    if result.case.endswith("-memory"):
        return f"{value:.0f} MiB"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def _median_and_min(result: Result, median: float | None, least: float | None) -> str:
    text = fmt_value(result, median)
    return text if least is None else f"{text} (min {fmt_value(result, least)})"


def print_table(results: list[Result], markdown: bool) -> None:
    header = ("case", "infoshare", "reference", "ratio wall / CPU", "target", "")
    rows = []
    for r in results:
        verdict = r.note or ("PASS" if r.passed else "MISS")
        rows.append(
            (
                r.what,
                _median_and_min(r, r.infoshare, r.infoshare_min),
                f"{_median_and_min(r, r.reference, r.reference_min)} ({r.reference_what})",
                (f"{r.ratio:.2f}×" if r.ratio is not None else "–")
                + (f" / {r.extra['cpu_ratio']:.2f}×" if "cpu_ratio" in r.extra else ""),
                r.target or "–",
                verdict,
            )
        )
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(str(x[i])) for x in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def save_results(info: dict, results: list[Result]) -> None:
    """Keep the latest figures of every case in .cache/results.json (for the README)."""
    path = CACHE / "results.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    for r in results:
        saved[r.case] = {**asdict(r), "machine": info}
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--only", default=",".join(ALL_CASES), help="cases, comma-separated")
    parser.add_argument("--rebuild", action="store_true", help="write the cached logs again")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument(
        "--big",
        action="store_true",
        help="also time the flat cases on 1,000,000 decisions against 1k (builds a ~5 GB log "
        "the first time, about 25 minutes on 2 cores)",
    )
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = set(cases) - set(ALL_CASES)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}; known: {ALL_CASES}")

    CACHE.mkdir(exist_ok=True)
    info = machine()
    print(
        f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
        f"SQLite {info['sqlite']}, {info['os']}; {info['date']}",
        flush=True,
    )
    needs_logs = set(cases) - {"help"}
    small = cached_log(SMALL, args.rebuild) if needs_logs else None
    large = cached_log(LARGE, args.rebuild) if needs_logs else None

    results: list[Result] = []
    for case in cases:
        print(f"Timing {case} ...", flush=True)
        if case == "help":
            results += case_help(args)
        elif case == "log":
            results += case_log(args, large)
        elif case == "export":
            results += case_export(args, small, large)
        elif case == "search":
            results += case_search(args, large)
        elif case == "exports":
            results += case_exports(args, large)
        elif case == "verify":
            results += case_verify(args, large)
        elif case == "verify-memory":
            results += case_verify_memory(args, small, large)
        elif case == "append":
            results += case_append(args, large)
        elif case == "flat":
            results += case_flat(args, small, large)
        elif case == "stats":
            results += case_stats(args, large)
    if args.big:
        print("Timing the flat cases on 1,000,000 decisions ...", flush=True)
        results += case_flat(args, small, cached_log(BIG, args.rebuild), label="1M")
    print()
    print_table(results, args.markdown)
    save_results(info, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
