"""The setting's retention rule and per-case dates as the log records them, and which
decisions they make due (``domain/retention.py`` holds the rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from infoshare_cli.domain.retention import (
    Due,
    RetentionRule,
    dates_from_payload,
    due_decisions,
    rule_from_payload,
)
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.erasures import erased_decisions
from infoshare_cli.reading.register import load_register


@dataclass
class RetentionState:
    rule: RetentionRule
    rule_by: str | None  # who recorded the rule in force (None: the default, keep)
    rule_at: str | None
    dates: dict[int, date] = field(default_factory=dict)
    due: list[Due] = field(default_factory=list)
    not_erasable: list[int] = field(default_factory=list)  # due, but without a record key


def _day(recorded_at: str) -> date:
    return datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).date()


def retention_state(ledger: Ledger, today: date) -> RetentionState:
    """The rule in force (the newest recorded; keep if none), the per-case dates, and the
    decisions due by ``today`` that are not erased yet."""
    names = {sid: m.name for sid, m in load_register(ledger).items()}
    state = RetentionState(RetentionRule(), None, None)
    for entry in ledger.entries(kinds=("setting",)):
        rule = rule_from_payload(entry.seq, entry.payload)
        if rule is not None:
            state.rule = rule
            state.rule_by, state.rule_at = names.get(entry.actor, entry.actor), entry.recorded_at
        state.dates.update(dates_from_payload(entry.payload))
    taken = []
    with_record = set()
    rows = ledger.conn.execute(
        "SELECT seq, recorded_at, json_type(payload, '$.record') = 'text' FROM entries "
        "WHERE kind = 'decision' ORDER BY seq"
    )
    for seq, recorded_at, has_record in rows:
        taken.append((seq, _day(recorded_at)))
        if has_record:
            with_record.add(seq)
    due = due_decisions(state.rule, taken, state.dates, erased_decisions(ledger), today)
    state.due = [d for d in due if d.decision in with_record]
    state.not_erasable = [d.decision for d in due if d.decision not in with_record]
    return state
