"""Reading decisions back out of the log: one decision with everything that points at it.

No terminal code: views render these records, commands fetch them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import localtime as _localtime

from infoshare_cli.domain.status import Status, decision_status, standing_cosignature
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.erasures import is_erased
from infoshare_cli.reading.register import load_register
from infoshare_cli.reading.trust import KeyRing


@dataclass
class DecisionRecord:
    entry: Entry
    cosigns: list[Entry] = field(default_factory=list)
    corrections: list[Entry] = field(default_factory=list)
    revisited_by: list[int] = field(default_factory=list)
    erased: bool = False  # two managers erased its content (reading.erasures)

    @property
    def id(self) -> int:
        return self.entry.seq

    @property
    def payload(self) -> dict:
        return self.entry.payload

    def open_all(self) -> None:
        """Parse (and, inside ``ledger.sealing.reading``, open) every entry's payload now,
        so the record can still be shown after the reader's keys are gone."""
        for entry in (self.entry, *self.cosigns, *self.corrections):
            entry.payload  # noqa: B018 (parsed and cached)

    @property
    def verdict(self) -> str | None:
        standing = standing_cosignature(
            self.entry.actor, ((c.actor, c.payload) for c in self.cosigns)
        )
        return standing[1] if standing else None

    @property
    def status(self) -> Status:
        return decision_status(
            self.verdict, bool(self.revisited_by), bool(self.corrections), self.erased
        )


def parse_id(text: str | int) -> int:
    """A decision id as people type it: 42 or #42."""
    cleaned = str(text).strip().lstrip("#")
    # isascii: str.isdigit() is also true of '²' and other digits int() refuses.
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 12 or int(cleaned) < 1:
        raise InfoshareError(
            # The typed text is not repeated: it could be a child's name typed by mistake.
            "That is not a decision id. Ids are whole numbers such as 42, as shown by "
            f"{command('pending')} or {command('log')}."
        )
    return int(cleaned)


def load_decision(ledger: Ledger, decision_id: int) -> DecisionRecord:
    entry = ledger.get(decision_id)
    if entry is None:
        raise InfoshareError(
            f"There is no decision #{decision_id} in this log. "
            f"See {command('pending')} or {command('log')} for decision ids."
        )
    if entry.kind != "decision":
        raise InfoshareError(
            f"Entry #{decision_id} is a {entry.kind} entry, not a decision. "
            f"See {command('pending')} or {command('log')} for decision ids."
        )
    record = DecisionRecord(entry)
    sql = (
        "SELECT seq FROM entries WHERE kind = ? AND json_extract(payload, '$.decision') = ? "
        "ORDER BY seq"
    )
    for kind, target in (("cosign", record.cosigns), ("correction", record.corrections)):
        for (seq,) in ledger.conn.execute(sql, [kind, decision_id]).fetchall():
            related = ledger.get(seq)
            if related is None:  # only if the file was changed under us: the log only grows
                raise InfoshareError(
                    f"Entry #{seq} went missing while decision #{decision_id} was being read. "
                    "Run `infoshare verify` to check the log."
                )
            target.append(related)
    rows = ledger.conn.execute(
        "SELECT seq FROM entries WHERE kind = 'decision' "
        "AND json_extract(payload, '$.revisits') = ? ORDER BY seq",
        [decision_id],
    ).fetchall()
    record.revisited_by = [seq for (seq,) in rows]
    record.erased = is_erased(ledger, decision_id)
    return record


def signature_ok(ledger: Ledger, entry: Entry) -> bool:
    """Would ``verify`` accept this entry's signature and signer, as things stood then?"""
    entries = [entry]
    if entry.kind in ("cosign", "correction"):
        target = entry.payload.get("decision")
        decision = ledger.get(target) if type(target) is int else None
        if decision is not None and decision.kind == "decision":
            entries.insert(0, decision)
    return KeyRing(ledger, entry.seq).check_record(entries)[entry.seq] is None


def record_problems(ledger: Ledger, record: DecisionRecord) -> dict[int, str | None]:
    """Each entry of a decision (it, its co-signatures, corrections): None if it passes the
    checks ``verify`` makes, else why not (see :mod:`infoshare_cli.reading.trust`)."""
    entries = [record.entry, *record.cosigns, *record.corrections]
    keyring = KeyRing(ledger, max(e.seq for e in entries))
    return keyring.check_record(entries)


def record_signatures(ledger: Ledger, record: DecisionRecord) -> dict[int, bool]:
    """Whether each entry of a decision passes the checks ``verify`` makes."""
    return {seq: problem is None for seq, problem in record_problems(ledger, record).items()}


def staff_names(ledger: Ledger) -> dict[str, str]:
    return {sid: m.name for sid, m in load_register(ledger).items()}


def age_text(recorded_at: str, now: datetime | None = None) -> str:
    """How long ago, in words: '3 days', '5 hours', 'just now'."""
    then = parse_time(recorded_at)
    seconds = int(((now or datetime.now(UTC)) - then).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return counted(seconds // size, unit)
    return "just now"


def parse_time(recorded_at: str) -> datetime:
    return datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))


def local_time(recorded_at: str) -> str:
    """UTC as stored, shown in the computer's local time (as ``astimezone()`` gives it).

    ``time.localtime`` directly, and no strftime: an export calls this for every decision.
    """
    t = _localtime(parse_time(recorded_at).timestamp())
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} {t.tm_hour:02d}:{t.tm_min:02d}"
