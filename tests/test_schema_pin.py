"""The log's schema, pinned as literal SQL text.

Every table, index, trigger and view a new log has is written out here by hand, migration
by migration, so no test derives what the schema should be from the code it checks: not
from ``ledger/schema.py``'s migrations, and not from ``verify``'s expected schema (which is
itself built by running those migrations). Weaken a safeguard in a migration (say, the
INSERT OR REPLACE trigger checking only ``seq``) and these tests fail.

Changing the schema on purpose means a new migration, and adding its objects here: the
pins of migrations already released never change, since logs made with them exist.
"""

from __future__ import annotations

import sqlite3

import pytest
from support.ledger_attacks import DECIDED_ENTRIES, build_decided_log, copy_log, raw, row

from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.store import Ledger

APPEND_ONLY = "the infoshare log is append-only: entries cannot be changed or deleted"

# (type, name) -> the SQL sqlite_master holds for it, by the migration that makes it.
# Compared with runs of whitespace made one space.
PINNED: dict[str, dict[tuple[str, str], str]] = {
    "(sqlite-utils migrations table)": {
        ("table", "_sqlite_migrations"): """
            CREATE TABLE "_sqlite_migrations" (
               "id" INTEGER PRIMARY KEY,
               "migration_set" TEXT,
               "name" TEXT,
               "applied_at" TEXT
            )""",
        ("index", "idx__sqlite_migrations_migration_set_name"): """
            CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
                ON "_sqlite_migrations" ("migration_set", "name")""",
    },
    "0001_ledger": {
        ("table", "entries"): """
            CREATE TABLE entries (
                seq INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                actor TEXT NOT NULL,
                payload TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                signature TEXT NOT NULL
            )""",
        ("trigger", "entries_no_update"): """
            CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
            BEGIN
                SELECT RAISE(ABORT, 'the infoshare log is append-only: entries cannot be changed or deleted');
            END""",  # noqa: E501
        ("trigger", "entries_no_delete"): """
            CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
            BEGIN
                SELECT RAISE(ABORT, 'the infoshare log is append-only: entries cannot be changed or deleted');
            END""",  # noqa: E501
        ("index", "entries_kind"): "CREATE INDEX entries_kind ON entries(kind)",
        ("index", "entries_decision_ref"): """
            CREATE INDEX entries_decision_ref
            ON entries(kind, json_extract(payload, '$.decision'))""",
        ("index", "entries_revisits"): """
            CREATE INDEX entries_revisits ON entries(kind, json_extract(payload, '$.revisits'))""",
        ("view", "staff"): """
            CREATE VIEW staff AS
            WITH s AS (
                SELECT seq, recorded_at, payload, json_extract(payload, '$.staff_id') AS staff_id
                FROM entries WHERE kind = 'staff'
            ),
            ids AS (
                SELECT staff_id, max(seq) AS since_seq, min(seq) AS first_seq
                FROM s WHERE staff_id IS NOT NULL GROUP BY staff_id
            )
            SELECT
                ids.staff_id AS staff_id,
                (SELECT json_extract(s.payload, '$.name') FROM s
                 WHERE s.staff_id = ids.staff_id AND json_extract(s.payload, '$.name') IS NOT NULL
                 ORDER BY s.seq DESC LIMIT 1) AS name,
                (SELECT json_extract(s.payload, '$.role') FROM s
                 WHERE s.staff_id = ids.staff_id AND json_extract(s.payload, '$.role') IS NOT NULL
                 ORDER BY s.seq DESC LIMIT 1) AS role,
                (SELECT json_extract(s.payload, '$.dsl') FROM s
                 WHERE s.staff_id = ids.staff_id AND json_extract(s.payload, '$.dsl') IS NOT NULL
                 ORDER BY s.seq DESC LIMIT 1) AS dsl,
                COALESCE((
                    SELECT CASE WHEN json_extract(s.payload, '$.action') = 'deactivate' THEN 0
                                ELSE json_extract(s.payload, '$.active') END
                    FROM s WHERE s.staff_id = ids.staff_id
                      AND (json_extract(s.payload, '$.active') IS NOT NULL
                           OR json_extract(s.payload, '$.action') = 'deactivate')
                    ORDER BY s.seq DESC LIMIT 1
                ), 1) AS active,
                (SELECT json_extract(s.payload, '$.public_key') FROM s
                 WHERE s.staff_id = ids.staff_id
                   AND json_extract(s.payload, '$.public_key') IS NOT NULL
                 ORDER BY s.seq DESC LIMIT 1) AS public_key,
                ids.since_seq AS since_seq,
                (SELECT s.recorded_at FROM s WHERE s.seq = ids.first_seq) AS registered_at
            FROM ids
            ORDER BY ids.first_seq""",
        ("view", "decisions"): """
            CREATE VIEW decisions AS
            SELECT
                d.seq AS decision_id,
                d.recorded_at AS recorded_at,
                d.actor AS decided_by,
                json_extract(d.payload, '$.case_ref') AS case_ref,
                json_extract(d.payload, '$.outcome') AS outcome,
                json_extract(d.payload, '$.revisits') AS revisits,
                CASE
                    WHEN EXISTS (
                        SELECT 1 FROM entries n
                        WHERE n.kind = 'decision' AND json_extract(n.payload, '$.revisits') = +d.seq
                          AND n.seq > d.seq
                    ) THEN 'superseded'
                    ELSE COALESCE((
                        SELECT CASE json_extract(c.payload, '$.verdict')
                                   WHEN 'agree' THEN 'agreed' ELSE 'not agreed' END
                        FROM entries c
                        WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +d.seq
                          AND c.actor <> d.actor
                          AND json_extract(c.payload, '$.verdict') IN ('agree', 'disagree')
                        ORDER BY c.seq DESC LIMIT 1
                    ), 'awaiting co-signature')
                END AS status
            FROM entries d
            WHERE d.kind = 'decision'
            ORDER BY d.seq""",
        ("view", "cosignatures"): """
            CREATE VIEW cosignatures AS
            SELECT
                seq,
                json_extract(payload, '$.decision') AS decision,
                actor AS cosigned_by,
                json_extract(payload, '$.verdict') AS verdict,
                json_extract(payload, '$.comment') AS comment,
                recorded_at
            FROM entries
            WHERE kind = 'cosign'
            ORDER BY seq""",
    },
    "0002_search": {
        ("table", "decision_text"): """
            CREATE VIRTUAL TABLE decision_text USING fts5(
                decision UNINDEXED, body, tokenize = 'porter unicode61 remove_diacritics 2'
            )""",
        # fts5's own shadow tables, made by SQLite for decision_text
        ("table", "decision_text_data"): (
            "CREATE TABLE 'decision_text_data'(id INTEGER PRIMARY KEY, block BLOB)"
        ),
        ("table", "decision_text_idx"): (
            "CREATE TABLE 'decision_text_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) "
            "WITHOUT ROWID"
        ),
        ("table", "decision_text_content"): (
            "CREATE TABLE 'decision_text_content'(id INTEGER PRIMARY KEY, c0, c1)"
        ),
        ("table", "decision_text_docsize"): (
            "CREATE TABLE 'decision_text_docsize'(id INTEGER PRIMARY KEY, sz BLOB)"
        ),
        ("table", "decision_text_config"): (
            "CREATE TABLE 'decision_text_config'(k PRIMARY KEY, v) WITHOUT ROWID"
        ),
        ("trigger", "entries_feed_search"): """
            CREATE TRIGGER entries_feed_search AFTER INSERT ON entries
            WHEN new.kind IN ('decision', 'cosign', 'correction') AND json_valid(new.payload)
            BEGIN
                INSERT INTO decision_text(rowid, decision, body)
            SELECT new.seq,
                CASE new.kind WHEN 'decision' THEN new.seq
                     ELSE json_extract(new.payload, '$.decision') END,
                (SELECT group_concat(t.value, char(10)) FROM json_tree(new.payload) AS t
                 WHERE t.type = 'text'
                   AND (t.key IN ('reason', 'comment', 'wrong', 'right', 'why', 'case_ref')
                        OR (t.key = 'answer' AND t.value GLOB '*[^a-z0-9_]*')))
            ;
            END""",
        ("index", "entries_case_ref"): """
            CREATE INDEX entries_case_ref
            ON entries(kind, json_extract(payload, '$.case_ref') COLLATE NOCASE)""",
    },
    "0003_no_replace": {
        ("trigger", "entries_no_replace"): """
            CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries
            WHEN EXISTS (SELECT 1 FROM entries WHERE seq = NEW.seq OR hash = NEW.hash)
            BEGIN SELECT RAISE(ABORT, 'the infoshare log is append-only: entries cannot be changed or deleted'); END""",  # noqa: E501
    },
    "0004_keys": {
        ("table", "data_keys"): """
            CREATE TABLE data_keys (
                id INTEGER PRIMARY KEY,
                created_seq INTEGER NOT NULL,
                key_check TEXT NOT NULL
            )""",
        ("table", "data_key_wraps"): """
            CREATE TABLE data_key_wraps (
                data_key INTEGER NOT NULL REFERENCES data_keys(id),
                staff_id TEXT NOT NULL,
                reading_key TEXT NOT NULL,
                ephemeral BLOB NOT NULL,
                nonce BLOB NOT NULL,
                wrapped BLOB NOT NULL,
                PRIMARY KEY (data_key, staff_id)
            )""",
        ("table", "record_keys"): """
            CREATE TABLE record_keys (
                record TEXT PRIMARY KEY,
                data_key INTEGER NOT NULL REFERENCES data_keys(id),
                nonce BLOB NOT NULL,
                wrapped BLOB NOT NULL
            )""",
    },
}
# 0005_private dropped what held personal content in the clear (the full-text table, its
# trigger and fts5's shadow tables, and the case-reference index): pinned above with the
# migration that made them, and gone from a new log.
PINNED["0005_private"] = {}
# 0006_erased_status replaced the decisions view: it says 'erased' for an erased decision.
PINNED["0006_erased_status"] = {
    ("view", "decisions"): """
        CREATE VIEW decisions AS
        SELECT
            d.seq AS decision_id,
            d.recorded_at AS recorded_at,
            d.actor AS decided_by,
            json_extract(d.payload, '$.case_ref') AS case_ref,
            json_extract(d.payload, '$.outcome') AS outcome,
            json_extract(d.payload, '$.revisits') AS revisits,
            CASE
                WHEN EXISTS (
                    SELECT 1 FROM entries x, json_each(x.payload, '$.records') AS r
                    WHERE x.kind = 'erase' AND json_extract(x.payload, '$.action') = 'erase'
                      AND json_extract(r.value, '$.decision') = +d.seq
                      AND EXISTS (
                          SELECT 1 FROM entries y
                          WHERE y.kind = 'erase'
                            AND json_extract(y.payload, '$.action') = 'confirm'
                            AND json_extract(y.payload, '$.erase') = x.seq
                            AND NOT EXISTS (
                                SELECT 1 FROM entries m
                                WHERE m.kind = 'erase' AND m.seq > x.seq AND m.seq < y.seq
                            )
                      )
                ) THEN 'erased'
                WHEN EXISTS (
                    SELECT 1 FROM entries n
                    WHERE n.kind = 'decision' AND json_extract(n.payload, '$.revisits') = +d.seq
                      AND n.seq > d.seq
                ) THEN 'superseded'
                ELSE COALESCE((
                    SELECT CASE json_extract(c.payload, '$.verdict')
                               WHEN 'agree' THEN 'agreed' ELSE 'not agreed' END
                    FROM entries c
                    WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +d.seq
                      AND c.actor <> d.actor
                      AND json_extract(c.payload, '$.verdict') IN ('agree', 'disagree')
                    ORDER BY c.seq DESC LIMIT 1
                ), 'awaiting co-signature')
            END AS status
        FROM entries d
        WHERE d.kind = 'decision'
        ORDER BY d.seq""",
}
# 0007_awaiting: the decisions awaiting co-signature (derived from the entries by the state
# rule, kept in step by a trigger; verify checks it, `infoshare rebuild` makes it again).
PINNED["0007_awaiting"] = {
    ("table", "decisions_awaiting"): """
        CREATE TABLE decisions_awaiting (decision INTEGER PRIMARY KEY)""",
    ("trigger", "entries_feed_awaiting"): """
        CREATE TRIGGER entries_feed_awaiting AFTER INSERT ON entries
        WHEN new.kind IN ('decision', 'cosign', 'erase')
        BEGIN
            INSERT INTO decisions_awaiting(decision)
                SELECT new.seq WHERE new.kind = 'decision' AND (SELECT CASE
                    WHEN EXISTS (SELECT 1 FROM entries x, json_each(x.payload, '$.records') AS r
                        WHERE x.kind = 'erase' AND json_extract(x.payload, '$.action') = 'erase'
                          AND json_extract(r.value, '$.decision') = +e.seq
                          AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = 'erase'
                              AND json_extract(y.payload, '$.action') = 'confirm'
                              AND json_extract(y.payload, '$.erase') = x.seq
                              AND NOT EXISTS (SELECT 1 FROM entries m WHERE m.kind = 'erase'
                                  AND m.seq > x.seq AND m.seq < y.seq)))
                        THEN 'erased'
                    WHEN EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision'
                        AND json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq)
                        THEN 'superseded'
                    ELSE COALESCE((
                        SELECT CASE json_extract(c.payload, '$.verdict')
                            WHEN 'agree' THEN 'agreed' WHEN 'disagree' THEN 'not agreed' END
                        FROM entries c
                        WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq
                          AND c.actor <> e.actor
                          AND json_extract(c.payload, '$.verdict') IN ('agree', 'disagree')
                        ORDER BY c.seq DESC LIMIT 1), 'awaiting co-signature')
                END FROM entries e WHERE e.seq = new.seq)
                = 'awaiting co-signature';
            DELETE FROM decisions_awaiting
                WHERE (new.kind = 'erase'
                       OR decision = json_extract(new.payload, '$.decision')
                       OR decision = json_extract(new.payload, '$.revisits'))
                  AND (SELECT CASE
                    WHEN EXISTS (SELECT 1 FROM entries x, json_each(x.payload, '$.records') AS r
                        WHERE x.kind = 'erase' AND json_extract(x.payload, '$.action') = 'erase'
                          AND json_extract(r.value, '$.decision') = +e.seq
                          AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = 'erase'
                              AND json_extract(y.payload, '$.action') = 'confirm'
                              AND json_extract(y.payload, '$.erase') = x.seq
                              AND NOT EXISTS (SELECT 1 FROM entries m WHERE m.kind = 'erase'
                                  AND m.seq > x.seq AND m.seq < y.seq)))
                        THEN 'erased'
                    WHEN EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision'
                        AND json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq)
                        THEN 'superseded'
                    ELSE COALESCE((
                        SELECT CASE json_extract(c.payload, '$.verdict')
                            WHEN 'agree' THEN 'agreed' WHEN 'disagree' THEN 'not agreed' END
                        FROM entries c
                        WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq
                          AND c.actor <> e.actor
                          AND json_extract(c.payload, '$.verdict') IN ('agree', 'disagree')
                        ORDER BY c.seq DESC LIMIT 1), 'awaiting co-signature')
                END FROM entries e WHERE e.seq = decisions_awaiting.decision)
                  IS NOT 'awaiting co-signature';
        END""",
}
# 0008_case_index: keyed hashes of case references (ledger/case_index.py); a trigger gives
# each new decision with a record key a row, its writer fills the tag in.
PINNED["0008_case_index"] = {
    ("table", "case_index"): """
        CREATE TABLE case_index (decision INTEGER PRIMARY KEY, data_key INTEGER, tag TEXT)""",
    ("index", "case_index_tag"): "CREATE INDEX case_index_tag ON case_index(tag)",
    ("trigger", "entries_feed_case_index"): """
        CREATE TRIGGER entries_feed_case_index AFTER INSERT ON entries
        WHEN new.kind = 'decision' AND EXISTS (
            SELECT 1 FROM record_keys WHERE record = json_extract(new.payload, '$.record')
        )
        BEGIN
            INSERT INTO case_index(decision) VALUES (new.seq);
        END""",
}
# 0009_reading_indexes: what `stats` counts, held in two indexes (SQLite keeps them).
PINNED["0009_reading_indexes"] = {
    ("index", "entries_decision_facts"): """
        CREATE INDEX entries_decision_facts
        ON entries(json_extract(payload, '$.outcome'), actor, recorded_at)
        WHERE kind = 'decision'""",
    ("index", "entries_cosign_facts"): """
        CREATE INDEX entries_cosign_facts
        ON entries(json_extract(payload, '$.decision'), actor, json_extract(payload, '$.verdict'))
        WHERE kind = 'cosign'""",
}
# 0010_awaiting_erasures: the same trigger, re-checking on an erasure's confirmation only the
# decisions it erases (not every decision on the list on any erase entry).
PINNED["0010_awaiting_erasures"] = {
    ("trigger", "entries_feed_awaiting"): """
        CREATE TRIGGER entries_feed_awaiting AFTER INSERT ON entries
        WHEN new.kind IN ('decision', 'cosign', 'erase')
        BEGIN
            INSERT INTO decisions_awaiting(decision)
                SELECT new.seq WHERE new.kind = 'decision' AND (SELECT CASE
                    WHEN EXISTS (SELECT 1 FROM entries x, json_each(x.payload, '$.records') AS r
                        WHERE x.kind = 'erase' AND json_extract(x.payload, '$.action') = 'erase'
                          AND json_extract(r.value, '$.decision') = +e.seq
                          AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = 'erase'
                              AND json_extract(y.payload, '$.action') = 'confirm'
                              AND json_extract(y.payload, '$.erase') = x.seq
                              AND NOT EXISTS (SELECT 1 FROM entries m WHERE m.kind = 'erase'
                                  AND m.seq > x.seq AND m.seq < y.seq)))
                        THEN 'erased'
                    WHEN EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision'
                        AND json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq)
                        THEN 'superseded'
                    ELSE COALESCE((
                        SELECT CASE json_extract(c.payload, '$.verdict')
                            WHEN 'agree' THEN 'agreed' WHEN 'disagree' THEN 'not agreed' END
                        FROM entries c
                        WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq
                          AND c.actor <> e.actor
                          AND json_extract(c.payload, '$.verdict') IN ('agree', 'disagree')
                        ORDER BY c.seq DESC LIMIT 1), 'awaiting co-signature')
                END FROM entries e WHERE e.seq = new.seq)
                = 'awaiting co-signature';
            DELETE FROM decisions_awaiting
                WHERE (decision = json_extract(new.payload, '$.decision')
                       OR decision = json_extract(new.payload, '$.revisits')
                       OR (new.kind = 'erase' AND decision IN (
                           SELECT json_extract(r.value, '$.decision')
                           FROM entries x, json_each(x.payload, '$.records') AS r
                           WHERE x.kind = 'erase'
                             AND x.seq = json_extract(new.payload, '$.erase'))))
                  AND (SELECT CASE
                    WHEN EXISTS (SELECT 1 FROM entries x, json_each(x.payload, '$.records') AS r
                        WHERE x.kind = 'erase' AND json_extract(x.payload, '$.action') = 'erase'
                          AND json_extract(r.value, '$.decision') = +e.seq
                          AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = 'erase'
                              AND json_extract(y.payload, '$.action') = 'confirm'
                              AND json_extract(y.payload, '$.erase') = x.seq
                              AND NOT EXISTS (SELECT 1 FROM entries m WHERE m.kind = 'erase'
                                  AND m.seq > x.seq AND m.seq < y.seq)))
                        THEN 'erased'
                    WHEN EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision'
                        AND json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq)
                        THEN 'superseded'
                    ELSE COALESCE((
                        SELECT CASE json_extract(c.payload, '$.verdict')
                            WHEN 'agree' THEN 'agreed' WHEN 'disagree' THEN 'not agreed' END
                        FROM entries c
                        WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq
                          AND c.actor <> e.actor
                          AND json_extract(c.payload, '$.verdict') IN ('agree', 'disagree')
                        ORDER BY c.seq DESC LIMIT 1), 'awaiting co-signature')
                END FROM entries e WHERE e.seq = decisions_awaiting.decision)
                  IS NOT 'awaiting co-signature';
        END""",
}
# 0011_decision_numbers: decisions numbered 1, 2, 3 for people, derived from the entries.
PINNED["0011_decision_numbers"] = {
    ("table", "decision_numbers"): """
        CREATE TABLE decision_numbers (
            number INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE
        )""",
    ("trigger", "entries_number_decisions"): """
        CREATE TRIGGER entries_number_decisions AFTER INSERT ON entries
        WHEN new.kind = 'decision'
        BEGIN
            INSERT INTO decision_numbers(seq) VALUES (new.seq);
        END""",
}
# 0012_checked_heads: exporters' signed statements of a head that passed the whole check; a
# cache for the next export, not part of the record.
PINNED["0012_checked_heads"] = {
    ("table", "checked_heads"): """
        CREATE TABLE checked_heads (
            id INTEGER PRIMARY KEY,
            staff_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            statement TEXT NOT NULL,
            signature TEXT NOT NULL
        )""",
}
DROPPED = set(PINNED["0002_search"])
MIGRATIONS = [name for name in PINNED if not name.startswith("(")]
ALL_PINNED = {  # a later migration's object replaces an earlier one of the same name
    key: sql for objects in PINNED.values() for key, sql in objects.items() if key not in DROPPED
}


def one_line(sql: str | None) -> str:
    """SQL with each run of whitespace made one space (and none just inside brackets)."""
    text = " ".join((sql or "").split())
    return text.replace("( ", "(").replace(" )", ")")


def schema_of(path) -> dict[tuple[str, str], str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        return {(t, n): one_line(s) for t, n, s in rows}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def new_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("pin") / "log.sqlite3"
    Ledger.create(path).close()
    return path


def test_a_new_log_applies_the_pinned_migrations_first_in_order(new_log):
    conn = sqlite3.connect(new_log)
    names = [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    sets = {s for (s,) in conn.execute("SELECT migration_set FROM _sqlite_migrations")}
    conn.close()
    assert names[: len(MIGRATIONS)] == MIGRATIONS
    assert sets == {"infoshare"}


@pytest.mark.parametrize("key", list(ALL_PINNED), ids=lambda key: f"{key[0]}-{key[1]}")
def test_each_schema_object_is_exactly_as_pinned(new_log, key):
    schema = schema_of(new_log)
    assert key in schema, f"the {key[0]} {key[1]!r} is missing from a new log"
    assert schema[key] == one_line(ALL_PINNED[key])


def test_what_held_plaintext_is_gone_from_a_new_log(new_log):
    assert DROPPED and not DROPPED & set(schema_of(new_log))


def test_every_schema_object_of_a_new_log_is_pinned(new_log):
    unpinned = sorted(set(schema_of(new_log)) - set(ALL_PINNED))
    assert unpinned == [], (
        "a migration added these: pin their SQL in PINNED under the migration's name"
    )


def test_verify_expects_exactly_the_pinned_schema(new_log):
    """verify's expected schema (integrity/expected_schema.py) must be the pin, so a
    weakened literal cannot lower what verify expects."""
    from infoshare_cli.integrity.expected_schema import EXPECTED_MIGRATIONS, EXPECTED_OBJECTS

    assert list(EXPECTED_MIGRATIONS) == MIGRATIONS
    expected = {key: sql for key, (_table, sql) in EXPECTED_OBJECTS.items() if sql is not None}
    assert {key: one_line(sql) for key, sql in expected.items()} == {
        key: one_line(sql) for key, sql in ALL_PINNED.items()
    }


# --- the append-only safeguards do what the pinned SQL says -------------------------------


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("decided-pin") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def insert_or_replace(conn, seq: int, like: dict, **changes) -> None:
    values = {**like, "seq": seq, **changes}
    columns = ("seq", "kind", "recorded_at", "actor", "payload", "prev_hash", "hash", "signature")
    conn.execute(
        f"INSERT OR REPLACE INTO entries ({', '.join(columns)}) VALUES ({', '.join('?' * 8)})",
        tuple(values[c] for c in columns),
    )


def all_rows(path) -> list[tuple]:
    conn = raw(path)
    try:
        return conn.execute("SELECT * FROM entries ORDER BY seq").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "what",
    [
        "an existing number",  # would replace the entry with that seq
        "an existing hash",  # new number, but would delete the entry holding that hash
    ],
)
def test_insert_or_replace_over_an_existing_entry_is_refused(log, what):
    before = all_rows(log)
    conn = raw(log)
    try:
        seven = row(conn, 7)
        forged = {**seven, "payload": seven["payload"].replace("C-1042", "C-9999")}
        with pytest.raises(sqlite3.IntegrityError, match=APPEND_ONLY):
            if what == "an existing number":
                insert_or_replace(conn, 7, forged, hash="f" * 64)
            else:
                insert_or_replace(conn, DECIDED_ENTRIES + 1, forged)
    finally:
        conn.close()
    assert all_rows(log) == before
    assert verify_path(log).ok


def test_a_log_whose_replace_trigger_checks_only_the_number_does_not_verify(log):
    conn = raw(log)
    conn.execute("DROP TRIGGER entries_no_replace")
    conn.execute(
        "CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries "
        "WHEN EXISTS (SELECT 1 FROM entries WHERE seq = NEW.seq) "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    )
    conn.close()
    report = verify_path(log)
    assert not report.ok
    assert [p.message for p in report.schema] == [
        "The safeguard 'entries_no_replace' has been altered, so it may "
        "no longer stop entries being changed or deleted."
    ]


# --- the checked heads are a cache: gone, nothing is lost but time -------------------------


def test_a_log_without_its_checked_heads_table_still_verifies(log):
    conn = raw(log)
    conn.execute("DROP TABLE checked_heads")
    conn.close()
    assert verify_path(log).ok


def test_a_checked_heads_table_other_than_infoshare_made_is_named(log):
    conn = raw(log)
    conn.execute("DROP TABLE checked_heads")
    conn.execute("CREATE TABLE checked_heads (id INTEGER PRIMARY KEY, statement TEXT)")
    conn.close()
    report = verify_path(log)
    assert not report.ok
    assert [p.message for p in report.schema] == [
        "The table 'checked_heads' has been altered from what infoshare made."
    ]


def test_a_log_from_before_a_migration_that_replaces_a_trigger_verifies(tmp_path):
    """A log made by a version before 0010_awaiting_erasures still has 0007's trigger,
    which 0010 replaces: verify (which never changes a log) expects that trigger of it,
    not the newer one, and names the migrations it has not had yet."""
    import sqlite_utils

    from infoshare_cli.ledger.schema import migrations

    path = tmp_path / "log.sqlite3"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="0010_awaiting_erasures")
    db.close()
    key = ("trigger", "entries_feed_awaiting")
    assert one_line(schema_of(path)[key]) == one_line(PINNED["0007_awaiting"][key])
    report = verify_path(path)
    assert report.ok and report.schema == []
    assert report.not_yet_applied == MIGRATIONS[MIGRATIONS.index("0010_awaiting_erasures") :]
