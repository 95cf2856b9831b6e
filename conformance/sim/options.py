"""Start-up options of the reference DUTs, shared by the CLI and in-process tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.ocppj import OcppVersion
from conformance.sim.faults import ActiveFaults


@dataclass
class StationOptions:
    version: OcppVersion
    csms_url: str  # base URL; the station id is appended
    station_id: str = "CS001"
    evses: tuple[int, ...] = (1, 1)  # connectors per EVSE
    security_profile: int = 0
    password: str | None = None
    ca_cert: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    control_host: str = "127.0.0.1"
    control_port: int = 0
    # id tokens the station treats as locally known (authorization cache / local list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CsmsOptions:
    version: OcppVersion
    host: str = "127.0.0.1"
    port: int = 0
    path_prefix: str = "/ocpp"
    security_profile: int = 0
    passwords: dict[str, str] = field(default_factory=dict)
    server_cert: Path | None = None
    server_key: Path | None = None
    ca_cert: Path | None = None
    ca_key: Path | None = None  # the CA's key: signs the stations' CSRs (A02/A03)
    control_host: str = "127.0.0.1"
    control_port: int = 0
    valid_tokens: tuple[str, ...] = ("VALID001",)
    blocked_tokens: tuple[str, ...] = ("BLOCKED01",)
    expired_tokens: tuple[str, ...] = ("EXPIRED01",)
    group_token: str | None = None  # the groupIdToken the valid tokens share (C09)
    master_pass_tokens: tuple[str, ...] = ()  # idTokens whose group is master_pass_group (C16)
    master_pass_group: str | None = None
    heartbeat_interval: int = 60
    extra: dict[str, Any] = field(default_factory=dict)


class Simulator(Protocol):
    """What the CLI and the harness need of a reference DUT."""

    async def start(self) -> dict[str, str]:
        """Start; return the addresses to announce (at least "control")."""
        ...

    async def stop(self) -> None: ...

    async def wait_stopped(self) -> None:
        """Return when the simulator ended on its own (it normally runs until stopped)."""
        ...


def build_station(options: StationOptions, faults: ActiveFaults) -> Simulator:
    if options.version is OcppVersion.V16:
        from conformance.sim.station16 import ReferenceStation16

        sim: Simulator = ReferenceStation16(options, faults)
        return sim
    from conformance.sim.station201 import ReferenceStation201

    station: Simulator = ReferenceStation201(options, faults)
    return station


def build_csms(options: CsmsOptions, faults: ActiveFaults) -> Simulator:
    if options.version is OcppVersion.V16:
        from conformance.sim.csms16 import ReferenceCsms16

        sim: Simulator = ReferenceCsms16(options, faults)
        return sim
    from conformance.sim.csms201 import ReferenceCsms201

    csms: Simulator = ReferenceCsms201(options, faults)
    return csms
