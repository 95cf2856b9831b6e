"""The 1.6 reference charge point's end of its Central System connection.

The framing is the shared link's (`conformance.sim.link`) with the 1.6 codec: incoming CALLs
are answered by a synchronous handler (the read loop never blocks on the charge point's own
CALLs), follow-up work (a reboot after Reset, a transaction after RemoteStartTransaction) runs
once the answer is sent, and the charge point's own CALLs go out one at a time (OCPP-J 1.6
section 4.1.1: one outstanding CALL per side).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.ocppj import Call, OcppVersion
from conformance.sim.link import Answer, PeerLink, WebSocket

__all__ = ["Answer", "CentralSystemLink", "Handler"]

Handler = Callable[[Call], Answer]


class CentralSystemLink(PeerLink):
    """One WebSocket to the Central System, as the charge point sees it."""

    def __init__(self, ws: WebSocket, handler: Handler, *, supported: frozenset[str]) -> None:
        super().__init__(ws, handler, version=OcppVersion.V16, supported=supported)
