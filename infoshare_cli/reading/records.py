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
from infoshare_cli.ledger.numbering import numbers_of
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.erasures import is_erased
from infoshare_cli.reading.register import load_register
from infoshare_cli.reading.trust import KeyRing


@dataclass
class DecisionRecord:
    entry: Entry
    cosigns: list[Entry] = field(default_factory=list)
    corrections: list[Entry] = field(default_factory=list)
    revisited_by: list[int] = field(default_factory=list)  # the later decisions' seqs
    erased: bool = False  # two managers erased its content (reading.erasures)
    # Decision numbers, as people name decisions (ledger.numbering): this one's, the one it
    # takes again, and those that take it again. Seqs above stay what entries point at.
    number: int | None = None
    revisits_number: int | None = None
    revisited_by_numbers: list[int] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The decision entry's seq: what co-signatures, corrections and revisits name."""
        return self.entry.seq

    @property
    def label(self) -> str:
        """'Decision 4', as every screen names it."""
        return f"Decision {self.number}" if self.number is not None else f"Entry #{self.id}"

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


def find_decision(ledger: Ledger, typed: str | int) -> DecisionRecord:
    """The decision a person named (its number, or ``e12`` for an entry), or a plain error."""
    from infoshare_cli.reading.numbers import decision_seq, parse_ref

    return load_decision(ledger, decision_seq(ledger, parse_ref(typed)))


def load_decision(ledger: Ledger, decision_id: int) -> DecisionRecord:
    """The decision whose entry is ``decision_id`` (a seq), with all that points at it."""
    entry = ledger.get(decision_id)
    if entry is None or entry.kind != "decision":
        # Callers pass seqs they found in the log; people's numbers go through find_decision.
        raise InfoshareError(
            f"Entry #{decision_id} is not a decision. {command('log')} lists the decisions "
            "with their numbers."
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
                    f"Entry #{seq} went missing while a decision was being read. "
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
    revisits = entry.payload.get("revisits")
    linked = [revisits] if type(revisits) is int else []
    numbers = numbers_of(ledger.conn, [decision_id, *linked, *record.revisited_by])
    record.number = numbers.get(decision_id)
    record.revisits_number = numbers.get(revisits) if type(revisits) is int else None
    record.revisited_by_numbers = [numbers[s] for s in record.revisited_by if s in numbers]
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
