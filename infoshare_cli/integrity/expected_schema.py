"""The log's schema as this version of infoshare makes it: every object, written out.

``verify`` compares the log file with this literal, not with anything read from the file
(an attacker can edit the migrations table as easily as the rest), so a dropped trigger
cannot hide behind a deleted migration row, and an object infoshare did not make (an
extra index, table, view or trigger) is named. SQL is compared with runs of whitespace
collapsed to one space.

When a migration changes the schema, this file must change with it: the test
``test_the_expected_schema_is_what_the_migrations_make`` fails, and prints the new literal.
Keep the change reviewable: it is the definition of an intact log.
"""

from __future__ import annotations

# (type, name) -> (table it belongs to, SQL with whitespace collapsed; None for the
# indexes SQLite makes itself for a UNIQUE column)
EXPECTED_OBJECTS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("index", "entries_decision_ref"): (
        "entries",
        ("CREATE INDEX entries_decision_ref ON entries(kind, json_extract(payload, '$.decision'))"),
    ),
    ("index", "entries_kind"): (
        "entries",
        "CREATE INDEX entries_kind ON entries(kind)",
    ),
    ("index", "entries_revisits"): (
        "entries",
        ("CREATE INDEX entries_revisits ON entries(kind, json_extract(payload, '$.revisits'))"),
    ),
    ("index", "idx__sqlite_migrations_migration_set_name"): (
        "_sqlite_migrations",
        (
            'CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name" ON '
            '"_sqlite_migrations" ("migration_set", "name")'
        ),
    ),
    ("index", "sqlite_autoindex_entries_1"): (
        "entries",
        None,
    ),
    ("table", "_sqlite_migrations"): (
        "_sqlite_migrations",
        (
            'CREATE TABLE "_sqlite_migrations" ( "id" INTEGER PRIMARY KEY, '
            '"migration_set" TEXT, "name" TEXT, "applied_at" TEXT )'
        ),
    ),
    ("table", "entries"): (
        "entries",
        (
            "CREATE TABLE entries ( seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
            "recorded_at TEXT NOT NULL, actor TEXT NOT NULL, payload TEXT NOT NULL, "
            "prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, signature TEXT NOT NULL "
            ")"
        ),
    ),
    ("trigger", "entries_no_delete"): (
        "entries",
        (
            "CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN SELECT "
            "RAISE(ABORT, 'the infoshare log is append-only: entries cannot be changed or "
            "deleted'); END"
        ),
    ),
    ("trigger", "entries_no_replace"): (
        "entries",
        (
            "CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries WHEN EXISTS "
            "(SELECT 1 FROM entries WHERE seq = NEW.seq OR hash = NEW.hash) BEGIN SELECT "
            "RAISE(ABORT, 'the infoshare log is append-only: entries cannot be changed or "
            "deleted'); END"
        ),
    ),
    ("trigger", "entries_no_update"): (
        "entries",
        (
            "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT "
            "RAISE(ABORT, 'the infoshare log is append-only: entries cannot be changed or "
            "deleted'); END"
        ),
    ),
    ("view", "cosignatures"): (
        "cosignatures",
        (
            "CREATE VIEW cosignatures AS SELECT seq, json_extract(payload, '$.decision') "
            "AS decision, actor AS cosigned_by, json_extract(payload, '$.verdict') AS "
            "verdict, json_extract(payload, '$.comment') AS comment, recorded_at FROM "
            "entries WHERE kind = 'cosign' ORDER BY seq"
        ),
    ),
    ("view", "decisions"): (
        "decisions",
        (
            "CREATE VIEW decisions AS SELECT d.seq AS decision_id, d.recorded_at AS "
            "recorded_at, d.actor AS decided_by, json_extract(d.payload, '$.case_ref') AS "
            "case_ref, json_extract(d.payload, '$.outcome') AS outcome, "
            "json_extract(d.payload, '$.revisits') AS revisits, CASE WHEN EXISTS ( SELECT 1 "
            "FROM entries x, json_each(x.payload, '$.records') AS r WHERE x.kind = 'erase' "
            "AND json_extract(x.payload, '$.action') = 'erase' AND json_extract(r.value, "
            "'$.decision') = +d.seq AND EXISTS ( SELECT 1 FROM entries y WHERE y.kind = "
            "'erase' AND json_extract(y.payload, '$.action') = 'confirm' AND "
            "json_extract(y.payload, '$.erase') = x.seq AND NOT EXISTS ( SELECT 1 FROM "
            "entries m WHERE m.kind = 'erase' AND m.seq > x.seq AND m.seq < y.seq ) ) ) THEN "
            "'erased' WHEN EXISTS ( SELECT 1 FROM entries n WHERE n.kind = 'decision' AND "
            "json_extract(n.payload, '$.revisits') = +d.seq AND n.seq > d.seq ) THEN "
            "'superseded' ELSE COALESCE(( SELECT CASE json_extract(c.payload, '$.verdict') "
            "WHEN 'agree' THEN 'agreed' ELSE 'not agreed' END FROM entries c WHERE c.kind = "
            "'cosign' AND json_extract(c.payload, '$.decision') = +d.seq AND c.actor <> "
            "d.actor AND json_extract(c.payload, '$.verdict') IN ('agree', 'disagree') ORDER "
            "BY c.seq DESC LIMIT 1 ), 'awaiting co-signature') END AS status FROM entries d "
            "WHERE d.kind = 'decision' ORDER BY d.seq"
        ),
    ),
    ("view", "staff"): (
        "staff",
        (
            "CREATE VIEW staff AS WITH s AS ( SELECT seq, recorded_at, payload, "
            "json_extract(payload, '$.staff_id') AS staff_id FROM entries WHERE kind = "
            "'staff' ), ids AS ( SELECT staff_id, max(seq) AS since_seq, min(seq) AS "
            "first_seq FROM s WHERE staff_id IS NOT NULL GROUP BY staff_id ) SELECT "
            "ids.staff_id AS staff_id, (SELECT json_extract(s.payload, '$.name') FROM s "
            "WHERE s.staff_id = ids.staff_id AND json_extract(s.payload, '$.name') IS NOT "
            "NULL ORDER BY s.seq DESC LIMIT 1) AS name, (SELECT json_extract(s.payload, "
            "'$.role') FROM s WHERE s.staff_id = ids.staff_id AND json_extract(s.payload, "
            "'$.role') IS NOT NULL ORDER BY s.seq DESC LIMIT 1) AS role, (SELECT "
            "json_extract(s.payload, '$.dsl') FROM s WHERE s.staff_id = ids.staff_id AND "
            "json_extract(s.payload, '$.dsl') IS NOT NULL ORDER BY s.seq DESC LIMIT 1) AS "
            "dsl, COALESCE(( SELECT CASE WHEN json_extract(s.payload, '$.action') = "
            "'deactivate' THEN 0 ELSE json_extract(s.payload, '$.active') END FROM s "
            "WHERE s.staff_id = ids.staff_id AND (json_extract(s.payload, '$.active') IS "
            "NOT NULL OR json_extract(s.payload, '$.action') = 'deactivate') ORDER BY "
            "s.seq DESC LIMIT 1 ), 1) AS active, (SELECT json_extract(s.payload, "
            "'$.public_key') FROM s WHERE s.staff_id = ids.staff_id AND "
            "json_extract(s.payload, '$.public_key') IS NOT NULL ORDER BY s.seq DESC "
            "LIMIT 1) AS public_key, ids.since_seq AS since_seq, (SELECT s.recorded_at "
            "FROM s WHERE s.seq = ids.first_seq) AS registered_at FROM ids ORDER BY "
            "ids.first_seq"
        ),
    ),
    ("table", "data_keys"): (
        "data_keys",
        "CREATE TABLE data_keys ( id INTEGER PRIMARY KEY, created_seq INTEGER NOT NULL, "
        "key_check TEXT NOT NULL )",
    ),
    ("table", "data_key_wraps"): (
        "data_key_wraps",
        "CREATE TABLE data_key_wraps ( data_key INTEGER NOT NULL REFERENCES data_keys(id), "
        "staff_id TEXT NOT NULL, reading_key TEXT NOT NULL, ephemeral BLOB NOT NULL, "
        "nonce BLOB NOT NULL, wrapped BLOB NOT NULL, PRIMARY KEY (data_key, staff_id) )",
    ),
    ("index", "sqlite_autoindex_data_key_wraps_1"): ("data_key_wraps", None),
    ("table", "record_keys"): (
        "record_keys",
        "CREATE TABLE record_keys ( record TEXT PRIMARY KEY, data_key INTEGER NOT NULL "
        "REFERENCES data_keys(id), nonce BLOB NOT NULL, wrapped BLOB NOT NULL )",
    ),
    ("index", "sqlite_autoindex_record_keys_1"): ("record_keys", None),
    ("table", "decisions_awaiting"): (
        "decisions_awaiting",
        ("CREATE TABLE decisions_awaiting (decision INTEGER PRIMARY KEY)"),
    ),
    ("trigger", "entries_feed_awaiting"): (
        "entries",
        (
            "CREATE TRIGGER entries_feed_awaiting AFTER INSERT ON entries WHEN new.kind IN "
            "('decision', 'cosign', 'erase') BEGIN INSERT INTO decisions_awaiting(decision) "
            "SELECT new.seq WHERE new.kind = 'decision' AND (SELECT CASE WHEN EXISTS (SELECT "
            "1 FROM entries x, json_each(x.payload, '$.records') AS r WHERE x.kind = 'erase' "
            "AND json_extract(x.payload, '$.action') = 'erase' AND json_extract(r.value, "
            "'$.decision') = +e.seq AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = "
            "'erase' AND json_extract(y.payload, '$.action') = 'confirm' AND "
            "json_extract(y.payload, '$.erase') = x.seq AND NOT EXISTS (SELECT 1 FROM entries"
            " m WHERE m.kind = 'erase' AND m.seq > x.seq AND m.seq < y.seq))) THEN 'erased' "
            "WHEN EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision' AND "
            "json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq) THEN "
            "'superseded' ELSE COALESCE(( SELECT CASE json_extract(c.payload, '$.verdict') "
            "WHEN 'agree' THEN 'agreed' WHEN 'disagree' THEN 'not agreed' END FROM entries c "
            "WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq AND "
            "c.actor <> e.actor AND json_extract(c.payload, '$.verdict') IN ('agree', "
            "'disagree') ORDER BY c.seq DESC LIMIT 1 ), 'awaiting co-signature') END FROM "
            "entries e WHERE e.seq = new.seq) = 'awaiting co-signature'; DELETE FROM "
            "decisions_awaiting WHERE (decision = json_extract(new.payload, '$.decision') OR "
            "decision = json_extract(new.payload, '$.revisits') OR (new.kind = 'erase' AND "
            "decision IN ( SELECT json_extract(r.value, '$.decision') FROM entries x, "
            "json_each(x.payload, '$.records') AS r WHERE x.kind = 'erase' AND x.seq = "
            "json_extract(new.payload, '$.erase')))) AND (SELECT CASE WHEN EXISTS (SELECT 1 "
            "FROM entries x, json_each(x.payload, '$.records') AS r WHERE x.kind = 'erase' "
            "AND json_extract(x.payload, '$.action') = 'erase' AND json_extract(r.value, "
            "'$.decision') = +e.seq AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = "
            "'erase' AND json_extract(y.payload, '$.action') = 'confirm' AND "
            "json_extract(y.payload, '$.erase') = x.seq AND NOT EXISTS (SELECT 1 FROM entries"
            " m WHERE m.kind = 'erase' AND m.seq > x.seq AND m.seq < y.seq))) THEN 'erased' "
            "WHEN EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision' AND "
            "json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq) THEN "
            "'superseded' ELSE COALESCE(( SELECT CASE json_extract(c.payload, '$.verdict') "
            "WHEN 'agree' THEN 'agreed' WHEN 'disagree' THEN 'not agreed' END FROM entries c "
            "WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq AND "
            "c.actor <> e.actor AND json_extract(c.payload, '$.verdict') IN ('agree', "
            "'disagree') ORDER BY c.seq DESC LIMIT 1 ), 'awaiting co-signature') END FROM "
            "entries e WHERE e.seq = decisions_awaiting.decision) IS NOT 'awaiting "
            "co-signature'; END"
        ),
    ),
    ("table", "case_index"): (
        "case_index",
        ("CREATE TABLE case_index (decision INTEGER PRIMARY KEY, data_key INTEGER, tag TEXT)"),
    ),
    ("index", "case_index_tag"): (
        "case_index",
        ("CREATE INDEX case_index_tag ON case_index(tag)"),
    ),
    ("trigger", "entries_feed_case_index"): (
        "entries",
        (
            "CREATE TRIGGER entries_feed_case_index AFTER INSERT ON entries WHEN new.kind = "
            "'decision' AND EXISTS ( SELECT 1 FROM record_keys WHERE record = "
            "json_extract(new.payload, '$.record') ) BEGIN INSERT INTO case_index(decision) "
            "VALUES (new.seq); END"
        ),
    ),
    ("index", "entries_decision_facts"): (
        "entries",
        (
            "CREATE INDEX entries_decision_facts ON entries(json_extract(payload, "
            "'$.outcome'), actor, recorded_at) WHERE kind = 'decision'"
        ),
    ),
    ("index", "entries_cosign_facts"): (
        "entries",
        (
            "CREATE INDEX entries_cosign_facts ON entries(json_extract(payload, "
            "'$.decision'), actor, json_extract(payload, '$.verdict')) WHERE kind = 'cosign'"
        ),
    ),
    ("table", "decision_numbers"): (
        "decision_numbers",
        "CREATE TABLE decision_numbers ( number INTEGER PRIMARY KEY, seq INTEGER NOT NULL UNIQUE )",
    ),
    ("index", "sqlite_autoindex_decision_numbers_1"): ("decision_numbers", None),
    ("trigger", "entries_number_decisions"): (
        "entries",
        "CREATE TRIGGER entries_number_decisions AFTER INSERT ON entries WHEN new.kind = "
        "'decision' BEGIN INSERT INTO decision_numbers(seq) VALUES (new.seq); END",
    ),
    ("table", "checked_heads"): (
        "checked_heads",
        "CREATE TABLE checked_heads ( id INTEGER PRIMARY KEY, staff_id TEXT NOT NULL, seq "
        "INTEGER NOT NULL, statement TEXT NOT NULL, signature TEXT NOT NULL )",
    ),
}

# Caches kept beside the record, whose loss costs only time (0012's checked heads: a missing
# table means the next export checks the whole log, and writes the table again). Missing, they
# are not a finding; present, they must be exactly as expected like everything else.
CACHE_OBJECTS = frozenset({("table", "checked_heads")})

# The migrations an up-to-date log has applied, in order (its _sqlite_migrations rows).
EXPECTED_MIGRATIONS = (
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
)

# What a migration later dropped, as the migration that made it left it: a log that has not
# yet had that later migration applied (opened only by verify) may still hold these.
RETIRED_OBJECTS: dict[str, dict[tuple[str, str], tuple[str, str | None]]] = {
    # replaced: the trigger before it re-checked every awaiting decision on any erase entry
    "0010_awaiting_erasures": {
        ("trigger", "entries_feed_awaiting"): (
            "entries",
            (
                "CREATE TRIGGER entries_feed_awaiting AFTER INSERT ON entries WHEN new.kind IN "
                "('decision', 'cosign', 'erase') BEGIN INSERT INTO decisions_awaiting(decision) "
                "SELECT new.seq WHERE new.kind = 'decision' AND (SELECT CASE WHEN EXISTS (SELECT "
                "1 FROM entries x, json_each(x.payload, '$.records') AS r WHERE x.kind = 'erase' "
                "AND json_extract(x.payload, '$.action') = 'erase' AND json_extract(r.value, "
                "'$.decision') = +e.seq AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = "
                "'erase' AND json_extract(y.payload, '$.action') = 'confirm' AND "
                "json_extract(y.payload, '$.erase') = x.seq AND NOT EXISTS (SELECT 1 FROM entries"
                " m WHERE m.kind = 'erase' AND m.seq > x.seq AND m.seq < y.seq))) THEN 'erased' "
                "WHEN EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision' AND "
                "json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq) THEN "
                "'superseded' ELSE COALESCE(( SELECT CASE json_extract(c.payload, '$.verdict') "
                "WHEN 'agree' THEN 'agreed' WHEN 'disagree' THEN 'not agreed' END FROM entries c "
                "WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq AND "
                "c.actor <> e.actor AND json_extract(c.payload, '$.verdict') IN ('agree', "
                "'disagree') ORDER BY c.seq DESC LIMIT 1 ), 'awaiting co-signature') END FROM "
                "entries e WHERE e.seq = new.seq) = 'awaiting co-signature'; DELETE FROM "
                "decisions_awaiting WHERE (new.kind = 'erase' OR decision = "
                "json_extract(new.payload, '$.decision') OR decision = json_extract(new.payload, "
                "'$.revisits')) AND (SELECT CASE WHEN EXISTS (SELECT 1 FROM entries x, "
                "json_each(x.payload, '$.records') AS r WHERE x.kind = 'erase' AND "
                "json_extract(x.payload, '$.action') = 'erase' AND json_extract(r.value, "
                "'$.decision') = +e.seq AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = "
                "'erase' AND json_extract(y.payload, '$.action') = 'confirm' AND "
                "json_extract(y.payload, '$.erase') = x.seq AND NOT EXISTS (SELECT 1 FROM entries"
                " m WHERE m.kind = 'erase' AND m.seq > x.seq AND m.seq < y.seq))) THEN 'erased' "
                "WHEN EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision' AND "
                "json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq) THEN "
                "'superseded' ELSE COALESCE(( SELECT CASE json_extract(c.payload, '$.verdict') "
                "WHEN 'agree' THEN 'agreed' WHEN 'disagree' THEN 'not agreed' END FROM entries c "
                "WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq AND "
                "c.actor <> e.actor AND json_extract(c.payload, '$.verdict') IN ('agree', "
                "'disagree') ORDER BY c.seq DESC LIMIT 1 ), 'awaiting co-signature') END FROM "
                "entries e WHERE e.seq = decisions_awaiting.decision) IS NOT 'awaiting "
                "co-signature'; END"
            ),
        ),
    },
    # replaced, not dropped: the view before it said 'erased'
    "0006_erased_status": {
        ("view", "decisions"): (
            "decisions",
            (
                "CREATE VIEW decisions AS SELECT d.seq AS decision_id, d.recorded_at AS "
                "recorded_at, d.actor AS decided_by, json_extract(d.payload, '$.case_ref') AS "
                "case_ref, json_extract(d.payload, '$.outcome') AS outcome, "
                "json_extract(d.payload, '$.revisits') AS revisits, CASE WHEN EXISTS ( SELECT "
                "1 FROM entries n WHERE n.kind = 'decision' AND json_extract(n.payload, "
                "'$.revisits') = +d.seq AND n.seq > d.seq ) THEN 'superseded' ELSE COALESCE(( "
                "SELECT CASE json_extract(c.payload, '$.verdict') WHEN 'agree' THEN 'agreed' "
                "ELSE 'not agreed' END FROM entries c WHERE c.kind = 'cosign' AND "
                "json_extract(c.payload, '$.decision') = +d.seq AND c.actor <> d.actor AND "
                "json_extract(c.payload, '$.verdict') IN ('agree', 'disagree') ORDER BY c.seq "
                "DESC LIMIT 1 ), 'awaiting co-signature') END AS status FROM entries d WHERE "
                "d.kind = 'decision' ORDER BY d.seq"
            ),
        ),
    },
    "0005_private": {
        ("index", "entries_case_ref"): (
            "entries",
            (
                "CREATE INDEX entries_case_ref ON entries(kind, json_extract(payload, "
                "'$.case_ref') COLLATE NOCASE)"
            ),
        ),
        ("table", "decision_text"): (
            "decision_text",
            (
                "CREATE VIRTUAL TABLE decision_text USING fts5( decision UNINDEXED, body, "
                "tokenize = 'porter unicode61 remove_diacritics 2' )"
            ),
        ),
        ("table", "decision_text_config"): (
            "decision_text_config",
            "CREATE TABLE 'decision_text_config'(k PRIMARY KEY, v) WITHOUT ROWID",
        ),
        ("table", "decision_text_content"): (
            "decision_text_content",
            "CREATE TABLE 'decision_text_content'(id INTEGER PRIMARY KEY, c0, c1)",
        ),
        ("table", "decision_text_data"): (
            "decision_text_data",
            "CREATE TABLE 'decision_text_data'(id INTEGER PRIMARY KEY, block BLOB)",
        ),
        ("table", "decision_text_docsize"): (
            "decision_text_docsize",
            "CREATE TABLE 'decision_text_docsize'(id INTEGER PRIMARY KEY, sz BLOB)",
        ),
        ("table", "decision_text_idx"): (
            "decision_text_idx",
            (
                "CREATE TABLE 'decision_text_idx'(segid, term, pgno, PRIMARY KEY(segid, "
                "term)) WITHOUT ROWID"
            ),
        ),
        ("trigger", "entries_feed_search"): (
            "entries",
            (
                "CREATE TRIGGER entries_feed_search AFTER INSERT ON entries WHEN new.kind IN "
                "('decision', 'cosign', 'correction') AND json_valid(new.payload) BEGIN "
                "INSERT INTO decision_text(rowid, decision, body) SELECT new.seq, CASE "
                "new.kind WHEN 'decision' THEN new.seq ELSE json_extract(new.payload, "
                "'$.decision') END, (SELECT group_concat(t.value, char(10)) FROM "
                "json_tree(new.payload) AS t WHERE t.type = 'text' AND (t.key IN ('reason', "
                "'comment', 'wrong', 'right', 'why', 'case_ref') OR (t.key = 'answer' AND "
                "t.value GLOB '*[^a-z0-9_]*'))) ; END"
            ),
        ),
    },
}


# A log written by an older version has not had the newest migrations yet; `verify` never
# changes a log, and any other command brings it up to date. Such a log is accepted as it
# stands only if it already has every safeguard (the append-only triggers of 0001 and 0003):
# otherwise deleting migration rows could hide a dropped trigger. What each later migration
# adds is then not expected of it (what they replace or drop is in RETIRED_OBJECTS).
SAFEGUARDS_COMPLETE_AT = "0003_no_replace"
ADDED_BY: dict[str, frozenset[tuple[str, str]]] = {
    "0004_keys": frozenset(
        {
            ("table", "data_keys"),
            ("table", "data_key_wraps"),
            ("index", "sqlite_autoindex_data_key_wraps_1"),
            ("table", "record_keys"),
            ("index", "sqlite_autoindex_record_keys_1"),
        }
    ),
    "0005_private": frozenset(),
    "0006_erased_status": frozenset(),
    "0007_awaiting": frozenset(
        {("table", "decisions_awaiting"), ("trigger", "entries_feed_awaiting")}
    ),
    "0008_case_index": frozenset(
        {
            ("table", "case_index"),
            ("index", "case_index_tag"),
            ("trigger", "entries_feed_case_index"),
        }
    ),
    "0009_reading_indexes": frozenset(
        {("index", "entries_decision_facts"), ("index", "entries_cosign_facts")}
    ),
    "0010_awaiting_erasures": frozenset(),
    "0011_decision_numbers": frozenset(
        {
            ("table", "decision_numbers"),
            ("index", "sqlite_autoindex_decision_numbers_1"),
            ("trigger", "entries_number_decisions"),
        }
    ),
    "0012_checked_heads": frozenset({("table", "checked_heads")}),
}
