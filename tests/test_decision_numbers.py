"""Decision numbers: 1, 2, 3 in the order taken, whatever else the log holds between them.

The decided log (tests/support/ledger_attacks.py) holds decisions at entries #7, #9 and #10,
numbered 1, 2 and 3. The numbers are derived from the entries: verify checks them, and
`infoshare rebuild` makes them again. A command that needs a decision and is given none
offers a list at a terminal (the real prompts, through a pipe), or says what to give.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from support.ledger_attacks import build_decided_log, copy_log, run_cli
from support.people import PASSPHRASES, PRIYA
from support.prompt_driver import DOWN, ENTER, arrow_to, drive

from infoshare_cli.asking.choosing import COSIGN, READ, which_decision
from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.numbering import number_of, numbers_of, seq_of
from infoshare_cli.ledger.store import Ledger

ENTRIES = {1: 7, 2: 9, 3: 10}  # decision number -> its entry in the decided log


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("numbers") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def numbers_table(path) -> list[tuple[int, int]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT number, seq FROM decision_numbers ORDER BY number").fetchall()
    finally:
        conn.close()


def tamper(path, *statements: str) -> None:
    """Edit the derived table as anyone with the file could (no infoshare code)."""
    conn = sqlite3.connect(path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


# --- the numbers -------------------------------------------------------------------------


def test_decisions_are_numbered_in_the_order_taken(log):
    assert numbers_table(log) == sorted(ENTRIES.items())
    with Ledger.open(log) as ledger:
        for number, seq in ENTRIES.items():
            assert seq_of(ledger.conn, number) == seq
            assert number_of(ledger.conn, seq) == number
        assert seq_of(ledger.conn, 4) is None
        assert number_of(ledger.conn, 8) is None  # a co-signature has no decision number
        assert numbers_of(ledger.conn, [10, 8, 7]) == {7: 1, 10: 3}


def test_a_new_decision_takes_the_next_number_in_its_own_transaction(log, cli, tmp_path):
    from support.ledger_attacks import decide

    decide(log, tmp_path, "share", "Sam Lee", None)
    assert numbers_table(log)[-1] == (4, 13)  # entries #11 and #12 are co-signatures
    result = run_cli(log, "log", "--json")
    assert [d["number"] for d in json.loads(result.stdout)] == [4, 3, 2, 1]


def test_finding_a_number_uses_the_tables_indexes_at_any_size(log):
    """show, cosign and every list look numbers up both ways: never a scan of the log."""
    conn = sqlite3.connect(log)
    try:
        for sql in (
            "SELECT seq FROM decision_numbers WHERE number = 2",
            "SELECT number FROM decision_numbers WHERE seq = 9",
        ):
            plan = " ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "SEARCH" in plan and "SCAN" not in plan, (sql, plan)
    finally:
        conn.close()


# --- checked by verify, made again by rebuild --------------------------------------------


@pytest.mark.parametrize(
    ("statements", "detail"),
    [
        (
            ["UPDATE decision_numbers SET seq = -1 WHERE number = 2",
             "UPDATE decision_numbers SET seq = 9 WHERE number = 3",
             "UPDATE decision_numbers SET seq = 10 WHERE number = 2"],
            "decision 2 is entry #9, but the numbers table gives number 2 to entry #10",
        ),
        (["DELETE FROM decision_numbers WHERE number = 3"], "decision 3 (entry #10) has no"),
        (["INSERT INTO decision_numbers VALUES (4, 12)"], "go past the last decision"),
    ],
    ids=["swapped", "missing", "extra"],
)  # fmt: skip
def test_verify_names_numbers_that_do_not_match_and_rebuild_makes_them_again(
    log, statements, detail
):
    tamper(log, *statements)
    report = verify_path(log)
    assert not report.ok and report.only_derived
    assert detail in report.derived[0].message
    screen = run_cli(log, "verify")
    assert screen.exit_code == 1
    text = " ".join(screen.stdout.split())
    assert "Every signed entry holds: only what infoshare keeps beside the entries" in text
    assert "`infoshare rebuild`" in text
    assert "do not write to the log" not in text  # the signed record itself is intact

    rebuilt = run_cli(
        log, "rebuild", "--as", "Alex Morgan", input=PASSPHRASES["Alex Morgan"] + "\n"
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "the decision numbers (1 to 3, in the order taken)" in rebuilt.stdout
    assert numbers_table(log) == sorted(ENTRIES.items())
    assert verify_path(log).ok


def test_other_damage_is_not_passed_off_as_only_the_numbers(log):
    from support.ledger_attacks import Tamper, set_payload

    tamper(log, "DELETE FROM decision_numbers WHERE number = 3")
    with Tamper(log) as conn:
        set_payload(conn, 10, lambda p: p.update(outcome="share"))
    report = verify_path(log)
    assert report.derived and not report.only_derived
    assert "do not write to the log" in run_cli(log, "verify").stdout


# --- naming a decision -------------------------------------------------------------------


def test_show_takes_the_number_and_the_entry_form(log):
    by_number = run_cli(log, "show", "2", "--json")
    assert by_number.exit_code == 0, by_number.output
    shown = json.loads(by_number.stdout)
    assert (shown["number"], shown["id"]) == (2, 9)
    for typed in ("#2", "e9", "E9", "entry9", "entry-9", "e#9"):
        assert json.loads(run_cli(log, "show", typed, "--json").stdout)["number"] == 2, typed


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        # an entry number from an older note: not a decision number here, but a decision's
        ("9", "There is no decision 9. This log has 3 decisions, numbered 1 to 3: `infoshare "
         "log` lists them. (Older notes gave entry numbers: entry #9 is decision 2, "
         "`infoshare show 2`.)"),
        ("e8", "Entry #8 is a co-signature of decision 1, not a decision itself: see "
         "`infoshare show 1`."),
        ("e2", "Entry #2 is the setting's details, not a decision."),
        ("e99", "There is no entry #99 in this log."),
        ("Jane Smith", "That is not a decision number."),
    ],
)  # fmt: skip
def test_show_says_plainly_when_a_number_is_not_a_decision(log, typed, said):
    result = run_cli(log, "show", typed)
    assert result.exit_code == 1
    assert said in " ".join(result.stderr.split())
    assert "Jane" not in result.output and "Traceback" not in result.output


def test_the_screens_name_decisions_by_number_and_keep_entries_for_integrity(log, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    shown = run_cli(log, "show", "3").stdout
    assert "Decision 3 " in shown and "#" not in shown
    cosigned = run_cli(
        log, "cosign", "1", "--by", PRIYA, input=f"{PASSPHRASES[PRIYA]}\nagree\nfine\n"
    )
    assert "Decision 1 has already been co-signed" in cosigned.output
    verified = run_cli(log, "verify").stdout
    assert "from #1 to #12" in " ".join(verified.split())  # integrity: entry numbers


# --- no number given ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["show"], "Say which decision to read: give its number, for example `infoshare "
         "show 4`."),
        (["cosign", "--by", PRIYA], "Say which decision to co-sign: give its number, for "
         "example `infoshare cosign 4`."),
        (["correct", "--by", PRIYA], "Say which decision to correct"),
        (["erase", "--by", "Alex Morgan"], "Say which decision to erase"),
    ],
)  # fmt: skip
def test_without_a_terminal_a_missing_number_says_what_to_give(log, command, said):
    before = numbers_table(log)
    result = run_cli(log, *command, input="")
    assert result.exit_code == 1, result.output
    text = " ".join(result.stderr.split())
    assert said in text and "lists them with their numbers" in text
    assert "Passphrase" not in result.output  # refused before anyone types one
    assert numbers_table(log) == before


def test_cosign_with_no_number_at_a_terminal_offers_those_awaiting(log, cli, tmp_path):
    from support.ledger_attacks import decide

    decide(log, tmp_path, "do_not_share", "Sam Lee", None)  # decision 4, awaiting
    decide(log, tmp_path, "share", "Sam Lee", "Priya Shah")  # decision 5, agreed
    offered = {}

    def choose(prompt):
        offered["choices"] = prompt["choices"]
        return arrow_to("Decision 4")(prompt)

    with Ledger.open(log) as ledger:
        seq, asker = drive(
            [("Which decision do you want to co-sign", choose)],
            lambda asker: which_decision(ledger, None, COSIGN, asker, terminal=True),
        )
        assert number_of(ledger.conn, seq) == 4
    labels = [label for _, label in offered["choices"]]
    assert len(labels) == 1 and labels[0].startswith("Decision 4 · ")
    assert "Do not share · awaiting co-signature · by Sam Lee" in labels[0]
    assert "cosign 4" in asker.screen  # how to give a number instead


def test_show_with_no_number_at_a_terminal_offers_the_newest_first(log):
    with Ledger.open(log) as ledger:
        seq, _ = drive(
            [("Which decision do you want to read", arrow_to("Decision 2"))],
            lambda asker: which_decision(ledger, None, READ, asker, terminal=True),
        )
        assert seq == ENTRIES[2]


def test_with_nothing_to_choose_from_it_says_so(staffed_log):
    with Ledger.open(staffed_log.path) as ledger:
        with pytest.raises(InfoshareError, match="Nothing is awaiting co-signature"):
            which_decision(ledger, None, COSIGN, object(), terminal=True)
        with pytest.raises(InfoshareError, match="No decisions have been recorded yet"):
            which_decision(ledger, None, READ, object(), terminal=True)


def test_a_typed_number_in_the_list_never_chooses_another_decision(log):
    """The list is newest first: "1) Decision 3" once made "1" choose decision 3. Typing a
    number is not an answer; only the arrow keys move, and the hint says so."""
    with Ledger.open(log) as ledger:
        seq, asker = drive(
            [("Which decision do you want to read", "1" + ENTER + DOWN * 3 + ENTER)],
            lambda asker: which_decision(ledger, None, READ, asker, terminal=True),
        )
        assert seq == ENTRIES[1]  # three down from "(choose below)": the oldest, decision 1
    screen = " ".join(asker.screen.split())
    assert "Nothing is chosen yet. Move to your answer with the arrow keys, then" in screen
    assert "type its number" not in screen
    assert "Move to your answer with the arrow keys, then press Enter." in screen
