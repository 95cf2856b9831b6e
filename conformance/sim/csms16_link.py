"""One charge point's WebSocket as the reference 1.6 Central System sees it.

The framing machinery is the shared link's (`conformance.sim.link`), with the CSMS side's
habits of the 2.0.1 link; only the codec differs: frames are parsed and checked with the
OCPP 1.6 rules and the actions a 1.6 charge point may send.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from conformance.ocppj import Call, OcppVersion, sent_by_station
from conformance.ocppj.schemas import actions
from conformance.sim.csms201_link import StationLink
from conformance.sim.link import Answer, WebSocket

V16 = OcppVersion.V16
# What a Central System receives: every action the 1.6 schemas say a charge point sends.
CHARGE_POINT_ACTIONS: frozenset[str] = frozenset(a for a in actions(V16) if sent_by_station(V16, a))

__all__ = ["CHARGE_POINT_ACTIONS", "Answer", "ChargePointLink"]


class ChargePointLink(StationLink):
    """The Central System's end of one 1.6 charge point connection."""

    def __init__(
        self, ws: WebSocket, station_id: str, handler: Callable[[Call], Awaitable[Answer]]
    ) -> None:
        super().__init__(ws, station_id, handler, version=V16, supported=CHARGE_POINT_ACTIONS)
