"""The log's schema and its migrations: the entries table, views, indexes and triggers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infoshare_cli.domain.status import AWAITING
from infoshare_cli.ledger.entries import APPEND_ONLY_MESSAGE, MIGRATION_SET
from infoshare_cli.ledger.startup_shortcuts import MIGRATIONS_TABLE as MIGRATIONS_TABLE
from infoshare_cli.ledger.startup_shortcuts import LightMigrations
from infoshare_cli.ledger.status_sql import STATE_SQL

if TYPE_CHECKING:
    import sqlite_utils


# --- schema ---------------------------------------------------------------------------------

migrations = LightMigrations(MIGRATION_SET)


def _latest_staff_field(expr: str, alias: str) -> str:
    """Subquery: the newest non-null ``expr`` among a staff member's entries."""
    return (
        f"(SELECT {expr} FROM s WHERE s.staff_id = ids.staff_id AND {expr} IS NOT NULL"
        f" ORDER BY s.seq DESC LIMIT 1) AS {alias}"
    )


_SCHEMA_0001 = [
    """
    CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        signature TEXT NOT NULL
    )
    """,
    f"""
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
    f"""
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
    "CREATE INDEX entries_kind ON entries(kind)",
    # Co-signatures and corrections point at a decision by its seq; a decision may revisit
    # an earlier one. Not partial indexes: SQLite would only use a partial index WHERE kind
    # IN (...) for queries repeating that exact IN, not for kind = 'cosign'. Queries must
    # compare the expression with a value that has no affinity (e.g. `= +d.seq`, `= ?`, `= 5`),
    # else SQLite cannot use these indexes; references must then be JSON integers.
    "CREATE INDEX entries_decision_ref ON entries(kind, json_extract(payload, '$.decision'))",
    "CREATE INDEX entries_revisits ON entries(kind, json_extract(payload, '$.revisits'))",
    # staff: the current state of each staff member, folded from their 'staff' entries.
    # Each column is the newest value any of their entries gave it, so a 'deactivate' entry
    # need only carry staff_id. active is 0 after a 'deactivate' unless a later entry sets
    # "active" again; 1 if never stated. since_seq is the seq of their newest staff entry,
    # registered_at the time of their first.
    f"""
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
        {_latest_staff_field("json_extract(s.payload, '$.name')", "name")},
        {_latest_staff_field("json_extract(s.payload, '$.role')", "role")},
        {_latest_staff_field("json_extract(s.payload, '$.dsl')", "dsl")},
        COALESCE((
            SELECT CASE WHEN json_extract(s.payload, '$.action') = 'deactivate' THEN 0
                        ELSE json_extract(s.payload, '$.active') END
            FROM s WHERE s.staff_id = ids.staff_id
              AND (json_extract(s.payload, '$.active') IS NOT NULL
                   OR json_extract(s.payload, '$.action') = 'deactivate')
            ORDER BY s.seq DESC LIMIT 1
        ), 1) AS active,
        {_latest_staff_field("json_extract(s.payload, '$.public_key')", "public_key")},
        ids.since_seq AS since_seq,
        (SELECT s.recorded_at FROM s WHERE s.seq = ids.first_seq) AS registered_at
    FROM ids
    ORDER BY ids.first_seq
    """,
    # decisions: one row per decision. status, first rule that applies:
    #   'superseded'            a later decision has payload.revisits = this decision_id;
    #                           (revisits and a cosign's decision are JSON integers);
    #   'agreed' / 'not agreed' the newest co-signature with verdict agree / disagree, by
    #                           someone other than the person who made the decision;
    #   'awaiting co-signature' otherwise.
    # Corrections do not change the status; they are shown alongside the decision.
    """
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
    ORDER BY d.seq
    """,
    """
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
    ORDER BY seq
    """,
]


@migrations(name="0001_ledger")
def _migration_0001_ledger(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0001:
        db.execute(statement)


# 0002_search: full-text search over what people typed, and a case-reference index.
#
# decision_text holds one row per decision, co-signature and correction (rowid = the entry's
# seq; `decision` = the decision it is about), with the free text of its payload: reasons,
# comments, what was wrong / right / why, text answers and the case reference. Choice values
# ("yes", "not_sought") are left out: they are not words anyone searches for. An AFTER
# INSERT trigger keeps it in step, so every writer feeds it inside its own transaction; it
# never touches `entries`, so the append-only triggers are unaffected. It is derived data,
# not part of the record: `verify` does not rely on it.
_SEARCH_KINDS = "('decision', 'cosign', 'correction')"


def _search_row_select(alias: str) -> str:
    return f"""
    SELECT {alias}.seq,
        CASE {alias}.kind WHEN 'decision' THEN {alias}.seq
             ELSE json_extract({alias}.payload, '$.decision') END,
        (SELECT group_concat(t.value, char(10)) FROM json_tree({alias}.payload) AS t
         WHERE t.type = 'text'
           AND (t.key IN ('reason', 'comment', 'wrong', 'right', 'why', 'case_ref')
                OR (t.key = 'answer' AND t.value GLOB '*[^a-z0-9_]*')))
    """


_SCHEMA_0002 = [
    """
    CREATE VIRTUAL TABLE decision_text USING fts5(
        decision UNINDEXED, body, tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER entries_feed_search AFTER INSERT ON entries
    WHEN new.kind IN {_SEARCH_KINDS} AND json_valid(new.payload)
    BEGIN
        INSERT INTO decision_text(rowid, decision, body) {_search_row_select("new")};
    END
    """,
    f"""
    INSERT INTO decision_text(rowid, decision, body) {_search_row_select("e")}
    FROM entries e WHERE e.kind IN {_SEARCH_KINDS} AND json_valid(e.payload)
    """,
    # `infoshare case REF` and `--case`: compare with `= ? COLLATE NOCASE` to use it.
    "CREATE INDEX entries_case_ref ON entries(kind, json_extract(payload, '$.case_ref') "
    "COLLATE NOCASE)",
]


SEARCH_TABLE_SQL = _SCHEMA_0002[0]


@migrations(name="0002_search")
def _migration_0002_search(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0002:
        db.execute(statement)


_SCHEMA_0003 = [
    # INSERT OR REPLACE on an existing seq or hash deletes the old row without firing DELETE
    # triggers (recursive_triggers is off by default), so refuse such an insert up front.
    f"""
    CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries
    WHEN EXISTS (SELECT 1 FROM entries WHERE seq = NEW.seq OR hash = NEW.hash)
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
]


@migrations(name="0003_no_replace")
def _migration_0003_no_replace(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0003:
        db.execute(statement)


# 0004_keys: the keys that keep personal content private (see docs/encryption.md). These
# tables are not entries: they are outside the hash chain, and a row of record_keys is the
# one thing infoshare ever deletes (erasing a record). Nothing in them is a key in the clear:
# data keys are wrapped for each person's reading key, record keys under a data key. Every
# change that matters is witnessed by a signed entry (a staff entry names the data key it
# made; a decision names its record).
_SCHEMA_0004 = [
    """
    CREATE TABLE data_keys (
        id INTEGER PRIMARY KEY,
        created_seq INTEGER NOT NULL,
        key_check TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE data_key_wraps (
        data_key INTEGER NOT NULL REFERENCES data_keys(id),
        staff_id TEXT NOT NULL,
        reading_key TEXT NOT NULL,
        ephemeral BLOB NOT NULL,
        nonce BLOB NOT NULL,
        wrapped BLOB NOT NULL,
        PRIMARY KEY (data_key, staff_id)
    )
    """,
    """
    CREATE TABLE record_keys (
        record TEXT PRIMARY KEY,
        data_key INTEGER NOT NULL REFERENCES data_keys(id),
        nonce BLOB NOT NULL,
        wrapped BLOB NOT NULL
    )
    """,
]


@migrations(name="0004_keys")
def _migration_0004_keys(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0004:
        db.execute(statement)


# 0005_private: personal content is sealed inside entries (ledger.sealing), so nothing may
# keep it in the clear beside them. The full-text table held what people typed, and the
# case-reference index the case references: both go (secure_delete overwrites their pages,
# and the WAL is checkpointed after). Search and --case now open the content in memory,
# after an unlock.
_SCHEMA_0005 = [
    "DROP TRIGGER IF EXISTS entries_feed_search",
    "DROP TABLE IF EXISTS decision_text",
    "DROP INDEX IF EXISTS entries_case_ref",
]


@migrations(name="0005_private")
def _migration_0005_private(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0005:
        db.execute(statement)


# 0006_erased_status: the `decisions` view says 'erased' for a decision two managers erased
# (domain.status: an erasure outranks a revisit, which outranks the co-signature), as every
# command does. Only the view changes.
_SCHEMA_0006 = [
    "DROP VIEW IF EXISTS decisions",
    """
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
                      WHERE y.kind = 'erase' AND json_extract(y.payload, '$.action') = 'confirm'
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
    ORDER BY d.seq
    """,
]


@migrations(name="0006_erased_status")
def _migration_0006_erased_status(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0006:
        db.execute(statement)


# 0007_awaiting: the decisions awaiting co-signature, kept as a list so that `pending` and
# `log --status awaiting` read a handful of rows instead of working out every decision's
# state (awaiting decisions are few, and cannot be found from the newest end). Derived data,
# not part of the record: it is worked out from the entries with the state rule of
# domain.status (ledger.status_sql.STATE_SQL), in SQL, by a trigger, so every writer keeps
# it in step inside its own transaction; `verify` checks it against the entries, and
# `infoshare rebuild` makes it again. A state only ever leaves "awaiting" as entries are
# added (a co-signature stands, a revisit supersedes, an erasure erases), so the trigger adds
# a new decision that awaits, and takes out the decisions an entry may have moved on: the
# one it co-signs or revisits, or (an erasure, which is rare) any listed.
AWAITING_TABLE = "decisions_awaiting"
_AWAITING_STATE = f"(SELECT {STATE_SQL} FROM entries e WHERE e.seq = {{seq}})"
AWAITING_FILL_SQL = (
    f"INSERT INTO {AWAITING_TABLE}(decision) SELECT e.seq FROM entries e "
    f"WHERE e.kind = 'decision' AND ({STATE_SQL}) = '{AWAITING}' ORDER BY e.seq"
)

_SCHEMA_0007 = [
    f"CREATE TABLE {AWAITING_TABLE} (decision INTEGER PRIMARY KEY)",
    f"""
    CREATE TRIGGER entries_feed_awaiting AFTER INSERT ON entries
    WHEN new.kind IN ('decision', 'cosign', 'erase')
    BEGIN
        INSERT INTO {AWAITING_TABLE}(decision)
            SELECT new.seq WHERE new.kind = 'decision'
              AND {_AWAITING_STATE.format(seq="new.seq")} = '{AWAITING}';
        DELETE FROM {AWAITING_TABLE}
            WHERE (new.kind = 'erase'
                   OR decision = json_extract(new.payload, '$.decision')
                   OR decision = json_extract(new.payload, '$.revisits'))
              AND {_AWAITING_STATE.format(seq=f"{AWAITING_TABLE}.decision")}
                  IS NOT '{AWAITING}';
    END
    """,
    AWAITING_FILL_SQL,
]


@migrations(name="0007_awaiting")
def _migration_0007_awaiting(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0007:
        db.execute(statement)


# 0008_case_index: keyed hashes of case references, so that `case REF` and `log --case` find
# a case's decisions through an index instead of opening every decision (ledger.case_index
# says what is in it, and why it gives nothing away without a key). The trigger gives each
# new decision whose record key is in the log a row with no tag yet, in the same
# transaction; the writer, which holds the data key, fills the tag in. A row without a tag is
# opened by every search for a case, so a log encrypted before this migration keeps finding
# every decision (`infoshare rebuild` tags them). Erasing a record deletes its row.
_SCHEMA_0008 = [
    "CREATE TABLE case_index (decision INTEGER PRIMARY KEY, data_key INTEGER, tag TEXT)",
    "CREATE INDEX case_index_tag ON case_index(tag)",
    """
    CREATE TRIGGER entries_feed_case_index AFTER INSERT ON entries
    WHEN new.kind = 'decision' AND EXISTS (
        SELECT 1 FROM record_keys WHERE record = json_extract(new.payload, '$.record')
    )
    BEGIN
        INSERT INTO case_index(decision) VALUES (new.seq);
    END
    """,
    """
    INSERT INTO case_index(decision)
    SELECT e.seq FROM entries e
    JOIN record_keys rk ON rk.record = json_extract(e.payload, '$.record')
    WHERE e.kind = 'decision' ORDER BY e.seq
    """,
]


@migrations(name="0008_case_index")
def _migration_0008_case_index(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0008:
        db.execute(statement)


# 0009_reading_indexes: what `stats` reads of every decision and co-signature, in two indexes
# that hold it (a decision's outcome, maker and time; a co-signature's decision, signer and
# verdict), so counting every decision's state reads the indexes instead of each entry's
# whole payload (a sealed decision is ~3 KB of JSON to parse). SQLite keeps them itself, and
# its integrity check (run by `verify`) checks them against the entries.
# Partial indexes, led by the expression: other queries keep the indexes they had (a list
# of the newest decisions walks entries_kind from the newest end and stops), and one by
# outcome can use the first.
_SCHEMA_0009 = [
    "CREATE INDEX entries_decision_facts ON entries(json_extract(payload, '$.outcome'), "
    "actor, recorded_at) WHERE kind = 'decision'",
    "CREATE INDEX entries_cosign_facts ON entries(json_extract(payload, '$.decision'), "
    "actor, json_extract(payload, '$.verdict')) WHERE kind = 'cosign'",
]


@migrations(name="0009_reading_indexes")
def _migration_0009_reading_indexes(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0009:
        db.execute(statement)


# 0010_awaiting_erasures: the trigger of 0007 re-checked every decision on the list whenever
# an erase entry was written, which made each erasure slower as erasures and awaiting
# decisions grew. An erasure counts only once its confirmation follows it (ERASED_SQL), so
# only a confirmation can erase, and only the decisions named by the erasure it confirms:
# those are re-checked, as a co-signature re-checks the decision it co-signs.
_SCHEMA_0010 = [
    "DROP TRIGGER IF EXISTS entries_feed_awaiting",
    f"""
    CREATE TRIGGER entries_feed_awaiting AFTER INSERT ON entries
    WHEN new.kind IN ('decision', 'cosign', 'erase')
    BEGIN
        INSERT INTO {AWAITING_TABLE}(decision)
            SELECT new.seq WHERE new.kind = 'decision'
              AND {_AWAITING_STATE.format(seq="new.seq")} = '{AWAITING}';
        DELETE FROM {AWAITING_TABLE}
            WHERE (decision = json_extract(new.payload, '$.decision')
                   OR decision = json_extract(new.payload, '$.revisits')
                   OR (new.kind = 'erase' AND decision IN (
                       SELECT json_extract(r.value, '$.decision')
                       FROM entries x, json_each(x.payload, '$.records') AS r
                       WHERE x.kind = 'erase' AND x.seq = json_extract(new.payload, '$.erase'))))
              AND {_AWAITING_STATE.format(seq=f"{AWAITING_TABLE}.decision")}
                  IS NOT '{AWAITING}';
    END
    """,
]


@migrations(name="0010_awaiting_erasures")
def _migration_0010_awaiting_erasures(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0010:
        db.execute(statement)


# 0011_decision_numbers: decisions are numbered 1, 2, 3 in the order taken, for people (an
# entry's seq counts every kind of entry, so decisions were #3, #5, #9). The number is not
# signed: it follows from the entries (the nth decision entry by seq is decision n), and is
# kept in this table so that a number is found from a seq, and a seq from a number, with
# one index lookup at any size of log. An AFTER INSERT trigger numbers each new decision
# inside the writer's own transaction; it never touches `entries`. It is derived data:
# `verify` checks every row against the entries, and `infoshare rebuild` makes it again
# (ledger.numbering).
DECISION_NUMBERS_TABLE = "decision_numbers"
NUMBER_DECISIONS_SQL = (
    f"INSERT INTO {DECISION_NUMBERS_TABLE}(number, seq) "
    "SELECT row_number() OVER (ORDER BY seq), seq FROM entries WHERE kind = 'decision'"
)
_SCHEMA_0011 = [
    f"""
    CREATE TABLE {DECISION_NUMBERS_TABLE} (
        number INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE
    )
    """,
    f"""
    CREATE TRIGGER entries_number_decisions AFTER INSERT ON entries
    WHEN new.kind = 'decision'
    BEGIN
        INSERT INTO {DECISION_NUMBERS_TABLE}(seq) VALUES (new.seq);
    END
    """,
    NUMBER_DECISIONS_SQL,
]


@migrations(name="0011_decision_numbers")
def _migration_0011_decision_numbers(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0011:
        db.execute(statement)


# 0012_checked_heads: after an export's whole-log check passes, the exporter signs a short
# statement of the head that passed (integrity/checked_heads.py), kept here so that their next
# export checks in full only what was written since. It is a cache, not part of the record:
# no entry of the chain, trusted only when signed by the exporter's own current key, and its
# loss costs the next export only the time of the whole check. `verify` checks every row
# against the entries; `rebuild` never needs it. ``staff_id`` and ``seq`` repeat what the
# signed ``statement`` says, to find a person's newest one (a row whose columns disagree with
# its statement is not trusted).
CHECKED_HEADS_TABLE = "checked_heads"
CHECKED_HEADS_SQL = f"""
    CREATE TABLE {CHECKED_HEADS_TABLE} (
        id INTEGER PRIMARY KEY,
        staff_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        statement TEXT NOT NULL,
        signature TEXT NOT NULL
    )
    """


@migrations(name="0012_checked_heads")
def _migration_0012_checked_heads(db: sqlite_utils.Database) -> None:
    db.execute(CHECKED_HEADS_SQL)
