"""A checked head: an exporter's signed statement that the whole log passed the check up to
an entry, so that their next export checks in full only what was written since.

Every export first runs the whole check (the work of ``verify``): an export must never pass
on a tampered log under an honest exporter's signature. Most of that work is the Ed25519
signature of every entry. Once it passes, the exporter, who has just proved who they are
with their passphrase, signs a short statement (:func:`statement_text`)::

    {"checked":"infoshare-checked-head/1","checked_at":…,"hash":H,"keys":…,"log":…,
     "rules":…,"seq":N,"signatures":…,"staff_id":…}

- ``log``: the hash of the log's first entry (which log this is);
- ``seq`` and ``hash``: the head that passed (entry N and its hash H);
- ``keys``: the fingerprint of the signing keys registered up to N, as an anchor has it
  (integrity/anchor_keys.py);
- ``signatures``: the SHA-256 of the signature column of entries 1 to N (one per line): an
  entry's hash covers every field but its signature, so without this a signature edited
  before N would go out in the export unchecked;
- ``rules``: a fingerprint of the code and question sets that did the check
  (:func:`rules_fingerprint`): any other version of infoshare, one that adds or changes a rule
  or merely a comment, makes every older statement worthless, so nobody has to remember to
  raise a number when a rule changes;
- ``staff_id`` and ``checked_at``: who checked, and when.

It is signed after a fixed prefix (:data:`SIGNED_PREFIX`), so it can never pass for an
entry's signature (over a 32-byte hash), an export's, or an anchor's, nor they for it. It is
kept in the ``checked_heads`` table (migration 0012): a cache, not an entry of the chain.

**Trusted only by its own signer.** A later export rests on a statement only if it is signed
by the exporter's own current key, the one their passphrase has just unlocked, which must
still be in force and active at the head (:func:`trusted_head`, then :func:`still_trusted`
after the pass). Someone holding the file without that passphrase cannot make one; another
member of staff's word does not count for me. Even then, every entry's hash and link from #1
is recomputed, entry N's hash must be H and the signature column must give the stated
digest; the register and erasures are rebuilt from the entries up to N, and everything
after N is checked in full. Only the signatures and rules of entries up to N are not checked
again: the hashes prove those entries are the ones that passed, under the same rules.
Anything wrong with a statement means the whole check, never an error by itself.

**Checked by verify.** ``verify`` never skips anything because of a statement, and checks
every one it finds (:func:`statement_problems`): signed by the key registered for its signer,
about this log, and H still the hash of entry N. One whose H no longer matches is strong
evidence: the log was changed after that person checked it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from infoshare_cli.checklist.loading import shipped_questions
from infoshare_cli.domain.signing import Rulebook
from infoshare_cli.domain.text import displayable
from infoshare_cli.integrity.anchor_keys import keys_fingerprint, log_key_history
from infoshare_cli.integrity.report import Problem, when_text
from infoshare_cli.ledger import checked_heads as table
from infoshare_cli.ledger.crypto import verify_signature

TAG = "infoshare-checked-head/1"
SIGNED_PREFIX = (TAG + "\n").encode("ascii")
# The package whose code and question sets a statement's ``rules`` fingerprint covers.
PACKAGE = Path(__file__).resolve().parents[1]
# How many of a person's newest statements an export looks at for one it can rest on.
LOOKED_AT = 20


def code_fingerprint(package: Path) -> str:
    """The SHA-256 of every Python module and question set in ``package``, with their paths,
    and of the shipped ``questions.yaml`` when it is kept beside the package (a source checkout).

    Which rules a check applied is decided by this code (the chain, the signing rules, the
    outcome rules, the shipped question sets), so a statement names the code that made it.
    """
    digest = hashlib.sha256()
    files = sorted(
        path
        for pattern in ("*.py", "*.yaml")
        for path in package.rglob(pattern)
        if "__pycache__" not in path.parts
    )
    for path in files:
        name = path.relative_to(package).as_posix().encode("utf-8")
        body = path.read_bytes()
        digest.update(b"%d:%s%d:" % (len(name), name, len(body)))
        digest.update(body)
    shipped = shipped_questions(package)
    if shipped is not None and shipped[0] != package / "questions.yaml":  # beside the package
        digest.update(b"questions.yaml:" + shipped[1])
    return digest.hexdigest()


@cache
def rules_fingerprint() -> str:
    """The fingerprint of the installed infoshare's checks (:func:`code_fingerprint`)."""
    return code_fingerprint(PACKAGE)


_FIELDS = ("checked", "checked_at", "hash", "keys", "log", "rules", "seq", "signatures", "staff_id")


@dataclass(frozen=True)
class CheckedHead:
    """A statement as stored, read back and well formed (its signature not yet checked)."""

    row: int
    staff_id: str
    seq: int
    hash: str
    log: str
    keys: str
    signatures: str
    rules: str | int
    checked_at: str
    text: str
    signature: str

    @property
    def signed(self) -> bytes:
        return SIGNED_PREFIX + self.text.encode("ascii")

    def signed_with(self, public_key: object) -> bool:
        return isinstance(public_key, str) and verify_signature(
            public_key, self.signed, self.signature
        )


def statement_text(
    *,
    log: str,
    seq: int,
    hash: str,
    keys: str,
    signatures: str,
    staff_id: str,
    checked_at: str,
) -> str:
    """The canonical text that is signed and stored: sorted keys, no spaces, ASCII."""
    statement = {
        "checked": TAG,
        "checked_at": checked_at,
        "hash": hash,
        "keys": keys,
        "log": log,
        "rules": rules_fingerprint(),
        "seq": seq,
        "signatures": signatures,
        "staff_id": staff_id,
    }
    return json.dumps(statement, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


def signed_bytes(text: str) -> bytes:
    return SIGNED_PREFIX + text.encode("ascii")


def parse(row: table.StoredRow) -> CheckedHead | None:
    """The statement a stored row holds, or None if it is not one infoshare wrote: not the
    canonical text of a statement, or its columns disagree with what it says."""
    row_id, staff_id, seq, text, signature = row
    if not (isinstance(text, str) and isinstance(signature, str) and type(row_id) is int):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or sorted(value) != list(_FIELDS) or value["checked"] != TAG:
        return None
    strings = ("checked_at", "hash", "keys", "log", "signatures", "staff_id")
    if not all(isinstance(value[name], str) for name in strings):
        return None
    if type(value["seq"]) is not int or value["seq"] < 1:
        return None
    # The code's fingerprint is text; the first statements (2026-11-30, before it) carried a
    # number. Either is read, so a statement an older infoshare signed is checked like any
    # other by verify; it matches no fingerprint, so no export rests on it.
    if type(value["rules"]) not in (str, int):
        return None
    if value["staff_id"] != staff_id or value["seq"] != seq:
        return None
    canonical = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    if canonical != text:
        return None
    return CheckedHead(
        row_id,
        value["staff_id"],
        value["seq"],
        value["hash"],
        value["log"],
        value["keys"],
        value["signatures"],
        value["rules"],
        value["checked_at"],
        text,
        signature,
    )


def _stored_hash(conn: sqlite3.Connection, seq: int) -> object:
    row = conn.execute("SELECT hash FROM entries WHERE seq = ?", (seq,)).fetchone()
    return row[0] if row is not None else None


def log_identity(conn: sqlite3.Connection) -> object:
    """What names this log: the hash of its first entry."""
    return _stored_hash(conn, 1)


# --- an export's trust -------------------------------------------------------------------


def trusted_head(
    conn: sqlite3.Connection, staff_id: str, public_key: str, head_seq: int
) -> CheckedHead | None:
    """The newest statement the exporter ``staff_id`` signed with ``public_key`` (the key
    their passphrase has just unlocked) that holds for this log as it stands, or None.

    Read in the export's snapshot, before the pass. The pass then recomputes every hash and
    link from #1, which proves the stored hash of entry N is that of its content, and the
    caller holds the signature column and the register to it (:func:`still_trusted`).
    """
    log = log_identity(conn)
    for row in table.stored_rows(conn, staff_id)[:LOOKED_AT]:
        found = parse(row)
        if (
            found is None
            or found.rules != rules_fingerprint()
            or found.log != log
            or found.seq > head_seq
            or _stored_hash(conn, found.seq) != found.hash
            or not found.signed_with(public_key)
            or found.keys != keys_fingerprint(log_key_history(conn, found.seq), found.seq)
        ):
            continue
        return found
    return None


def still_trusted(
    found: CheckedHead,
    signatures_upto: str | None,
    rules: Rulebook | None,
    public_key: str,
    head_seq: int,
) -> bool:
    """After the pass that rested on ``found``: the signature column up to its entry is the
    one it states, and its signer's key is still theirs, in force and active at the head."""
    if signatures_upto != found.signatures or rules is None:
        return False
    member = rules.member_at(found.staff_id, head_seq + 1)
    return member is not None and member.active and member.public_key == public_key


# --- verify's check of every statement ----------------------------------------------------


def statement_problems(
    conn: sqlite3.Connection, rules: Rulebook, head_seq: int
) -> tuple[int, list[Problem]]:
    """Every stored statement checked against the log: (how many hold, what is wrong).

    Each must be one infoshare wrote, about this log, signed with the key registered for its
    signer at the entry it names, and that entry must still have the hash it states. verify
    checks them all and never skips anything because of one.
    """
    log = log_identity(conn)
    holding = 0
    found: list[Problem] = []
    key_history = rules.key_history()
    for row in table.stored_rows(conn):
        statement = parse(row)
        if statement is None:
            found.append(
                Problem(
                    "checked",
                    "a record of an export's check of the log (in the checked_heads table) is "
                    "not one infoshare wrote: it was added or edited outside infoshare.",
                )
            )
            continue
        member = rules.member_at(statement.staff_id, min(statement.seq, head_seq) + 1)
        name = displayable(member.name) if member is not None else "someone not on the staff"
        when = (when_text(statement.checked_at) or displayable(statement.checked_at[:20]))[:10]
        if member is None or not statement.signed_with(member.public_key):
            found.append(
                Problem(
                    "checked",
                    f"a record that {name} checked the log on {when} is not signed with their "
                    "key as registered: it was forged or edited outside infoshare.",
                )
            )
        elif statement.log != log:
            found.append(
                Problem(
                    "checked",
                    f"a record that {name} checked a log on {when} is about another log: it "
                    "was copied into this file from another one.",
                )
            )
        elif statement.seq > head_seq:
            found.append(
                Problem(
                    "checked",
                    f"{name} checked this log on {when} up to entry #{statement.seq}, but it now "
                    f"ends at #{head_seq}: entries were removed from its end since.",
                )
            )
        elif _stored_hash(conn, statement.seq) != statement.hash:
            found.append(
                Problem(
                    "checked",
                    f"the log was changed after {name} checked it on {when}: entry "
                    f"#{statement.seq} is no longer the entry that passed their check, so "
                    "entries up to it were changed, removed or rewritten since.",
                )
            )
        elif statement.keys != keys_fingerprint(key_history, statement.seq):
            found.append(
                Problem(
                    "checked",
                    f"the staff's signing keys up to entry #{statement.seq} are not the ones "
                    f"{name} checked on {when}: a key was added, replaced or renamed since.",
                )
            )
        else:
            holding += 1
    return holding, found
