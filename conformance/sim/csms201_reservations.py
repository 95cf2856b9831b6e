"""The reference 2.0.1 CSMS's reservations (functional block H, Reservation profile).

H01: the operator reserves a specific EVSE (evseId), an EVSE with a connector of some type
(connectorType) or any EVSE (neither) for an idToken, optionally for its group
(groupIdToken), until now plus an expiry time; every ReserveNowRequest gets a fresh id, since
a station replaces a reservation whose id it already holds. H02: the operator cancels a
reservation, named by the id the CSMS gave it. H04: the CSMS answers every
ReservationStatusUpdate (Expired, Removed) and keeps what became of each reservation.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Mapping
from typing import Any

from conformance.ocppj import Call
from conformance.sim.control import VerbError, VerbHandler
from conformance.sim.csms201_certificates import CsmsRequests, verb_handlers
from conformance.sim.csms201_link import Answer, StationLink
from conformance.sim.faults import declarer

_fault = declarer("csms", ("2.0.1",))

_SPECIFIC = ("TC_H_01_CSMS", "TC_H_07_CSMS", "TC_H_17_CSMS", "TC_H_19_CSMS", "TC_H_20_CSMS")
_fault(
    "c201-reserve-wrong-evse",
    "ReserveNow names another evseId than the EVSE the operator reserved",
    *_SPECIFIC,
)
_fault(
    "c201-reserve-unspecified-as-evse",
    "a reservation of no particular EVSE is sent for evseId 1",
    "TC_H_08_CSMS",
    "TC_H_14_CSMS",
    "TC_H_15_CSMS",
)
_fault(
    "c201-reserve-wrong-idtoken-type",
    "ReserveNow idToken.type is Central whatever type the operator's idToken has",
    *_SPECIFIC,
    "TC_H_08_CSMS",
    "TC_H_14_CSMS",
    "TC_H_15_CSMS",
)
_fault(
    "c201-reserve-no-connector-type",
    "ReserveNow omits the connectorType the operator reserved",
    "TC_H_15_CSMS",
)
_fault(
    "c201-reserve-no-group",
    "ReserveNow omits the groupIdToken the operator gave",
    "TC_H_19_CSMS",
)
_fault(
    "c201-reserve-past-expiry",
    "ReserveNow expiryDateTime lies in the past (now minus the expiry time)",
    "TC_H_07_CSMS",
)
_fault(
    "c201-reservation-id-reused",
    "every ReserveNow carries id 1, so a new reservation replaces the station's last one",
    "TC_H_14_CSMS",
)
_fault(
    "c201-cancel-wrong-reservation",
    "CancelReservation names another reservationId than the reservation's",
    "TC_H_17_CSMS",
)
_fault(
    "c201-reservation-update-error",
    "answers ReservationStatusUpdate (Expired, Removed) with CALLERROR InternalError",
    "TC_H_07_CSMS",
    "TC_H_20_CSMS",
)
_fault(
    "c201-reserved-status-error",
    "answers a StatusNotification with connectorStatus Reserved with CALLERROR",
    "TC_H_01_CSMS",
    "TC_H_14_CSMS",
    "TC_H_15_CSMS",
    "TC_H_17_CSMS",
    "TC_H_19_CSMS",
    "TC_H_20_CSMS",
)
_fault(
    "c201-reserve-expiry-no-zone",
    "ReserveNow expiryDateTime without 'T' and time zone (not RFC 3339)",
    "TC_H_01_CSMS",
    "TC_H_22_CSMS",
)

DEFAULT_EXPIRY = 3600.0  # s: a reservation for which the operator gave no expiry time


def _iso(when: _dt.datetime, *, zoned: bool = True) -> str:
    if not zoned:
        return when.strftime("%Y-%m-%d %H:%M:%S")  # the fault's format: no T, no zone
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ReservationVerbs(CsmsRequests):
    """The operator verbs of block H and the answers to what stations report about them."""

    reservation_verbs = ("reserve_now", "cancel_reservation")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reservation_ids = itertools.count(1)
        # Per station: reservation id → what became of it (Requested, the ReserveNow status,
        # Canceled, or the station's ReservationStatusUpdate status).
        self.reservations: dict[str, dict[int, str]] = {}

    def _verbs(self) -> dict[str, VerbHandler]:
        verbs = super()._verbs()
        verbs.update(verb_handlers({n: getattr(self, f"verb_{n}") for n in self.reservation_verbs}))
        return verbs

    def state_json(self) -> Mapping[str, Any]:
        out = dict(super().state_json())
        for sid, station in out.get("stations", {}).items():
            station["reservations"] = {str(k): v for k, v in self.reservations.get(sid, {}).items()}
        return out

    # -- operator verbs --------------------------------------------------------------------

    def verb_reserve_now(self, args: Mapping[str, Any]) -> Any:
        """H01: evse_id (omitted: any EVSE), connector_type, id_token / type (default the
        first valid token), parent_id_token (the groupIdToken), expiry_seconds."""
        link = self._link(args)
        seconds = float(args.get("expiry_seconds") or DEFAULT_EXPIRY)
        if self.faults.on("c201-reserve-past-expiry"):
            seconds = -seconds
        expiry = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=seconds)
        zoned = not self.faults.on("c201-reserve-expiry-no-zone")
        reservation_id = next(self._reservation_ids)
        if self.faults.on("c201-reservation-id-reused"):
            reservation_id = 1
        kind = str(args.get("type") or "ISO14443")
        if self.faults.on("c201-reserve-wrong-idtoken-type"):
            kind = "Central"
        payload: dict[str, Any] = {
            "id": reservation_id,
            "expiryDateTime": _iso(expiry, zoned=zoned),
            "idToken": {
                "idToken": str(args.get("id_token") or self.options.valid_tokens[0]),
                "type": kind,
            },
        }
        if args.get("evse_id") is not None:
            evse = int(args["evse_id"])
            payload["evseId"] = evse + 1 if self.faults.on("c201-reserve-wrong-evse") else evse
        elif self.faults.on("c201-reserve-unspecified-as-evse"):
            payload["evseId"] = 1
        if args.get("connector_type") and not self.faults.on("c201-reserve-no-connector-type"):
            payload["connectorType"] = str(args["connector_type"])
        group = args.get("parent_id_token")
        if group and not self.faults.on("c201-reserve-no-group"):
            payload["groupIdToken"] = {"idToken": str(group), "type": "Central"}
        self.reservations.setdefault(link.station_id, {})[reservation_id] = "Requested"
        self.spawn(self._reserve(link, payload))
        return {"action": "ReserveNow", "request": payload}

    async def _reserve(self, link: StationLink, payload: dict[str, Any]) -> None:
        answer = await self.perform_answered(link, "ReserveNow", payload)
        status = str(answer.get("status") or "NoAnswer")
        known = self.reservations.setdefault(link.station_id, {})
        if known.get(int(payload["id"])) == "Requested":  # not yet canceled or ended since
            known[int(payload["id"])] = status

    def verb_cancel_reservation(self, args: Mapping[str, Any]) -> Any:
        """H02: reservation_id (omitted: the station's latest reservation)."""
        link = self._link(args)
        known = self.reservations.get(link.station_id, {})
        given = args.get("reservation_id")
        if given in (None, ""):
            if not known:
                raise VerbError("no reservation_id given and no reservation known")
            reservation_id = max(known)
        else:
            reservation_id = int(given)
        if reservation_id in known:
            known[reservation_id] = "Canceled"
        if self.faults.on("c201-cancel-wrong-reservation"):
            reservation_id += 1000
        return self._send(args, "CancelReservation", {"reservationId": reservation_id})

    # -- what stations report --------------------------------------------------------------

    def reservation_answer(self, station_id: str, call: Call) -> Answer | None:
        """The answer to a block-H report, or None to let the CSMS's state answer it."""
        p = call.payload
        if call.action == "ReservationStatusUpdate":
            known = self.reservations.setdefault(station_id, {})
            known[int(p["reservationId"])] = str(p["reservationUpdateStatus"])
            if self.faults.on("c201-reservation-update-error"):
                return Answer(error="InternalError", description="no such reservation")
            return Answer({})
        if (
            call.action == "StatusNotification"
            and p.get("connectorStatus") == "Reserved"
            and self.faults.on("c201-reserved-status-error")
        ):
            return Answer(
                error="PropertyConstraintViolation", description="connectorStatus Reserved"
            )
        return None


__all__ = ["ReservationVerbs"]
