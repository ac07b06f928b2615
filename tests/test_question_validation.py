"""Broken question files: each one is refused with a specific, located message.

Every case starts from BASE, a small valid set written here, and breaks one thing. The
expected messages are matched on their distinctive words, the file name, and the line
where the loader can point at one (found by looking for the broken text in the file).
"""

from __future__ import annotations

import re

import pytest

from infoshare_cli.checklist.loading import load_question_set, parse_question_set
from infoshare_cli.domain.questions import MAX_FILE_BYTES, QuestionSet, QuestionSetError
from infoshare_cli.errors import InfoshareError

BASE = """\
name: Tiny checklist
version: "1"
guidance: Test guidance
start: purpose
outcomes:
  share:
    label: Share
  share_without_consent:
    label: Share without consent
  do_not_share:
    label: Do not share
  seek_advice:
    label: Seek advice
questions:
  - id: purpose
    text: Is there a purpose?
    type: yes_no_unsure
    reason_required_for: ["no"]
    choices:
      - value: "yes"
        next: criteria
      - value: "no"
        outcome: do_not_share
        next: recorded
      - value: not_sure
        outcome: seek_advice
        next: recorded
  - id: criteria
    text: Which criteria apply?
    type: multiple
    choices:
      - value: harm
        outcome: share_without_consent
        next: details
      - value: crime
        outcome: share_without_consent
        next: details
      - value: none
        exclusive: true
        outcome: do_not_share
        next: recorded
  - id: details
    text: Give the details
    type: form
    next: recorded
    parts:
      - id: what
        text: What is shared?
        type: text
      - id: secure
        text: Will it be shared securely?
        type: yes_no
        condition: true
        choices: [{value: "yes"}, {value: "no", outcome: seek_advice}]
      - id: shared_on
        text: When?
        type: date
  - id: recorded
    text: Confirm the record
    type: review
"""


def broken(old: str, new: str, text: str = BASE) -> str:
    """BASE with exactly one occurrence of ``old`` replaced (fails loudly if not found)."""
    assert text.count(old) == 1, f"the test's base text must contain {old!r} exactly once"
    return text.replace(old, new)


def line_of(text: str, snippet: str) -> int:
    """1-based number of the only line containing ``snippet``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if snippet in line]
    assert len(hits) == 1, f"{snippet!r} is on lines {hits}"
    return hits[0]


def refuse(tmp_path, text: str | bytes, name: str = "broken.yaml") -> tuple[str, str]:
    """Write the file, load it, and return (the error text, the file name as shown)."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionSetError) as info:
        load_question_set(path)
    assert isinstance(info.value, InfoshareError)
    return str(info.value), str(path)


def assert_at(message: str, source: str, line: int) -> None:
    assert f"{source}, line {line}, column " in message, message


def test_base_set_is_valid(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    qset = load_question_set(path)
    assert isinstance(qset, QuestionSet)
    assert list(qset.questions) == ["purpose", "criteria", "details", "recorded"]
    assert qset.source == str(path)


# --- the file itself --------------------------------------------------------------------


def test_malformed_yaml_gives_line_and_column(tmp_path):
    text = broken("    text: Which criteria apply?\n", "    text: [Which criteria apply?\n")
    message, source = refuse(tmp_path, text)
    match = re.search(re.escape(source) + r", line (\d+), column (\d+): ", message)
    assert match, message
    # PyYAML notices the unclosed flow list on the line after it opens or soon after.
    opened = line_of(text, "[Which criteria")
    assert opened <= int(match.group(1)) <= opened + 2
    assert "Fix the YAML there" in message


def test_non_utf8_bytes(tmp_path):
    data = BASE.replace("Tiny checklist", "Tiny \xe9 checklist").encode("latin-1")
    message, source = refuse(tmp_path, data)
    assert message.startswith(source)
    assert "not UTF-8" in message
    bad = data.index(b"\xe9")
    assert f"bad byte at position {bad}" in message


def test_file_over_256_kib(tmp_path):
    padding = "# " + "x" * 100 + "\n"
    text = BASE + padding * (MAX_FILE_BYTES // len(padding) + 1)
    assert len(text.encode()) > MAX_FILE_BYTES
    message, source = refuse(tmp_path, text)
    assert message.startswith(source)
    assert "at most 262,144 bytes" in message
    assert f"{len(text.encode()):,} bytes" in message


def test_parse_also_refuses_oversized_bytes():
    with pytest.raises(QuestionSetError, match=r"big\.yaml: the file is .* at most 262,144"):
        parse_question_set(b"#" * (MAX_FILE_BYTES + 1), "big.yaml")


def test_file_exactly_at_the_limit_is_not_refused_for_size(tmp_path):
    text = BASE + "#" * (MAX_FILE_BYTES - len(BASE.encode()) - 1) + "\n"
    assert len(text.encode()) == MAX_FILE_BYTES
    path = tmp_path / "limit.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_question_set(path).name == "Tiny checklist"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path, text):
    message, source = refuse(tmp_path, text)
    assert f"{source}: the file is empty" in message
    assert "has 1 problem:" in message


def test_top_level_list_instead_of_mapping(tmp_path):
    message, source = refuse(tmp_path, "- name: Tiny\n- version: 1\n")
    assert "the question file must be a block of 'key: value' lines, not a list" in message
    assert source in message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(QuestionSetError, match="No question file at .*nowhere.yaml"):
        load_question_set(path)


def test_directory_given_as_file(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(QuestionSetError, match="folder.yaml is a folder; give the path"):
        load_question_set(folder)


def test_deep_nesting_is_refused_without_crashing(tmp_path):
    message, source = refuse(tmp_path, "[" * 100_000)
    assert message == f"{source}: the YAML is nested far too deeply to be a question file."


# --- YAML features refused ---------------------------------------------------------------


def test_duplicate_yaml_key(tmp_path):
    text = broken(
        "    text: Confirm the record\n", "    text: Confirm the record\n    text: Again\n"
    )
    message, source = refuse(tmp_path, text)
    assert "the key 'text' appears twice in the same block" in message
    assert_at(message, source, line_of(text, "text: Again"))


def test_anchors_and_aliases_refused(tmp_path):
    text = broken(
        "    text: Is there a purpose?\n",
        "    text: &q Is there a purpose?\n    help: *q\n",
    )
    message, source = refuse(tmp_path, text)
    assert "anchors and aliases (& and *) are not allowed" in message
    assert_at(message, source, line_of(text, "help: *q"))


# --- keys and types ----------------------------------------------------------------------


def test_unknown_top_level_key(tmp_path):
    text = broken('version: "1"\n', 'version: "1"\nauthor: Someone\n')
    message, source = refuse(tmp_path, text)
    assert "unknown key 'author' in the question file" in message
    assert "allowed keys are" in message and "golden_rules" in message
    assert_at(message, source, line_of(text, "author:"))


def test_unknown_question_key(tmp_path):
    text = broken("    type: review\n", "    type: review\n    colour: blue\n")
    message, source = refuse(tmp_path, text)
    assert "unknown key 'colour' in question 4" in message
    assert_at(message, source, line_of(text, "colour:"))


def test_unknown_type(tmp_path):
    text = broken("    type: review\n", "    type: essay\n")
    message, source = refuse(tmp_path, text)
    assert "'recorded' has type 'essay'; use one of" in message
    assert "yes_no_unsure" in message
    assert_at(message, source, line_of(text, "type: essay"))


def test_type_that_is_not_text(tmp_path):
    # found by the fuzz test: a list here once crashed with "unhashable type"
    text = broken("    type: review\n", "    type: [review]\n")
    message, source = refuse(tmp_path, text)
    assert "'recorded' has type ['review']; use one of" in message
    assert_at(message, source, line_of(text, "type: [review]"))


def test_duplicate_question_ids(tmp_path):
    text = broken("  - id: recorded\n", "  - id: details\n")
    message, source = refuse(tmp_path, text)
    assert "the id 'details' is used by two questions" in message
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "- id: details" in line]
    assert_at(message, source, lines[1])  # the second one is the duplicate


# --- choices -----------------------------------------------------------------------------


def test_choice_without_value(tmp_path):
    text = broken("      - value: crime\n", "      - label: Crime\n")
    message, source = refuse(tmp_path, text)
    assert "choice 2 of 'criteria' needs a 'value' (a short word)" in message
    assert_at(message, source, line_of(text, "label: Crime"))


def test_bare_yes_no_booleans_get_a_hint_about_quotes(tmp_path):
    text = broken('      - value: "yes"\n', "      - value: yes\n")
    message, source = refuse(tmp_path, text)
    assert "choice 1 of 'purpose' needs a 'value'" in message
    assert 'write yes and no in quotes: "yes"' in message
    assert_at(message, source, line_of(text, "- value: yes"))


def test_reason_rule_naming_an_unknown_answer(tmp_path):
    text = broken('    reason_required_for: ["no"]\n', '    reason_required_for: ["nope"]\n')
    message, source = refuse(tmp_path, text)
    assert "'reason_required_for' in 'purpose' names 'nope'" in message
    assert "not one of its answers (no, not_sure, yes)" in message
    assert_at(message, source, line_of(text, '["nope"]'))


def test_yes_no_question_whose_values_are_not_yes_no(tmp_path):
    text = broken('      - value: "no"\n', "      - value: maybe\n")
    message, source = refuse(tmp_path, text)
    assert "'purpose' is a yes_no_unsure question, so its choice values must be exactly" in message
    assert "yes, no, not_sure (found yes, maybe, not_sure)" in message


def test_multiple_choices_that_combine_must_lead_to_the_same_place(tmp_path):
    text = broken(
        "      - value: crime\n        outcome: share_without_consent\n        next: details\n",
        "      - value: crime\n        outcome: share_without_consent\n        next: recorded\n",
    )
    message, source = refuse(tmp_path, text)
    assert "the choices of 'criteria' that can be picked together must lead to the same" in message
    assert "exclusive: true" in message


def test_multiple_choices_may_inherit_the_questions_next(tmp_path):
    # 'crime' has no 'next' of its own, so it follows the question's: the same place as
    # 'harm'. That is not a conflict (this was once wrongly reported as one).
    text = broken("    type: multiple\n", "    type: multiple\n    next: details\n")
    text = broken(
        "      - value: crime\n        outcome: share_without_consent\n        next: details\n",
        "      - value: crime\n        outcome: share_without_consent\n",
        text,
    )
    path = tmp_path / "inherit.yaml"
    path.write_text(text, encoding="utf-8")
    qset = load_question_set(path)
    assert qset["criteria"].choice("crime").next is None
    assert qset["criteria"].next == "details"


def test_multiple_inherited_next_that_differs_is_still_a_conflict(tmp_path):
    text = broken("    type: multiple\n", "    type: multiple\n    next: recorded\n")
    text = broken(
        "      - value: crime\n        outcome: share_without_consent\n        next: details\n",
        "      - value: crime\n        outcome: share_without_consent\n",
        text,
    )
    message, _ = refuse(tmp_path, text)
    assert "the choices of 'criteria' that can be picked together must lead to the same" in message


def test_form_question_with_no_parts(tmp_path):
    text = BASE.split("    parts:\n")[0] + "    parts: []\n" + BASE.split("type: date\n")[1]
    message, source = refuse(tmp_path, text)
    assert "'details' is a form but has no parts" in message
    assert_at(message, source, line_of(text, "parts: []"))


def test_form_question_without_parts_key(tmp_path):
    text = BASE.split("    parts:\n")[0] + BASE.split("type: date\n")[1]
    message, _ = refuse(tmp_path, text)
    assert "'parts' in 'details' must be a list" in message


# --- routing -----------------------------------------------------------------------------


def test_route_to_missing_question(tmp_path):
    text = broken("    type: form\n    next: recorded\n", "    type: form\n    next: summary\n")
    message, source = refuse(tmp_path, text)
    assert "'details' leads to 'summary', which is not a question id" in message
    assert "that is an outcome" not in message
    assert_at(message, source, line_of(text, "next: summary"))


def test_route_naming_an_outcome_as_next(tmp_path):
    text = broken(
        '      - value: "no"\n        outcome: do_not_share\n        next: recorded\n',
        '      - value: "no"\n        next: do_not_share\n',
    )
    message, source = refuse(tmp_path, text)
    assert "'purpose' leads to 'do_not_share', which is not a question id" in message
    assert "(that is an outcome: use 'outcome:' for it)" in message


def test_choice_leading_to_an_unknown_outcome(tmp_path):
    text = broken("        outcome: seek_advice\n", "        outcome: ask_someone\n")
    message, source = refuse(tmp_path, text)
    assert "the choice 'not_sure' of 'purpose' leads to the outcome 'ask_someone'" in message
    assert "not described under 'outcomes'" in message


def test_unknown_outcome_described(tmp_path):
    text = broken("  seek_advice:\n", "  wait_and_see:\n")
    message, source = refuse(tmp_path, text)
    assert "unknown outcome 'wait_and_see'; the outcomes are share, share_without_consent" in (
        message
    )
    assert_at(message, source, line_of(text, "wait_and_see:"))


def test_cycle(tmp_path):
    text = broken("    type: form\n    next: recorded\n", "    type: form\n    next: purpose\n")
    message, source = refuse(tmp_path, text)
    assert "the questions loop:" in message
    assert "purpose -> criteria -> details -> purpose" in message
    assert "must always move forward to an outcome" in message


def test_unreachable_question(tmp_path):
    extra = "  - id: orphan\n    text: Nobody asks me\n    type: text\n    next: recorded\n"
    text = BASE + extra
    message, source = refuse(tmp_path, text)
    assert "'orphan' can never be reached from 'purpose'" in message
    assert_at(message, source, line_of(text, "- id: orphan"))


def test_path_ending_without_an_outcome(tmp_path):
    text = broken(
        "      - value: not_sure\n        outcome: seek_advice\n",
        "      - value: not_sure\n",
    )
    message, source = refuse(tmp_path, text)
    assert "the answers purpose=not_sure -> recorded=* reach the end without an outcome" in message


def test_start_naming_a_missing_question(tmp_path):
    text = broken("start: purpose\n", "start: beginning\n")
    message, source = refuse(tmp_path, text)
    assert "'start' names 'beginning', which is not a question id" in message
    assert_at(message, source, 4)


# --- several problems at once -------------------------------------------------------------


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    text = broken('version: "1"\n', 'version: "1"\nauthor: Someone\n')
    text = broken("    type: review\n", "    type: essay\n", text)
    text = broken("      - value: crime\n", "      - label: Crime\n", text)
    text = broken('    reason_required_for: ["no"]\n', '    reason_required_for: ["nope"]\n', text)
    message, source = refuse(tmp_path, text)
    assert f"{source} has 4 problems:" in message
    for words in (
        "unknown key 'author'",
        "has type 'essay'",
        "choice 2 of 'criteria' needs a 'value'",
        "names 'nope'",
    ):
        assert words in message
    assert message.count("\n  - ") == 4
