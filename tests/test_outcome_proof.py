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

import yaml
from support.people import PASSPHRASES, SAM, answers_file_data, payload_by, signer

from infoshare_cli.checklist.loading import load_question_set, parse_question_set
from infoshare_cli.domain.decisions import Draft, decision_payload
from infoshare_cli.domain.routing import Answer
from infoshare_cli.integrity.verify import verify_path

REPO = Path(__file__).resolve().parent.parent
EARLIER = REPO / "infoshare_cli" / "checklist" / "earlier_sets" / "2018.1.yaml"


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
    report = verify_path(staffed_log.path)
    assert report.ok, [p.message for p in report.problems]
    assert report.recomputed == 3 and report.not_recomputed == []


def test_verify_names_a_signed_decision_whose_outcome_does_not_follow(cli, staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        honest = payload_by(qset, sam, "do_not_share")
        forged = dict(honest, outcome="share")  # the answers say: no purpose, do not share
        ledger.append("decision", sam.staff_id, honest, sam.sign)
        bad = ledger.append("decision", sam.staff_id, forged, sam.sign).seq
        ledger.append("decision", sam.staff_id, honest, sam.sign)
    report = verify_path(staffed_log.path)
    assert not report.ok
    assert report.first_bad is None  # every hash, link and signature holds
    assert [p.seq for p in report.outcomes] == [bad]
    assert report.recomputed == 3
    message = report.outcomes[0].message
    assert message.startswith(f"Entry #{bad} (a decision")
    assert "It records the outcome 'share', but its answers lead to 'do_not_share'" in message
    assert "The recorded outcome does not follow from the answers." in message

    result = cli("verify", db=staffed_log.path)
    assert result.exit_code == 1
    assert "does NOT verify" in result.output
    assert f"Entry #{bad} (a decision" in result.output
    result = cli("verify", "--json", db=staffed_log.path)
    found = json.loads(result.stdout)
    assert found["ok"] is False
    assert [p["seq"] for p in found["outcomes"]["problems"]] == [bad]


def test_verify_names_a_forged_basis_and_a_forged_urgency(staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        honest = payload_by(qset, sam, "share_without_consent")
        basis = ledger.append(
            "decision",
            sam.staff_id,
            dict(honest, basis=["statutory duty or court order"]),
            sam.sign,
        ).seq
        urgent = ledger.append("decision", sam.staff_id, dict(honest, urgent=True), sam.sign).seq
    report = verify_path(staffed_log.path)
    assert [p.seq for p in report.outcomes] == [basis, urgent]
    assert "basis for sharing" in report.outcomes[0].message
    assert "urgent route" in report.outcomes[1].message


def test_a_kept_set_whose_text_was_changed_is_found(staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        payload = {**qset.identity, "text": qset.text.replace("Share", "Sh4re", 1)}
        seq = ledger.append("questions", sam.staff_id, payload, sam.sign).seq
    report = verify_path(staffed_log.path)
    assert [p.seq for p in report.outcomes] == [seq]
    assert "does not match its fingerprint" in report.outcomes[0].message


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


def test_old_decisions_are_recomputed_under_the_built_in_set_of_their_version(staffed_log):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        honest, forged = old_payload(sam)
        ledger.append("decision", sam.staff_id, honest, sam.sign)
        bad = ledger.append("decision", sam.staff_id, forged, sam.sign).seq
    assert "questions" not in kinds(staffed_log)  # an old log: no set kept
    report = verify_path(staffed_log.path)
    assert report.recomputed == 2 and report.not_recomputed == []
    assert [p.seq for p in report.outcomes] == [bad]


def test_a_decision_whose_set_is_nowhere_is_listed_not_failed(cli, staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        payload = payload_by(qset, sam, "share")
        payload["question_set"] = dict(payload["question_set"], sha256="ab" * 32)
        seq = ledger.append("decision", sam.staff_id, payload, sam.sign).seq
    report = verify_path(staffed_log.path)
    assert report.ok
    assert report.not_recomputed == [seq] and report.recomputed == 0
    result = cli("verify", db=staffed_log.path)
    assert result.exit_code == 0, result.output
    assert f"Not recomputed: decision #{seq}" in result.output


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
    shown = cli("show", str(seq), "--questions", ours, db=staffed_log.path).output
    assert "Do not share" in shown
    assert "Keep it in the setting" not in shown
    for fmt in ("md", "html"):
        page = cli("show", str(seq), "--format", fmt, "--questions", ours, db=staffed_log.path)
        assert "Do not share" in page.output and "Keep it in the setting" not in page.output


def test_a_decision_taken_under_a_settings_own_set_keeps_its_words(cli, staffed_log, tmp_path):
    ours = relabelled(tmp_path)
    seq = decide(cli, staffed_log, tmp_path, "do_not_share", "--questions", str(ours))
    # shown with the built-in set loaded, it still says what it said when it was taken
    shown = cli("show", str(seq), db=staffed_log.path).output
    assert "Keep it in the setting" in shown
    assert "different question set" not in shown
    ours.unlink()  # the file on disk is gone: the log still has the words
    shown = cli("show", str(seq), db=staffed_log.path).output
    assert "Keep it in the setting" in shown
    report = verify_path(staffed_log.path)
    assert report.ok and report.recomputed == 1
