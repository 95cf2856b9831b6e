"""OCPP 2.0.1, DUT = CSMS, functional block H (Reservation profile).

H01: the operator reserves a specific EVSE (S2), any EVSE (S1) or an EVSE with a connector of a
given type (S3) for the configured valid idToken, optionally for its group; the mock station
answers the ReserveNowRequest and reports the connectors it reserves (StatusNotification and
NotifyEvent AvailabilityState Reserved). H02: the operator cancels the reservation. H04 / H01:
the station ends a reservation itself (expired, or its EVSE became Faulted) and tells the CSMS
with a ReservationStatusUpdate, which the CSMS must answer.

Every check is on what the CSMS sends (the official cases' tool validations) or on its answers
(a CALLERROR or a schema violation fails the case).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.clock import parse_iso
from conformance.session import Incoming
from testcases.ocpp201.csms import states

EVSE = 1  # <Configured evseId>
SLACK = 5.0  # s: clock difference and transit tolerated on an expiryDateTime


async def _reserve(
    ctx: CaseContext,
    st: MockStation,
    *,
    evse: int | None = EVSE,
    connector_type: str | None = None,
    group: str | None = None,
    expiry: int | None = None,
) -> Incoming:
    """The operator reserves `evse` (None: any EVSE; `connector_type`: one with a connector of
    that type) for <Configured valid_idtoken>, with groupIdToken `group`; check the
    ReserveNowRequest as the official tool validations do. Returns it, not yet answered."""
    token = states.valid_token(ctx)
    args: dict[str, Any] = {"id_token": token["idToken"], "type": token["type"]}
    if evse is not None:
        args["evse_id"] = evse
    if connector_type is not None:
        args["connector_type"] = connector_type
    if group is not None:
        args["parent_id_token"] = group
    if expiry is not None:
        args["expiry_seconds"] = expiry
    msg = await states.operator_request(ctx, st, "ReserveNow", "reserve_now", **args)
    p = msg.payload
    if evse is not None:
        ctx.check(
            p.get("evseId") == evse,
            f"ReserveNowRequest evseId is {p.get('evseId')!r}, but the operator reserved "
            f"EVSE {evse}",
            frame=msg.text,
        )
    else:
        ctx.check(
            "evseId" not in p,
            f"ReserveNowRequest carries evseId {p.get('evseId')!r}, but the operator reserved "
            f"no particular EVSE (evseId must be omitted)",
            frame=msg.text,
        )
    if connector_type is not None:
        ctx.check(
            p.get("connectorType") == connector_type,
            f"ReserveNowRequest connectorType is {p.get('connectorType')!r}, but the operator "
            f"reserved a connector of type {connector_type} (<Configured connectorType>)",
            frame=msg.text,
        )
    else:
        ctx.check(
            "connectorType" not in p,
            f"ReserveNowRequest carries connectorType {p.get('connectorType')!r}, but the "
            f"operator reserved no connector type (connectorType must be omitted)",
            frame=msg.text,
        )
    got = p.get("idToken") or {}
    ctx.check(
        got.get("idToken") == token["idToken"] and got.get("type") == token["type"],
        f"ReserveNowRequest idToken is {got}, but the operator reserved for "
        f"<Configured valid_idtoken> {token}",
        frame=msg.text,
    )
    if group is not None:
        given = p.get("groupIdToken")
        ctx.check(
            given is not None,
            "ReserveNowRequest has no groupIdToken, but the operator reserved for a group",
            frame=msg.text,
        )
        ctx.check(
            given is None or given.get("idToken") == group,
            f"ReserveNowRequest groupIdToken is {given}, but the reservation is for the "
            f"group {group!r} (<Configured group_idtoken>)",
            frame=msg.text,
        )
    return msg


class Held:
    """The reservations the mock station holds in this case. Any still held at the end are
    dropped with ReservationStatusUpdate Removed, so that the CSMS's books are clear when a
    later case uses this station id again (the cases are order-independent)."""

    def __init__(self, ctx: CaseContext, st: MockStation) -> None:
        self.st = st
        self.ids: set[int] = set()
        ctx.defer(self._drop)

    async def accepted(self, msg: Incoming) -> int:
        """ReserveNow answered Accepted; returns the reservation's id."""
        await msg.reply({"status": "Accepted"})
        reservation_id = msg.payload.get("id")
        assert isinstance(reservation_id, int)  # the schema says integer
        self.ids.add(reservation_id)
        return reservation_id

    async def ended(self, reservation_id: int, status: str) -> None:
        """H04/H01: the station tells the CSMS the reservation ended (`status` Expired or
        Removed); a CALLERROR fails the case."""
        self.ids.discard(reservation_id)
        await self.st.conn.call(
            "ReservationStatusUpdate",
            {"reservationId": reservation_id, "reservationUpdateStatus": status},
        )

    async def _drop(self) -> None:
        for reservation_id in sorted(self.ids):
            if self.st.session is None or self.st.conn.closed.is_set():
                return
            await self.ended(reservation_id, "Removed")


async def _booted(ctx: CaseContext) -> tuple[MockStation, Held]:
    """A mock station in state Booted, and what it will hold of reservations."""
    st = await states.booted_station(ctx)
    return st, Held(ctx, st)


async def _reserved(held: Held, msg: Incoming, evse: int = EVSE) -> int:
    """ReserveNow Accepted, then every connector of `evse` reports Reserved (StatusNotification
    and NotifyEvent), the CSMS answering each; returns the reservation's id."""
    reservation_id = await held.accepted(msg)
    await _connectors(held.st, evse, "Reserved")
    return reservation_id


async def _connectors(st: MockStation, evse: int, status: str) -> None:
    for connector in range(1, st.model.evses[evse] + 1):
        await st.connector_changed(evse, connector, status)


@testcase("TC_H_01_CSMS", verbs=("reserve_now",))
async def test_reserve_specific_evse(ctx: CaseContext) -> None:
    """H01 S2, H03: reusable state Reserved for <Configured evseId>: ReserveNowRequest with
    that evseId, no connectorType and the valid idToken; Accepted; the EVSE Reserved."""
    st, held = await _booted(ctx)
    msg = await _reserve(ctx, st)
    await _reserved(held, msg)


@testcase("TC_H_07_CSMS", verbs=("reserve_now",))
async def test_reservation_expires(ctx: CaseContext) -> None:
    """H01 S2, H04: a reservation of <Configured evseId> expiring at now + <Configured
    transaction_duration> is Accepted and Reserved; the driver does not come, so the EVSE is
    Available again and the station sends ReservationStatusUpdate Expired for the reservation's
    id, which the CSMS answers.

    As the 1.6 expiry case (TC_047_CSMS) does, the station does not sit out the expiry time:
    what the CSMS is checked for (the expiryDateTime it asked for, its answers) is the same.
    """
    st, held = await _booted(ctx)
    duration = ctx.dut.pixit.transaction_duration
    asked = _dt.datetime.now(_dt.UTC)
    msg = await _reserve(ctx, st, expiry=duration)
    text = str(msg.payload.get("expiryDateTime"))
    try:
        offset: float | None = (parse_iso(text) - asked).total_seconds()
    except ValueError:
        offset = None
    ctx.check(
        offset is not None and offset > 0 and abs(offset - duration) <= SLACK,
        f"ReserveNowRequest expiryDateTime {text!r} is not the current time plus the "
        f"{duration} s the operator gave (<Configured transaction_duration>)",
        frame=msg.text,
    )
    reservation_id = await _reserved(held, msg)
    await _connectors(st, EVSE, "Available")
    await held.ended(reservation_id, "Expired")


@testcase("TC_H_08_CSMS", verbs=("reserve_now",))
async def test_reserve_unspecified_evse(ctx: CaseContext) -> None:
    """H01 S1, H03: the operator reserves no particular EVSE: ReserveNowRequest without evseId
    and connectorType, with the valid idToken; Accepted. A station with one EVSE then has it
    Reserved (the official note: only then); with more EVSEs none is reserved yet."""
    st, held = await _booted(ctx)
    msg = await _reserve(ctx, st, evse=None)
    await held.accepted(msg)
    if len(st.model.evses) == 1:
        await _connectors(st, EVSE, "Reserved")


@testcase("TC_H_14_CSMS", verbs=("reserve_now",))
async def test_reserve_all_evses(ctx: CaseContext) -> None:
    """H01 S1: the operator reserves no particular EVSE once per EVSE of the station; each
    ReserveNowRequest without evseId and connectorType, Accepted. With as many reservations as
    available EVSEs, the station sets every EVSE Reserved (after the last request).

    Each request needs an id of its own: a station holding a reservation with that id replaces
    it (H01), so the reservations would never add up to the EVSEs."""
    st, held = await _booted(ctx)
    ids: list[int] = []
    for n in range(1, len(st.model.evses) + 1):
        msg = await _reserve(ctx, st, evse=None)
        reservation_id = msg.payload.get("id")
        ctx.require(
            reservation_id not in ids,
            f"ReserveNowRequest {n} has id {reservation_id}, the id of an earlier reservation: "
            f"the station replaces that one instead of adding a reservation",
        )
        ids.append(await held.accepted(msg))
    for evse in sorted(st.model.evses):
        await _connectors(st, evse, "Reserved")


@testcase("TC_H_15_CSMS", verbs=("reserve_now",))
async def test_reserve_connector_type(ctx: CaseContext) -> None:
    """H01 S3, H03: the operator reserves a connector of <Configured connectorType> (that of
    <Configured evseId>, the only one of its type): ReserveNowRequest without evseId, with that
    connectorType and the valid idToken; Accepted; that EVSE Reserved."""
    st, held = await _booted(ctx)
    msg = await _reserve(
        ctx, st, evse=None, connector_type=ctx.dut.pixit.reservation_connector_type
    )
    await _reserved(held, msg)


@testcase("TC_H_17_CSMS", verbs=("reserve_now", "cancel_reservation"))
async def test_cancel_reservation(ctx: CaseContext) -> None:
    """H02: <Configured evseId> Reserved (as TC_H_01); the operator cancels the reservation:
    CancelReservationRequest with the reservation's id; Accepted; the EVSE Available again."""
    st, held = await _booted(ctx)
    msg = await _reserve(ctx, st)
    reservation_id = await _reserved(held, msg)
    cancel = await states.operator_request(
        ctx, st, "CancelReservation", "cancel_reservation", reservation_id=reservation_id
    )
    got = cancel.payload.get("reservationId")
    ctx.check(
        got == reservation_id,
        f"CancelReservationRequest reservationId is {got!r}, but the reservation the operator "
        f"cancels has id {reservation_id}",
        frame=cancel.text,
    )
    await cancel.reply({"status": "Accepted"})
    held.ids.discard(reservation_id)
    await _connectors(st, EVSE, "Available")


@testcase("TC_H_19_CSMS", verbs=("reserve_now",))
async def test_reserve_for_group(ctx: CaseContext) -> None:
    """H01, H03: the operator reserves <Configured evseId> for the valid idToken's group:
    ReserveNowRequest with that evseId, no connectorType, the valid idToken and a groupIdToken
    (<Configured group_idtoken>, the group the CSMS gives the valid idTokens); Accepted;
    the EVSE Reserved."""
    st, held = await _booted(ctx)
    msg = await _reserve(ctx, st, group=ctx.dut.pixit.group_idtoken)
    await _reserved(held, msg)


@testcase("TC_H_20_CSMS", verbs=("reserve_now",))
async def test_reservation_removed_faulted(ctx: CaseContext) -> None:
    """H01: <Configured evseId> Reserved (as TC_H_01); the EVSE becomes Faulted, so the
    station removes the reservation and sends ReservationStatusUpdate Removed for its id,
    which the CSMS answers."""
    st, held = await _booted(ctx)
    msg = await _reserve(ctx, st)
    reservation_id = await _reserved(held, msg)
    await _connectors(st, EVSE, "Faulted")
    await held.ended(reservation_id, "Removed")


@testcase("TC_H_22_CSMS", verbs=("reserve_now",))
async def test_reserve_rejected(ctx: CaseContext) -> None:
    """H01: the station is configured to take no reservations and answers the operator's
    ReserveNowRequest for <Configured evseId> Rejected; the CSMS takes the answer and goes on
    serving the station."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(
        ctx, st, "ReserveNow", "reserve_now", evse_id=EVSE, **_token_args(ctx)
    )
    await msg.reply({"status": "Rejected"})
    await states.still_serving(ctx, st, "a ReserveNowResponse with status Rejected")


def _token_args(ctx: CaseContext) -> dict[str, str]:
    token = states.valid_token(ctx)
    return {"id_token": token["idToken"], "type": token["type"]}
