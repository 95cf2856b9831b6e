"""One station's WebSocket as the 2.0.1 reference CSMS sees it (see `conformance.sim.link`).

What is specific to this side: the CSMS accepts every action the 2.0.1 schemas say a station
sends, names its own message ids `csms-...`, and drops a station's follow-up work when that
station's connection ends.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from conformance.ocppj import Call, OcppVersion, sent_by_station
from conformance.ocppj.schemas import actions
from conformance.sim.link import Answer, PeerLink, WebSocket

V201 = OcppVersion.V201


@functools.cache
def station_actions(version: OcppVersion) -> frozenset[str]:
    """What a CSMS receives: every action the version's schemas say a station sends."""
    return frozenset(a for a in actions(version) if sent_by_station(version, a))


STATION_ACTIONS = station_actions(V201)

__all__ = ["STATION_ACTIONS", "Answer", "StationLink", "station_actions"]


class StationLink(PeerLink):
    """The CSMS's end of one station connection."""

    def __init__(
        self,
        ws: WebSocket,
        station_id: str,
        handler: Callable[[Call], Awaitable[Answer]],
        *,
        version: OcppVersion = V201,
        supported: frozenset[str] = STATION_ACTIONS,
    ) -> None:
        super().__init__(
            ws,
            handler,
            version=version,
            supported=supported,
            name=station_id,
            id_prefix="csms-",
            cancel_tasks_on_close=True,
        )
        self.station_id = station_id

    async def close(self, code: int = 1001, reason: str = "CSMS shutting down") -> None:
        await super().close(code, reason)
