"""The reference station's choice of network connection profile (B09, B10).

OCPPCommCtrlr.NetworkConfigurationPriority lists configuration slots in the order the station
tries them. A slot holds a connection profile set by SetNetworkProfile (B09); a slot without
one stands for the profile the station was installed with (its configured CSMS URL). The list
is read when the station (re)boots (B10.FR.01: a new priority takes effect after a reset), so a
changed priority never moves an open connection. The station dials the first slot; after
NetworkProfileConnectionAttempts failed attempts it moves on to the next one (B10.FR.03), and
after the last one it starts again with the first, which brings it back to the profile of its
last successful connection when that is the other entry (B10.FR.04, B10.FR.07).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from conformance.sim.faults import ActiveFaults, declarer
from conformance.sim.station201_model import DeviceModel

log = logging.getLogger(__name__)

_V = ("2.0.1",)


_fault = declarer("station", _V)


_fault(
    "s201-network-priority-ignored",
    "after a Reset keeps dialling its old profile; a new NetworkConfigurationPriority is unused",
    "TC_B_45_CS",
)
_fault(
    "s201-network-no-fallback",
    "keeps dialling an unreachable profile; never falls back to the next priority entry",
    "TC_B_46_CS",
    "TC_B_49_CS",
)
_fault(
    "s201-network-attempts-ignored",
    "falls back to the next profile after one failed attempt, ignoring "
    "NetworkProfileConnectionAttempts",
    "TC_B_46_CS",
)


class NetworkSelector:
    """Which configuration slot the station dials, and what happens when that fails."""

    def __init__(
        self,
        model: DeviceModel,
        profiles: Mapping[int, Mapping[str, Any]],
        installed_url: Callable[[], str],
        faults: ActiveFaults,
    ) -> None:
        self.model = model
        self.profiles = profiles  # configurationSlot -> connectionData (SetNetworkProfile)
        self.installed_url = installed_url
        self.faults = faults
        self.order: list[int] = []
        self.index = 0
        self.failures = 0  # failed attempts on the current slot
        self.last_good: int | None = None
        self.reload()

    def reload(self) -> None:
        """At (re)boot: the slots in NetworkConfigurationPriority order, starting with the
        first (B10.FR.01)."""
        if self.order and self.faults.on("s201-network-priority-ignored"):
            self.failures = 0
            return
        raw = self.model.get("OCPPCommCtrlr", "NetworkConfigurationPriority") or ""
        self.order = [int(p) for p in raw.split(",") if p.strip().isdigit()] or [0]
        self.index = 0
        self.failures = 0

    @property
    def slot(self) -> int:
        return self.order[self.index]

    def url(self) -> str:
        profile = self.profiles.get(self.slot)
        if profile is None:
            return self.installed_url()
        return str(profile["ocppCsmsUrl"])

    def connected(self) -> None:
        self.failures = 0
        self.last_good = self.slot

    def failed(self) -> None:
        """One failed connection attempt on the current slot: after
        NetworkProfileConnectionAttempts of them, the next slot (B10.FR.03)."""
        self.failures += 1
        attempts = max(1, self.model.get_int("OCPPCommCtrlr", "NetworkProfileConnectionAttempts"))
        if self.faults.on("s201-network-attempts-ignored"):
            attempts = 1
        if self.failures < attempts or self.faults.on("s201-network-no-fallback"):
            return
        self.failures = 0
        self.index = (self.index + 1) % len(self.order)
        log.info("network profile: moving on to configuration slot %s", self.slot)
