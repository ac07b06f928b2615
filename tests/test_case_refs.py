"""Look-alike case references: one normal form, one alphabet, through the real commands."""

from __future__ import annotations

import json

import pytest
from support.ledger_attacks import build_decided_log, copy_log, run_cli
from support.people import PASSPHRASES, PRIYA, SAM, answers_file_data
from support.reading import read_as

from infoshare_cli.domain.case_refs import normalise_case_ref
from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.store import Ledger

CYRILLIC_C = "\u0421-1042"  # "С-1042": a Cyrillic Es, drawn exactly like a Latin C


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("decided") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def decide(log, tmp_path, case_ref: str):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(answers_file_data("share", case_ref=case_ref, by=SAM)))
    return run_cli(
        log, "decide", "--answers", answers, "--cosigner", PRIYA,
        input=f"{PASSPHRASES[SAM]}\n{PASSPHRASES[PRIYA]}\n",
    )  # fmt: skip


def case_ids(log, ref: str) -> list[int]:
    result = run_cli(log, "case", ref, "--json")
    assert result.exit_code == 0, result.output
    return [r["id"] for r in json.loads(result.stdout)]


def test_a_cyrillic_look_alike_is_refused_and_nothing_is_written(log, tmp_path):
    with Ledger.open(log) as ledger:
        before = ledger.count()
    result = decide(log, tmp_path, CYRILLIC_C)
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "letter from the Cyrillic alphabet" in text
    assert (
        "it has a letter from the Cyrillic alphabet, which can look exactly like an ordinary "
        "letter: C-1042 typed with a Cyrillic C is not the same reference as C-1042 typed on "
        "a keyboard, and a search for one would miss the other. Retype it with the ordinary "
        "keyboard letters (A-Z)."
    ) in text
    assert CYRILLIC_C not in result.output  # what was typed is never repeated
    with Ledger.open(log) as ledger:
        assert ledger.count() == before


@pytest.mark.parametrize(
    "ref, alphabet",
    [("\u039f-7", "Greek"), ("C-10\u0437", "Cyrillic"), ("A\u0430-1", "Cyrillic")],
)
def test_other_look_alike_letters_are_refused(ref, alphabet):
    with pytest.raises(InfoshareError, match=f"from the {alphabet} alphabet"):
        normalise_case_ref(ref)


def test_digits_from_another_writing_system_are_refused():
    with pytest.raises(InfoshareError, match="not an ordinary 0-9"):
        normalise_case_ref("C-\u0661\u0660\u0664\u0662")  # Arabic-Indic 1042


def test_full_width_and_compatibility_forms_become_the_ordinary_reference(log, tmp_path):
    result = decide(log, tmp_path, "\uff23\uff0d\uff11\uff10\uff14\uff12")  # Ｃ－１０４２
    assert result.exit_code == 0, result.output
    with Ledger.open(log) as ledger, read_as(ledger):
        assert ledger.head().kind == "cosign"
        newest = ledger.get(ledger.head().seq - 1)
    assert newest.seq in case_ids(log, "C-1042")
    shown = json.loads(run_cli(log, "show", f"e{newest.seq}", "--json").stdout)
    assert shown["case_ref"] == "C-1042"
    assert case_ids(log, "\uff23-1042") == case_ids(log, "C-1042")


def test_reading_with_a_look_alike_says_why_it_finds_nothing(log):
    result = run_cli(log, "case", CYRILLIC_C)
    assert result.exit_code == 1
    assert "letter from the Cyrillic alphabet" in " ".join(result.output.split())
    result = run_cli(log, "log", "--case", CYRILLIC_C)
    assert result.exit_code == 1 and "Cyrillic" in result.output


def test_ordinary_references_still_pass():
    for ref in ("C-1042", "c/2026/17", "Å-12", "Zoë-3", "REF 12 B"):
        assert normalise_case_ref(ref) == ref
