"""What a station has said on one connection, kept across cases.

A session's backlog is cleared when a case starts, but some facts outlive a case: whether the
station has sent anything yet on this connection, its last BootNotification, and the state it
last reported per connector since that boot (StatusNotification, or a NotifyEvent for
Connector.AvailabilityState - 2.0.1 allows either). The mock CSMS attaches one log per
connection, so a case that begins while the station is still booting can wait for the boot's
report to finish instead of mistaking it for an answer to its own request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from conformance.session import Incoming, Session


class ConnectionLog:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.received = 0
        self.boot: Incoming | None = None
        # (evseId, connectorId) -> the state last reported since the last BootNotification
        self.states: dict[tuple[int, int], str] = {}
        self.first_message = asyncio.Event()
        self.settled_boot: Incoming | None = None  # the boot whose report a case waited for
        self._changed = asyncio.Event()

    @classmethod
    def attach(cls, session: Session) -> ConnectionLog:
        log = cls(session)
        session.add_listener(log._on_message)
        return log

    def _on_message(self, msg: Incoming) -> None:
        self.received += 1
        self.first_message.set()
        p = msg.payload
        if msg.action == "BootNotification":
            self.boot = msg
            self.states.clear()
        elif msg.action == "StatusNotification":
            evse, connector = p.get("evseId"), p.get("connectorId")
            if isinstance(evse, int) and isinstance(connector, int):
                self.states[(evse, connector)] = str(p.get("connectorStatus"))
        elif msg.action == "NotifyEvent":
            for d in p.get("eventData") or []:
                where = d.get("component", {}).get("evse") or {}
                evse, connector = where.get("id"), where.get("connectorId")
                if (
                    d.get("component", {}).get("name") == "Connector"
                    and d.get("variable", {}).get("name") == "AvailabilityState"
                    and isinstance(evse, int)
                    and isinstance(connector, int)
                ):
                    self.states[(evse, connector)] = str(d.get("actualValue"))
        self._changed.set()

    async def wait_first_message(self, timeout: float) -> bool:
        """Wait until the station has sent anything on this connection (False at the deadline)."""
        try:
            await asyncio.wait_for(self.first_message.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def wait_reported(self, connectors: Iterable[tuple[int, int]], timeout: float) -> bool:
        """Wait until every connector's state has been reported since the last boot (False
        at the deadline)."""
        wanted = set(connectors)
        deadline = time.monotonic() + timeout
        while not wanted <= self.states.keys():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                return False
        return True
