"""Scripted answers (`infoshare decide --answers FILE`): valid YAML and JSON files for every
outcome, malformed files each refused with their own message and nothing written, and the
shipped example replayed against a staffed log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from support.people import PASSPHRASES, PRIYA, SAM, answers_file_data

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ("share", "share_without_consent", "do_not_share", "seek_advice")


def lines(*items: str) -> str:
    return "".join(f"{item}\n" for item in items)


def decide(cli, staffed_log, path, *extra):
    return cli(
        "decide",
        "--answers",
        path,
        "--by",
        SAM,
        *extra,
        input=lines(PASSPHRASES[SAM], PASSPHRASES[PRIYA]),
        db=staffed_log.path,
    )


def show(cli, staffed_log, decision_id) -> dict:
    result = cli("show", str(decision_id), "--json", db=staffed_log.path)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def newest_decision(staffed_log) -> int:
    """The newest decision's number (1, 2, 3 in the order taken), as people give it."""
    with staffed_log.open() as ledger:
        return ledger.conn.execute("SELECT max(number) FROM decision_numbers").fetchone()[0]


# --- valid files ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_valid_file_for_each_outcome(cli, staffed_log, tmp_path, outcome, fmt):
    data = answers_file_data(outcome, case_ref=f"C-{fmt}-{outcome}")
    path = tmp_path / f"answers.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    before = staffed_log.count()

    result = decide(cli, staffed_log, path, "--cosigner", PRIYA)

    assert result.exit_code == 0, result.output
    assert "Decision recorded" in result.output
    assert staffed_log.count() == before + 2  # the decision and its co-signature
    shown = show(cli, staffed_log, newest_decision(staffed_log))
    assert shown["outcome"] == outcome
    assert shown["case_ref"] == f"C-{fmt}-{outcome}"
    assert shown["status"] == "agreed"
    assert shown["decided_by"] == SAM
    assert shown["answers"]["recorded"] == {"answer": "confirmed"}
    assert shown["question_set"]["name"]
    if outcome == "seek_advice":
        assert shown["outcome_record"]["advisor"]["answer"].startswith("Duty social worker")
    else:
        assert "outcome_record" not in shown
    if outcome in ("share", "share_without_consent"):
        assert shown["answers"]["right_way"]["answer"]["method"] == {"answer": "referral_form"}
    if outcome == "share_without_consent":
        assert shown["basis"]


def test_yaml_dates_and_utf8_bom_are_accepted(cli, staffed_log, tmp_path):
    text = yaml.safe_dump(answers_file_data("seek_advice"), sort_keys=False)
    text = text.replace("asked_on: '2026-11-26'", "asked_on: 2026-11-26")  # a YAML date
    assert "asked_on: 2026-11-26" in text
    path = tmp_path / "bom.yml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = decide(cli, staffed_log, path)
    assert result.exit_code == 0, result.output
    shown = show(cli, staffed_log, newest_decision(staffed_log))
    assert shown["outcome_record"]["asked_on"]["answer"] == "2026-11-26"
    assert shown["status"] == "awaiting co-signature"


def test_the_shipped_example_replays(cli, staffed_log):
    example = REPO_ROOT / "examples" / "answers.yaml"
    before = staffed_log.count()
    result = cli(
        "decide",
        "--answers",
        example,
        "--by",
        SAM,
        "--cosigner",
        PRIYA,
        input=lines(PASSPHRASES[SAM], PASSPHRASES[PRIYA]),
        db=staffed_log.path,
    )
    assert result.exit_code == 0, result.output
    assert "Share without consent" in result.output
    assert "Agreed (co-signed)" in result.output
    assert staffed_log.count() == before + 2
    shown = show(cli, staffed_log, newest_decision(staffed_log))
    assert shown["outcome"] == "share_without_consent"
    assert shown["case_ref"] == "C-1042"
    assert shown["answers"]["public_interest"]["answer"] == ["reasonable_cause"]
    assert shown["answers"]["right_way"]["answer"]["shared_on"] == {"answer": "2026-11-26"}
    assert shown["signature_ok"] is True
    assert shown["cosignatures"][0]["signature_ok"] is True


# --- malformed files --------------------------------------------------------------------------

GOOD = answers_file_data("do_not_share")


def _yaml(data) -> bytes:
    return yaml.safe_dump(data, sort_keys=False).encode("utf-8")


def _with(**changes) -> dict:
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _answers(**answers) -> dict:
    return _with(answers={"urgent": "no", **answers})


SHARE = answers_file_data("share")["answers"]
RIGHT_WAY = SHARE["right_way"]

MALFORMED = {
    "not_yaml": (
        "a.yaml",
        b"case_ref: [C-1, \nanswers: {",
        ["a.yaml, line", "Fix the YAML there."],
    ),
    "not_utf8": (
        "a.yaml",
        "case_ref: C-1\nanswers: {purpose: caf\xe9}\n".encode("latin-1"),
        ["the file is not UTF-8 text. Save it as UTF-8."],
    ),
    "top_level_list": (
        "a.yaml",
        b"- case_ref: C-1\n- answers: {}\n",
        ["1 problem", "The file must hold 'case_ref' and 'answers'"],
    ),
    "empty_file": (
        "a.yaml",
        b"",
        ["The file must hold 'case_ref' and 'answers'"],
    ),
    "unknown_top_level_key": (
        "a.yaml",
        _yaml(_with(child_name="Do not put names here")),
        ["Unknown key 'child_name'; the keys are answers, case_ref, decided_by"],
    ),
    "missing_case_ref": (
        "a.yaml",
        _yaml(_with(case_ref=None)),
        ["'case_ref' is missing: give the setting's case reference for the child."],
    ),
    "empty_case_ref": (
        "a.yaml",
        _yaml(_with(case_ref="   ")),
        ["The case reference cannot be empty."],
    ),
    "too_long_case_ref": (
        "a.yaml",
        _yaml(_with(case_ref="C" * 41)),
        ["The case reference may be at most 40 characters long."],
    ),
    "missing_answers": (
        "a.yaml",
        _yaml(_with(answers=None)),
        ["'answers' is missing: a block of question id: answer lines."],
    ),
    "answers_a_list": (
        "a.yaml",
        _yaml(_with(answers=["urgent", "purpose"])),
        ["'answers' must be a block of question id: answer lines."],
    ),
    "unknown_question": (
        "a.yaml",
        _yaml(_answers(purpose={"answer": "no", "reason": "x"}, favourite_colour="blue")),
        ["'favourite_colour' is not a question in", "the questions are urgent, purpose"],
    ),
    "bare_booleans": (
        "a.yaml",
        b"case_ref: C-1\nanswers:\n  urgent: no\n  purpose: yes\n",
        [
            "2 problems",
            "'urgent': write yes and no in quotes (\"yes\")",
            "'purpose': write yes and no in quotes",
        ],
    ),
    "no_such_choice": (
        "a.yaml",
        _yaml(_answers(purpose="maybe")),
        ["'purpose' has no choice 'maybe'; choose from: yes, no, not_sure."],
    ),
    "no_such_criterion": (
        "a.yaml",
        _yaml(
            _answers(
                **{k: v for k, v in SHARE.items() if k not in ("urgent", "consent", "right_way")},
                consent={"answer": "refused", "reason": "Refused on Monday."},
                statutory="no",
                public_interest={"answer": ["gut_feeling"], "reason": "x"},
            )
        ),
        ["'public_interest' has no choice 'gut_feeling'"],
    ),
    "missing_required_reason": (
        "a.yaml",
        _yaml(_answers(purpose="no")),
        ["'purpose' needs a reason for this answer"],
    ),
    "answered_off_the_path": (
        "a.yaml",
        _yaml(_answers(purpose={"answer": "no", "reason": "x"}, identifiable="yes")),
        [
            "'identifiable' is answered, but the answers before it do not lead there "
            "(urgent -> purpose)."
        ],
    ),
    "unfinished_path": (
        "a.yaml",
        _yaml(_answers(purpose={"answer": "yes", "reason": "x"}, identifiable="yes")),
        ["'confidential' is not answered yet."],
    ),
    "right_way_parts_missing": (
        "a.yaml",
        _yaml(
            _answers(
                purpose={"answer": "yes", "reason": "x"},
                identifiable="yes",
                confidential="yes",
                consent="given",
                right_way={"necessary": "yes", "relevant": "yes", "parent_told": "yes"},
            )
        ),
        [
            "'right_way.adequate' is not answered.",
            "'right_way.recipient' is not answered.",
            # asked only where consent was not given
            "'right_way.parent_told' is answered, but it is not asked on this route",
        ],
    ),
    "right_way_not_a_block": (
        "a.yaml",
        _yaml(
            _answers(
                purpose="yes",
                identifiable="yes",
                confidential="yes",
                consent="given",
                right_way="yes",
            )
        ),
        ["'right_way' needs a block with an answer for each of its parts."],
    ),
    "bad_date_text": (
        "a.yaml",
        _yaml(
            _answers(
                purpose={"answer": "yes", "reason": "x"},
                identifiable="yes",
                confidential="yes",
                consent="given",
                right_way={**RIGHT_WAY, "shared_on": "26/11/2026"},
            )
        ),
        ["'shared_on' needs a date written as year-month-day, like 2026-11-26."],
    ),
    "impossible_yaml_date": (
        "a.yaml",
        _yaml(answers_file_data("seek_advice")).replace(
            b"asked_on: '2026-11-26'", b"asked_on: 2026-13-45"
        ),
        ["a value cannot be read", "Write dates as year-month-day, for example 2026-11-26."],
    ),
    "seek_advice_without_record": (
        "a.yaml",
        _yaml(_with(answers=answers_file_data("seek_advice")["answers"])),
        [
            "3 problems",
            "The outcome 'seek_advice' needs 'advisor'",
            "The outcome 'seek_advice' needs 'asked_on'",
            "The outcome 'seek_advice' needs 'advice'",
        ],
    ),
    "record_for_the_wrong_outcome": (
        "a.yaml",
        _yaml(_with(outcome_record={"advisor": "Someone"})),
        ["'advisor' is not something the outcome 'do_not_share' records."],
    ),
    "too_long_reason": (
        "a.yaml",
        _yaml(_answers(purpose={"answer": "no", "reason": "Because. " * 500})),
        ["'purpose': keep each answer and reason under 4,000 characters."],
    ),
    "unknown_answer_key": (
        "a.yaml",
        _yaml(_answers(purpose={"answer": "no", "why": "x"})),
        ["'purpose': unknown key why; use 'answer' and 'reason'."],
    ),
    "revisits_not_a_number": (
        "a.yaml",
        _yaml(_with(revisits="last week's")),
        ["'revisits' must be a decision number (such as 4)."],
    ),
    "json_syntax_error": (
        "a.json",
        b'{"case_ref": "C-1",\n "answers": {"urgent": "no",}}\n',
        ["a.json, line 2, column 29: the JSON is not valid"],
    ),
    "json_top_level_list": (
        "a.json",
        b'[{"case_ref": "C-1"}]',
        ["The file must hold 'case_ref' and 'answers'"],
    ),
    "several_problems": (
        "a.yaml",
        b"case_ref: ''\nwho: me\nrevisits: soon\nanswers:\n  urgent: no\n  nonsense: x\n"
        b"  purpose: {answer: 'no', reason: 5}\n",
        [
            "5 problems",
            "Unknown key 'who'",
            "'revisits' must be a decision number (such as 4).",
            "'urgent': write yes and no in quotes",
            "'nonsense' is not a question in",
            "'purpose': the reason must be text.",
        ],
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_answers_file(cli, staffed_log, tmp_path, case):
    name, content, messages = MALFORMED[case]
    path = tmp_path / name
    path.write_bytes(content)
    before = staffed_log.count()

    result = decide(cli, staffed_log, path, "--cosigner", PRIYA)

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for message in messages:
        assert message in result.output, result.output
    assert "Passphrase" not in result.output  # refused before anyone signs
    assert staffed_log.count() == before


def test_malformed_list_is_long_enough():
    assert len(MALFORMED) >= 12


def test_every_problem_is_its_own_line(cli, staffed_log, tmp_path):
    _, content, messages = MALFORMED["several_problems"]
    path = tmp_path / "a.yaml"
    path.write_bytes(content)
    result = decide(cli, staffed_log, path)
    bullets = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(bullets) == 5
    assert result.stderr.startswith("Error: ")
    assert "has 5 problems; nothing was written:" in result.stderr


def test_missing_answers_file(cli, staffed_log, tmp_path):
    before = staffed_log.count()
    result = decide(cli, staffed_log, tmp_path / "missing.yaml")
    assert result.exit_code == 1
    assert "No answers file at" in result.output
    assert "Check the path." in result.output
    assert staffed_log.count() == before


def test_answers_file_that_is_a_folder(cli, staffed_log, tmp_path):
    before = staffed_log.count()
    result = decide(cli, staffed_log, tmp_path)
    assert result.exit_code == 2  # click refuses it as a usage error
    assert "Invalid value for '--answers'" in result.output
    assert "Traceback" not in result.output
    assert staffed_log.count() == before


def test_oversized_answers_file(cli, staffed_log, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(_yaml(GOOD) + b"#" * (300 * 1024))
    before = staffed_log.count()
    result = decide(cli, staffed_log, path)
    assert result.exit_code == 1
    assert "an answers file may be at most 262,144 bytes" in result.output
    assert staffed_log.count() == before


# --- errors do not repeat free text typed in the wrong place ------------------------------


def test_answers_file_errors_do_not_repeat_free_text(cli, staffed_log, tmp_path):
    path = tmp_path / "answers.yaml"

    def decide(data):
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return cli(
            "decide",
            "--answers",
            path,
            "--by",
            SAM,
            input=PASSPHRASES[SAM] + "\n",
            db=staffed_log.path,
        )

    before = staffed_log.count()
    data = answers_file_data("share")
    data["answers"]["public interest Jane"] = "yes"
    data["answers"]["right_way"]["Jane Smith"] = "yes"
    data["Jane Smith's mum"] = "x"
    data["outcome_record"] = {"Jane Smith": "x"}
    data["answers"]["identifiable"] = {"answer": "yes", "Jane's reason": "x"}
    result = decide(data)
    assert result.exit_code == 1, result.output
    assert "Jane" not in result.output
    assert "Unknown key '…'" in result.output

    data = answers_file_data("share")
    data["answers"]["purpose"] = "Yes, to protect Jane Smith"  # a note where a choice goes
    data["answers"]["right_way"]["Jane Smith"] = "yes"
    data["outcome_record"] = {"Jane Smith": "x"}
    result = decide(data)
    assert result.exit_code == 1, result.output
    assert "Jane" not in result.output
    assert "'purpose' has no choice '…'; choose from: yes, no, not_sure." in result.output
    assert "'right_way' has no part called '…'." in result.output

    # a plain mistyped word is still repeated, to help find it
    data = answers_file_data("share")
    data["answers"]["purpose"] = "maybe"
    assert "'purpose' has no choice 'maybe'" in decide(data).output
    assert staffed_log.count() == before
