"""The expected schema comes from the code: attacks on a real log's structure, named by verify.

Each attack edits the log file with plain sqlite3, as someone holding the file could.
"""

from __future__ import annotations

import sqlite3
import textwrap

import pytest
from support.ledger_attacks import build_decided_log, copy_log, raw, run_cli

from infoshare_cli.integrity.expected_schema import EXPECTED_MIGRATIONS, EXPECTED_OBJECTS
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.schema import migrations


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("decided") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def schema_messages(path) -> str:
    report = verify_path(path)
    assert not report.ok
    return " ".join(p.message for p in report.schema).lower()


def _literal(rows) -> str:
    """The EXPECTED_OBJECTS literal for these sqlite_master rows (to paste when it changes)."""
    out = ["EXPECTED_OBJECTS = {"]
    for kind, name, table, sql in rows:
        norm = " ".join(sql.split()) if sql else None
        text = "None" if norm is None else repr(norm)
        out.append(f"    ({kind!r}, {name!r}): ({table!r}, {text}),")
    out.append("}")
    return "\n".join(out)


def test_the_expected_schema_is_what_the_migrations_make():
    import sqlite_utils

    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    rows = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    made = {(t, n): (table, " ".join(sql.split()) if sql else None) for t, n, table, sql in rows}
    assert made == EXPECTED_OBJECTS, (
        "A migration changed the schema: update infoshare_cli/integrity/expected_schema.py "
        "(run `ruff format` after pasting):\n" + textwrap.indent(_literal(rows), "")
    )
    assert tuple(migrations.names) == EXPECTED_MIGRATIONS


def test_a_healthy_log_has_exactly_the_expected_schema(log):
    report = verify_path(log)
    assert report.ok and report.schema == []


def test_a_deleted_migration_row_no_longer_hides_a_dropped_trigger(log):
    # The attack the issue names: verify used to build its expectations from the
    # migrations table, so deleting the row of 0003 made the dropped trigger expected.
    conn = raw(log)
    conn.execute("DROP TRIGGER entries_no_replace")
    # (and the rows of the migrations after it, so the log looks merely out of date)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name >= '0003_no_replace'")
    conn.close()
    messages = schema_messages(log)
    assert "the safeguard 'entries_no_replace'" in messages and "has been removed" in messages
    assert "not been brought up to date" in messages


def test_an_edited_migrations_table_is_named(log):
    conn = raw(log)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0002_search'")
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('other', 'x', '2026-01-01')"
    )
    conn.close()
    messages = schema_messages(log)
    assert "record of its own schema changes" in messages
    assert "1 row infoshare did not write" in messages


def test_an_index_that_freezes_the_log_is_named(log):
    # An index whose expression overflows for every new row: nothing can be appended any
    # more, while the entries themselves are untouched.
    conn = raw(log)
    conn.execute(
        "CREATE INDEX entries_seq_guard ON entries(abs(-9223372036854775807 - (seq > 12)))"
    )
    conn.close()
    with pytest.raises(sqlite3.Error):
        conn = raw(log)
        try:
            conn.execute(
                "INSERT INTO entries VALUES (99, 'setting', 'x', 'x', '{}', 'x', 'h99', 's')"
            )
        finally:
            conn.close()
    messages = schema_messages(log)
    assert "extra index 'entries_seq_guard' on 'entries'" in messages
    assert "the log freezes" in messages


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("CREATE TABLE notes (x)", "extra table 'notes'"),
        ("CREATE VIEW all_shared AS SELECT seq FROM entries", "extra view 'all_shared'"),
        (
            "CREATE TRIGGER quietly AFTER INSERT ON entries BEGIN SELECT 1; END",
            "extra trigger 'quietly' on 'entries'",
        ),
        ("CREATE INDEX by_actor ON entries(actor)", "extra index 'by_actor'"),
    ],
)
def test_every_extra_object_is_named(log, sql, expected):
    conn = raw(log)
    conn.execute(sql)
    conn.close()
    assert expected in schema_messages(log)


def test_an_altered_view_is_named(log):
    # A view other programs read: made to hide every decision not to share.
    conn = raw(log)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'decisions'").fetchone()[0]
    conn.execute("DROP VIEW decisions")
    conn.execute(sql.replace("WHERE d.kind = 'decision'", "WHERE d.kind = 'decision' AND 0"))
    conn.close()
    assert "the view 'decisions' has been altered" in schema_messages(log)


def test_an_object_name_cannot_rewrite_the_screen(log):
    conn = raw(log)
    conn.execute('CREATE TABLE "\x1b[2J\x1b[32m intact" (x)')
    conn.close()
    result = run_cli(log, "verify")
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "extra table" in result.output
