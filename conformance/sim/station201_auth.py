"""The reference 2.0.1 station's Authorization Cache (C10) and Master Pass rules (C16).

The cache maps an idToken to the idTokenInfo the CSMS last gave for it, in an
AuthorizeResponse (C10.FR.04) or a TransactionEventResponse (C10.FR.05). It survives a
reboot (C10.FR.02: kept as if in non-volatile memory) and forgets an entry that was not used
for AuthCacheCtrlr.LifeTime seconds (C10.FR.08). An idToken whose groupIdToken is
AuthCtrlr.MasterPassGroupId starts no transaction but stops every ongoing one: the reference
station has no user interface to choose which (C16.FR.02).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from conformance.sim.faults import ActiveFaults, declarer
from conformance.sim.station201_model import DeviceModel

_fault = declarer("station", ("2.0.1",))
_fault(
    "s201-cache-lost-on-reboot",
    "the authorization cache is kept in volatile memory: a reboot empties it",
    "TC_C_32_CS",
)
_fault(
    "s201-cache-lifetime-ignored",
    "an authorization cache entry unused for AuthCacheCtrlr.LifeTime seconds is still used",
    "TC_C_46_CS",
)
_fault(
    "s201-cache-not-updated",
    "no idTokenInfo from the CSMS (AuthorizeResponse, TransactionEventResponse) is cached",
    "TC_C_33_CS",
    "TC_C_34_CS",
)
_fault(
    "s201-cache-not-updated-on-tx",
    "a TransactionEventResponse's idTokenInfo does not update the authorization cache",
    "TC_C_34_CS",
)
_fault(
    "s201-master-pass-starts",
    "an idToken of the MasterPassGroupId group is used to start a transaction",
    "TC_C_45_CS",
)
_fault(
    "s201-master-pass-stops-one",
    "an idToken of the MasterPassGroupId group stops only the first ongoing transaction",
    "TC_C_49_CS",
)
_fault(
    "s201-group-stop-ignored",
    "an idToken of the same group (groupIdToken) does not stop the group's transaction",
    "TC_C_39_CS",
    "TC_C_41_CS",
)
_fault(
    "s201-group-stop-invalid",
    "an idToken of the same group stops the transaction although it is not Accepted",
    "TC_C_42_CS",
    "TC_C_44_CS",
)
_fault(
    "s201-stop-tx-on-invalid-id-ignored",
    "TxCtrlr.StopTxOnInvalidId false, yet an idToken the CSMS refuses ends the transaction",
    "TC_C_17_CS",
    "TC_C_26_CS",
)
_fault(
    "s201-max-energy-ignored",
    "TxCtrlr.MaxEnergyOnInvalidId > 0, yet a refused idToken stops the energy delivery at once",
    "TC_C_15_CS",
    "TC_C_18_CS",
)


class AuthCache:
    """idToken -> idTokenInfo, with the last time each entry was stored or used."""

    def __init__(self, model: DeviceModel, faults: ActiveFaults) -> None:
        self.model = model
        self.faults = faults
        self._entries: dict[str, dict[str, Any]] = {}
        self._used: dict[str, float] = {}

    def __setitem__(self, id_token: str, info: Mapping[str, Any]) -> None:
        self._entries[id_token] = dict(info)
        self._used[id_token] = time.monotonic()

    def store(self, id_token: str, info: Mapping[str, Any], *, from_tx: bool = False) -> None:
        """Cache an answer from the CSMS, if the cache is enabled (C10.FR.04 / C10.FR.05)."""
        if not self.model.get_bool("AuthCacheCtrlr", "Enabled") or "status" not in info:
            return
        if self.faults.on("s201-cache-not-updated"):
            return
        if from_tx and self.faults.on("s201-cache-not-updated-on-tx"):
            return
        self[id_token] = info

    def get(self, id_token: str) -> dict[str, Any] | None:
        """The cached idTokenInfo (counted as a use), or None; a stale entry is removed."""
        info = self._entries.get(id_token)
        if info is None:
            return None
        lifetime = self.model.get_int("AuthCacheCtrlr", "LifeTime")
        now = time.monotonic()
        stale = lifetime > 0 and now - self._used[id_token] >= lifetime
        if stale and not self.faults.on("s201-cache-lifetime-ignored"):
            del self._entries[id_token]
            del self._used[id_token]
            return None
        self._used[id_token] = now
        return info

    def clear(self) -> None:
        self._entries.clear()
        self._used.clear()

    def entry(self, id_token: str) -> dict[str, Any] | None:
        """The cached idTokenInfo as it is, without counting a use (N09: reporting it)."""
        return self._entries.get(id_token)

    def forget(self, id_token: str) -> bool:
        """Remove one idToken's entry (N10: clear customer information); True if it had one."""
        self._used.pop(id_token, None)
        return self._entries.pop(id_token, None) is not None

    def rebooted(self) -> None:
        """C10.FR.02: the cache is persistent over a reboot (unless the fault makes it not)."""
        if self.faults.on("s201-cache-lost-on-reboot"):
            self.clear()


def is_master_pass(model: DeviceModel, info: Mapping[str, Any]) -> bool:
    """C16: the idTokenInfo's groupIdToken is the configured AuthCtrlr.MasterPassGroupId."""
    master = model.get("AuthCtrlr", "MasterPassGroupId")
    group = (info.get("groupIdToken") or {}).get("idToken")
    return bool(master) and group == master
