"""The signing rules, written once: who may sign what, and with which key at each entry.

``verify`` (integrity/chain.py), the readers (``show``, ``log``, ``case``, ``stats``,
printable records, exports: reading/trust.py) and the export checker all ask these
rules, so a reader can never call a signature valid that ``verify`` would reject.

The rules, entry by entry, in the order of the log:

- Entry #1 is the first manager registering themselves; it is signed with the key it
  registers. Every other entry is signed by someone already in the register.
- A key signs the entries *after* the one that put it in force (a ``register`` or a
  ``rekey``): :func:`in_force`. A ``rekey`` is signed with the person's previous key.
- The signer is active (not deactivated before the entry).
- Staff changes (``register``, ``deactivate``) are signed by an active manager; a
  ``rekey`` by the person themselves, and so is a ``reseal`` (the key in force, sealed
  again with a stronger passphrase cost: it must be that same key). Nobody is registered
  twice; only the registered are deactivated. A staff entry's ``by`` names its signer.
- A co-signature is by an active manager other than the person who took the decision,
  and names an earlier decision by its hash. A correction points at an earlier decision.
- A forgotten passphrase is reset by two managers: a ``reset`` (a new key for a colleague,
  signed by an active manager other than that colleague) and, straight after it, a
  ``confirm_reset`` by a second active manager (neither of the other two) naming the reset
  by its hash. The colleague's old signatures still verify with the old key.
- A retention rule or date (a ``setting`` entry) is recorded by an active manager.
- An erasure is by an active manager, names earlier decisions, and is co-signed by a
  second active manager in the entry straight after it (see ``domain/erasure.py``).

Pure Python: no SQL, no crypto library. Checking the signature itself (Ed25519) is the
caller's job, with the key this module names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar

from infoshare_cli.domain.erasure import erase_rule_problem
from infoshare_cli.domain.retention import RETAIN_UNTIL, RETENTION
from infoshare_cli.domain.staff import RESEAL, StaffMember, apply_staff_entry

T = TypeVar("T")

RESET, CONFIRM_RESET = "reset", "confirm_reset"
STAFF_ACTIONS = ("register", "deactivate", "rekey", RESET, CONFIRM_RESET, RESEAL)


@dataclass(frozen=True)
class SignedBy:
    """Who must have signed an entry, and the key (base64 text, as registered) to check."""

    name: str
    public_key: object


class KeyRecord(TypedDict):
    """A signing key in the register, and the entry from which it signs."""

    staff_id: str
    name: str
    public_key: str
    from_seq: int


class RoleRecord(TypedDict):
    """A person's role and whether they were active, from the entry that made it so."""

    from_seq: int
    role: str
    active: bool


def may_countersign(role: object, active: object) -> bool:
    """May someone with this role and state countersign an anchor: an active manager.

    The one rule, asked of the log's register (``verify --anchor``) and of the role
    history an export lists (``verify --export --anchor``)."""
    return active is True and role == "manager"


@dataclass(frozen=True)
class Broken:
    """A signing rule the entry breaks: ``code`` is ``rule`` or ``signer``."""

    code: str
    detail: str


def in_force(history: Sequence[tuple[int, T]], seq: int) -> T | None:
    """The item of ``history`` (``(from_seq, item)``, oldest first) in force at entry ``seq``.

    The one put in force by the newest entry *before* ``seq``: an entry that registers or
    replaces a key is itself signed with the key before it.
    """
    for from_seq, item in reversed(history):
        if from_seq < seq:
            return item
    return None


class Rulebook:
    """The staff register as it stood at every point, and the rules each entry must meet.

    Feed it the staff entries that passed, in order (:meth:`apply`); then ask
    :meth:`signer` about any entry, of any kind, at any later point.
    """

    def __init__(self) -> None:
        # staff id -> [(seq of the entry that made this state, the member in that state)]
        self.timeline: dict[str, list[tuple[int, StaffMember]]] = {}
        self.register: dict[str, StaffMember] = {}

    def member_at(self, staff_id: str, seq: int) -> StaffMember | None:
        """The person as the register stood just before entry ``seq``."""
        states = self.timeline.get(staff_id)
        if not states:
            return None
        if states[-1][0] < seq:  # the usual case, and the only one in verify's single pass
            return states[-1][1]
        return in_force(states, seq)

    def key_in_force(self, staff_id: str, seq: int) -> str | None:
        member = self.member_at(staff_id, seq)
        return member.public_key if member is not None else None

    def key_history(self) -> list[KeyRecord]:
        """Every signing key ever registered, with the seq from which it signs (oldest first)."""
        keys: list[KeyRecord] = []
        for staff_id, states in self.timeline.items():
            name = states[0][1].name
            previous: str | None = None
            for seq, member in states:
                if member.public_key != previous:
                    keys.append(
                        {
                            "staff_id": staff_id,
                            "name": name,
                            "public_key": member.public_key,
                            "from_seq": seq,
                        }
                    )
                    previous = member.public_key
        keys.sort(key=lambda k: k["from_seq"])
        return keys

    def role_history(self, staff_id: str) -> list[RoleRecord]:
        """The person's role and active state, each change with the seq it takes effect at
        (as :func:`in_force` reads it: in force for the entries after ``from_seq``)."""
        roles: list[RoleRecord] = []
        for seq, member in self.timeline.get(staff_id, ()):
            if not roles or (roles[-1]["role"], roles[-1]["active"]) != (
                member.role,
                member.active,
            ):
                roles.append({"from_seq": seq, "role": member.role, "active": member.active})
        return roles

    def keys_with_roles(self) -> list[dict[str, Any]]:
        """The key history (:meth:`key_history`), each key carrying its owner's whole role
        history (``roles``): what an export lists as ``public_keys``."""
        return [{**key, "roles": self.role_history(key["staff_id"])} for key in self.key_history()]

    def apply(self, seq: int, payload: Mapping[str, Any]) -> None:
        """Fold a staff entry that passed its checks into the register.

        Raises KeyError, TypeError or AttributeError if the payload is incomplete.
        """
        staff_id = payload["staff_id"]
        if not isinstance(staff_id, str):
            raise TypeError("staff_id is not text")
        apply_staff_entry(self.register, seq, payload)
        if staff_id in self.register:
            self.timeline.setdefault(staff_id, []).append((seq, self.register[staff_id]))

    def signer(
        self,
        seq: int,
        kind: str,
        actor: str,
        payload: Mapping[str, Any] | None,
        decisions: Mapping[int, tuple[str, str]] | None = None,
        pending_erase: tuple[int, str, str] | None = None,
        pending_reset: tuple[int, str, str, str] | None = None,
    ) -> SignedBy | Broken:
        """Who signed entry ``seq`` and with which key; or the rule it breaks.

        ``payload`` is the parsed payload (required for staff, cosign, correction and erase
        entries). ``decisions`` maps earlier decisions' seq to (hash, actor); a co-signature
        or correction must point at one of them. ``pending_erase`` is (seq, hash, actor) of
        an erasure just before, still waiting for its co-signature.
        """
        member = self.member_at(actor, seq)
        if kind == "staff":
            return self._staff_signer(seq, actor, payload or {}, member, pending_reset)
        if member is None:
            if seq == 1:
                return Broken("rule", "the log does not begin by registering its first manager.")
            return _unknown_signer(actor)
        if not member.active:
            return _deactivated_signer(member)
        decisions = decisions or {}
        if kind == "cosign":
            broken = _cosign_problem(seq, member, payload or {}, decisions)
            if broken is not None:
                return broken
        elif kind == "setting" and payload is not None and not member.is_manager:
            if RETENTION in payload or RETAIN_UNTIL in payload:
                return Broken(
                    "rule", "it records how long records are kept, but only a manager can."
                )
        elif kind == "erase":
            problem = erase_rule_problem(
                seq,
                actor,
                payload or {},
                is_manager=member.is_manager,
                pending=pending_erase,
                decisions=decisions,
            )
            if problem is not None:
                return Broken("rule", problem)
        elif kind in ("migration", "imported") and not member.is_manager:
            return Broken(
                "rule", "it carries over an older log, but only a manager can migrate a log."
            )
        elif kind == "correction" and payload is not None and "decision" in payload:
            target = payload.get("decision")
            if type(target) is not int or target >= seq or target not in decisions:
                return Broken("rule", "it corrects a decision that is not earlier in the log.")
        return SignedBy(member.name, member.public_key)

    def _staff_signer(
        self,
        seq: int,
        actor: str,
        payload: Mapping[str, Any],
        member: StaffMember | None,
        pending_reset: tuple[int, str, str, str] | None = None,
    ) -> SignedBy | Broken:
        action = payload.get("action")
        staff_id = payload.get("staff_id")
        by = payload.get("by")
        if action == "register" and staff_id == actor and seq == 1:
            # The very first entry: the first manager registers themselves.
            if payload.get("role") != "manager":
                return Broken("rule", "the first person registered is not a manager.")
            return SignedBy(str(payload.get("name", actor)), payload.get("public_key"))
        if by is not None and by != actor:
            return Broken(
                "rule", "it says it was authorised by one person but is signed by another."
            )
        if action not in STAFF_ACTIONS:
            return Broken("rule", "it is a kind of staff change infoshare does not make.")
        if not isinstance(staff_id, str):
            return Broken("rule", "it does not name the staff member it changes.")
        if member is None:
            return _unknown_signer(actor)
        if not member.active:
            return _deactivated_signer(member)
        if action in (RESET, CONFIRM_RESET):
            problem = _reset_problem(seq, actor, staff_id, payload, member, pending_reset)
            if problem is not None:
                return problem
            if self.member_at(staff_id, seq) is None:
                return Broken("rule", "it resets the passphrase of someone never registered.")
            return SignedBy(member.name, member.public_key)
        if action == RESEAL:
            return _reseal_problem(actor, staff_id, payload, member) or SignedBy(
                member.name, member.public_key
            )
        if action == "rekey":
            if staff_id != actor:
                return Broken(
                    "rule",
                    "it replaces someone's signing key, but is not signed by that person's "
                    "own key — a signing key was replaced.",
                )
        elif not member.is_manager:
            return Broken(
                "rule",
                f"it changes the staff register, but {member.name} who signed it is a "
                f"{member.role}; only an active manager can.",
            )
        known = self.member_at(staff_id, seq) is not None
        if action == "register" and known:
            return Broken(
                "rule",
                "it registers again someone who is already registered — a signing key was "
                "replaced.",
            )
        if action == "deactivate" and not known:
            return Broken("rule", "it deactivates someone who was never registered.")
        return SignedBy(member.name, member.public_key)


def _reseal_problem(
    actor: str, staff_id: str, payload: Mapping[str, Any], member: StaffMember
) -> Broken | None:
    """A key sealed again: by its owner, and the very key in force (never a new one)."""
    sealed = payload.get("sealed_key")
    if staff_id != actor:
        return Broken(
            "rule", "it seals someone's signing key again, but is not signed by that person."
        )
    if not isinstance(sealed, Mapping) or sealed.get("public_key") != member.public_key:
        return Broken(
            "rule",
            "it seals a signing key again, but not the key in force for that person — a "
            "signing key was replaced.",
        )
    return None


def _reset_problem(
    seq: int,
    actor: str,
    staff_id: str,
    payload: Mapping[str, Any],
    member: StaffMember,
    pending: tuple[int, str, str, str] | None,
) -> Broken | None:
    """A passphrase reset: two active managers, neither of them the person reset."""
    if not member.is_manager:
        return Broken(
            "rule", f"it resets a passphrase, but {member.name} who signed it is not a manager."
        )
    if staff_id == actor:
        return Broken(
            "rule", "it resets the signer's own passphrase; two other managers must do it."
        )
    if payload.get("action") == RESET:
        return None
    if pending is None or payload.get("reset") != pending[0] or pending[0] != seq - 1:
        return Broken("rule", "it confirms a passphrase reset that is not the entry before it.")
    if payload.get("reset_hash") != pending[1]:
        return Broken("rule", "it confirms a different version of the passphrase reset before it.")
    if actor == pending[2]:
        return Broken(
            "rule", "the same manager reset the passphrase and confirmed it; two are needed."
        )
    if staff_id != pending[3]:
        return Broken("rule", "it confirms the reset of someone else's passphrase.")
    return None


def _cosign_problem(
    seq: int,
    member: StaffMember,
    payload: Mapping[str, Any],
    decisions: Mapping[int, tuple[str, str]],
) -> Broken | None:
    target = payload.get("decision")
    if type(target) is not int or target >= seq or target not in decisions:
        return Broken("rule", "it co-signs a decision that is not earlier in the log.")
    decision_hash, decided_by = decisions[target]
    if payload.get("decision_hash") != decision_hash:
        return Broken(
            "rule",
            f"it co-signs the decision at entry #{target}, but names a different version of it "
            "(the decision's hash does not match) — one of them was changed.",
        )
    if member.staff_id == decided_by:
        return Broken(
            "rule",
            f"the decision at entry #{target} is co-signed by the person who took it; a "
            "decision is never made by one person alone.",
        )
    if not member.is_manager:
        return Broken(
            "rule",
            f"the decision at entry #{target} is co-signed by {member.name}, a {member.role}; "
            "only a manager can co-sign.",
        )
    return None


def _unknown_signer(actor: str) -> Broken:
    return Broken(
        "signer",
        "it is signed by someone who is not in the staff register at that point "
        f"(staff id '{str(actor)[:20]}').",
    )


def _deactivated_signer(member: StaffMember) -> Broken:
    return Broken(
        "signer",
        f"it is signed by {member.name}, who had been deactivated (entry "
        f"#{member.since_seq}) and could no longer sign.",
    )
