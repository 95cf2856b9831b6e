"""The 2.0.1 reference station's end of its CSMS connection (see `conformance.sim.link`).

Incoming CALLs are answered by a synchronous handler, so the read loop never blocks on the
station's own CALLs; work that must follow an answer (a TriggerMessage's message, a reboot
after Reset) runs once the answer is on the wire, and survives the connection (a reboot closes
it on purpose) until the station shuts down.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from conformance.ocppj import Call, OcppVersion
from conformance.sim.link import Answer, PeerLink, WebSocket

__all__ = ["Answer", "CsmsLink", "Handler"]

# Synchronous, except that a request arriving right after the BootNotification answer waits
# (bounded) for the boot to take that answer in: messages are processed in their order.
Handler = Callable[[Call], Answer | Awaitable[Answer]]


class CsmsLink(PeerLink):
    """One WebSocket to the CSMS, as the 2.0.1 station sees it."""

    def __init__(
        self,
        ws: WebSocket,
        handler: Handler,
        *,
        supported: frozenset[str],
        reuse_ids: bool = False,
        version: OcppVersion = OcppVersion.V201,
    ) -> None:
        super().__init__(ws, handler, version=version, supported=supported, reuse_ids=reuse_ids)
