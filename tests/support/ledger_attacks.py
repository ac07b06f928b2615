"""Helpers for the verify tests: a log with real decisions, and raw-SQLite attacks on it.

Every attack here works on the log *file* with Python's plain ``sqlite3`` module, as someone
with a copy of the file and a SQLite tool would: no infoshare code is involved in the edit.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from infoshare_cli.actions.staff import unlock
from infoshare_cli.domain.staff import find_member
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.entries import GENESIS_HASH, compute_hash
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, answers_file_data, build_staffed_log
from support.reading import AUTO, as_reader

TRIGGERS = ("entries_no_update", "entries_no_delete")

# The decided log, entry by entry (the staffed log is #1-#6):
#  1 staff: Alex registers herself   2 setting   3 staff: Priya   4 staff: Sam
#  5 staff: Jo                        6 staff: Jo deactivated
#  7 decision by Sam (share)          8 cosign by Priya
#  9 decision by Sam (do_not_share, left pending, co-signed later at #12)
# 10 decision by Alex (seek_advice)  11 cosign by Priya
# 12 cosign of #9 by Alex
DECIDED_ENTRIES = 12


def run_cli(db: Path, *args: str, input: str | None = None, reader=AUTO):
    from infoshare_cli.cli.main import app

    argv, input = as_reader(args, input, reader)  # reading commands read as Alex
    return CliRunner().invoke(app, argv, input=input, env={"INFOSHARE_DB": str(db)})


ANCHOR_BY = ("--by", ALEX, "--cosigner", PRIYA)
ANCHOR_PASSPHRASES = f"{PASSPHRASES[ALEX]}\n{PASSPHRASES[PRIYA]}\n"


def take_anchor(db: Path) -> dict:
    """`infoshare anchor --json`, taken by Alex and countersigned by Priya: the one-line
    anchor under "anchor", the signed one under "signed"."""
    result = run_cli(db, "anchor", *ANCHOR_BY, "--json", input=ANCHOR_PASSPHRASES)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def decide(db: Path, tmp: Path, outcome: str, by: str, cosigner: str | None, case="C-1042"):
    answers = tmp / f"answers-{outcome}-{case}.json"
    answers.write_text(json.dumps(answers_file_data(outcome, case_ref=case, by=by)))
    args = ["decide", "--answers", answers]
    stdin = PASSPHRASES[by] + "\n"
    if cosigner:
        args += ["--cosigner", cosigner]
        stdin += PASSPHRASES[cosigner] + "\n"
    result = run_cli(db, *args, input=stdin)
    assert result.exit_code == 0, result.output


def build_decided_log(path: Path) -> None:
    build_staffed_log(path)
    tmp = path.parent
    decide(path, tmp, "share", SAM, PRIYA)
    decide(path, tmp, "do_not_share", SAM, None)
    decide(path, tmp, "seek_advice", ALEX, PRIYA)
    result = run_cli(
        path,
        "cosign",
        "2",  # decision 2, entry #9
        "--by",
        ALEX,
        input=f"{PASSPHRASES[ALEX]}\nagree\nAgreed after talking it through.\n",
    )
    assert result.exit_code == 0, result.output
    with Ledger.open(path) as ledger:
        assert ledger.count() == DECIDED_ENTRIES
        kinds = [e.kind for e in ledger.entries()]
    assert kinds[6:] == ["decision", "cosign", "decision", "decision", "cosign", "cosign"]


def copy_log(source: Path, dest: Path) -> Path:
    """A faithful copy of a closed log file (its -wal, if any, checkpointed first)."""
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(source, dest)
    dest.chmod(0o600)
    return dest


# --- raw edits ------------------------------------------------------------------------------


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def trigger_sql(conn: sqlite3.Connection) -> list[str]:
    return [
        conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        for name in TRIGGERS
    ]


def drop_triggers(conn: sqlite3.Connection) -> list[str]:
    saved = trigger_sql(conn)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    return saved


def restore_triggers(conn: sqlite3.Connection, saved: list[str]) -> None:
    for sql in saved:
        conn.execute(sql)


class Tamper:
    """Edit a log file the way an attacker would, putting the triggers back afterwards."""

    def __init__(self, path: Path, keep_triggers_dropped: bool = False):
        self.path = path
        self.keep = keep_triggers_dropped

    def __enter__(self) -> sqlite3.Connection:
        self.conn = raw(self.path)
        self.saved = drop_triggers(self.conn)
        return self.conn

    def __exit__(self, *exc) -> None:
        if not self.keep:
            restore_triggers(self.conn, self.saved)
        self.conn.close()


def row(conn: sqlite3.Connection, seq: int) -> dict:
    cursor = conn.execute("SELECT * FROM entries WHERE seq = ?", (seq,))
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def set_payload(conn: sqlite3.Connection, seq: int, change) -> None:
    """Edit a stored payload. Sealed content is opened and sealed again with its own record
    key, as an insider who holds the keys (Alex) could: ``change`` sees the whole payload."""
    entry = row(conn, seq)
    payload = json.loads(entry["payload"])
    if "sealed" not in payload:
        change(payload)
    else:
        payload = _resealed(conn, entry["kind"], payload, change)
    text = crypto.canonical_json(payload).decode()
    conn.execute("UPDATE entries SET payload = ? WHERE seq = ?", (text, seq))


def _resealed(conn: sqlite3.Connection, kind: str, payload: dict, change) -> dict:
    from infoshare_cli.actions.staff import open_keys
    from infoshare_cli.ledger import keystore
    from infoshare_cli.ledger.sealing import open_with_key, seal_payload

    path = conn.execute("PRAGMA database_list").fetchone()[2]
    with Ledger.open(path, readonly=True) as ledger:
        keys = open_keys(ledger, signer_for(Path(path), ALEX))
        key = keystore.record_key(ledger.conn, keys, payload["record"])
    opened = open_with_key(kind, payload, key)
    change(opened)
    return seal_payload(kind, opened, opened["record"], key)


def rechain(conn: sqlite3.Connection, start: int, resign=None) -> None:
    """Recompute every hash from ``start`` on so the chain is consistent again.

    ``resign(entry_row) -> signature or None``: re-sign entries the attacker has a key for.
    """
    prev = GENESIS_HASH if start == 1 else row(conn, start - 1)["hash"]
    last = conn.execute("SELECT max(seq) FROM entries").fetchone()[0]
    for seq in range(start, last + 1):
        r = row(conn, seq)
        new_hash = compute_hash(
            r["seq"], r["kind"], r["recorded_at"], r["actor"], r["payload"], prev
        )
        signature = r["signature"]
        if resign is not None:
            signature = resign({**r, "hash": new_hash, "prev_hash": prev}) or signature
        # Two steps, so the UNIQUE hash never clashes halfway.
        conn.execute("UPDATE entries SET hash = ? WHERE seq = ?", (f"tmp-{seq}", seq))
        conn.execute(
            "UPDATE entries SET prev_hash = ?, hash = ?, signature = ? WHERE seq = ?",
            (prev, new_hash, signature, seq),
        )
        prev = new_hash


def staff_id(path: Path, name: str) -> str:
    with Ledger.open(path) as ledger:
        return find_member(load_register(ledger), name).staff_id


def signer_for(path: Path, name: str):
    """A real staff member's unlocked signing key (an insider who knows the passphrase)."""
    with Ledger.open(path) as ledger:
        return unlock(find_member(load_register(ledger), name), PASSPHRASES[name])


# --- exports built to docs/export-format.md -------------------------------------------------


def _raw_entry(entry) -> dict:
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "recorded_at": entry.recorded_at,
        "actor": entry.actor,
        "payload": entry.payload_text,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "signature": entry.signature,
    }


def spec_export(path: Path, signed: bool = True) -> dict:
    """An export of every decision, built by hand to the documented format (JSON shape),
    signed as a whole by Alex as `export` signs it (unless ``signed`` is False)."""
    from infoshare_cli.reading.records import load_decision
    from support.reading import read_as

    with Ledger.open(path) as ledger, read_as(ledger) as opener:
        head = ledger.head()
        names, keys, roles = {}, [], {}
        for entry in ledger.entries(kinds=("staff",)):
            p = entry.payload
            if p.get("name"):
                names[p["staff_id"]] = p["name"]
            history = roles.setdefault(p["staff_id"], [])
            if p["action"] == "register":
                history.append({"from_seq": entry.seq, "role": p["role"], "active": True})
            elif p["action"] == "deactivate":
                history.append({"from_seq": entry.seq, "role": history[-1]["role"],
                                "active": False})  # fmt: skip
            if p["action"] in ("register", "rekey"):
                keys.append(
                    {
                        "staff_id": p["staff_id"],
                        "name": names.get(p["staff_id"], ""),
                        "public_key": p["public_key"],
                        "from_seq": entry.seq,
                        # the person's whole role history (the same list object: filled in
                        # as the staff entries are read)
                        "roles": roles[p["staff_id"]],
                    }
                )
        decisions = []
        for entry in ledger.entries(kinds=("decision",)):
            record = load_decision(ledger, entry.seq)
            payload = entry.payload
            decisions.append(
                {
                    "id": entry.seq,
                    "recorded_at": entry.recorded_at,
                    "case_ref": payload["case_ref"],
                    "outcome": payload["outcome"],
                    "status": record.status.state,
                    "corrected": record.status.corrected,
                    "decided_by": names[entry.actor],
                    "cosigned_by": [names[c.actor] for c in record.cosigns],
                    "question_set": payload["question_set"],
                    "answers": payload["answers"],
                    "basis": payload["basis"],
                    "urgent": payload["urgent"],
                    "revisits": payload.get("revisits"),
                    "outcome_record": payload.get("outcome_record"),
                    "corrections": [],
                    "entries": [_raw_entry(e) for e in [entry, *record.cosigns]],
                    "record_key": opener.record_key_b64(payload["record"]),
                }
            )
    data = {
        "format": "infoshare-export/1",
        "setting": "Little Acorns Nursery",
        "exported_at": "2026-11-26T11:20:00.000000Z",
        "exported_by": "Alex Morgan",
        "filters": {"case": None, "outcome": None},
        "head": {"seq": head.seq, "hash": head.hash},
        "public_keys": keys,
        "decisions": decisions,
        "count": len(decisions),
    }
    return sign_export(data, signer_for(path, ALEX)) if signed else data


class Forger:
    """Signs as ``staff_id`` with a key of the attacker's own making (no passphrase)."""

    def __init__(self, staff_id: str, private_key):
        self.staff_id, self.private_key = staff_id, private_key

    def sign(self, message: bytes) -> str:
        from infoshare_cli.ledger import crypto

        return crypto.sign(self.private_key, message)


def sign_export(data: dict, signer) -> dict:
    """``data`` signed as a whole by ``signer``, as `export` signs it (its header, count and
    decisions as they stand now): what an attacker holding that key could do."""
    from infoshare_cli.integrity.export_signature import decisions_sha256
    from infoshare_cli.integrity.export_statement import sign_json_export

    header = {k: v for k, v in data.items() if k not in ("decisions", "count", "signature")}
    digest = decisions_sha256(data["decisions"])
    data["signature"] = sign_json_export(
        header, signer.staff_id, len(data["decisions"]), digest, signer.sign
    )
    return data


def write_export(data: dict, path: Path, jsonl: bool = False, signer=None) -> Path:
    """Write ``data`` as a JSON or JSONL export; signed as a whole first if ``signer``."""
    if signer is not None:
        data = sign_export(dict(data), signer)
    if not jsonl:
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        return path
    header = {k: v for k, v in data.items() if k not in ("decisions", "count", "signature")}
    lines = [{"type": "header", **header}]
    lines += [{"type": "decision", **d} for d in data["decisions"]]
    footer = {"type": "footer", "count": data["count"]}
    if "signature" in data:
        footer["signature"] = data["signature"]
    lines.append(footer)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path
