"""Two terminals at once: a person unlocks their key, spends minutes in the checklist, and
meanwhile someone in another window changes the register or the same decision. What is
written at the end must still follow the rules `verify` checks, or nothing is written.
"""

from __future__ import annotations

import pytest
from support.people import (
    ALEX,
    PRIYA,
    SAM,
    payload_by,
    signer,
)

from infoshare_cli.actions.corrections import append_correction
from infoshare_cli.actions.deciding import cosign_existing, write_decision
from infoshare_cli.actions.exporting import run_export
from infoshare_cli.actions.staff import add_member, change_passphrase, deactivate_member
from infoshare_cli.domain.staff import find_member
from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.filters import make_filters
from infoshare_cli.reading.records import load_decision
from infoshare_cli.reading.register import load_register


@pytest.fixture
def two(staffed_log):
    """Two connections to the same log: two terminals."""
    a, b = Ledger.open(staffed_log.path), Ledger.open(staffed_log.path)
    yield a, b
    a.close()
    b.close()


def assert_refused_and_log_verifies(path, ledger, before, call, message):
    with pytest.raises(InfoshareError) as caught:
        call()
    assert message in caught.value.message
    assert "Nothing was written" in caught.value.message
    assert ledger.count() == before
    report = verify_path(path)
    assert report.ok, [p.message for p in report.problems]


def test_decider_changes_passphrase_in_another_window_before_the_decision_is_written(
    staffed_log, two, qset
):
    a, b = two
    alex = signer(a, ALEX)
    payload = payload_by(qset, alex)
    change_passphrase(b, signer(b, ALEX), "a brand new passphrase")
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: write_decision(a, alex, payload, None, None),
        "was changed in the meantime",
    )


def test_cosigner_deactivated_in_another_window_before_the_decision_is_written(
    staffed_log, two, qset
):
    a, b = two
    sam, priya = signer(a, SAM), signer(a, PRIYA)
    payload = payload_by(qset, sam)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), PRIYA))
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: write_decision(a, sam, payload, priya, ("agree", "")),
        "has been deactivated",
    )


def test_decider_deactivated_in_another_window_before_the_decision_is_written(
    staffed_log, two, qset
):
    a, b = two
    sam = signer(a, SAM)
    payload = payload_by(qset, sam)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), SAM))
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: write_decision(a, sam, payload, None, None),
        "has been deactivated",
    )


def test_two_managers_cosigning_the_same_decision_at_once(staffed_log, two, qset):
    a, b = two
    sam = signer(a, SAM)
    decision = write_decision(a, sam, payload_by(qset, sam), None, None).decision
    # Both load the pending decision and unlock their keys...
    record_a, record_b = load_decision(a, decision.seq), load_decision(b, decision.seq)
    priya, alex = signer(a, PRIYA), signer(b, ALEX)
    # ...Alex saves first; Priya's co-signature must not be added on top.
    cosign_existing(b, record_b, alex, "agree", "")
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: cosign_existing(a, record_a, priya, "disagree", "Not enough evidence."),
        "has already been co-signed",
    )
    assert load_decision(a, decision.seq).status.label() == "agreed"


def test_two_windows_taking_the_same_decision_again_at_once(staffed_log, two, qset):
    a, b = two
    sam = signer(a, SAM)
    old = write_decision(a, sam, payload_by(qset, sam), None, None).decision.seq
    alex_b = signer(b, ALEX)
    write_decision(b, alex_b, payload_by(qset, alex_b, revisits=old), None, None)
    payload = payload_by(qset, sam, revisits=old)  # checked before the other window saved
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: write_decision(a, sam, payload, None, None),
        "has already been taken again",
    )


def test_two_windows_deactivating_the_last_two_managers_at_once(staffed_log, two):
    a, b = two
    alex, priya = signer(a, ALEX), signer(b, PRIYA)
    # Each checked the register before the other wrote: two active managers.
    alex_member = find_member(load_register(a), ALEX)
    priya_member = find_member(load_register(a), PRIYA)
    deactivate_member(b, priya, alex_member)
    before = a.count()
    with pytest.raises(InfoshareError):
        deactivate_member(a, alex, priya_member)
    assert a.count() == before
    assert verify_path(staffed_log.path).ok


def test_manager_deactivated_in_another_window_cannot_then_add_staff(staffed_log, two):
    a, b = two
    priya = signer(a, PRIYA)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), PRIYA))
    before = a.count()
    with pytest.raises(InfoshareError) as caught:
        add_member(a, priya, "Kim Doe", "practitioner", "kim passphrase five")
    assert "has been deactivated" in caught.value.message
    assert a.count() == before
    assert verify_path(staffed_log.path).ok


def test_corrector_deactivated_in_another_window_before_the_correction_is_written(
    staffed_log, two, qset
):
    a, b = two
    sam = signer(a, SAM)
    decision = write_decision(a, sam, payload_by(qset, sam), None, None).decision
    record = load_decision(a, decision.seq)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), SAM))
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: append_correction(a, record, sam, "The date.", "The 3rd.", "Typo."),
        "has been deactivated",
    )


def test_exporter_deactivated_in_another_window_while_the_export_is_written(
    staffed_log, two, qset, tmp_path
):
    a, b = two
    priya = signer(a, PRIYA)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), PRIYA))
    before = a.count()
    out = tmp_path / "export.csv"
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: run_export(a, priya, qset, fmt="csv", filters=make_filters(), path=out),
        "has been deactivated in the meantime (in another window) and can no longer sign. "
        "Nothing was written.",
    )
    assert not out.exists()
