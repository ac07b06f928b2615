import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlite_utils

from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.entries import (
    APPEND_ONLY_MESSAGE,
    GENESIS_HASH,
    KINDS,
    Entry,
    compute_hash,
    entry_message,
)
from infoshare_cli.ledger.schema import migrations
from infoshare_cli.ledger.store import Ledger

POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def key():
    return crypto.generate_private_key()


@pytest.fixture
def signer(key):
    return lambda message: crypto.sign(key, message)


@pytest.fixture
def ledger(tmp_path):
    with Ledger.create(tmp_path / "log.sqlite3") as ledger:
        yield ledger


def _chain_ok(entries, public_keys):
    """Assert the chain: seq 1..n, prev_hash links, hashes recompute, signatures verify."""
    prev = GENESIS_HASH
    for expected_seq, e in enumerate(entries, start=1):
        assert e.seq == expected_seq
        assert e.prev_hash == prev
        assert e.hash == compute_hash(
            e.seq, e.kind, e.recorded_at, e.actor, e.payload_text, e.prev_hash
        )
        assert crypto.verify_signature(public_keys[e.actor], bytes.fromhex(e.hash), e.signature)
        prev = e.hash


# --- schema ---------------------------------------------------------------------------------


def test_migration_on_blank_db_creates_the_schema(tmp_path):
    db = sqlite_utils.Database(tmp_path / "blank.db")
    migrations.apply(db)
    assert [m.name for m in migrations.applied(db)] == [
        "0001_ledger",
        "0002_search",
        "0003_no_replace",
        "0004_keys",
        "0005_private",
        "0006_erased_status",
        "0007_awaiting",
        "0008_case_index",
        "0009_reading_indexes",
        "0010_awaiting_erasures",
        "0011_decision_numbers",
        "0012_checked_heads",
    ]
    assert "entries" in db.table_names()
    assert {"data_keys", "data_key_wraps", "record_keys"} <= set(db.table_names())
    cols = {c.name: (c.type, c.notnull, c.is_pk) for c in db["entries"].columns}
    assert list(cols) == [
        "seq",
        "kind",
        "recorded_at",
        "actor",
        "payload",
        "prev_hash",
        "hash",
        "signature",
    ]
    assert cols["seq"] == ("INTEGER", 0, 1)
    assert all(cols[c] == ("TEXT", 1, 0) for c in list(cols)[1:])
    objects = {
        (row["type"], row["name"])
        for row in db.query("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    }
    assert {
        ("trigger", "entries_no_update"),
        ("trigger", "entries_no_delete"),
        ("trigger", "entries_no_replace"),
        ("view", "staff"),
        ("view", "decisions"),
        ("view", "cosignatures"),
        ("index", "entries_kind"),
        ("index", "entries_decision_ref"),
        ("index", "entries_revisits"),
        ("table", "decision_numbers"),
        ("trigger", "entries_number_decisions"),
    } <= objects
    assert set(db.view_names()) == {"staff", "decisions", "cosignatures"}
    view_cols = {v: [c.name for c in db[v].columns] for v in db.view_names()}
    assert view_cols["staff"] == [
        "staff_id",
        "name",
        "role",
        "dsl",
        "active",
        "public_key",
        "since_seq",
        "registered_at",
    ]
    assert view_cols["decisions"] == [
        "decision_id",
        "recorded_at",
        "decided_by",
        "case_ref",
        "outcome",
        "revisits",
        "status",
    ]
    assert view_cols["cosignatures"] == [
        "seq",
        "decision",
        "cosigned_by",
        "verdict",
        "comment",
        "recorded_at",
    ]
    # hash is UNIQUE
    unique = [i for i in db["entries"].indexes if i.unique]
    assert any(i.columns == ["hash"] for i in unique)
    # applying again is a no-op
    migrations.apply(db)
    assert len(migrations.applied(db)) == 12


def test_views_use_the_reference_indexes(ledger):
    plan = " ".join(
        r["detail"] for r in ledger.db.query("EXPLAIN QUERY PLAN SELECT * FROM decisions")
    )
    assert "entries_decision_ref" in plan
    assert "entries_revisits" in plan


# --- files ----------------------------------------------------------------------------------


@POSIX_ONLY
def test_create_makes_owner_only_files(tmp_path, signer):
    old = os.umask(0)  # even with a permissive umask
    try:
        path = tmp_path / "deeper" / "log.sqlite3"
        with Ledger.create(path) as ledger:
            ledger.append("setting", "s-1", {"name": "x"}, signer)
            assert (path.stat().st_mode & 0o777) == 0o600
            for side in ("-wal", "-shm"):
                side_path = Path(f"{path}{side}")
                if side_path.exists():
                    assert (side_path.stat().st_mode & 0o777) == 0o600
    finally:
        os.umask(old)
    assert (path.parent.stat().st_mode & 0o777) == 0o700


def test_create_refuses_existing_file(tmp_path):
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"precious")
    with pytest.raises(InfoshareError) as info:
        Ledger.create(path)
    assert str(path) in str(info.value)
    assert "will not overwrite an existing log" in str(info.value)
    assert path.read_bytes() == b"precious"


def test_create_refuses_existing_log(tmp_path):
    path = tmp_path / "log.sqlite3"
    Ledger.create(path).close()
    with pytest.raises(InfoshareError, match="will not overwrite"):
        Ledger.create(path)


def test_open_refuses_missing_file(tmp_path):
    path = tmp_path / "nope.sqlite3"
    with pytest.raises(InfoshareError) as info:
        Ledger.open(path)
    assert str(info.value) == (
        f"No infoshare log at {path}. Run `infoshare init` to set one up, "
        "or point --db at your log."
    )
    assert not path.exists()


def test_open_refuses_non_sqlite_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not a database at all")
    with pytest.raises(InfoshareError) as info:
        Ledger.open(path)
    assert f"{path} is not an infoshare log (it is not an SQLite database)" in str(info.value)


def test_open_refuses_empty_file_and_folder(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    with pytest.raises(InfoshareError, match="the file is empty"):
        Ledger.open(empty)
    with pytest.raises(InfoshareError, match="is a folder"):
        Ledger.open(tmp_path)


def test_open_refuses_other_sqlite_db_without_changing_it(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    with pytest.raises(InfoshareError, match="SQLite database without an infoshare log"):
        Ledger.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["things"]
    conn.close()


def test_open_refuses_log_from_newer_version(tmp_path):
    path = tmp_path / "log.sqlite3"
    with Ledger.create(path) as ledger:
        ledger.db["_sqlite_migrations"].insert(
            {"migration_set": "infoshare", "name": "9999_future", "applied_at": "later"}
        )
    with pytest.raises(InfoshareError, match="newer version of infoshare"):
        Ledger.open(path)


def test_open_sets_pragmas(tmp_path):
    path = tmp_path / "log.sqlite3"
    Ledger.create(path).close()
    with Ledger.open(path) as ledger:
        conn = ledger.db.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert ledger.path == path


# --- appending ------------------------------------------------------------------------------


def test_append_chains_hashes_and_signs(ledger, key, signer):
    first = ledger.append("setting", "s-1", {"name": "Little Acorns"}, signer)
    second = ledger.append("decision", "s-1", {"case_ref": "C-1", "outcome": "share"}, signer)
    third = ledger.append("cosign", "s-2", {"decision": 2, "verdict": "agree"}, signer)
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH == "0" * 64
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert ledger.count() == 3
    assert ledger.head() == third
    assert ledger.get(2) == second
    assert ledger.get(4) is None
    stored = list(ledger.entries())
    assert stored == [first, second, third]
    pub = crypto.public_key_b64(key)
    _chain_ok(stored, {"s-1": pub, "s-2": pub})
    assert first.computed_hash() == first.hash
    assert entry_message(1, "setting", first.recorded_at, "s-1", first.payload_text, GENESIS_HASH)
    assert first.recorded_at.endswith("Z") and len(first.recorded_at) == 27


def test_payload_gets_an_id_and_is_canonical(ledger, signer):
    original = {"outcome": "share", "case_ref": "C-1"}
    entry = ledger.append("decision", "s-1", original, signer)
    assert original == {"outcome": "share", "case_ref": "C-1"}  # not mutated
    assert len(entry.payload["id"]) == 32
    int(entry.payload["id"], 16)
    assert entry.payload_text == crypto.canonical_json(entry.payload).decode()
    assert entry.payload_text.startswith('{"case_ref":"C-1","id":')
    kept = ledger.append("decision", "s-1", {"id": "given", "outcome": "x"}, signer)
    assert kept.payload["id"] == "given"


def test_append_refuses_bad_input_and_writes_nothing(ledger, signer):
    with pytest.raises(ValueError):
        ledger.append("gossip", "s-1", {}, signer)
    with pytest.raises(ValueError):
        ledger.append("decision", "", {}, signer)
    with pytest.raises(ValueError):
        ledger.append("decision", "s-1", {"score": 0.5}, signer)
    assert ledger.count() == 0


def test_append_rolls_back_if_signing_fails(ledger, signer):
    def broken(message):
        raise RuntimeError("no key")

    with pytest.raises(RuntimeError):
        ledger.append("decision", "s-1", {}, broken)
    assert not ledger.db.conn.in_transaction
    assert ledger.count() == 0
    assert ledger.append("decision", "s-1", {}, signer).seq == 1


def test_entries_filters_and_streams(ledger, signer):
    for kind in ("staff", "decision", "cosign", "decision", "export"):
        ledger.append(kind, "s-1", {}, signer)
    assert [e.seq for e in ledger.entries(kinds=["decision"])] == [2, 4]
    assert [e.seq for e in ledger.entries(kinds="decision")] == [2, 4]
    assert [e.seq for e in ledger.entries(start=3)] == [3, 4, 5]
    assert [e.seq for e in ledger.entries(start=2, kinds=("cosign", "export"))] == [3, 5]
    assert list(ledger.entries(kinds=[])) == []
    stream = ledger.entries()
    assert next(stream).seq == 1
    stream.close()
    with pytest.raises(ValueError):
        list(ledger.entries(kinds=["nope"]))
    assert set(KINDS) == {
        *("setting", "staff", "decision", "cosign", "correction", "export", "erase"),
        *("migration", "imported"),  # a log migrated from one made before encryption
        "questions",  # a setting's own question set, kept in full
    }


def test_entry_is_frozen(ledger, signer):
    entry = ledger.append("decision", "s-1", {}, signer)
    with pytest.raises(AttributeError):
        entry.seq = 5  # type: ignore[misc]
    assert isinstance(entry, Entry)
    assert entry.payload is entry.payload  # parsed once


# --- append-only ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE entries SET actor = 's-evil' WHERE seq = 1",
        "UPDATE entries SET payload = '{}'",
        "DELETE FROM entries WHERE seq = 1",
        "DELETE FROM entries",
    ],
)
def test_update_and_delete_are_refused(tmp_path, signer, sql):
    path = tmp_path / "log.sqlite3"
    with Ledger.create(path) as ledger:
        ledger.append("decision", "s-1", {"outcome": "share"}, signer)
        before = ledger.head()
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY_MESSAGE):
        conn.execute(sql)
    conn.rollback()
    conn.close()
    with Ledger.open(path) as ledger:
        assert ledger.head() == before
        assert ledger.count() == 1


# --- views ----------------------------------------------------------------------------------


def _register(ledger, signer, staff_id, **extra):
    payload = {
        "action": "register",
        "staff_id": staff_id,
        "name": extra.pop("name", "Someone"),
        "role": extra.pop("role", "practitioner"),
        "dsl": extra.pop("dsl", False),
        "active": True,
        "public_key": extra.pop("public_key", "PUB-" + staff_id),
        "sealed_key": {"kdf": "argon2id"},
        "by": "s-boss",
    }
    payload.update(extra)
    return ledger.append("staff", "s-boss", payload, signer)


def test_staff_view_shows_latest_state(ledger, signer):
    reg = _register(ledger, signer, "s-1", name="Amy Ash", role="manager", dsl=True)
    _register(ledger, signer, "s-2", name="Ben Birch")
    rekey = ledger.append(
        "staff", "s-boss", {"action": "rekey", "staff_id": "s-2", "public_key": "NEW"}, signer
    )
    deact = ledger.append(
        "staff",
        "s-boss",
        {"action": "deactivate", "staff_id": "s-1", "active": False, "by": "s-boss"},
        signer,
    )
    rows = {r["staff_id"]: r for r in ledger.db.query("SELECT * FROM staff")}
    assert rows["s-1"] == {
        "staff_id": "s-1",
        "name": "Amy Ash",
        "role": "manager",
        "dsl": 1,
        "active": 0,
        "public_key": "PUB-s-1",
        "since_seq": deact.seq,
        "registered_at": reg.recorded_at,
    }
    assert rows["s-2"]["active"] == 1
    assert rows["s-2"]["public_key"] == "NEW"
    assert rows["s-2"]["since_seq"] == rekey.seq
    assert rows["s-2"]["dsl"] == 0


def test_staff_view_deactivate_without_active_flag(ledger, signer):
    _register(ledger, signer, "s-1")
    ledger.append("staff", "s-boss", {"action": "deactivate", "staff_id": "s-1"}, signer)
    assert [r["active"] for r in ledger.db.query("SELECT active FROM staff")] == [0]
    _register(ledger, signer, "s-1")  # registered again later
    assert [r["active"] for r in ledger.db.query("SELECT active FROM staff")] == [1]


def _status(ledger):
    return {r["decision_id"]: r["status"] for r in ledger.db.query("SELECT * FROM decisions")}


def test_decisions_view_status(ledger, signer):
    d1 = ledger.append("decision", "s-1", {"case_ref": "C-1", "outcome": "share"}, signer)
    d2 = ledger.append("decision", "s-1", {"case_ref": "C-2", "outcome": "withhold"}, signer)
    d3 = ledger.append("decision", "s-1", {"case_ref": "C-3", "outcome": "share"}, signer)
    assert _status(ledger) == {s.seq: "awaiting co-signature" for s in (d1, d2, d3)}

    ledger.append("cosign", "s-2", {"decision": d1.seq, "verdict": "agree", "comment": ""}, signer)
    ledger.append(
        "cosign", "s-2", {"decision": d2.seq, "verdict": "disagree", "comment": "no"}, signer
    )
    # a co-signature by the decision's own author does not count
    ledger.append("cosign", "s-1", {"decision": d3.seq, "verdict": "agree", "comment": ""}, signer)
    assert _status(ledger) == {
        d1.seq: "agreed",
        d2.seq: "not agreed",
        d3.seq: "awaiting co-signature",
    }

    # the latest co-signature wins
    ledger.append("cosign", "s-3", {"decision": d2.seq, "verdict": "agree", "comment": ""}, signer)
    assert _status(ledger)[d2.seq] == "agreed"

    # a later decision that revisits d2 supersedes it
    d4 = ledger.append(
        "decision", "s-2", {"case_ref": "C-2", "outcome": "share", "revisits": d2.seq}, signer
    )
    status = _status(ledger)
    assert status[d2.seq] == "superseded"
    assert status[d4.seq] == "awaiting co-signature"

    row = next(ledger.db.query("SELECT * FROM decisions WHERE decision_id = ?", [d4.seq]))
    assert row["decided_by"] == "s-2"
    assert row["case_ref"] == "C-2"
    assert row["outcome"] == "share"
    assert row["revisits"] == d2.seq
    assert row["recorded_at"] == d4.recorded_at

    # corrections do not change status
    ledger.append("correction", "s-1", {"decision": d1.seq, "field": "outcome"}, signer)
    assert _status(ledger)[d1.seq] == "agreed"


def test_cosignatures_view(ledger, signer):
    d = ledger.append("decision", "s-1", {"case_ref": "C-1"}, signer)
    c = ledger.append(
        "cosign", "s-2", {"decision": d.seq, "verdict": "agree", "comment": "ok"}, signer
    )
    assert list(ledger.db.query("SELECT * FROM cosignatures")) == [
        {
            "seq": c.seq,
            "decision": d.seq,
            "cosigned_by": "s-2",
            "verdict": "agree",
            "comment": "ok",
            "recorded_at": c.recorded_at,
        }
    ]


# --- concurrency ----------------------------------------------------------------------------

_WORKER = textwrap.dedent(
    """
    import os, sys, time
    from infoshare_cli.ledger import crypto
    from infoshare_cli.ledger.store import Ledger

    path, actor, go, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    key = crypto.generate_private_key()
    print(crypto.public_key_b64(key), flush=True)
    with Ledger.open(path) as ledger:
        deadline = time.monotonic() + 30
        while not os.path.exists(go):
            if time.monotonic() > deadline:
                sys.exit("never started")
            time.sleep(0.005)
        for i in range(n):
            ledger.append("decision", actor, {"n": i}, lambda m: crypto.sign(key, m))
    """
)


def test_concurrent_appends_from_four_processes(tmp_path):
    path = tmp_path / "log.sqlite3"
    Ledger.create(path).close()
    go = tmp_path / "go"
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])
    )
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(path), f"s-{i}", str(go), "50"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(4)
    ]
    public_keys = {}
    for i, proc in enumerate(procs):
        public_keys[f"s-{i}"] = proc.stdout.readline().strip()  # each is ready and waiting
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    assert time.monotonic() - started < 15

    with Ledger.open(path) as ledger:
        entries = list(ledger.entries())
        assert ledger.count() == 200
    assert [e.seq for e in entries] == list(range(1, 201))
    _chain_ok(entries, public_keys)
    for i in range(4):
        mine = [e.payload["n"] for e in entries if e.actor == f"s-{i}"]
        assert mine == list(range(50))


def test_batch_appends_land_together_or_not_at_all(tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from infoshare_cli.ledger import crypto
    from infoshare_cli.ledger.store import Ledger

    key = Ed25519PrivateKey.generate()

    def sign(data):
        return crypto.sign(key, data)

    with Ledger.create(tmp_path / "log.sqlite3") as ledger:
        with ledger.batch():
            first = ledger.append("decision", "s-1", {"case_ref": "A"}, sign)
            second = ledger.append("cosign", "s-2", {"decision": first.seq}, sign)
        assert (first.seq, second.seq) == (1, 2)
        assert second.prev_hash == first.hash
        try:
            with ledger.batch():
                ledger.append("decision", "s-1", {"case_ref": "B"}, sign)
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        assert ledger.count() == 2
        assert ledger.append("decision", "s-1", {"case_ref": "C"}, sign).seq == 3
