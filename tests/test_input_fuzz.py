"""Fuzz what people type or hand in: decision ids, case references, dates, anchors and
answers files. Always a clear error (never a traceback, never "something went wrong
inside infoshare"), and nothing written to the log."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.ledger_attacks import run_cli
from support.people import PASSPHRASES, PRIYA, SAM, answers_file_data

from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.anchors import parse_anchor

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What people type: mostly printable, sometimes anything at all.
typed = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789#- xX+.", max_size=20),
    st.sampled_from(["", " ", "#", "0", "-1", "#0", "99999999999999999999", "1e3", "٣", "７"]),
)


def assert_clear_failure(result) -> None:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "Something went wrong inside infoshare" not in result.output
    if result.exit_code == 2:  # click's usage error, e.g. an id that looks like an option
        assert "Usage:" in result.output and "Error" in result.output
        return
    # The error is one line (after any passphrase prompt, or click's usage line).
    errors = [line for line in result.stderr.splitlines() if "Error: " in line]
    assert len(errors) == 1, result.output


def _no_nul(text: str) -> bool:
    return "\x00" not in text  # the OS itself refuses NUL in arguments


@FUZZ
@given(text=typed.filter(_no_nul))
def test_decision_ids(staffed_log, text):
    before = staffed_log.count()
    for args in (["show", text], ["cosign", text, "--by", PRIYA], ["show", "--json", text]):
        assert_clear_failure(run_cli(staffed_log.path, *args, input=""))
    assert staffed_log.count() == before


@FUZZ
@given(text=typed.filter(_no_nul))
def test_revisits_ids(staffed_log, tmp_path, text):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(answers_file_data("share")))
    before = staffed_log.count()
    result = run_cli(staffed_log.path, "decide", "--answers", answers, "--revisits", text, input="")
    assert_clear_failure(result)
    assert staffed_log.count() == before


@FUZZ
@given(case_ref=st.one_of(st.text(max_size=80), st.integers(), st.none(), st.lists(st.text())))
def test_case_references(staffed_log, tmp_path, case_ref):
    data = answers_file_data("do_not_share")
    data["case_ref"] = case_ref
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(data))
    before = staffed_log.count()
    # No passphrase on standard input: even a good case reference writes nothing.
    assert_clear_failure(run_cli(staffed_log.path, "decide", "--answers", answers, input=""))
    assert staffed_log.count() == before


@FUZZ
@given(day=st.one_of(st.text(max_size=30), st.integers(), st.dates().map(str), st.none()))
def test_dates_in_answers(staffed_log, tmp_path, day):
    data = answers_file_data("seek_advice")
    data["outcome_record"]["asked_on"] = day
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(data))
    before = staffed_log.count()
    assert_clear_failure(run_cli(staffed_log.path, "decide", "--answers", answers, input=""))
    assert staffed_log.count() == before


yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(
    content=st.one_of(
        st.text(max_size=300),
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
        yaml_values.map(lambda v: yaml.safe_dump(v)),
        st.dictionaries(
            st.sampled_from(["case_ref", "decided_by", "answers", "outcome_record", "extra"]),
            yaml_values,
        ).map(lambda v: yaml.safe_dump(v)),
    )
)
def test_answers_file_text(staffed_log, tmp_path, content):
    answers = tmp_path / "a.yaml"
    answers.write_text(content, encoding="utf-8", errors="surrogatepass")
    before = staffed_log.count()
    # Passphrases are given: whatever the file says, it must be refused or ask for more.
    stdin = f"{PASSPHRASES[SAM]}\n{PASSPHRASES[PRIYA]}\n"
    result = run_cli(staffed_log.path, "decide", "--answers", answers, input=stdin)
    if result.exit_code == 0:  # a random file that happens to be a whole decision
        pytest.fail("a fuzzed answers file was accepted:\n" + content)
    assert_clear_failure(result)
    assert staffed_log.count() == before


@settings(max_examples=200, deadline=None)
@given(text=typed)
def test_anchor_text_parser(text):
    try:
        anchor = parse_anchor(text)
    except InfoshareError as exc:
        assert "\n" not in str(exc)
    else:
        assert anchor.count >= 1


@FUZZ
@given(
    text=st.one_of(
        typed,
        st.builds(
            lambda n, h, d: f"infoshare-anchor:v1:{n}:{h}:{d}",
            st.integers(min_value=-5, max_value=10**16),
            st.text(alphabet="0123456789abcdefABCDEFxyz", max_size=70),
            st.text(max_size=12),
        ),
    ).filter(_no_nul)
)
def test_anchor_text_on_the_command_line(staffed_log, text):
    before = staffed_log.path.read_bytes()
    result = run_cli(staffed_log.path, "verify", "--anchor", text)
    assert "Traceback" not in result.output
    assert "Something went wrong inside infoshare" not in result.output
    assert result.exit_code in (0, 1)
    if result.exit_code == 1 and result.stderr.strip():
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert staffed_log.path.read_bytes() == before
