"""The case index (schema 0008): keyed hashes of case references, so `case REF` and
`log --case` find a case's decisions without opening every decision.

It is derived data: `verify` checks it against the entries (without a key: one row per
readable decision, under its record's data key; with `--as`: each tag is its decision's
case reference), and `rebuild` makes it again. Erasing a record removes its hash. The
attacks edit a real log file with plain sqlite3.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.ledger_attacks import build_decided_log, copy_log, decide, raw, run_cli
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, signer

from infoshare_cli.actions.erasing import erase_decisions
from infoshare_cli.actions.staff import open_keys
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.case_index import case_tag, tags_for
from infoshare_cli.ledger.store import Ledger

# The decided log's decisions #7, #9, #10 are about C-1042; these are added to it.
OTHERS = {13: "C-2001", 15: "C-2002", 17: "c-2001 "}  # the third is C-2001 typed loosely


def rows(path) -> dict[int, tuple]:
    conn = raw(path)
    try:
        found = conn.execute("SELECT decision, data_key, tag FROM case_index")
        return {d: (k, t) for d, k, t in found}
    finally:
        conn.close()


def raw_bytes(path: Path) -> bytes:
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    path = tmp_path_factory.mktemp("caseindex") / "log.sqlite3"
    build_decided_log(path)
    for seq, ref in OTHERS.items():
        decide(path, path.parent, "share", SAM, PRIYA, case=ref)
        with Ledger.open(path) as ledger:
            assert ledger.conn.execute("SELECT max(seq) FROM entries").fetchone()[0] >= seq
    return path


@pytest.fixture
def log(_template, tmp_path):
    return copy_log(_template, tmp_path / "log.sqlite3")


def case_ids(path, ref: str) -> list[int]:
    import json

    result = run_cli(path, "case", ref, "--json")
    if result.exit_code != 0:
        return []
    return [r["id"] for r in json.loads(result.stdout[result.stdout.index("[") :])]


def keys_of(path, name=ALEX):
    ledger = Ledger.open(path)
    try:
        return open_keys(ledger, signer(ledger, name))
    finally:
        ledger.close()


def rebuild(path):
    result = run_cli(path, "rebuild", "--as", ALEX, input=PASSPHRASES[ALEX] + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_every_decision_the_tool_writes_is_tagged_with_its_case(log):
    index = rows(log)
    decisions = [7, 9, 10, 13, 15, 17]  # each decide above wrote a decision and a co-signature
    assert sorted(index) == decisions
    keys = keys_of(log)
    refs = dict(zip(decisions, ["C-1042"] * 3 + ["C-2001", "C-2002", "C-2001"], strict=True))
    for seq, (data_key, tag) in index.items():
        assert tag == case_tag(keys.data_keys[data_key], refs[seq])
    # the reference is never in the file: only its keyed hash
    assert b"C-2002" not in raw_bytes(log)
    assert case_ids(log, "C-1042") == [7, 9, 10]
    assert case_ids(log, "c-2001") == [13, 17]
    assert case_ids(log, "C-2002") == [15]
    assert verify_path(log).ok


def test_log_case_uses_the_index_too(log):
    result = run_cli(log, "log", "--case", "C-2001", "--json")
    assert result.exit_code == 0, result.output
    assert '"id": 17' in result.stdout and '"id": 13' in result.stdout
    assert '"id": 15' not in result.stdout


def test_the_tags_differ_under_each_data_key_and_the_reader_tries_them_all(log):
    keys = keys_of(log)
    assert tags_for(keys, "C-1042") == [
        case_tag(k, "C-1042") for _, k in sorted(keys.data_keys.items())
    ]
    assert len(set(tags_for(keys, "C-1042"))) == len(keys.data_keys) >= 2


def test_a_deleted_row_is_named_by_verify_and_rebuild_puts_it_back(log):
    conn = raw(log)
    conn.execute("DELETE FROM case_index WHERE decision = 15")
    conn.close()
    assert case_ids(log, "C-2002") == []  # the attack hides the decision from `case`...
    report = verify_path(log)  # ...and verify, without any key, names it
    assert report.only_derived
    assert [p.message for p in report.problems] == [
        "Decision #15 is missing from the case index, so `case` does not find it"
    ]
    assert "(6 decisions)" in rebuild(log)
    assert case_ids(log, "C-2002") == [15] and verify_path(log).ok


def test_a_swapped_tag_is_named_by_verify_as_and_shows_nothing_false(log, cli):
    conn = raw(log)
    (tag,) = conn.execute("SELECT tag FROM case_index WHERE decision = 15").fetchone()
    conn.execute("UPDATE case_index SET tag = ? WHERE decision = 7", (tag,))
    conn.close()
    # case C-2002 finds #7 through the index, opens it, and sees it is another case's
    assert case_ids(log, "C-2002") == [15]
    assert case_ids(log, "C-1042") == [9, 10]  # the attack hides #7 from its own case
    # Without a key the tag cannot be checked; with one, verify --as names the decision.
    assert verify_path(log).ok
    result = cli("verify", "--as", ALEX, input=PASSPHRASES[ALEX] + "\n", db=log)
    assert result.exit_code == 1
    assert "Entry #7: its entry in the case index is not its case reference's" in result.output
    rebuild(log)
    assert case_ids(log, "C-1042") == [7, 9, 10]
    result = cli("verify", "--as", ALEX, input=PASSPHRASES[ALEX] + "\n", db=log)
    assert result.exit_code == 0, result.output


def test_rows_that_are_not_readable_decisions_or_not_made_by_infoshare_are_named(log):
    conn = raw(log)
    conn.execute("INSERT INTO case_index VALUES (8, 1, ?)", ("0" * 32,))  # a co-signature
    conn.execute("UPDATE case_index SET data_key = 99 WHERE decision = 9")
    conn.execute("UPDATE case_index SET tag = 'C-1042' WHERE decision = 10")
    conn.close()
    assert [p.message for p in verify_path(log).problems] == [
        "The case index names #8, which is not a decision whose content can be read "
        "(erased, or not a decision)",
        "The case index entry of decision #9 is not one infoshare made",
        "The case index entry of decision #10 is not one infoshare made",
    ]
    rebuild(log)
    assert verify_path(log).ok


@pytest.mark.parametrize("extra", [20, 21, 25])
def test_the_first_twenty_differences_are_named_and_the_rest_counted(log, extra):
    """A case index with many rows infoshare did not make names the first twenty and
    counts the rest, so a badly damaged index does not bury the report."""
    conn = raw(log)
    for n in range(extra):
        conn.execute("INSERT INTO case_index VALUES (?, 1, ?)", (1000 + n, "0" * 32))
    conn.close()
    messages = [p.message for p in verify_path(log).problems]
    named = [m for m in messages if m.startswith("The case index names #")]
    assert named == [
        f"The case index names #{1000 + n}, which is not a decision whose content can be read "
        "(erased, or not a decision)"
        for n in range(min(extra, 20))
    ]
    more = [m for m in messages if "in the case index" in m and m.startswith("And ")]
    if extra == 20:
        assert more == []
    else:
        difference = "difference" if extra - 20 == 1 else "differences"
        assert more == [f"And {extra - 20} more {difference} in the case index"]


def test_untagged_rows_are_opened_by_every_search_and_rebuild_tags_them(log):
    """A log encrypted before the index existed gets untagged rows from the migration (as
    does a decision a writer left untagged): `case` opens them, so nothing is missed."""
    conn = raw(log)
    conn.execute("UPDATE case_index SET data_key = NULL, tag = NULL")
    conn.close()
    assert verify_path(log).ok
    assert case_ids(log, "C-1042") == [7, 9, 10]
    assert case_ids(log, "C-2001") == [13, 17]
    rebuild(log)
    assert all(tag is not None for _, tag in rows(log).values())


def test_the_migration_gives_an_encrypted_log_untagged_rows(log):
    conn = raw(log)
    for statement in (
        "DROP TRIGGER entries_feed_case_index",
        "DROP TABLE case_index",
        "DROP INDEX entries_decision_facts",  # and the migrations after it, to redo in order
        "DROP INDEX entries_cosign_facts",
        "DROP TRIGGER entries_number_decisions",
        "DROP TABLE decision_numbers",
        "DROP TABLE checked_heads",
        "DELETE FROM _sqlite_migrations WHERE name >= '0008_case_index'",
    ):
        conn.execute(statement)
    conn.close()
    with Ledger.open(log):  # brings it up to date
        pass
    assert sorted(rows(log)) == [7, 9, 10, 13, 15, 17]
    assert set(rows(log).values()) == {(None, None)}
    assert case_ids(log, "C-2002") == [15] and verify_path(log).ok


def test_an_erased_decision_leaves_no_hash_of_its_case_reference(log):
    """After erasure, someone who can still read the log (or anyone with the file) must not
    be able to confirm a guess of the erased decision's case reference from the index."""
    keys = keys_of(log)
    data_key, tag = rows(log)[15]
    assert tag == case_tag(keys.data_keys[data_key], "C-2002")
    assert tag.encode() in raw_bytes(log)
    with Ledger.open(log) as ledger:
        erase_decisions(
            ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [15], "mistake", "Typed wrongly."
        )
    assert 15 not in rows(log)
    for guess in ("C-2002", "c-2002"):  # every data key: no tag of the guess anywhere
        for key in keys.data_keys.values():
            assert case_tag(key, guess).encode() not in raw_bytes(log)
    assert case_ids(log, "C-2002") == []
    assert verify_path(log).ok
    # a row put back (from an older copy of the file) is named
    conn = raw(log)
    conn.execute("INSERT INTO case_index VALUES (15, ?, ?)", (data_key, tag))
    conn.close()
    assert "The case index names #15" in verify_path(log).problems[0].message


def test_a_corrected_copy_made_while_erasing_is_in_the_index(log):
    with Ledger.open(log) as ledger:
        done = erase_decisions(
            ledger,
            signer(ledger, ALEX),
            signer(ledger, PRIYA),
            [15],
            "mistake",
            "Typed wrongly.",
            corrected_case_ref="C-3003",
        )
    assert done.copy is not None
    assert case_ids(log, "C-3003") == [done.copy.seq]
    assert verify_path(log).ok


def test_a_log_from_before_encryption_finds_cases_as_before(tmp_path):
    golden = Path(__file__).parent / "data" / "golden.db"
    path = tmp_path / "golden.db"
    shutil.copy(golden, path)
    path.chmod(0o600)
    with Ledger.open(path) as ledger:
        ref = ledger.conn.execute(
            "SELECT json_extract(payload, '$.case_ref') FROM entries WHERE kind = 'decision'"
        ).fetchone()[0]
    assert rows(path) == {}
    result = run_cli(path, "case", ref)
    assert result.exit_code == 0, result.output
    assert verify_path(path).ok
