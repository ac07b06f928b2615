"""What people type: the setting's name, reasons, text answers, comments and corrections.
Control characters (escape codes that could rewrite a reader's screen, NUL, bells) are
refused before anything is written; tabs, line breaks and any language's letters are fine.
"""

from __future__ import annotations

import json

import pytest
from support.people import (
    ALEX,
    PASSPHRASES,
    SAM,
    answers_file_data,
)
from support.reading import read_as

from infoshare_cli.actions.corrections import correction_payload
from infoshare_cli.asking.prompts import _validator
from infoshare_cli.domain.decisions import cosign_payload
from infoshare_cli.errors import InfoshareError


@pytest.mark.parametrize(
    "setting",
    [
        "Acorns\udcff",  # an undecodable byte on the command line: crashed after the passphrases
        "Acorns\x1b[31m red",  # an escape code, shown later on every printable record
        "A" * 201,
    ],
)
def test_init_refuses_an_unusable_setting_name_before_anything_is_written(cli, tmp_path, setting):
    db = tmp_path / "log.sqlite3"
    result = cli(
        "init",
        "--setting",
        setting,
        "--manager",
        ALEX,
        input=PASSPHRASES[ALEX] + "\n" + PASSPHRASES[ALEX] + "\n",
        db=db,
    )
    assert result.exit_code == 1, result.output
    assert "The setting's name" in result.output
    assert "Something went wrong" not in result.output
    assert "New passphrase" not in result.output  # refused before anyone types one
    assert not db.exists()


CONTROL_TEXTS = [
    "Mum said \x1b[2J no",  # clears the reader's screen when shown
    "Mum said no\x1b[1A\x1b[2KShare: agreed",  # rewrites the line above on screen
    "nul \x00 byte",
    "bell \x07",
    "C1 control \x9b31m",
]


@pytest.mark.parametrize("text", CONTROL_TEXTS)
def test_reasons_and_text_answers_with_control_characters_are_refused(
    cli, staffed_log, tmp_path, text
):

    data = answers_file_data("share_without_consent")
    data["answers"]["consent"]["reason"] = text
    data["answers"]["right_way"]["what"] = text
    path = tmp_path / "answers.json"

    path.write_text(json.dumps(data), encoding="utf-8")
    before = staffed_log.count()
    result = cli(
        "decide",
        "--answers",
        path,
        "--by",
        SAM,
        input=PASSPHRASES[SAM] + "\n",
        db=staffed_log.path,
    )
    assert result.exit_code == 1, result.output
    assert "'consent': remove the control characters" in result.output
    assert "'right_way': remove the control characters" in result.output
    assert "Mum" not in result.output and "byte" not in result.output
    assert staffed_log.count() == before


def test_tabs_and_line_breaks_in_a_reason_are_fine(cli, staffed_log, tmp_path):
    reason = "First line.\n\tSecond line.\r\nThird, accentué, 子."
    data = answers_file_data("share_without_consent")
    data["answers"]["consent"]["reason"] = reason
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = staffed_log.count()
    result = cli(
        "decide",
        "--answers",
        path,
        "--by",
        SAM,
        input=PASSPHRASES[SAM] + "\n",
        db=staffed_log.path,
    )
    assert result.exit_code == 0, result.output
    assert staffed_log.count() == before + 1
    with staffed_log.open() as ledger, read_as(ledger):
        stored = ledger.get(before + 1)
        assert stored.kind == "decision"
        assert stored.payload["answers"]["consent"] == {"answer": "refused", "reason": reason}


@pytest.mark.parametrize("text", CONTROL_TEXTS)
def test_comments_and_corrections_with_control_characters_are_refused(staffed_log, text):
    with pytest.raises(InfoshareError, match="control characters"):
        cosign_payload(1, "0" * 64, "disagree", text)
    with staffed_log.open() as ledger:
        record = type("R", (), {"id": 1, "entry": ledger.get(1)})()
        for field in ("wrong", "right", "why"):
            texts = {"wrong": "The date.", "right": "The 3rd.", "why": "Typo."} | {field: text}
            with pytest.raises(InfoshareError, match="control characters") as caught:
                correction_payload(record, **texts)
            assert "Mum" not in caught.value.message


def test_the_text_prompt_refuses_control_characters_as_it_is_typed():
    for kind in ("text", "reason", "optional"):
        assert "control characters" in str(_validator(kind, back=True)("Mum \x1b[2J said"))
        assert _validator(kind, back=True)("Two\tcolumns") is True


# --- the case reference ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "case_ref",
    [
        "C-1\x1b[2J",  # an escape code: would clear the screen of whoever lists the log
        "C-1\x1b]8;;http://x\x07link",  # a terminal hyperlink
        "C-1\x7f",  # DEL
        "C-1\u200b",  # a zero-width space: two references that look the same
        "C-1\u202e2401",  # right-to-left override: shows as another reference
        "C-1\x9b",  # a C1 control
    ],
)
def test_a_case_reference_with_unprintable_characters_is_refused(
    cli, staffed_log, tmp_path, case_ref
):
    data = answers_file_data("do_not_share", case_ref=case_ref)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = staffed_log.count()
    result = cli("decide", "--answers", path, input=PASSPHRASES[SAM] + "\n", db=staffed_log.path)
    assert result.exit_code == 1, result.output
    assert result.output.endswith(
        "has 1 problem; nothing was written:\n"
        "  - The case reference may only contain printable characters.\n"
    )
    assert staffed_log.count() == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("C-1042", "C-1042"),
        ("  c-77   Jones ", "c-77 Jones"),  # spaces at the ends dropped, runs made one
        ("C-1\t2\n3", "C-1 2 3"),  # tabs and line breaks are spaces
        ("Zoë-7 子", "Zoë-7 子"),
    ],
)
def test_a_printable_case_reference_is_stored_as_typed(cli, staffed_log, tmp_path, typed, stored):
    data = answers_file_data("do_not_share", case_ref=typed)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = cli("decide", "--answers", path, input=PASSPHRASES[SAM] + "\n", db=staffed_log.path)
    assert result.exit_code == 0, result.output
    with staffed_log.open() as ledger, read_as(ledger):
        newest = ledger.get(ledger.count())
        assert newest.kind == "decision"
        assert newest.payload["case_ref"] == stored


def test_what_is_shown_has_each_control_character_replaced_by_one_mark():
    """A log written by hand or by an older version may hold them: shown, each becomes the
    replacement character U+FFFD, and everything else is kept."""
    from infoshare_cli.domain.text import displayable

    assert displayable("a\x1b[2Jb\x07c\x9b") == "a\ufffd[2Jb\ufffdc\ufffd"
    assert displayable("tab\tline\nbreak\r\nzoë 子") == "tab\tline\nbreak\r\nzoë 子"
    assert displayable({"k": ["x\x00", 3, None]}) == {"k": ["x\ufffd", 3, None]}


@pytest.mark.parametrize(
    "name, problem",
    [
        ("", "A name cannot be empty."),
        ("Kim\u0007 Ray", "A name may only contain printable characters."),
    ],
)
def test_a_name_that_will_not_do_is_refused_in_words(name, problem):
    from infoshare_cli.domain.staff import check_name

    with pytest.raises(InfoshareError) as refused:
        check_name(name)
    assert str(refused.value) == problem
