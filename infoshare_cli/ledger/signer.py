"""A staff member whose passphrase has been checked, holding the key that signs for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from infoshare_cli.domain.staff import StaffMember
from infoshare_cli.ledger import crypto

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class Signer:
    """Made only by unlocking a sealed key with its passphrase (``actions.staff.unlock``)."""

    member: StaffMember
    private_key: Ed25519PrivateKey

    @property
    def staff_id(self) -> str:
        return self.member.staff_id

    def sign(self, data: bytes) -> str:
        return crypto.sign(self.private_key, data)
