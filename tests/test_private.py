"""Private at rest: what people typed is sealed in the file, reading asks who you are, and
content that does not open is named entry by entry, never shown as genuine."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import pytest
from support.people import ALEX, JO, PASSPHRASES, PRIYA, SAM, answers_file_data
from support.reading import read_as

from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.reading.queries import iter_decisions

CASE = "ZEBRA-CASE-7731"
REASON = "Quokka marmalade reason 5512"
COMMENT = "Pangolin comment 8841"
ANSWER = "Narwhal written answer 2290"


@pytest.fixture
def private_log(staffed_log, cli, tmp_path):
    """A log with one decision full of distinctive words, co-signed with a comment."""
    data = answers_file_data("do_not_share", case_ref=CASE, by=SAM)
    data["answers"]["purpose"] = {"answer": "no", "reason": REASON}
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(data), encoding="utf-8")
    result = cli("decide", "--answers", answers, input=PASSPHRASES[SAM] + "\n", db=staffed_log.path)
    assert result.exit_code == 0, result.output
    assert CASE in result.stdout  # the writer sees what was recorded
    decision_id = int(result.stdout.split("Saved as decision ")[1].split()[0])
    result = cli(
        "cosign", decision_id, "--by", PRIYA,
        input=f"{PASSPHRASES[PRIYA]}\ndisagree\n{COMMENT}\n", db=staffed_log.path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = cli(
        "correct", decision_id, "--by", ALEX, "--wrong", "the recipient",
        "--right", ANSWER, "--why", "misheard", input=PASSPHRASES[ALEX] + "\n",
        db=staffed_log.path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return staffed_log, decision_id


def _dump(path) -> str:
    """The whole file as SQL text: the `sqlite3` tool's .dump if installed, else Python's
    iterdump (the same statements)."""
    if shutil.which("sqlite3"):
        return subprocess.run(
            ["sqlite3", str(path), ".dump"], capture_output=True, text=True, check=True
        ).stdout
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_the_file_holds_no_case_reference_reason_comment_or_answer(private_log):
    log, _ = private_log
    dump = _dump(log.path)
    assert "INSERT INTO entries" in dump  # the dump did read the entries
    for secret in (CASE, REASON, COMMENT, ANSWER, "Quokka", "ZEBRA"):
        assert secret not in dump
    raw = log.path.read_bytes()
    for secret in (CASE, REASON, COMMENT, ANSWER):
        assert secret.encode() not in raw
    assert verify_path(log.path).ok  # and verify needs no passphrase


@pytest.mark.parametrize(
    "command",
    [
        ("log",),
        ("log", "--json"),
        ("log", "-q", "quokka"),
        ("log", "--case", CASE.lower()),
        ("case", CASE),
        ("show", "{id}"),
        ("show", "{id}", "--json"),
        ("show", "{id}", "--format", "md"),
        ("stats", "--json"),
    ],
    ids=lambda c: " ".join(c),
)
def test_every_reading_command_works_after_unlock_and_refuses_without(private_log, cli, command):
    log, decision_id = private_log
    args = [str(a).format(id=decision_id) for a in command]
    refused = cli(*args, db=log.path, reader=None)
    assert refused.exit_code == 1
    assert "--as NAME" in refused.stderr and "Nothing was shown" in refused.stderr
    assert "7731" not in refused.output and "Quokka" not in refused.output
    wrong = cli(*args, "--as", PRIYA, input="not her passphrase\n" * 3, db=log.path)
    assert wrong.exit_code == 1 and "wrong passphrases" in wrong.stderr
    assert "7731" not in wrong.output and "Quokka" not in wrong.output
    result = cli(*args, "--as", PRIYA, input=PASSPHRASES[PRIYA] + "\n", db=log.path)
    assert result.exit_code == 0, result.output
    if command[0] != "stats":  # stats counts; it shows no case
        assert "7731" in result.stdout  # (a narrow table may wrap the whole reference)


def test_pending_and_export_read_only_after_unlock(staffed_log, cli, tmp_path):
    data = answers_file_data("share", case_ref=CASE, by=SAM)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(data), encoding="utf-8")
    assert cli("decide", "--answers", answers, input=PASSPHRASES[SAM] + "\n",
               db=staffed_log.path).exit_code == 0  # fmt: skip
    refused = cli("pending", db=staffed_log.path, reader=None)
    assert refused.exit_code == 1 and CASE not in refused.output
    shown = cli("pending", "--json", "--as", SAM, input=PASSPHRASES[SAM] + "\n",
                db=staffed_log.path)  # fmt: skip
    assert shown.exit_code == 0 and json.loads(shown.stdout)[0]["case_ref"] == CASE
    out = tmp_path / "out.json"
    refused = cli("export", "--format", "json", "--out", out, db=staffed_log.path)
    assert refused.exit_code == 1 and not out.exists()
    exported = cli("export", "--format", "json", "--out", out, "--by", PRIYA,
                   input=PASSPHRASES[PRIYA] + "\n", db=staffed_log.path)  # fmt: skip
    assert exported.exit_code == 0, exported.output
    assert CASE in out.read_text(encoding="utf-8")
    assert CASE.encode() not in staffed_log.path.read_bytes()  # nor the export's own entry


def test_a_wrong_passphrase_reads_nothing_and_writes_nothing(private_log, cli):
    log, decision_id = private_log
    before = log.path.read_bytes()
    count = log.count()
    result = cli("show", decision_id, "--as", ALEX, input="wrong one\n" * 3, db=log.path)
    assert result.exit_code == 1 and CASE not in result.output
    assert log.count() == count
    assert log.path.read_bytes() == before


def test_someone_deactivated_cannot_read(private_log, cli):
    log, decision_id = private_log
    result = cli("show", decision_id, "--as", JO, input=PASSPHRASES[JO] + "\n", db=log.path)
    assert result.exit_code == 1
    assert "Jo Baker has been deactivated and can no longer read the log" in result.stderr
    assert "Passphrase" not in result.output and CASE not in result.output


def _swap_record_keys(path, first: str, second: str) -> None:
    conn = sqlite3.connect(path)
    rows = {
        r: (n, w)
        for r, n, w in conn.execute("SELECT record, nonce, wrapped FROM record_keys")
        if r in (first, second)
    }
    for record, other in ((first, second), (second, first)):
        conn.execute(
            "UPDATE record_keys SET nonce = ?, wrapped = ? WHERE record = ?",
            (*rows[other], record),
        )
    conn.commit()
    conn.close()


def _entry_of(path, number: int) -> int:
    """The entry seq of decision ``number``."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT seq FROM decision_numbers WHERE number = ?", (number,)
        ).fetchone()[0]
    finally:
        conn.close()


def _record_of(path, seq: int) -> str:
    conn = sqlite3.connect(path)
    try:
        text = conn.execute("SELECT payload FROM entries WHERE seq = ?", (seq,)).fetchone()[0]
    finally:
        conn.close()
    return json.loads(text)["record"]


def test_content_that_does_not_open_is_named_entry_by_entry(private_log, cli, tmp_path):
    log, decision_id = private_log
    decision_id = _entry_of(log.path, decision_id)  # below: its entry, as the log holds it
    data = answers_file_data("share", case_ref="OTHER-1", by=SAM)
    answers = tmp_path / "other.json"
    answers.write_text(json.dumps(data), encoding="utf-8")
    result = cli("decide", "--answers", answers, input=PASSPHRASES[SAM] + "\n", db=log.path)
    assert result.exit_code == 0, result.output
    other = log.count() - 0  # the newest entry is the other decision
    _swap_record_keys(log.path, _record_of(log.path, decision_id), _record_of(log.path, other))
    result = cli("log", "--json", db=log.path)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert CASE not in result.stdout and "OTHER-1" not in result.stdout
    assert {r["id"] for r in shown} >= {decision_id, other}
    assert all(r["case_ref"] is None for r in shown if r["id"] in (decision_id, other))
    for seq in (decision_id, decision_id + 1, decision_id + 2, other):
        assert f"entry #{seq} could not be opened" in result.stderr
    # The chain and signatures are untouched: verify without a passphrase still passes.
    assert verify_path(log.path).ok


def test_a_missing_record_key_reads_as_missing_not_as_blank_content(private_log):
    log, decision_id = private_log
    decision_id = _entry_of(log.path, decision_id)  # below: its entry, as the log holds it
    conn = sqlite3.connect(log.path)
    conn.execute("DELETE FROM record_keys WHERE record = ?", (_record_of(log.path, decision_id),))
    conn.commit()
    conn.close()
    with log.open() as ledger, read_as(ledger, PRIYA) as opener:
        [review] = [r for r in iter_decisions(ledger) if r["id"] == decision_id]
        assert review["case_ref"] is None and review["answers"] == {}
        assert opener.problems[decision_id] == "its record key is not in the log"


# --- verify --as: the content checked too ------------------------------------------------


def test_verify_with_a_reader_opens_every_record_and_recomputes_outcomes(private_log, cli):
    log, _ = private_log
    plain = cli("verify", db=log.path)
    assert plain.exit_code == 0 and "Passphrase" not in plain.output  # no passphrase needed
    result = cli("verify", "--as", PRIYA, input=PASSPHRASES[PRIYA] + "\n", db=log.path)
    assert result.exit_code == 0, result.output
    assert "The encrypted content opens and holds." in result.stdout
    data = json.loads(
        cli("verify", "--json", "--as", SAM, input=PASSPHRASES[SAM] + "\n", db=log.path).stdout
    )
    assert data["content"]["ok"] is True and data["content"]["outcomes_recomputed"] == 1
    assert data["content"]["opened"] == 3  # the decision, its co-signature, the correction


def test_verify_with_a_reader_names_content_that_does_not_open(private_log, cli, tmp_path):
    log, decision_id = private_log
    decision_id = _entry_of(log.path, decision_id)  # below: its entry, as the log holds it
    answers = tmp_path / "other.json"
    answers.write_text(json.dumps(answers_file_data("share", case_ref="OTHER-1", by=SAM)))
    assert cli("decide", "--answers", answers, input=PASSPHRASES[SAM] + "\n",
               db=log.path).exit_code == 0  # fmt: skip
    other = log.count()
    _swap_record_keys(log.path, _record_of(log.path, decision_id), _record_of(log.path, other))
    result = cli("verify", "--as", ALEX, input=PASSPHRASES[ALEX] + "\n", db=log.path)
    assert result.exit_code == 1
    assert "The encrypted content does NOT hold." in result.stdout
    for seq in (decision_id, decision_id + 1, decision_id + 2, other):
        assert f"Entry #{seq}: its sealed content does not open" in result.stdout
    assert CASE not in result.output


def test_verify_with_a_reader_catches_an_outcome_its_answers_do_not_lead_to(staffed_log, cli):
    """An insider with a real key signs a decision whose sealed answers lead elsewhere: the
    chain and signature hold, so only opening the content can catch it."""
    from support.people import signer
    from support.reading import append_as
    from support.review_log import payload_for

    with staffed_log.open() as ledger:
        body = payload_for("do_not_share", "C-77")
        body["outcome"] = "share"  # what the answers do not lead to
        forged = append_as(ledger, "decision", signer(ledger, SAM), body)
    assert cli("verify", db=staffed_log.path).exit_code == 0
    result = cli("verify", "--as", PRIYA, input=PASSPHRASES[PRIYA] + "\n", db=staffed_log.path)
    assert result.exit_code == 1
    assert f"Entry #{forged.seq}: It records the outcome 'share', but its answers lead to" in (
        result.stdout
    )


def test_erase_refuses_a_reason_that_repeats_the_sealed_case_reference(private_log, cli):
    """The case reference is sealed; erase opens it (with the eraser's keys) to make sure
    the reason, which stays readable, does not repeat it."""
    log, decision_id = private_log
    count = log.count()
    result = cli(
        "erase", decision_id, "--by", ALEX, "--cosigner", PRIYA,
        "--why", f"typed {CASE} by mistake",
        input=f"{PASSPHRASES[ALEX]}\n{PASSPHRASES[PRIYA]}\n", db=log.path,
    )  # fmt: skip
    assert result.exit_code == 1 and "repeats the case reference" in result.output
    assert log.count() == count


def test_after_reading_the_connection_keeps_no_keys(private_log):
    from infoshare_cli.reading.filters import make_filters
    from infoshare_cli.reading.queries import count_decisions

    log, _ = private_log
    with log.open() as ledger:
        with read_as(ledger) as opener:
            assert count_decisions(ledger, make_filters(case=CASE)) == 1
            assert opener.keys is not None
        assert count_decisions(ledger, make_filters(case=CASE)) == 0  # locked again
        assert count_decisions(ledger, make_filters(search="quokka")) == 0


def test_the_export_list_shows_its_sealed_file_names_only_after_unlock(private_log, cli, tmp_path):
    log, _ = private_log
    out = tmp_path / f"{CASE}.json"  # a file name can carry a case reference too
    result = cli("export", "--format", "json", "--out", out, "--by", ALEX,
                 input=PASSPHRASES[ALEX] + "\n", db=log.path)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert CASE.encode() not in log.path.read_bytes()
    listed = cli("log", "--exports", "--json", "--as", PRIYA, input=PASSPHRASES[PRIYA] + "\n",
                 db=log.path)  # fmt: skip
    assert listed.exit_code == 0 and json.loads(listed.stdout)[0]["file"] == out.name


def test_a_search_word_that_folds_into_no_word_finds_nothing_and_stops_nothing(private_log, cli):
    """Search folds accents and compatibility forms away: "½" folds to "1⁄2", which holds a
    fraction slash and so cannot start a word of the sealed text. It matches nothing (and
    the search's SQL function must still answer, not fail)."""
    log, _ = private_log
    result = cli("log", "-q", "½", "--as", PRIYA, input=PASSPHRASES[PRIYA] + "\n", db=log.path)
    assert result.exit_code == 0, result.output
    assert "7731" not in result.stdout and "Traceback" not in result.output
    found = cli("log", "-q", "quokka", "--as", PRIYA, input=PASSPHRASES[PRIYA] + "\n", db=log.path)
    assert found.exit_code == 0 and "7731" in found.stdout


def test_an_opened_entry_reads_as_it_was_before_sealing(private_log):
    """Opened, a sealed entry is its plain fields and its personal ones, and nothing of the
    ciphertext: the payload as it was written, not the stored form beside it."""
    log, decision_id = private_log
    seq = _entry_of(log.path, decision_id)
    with log.open() as ledger, read_as(ledger, PRIYA):
        [entry] = [e for e in ledger.entries(kinds=("decision",)) if e.seq == seq]
        assert "sealed" in json.loads(entry.payload_text)  # stored sealed
        assert "sealed" not in entry.payload
        assert entry.payload["case_ref"] == CASE and "_unreadable" not in entry.payload
