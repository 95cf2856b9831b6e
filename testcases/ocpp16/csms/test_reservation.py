"""OCPP 1.6, DUT = Central System: ReserveNow / CancelReservation and the transactions that
use a reservation, Reservation profile (sections 3.11, 5.1, 5.13). The operator reserves from
the back office; the mock charge point answers and plays the driver's part."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp16.csms import states

CONNECTOR = states.CONNECTOR
EXPIRY = 3600  # s: the reservations that are not meant to expire during the case
SLACK = 5.0  # s: clock difference and transit tolerated on an expiryDate


async def _reserve(
    ctx: CaseContext,
    st: MockStation,
    *,
    connector: int = CONNECTOR,
    parent: str | None = None,
    expiry: float = EXPIRY,
) -> Incoming:
    """The operator reserves `connector` (0: the charge point) for <Configured Valid IdTag>;
    check the ReserveNow.req."""
    args: dict[str, Any] = {
        "connector_id": connector,
        "id_token": states.valid_id_tag(ctx),
        "expiry_seconds": expiry,
    }
    if parent is not None:
        args["parent_id_token"] = parent
    t0 = _dt.datetime.now(_dt.UTC)
    msg = await states.operator_request(ctx, st, "ReserveNow", "reserve_now", **args)
    states.check_field(ctx, msg, "connectorId", connector, "the operator reserved it")
    states.check_field(ctx, msg, "idTag", states.valid_id_tag(ctx), "the operator reserved it")
    if parent is not None:
        states.check_field(ctx, msg, "parentIdTag", parent, "the operator gave it")
    try:
        when = _dt.datetime.fromisoformat(str(msg.payload.get("expiryDate")).replace("Z", "+00:00"))
        offset = (when - t0).total_seconds()
    except ValueError:
        offset = None
    ctx.check(
        offset is not None and offset > 0 and abs(offset - expiry) <= SLACK,
        f"ReserveNow.req expiryDate {msg.payload.get('expiryDate')!r} is not the current time "
        f"plus the {expiry} s the operator gave",
        frame=msg.text,
    )
    return msg


async def _reserved(ctx: CaseContext, st: MockStation, msg: Incoming, connector: int) -> int:
    """ReserveNow Accepted and the connector Reserved; returns the reservationId."""
    await msg.reply({"status": "Accepted"})
    await st.status16(connector, "Reserved")
    reservation_id = msg.payload.get("reservationId")
    assert isinstance(reservation_id, int)  # the schema says integer
    return reservation_id


async def _charging_reserved(
    ctx: CaseContext, st: MockStation, reservation_id: int, id_tag: str
) -> None:
    """Reusable state Charging on the reserved connector: Authorize, Preparing,
    StartTransaction with the reservationId (Accepted), Charging."""
    await states.authorized(ctx, st, id_tag)
    await st.status16(CONNECTOR, "Preparing")
    tx, res = await st.start_transaction(CONNECTOR, id_tag, reservation_id=reservation_id)
    ctx.require(
        tx.transaction_id is not None,
        f"StartTransaction.conf carries no integer transactionId (got {res})",
    )
    states.check_id_tag_status(
        ctx, res, "StartTransaction.conf (with the reservationId)", id_tag, "Accepted"
    )

    async def stop() -> None:
        if not tx.ended and st.session is not None and not st.conn.closed.is_set():
            await st.stop_transaction(tx, "Local")

    ctx.defer(stop)
    await st.status16(CONNECTOR, "Charging")


@testcase("TC_046_CSMS", verbs=("reserve_now",))
async def test_reserve_connector(ctx: CaseContext) -> None:
    """Section 5.13: the operator reserves <Configured ConnectorId> for the valid idTag;
    Accepted, Reserved, and the reserved idTag charges with the reservationId."""
    st = await states.booted_station(ctx)
    msg = await _reserve(ctx, st)
    reservation_id = await _reserved(ctx, st, msg, CONNECTOR)
    await _charging_reserved(ctx, st, reservation_id, states.valid_id_tag(ctx))


@testcase("TC_047_CSMS", verbs=("reserve_now",))
async def test_reservation_expires(ctx: CaseContext) -> None:
    """Section 5.13: a reservation with expiryDate now + <Configured Expiry Date Offset> is
    Accepted and Reserved; it expires unused and the connector is Available again."""
    st = await states.booted_station(ctx)
    msg = await _reserve(ctx, st, expiry=ctx.dut.pixit.reservation_expiry_offset)
    await _reserved(ctx, st, msg, CONNECTOR)
    await st.status16(CONNECTOR, "Available")


async def _refused(ctx: CaseContext, st: MockStation, status: str) -> None:
    msg = await _reserve(ctx, st)
    await msg.reply({"status": status})
    await states.still_serving(ctx, st, f"ReserveNow {status}")


@testcase("TC_048_1_CSMS", verbs=("reserve_now",))
async def test_reserve_faulted(ctx: CaseContext) -> None:
    """Section 5.13: ReserveNow answered Faulted; the Central System takes it."""
    st = await states.booted_station(ctx)
    await _refused(ctx, st, "Faulted")


@testcase("TC_048_2_CSMS", verbs=("reserve_now",))
async def test_reserve_occupied(ctx: CaseContext) -> None:
    """Section 5.13: a cable is in (Preparing); ReserveNow for that connector answered
    Occupied; the Central System takes it."""
    st = await states.booted_station(ctx)
    await st.status16(CONNECTOR, "Preparing")
    await _refused(ctx, st, "Occupied")


@testcase("TC_048_3_CSMS", verbs=("change_availability", "reserve_now"))
async def test_reserve_unavailable(ctx: CaseContext) -> None:
    """Sections 5.2, 5.13: the operator makes <Configured ConnectorId> Inoperative
    (Unavailable); ReserveNow for it answered Unavailable; the Central System takes it."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(
        ctx,
        st,
        "ChangeAvailability",
        "change_availability",
        connector_id=CONNECTOR,
        evse_id=CONNECTOR,
        operational_status="Inoperative",
    )
    states.check_field(ctx, msg, "connectorId", CONNECTOR, "the operator chose it")
    states.check_field(ctx, msg, "type", "Inoperative", "the operator asked for it")
    await msg.reply({"status": "Accepted"})
    await st.status16(CONNECTOR, "Unavailable")
    await _refused(ctx, st, "Unavailable")


@testcase("TC_048_4_CSMS", verbs=("reserve_now",))
async def test_reserve_rejected(ctx: CaseContext) -> None:
    """Section 5.13: ReserveNow answered Rejected (the charge point takes no reservations);
    the Central System takes it."""
    st = await states.booted_station(ctx)
    await _refused(ctx, st, "Rejected")


@testcase("TC_049_CSMS", verbs=("reserve_now",))
async def test_reserve_charge_point(ctx: CaseContext) -> None:
    """Section 5.13: the operator reserves the charge point (connectorId 0); Accepted, a
    connector Reserved, and the reserved idTag charges with the reservationId."""
    st = await states.booted_station(ctx)
    msg = await _reserve(ctx, st, connector=0)
    reservation_id = await _reserved(ctx, st, msg, CONNECTOR)
    await _charging_reserved(ctx, st, reservation_id, states.valid_id_tag(ctx))


@testcase("TC_051_CSMS", verbs=("reserve_now", "cancel_reservation"))
async def test_cancel_reservation(ctx: CaseContext) -> None:
    """Section 5.1: the operator cancels the reservation; CancelReservation.req names its
    reservationId; Accepted, the connector Available again."""
    st = await states.booted_station(ctx)
    msg = await _reserve(ctx, st)
    reservation_id = await _reserved(ctx, st, msg, CONNECTOR)
    cancel = await states.operator_request(
        ctx, st, "CancelReservation", "cancel_reservation", reservation_id=reservation_id
    )
    states.check_field(
        ctx, cancel, "reservationId", reservation_id, "the reservation the operator cancels"
    )
    await cancel.reply({"status": "Accepted"})
    await st.status16(CONNECTOR, "Available")


@testcase("TC_052_CSMS", verbs=("reserve_now", "cancel_reservation"))
async def test_cancel_reservation_rejected(ctx: CaseContext) -> None:
    """Section 5.1: the charge point rejects the CancelReservation; the Central System takes
    it and goes on."""
    st = await states.booted_station(ctx)
    msg = await _reserve(ctx, st)
    reservation_id = await _reserved(ctx, st, msg, CONNECTOR)
    cancel = await states.operator_request(
        ctx, st, "CancelReservation", "cancel_reservation", reservation_id=reservation_id
    )
    await cancel.reply({"status": "Rejected"})
    await states.still_serving(ctx, st, "a rejected CancelReservation")


@testcase("TC_053_CSMS", verbs=("reserve_now",))
async def test_reservation_parent_id_tag(ctx: CaseContext) -> None:
    """Section 5.13: a reservation for the valid idTag with parentIdTag <Configured group
    idTag>; another idTag of that group (<Configured valid idTag 2>) is authorized with that
    parentIdTag and charges with the reservationId."""
    st = await states.booted_station(ctx)
    parent = ctx.dut.pixit.group_idtoken
    msg = await _reserve(ctx, st, parent=parent)
    reservation_id = await _reserved(ctx, st, msg, CONNECTOR)
    other = ctx.dut.pixit.valid_idtoken2_idtoken
    res = await st.authorize16(other)
    info = res.get("idTagInfo") or {}
    ctx.check(
        info.get("parentIdTag") == parent,
        f"Authorize.conf for {other!r} gives parentIdTag {info.get('parentIdTag')!r}; the "
        f"reservation's parentIdTag is {parent!r}, so the charge point cannot let it charge",
    )
    await _charging_reserved(ctx, st, reservation_id, other)
