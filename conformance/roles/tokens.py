"""How the mock CSMS judges id tokens: from the DUT profile's configured values."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenBook:
    """id token → authorization status (2.0.1 names; 1.6 maps them in `status_16`)."""

    statuses: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    unknown_status: str = "Invalid"

    def status(self, id_token: str) -> str:
        return self.statuses.get(id_token, self.unknown_status)

    @staticmethod
    def status_16(status: str) -> str:
        # 1.6 AuthorizationStatus: Accepted, Blocked, Expired, Invalid, ConcurrentTx.
        return status if status in ("Accepted", "Blocked", "Expired", "Invalid") else "Invalid"
