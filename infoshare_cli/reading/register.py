"""Reading the staff register and the setting's name out of the log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infoshare_cli.domain.staff import Register

if TYPE_CHECKING:
    from infoshare_cli.ledger.store import Ledger


def load_register(ledger: Ledger) -> Register:
    """Everyone ever registered, in the order they were added, as they are now: the
    register as ``verify`` accepts it (``reading.trust.KeyRing``).

    Every staff entry is checked as ``verify`` checks it (its hash, the staff rules, its
    signature with the key in force), and the register stops at the first that fails. So a
    staff entry put into the file by hand, without a manager's signature (a "manager" who
    was never registered, a person deactivated, a passphrase "resealed" so that its owner's
    passphrase no longer opens it), is never used to unlock, sign or list anyone;
    ``verify`` names it.
    """
    from infoshare_cli.reading.trust import KeyRing

    ring = KeyRing(ledger)
    register = Register(ring.rules.register)
    register.broken = ring.broken[0] if ring.broken is not None else None
    return register


def setting_name(ledger: Ledger) -> str:
    for entry in ledger.entries(kinds=("setting",)):
        return entry.payload.get("name", "")
    return ""


def witnessed_data_keys(ledger: Ledger) -> dict[int, str]:
    """Data key id -> the fingerprint its signed staff entry recorded (see ledger.keys)."""
    found: dict[int, str] = {}
    for entry in ledger.entries(kinds=("staff",)):
        data_key = entry.payload.get("data_key")
        if isinstance(data_key, dict) and type(data_key.get("id")) is int:
            found.setdefault(data_key["id"], str(data_key.get("check")))
    return found
