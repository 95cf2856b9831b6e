"""Test rigs for the reference DUTs, in-process: one per side, for every OCPP version.

`CsmsRig` runs a reference CSMS and lets a test connect MockStations to it and call its
operator verbs through the real control API; `StationRig` runs a reference station against
a MockCsms. The sims' own tests (tests/test_sim_*.py) share these instead of each keeping
a copy that differs only in the simulator class.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any, Protocol

from conformance.ocppj import OcppVersion
from conformance.roles import MockCsms, MockStation
from conformance.roles.tokens import TokenBook
from conformance.session import Session, Timeouts
from conformance.sim.faults import ActiveFaults
from conformance.sim.options import CsmsOptions, StationOptions

FAST = Timeouts(response=2, message=2)


class CsmsSim(Protocol):
    def __init__(self, options: CsmsOptions, faults: ActiveFaults) -> None: ...
    async def start(self) -> dict[str, str]: ...
    async def stop(self) -> None: ...
    def state_json(self) -> Any: ...


class StationSim(Protocol):
    def __init__(self, options: StationOptions, faults: ActiveFaults) -> None: ...
    async def start(self) -> dict[str, str]: ...
    async def stop(self) -> None: ...


class CsmsRig:
    def __init__(self, sim: Any, urls: dict[str, str], version: OcppVersion) -> None:
        from conformance.trace import Recorder

        self.sim = sim
        self.urls = urls
        self.version = version
        self.recorder = Recorder()
        self.stations: list[MockStation] = []

    @classmethod
    async def start(
        cls, sim_class: type[CsmsSim], version: OcppVersion, faults: tuple[str, ...] = ()
    ) -> CsmsRig:
        sim = sim_class(
            CsmsOptions(version=version, heartbeat_interval=7, extra={"late_response_delay": 0.1}),
            ActiveFaults(faults),
        )
        return cls(sim, await sim.start(), version)

    async def stop(self) -> None:
        for st in self.stations:
            await st.close()
        await self.sim.stop()

    async def station(self, station_id: str = "CS1", **kw: Any) -> MockStation:
        st = MockStation(
            csms_url=self.urls["ocpp"],
            station_id=station_id,
            version=self.version,
            recorder=self.recorder,
            timeouts=FAST,
            evses={1: 1, 2: 1},
        )
        await st.connect(**kw)
        self.stations.append(st)
        return st

    async def verb(self, name: str, **args: Any) -> tuple[int, dict[str, Any]]:
        """POST /verbs/<name> on the sim's control API, as the `reference` driver does."""

        def post() -> tuple[int, dict[str, Any]]:
            req = urllib.request.Request(
                f"{self.urls['control']}/verbs/{name}",
                data=json.dumps(args).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    return resp.status, json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read())

        return await asyncio.to_thread(post)

    def state(self, station_id: str = "CS1") -> dict[str, Any]:
        return dict(self.sim.state_json()["stations"][station_id])

    def violations(self) -> list[str]:
        return [f.message for f in self.recorder.findings.items]


class StationRig:
    def __init__(self, csms: MockCsms, station: Any, station_id: str) -> None:
        self.csms = csms
        self.station = station
        self.station_id = station_id

    @classmethod
    async def start(
        cls,
        sim_class: type[StationSim],
        version: OcppVersion,
        station_id: str,
        faults: tuple[str, ...] = (),
    ) -> StationRig:
        from conformance.trace import Recorder

        csms = MockCsms(
            version=version,
            recorder=Recorder(),
            timeouts=FAST,
            tokens=TokenBook(statuses={"VALID001": "Accepted", "BAD": "Invalid"}),
            heartbeat_interval=30,
        )
        await csms.start()
        station = sim_class(
            StationOptions(
                version=version, csms_url=csms.url(), station_id=station_id, evses=(1, 1)
            ),
            ActiveFaults(faults),
        )
        await station.start()
        return cls(csms, station, station_id)

    async def stop(self) -> None:
        await self.station.stop()
        await self.csms.close()

    async def session(self, after: int | None = None) -> Session:
        return await self.csms.wait_for_station(self.station_id, 3, after=after)

    def violations(self) -> list[str]:
        return [f.message for f in self.csms.recorder.findings.items]
