"""Start-up variants of the 1.6 reference charge point (`sim station --variant NAME`).

Some official cases need a charge point that lacks what other cases need of the same charge
point: one without the Local Auth List Management profile (TC_043_1_CS: SendLocalList is
answered NotSupported), one configured not to accept reservations (TC_048_4_CS: ReserveNow
Rejected) and one without reservations of connectorId 0 (TC_050_4_CS:
ReserveConnectorZeroSupported false). A DUT profile says which charge point it describes with
PIXIT keys (`local_auth_list_management`, `accepts_reservations`,
`reserve_connector_zero_supported`), and the harness starts the reference charge point with
the matching variants (`cli_args`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from conformance.sim.faults import declare

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16

NO_LOCAL_AUTH_LIST = "no-local-auth-list"
NO_RESERVATIONS = "no-reservations"
NO_RESERVE_CONNECTOR_ZERO = "no-reserve-connector-zero"

VARIANTS: dict[str, str] = {
    NO_LOCAL_AUTH_LIST: "1.6: no Local Auth List Management profile (SendLocalList is "
    "answered NotSupported) [PIXIT local_auth_list_management = false]",
    NO_RESERVATIONS: "1.6: configured not to accept reservations (ReserveNow is Rejected) "
    "[PIXIT accepts_reservations = false]",
    NO_RESERVE_CONNECTOR_ZERO: "1.6: ReserveConnectorZeroSupported false (ReserveNow for "
    "connectorId 0 is Rejected) [PIXIT reserve_connector_zero_supported = false]",
}

_V = ("1.6",)
declare(
    "s16-no-list-send-accepted",
    "station",
    _V,
    "the charge point without Local Auth List Management accepts a SendLocalList",
    ("TC_043_1_CS",),
    pixit=(("local_auth_list_management", "false"),),
)
declare(
    "s16-no-reservations-accepted",
    "station",
    _V,
    "the charge point configured not to accept reservations accepts a ReserveNow",
    ("TC_048_4_CS",),
    pixit=(("accepts_reservations", "false"),),
)
declare(
    "s16-reserve-zero-unsupported-unavailable",
    "station",
    _V,
    "without ReserveConnectorZeroSupported, ReserveNow for connectorId 0 is answered "
    "Unavailable, not Rejected",
    ("TC_050_4_CS",),
    pixit=(("reserve_connector_zero_supported", "false"),),
)


def dut_variants(dut: Any) -> list[str]:
    """The variants of the charge point a DUT profile describes (dut.DutProfile)."""
    pixit = dut.pixit
    chosen = {
        NO_LOCAL_AUTH_LIST: not pixit.local_auth_list_management,
        NO_RESERVATIONS: not pixit.accepts_reservations,
        NO_RESERVE_CONNECTOR_ZERO: not pixit.reserve_connector_zero_supported,
    }
    return [name for name, on in chosen.items() if on]


def cli_args(dut: Any) -> list[str]:
    """`--variant NAME` for each variant the profile describes."""
    return [a for name in dut_variants(dut) for a in ("--variant", name)]


def active(extra: Mapping[str, Any]) -> frozenset[str]:
    """The variants of VARIANTS a charge point was started with (options.extra["variants"])."""
    names: Iterable[str] = extra.get("variants", ())
    return frozenset(n for n in names if n in VARIANTS)


class Variants16:
    """What the variants change in the reference charge point (station16 hooks in)."""

    def __init__(self, station: ReferenceStation16) -> None:
        self.st = station
        self.names = active(station.options.extra)
        config = station.config
        if NO_LOCAL_AUTH_LIST in self.names:
            profiles = config.keys["SupportedFeatureProfiles"]
            profiles.value = ",".join(
                p for p in profiles.value.split(",") if p != "LocalAuthListManagement"
            )
            # No list to enable: the key stays, read-only false (a faulty charge point keeps
            # using a list although it claims no support for one).
            enabled = config.keys["LocalAuthListEnabled"]
            enabled.readonly = True
            if not station.faults.on("s16-no-list-send-accepted"):
                enabled.value = "false"
        if NO_RESERVE_CONNECTOR_ZERO in self.names:
            config.keys["ReserveConnectorZeroSupported"].value = "false"

    def reserve_refused(self, p: Mapping[str, Any]) -> str | None:
        """The ReserveNow.conf status a variant gives before any other check, or None."""
        if NO_RESERVATIONS in self.names and not self.st.faults.on("s16-no-reservations-accepted"):
            return "Rejected"  # section 5.13: not configured to accept reservations
        if (
            NO_RESERVE_CONNECTOR_ZERO in self.names
            and int(p["connectorId"]) == 0
            and self.st.faults.on("s16-reserve-zero-unsupported-unavailable")
        ):
            return "Unavailable"
        return None
