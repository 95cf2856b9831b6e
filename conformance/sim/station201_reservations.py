"""Reservations of the reference 2.0.1 station (OCPP 2.0.1 Part 2, H01-H04).

ReserveNow reserves a specific EVSE (evseId), an EVSE with a connector of a type
(connectorType) or an unspecified EVSE (neither; ReservationCtrlr.NonEvseSpecific). A
specifically reserved EVSE reports its connectors Reserved and serves only the reservation's
idToken, or an idToken whose groupIdToken is the reservation's. Reservations without an EVSE
stay unbound: the station keeps one free EVSE for each of them (H01.FR.07), and once the free
EVSEs are just enough for them, those EVSEs report Reserved as well. Using a reservation
consumes it: the transaction's TransactionEvent carries its reservationId (H03). A reservation
ends at its expiryDateTime (ReservationStatusUpdate Expired, H04), with CancelReservation
(H02), or when its EVSE becomes Inoperative (ReservationStatusUpdate Removed). A ReserveNow
with the id of an existing reservation replaces it (H01.FR.02). Reservations are kept over a
reboot (TC_B_24_CS: they are in non-volatile memory).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.sim.faults import declarer
from conformance.sim.station201_link import Answer
from conformance.sim.station201_model import Variable
from conformance.sim.station201_tx import Evse

if TYPE_CHECKING:
    from conformance.sim.station201 import ReferenceStation201

_fault = declarer("station", ("2.0.1",))
_fault(
    "s201-reserve-reserved-accepted",
    "ReserveNow for an EVSE that is already reserved (another id) answers Accepted",
    "TC_H_03_CS",
)
_fault(
    "s201-reserve-occupied-accepted",
    "ReserveNow for an EVSE with a cable plugged in or a transaction answers Accepted",
    "TC_H_04_CS",
)
_fault(
    "s201-reserve-unavailable-accepted",
    "ReserveNow for an Inoperative EVSE (or any EVSE of an Inoperative station) answers Accepted",
    "TC_H_06_CS",
    "TC_H_12_CS",
)
_fault(
    "s201-reserved-not-reported",
    "a reserved EVSE's connectors are never reported Reserved (StatusNotification)",
    "TC_H_01_CS",
    "TC_H_14_CS",
    "TC_H_16_CS",
    "TC_H_19_CS",
    "TC_B_24_CS",
)
_fault(
    "s201-reservation-ignored",
    "a reserved EVSE can be used with any accepted idToken, not only the reservation's",
    "TC_H_02_CS",
)
_fault(
    "s201-reservation-id-not-reported",
    "the TransactionEvent of a transaction that used a reservation lacks its reservationId",
    "TC_H_01_CS",
    "TC_H_08_CS",
    "TC_H_15_CS",
    "TC_H_19_CS",
    "TC_H_24_CS",
)
_fault(
    "s201-reservation-never-expires",
    "a reservation stays after its expiryDateTime: no ReservationStatusUpdate, still Reserved",
    "TC_H_07_CS",
)
_fault(
    "s201-cancel-unknown-accepted",
    "CancelReservation for an unknown reservationId answers Accepted",
    "TC_H_18_CS",
)
_fault(
    "s201-cancel-not-applied",
    "CancelReservation answers Accepted but the EVSE stays Reserved",
    "TC_H_17_CS",
)
_fault(
    "s201-reservation-kept-when-unavailable",
    "a reserved EVSE made Inoperative keeps its reservation (no ReservationStatusUpdate Removed)",
    "TC_H_21_CS",
)
_fault(
    "s201-reservation-enabled-ignored",
    "ReservationCtrlr.Enabled false, yet ReserveNow answers Accepted",
    "TC_H_22_CS",
)
_fault(
    "s201-non-evse-specific-ignored",
    "ReservationCtrlr.NonEvseSpecific false, yet a ReserveNow without evseId answers Accepted",
    "TC_H_13_CS",
)
_fault(
    "s201-reserve-unspecified-overbooked",
    "a ReserveNow without evseId is Accepted although no free EVSE is left for it",
    "TC_H_09_CS",
    "TC_H_10_CS",
)
_fault(
    "s201-reservation-not-replaced",
    "a ReserveNow with the id of an existing reservation does not replace it (Occupied)",
    "TC_H_23_CS",
)
_fault(
    "s201-reservation-group-ignored",
    "an idToken of the reservation's groupIdToken may not use the reservation",
    "TC_H_19_CS",
    "TC_H_24_CS",
)
_fault(
    "s201-reservation-lost-on-reboot",
    "reservations are kept in volatile memory: a reboot (Reset) forgets them",
    "TC_B_24_CS",
)


@dataclass
class Reservation:
    id: int
    expiry: _dt.datetime
    id_token: dict[str, Any]
    group: str | None  # groupIdToken.idToken
    evse_id: int | None  # None: unspecified EVSE (unbound)
    connector_type: str | None
    task: asyncio.Task[None] | None = None


def _parse(when: str) -> _dt.datetime:
    parsed = _dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


class Reservations:
    """The station's reservations and what they mean for its EVSEs."""

    def __init__(self, station: ReferenceStation201) -> None:
        self.st = station
        self.faults = station.faults
        self.model = station.model
        self.by_id: dict[int, Reservation] = {}
        self._reporting = False
        self.model.add(
            Variable(
                "ReservationCtrlr", "Available", "true", data_type="boolean", mutability="ReadOnly"
            ),
            Variable("ReservationCtrlr", "Enabled", "true", data_type="boolean"),
            Variable("ReservationCtrlr", "NonEvseSpecific", "true", data_type="boolean"),
        )

    # -- the EVSEs ---------------------------------------------------------------------------

    def _usable(self, evse: Evse) -> bool:
        return bool(self.st.tx.station_operative and evse.operative)

    def _types(self, evse: Evse) -> set[str]:
        return {
            v.value
            for v in self.model.variables
            if (v.component, v.name, v.evse) == ("Connector", "ConnectorType", evse.id)
        }

    def _fits(self, evse: Evse, connector_type: str | None) -> bool:
        return connector_type is None or connector_type in self._types(evse)

    def _bound(self, evse_id: int) -> Reservation | None:
        return next((r for r in self.by_id.values() if r.evse_id == evse_id), None)

    def _unbound(self) -> list[Reservation]:
        return [r for r in self.by_id.values() if r.evse_id is None]

    def _free(self) -> list[Evse]:
        """EVSEs anyone could use now: operative, idle, not reserved specifically."""
        return [
            e
            for e in self.st.tx.evses.values()
            if self._usable(e)
            and e.plugged is None
            and e.tx is None
            and e.auth is None
            and self._bound(e.id) is None
        ]

    def _feasible(self, evses: list[Evse], pool: list[Reservation]) -> bool:
        """Each unbound reservation of `pool` can have an EVSE of its own among `evses`."""
        left = list(evses)
        for r in sorted(pool, key=lambda r: r.connector_type is None):  # typed ones first
            e = next((e for e in left if self._fits(e, r.connector_type)), None)
            if e is None:
                return False
            left.remove(e)
        return True

    def _kept_for_pool(self, evse: Evse) -> bool:
        """The unbound reservations cannot spare this free EVSE (it is reported Reserved)."""
        pool = self._unbound()
        free = self._free()
        if not pool or evse not in free:
            return False
        return not self._feasible([e for e in free if e is not evse], pool)

    def holding(self, evse: Evse) -> list[Reservation]:
        """The reservations `evse` is kept for: its own, or the unbound ones it may serve."""
        own = self._bound(evse.id)
        if own is not None:
            return [own]
        if self._kept_for_pool(evse):
            return [r for r in self._unbound() if self._fits(evse, r.connector_type)]
        return []

    def reserved(self, evse_id: int, connector_id: int) -> bool:
        """The connector is to be reported Reserved (hook of TxEngine.connector_status)."""
        evse = self.st.tx.evses[evse_id]
        if self.faults.on("s201-reserved-not-reported") or not self._usable(evse):
            return False
        return bool(self.holding(evse))

    # -- using a reservation (H03) -----------------------------------------------------------

    def _matches(self, r: Reservation, token: Mapping[str, Any], group: str | None) -> bool:
        if r.id_token.get("idToken") == token.get("idToken"):
            return True
        if self.faults.on("s201-reservation-group-ignored"):
            return False
        return r.group is not None and group == r.group

    def may_try(self, evse: Evse, token: Mapping[str, Any]) -> bool:
        """Before its group is known: could `token` use `evse`? (a remote start's check)"""
        held = self.holding(evse)
        if not held or self.faults.on("s201-reservation-ignored"):
            return True
        return any(r.id_token.get("idToken") == token.get("idToken") or r.group for r in held)

    def allows(self, evse: Evse, token: Mapping[str, Any], group: str | None) -> bool:
        """May the accepted `token` (of `group`) use `evse`? (H03: only the reservation's)"""
        held = self.holding(evse)
        if not held or self.faults.on("s201-reservation-ignored"):
            return True
        return any(self._matches(r, token, group) for r in held)

    def consume(self, evse: Evse, token: Mapping[str, Any], group: str | None) -> int | None:
        """`token` is authorized on `evse`: the reservation it uses ends (H03.FR.09); its id
        goes in the transaction's TransactionEvent."""
        own = self._bound(evse.id)
        candidates = [own] if own is not None else []
        candidates += [r for r in self._unbound() if self._fits(evse, r.connector_type)]
        for r in candidates:
            if self._matches(r, token, group):
                self._remove(r, None)
                self.report()
                if self.faults.on("s201-reservation-id-not-reported"):
                    return None
                return r.id
        return None

    # -- ReserveNow / CancelReservation (H01, H02) -------------------------------------------

    def on_reserve_now(self, p: Mapping[str, Any]) -> Answer:
        enabled = self.model.get_bool("ReservationCtrlr", "Enabled") and self.model.get_bool(
            "ReservationCtrlr", "Available"
        )
        if not enabled and not self.faults.on("s201-reservation-enabled-ignored"):
            return Answer(payload={"status": "Rejected"})  # H01.FR.01
        rid = int(p["id"])
        old = None
        if not self.faults.on("s201-reservation-not-replaced"):
            old = self.by_id.pop(rid, None)  # H01.FR.02: the new one replaces it
        status = self._decide(p)
        if status != "Accepted":
            if old is not None:
                self.by_id[rid] = old  # a refused replacement leaves the old one in place
            return Answer(payload={"status": status})
        if old is not None and old.task is not None:
            old.task.cancel()
        group = (p.get("groupIdToken") or {}).get("idToken")
        r = Reservation(
            rid,
            _parse(str(p["expiryDateTime"])),
            dict(p["idToken"]),
            str(group) if group else None,
            int(p["evseId"]) if p.get("evseId") else None,
            str(p["connectorType"]) if p.get("connectorType") else None,
        )
        self.by_id[rid] = r

        async def then() -> None:
            if not self.faults.on("s201-reservation-never-expires"):
                r.task = self.st._tasks.spawn(self._expire(r))
            self.report()

        return Answer(payload={"status": "Accepted"}, then=then)

    def _decide(self, p: Mapping[str, Any]) -> str:
        tx = self.st.tx
        ctype = p.get("connectorType")
        evse_id = p.get("evseId")
        if evse_id:
            evse = tx.evses.get(int(evse_id))
            if evse is None or not self._fits(evse, ctype):
                return "Rejected"
            if not self._usable(evse) and not self.faults.on("s201-reserve-unavailable-accepted"):
                return "Unavailable"
            busy = evse.plugged is not None or evse.tx is not None or evse.auth is not None
            if busy and not self.faults.on("s201-reserve-occupied-accepted"):
                return "Occupied"
            taken = self._bound(evse.id) is not None or self._kept_for_pool(evse)
            if taken and not self.faults.on("s201-reserve-reserved-accepted"):
                return "Occupied"
            return "Accepted"
        specific_only = not self.model.get_bool("ReservationCtrlr", "NonEvseSpecific")
        if specific_only and not self.faults.on("s201-non-evse-specific-ignored"):
            return "Rejected"  # H01.FR.19
        candidates = [e for e in tx.evses.values() if self._fits(e, ctype)]
        if not candidates:
            return "Rejected"
        unusable = not any(self._usable(e) for e in candidates)
        if unusable and not self.faults.on("s201-reserve-unavailable-accepted"):
            return "Unavailable"
        new = Reservation(0, _dt.datetime.now(_dt.UTC), {}, None, None, ctype)
        full = not self._feasible(self._free(), [*self._unbound(), new])
        if full and not self.faults.on("s201-reserve-unspecified-overbooked"):
            return "Occupied"
        return "Accepted"

    def on_cancel_reservation(self, p: Mapping[str, Any]) -> Answer:
        r = self.by_id.get(int(p["reservationId"]))
        if r is None:
            if self.faults.on("s201-cancel-unknown-accepted"):
                return Answer(payload={"status": "Accepted"})
            return Answer(payload={"status": "Rejected"})  # H02.FR.01
        if self.faults.on("s201-cancel-not-applied"):
            return Answer(payload={"status": "Accepted"})

        async def then() -> None:
            self._remove(r, None)
            self.report()  # H02.FR.04: the connectors are Available again

        return Answer(payload={"status": "Accepted"}, then=then)

    # -- the end of a reservation (H04) ------------------------------------------------------

    async def _expire(self, r: Reservation) -> None:
        delay = (r.expiry - _dt.datetime.now(_dt.UTC)).total_seconds()
        # The reservation's expiryDateTime IS the behaviour (H04).
        await asyncio.sleep(max(delay, 0.0))
        r.task = None
        if self.by_id.get(r.id) is r:
            self._remove(r, "Expired")
            self.report()

    def _remove(self, r: Reservation, update: str | None) -> None:
        """End `r`; `update`: the ReservationStatusUpdate status to send (Expired / Removed)."""
        if self.by_id.get(r.id) is r:
            del self.by_id[r.id]
        if r.task is not None and r.task is not asyncio.current_task():
            r.task.cancel()
        r.task = None
        if update is not None:
            payload = {"reservationId": r.id, "reservationUpdateStatus": update}
            fut = self.st.send("ReservationStatusUpdate", payload)
            fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # nobody waits

    def status_changing(self) -> None:
        """Hook of the station's connector status reporting: a reservation whose EVSE became
        Inoperative ends (ReservationStatusUpdate Removed), and a change of one EVSE may change
        which free EVSEs the unbound reservations need (reported Reserved / Available)."""
        if self._reporting or not self.by_id:
            return
        if not self.faults.on("s201-reservation-kept-when-unavailable"):
            for r in list(self.by_id.values()):
                evse = self.st.tx.evses.get(r.evse_id) if r.evse_id is not None else None
                if evse is not None and not self._usable(evse):
                    self._remove(r, "Removed")
        self.report()

    def report(self) -> None:
        """Report every connector whose status the reservations changed."""
        if self._reporting:
            return
        self._reporting = True
        try:
            for evse in self.st.tx.evses.values():
                for connector_id in evse.connectors:
                    self.st.connector_changed(evse.id, connector_id)
        finally:
            self._reporting = False

    def rebooted(self) -> None:
        """Reservations persist over a reboot, unless the fault makes them volatile."""
        if self.faults.on("s201-reservation-lost-on-reboot"):
            for r in list(self.by_id.values()):
                self._remove(r, None)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "id": r.id,
                "evseId": r.evse_id,
                "connectorType": r.connector_type,
                "idToken": r.id_token,
                "groupIdToken": r.group,
                "expiryDateTime": r.expiry.isoformat(),
            }
            for r in self.by_id.values()
        ]
