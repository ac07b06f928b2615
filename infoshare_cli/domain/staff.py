"""The staff register: who may decide and who may co-sign, and their signing keys.

The register lives in the log itself, as signed ``staff`` entries: ``register``,
``deactivate``, ``rekey`` (a passphrase change, which also replaces the signing key) and
``reseal`` (the same key sealed again with a stronger Argon2id cost, at its owner's unlock).
Each person has an Ed25519 key whose private half is sealed with their passphrase
(Argon2id + AES-GCM, see ``crypto``): a passphrase is right when it unseals the key.
No terminal code here; the CLI asks for names and passphrases and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from infoshare_cli.domain.text import displayable
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command

ROLES = ("manager", "practitioner")
MAX_NAME_LENGTH = 80
MAX_PASSPHRASE_ATTEMPTS = 3
# The same signing key, sealed again by its owner with the current (stronger) Argon2id cost.
RESEAL = "reseal"


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    name: str
    role: str
    dsl: bool
    active: bool
    public_key: str
    sealed_key: dict[str, Any]
    since_seq: int
    reading_key: str | None = None  # X25519 public key data keys are wrapped to (ledger.keys)

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def description(self) -> str:
        extra = ", designated safeguarding lead" if self.dsl else ""
        return f"{self.name} ({self.role}{extra})"


class Register(dict[str, StaffMember]):
    """The staff register (staff id -> member), and where it stops: ``broken`` is the
    number of the first staff entry ``verify`` rejects (nobody it adds or changes, nor
    anything after it, is in the register), or None."""

    broken: int | None = None


class Signing(Protocol):
    """Anyone who has proved who they are (``ledger.signer.Signer``): only who matters here,
    and the register entry (with its key) they proved it against."""

    @property
    def staff_id(self) -> str: ...

    @property
    def member(self) -> StaffMember: ...


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InfoshareError("A name cannot be empty.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InfoshareError(f"A name may be at most {MAX_NAME_LENGTH} characters long.")
    if not cleaned.isprintable():
        raise InfoshareError("A name may only contain printable characters.")
    return cleaned


MAX_SETTING_LENGTH = 200


def check_setting_name(setting: str) -> str:
    """The setting's name as it goes on every printable record ("Our setting" if empty)."""
    cleaned = " ".join(setting.split())
    if len(cleaned) > MAX_SETTING_LENGTH:
        raise InfoshareError(
            f"The setting's name may be at most {MAX_SETTING_LENGTH} characters long."
        )
    if not cleaned.isprintable():
        raise InfoshareError("The setting's name may only contain printable characters.")
    return cleaned or "Our setting"


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InfoshareError(f"The role must be one of: {', '.join(ROLES)} (not '{role}').")
    return role


# --- reading the register ---------------------------------------------------------------


def staff_entry_problem(payload: object) -> str | None:
    """What is wrong with the shape of a staff entry's payload, or None."""
    if not isinstance(payload, Mapping):
        return "it is not a record"
    if not isinstance(payload.get("staff_id"), str):
        return "its staff id is not text"
    action = payload.get("action")
    if not isinstance(action, str):
        return "its action is missing or not text"
    if action == "register":
        if not isinstance(payload.get("name"), str) or payload.get("role") not in ROLES:
            return "its name or role is missing or not text"
        if not isinstance(payload.get("dsl", False), bool):
            return "its safeguarding-lead flag is not yes or no"
    if action in ("register", "rekey", "reset"):
        if not isinstance(payload.get("public_key"), str):
            return "its public key is not text"
        if "sealed_key" not in payload:  # its shape is checked where it is unsealed
            return "it has no sealed key"
        reading = payload.get("reading_key")
        if reading is not None and not isinstance(reading, str):
            return "its reading key is not text"
    if action == RESEAL and not isinstance(payload.get("sealed_key"), Mapping):
        return "it has no sealed key"
    return None


def apply_staff_entry(
    register: dict[str, StaffMember], seq: int, payload: Mapping[str, Any]
) -> None:
    """Fold one ``staff`` entry into a register (staff id -> member).

    Raises TypeError for an entry not in the shape infoshare writes (see
    :func:`staff_entry_problem`): ``verify`` names it, readers leave it out.
    """
    problem = staff_entry_problem(payload)
    if problem is not None:
        raise TypeError(problem)
    staff_id = payload["staff_id"]
    action = payload["action"]
    if action == "register":
        register[staff_id] = StaffMember(
            staff_id,
            displayable(payload["name"]),  # shown everywhere: through the display filter
            displayable(payload["role"]),
            bool(payload.get("dsl", False)),
            True,
            payload["public_key"],
            payload["sealed_key"],
            seq,
            payload.get("reading_key"),
        )
    elif action == "deactivate" and staff_id in register:
        register[staff_id] = replace(register[staff_id], active=False, since_seq=seq)
    elif action in ("rekey", "reset") and staff_id in register:
        register[staff_id] = replace(
            register[staff_id],
            public_key=payload["public_key"],
            sealed_key=payload["sealed_key"],
            since_seq=seq,
            reading_key=payload.get("reading_key"),
        )
    elif action == RESEAL and staff_id in register:  # the key stays; only its seal changes
        register[staff_id] = replace(
            register[staff_id], sealed_key=payload["sealed_key"], since_seq=seq
        )


def find_member(register: dict[str, StaffMember], name: str) -> StaffMember:
    """The person with this name (ignoring case and extra spaces), or a clear error."""
    wanted = " ".join(name.split()).casefold()
    matches = [m for m in register.values() if m.name.casefold() == wanted]
    active = [m for m in matches if m.active]
    if active:
        return active[0]
    if matches:
        return matches[0]
    names = ", ".join(m.name for m in register.values() if m.active) or "nobody yet"
    broken = getattr(register, "broken", None)
    if broken is not None:
        raise InfoshareError(
            f"Nobody called '{name}' is on the staff register as {command('verify')} accepts "
            f"it: staff entry #{broken} fails its checks, so the register stops before it "
            f"(registered before it: {names}). Run {command('verify')}, and tell your "
            "designated safeguarding lead."
        )
    raise InfoshareError(
        f"Nobody called '{name}' is registered. Registered staff: {names}. "
        f"Check the spelling, or see {command('staff list')}."
    )


def active_managers(register: dict[str, StaffMember]) -> list[StaffMember]:
    return [m for m in register.values() if m.active and m.is_manager]


def require_active(member: StaffMember) -> None:
    if not member.active:
        raise InfoshareError(f"{member.name} has been deactivated and can no longer sign.")


def current_signer(register: dict[str, StaffMember], signer: Signing) -> StaffMember:
    """The signer as the register stands now; call it with the write lock held.

    A key is unlocked minutes before it signs (after the checklist, say). If, meanwhile,
    another window deactivated the person or changed their passphrase (a new key), the
    entry would break the rules `verify` checks, so nothing is written.
    """
    member = register.get(signer.staff_id)
    name = signer.member.name
    if member is None or not member.active:
        raise InfoshareError(
            f"{name} has been deactivated in the meantime (in another window) and can no "
            "longer sign. Nothing was written."
        )
    if member.public_key != signer.member.public_key:
        raise InfoshareError(
            f"The passphrase for {name} was changed in the meantime (in another window). "
            "Nothing was written; please start again with the new passphrase."
        )
    return member


def require_manager(member: StaffMember, doing: str) -> None:
    require_active(member)
    if not member.is_manager:
        raise InfoshareError(f"Only a manager can {doing}; {member.name} is a {member.role}.")


def cosigner_problem(decider_id: str, cosigner: StaffMember) -> str | None:
    """Why this person cannot co-sign this decision, or None if they can."""
    if cosigner.staff_id == decider_id:
        return (
            "The person who took the decision cannot co-sign it: the decision should never "
            "be made as an individual. Ask a second manager."
        )
    if not cosigner.active:
        return f"{cosigner.name} has been deactivated and cannot co-sign."
    if not cosigner.is_manager:
        return f"{cosigner.name} is a {cosigner.role}; only a manager can co-sign a decision."
    return None
