"""A05 in the reference 2.0.1 CSMS: upgrading a station to a higher security profile.

The CSMS follows what its stations accepted: a NetworkConnectionProfile in a configuration
slot (SetNetworkProfile), a NetworkConfigurationPriority naming the slots in order
(SetVariables OCPPCommCtrlr.NetworkConfigurationPriority) and the Reset that makes the
station reconnect with the first one. From then on the station must connect with that
profile's security profile, and the CSMS refuses it at a lower one (A05): at profile 3 the
station is authenticated by a client certificate whose commonName is its id, and a basic-auth
connection without one is refused. The CSMS's TLS endpoint at profile 2 therefore asks for a
client certificate without requiring one (see `ReferenceCsms201._ssl_context`).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from conformance.sim.faults import ActiveFaults

_PRIORITY = ("OCPPCommCtrlr", "NetworkConfigurationPriority")


@dataclass
class UpgradeRecord:
    """What one station accepted of its network configuration."""

    slots: dict[int, int] = field(default_factory=dict)  # configurationSlot -> securityProfile
    priority: list[int] = field(default_factory=list)  # the accepted priority, first is used
    profile: int | None = None  # the security profile it must connect with (after a Reset)

    def to_json(self) -> dict[str, Any]:
        return {"slots": dict(self.slots), "priority": list(self.priority), "profile": self.profile}


def _slots(value: str) -> list[int]:
    out = []
    for part in value.split(","):
        part = part.strip()
        if not part.isdigit():
            return []
        out.append(int(part))
    return out


class SecurityUpgrade:
    """The CSMS's record of upgraded stations and its TLS admission check for them."""

    def __init__(self, security_profile: int, faults: ActiveFaults) -> None:
        self.security_profile = security_profile  # the endpoint's configured profile
        self.faults = faults
        self.records: dict[str, UpgradeRecord] = {}

    def record(self, station_id: str) -> UpgradeRecord:
        rec = self.records.get(station_id)
        if rec is None:
            rec = self.records[station_id] = UpgradeRecord()
        return rec

    def answered(
        self,
        station_id: str,
        action: str,
        request: Mapping[str, Any],
        answer: Mapping[str, Any] | None,
    ) -> None:
        """A request of the CSMS was answered (`answer` None: with a CALLERROR or not at all)."""
        if not answer:
            return
        rec = self.record(station_id)
        if action == "SetNetworkProfile" and answer.get("status") == "Accepted":
            slot = int(request["configurationSlot"])
            rec.slots[slot] = int(request["connectionData"]["securityProfile"])
        elif action == "SetVariables":
            results = answer.get("setVariableResult") or []
            for item, result in zip(request.get("setVariableData") or [], results, strict=False):
                key = (item["component"]["name"], item["variable"]["name"])
                if key == _PRIORITY and result.get("attributeStatus") == "Accepted":
                    rec.priority = _slots(str(item["attributeValue"]))
        elif (
            action == "Reset"
            and answer.get("status") == "Accepted"
            and rec.priority
            and rec.priority[0] in rec.slots
        ):
            rec.profile = rec.slots[rec.priority[0]]

    def admit(self, station_id: str, tls: ssl.SSLObject | None) -> str | None:
        """`OcppServer` admission: None (basic auth as configured) unless the station was
        upgraded; then "" when it presents a client certificate for its id over TLS (profile
        3), else why it is refused (a connection at a lower profile than it was upgraded to)."""
        rec = self.records.get(station_id)
        if rec is None or rec.profile is None or rec.profile <= self.security_profile:
            return None
        if rec.profile != 3:
            return f"station {station_id} must connect with security profile {rec.profile}"
        der = tls.getpeercert(binary_form=True) if tls is not None else None
        if not der and self.faults.on("c201-upgrade-old-profile-accepted"):
            return None  # basic auth as before the upgrade
        if not der:
            return (
                f"station {station_id} was upgraded to security profile 3: it must present "
                f"its client certificate"
            )
        names = x509.load_der_x509_certificate(der).subject
        cns = [a.value for a in names.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if cns != [station_id]:
            return f"the client certificate names {cns}, not station {station_id}"
        return ""
