"""Write a realistic infoshare log of N decisions, quickly.

    python benchmarks/make_log.py 100000 --db /tmp/big.sqlite3

The log is what ten years of a group of settings would leave behind: a setting and its
staff registered through the real staff code (Argon2-sealed keys, signed ``staff``
entries; a manager joins later, a practitioner leaves, a manager changes passphrase), then
decisions along every route of ``questions.yaml`` to all four outcomes, with reasons of a
few sentences, built and checked by the real ``decisions.decision_payload``. Most are
co-signed at once; some later, some disagreed with and taken again, seek-advice decisions
taken again once advice arrives, a few corrected, and the newest few still awaiting
co-signature. ``recorded_at`` times are spread over about ten years and always increase.

Speed: only the handful of staff entries go through ``Ledger.append`` (with the clock set
to the simulated time); every other entry is built exactly as ``Ledger.append`` builds it
(payload copy with a uuid4 ``id``, canonical JSON, ``log.compute_hash`` over the previous
hash, the signer's real Ed25519 signature over the raw hash) and inserted with
``executemany`` in large transactions. The triggers only refuse UPDATE and DELETE, so
anything a migration hangs off INSERT (indexes, search tables) is fed as for a real append.
The rows are indistinguishable from real appends, and ``infoshare verify`` passes.

The passphrase of every generated staff member is ``PASSPHRASE`` below (for benchmarks
that append to the log: ``infoshare decide --answers F --by "Alex Morgan"``).
"""

from __future__ import annotations

import argparse
import queue
import random
import sqlite3
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from infoshare_cli.actions.staff import (
    add_member,
    change_passphrase,
    deactivate_member,
    open_keys,
    register_first_manager,
    unlock,
)
from infoshare_cli.checklist.loading import load_question_set
from infoshare_cli.domain.decisions import Draft, cosign_payload, decision_payload
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.routing import Answer, asked_parts, iter_paths, route
from infoshare_cli.domain.staff import find_member
from infoshare_cli.ledger import keys as keylib
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger import store as log_module
from infoshare_cli.ledger.case_index import case_tag
from infoshare_cli.ledger.crypto import canonical_json
from infoshare_cli.ledger.entries import GENESIS_HASH, compute_hash
from infoshare_cli.ledger.sealing import seal_payload
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register

PASSPHRASE = "benchmark passphrase"
NEW_PASSPHRASE = "benchmark passphrase two"
SETTING = "Oak Tree Nurseries Group"
FIRST_MANAGER = "Alex Morgan"
START = datetime(2016, 11, 1, 8, 0, tzinfo=UTC)
YEARS = 10
BATCH_ROWS = 20_000
_COLUMNS = "seq, kind, recorded_at, actor, payload, prev_hash, hash, signature"

# (name, role, dsl), registered at the start
FIRST_STAFF = [
    ("Priya Shah", "manager", True),
    ("Sam Lee", "practitioner", False),
    ("Chris Green", "practitioner", False),
    ("Dee Okafor", "practitioner", True),
]
# (fraction of the ten years, what happens)
STAFF_EVENTS = [
    (0.30, ("add", "Jo Baker", "manager")),
    (0.45, ("add", "Ren Patel", "practitioner")),
    (0.55, ("deactivate", "Chris Green")),
    (0.70, ("rekey", "Priya Shah")),
]

OUTCOME_WEIGHTS = {
    "share": 30,
    "share_without_consent": 30,
    "do_not_share": 20,
    "seek_advice": 20,
}

# --- words ----------------------------------------------------------------------------

OBSERVATIONS = [
    "Key person noticed bruising on the upper arm at drop-off and recorded it on a body map.",
    "The child has arrived hungry and in the same clothes on four days out of the last five.",
    "The child said that mummy's friend shouts and hurt her tummy, unprompted, during play.",
    "Attendance has fallen to two sessions a week and calls to the parent go unanswered.",
    "A second adult collecting the child smelt strongly of alcohol and was unsteady.",
    "The child flinches when adults raise their voices and has become withdrawn at circle time.",
    "Dad disclosed at pick-up that he and the child have been sleeping in the car this week.",
    "Staff noticed a burn mark on the back of the hand that the parent could not explain.",
    "The health visitor asked whether we had any concerns about the child's weight and speech.",
    "The school nursery the child is moving to asked for the transition record.",
    "Police called asking whether the child attended on the date of a reported incident.",
    "Mum told her key person that she is frightened of her partner and asked for help.",
]
JUDGEMENTS = [
    "Taken together with the earlier observations this meets the threshold we agreed.",
    "The designated safeguarding lead reviewed the chronology and agrees.",
    "We weighed the risk of sharing against the risk of not sharing; not sharing is worse.",
    "The family have engaged well with early help so far and the concern is new.",
    "There is no indication of harm; the request is administrative.",
    "The explanation given was consistent with what staff saw and with the child's account.",
    "We cannot tell yet whether this is significant harm, so we asked before deciding.",
    "The information is already known to the recipient through the early help plan.",
    "Delay could put the child at further risk over the weekend.",
    "Only the dated observations are needed; the rest of the file stays with us.",
]
CONTEXTS = [
    "Recorded on the chronology the same day.",
    "Discussed with the room leader before this record was made.",
    "Parent was spoken to privately in the office at collection.",
    "See also the previous decision for this case.",
    "The child's sibling attends another setting in the group.",
    "Staff wrote up what the child said in the child's own words.",
]
CONSENT_REASONS = {
    "refused": [
        "Mum refused when asked at pick-up and said the family would deal with it.",
        "Dad refused consent on the phone and asked that nothing be passed on.",
        "Both parents refused when we met them; they were upset and worried about social care.",
    ],
    "not_sought": [
        "Asking the parent could put the child at risk of further harm.",
        "The alleged harm is by the parent's partner, who lives at the home.",
        "Seeking consent would cause undue delay; social care need to act today.",
    ],
}
STATUTORY_REASONS = [
    "Children's Social Care asked under section 47 of the Children Act 1989.",
    "A court order for disclosure was served on the setting by the family court.",
    "The local authority designated officer requested it as part of an enquiry.",
]
RECIPIENTS = [
    ("Children's Social Care front door", "Duty social worker"),
    ("Health visiting team", "Health visitor"),
    ("Local police child protection unit", "Detective constable"),
    ("Riverside Primary School", "Designated safeguarding lead"),
    ("Early help hub", "Family support worker"),
    ("GP surgery", "Safeguarding GP"),
]
WHAT = [
    "Dated observations of bruising and the body maps.",
    "Attendance record for the last term and notes of calls to the parent.",
    "The child's words as written down by the key person, with the date and time.",
    "The transition record and the current learning journal summary.",
    "Chronology of concerns since September, and the early help plan.",
]
METHODS = ["secure_email", "phone", "meeting", "referral_form", "other"]
ADVISORS = [
    "Duty social worker, Children's Social Care front door",
    "Designated safeguarding lead at the local authority",
    "Local authority designated officer (LADO)",
    "NSPCC helpline",
]
ADVICE = [
    "not yet",
    "Advised to keep observing and record anything further; call back if it happens again.",
    "Advised that this meets the threshold for a referral; make it today.",
    "Advised to seek the parent's consent first and to share with the health visitor.",
]
COSIGN_COMMENTS = [
    "",
    "Agreed.",
    "Agreed: threshold met.",
    "Co-signed when the paper record was entered.",
    "Agree; please add the follow-up call to the chronology.",
]
DISAGREE_COMMENTS = [
    "I do not think the threshold is met yet; we should seek advice first.",
    "We should ask the parent first: there is nothing to suggest it would put the child at risk.",
    "The record shares more than is needed; cut it to the dated observations.",
]


def _sentences(rng: random.Random, *pools: list[str], extra: int = 1) -> str:
    """A reason of a few sentences: one from each pool, then ``extra`` more at random."""
    parts = [rng.choice(pool) for pool in pools]
    everything = OBSERVATIONS + JUDGEMENTS + CONTEXTS
    parts += rng.sample(everything, rng.randint(0, extra))
    return " ".join(parts)


# --- time -----------------------------------------------------------------------------


class Clock:
    """Simulated time that only moves forward (``recorded_at`` never goes backwards)."""

    def __init__(self, start: datetime, mean_gap: timedelta, rng: random.Random):
        self.now = start
        self.mean_gap = mean_gap.total_seconds()
        self.rng = rng

    def advance(self, seconds: float | None = None) -> None:
        if seconds is None:
            seconds = self.rng.expovariate(1 / self.mean_gap)
        self.now += timedelta(seconds=max(seconds, 0.000_001))

    def catch_up(self, target: datetime) -> None:
        """Move on to ``target`` if it is later (keeps the log spread over the whole span)."""
        if target > self.now:
            self.now = target

    def text(self) -> str:
        self.now += timedelta(microseconds=self.rng.randint(1, 999))
        return self.now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- decisions ------------------------------------------------------------------------


def _routes(qset: QuestionSet) -> dict[tuple[str, bool], list[tuple[tuple[str, str], ...]]]:
    """Every route through the question set, grouped by outcome and whether it is urgent.

    A form's principles come as ("form.part", value) steps (see ``iter_paths``); they are
    folded into the form's one step here, as {part: value}."""
    by_outcome: dict[tuple[str, bool], list] = {}
    for steps, outcome in iter_paths(qset):
        folded: list = []
        for qid, value in steps:
            form, _, part = qid.partition(".")
            if part and folded and folded[-1][0] == form:
                folded[-1][1][part] = value
            elif part:
                folded.append((form, {part: value}))
            else:
                folded.append((qid, {} if qset.questions[qid].type == "form" else value))
        urgent = ("urgent", "yes") in steps
        by_outcome.setdefault((outcome, urgent), []).append(tuple(folded))
    return by_outcome


def _form_answer(
    qset: QuestionSet,
    qid: str,
    principles: dict[str, str],
    answers: dict[str, Answer],
    rng: random.Random,
    when: datetime,
) -> Answer:
    """A form's parts: the principles as the route says (the rest hold), the parts asked."""
    question = qset.questions[qid]
    before = route(qset, answers)
    given: dict[str, Answer] = {}
    while True:
        asked = [
            p
            for p in asked_parts(question, given, before.outcome, before.urgent)
            if p.id not in given
        ]
        if not asked:
            return Answer(given)
        part = asked[0]
        if part.condition:
            value = principles.get(part.id, "yes")
            reason = _sentences(rng, JUDGEMENTS, CONTEXTS, extra=0) if value != "yes" else ""
            given[part.id] = Answer(value, reason)
        else:
            given[part.id] = _part_answer(part, rng, when)


def _choice_answer(
    qset: QuestionSet, qid: str, value: str, rng: random.Random, when: datetime
) -> Answer:
    question = qset.questions[qid]
    if question.type == "multiple":
        values = [value]
        choice = question.choice(value)
        if choice is not None and not choice.exclusive and rng.random() < 0.3:
            others = [c.value for c in question.choices if not c.exclusive and c.value != value]
            values.append(rng.choice(others))
        return Answer(tuple(values), _sentences(rng, OBSERVATIONS, JUDGEMENTS, extra=2))
    reason = ""
    if value in question.reason_required_for or rng.random() < 0.25:
        if qid == "consent" and value in CONSENT_REASONS:
            reason = _sentences(rng, CONSENT_REASONS[value], CONTEXTS, extra=1)
        elif qid == "statutory":
            reason = _sentences(rng, STATUTORY_REASONS, extra=1)
        else:
            reason = _sentences(rng, OBSERVATIONS, JUDGEMENTS, extra=2)
    return Answer(value, reason)


def _part_answer(part, rng: random.Random, when: datetime) -> Answer:
    if part.type == "text":
        texts = {
            "what": WHAT,
            "recipient": [r for r, _ in RECIPIENTS],
            "recipient_role": [r for _, r in RECIPIENTS],
            "advisor": ADVISORS,
            "advice": ADVICE,
        }.get(part.id, CONTEXTS)
        return Answer(rng.choice(texts))
    if part.type == "date":
        return Answer((when + timedelta(days=rng.choice([0, 0, 0, 1, 2]))).date().isoformat())
    values = [c.value for c in part.choices]
    if part.type == "yes_no":
        value = "yes" if rng.random() < 0.93 else "no"
    elif part.id == "method":
        value = rng.choice(METHODS)
    else:
        value = rng.choice(values)
    reason = ""
    if value in part.reason_required_for:
        reason = _sentences(rng, JUDGEMENTS, CONTEXTS, extra=0)
    return Answer(value, reason)


class DecisionMaker:
    def __init__(self, qset: QuestionSet, rng: random.Random):
        self.qset = qset
        self.rng = rng
        self.routes = _routes(qset)
        self.outcomes = list(OUTCOME_WEIGHTS)
        self.weights = [OUTCOME_WEIGHTS[o] for o in self.outcomes]

    def payload(
        self,
        case_ref: str,
        decider_id: str,
        when: datetime,
        revisits: int | None = None,
        outcome: str | None = None,
    ) -> dict:
        rng = self.rng
        outcome = outcome or rng.choices(self.outcomes, self.weights)[0]
        urgent = rng.random() < 0.03 and (outcome, True) in self.routes
        steps = rng.choice(self.routes[(outcome, urgent)])
        answers: dict[str, Answer] = {}
        for qid, value in steps:
            if isinstance(value, dict):
                answers[qid] = _form_answer(self.qset, qid, value, answers, rng, when)
            else:
                answers[qid] = _choice_answer(self.qset, qid, value, rng, when)
        record = {}
        if outcome == "seek_advice":
            parts = self.qset.outcomes[outcome].record
            record = {p.id: _part_answer(p, rng, when) for p in parts}
        draft = Draft(case_ref, decider_id, answers, record, revisits)
        return decision_payload(self.qset, draft)


# --- writing --------------------------------------------------------------------------


# A batch: entries, record keys, and the case index's tags of its decisions.
Rows = tuple[list[tuple], list[tuple], list[tuple]]


class Inserter(threading.Thread):
    """Inserts batches of rows on its own connection while the main thread builds the next.

    sqlite3 lets go of the GIL while SQLite works (indexes, the search trigger), so building
    and inserting overlap on two cores.
    """

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.batches: queue.Queue[Rows | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)
        conn.execute("PRAGMA synchronous=OFF")  # this connection only; the file is unaffected
        conn.execute("PRAGMA cache_size=-65536")
        try:
            while True:
                rows = self.batches.get()
                try:
                    if rows is None:
                        return
                    if self.error is None:
                        self._insert(conn, rows)
                except BaseException as exc:  # reported by the main thread
                    self.error = exc
                finally:
                    self.batches.task_done()
        finally:
            conn.close()

    @staticmethod
    def _insert(conn: sqlite3.Connection, rows: Rows) -> None:
        entries, record_keys, case_tags = rows
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Record keys first, as the real writers make a record before its decision: the
            # case index's trigger gives a decision a row when its record key is there.
            conn.executemany(
                "INSERT INTO record_keys (record, data_key, nonce, wrapped) VALUES (?, ?, ?, ?)",
                record_keys,
            )
            conn.executemany(
                f"INSERT INTO entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries
            )
            conn.executemany(
                "UPDATE case_index SET data_key = ?, tag = ? WHERE decision = ?", case_tags
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def put(self, rows: Rows) -> None:
        self.check()
        self.batches.put(rows)

    def drain(self) -> None:
        self.batches.join()
        self.check()

    def check(self) -> None:
        if self.error is not None:
            raise RuntimeError(f"inserting into the log failed: {self.error}") from self.error

    def stop(self) -> None:
        self.batches.put(None)
        self.join()
        self.check()


class Writer:
    """Builds rows exactly as ``Ledger.append`` does and inserts them in big batches.

    Personal content is sealed as the real writers seal it (``actions.private``): each
    decision gets a new record and record key, wrapped under the current data key (a row of
    ``record_keys``); its co-signatures and corrections are sealed under the same record.
    """

    def __init__(self, ledger: Ledger, clock: Clock, rng: random.Random):
        self.ledger = ledger
        self.clock = clock
        self.rng = rng
        self.rows: list[tuple] = []
        self.record_rows: list[tuple] = []
        self.case_rows: list[tuple] = []  # (data key, tag, decision) for the case index
        self.keys: keystore.Keys | None = None  # the data keys (set once staff exist)
        self.records: dict[int, tuple[str, bytes]] = {}  # decision seq -> (record, key)
        self.inserter = Inserter(ledger.path)
        self.inserter.start()
        self._reload_head()

    def _reload_head(self) -> None:
        head = self.ledger.head()
        self.seq, self.prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)

    def _new_record(self) -> tuple[str, bytes]:
        assert self.keys is not None
        record = uuid.UUID(int=self.rng.getrandbits(128), version=4).hex
        key = keylib.new_key()
        data_key_id = self.keys.current
        nonce, wrapped = keylib.wrap_key(
            key, self.keys.data_keys[data_key_id], keylib.record_key_aad(record, data_key_id)
        )
        self.record_rows.append((record, data_key_id, nonce, wrapped))
        self.data_key_id = data_key_id
        return record, key

    def append(self, kind: str, signer: Signer, payload: dict) -> tuple[int, str]:
        body = dict(payload)
        body.setdefault("id", uuid.UUID(int=self.rng.getrandbits(128), version=4).hex)
        seq = self.seq + 1
        if self.keys is not None:
            if kind == "decision":
                record = self.records[seq] = self._new_record()
                # tagged as actions.private.append_sealed tags it (ledger.case_index)
                key = self.keys.data_keys[self.data_key_id]
                tag = case_tag(key, body["case_ref"])
                self.case_rows.append((self.data_key_id, tag, seq))
            else:
                record = self.records[body["decision"]]
            body = seal_payload(kind, body, *record)
        payload_text = canonical_json(body).decode("utf-8")
        recorded_at = self.clock.text()
        actor = signer.staff_id
        entry_hash = compute_hash(seq, kind, recorded_at, actor, payload_text, self.prev_hash)
        signature = signer.sign(bytes.fromhex(entry_hash))
        self.rows.append(
            (seq, kind, recorded_at, actor, payload_text, self.prev_hash, entry_hash, signature)
        )
        self.seq, self.prev_hash = seq, entry_hash
        if len(self.rows) >= BATCH_ROWS:
            self._put()
        return seq, entry_hash

    def _put(self) -> None:
        self.inserter.put((self.rows, self.record_rows, self.case_rows))
        self.rows, self.record_rows, self.case_rows = [], [], []

    def flush(self) -> None:
        """Everything built so far is in the file."""
        if self.rows or self.record_rows or self.case_rows:
            self._put()
        self.inserter.drain()

    def close(self) -> None:
        self.flush()
        self.inserter.stop()

    def real(self, action: Callable[..., Any], *args: Any) -> Any:
        """Run real staff code (``Ledger.append``) at the simulated time, in sequence."""
        self.flush()
        saved = log_module._now
        log_module._now = self.clock.text
        try:
            result = action(*args)
        finally:
            log_module._now = saved
        self._reload_head()
        return result


# --- the story ------------------------------------------------------------------------


def make_log(path: Path, n: int, seed: int = 1, progress: bool = False) -> dict[str, int]:
    """Write a new log of ``n`` decisions at ``path``; returns counts by kind."""
    rng = random.Random(seed)
    qset = load_question_set()
    span = timedelta(days=365.25 * YEARS)
    step = span / max(n, 1)
    clock = Clock(START, step / 4, rng)

    ledger = Ledger.create(path)
    writer = Writer(ledger, clock, rng)
    maker = DecisionMaker(qset, rng)

    # Staff, through the real code: Argon2-sealed keys, signed staff entries.
    alex: Signer = writer.real(
        register_first_manager, ledger, FIRST_MANAGER, PASSPHRASE, SETTING, True
    )
    signers: dict[str, Signer] = {alex.staff_id: alex}
    for name, role, dsl in FIRST_STAFF:
        clock.advance(3600)
        member = writer.real(add_member, ledger, alex, name, role, PASSPHRASE, dsl)
        signers[member.staff_id] = unlock(member, PASSPHRASE)
    writer.keys = open_keys(ledger, alex)

    def staff_event(event: tuple) -> None:
        what, name = event[0], event[1]
        if what == "add":
            member = writer.real(add_member, ledger, alex, name, event[2], PASSPHRASE)
            signers[member.staff_id] = unlock(member, PASSPHRASE)
            return
        member = find_member(load_register(ledger), name)
        if what == "deactivate":
            writer.real(deactivate_member, ledger, alex, member)
            del signers[member.staff_id]
        elif what == "rekey":
            old = signers[member.staff_id]
            writer.real(change_passphrase, ledger, old, NEW_PASSPHRASE)
            fresh = load_register(ledger)[member.staff_id]
            signers[member.staff_id] = unlock(fresh, NEW_PASSPHRASE)

    def staff_change(event: tuple) -> None:
        staff_event(event)
        writer.keys = open_keys(ledger, signers[alex.staff_id])  # a leaver rotates the key

    events = deque(sorted(STAFF_EVENTS))
    cases = 0
    recent_cases: deque[str] = deque(maxlen=300)
    later_cosign: deque[tuple[int, str, int]] = deque()  # (seq, hash, due decision count)
    to_revisit: deque[tuple[int, str, str, int]] = deque()  # (seq, case, decider, due)
    decided: list[tuple[int, str]] = []  # (seq, decider) for corrections
    made = 0
    next_report = 10_000
    started = time.perf_counter()
    awaiting_tail = min(10, max(n // 20, 0))

    def managers(other_than: str) -> list[Signer]:
        return [s for sid, s in signers.items() if s.member.is_manager and sid != other_than]

    def decide(case_ref: str, decider: Signer, revisits: int | None, outcome=None) -> None:
        nonlocal made
        clock.advance()
        clock.catch_up(START + step * (made + rng.random()))
        payload = maker.payload(case_ref, decider.staff_id, clock.now, revisits, outcome)
        seq, entry_hash = writer.append("decision", decider, payload)
        made += 1
        decided.append((seq, decider.staff_id))
        if made > n - awaiting_tail:
            return  # the newest few still wait for a co-signature
        r = rng.random()
        if payload["outcome"] == "seek_advice" and r < 0.7:
            cosign_now(seq, entry_hash, decider, "agree")
            to_revisit.append((seq, case_ref, decider.staff_id, made + rng.randint(1, 40)))
        elif r < 0.82:
            cosign_now(seq, entry_hash, decider, "agree")
        elif r < 0.86:
            cosign_now(seq, entry_hash, decider, "disagree")
            if r < 0.85:  # most are taken again; the rest stay "not agreed"
                to_revisit.append((seq, case_ref, decider.staff_id, made + rng.randint(1, 20)))
        else:
            later_cosign.append((seq, entry_hash, made + rng.randint(1, 30)))
            later_deciders[seq] = decider.staff_id

    later_deciders: dict[int, str] = {}

    def cosign_now(seq: int, entry_hash: str, decider: Signer, verdict: str) -> None:
        cosigner = rng.choice(managers(decider.staff_id))
        pool = COSIGN_COMMENTS if verdict == "agree" else DISAGREE_COMMENTS
        body = cosign_payload(seq, entry_hash, verdict, rng.choice(pool))
        writer.append("cosign", cosigner, body)

    while made < n:
        if events and made >= events[0][0] * n:
            clock.advance()
            staff_change(events.popleft()[1])
        # co-signatures that came later (another day, another manager)
        while later_cosign and later_cosign[0][2] <= made:
            seq, entry_hash, _ = later_cosign.popleft()
            decider_id = later_deciders.pop(seq)
            clock.advance()
            cosigner = rng.choice(managers(decider_id))
            body = cosign_payload(seq, entry_hash, "agree", rng.choice(COSIGN_COMMENTS))
            writer.append("cosign", cosigner, body)
        # decisions taken again (after a disagreement, or once advice arrived)
        if to_revisit and to_revisit[0][3] <= made:
            seq, case_ref, decider_id, _ = to_revisit.popleft()
            decider = signers.get(decider_id) or rng.choice(list(signers.values()))
            outcome = rng.choice(["share", "share_without_consent", "do_not_share"])
            decide(case_ref, decider, seq, outcome)
            continue
        # a correction, now and then
        if decided and rng.random() < 0.005:
            seq, _ = rng.choice(decided[-500:])
            clock.advance()
            body = {
                "decision": seq,
                "wrong": "The date shared was recorded as the day of the decision.",
                "right": "It was shared the following morning, by phone, then by secure email.",
                "why": "Noticed when the chronology was reviewed at supervision.",
            }
            writer.append("correction", rng.choice(managers("")), body)
        if not recent_cases or rng.random() < 0.4:
            cases += 1
            case_ref = f"C-{cases:04d}"
            recent_cases.append(case_ref)
        else:
            case_ref = rng.choice(recent_cases)
        decider = rng.choice(list(signers.values()))
        decide(case_ref, decider, None)
        if progress and made >= next_report:
            next_report += 10_000
            rate = made / (time.perf_counter() - started)
            print(f"  {made:,} decisions ({rate:,.0f}/s)", file=sys.stderr)

    writer.close()
    conn = ledger.db.conn
    counts = dict(conn.execute("SELECT kind, count(*) FROM entries GROUP BY kind").fetchall())
    conn.execute("PRAGMA optimize")
    ledger.close()
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many decisions")
    parser.add_argument("--db", type=Path, help="where to write it (default: log-N.sqlite3)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    path = args.db or Path(f"log-{args.n}.sqlite3")
    started = time.perf_counter()
    counts = make_log(path, args.n, args.seed, progress=True)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items()))
    print(f"Wrote {path}: {sum(counts.values()):,} entries ({summary}) in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
