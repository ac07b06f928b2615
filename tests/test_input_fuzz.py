"""Fuzz what people type or hand in: decision ids, case references, dates, anchors and
answers files. Always a clear error (never a traceback, never "something went wrong
inside infoshare"), and nothing written to the log."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import unicodedata

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.ledger_attacks import run_cli
from support.people import PASSPHRASES, PRIYA, SAM, answers_file_data
from support.reading import read_as

from infoshare_cli.domain.case_refs import DIGIT_PROBLEM, lookalike_problem
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


# --- a case reference and a date: refused exactly, or stored as the rule says ---------------
#
# Valid passphrases are given, so the input under test is the only thing that can be
# refused. The rules are written out here, not taken from infoshare.

CASE_REF_HELP = (
    "Use your setting's own case reference for the child (for example C-1042), not the "
    "child's name: the log keeps as little personal data as it can."
)
UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # Unicode categories never shown


def case_ref_rule(value) -> tuple[str | None, str | None]:
    """(what the log stores, None) for an accepted case reference, (None, the refusal)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # `case_ref: 1042` in a file is a number, and fine
    if not isinstance(value, str):
        return None, "'case_ref' is missing: give the setting's case reference for the child."
    # NFKC (full-width and other compatibility forms made ordinary), spaces at the ends
    # dropped, runs of them made one
    cleaned = " ".join(unicodedata.normalize("NFKC", value).split())
    if not cleaned:
        return None, "The case reference cannot be empty. " + CASE_REF_HELP
    if len(cleaned) > 40:
        return None, "The case reference may be at most 40 characters long. " + CASE_REF_HELP
    if any(unicodedata.category(c) in UNPRINTABLE or (c.isspace() and c != " ") for c in cleaned):
        return None, "The case reference may only contain printable characters."
    for c in cleaned:  # no letter that passes for a Latin one, no digit but 0-9
        if c.isdigit() and c not in "0123456789":
            return None, "That case reference cannot be used: " + DIGIT_PROBLEM
        alphabet = unicodedata.name(c, "").split(" ")[0]
        if c.isalpha() and alphabet in ("CYRILLIC", "GREEK", "COPTIC", "ARMENIAN", "CHEROKEE",
                                        "LISU", "GEORGIAN", "TIFINAGH"):  # fmt: skip
            return None, "That case reference cannot be used: " + lookalike_problem(
                alphabet.capitalize()
            )
    return cleaned, None


def date_rule(value) -> str | None:
    """None for an accepted date (stored as given), else the refusal."""
    if isinstance(value, bool):
        return (
            "'asked_on': write yes and no in quotes (\"yes\"), or the file reads them as "
            "true/false."
        )
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return "'asked_on' needs some text."
    text = value.strip()
    try:
        real = dt.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        real = None
    shaped = len(text) == 10 and text[4] == text[7] == "-"
    digits = text[0:4] + text[5:7] + text[8:10]
    if real is None or not shaped or not (digits.isascii() and digits.isdigit()):
        return "'asked_on' needs a date written as year-month-day, like 2026-11-26."
    return None


def decide_with_passphrase(staffed_log, tmp_path, data):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(data), encoding="utf-8")
    return run_cli(staffed_log.path, "decide", "--answers", answers, input=PASSPHRASES[SAM] + "\n")


def assert_refused_exactly(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output.endswith(f"has 1 problem; nothing was written:\n  - {message}\n"), (
        result.output
    )


def newest_decision(staffed_log) -> dict:
    with staffed_log.open() as ledger, read_as(ledger):
        entry = ledger.get(ledger.count())
        assert entry.kind == "decision"
        return entry.payload


case_refs = st.one_of(
    st.text(max_size=50),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 /#.-]{0,44}", fullmatch=True),
    st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs", "Cc", "Cf"]), max_size=45),
    st.integers(),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(st.text(max_size=5), max_size=2),
    st.sampled_from(["C-1\x1b[2J", " c-7 ", "C-1\u200b", "Zoë 子", "x" * 40, "x" * 41, "\u3000"]),
)


@FUZZ
@given(case_ref=case_refs)
@example(case_ref="C-1\x1b[2J")
@example(case_ref="C-1\u202e2401")
@example(case_ref="  c-7   Jones ")
@example(case_ref=1042)
def test_case_references(staffed_log, tmp_path, case_ref):
    data = answers_file_data("do_not_share")
    data["case_ref"] = case_ref
    before = staffed_log.count()
    result = decide_with_passphrase(staffed_log, tmp_path, data)
    stored, refusal = case_ref_rule(case_ref)
    if refusal is not None:
        assert_refused_exactly(result, refusal)
        assert staffed_log.count() == before
    else:
        assert result.exit_code == 0, result.output
        assert staffed_log.count() == before + 1
        assert newest_decision(staffed_log)["case_ref"] == stored


# Without the characters every typed text refuses (controls, invisible formatting such as
# a soft hyphen, line separators): they add a second refusal of their own, tested apart.
no_controls = st.characters(exclude_categories=["Cc", "Cs", "Cf", "Zl", "Zp"])
days = st.one_of(
    st.dates().map(str),
    st.dates().map(lambda d: f"  {d} "),
    st.text(alphabet=no_controls, max_size=30),
    st.text(alphabet="0123456789-W ", max_size=12),
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
    ),  # fmt: skip
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.dates().map(str), max_size=2),
    st.sampled_from(
        [
            "2026-02-30",
            "2026-02-29",
            "2024-02-29",
            "20260203",
            "2026-W05-2",
            "٢٠٢٦-٠٢-٠٣",
            "2026-02-03T00:00",
            "2026/02/03",
            "0000-01-01",
        ]
    ),  # fmt: skip
)


@FUZZ
@given(day=days)
@example(day="2026-02-30")
@example(day="20260203")
@example(day="2026-W05-2")
@example(day=20260203)
@example(day="2024-02-29")
@example(day=" 2026-11-26 ")
def test_dates_in_answers(staffed_log, tmp_path, day):
    data = answers_file_data("seek_advice")
    data["outcome_record"]["asked_on"] = day
    before = staffed_log.count()
    result = decide_with_passphrase(staffed_log, tmp_path, data)
    refusal = date_rule(day)
    if refusal is not None:
        assert_refused_exactly(result, refusal)
        assert staffed_log.count() == before
    else:
        assert result.exit_code == 0, result.output
        assert staffed_log.count() == before + 1
        stored = newest_decision(staffed_log)["outcome_record"]["asked_on"]["answer"]
        assert stored.strip() == day.strip()


def test_the_rules_written_here_refuse_what_they_should():
    """The oracles above, on the cases the issue names (so they cannot drift to 'accept all')."""
    assert date_rule("2026-02-30") and date_rule("20260203") and date_rule("2026-W05-2")
    assert date_rule("2024-02-29") is None and date_rule(" 2026-11-26 ") is None
    assert case_ref_rule("C-1\x1b[2J")[1] and case_ref_rule("")[1] and case_ref_rule(None)[1]
    assert case_ref_rule("  c-7   Jones ") == ("c-7 Jones", None)


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


# --- anchors: the right one passes, every other one fails -----------------------------------


def chain_of(path) -> dict[int, tuple[str, str]]:
    """seq -> (hash, day it was recorded), read with plain sqlite3."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT seq, hash, recorded_at FROM entries").fetchall()
    finally:
        conn.close()
    return {seq: (digest, recorded_at[:10]) for seq, digest, recorded_at in rows}


def anchor_rule(text: str, chain: dict[int, tuple[str, str]]) -> bool:
    """Does this anchor hold for the log? Written out from the anchor's documented form,
    infoshare-anchor:v1:COUNT:HASH[:YYYY-MM-DD], as people copy it by hand: spaces and
    capitals do not matter, and the first 16 or more digits of the hash are enough. It holds
    when the log's entry number COUNT has that hash (the log may have grown since)."""
    parts = "".join(text.split()).lower().split(":")
    if len(parts) not in (4, 5) or parts[:2] != ["infoshare-anchor", "v1"]:
        return False
    count, digest = parts[2], parts[3]
    if not (count.isascii() and count.isdigit()) or int(count) not in chain:
        return False
    if not (16 <= len(digest) <= 64 and chain[int(count)][0].startswith(digest)):
        return False
    if len(parts) == 5 and parts[4]:
        try:
            dt.date.fromisoformat(parts[4])
        except ValueError:
            return False
        return len(parts[4]) == 10
    return True


@st.composite
def anchors_near(draw, chain: dict[int, tuple[str, str]]):
    """An anchor of the log, then perhaps spoiled in one way."""
    seq = draw(st.integers(1, len(chain)))
    digest, day = chain[seq]
    digest = digest[: draw(st.integers(12, 64))]
    count = str(seq)
    spoil = draw(st.sampled_from(["none", "count", "hash digit", "day", "case", "spaces"]))
    if spoil == "count":
        count = str(draw(st.integers(0, len(chain) + 3).filter(lambda n: n != seq)))
    elif spoil == "hash digit":
        i = draw(st.integers(0, len(digest) - 1))
        digest = digest[:i] + draw(st.sampled_from("0123456789abcdef")) + digest[i + 1 :]
    elif spoil == "day":
        day = draw(st.sampled_from(["2026-02-30", "26-11-29", "", "20261129", day]))
    elif spoil == "case":
        digest = digest.upper()
    text = f"infoshare-anchor:v1:{count}:{digest}:{day}"
    if spoil == "spaces":
        text = f"  {text[:20]} {text[20:]}\t"
    return text


def check_anchor(staffed_log, text: str) -> None:
    chain = chain_of(staffed_log.path)
    before = staffed_log.path.read_bytes()
    result = run_cli(staffed_log.path, "verify", "--anchor", text)
    assert "Traceback" not in result.output
    assert "Something went wrong inside infoshare" not in result.output
    assert result.exit_code == (0 if anchor_rule(text, chain) else 1), (text, result.output)
    if result.exit_code == 1 and result.stderr.strip():
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert staffed_log.path.read_bytes() == before


def test_every_entry_of_the_log_anchors_it_and_other_hashes_do_not(staffed_log):
    chain = chain_of(staffed_log.path)
    for seq, (digest, day) in chain.items():
        right = f"infoshare-anchor:v1:{seq}:{digest}:{day}"
        assert anchor_rule(right, chain)
        check_anchor(staffed_log, right)
        check_anchor(staffed_log, right.replace(digest, digest[::-1]))  # another hash
    head = max(chain)
    check_anchor(staffed_log, f"infoshare-anchor:v1:{head + 1}:{chain[head][0]}:")  # cut off


@FUZZ
@given(data=st.data())
def test_anchors_near_the_right_one(staffed_log, data):
    check_anchor(staffed_log, data.draw(anchors_near(chain_of(staffed_log.path))))


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
    check_anchor(staffed_log, text)
