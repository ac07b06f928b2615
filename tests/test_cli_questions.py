"""`infoshare questions check|show`, `infoshare rules`, --version and start-up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infoshare_cli import __version__
from infoshare_cli.checklist.loading import load_question_set
from infoshare_cli.cli.main import app

WIDE = {"COLUMNS": "400", "NO_COLOR": "1"}

BROKEN = """\
name: Broken
version: "1"
colour: blue
outcomes:
  share:
    label: Share
questions:
  - id: first
    text: First?
    type: yes_no
    choices:
      - value: "yes"
        outcome: share
        next: missing
      - value: "no"
        outcome: maybe
        next: first
  - id: second
    text: Second?
    type: essay
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run_module(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("INFOSHARE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "infoshare_cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


# --- questions check --------------------------------------------------------------------------


def test_check_the_built_in_set(runner):
    result = runner.invoke(app, ["questions", "check"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "questions.yaml (built in): OK. 'Information sharing checklist' version 2018.4, "
        "10 questions, 966 ways through, all ending in an outcome.\n"
    )


def test_check_the_root_file_by_path(runner):
    root = Path(__file__).resolve().parent.parent / "questions.yaml"
    result = runner.invoke(app, ["questions", "check", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{root}: OK.")
    assert "966 ways through" in result.output


def test_check_a_broken_file_lists_every_problem(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(app, ["questions", "check", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    err = result.stderr
    assert err.count("\n  - ") == 4
    assert err.startswith("Error: ")
    assert f"{path} has 4 problems:" in err
    assert re.search(rf"{re.escape(str(path))}, line 3, column 1: unknown key 'colour'", err)
    assert "line 1, column 1: the question file needs 'guidance'" in err
    assert "the choice 'no' of 'first' leads to the outcome 'maybe'" in err
    assert re.search(r"line 20, column \d+: 'second' has type 'essay'", err)
    assert "OK." not in result.output


def test_check_a_missing_file(runner, tmp_path):
    result = runner.invoke(app, ["questions", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "No question file at" in result.stderr
    assert "Traceback" not in result.output


def test_check_bad_yaml_gives_the_line(runner, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nquestions: [\n", encoding="utf-8")
    result = runner.invoke(app, ["questions", "check", str(path)])
    assert result.exit_code == 1
    assert re.search(rf"Error: {re.escape(str(path))}, line \d+, column \d+: ", result.stderr)
    assert "Traceback" not in result.output


# --- questions show ---------------------------------------------------------------------------


def test_show_draws_every_question_and_outcome(runner):
    qset = load_question_set()
    result = runner.invoke(app, ["questions", "show"], env=WIDE)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Information sharing checklist  version 2018.4")
    for qid, question in qset.questions.items():
        assert f"{qid}: {question.text}" in out
    # the labels written in questions.yaml for its four outcomes
    for label in ("Share", "Share without consent", "Do not share", "Seek advice first"):
        assert f"⇒ {label}\n" in out or f"⇒ {label}  " in out, label
    assert "⚠ urgent: call 999" in out
    assert "[statutory duty or court order]" in out
    # the new routes: doubt, the principles as conditions, the urgent route
    assert "“Not sure”  (reason required)  ⇒ Seek advice first" in out
    for part in qset["right_way"].parts:
        if part.condition:
            assert f"principle {part.id}: {part.text}" in out
    assert "“No”  (reason required)  ⇒ Do not share  (urgent route ⇒ Seek advice first)" in out
    assert "(urgent route: may stand, with a reason)" in out
    assert "parent_told: asked only when the outcome so far is Share without consent" in out


# --- rules -------------------------------------------------------------------------------------


def test_rules_shows_rules_grounds_criteria_principles_and_words(runner):
    result = runner.invoke(app, ["rules"], env=WIDE)
    assert result.exit_code == 0, result.output
    rules_part, rest = result.output.split("The public interest: the policy's grounds")
    grounds_part, rest = rest.split("The critical criteria for sharing without")
    criteria_part, rest = rest.split("Sharing in the right way")
    principles_part, words_part = rest.split("Words used in the checklist")
    numbers = [int(n) for n in re.findall(r"│\s+(\d+)\. ", rules_part)]
    assert numbers == [1, 2, 3, 4, 5, 6, 7]
    for title in (
        "The law helps you share properly",
        "Be open and honest",
        "Seek advice when in doubt",
        "Share with consent where you can",
        "Safety and well-being come first",
        "Share the right information in the right way",
        "Keep a record",
    ):
        assert title in rules_part
    # the policy's grounds, in its own words
    assert [int(n) for n in re.findall(r"│\s+(\d+)\. ", grounds_part)] == [1, 2, 3]
    assert "To prevent a crime from being committed or intervene where one may have been" in (
        grounds_part
    )
    assert "To prevent harm to a child or adult" in grounds_part
    assert "Not sharing it could be worse than the outcome of having shared it" in grounds_part
    assert [int(n) for n in re.findall(r"│\s+(\d+)\. ", criteria_part)] == [1, 2, 3]
    assert "evidence that the child is suffering" in criteria_part
    assert "reasonable cause to believe that a child may be suffering" in criteria_part
    assert "prosecution of serious crime" in criteria_part
    assert "never made by one person alone" in criteria_part
    assert "Is it shared only with those who need to know?" in principles_part
    assert "may stand, with a reason" in principles_part
    for term in ("significant harm", "statutory duty", "proportionate", "adequate"):
        assert f"│ {term} " in words_part
    assert "reasonable cause to believe is a worry" in words_part


def test_rules_with_a_broken_question_file(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(app, ["rules", "--questions", str(path)])
    assert result.exit_code == 1
    assert "has 4 problems" in result.stderr
    assert "Traceback" not in result.output


# --- the application -----------------------------------------------------------------------------


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"infoshare {__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", __version__)


def test_no_arguments_shows_help_pointing_at_decide(runner):
    result = runner.invoke(app, [], env=WIDE)
    assert result.exit_code in (0, 2)  # click's no_args_is_help exits 2 since 8.2
    assert "Usage:" in result.output
    assert "infoshare decide" in result.output
    assert "questions" in result.output and "rules" in result.output


def test_python_m_version():
    proc = run_module("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"infoshare {__version__}\n"


def test_built_in_set_is_found_from_another_folder(tmp_path):
    proc = run_module("questions", "check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("questions.yaml (built in): OK.")
    assert "966 ways through" in proc.stdout


def test_python_m_broken_file_has_no_traceback(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    proc = run_module("questions", "check", str(path))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("Error: ")
    assert "has 4 problems" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_importing_the_cli_stays_light():
    code = (
        "import sys, infoshare_cli.cli.main; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('questionary','sqlite_utils') or m=='rich.table'))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == "[]"
