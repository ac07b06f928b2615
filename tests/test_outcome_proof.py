"""The outcome is proved, not trusted.

The log keeps the full text of each question set a decision was taken under (a signed
``questions`` entry, written once); every decision names it by fingerprint; readers label a
decision with its own set, never with a ``--questions`` file that differs; and ``verify``
recomputes every decision's outcome from its answers, naming any that does not follow, even
when an insider signed it with their real key.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from support.people import ALEX, PASSPHRASES, SAM, answers_file_data, payload_by, signer

from infoshare_cli.actions.private import append_sealed, new_record
from infoshare_cli.checklist.loading import load_question_set, parse_question_set
from infoshare_cli.domain.decisions import Draft, decision_payload
from infoshare_cli.domain.routing import Answer
from infoshare_cli.integrity.verify import verify_path

REPO = Path(__file__).resolve().parent.parent
EARLIER = REPO / "infoshare_cli" / "checklist" / "earlier_sets" / "2018.1.yaml"


def insider(ledger, payload: dict) -> int:
    """A decision written and signed by Sam with his real key, sealed as the tool seals it."""
    sam = signer(ledger, SAM)
    return append_sealed(ledger, "decision", sam, payload, new_record(ledger, sam)).seq


def verify_as(cli, staffed_log) -> dict:
    """`verify --as Alex --json`: the sealed content opened and every outcome recomputed."""
    result = cli(
        "verify", "--as", ALEX, "--json", input=PASSPHRASES[ALEX] + "\n", db=staffed_log.path
    )
    return json.loads(result.stdout)


def decide(cli, staffed_log, tmp_path, outcome: str, *extra: str):
    path = tmp_path / f"{outcome}.yaml"
    path.write_text(yaml.safe_dump(answers_file_data(outcome)), encoding="utf-8")
    result = cli(
        "decide", "--answers", path, *extra, input=PASSPHRASES[SAM] + "\n", db=staffed_log.path
    )
    assert result.exit_code == 0, result.output
    with staffed_log.open() as ledger:
        return ledger.head().seq


def kinds(staffed_log) -> list[str]:
    with staffed_log.open() as ledger:
        return [e.kind for e in ledger.entries()]


def test_a_settings_own_set_is_kept_once_signed_by_the_decider(cli, staffed_log, tmp_path, qset):
    before = kinds(staffed_log)
    # the built-in set ships with the tool (today's and every earlier version): it is named
    # by its fingerprint and found without being copied into the log
    first = decide(cli, staffed_log, tmp_path, "share")
    ours = relabelled(tmp_path)
    second = decide(cli, staffed_log, tmp_path, "do_not_share", "--questions", str(ours))
    third = decide(cli, staffed_log, tmp_path, "seek_advice", "--questions", str(ours))
    assert kinds(staffed_log) == before + ["decision", "questions", "decision", "decision"]
    with staffed_log.open() as ledger:
        kept = ledger.get(second - 1)
        assert kept.actor == ledger.get(second).actor  # signed by the decider
        text = ours.read_text(encoding="utf-8")
        assert kept.payload["text"] == text
        assert kept.payload["sha256"] == hashlib.sha256(text.encode()).hexdigest()
        assert ledger.get(first).payload["question_set"]["sha256"] == qset.sha256
        for seq in (second, third):
            assert ledger.get(seq).payload["question_set"]["sha256"] == kept.payload["sha256"]
    assert verify_path(staffed_log.path).ok
    content = verify_as(cli, staffed_log)["content"]
    assert content["ok"] and content["outcomes_recomputed"] == 3
    assert content["other_question_set"] == 0


def test_verify_names_a_signed_decision_whose_outcome_does_not_follow(cli, staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        honest = payload_by(qset, sam, "do_not_share")
        forged = dict(honest, outcome="share")  # the answers say: no purpose, do not share
        insider(ledger, honest)
        bad = insider(ledger, forged)
        insider(ledger, honest)
    # every hash, link and signature holds; the outcome is in the clear, the answers sealed
    plain = verify_path(staffed_log.path)
    assert plain.first_bad is None and plain.outcomes == []
    content = verify_as(cli, staffed_log)["content"]
    assert content["ok"] is False
    assert [p["seq"] for p in content["problems"]] == [bad]
    assert content["outcomes_recomputed"] == 2
    message = content["problems"][0]["message"]
    assert "It records the outcome 'share', but its answers lead to 'do_not_share'" in message
    assert "The recorded outcome does not follow from the answers." in message
    result = cli("verify", "--as", ALEX, input=PASSPHRASES[ALEX] + "\n", db=staffed_log.path)
    assert result.exit_code == 1
    assert f"#{bad}" in result.output


def test_verify_names_a_forged_basis_and_a_forged_urgency(cli, staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        honest = payload_by(qset, sam, "share_without_consent")
        basis = insider(ledger, dict(honest, basis=["statutory duty or court order"]))
        urgent = insider(ledger, dict(honest, urgent=True))
    problems = verify_as(cli, staffed_log)["content"]["problems"]
    assert [p["seq"] for p in problems] == [basis, urgent]
    assert "basis for sharing" in problems[0]["message"]
    assert "urgent route" in problems[1]["message"]


def test_a_kept_set_whose_text_was_changed_is_found(staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        payload = {**qset.identity, "text": qset.text.replace("Share", "Sh4re", 1)}
        seq = ledger.append("questions", sam.staff_id, payload, sam.sign).seq
    report = verify_path(staffed_log.path)
    assert not report.ok
    assert [p.seq for p in report.outcomes] == [seq]
    assert "does not match its fingerprint" in report.outcomes[0].message


def test_plain_verify_lists_sealed_decisions_as_not_recomputed_here(cli, staffed_log, tmp_path):
    seq = decide(cli, staffed_log, tmp_path, "share")
    report = verify_path(staffed_log.path)
    assert report.ok and list(report.sealed) == [seq] and report.recomputed == 0
    result = cli("verify", db=staffed_log.path)
    assert "1 decision with sealed answers (readable only with a passphrase)" in result.output


def old_payload(sam) -> tuple[dict, dict]:
    """A decision taken under the 2018.1 set, before the log kept sets: honest and forged."""
    old = parse_question_set(EARLIER.read_bytes(), "2018.1", policy=False)
    answers = {
        "urgent": Answer("yes"),  # under 2018.1 urgent answers could still end in do not share
        "purpose": Answer("no", "No reason to share."),
    }
    honest = decision_payload(old, Draft("C-7", sam.staff_id, answers))
    assert honest["outcome"] == "do_not_share"
    return honest, dict(honest, outcome="seek_advice")


def test_old_decisions_are_recomputed_under_the_built_in_set_of_their_version(cli, staffed_log):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        honest, forged = old_payload(sam)
        insider(ledger, honest)
        bad = insider(ledger, forged)
    assert "questions" not in kinds(staffed_log)  # the 2018.1 set is not in the log
    content = verify_as(cli, staffed_log)["content"]
    assert content["outcomes_recomputed"] == 1 and content["other_question_set"] == 0
    assert [p["seq"] for p in content["problems"]] == [bad]


# Every version of questions.yaml the tool has shipped, with the SHA-256 decisions taken
# under it record (written out by hand, not read from any infoshare code): each is kept
# byte for byte in checklist/earlier_sets, so those decisions can always be shown and
# recomputed. Publishing a new version adds the one it replaces here.
SHIPPED_SETS = {
    "2018.1": "fd0e7858467e901d27508ec7a5ef8bfaa4050719788ec3387813e3a4ad621ad5",
    "2018.2": "2131dadde60df88d5e1762ec9f7d0fa97f4495ac06f36ab566d66f9a13dae347",
    "2018.3": "41ec595620e2757f5eb841bc01c7bb843c4f78a7db9966532ef42dc3459e59e3",
}


def test_every_earlier_set_is_kept_and_only_those():
    kept = {path.stem: path for path in EARLIER.parent.glob("*.yaml")}
    assert sorted(kept) == sorted(SHIPPED_SETS)
    for version, sha256 in SHIPPED_SETS.items():
        assert hashlib.sha256(kept[version].read_bytes()).hexdigest() == sha256, version
    assert load_question_set().version not in SHIPPED_SETS


@pytest.mark.parametrize("version", sorted(SHIPPED_SETS))
def test_a_decision_under_each_earlier_set_is_shown_under_its_own_version(
    cli, staffed_log, version
):
    """A decision taken under an earlier set is found by fingerprint, shown with its own
    version, and recomputed by verify, though the log does not hold the set."""
    old = parse_question_set(
        (EARLIER.parent / f"{version}.yaml").read_bytes(), version, policy=False
    )
    assert (old.version, old.sha256) == (version, SHIPPED_SETS[version])
    answers = {"urgent": Answer("no"), "purpose": Answer("no", "No reason to share.")}
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        payload = decision_payload(old, Draft("C-7", sam.staff_id, answers))
        seq = insider(ledger, payload)
    assert "questions" not in kinds(staffed_log)
    shown = cli("show", f"e{seq}", db=staffed_log.path)
    assert shown.exit_code == 0, shown.output
    assert f"Question set: Information sharing checklist version {version}\n" in shown.output
    assert "Do not share" in shown.output and "different question set" not in shown.output
    content = verify_as(cli, staffed_log)["content"]
    assert content["ok"] is True
    assert content["outcomes_recomputed"] == 1 and content["other_question_set"] == 0


def test_a_decision_whose_set_is_nowhere_is_listed_not_failed(cli, staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        payload = payload_by(qset, sam, "share")
        payload["question_set"] = dict(payload["question_set"], sha256="ab" * 32)
        insider(ledger, payload)
    content = verify_as(cli, staffed_log)["content"]
    assert content["ok"] is True
    assert content["other_question_set"] == 1 and content["outcomes_recomputed"] == 0


def relabelled(tmp_path) -> Path:
    path = tmp_path / "ours.yaml"
    text = (REPO / "questions.yaml").read_text(encoding="utf-8")
    text = text.replace("    label: Do not share\n", "    label: Keep it in the setting\n")
    path.write_text(text, encoding="utf-8")
    load_question_set(path)  # a valid set
    return path


def test_a_questions_file_that_differs_cannot_relabel_a_decision(cli, staffed_log, tmp_path):
    seq = decide(cli, staffed_log, tmp_path, "do_not_share")
    ours = relabelled(tmp_path)
    shown = cli("show", f"e{seq}", "--questions", ours, db=staffed_log.path).output
    assert "Do not share" in shown
    assert "Keep it in the setting" not in shown
    for fmt in ("md", "html"):
        page = cli("show", f"e{seq}", "--format", fmt, "--questions", ours, db=staffed_log.path)
        assert "Do not share" in page.output and "Keep it in the setting" not in page.output


def test_a_decision_taken_under_a_settings_own_set_keeps_its_words(cli, staffed_log, tmp_path):
    ours = relabelled(tmp_path)
    seq = decide(cli, staffed_log, tmp_path, "do_not_share", "--questions", str(ours))
    # shown with the built-in set loaded, it still says what it said when it was taken
    shown = cli("show", f"e{seq}", db=staffed_log.path).output
    assert "Keep it in the setting" in shown
    assert "different question set" not in shown
    ours.unlink()  # the file on disk is gone: the log still has the words
    shown = cli("show", f"e{seq}", db=staffed_log.path).output
    assert "Keep it in the setting" in shown
    content = verify_as(cli, staffed_log)["content"]
    assert content["ok"] and content["outcomes_recomputed"] == 1


def test_sealed_decisions_with_any_number_are_listed():
    """The sealed decisions are kept compactly; a number no compact array holds (a table
    remade by hand) is listed as it is, never a crash."""
    from infoshare_cli.integrity.outcomes import OutcomeCheck

    check = OutcomeCheck()
    for seq in (7, 0.5, "8", 9):
        check.decision(seq, "2026-11-30T10:00:00Z", {"sealed": {}})
    assert list(check.found.sealed) == [7, 0.5, "8", 9]


def test_a_decision_in_the_clear_whose_outcome_does_not_follow_is_named(staffed_log, qset):
    """A decision whose answers are not sealed (a log from before encryption) is
    recomputed by plain verify: a recorded outcome its answers do not lead to is named,
    as the decision it is, in words."""
    from infoshare_cli.integrity.outcomes import OutcomeCheck

    with staffed_log.open() as ledger:
        honest = payload_by(qset, signer(ledger, SAM), "do_not_share")
    assert "sealed" not in honest
    check = OutcomeCheck()
    check.decision(7, "2026-11-30T10:00:00.000000Z", dict(honest, outcome="share"))
    check.decision(8, "2026-11-30T10:01:00.000000Z", honest)
    assert check.found.recomputed == 2
    [problem] = check.found.problems
    assert (problem.code, problem.seq, problem.kind) == ("outcome", 7, "decision")
    assert problem.message.startswith("Entry #7 (a decision, ")
    assert "): It records the outcome 'share', but its answers lead to 'do_not_share'" in (
        problem.message
    )
    assert problem.message.endswith(". The recorded outcome does not follow from the answers.")
