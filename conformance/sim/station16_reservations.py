"""Reservations of the 1.6 reference charge point (OCPP 1.6 sections 3.11, 5.13, 5.2;
Reservation profile).

ReserveNow reserves one connector, or (connectorId 0, ReserveConnectorZeroSupported) any
connector: the charge point then keeps one free connector for the idTag, and reports the last
free one Reserved. A reserved connector serves only the reserved idTag, or an idTag with the
reservation's parentIdTag; its StartTransaction.req carries the reservationId, which ends the
reservation. A reservation ends at its expiryDate (the connector is Available again) or with
CancelReservation. A ReserveNow with the reservationId of an existing reservation replaces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.sim.station16_tx import Connector

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16


@dataclass
class Reservation:
    reservation_id: int
    connector_id: int  # 0: any connector of the charge point
    id_tag: str
    parent_id_tag: str | None
    expiry: _dt.datetime
    task: asyncio.Task[None] | None = None


def _parse(when: str) -> _dt.datetime:
    parsed = _dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


class Reservations:
    def __init__(self, station: ReferenceStation16) -> None:
        self.st = station
        self.faults = station.faults
        self.by_id: dict[int, Reservation] = {}

    # -- what a reservation means for a connector ------------------------------------------

    def _free(self, c: Connector) -> bool:
        """Free for anyone: usable, no cable, no pending authorization, no own reservation."""
        tx = self.st.tx
        return (
            tx.usable(c)
            and not c.plugged
            and c.pending is None
            and not c.finishing
            and self.on_connector(c.id) is None
        )

    def on_connector(self, connector_id: int) -> Reservation | None:
        for r in self.by_id.values():
            if r.connector_id == connector_id:
                return r
        return None

    def holding(self, c: Connector) -> Reservation | None:
        """The reservation `c` is held for: its own, or a connector-0 reservation when `c` is
        the last free connector."""
        own = self.on_connector(c.id)
        if own is not None:
            return own
        zero = self.on_connector(0)
        if zero is None or self.faults.on("s16-reserve-zero-not-kept"):
            return None
        free = [x for x in self.st.tx.connectors.values() if self._free(x)]
        return zero if free == [c] else None

    def reserved(self, connector_id: int) -> bool:
        """The connector is to be reported Reserved (section 7.7)."""
        c = self.st.tx.connectors[connector_id]
        if self.faults.on("s16-reserved-not-reported"):
            return False
        return self.holding(c) is not None

    def allows(self, c: Connector, id_tag: str, parent: str | None) -> bool:
        """May `id_tag` (with `parent`) use connector `c`?"""
        r = self.holding(c)
        if r is None or self.faults.on("s16-reservation-ignored"):
            return True
        if r.id_tag == id_tag:
            return True
        if self.faults.on("s16-reservation-parent-ignored"):
            return False
        return r.parent_id_tag is not None and parent == r.parent_id_tag

    def may_need_parent(self, c: Connector) -> bool:
        """Only the idTag's parentIdTag (known after an Authorize) decides whether it may use
        `c`."""
        r = self.holding(c)
        return r is not None and r.parent_id_tag is not None

    def consume(self, c: Connector, id_tag: str, parent: str | None) -> int | None:
        """A transaction starts on `c`: the reservationId it uses (and the reservation ends)."""
        for r in (self.on_connector(c.id), self.on_connector(0)):
            if r is None:
                continue
            if r.id_tag == id_tag or (r.parent_id_tag is not None and parent == r.parent_id_tag):
                self._remove(r, report=False)
                return r.reservation_id
        return None

    # -- ReserveNow / CancelReservation (sections 5.13, 5.1) -------------------------------

    def reserve(self, p: Mapping[str, Any]) -> str:
        tx = self.st.tx
        connector_id = int(p["connectorId"])
        reservation_id = int(p["reservationId"])
        old = self.by_id.get(reservation_id)
        if old is not None:
            self._remove(old, report=False)  # replaced by the new one
        if connector_id == 0:
            if not self.st.config.flag("ReserveConnectorZeroSupported"):
                return "Rejected"
            if not tx.cp_operative and not self.faults.on("s16-reserve-unavailable-accepted"):
                return "Unavailable"
            connectors = list(tx.connectors.values())
            faulted = all(c.fault is not None for c in connectors)
            if faulted and not self.faults.on("s16-reserve-faulted-accepted"):
                return "Faulted"
            if all(not c.operative for c in connectors):
                return "Unavailable"
            if not any(self._free(c) for c in connectors) and not self.faults.on(
                "s16-reserve-occupied-accepted"
            ):
                return "Occupied"
        else:
            c = tx.connectors.get(connector_id)
            if c is None:
                return "Rejected"
            if c.fault is not None and not self.faults.on("s16-reserve-faulted-accepted"):
                return "Faulted"
            if (not c.operative or not tx.cp_operative) and not self.faults.on(
                "s16-reserve-unavailable-accepted"
            ):
                return "Unavailable"
            occupied = c.tx is not None or c.plugged or c.pending is not None or c.finishing
            if (occupied or self.on_connector(connector_id) is not None) and not self.faults.on(
                "s16-reserve-occupied-accepted"
            ):
                return "Occupied"
        parent = p.get("parentIdTag")
        r = Reservation(
            reservation_id,
            connector_id,
            str(p["idTag"]),
            str(parent) if parent else None,
            _parse(str(p["expiryDate"])),
        )
        self.by_id[reservation_id] = r
        if not self.faults.on("s16-reservation-never-expires"):
            r.task = asyncio.ensure_future(self._expire(r))
        self.report()
        return "Accepted"

    def cancel(self, reservation_id: int) -> str:
        r = self.by_id.get(reservation_id)
        if r is None:
            if self.faults.on("s16-cancel-unknown-accepted"):
                return "Accepted"
            return "Rejected"
        if not self.faults.on("s16-cancel-not-applied"):
            self._remove(r, report=True)
        return "Accepted"

    async def _expire(self, r: Reservation) -> None:
        delay = (r.expiry - _dt.datetime.now(_dt.UTC)).total_seconds()
        # The reservation's expiryDate IS the behaviour (section 5.13).
        await asyncio.sleep(max(delay, 0.0))
        r.task = None
        if self.by_id.get(r.reservation_id) is r:
            self._remove(r, report=True)

    def _remove(self, r: Reservation, *, report: bool) -> None:
        self.by_id.pop(r.reservation_id, None)
        if r.task is not None:
            r.task.cancel()
            r.task = None
        if report:
            self.report()

    def report(self) -> None:
        """Status changes a reservation made (Reserved / Available)."""
        for connector_id in self.st.tx.connectors:
            self.st.connector_changed(connector_id)

    def cancel_tasks(self) -> None:
        for r in self.by_id.values():
            if r.task is not None:
                r.task.cancel()
        with contextlib.suppress(Exception):
            self.by_id.clear()

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "reservationId": r.reservation_id,
                "connectorId": r.connector_id,
                "idTag": r.id_tag,
                "parentIdTag": r.parent_id_tag,
                "expiryDate": r.expiry.isoformat(),
            }
            for r in self.by_id.values()
        ]
