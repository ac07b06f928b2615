"""Recording the setting's retention rule and per-case dates (signed by a manager), and
erasing the records that are due in one co-signed step."""

from __future__ import annotations

from datetime import date

from infoshare_cli.actions.erasing import Erasure, erase_decisions
from infoshare_cli.actions.private import opened_for
from infoshare_cli.domain.retention import RetentionRule, retain_until_payload
from infoshare_cli.domain.staff import current_signer, require_manager
from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.filters import make_filters
from infoshare_cli.reading.queries import iter_decisions
from infoshare_cli.reading.register import load_register
from infoshare_cli.reading.retention import retention_state


def _append_setting(ledger: Ledger, manager: Signer, payload: dict, doing: str) -> Entry:
    require_manager(manager.member, doing)
    with ledger.batch():
        require_manager(current_signer(load_register(ledger), manager), doing)
        return ledger.append("setting", manager.staff_id, payload, manager.sign)


def record_rule(ledger: Ledger, manager: Signer, rule: RetentionRule) -> Entry:
    """The setting's retention rule from now on, as a signed entry."""
    return _append_setting(ledger, manager, rule.as_payload(), "record the retention rule")


def case_decisions(ledger: Ledger, case_ref: str) -> list[int]:
    """The ids of the decisions of one case, as the readers find them."""
    return [
        r["id"] for r in iter_decisions(ledger, make_filters(case=case_ref), newest_first=False)
    ]


def record_case_date(ledger: Ledger, manager: Signer, case_ref: str, until: date) -> Entry:
    """Keep the decisions a case holds now until ``until``; the entry names them by id."""
    with opened_for(ledger, manager):  # the case references are sealed: opened for them
        ids = case_decisions(ledger, case_ref)
    if not ids:
        raise InfoshareError("There are no decisions for that case reference. Nothing was written.")
    return _append_setting(
        ledger, manager, retain_until_payload(until, ids), "record a retention date"
    )


def erase_due(
    ledger: Ledger, eraser: Signer, cosigner: Signer, today: date, why: str = ""
) -> Erasure:
    """Erase every decision due by ``today``, in one co-signed step."""
    state = retention_state(ledger, today)
    if not state.due:
        raise InfoshareError("No records are due for erasure. Nothing was erased.")
    reason = why.strip() or f"Under the setting's rule, {state.rule.describe()}."
    return erase_decisions(
        ledger, eraser, cosigner, [d.decision for d in state.due], "retention", reason
    )
