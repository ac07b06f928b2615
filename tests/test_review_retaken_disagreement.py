"""A decision its co-signer did not agree with, then taken again: every list still says who
did not agree (from the verdict, not the status), and names the decision that took it again.

A real log: Alex takes decision 1, Priya does not agree, Alex takes it again as decision 2.
"""

from __future__ import annotations

import csv
import json

import pytest
from support.ledger_attacks import answers_file_data, run_cli
from support.people import ALEX, PASSPHRASES, PRIYA

WHY_NOT = "The bruising was explained by the GP letter."


@pytest.fixture
def retaken(staffed_log, tmp_path):
    path = staffed_log.path
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(answers_file_data("share", case_ref="C-1042", by=ALEX)))
    taken = run_cli(path, "decide", "--answers", answers, input=PASSPHRASES[ALEX] + "\n")
    assert taken.exit_code == 0, taken.output
    said = f"{PASSPHRASES[PRIYA]}\ndisagree\n{WHY_NOT}\n"
    cosigned = run_cli(path, "cosign", "1", "--by", PRIYA, input=said)
    assert cosigned.exit_code == 0, cosigned.output
    again = ["decide", "--answers", answers, "--revisits", "1"]
    retake = run_cli(path, *again, input=PASSPHRASES[ALEX] + "\n")
    assert retake.exit_code == 0, retake.output
    return path


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_narrow_list_keeps_the_disagreement_and_names_the_retake(cli, retaken, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    result = cli("log", db=retaken)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Decision 1 superseded (taken again as decision 2)" in out
    assert f"Decided by {ALEX}; not agreed by {PRIYA}" in out
    assert f"co-signed by {PRIYA}" not in out


def test_the_wide_list_keeps_the_disagreement_and_names_the_retake(cli, retaken, monkeypatch):
    monkeypatch.setenv("COLUMNS", "220")
    result = cli("log", db=retaken)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.strip().startswith("1 "))
    assert "superseded (taken again as decision 2)" in flat(row)
    assert f"{PRIYA} (did not agree)" in flat(row)


def test_case_says_who_did_not_agree_and_what_took_it_again(cli, retaken, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("case", "C-1042", db=retaken)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert f"{PRIYA} did NOT agree with decision 1" in out
    assert "Co-signed decision 1" not in out  # "co-signed … did NOT agree" contradicted itself
    assert "Now: superseded (taken again as decision 2)" in out
    assert "Takes decision 1 again." in out


def test_the_csv_keeps_the_verdict_of_a_decision_taken_again(cli, retaken, tmp_path):
    out = tmp_path / "decisions.csv"
    result = run_cli(
        retaken,
        "export",
        "-f",
        "csv",
        "--by",
        ALEX,
        "--out",
        out,
        input=PASSPHRASES[ALEX] + "\n",
    )
    assert result.exit_code == 0, result.output
    rows = {row["Decision"]: row for row in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert rows["1"]["Status"] == "superseded"
    assert rows["1"]["Co-signed by"] == PRIYA
    assert rows["1"]["Co-signer's verdict"] == "did not agree"
    assert rows["1"]["Co-signer's comment"] == WHY_NOT
    assert rows["1"]["Taken again as decision"] == "2"
