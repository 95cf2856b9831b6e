"""OCPP 1.6, DUT = charge point: ReserveNow / CancelReservation, the Reserved status, the
reserved idTag / parentIdTag rules and reservation expiry, Reservation profile (sections 3.11,
5.1, 5.13)."""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from conformance.verdict import NotApplicable
from testcases.ocpp16.cs import states

RESERVE_VERBS = ("plug_in", "unplug", "present_id_token")


async def _reserve_zero_supported(ctx: CaseContext, s: Session) -> None:
    value = await states.get_configuration(ctx, s, "ReserveConnectorZeroSupported")
    ctx.require(
        value is not None and value.lower() == "true",
        f"ReserveConnectorZeroSupported is {value!r}; the case needs a charge point that "
        f"accepts reservations of connectorId 0 (section 9.4)",
    )


@testcase("TC_046_1_CS", verbs=RESERVE_VERBS)
async def test_reserve_connector_local_start(ctx: CaseContext) -> None:
    """Section 5.13: a reserved connector (Reserved) is not offered to another idTag (no
    Authorize.req for it); the reserved idTag authorizes (Preparing) and its transaction
    carries the reservationId."""
    s = await states.booted(ctx)
    await states.unused_connectors_unavailable(ctx, s)
    states.accept_second_tag(ctx, s, None)
    reservation_id, _ = await states.reserved(ctx, s)
    other = ctx.dut.pixit.valid_idtoken_idtoken2
    t0 = await states.present(ctx, other)
    tag = states.valid_id_tag(ctx)
    await states.present(ctx, tag)
    # Since t0: a charge point that wrongly took the other idTag is Preparing for it already.
    await states.status(ctx, s, "Preparing", since=t0, why="the reserved idTag was presented")
    asked = [m for m in s.received("Authorize", since=t0) if m.payload.get("idTag") == other]
    ctx.check(
        not asked,
        f"the charge point sent an Authorize.req for {other!r}, although the only usable "
        f"connector is reserved for another idTag (section 5.13)",
        frame=asked[0].text if asked else None,
    )
    t2 = await states.plug_in(ctx)
    started = await states.charging(ctx, s, since=t2)
    states.check_reservation_id(ctx, started, reservation_id, "the reserved idTag charges")


@testcase("TC_046_2_CS", verbs=("plug_in", "unplug"))
async def test_reserve_connector_remote_start(ctx: CaseContext) -> None:
    """Sections 5.11, 5.13: a remote start of the reserved idTag on the reserved connector is
    Accepted; its StartTransaction.req carries that idTag and the reservationId."""
    s = await states.booted(ctx)
    reservation_id, _ = await states.reserved(ctx, s)
    t0 = time.monotonic()
    answer = await s.call(
        "RemoteStartTransaction",
        {"connectorId": states.CONNECTOR, "idTag": states.valid_id_tag(ctx)},
    )
    ctx.check(
        answer.get("status") == "Accepted",
        f"RemoteStartTransaction.conf for the reserved idTag on the reserved connector is "
        f"{answer.get('status')!r}, expected Accepted",
    )
    await states.status(ctx, s, "Preparing", since=t0, why="a remote start was accepted")
    t1 = await states.plug_in(ctx)
    started = await states.charging(ctx, s, since=t1)
    states.check_reservation_id(ctx, started, reservation_id, "the reserved idTag charges")


@testcase("TC_047_CS", verbs=RESERVE_VERBS)
async def test_reservation_expires(ctx: CaseContext) -> None:
    """Section 5.13: a reservation not used before its expiryDate ends: the connector is
    Available again, and another idTag then charges on it without a reservationId."""
    s = await states.booted(ctx)
    await states.unused_connectors_unavailable(ctx, s)
    states.accept_second_tag(ctx, s, None)
    offset = ctx.dut.pixit.reservation_expiry_offset
    _, reserved = await states.reserved(ctx, s, expiry=offset)
    available = await states.status(
        ctx,
        s,
        "Available",
        since=reserved.received,
        timeout=offset + ctx.timeouts.message,
        why=f"the reservation expired ({offset} s after it was made)",
    )
    waited = available.received - reserved.received
    ctx.check(
        waited >= offset - 1.0,  # expiryDate has a millisecond resolution on another clock
        f"the connector was Available {waited:.2f} s after Reserved; the reservation was "
        f"to last {offset} s",
        frame=available.text,
    )
    t0 = await states.plug_in(ctx)
    await states.status(ctx, s, "Preparing", since=t0, why="the cable is in")
    other = ctx.dut.pixit.valid_idtoken_idtoken2
    await states.authorized(ctx, s, other)
    started = await states.charging(ctx, s, since=t0, id_tag=other)
    states.check_reservation_id(ctx, started, None, "the reservation had expired")


@testcase("TC_048_1_CS", verbs=("cause_fault", "clear_fault"))
async def test_reserve_connector_faulted(ctx: CaseContext) -> None:
    """Section 5.13: ReserveNow for a Faulted connector is answered Faulted."""
    s = await states.booted(ctx)
    here = {"evse_id": states.CONNECTOR, "connector_id": states.CONNECTOR}
    t0 = time.monotonic()
    await ctx.operator.cause_fault(**here)

    async def clear() -> None:
        await ctx.operator.clear_fault(**here)

    ctx.defer(clear)
    await states.status(ctx, s, "Faulted", since=t0, why="the connector was set in a fault")
    await states.reserve(ctx, s, expect="Faulted")


@testcase("TC_048_2_CS", verbs=("plug_in", "unplug"))
async def test_reserve_connector_occupied(ctx: CaseContext) -> None:
    """Section 5.13: ReserveNow for an occupied connector (a cable is in) is answered
    Occupied."""
    s = await states.booted(ctx)
    t0 = await states.plug_in(ctx)
    await states.status(ctx, s, "Preparing", since=t0, why="the cable is in")
    await states.reserve(ctx, s, expect="Occupied")


@testcase("TC_048_3_CS")
async def test_reserve_connector_unavailable(ctx: CaseContext) -> None:
    """Section 5.13: ReserveNow for an Unavailable connector is answered Unavailable."""
    s = await states.booted(ctx)
    await states.connector_unavailable(ctx, s, states.CONNECTOR)
    await states.reserve(ctx, s, expect="Unavailable")


@testcase("TC_049_CS", verbs=RESERVE_VERBS)
async def test_reserve_charge_point(ctx: CaseContext) -> None:
    """Section 5.13: a reservation of connectorId 0 is Accepted; with all other connectors
    unavailable the one left is kept for the idTag (Reserved), and the idTag's transaction
    carries the reservationId."""
    s = await states.booted(ctx)
    await _reserve_zero_supported(ctx, s)
    await states.unused_connectors_unavailable(ctx, s)
    reservation_id, _ = await states.reserved(ctx, s, connector=0)
    started = await states.charging_session(ctx, s)
    states.check_reservation_id(ctx, started, reservation_id, "the reserved idTag charges")


@testcase("TC_050_1_CS", verbs=("cause_fault", "clear_fault"))
async def test_reserve_charge_point_faulted(ctx: CaseContext) -> None:
    """Section 5.13 (ReserveNowStatus Faulted: the connectors are in a faulted state): with
    every connector Faulted, ReserveNow for connectorId 0 is answered Faulted."""
    s = await states.booted(ctx)
    await _reserve_zero_supported(ctx, s)
    for c in states.connectors(ctx):
        here = {"evse_id": c, "connector_id": c}
        t0 = time.monotonic()
        await ctx.operator.cause_fault(**here)

        async def clear(here: dict[str, int] = here) -> None:
            await ctx.operator.clear_fault(**here)

        ctx.defer(clear)
        await states.status(ctx, s, "Faulted", connector=c, since=t0, why="it was set faulted")
    await states.reserve(ctx, s, connector=0, expect="Faulted")


@testcase("TC_050_2_CS", verbs=("plug_in", "unplug"))
async def test_reserve_charge_point_occupied(ctx: CaseContext) -> None:
    """Section 5.13 (ReserveNowStatus Occupied: all connectors are occupied): with a cable in
    every connector, ReserveNow for connectorId 0 is answered Occupied."""
    s = await states.booted(ctx)
    await _reserve_zero_supported(ctx, s)
    for c in states.connectors(ctx):
        t0 = await states.plug_in(ctx, c)
        await states.status(ctx, s, "Preparing", connector=c, since=t0, why="the cable is in")
    await states.reserve(ctx, s, connector=0, expect="Occupied")


@testcase("TC_050_3_CS")
async def test_reserve_charge_point_unavailable(ctx: CaseContext) -> None:
    """Section 5.13: ReserveNow for connectorId 0 of an Unavailable charge point is answered
    Unavailable."""
    s = await states.booted(ctx)
    await _reserve_zero_supported(ctx, s)
    await states.connector_unavailable(ctx, s, 0)
    await states.reserve(ctx, s, connector=0, expect="Unavailable")


@testcase("TC_051_CS", verbs=RESERVE_VERBS)
async def test_cancel_reservation(ctx: CaseContext) -> None:
    """Section 5.1: CancelReservation of the reservation is Accepted, the connector is
    Available again, and another idTag charges on it without a reservationId."""
    s = await states.booted(ctx)
    states.accept_second_tag(ctx, s, None)
    reservation_id, _ = await states.reserved(ctx, s)
    t0 = time.monotonic()
    answer = await s.call("CancelReservation", {"reservationId": reservation_id})
    ctx.check(
        answer.get("status") == "Accepted",
        f"CancelReservation.conf for the reservation {reservation_id} is "
        f"{answer.get('status')!r}, expected Accepted",
    )
    await states.status(ctx, s, "Available", since=t0, why="the reservation was cancelled")
    t1 = await states.plug_in(ctx)
    await states.status(ctx, s, "Preparing", since=t1, why="the cable is in")
    other = ctx.dut.pixit.valid_idtoken_idtoken2
    await states.authorized(ctx, s, other)
    started = await states.charging(ctx, s, since=t1, id_tag=other)
    states.check_reservation_id(ctx, started, None, "the reservation was cancelled")


@testcase("TC_052_CS")
async def test_cancel_reservation_rejected(ctx: CaseContext) -> None:
    """Section 5.1: CancelReservation with an unknown reservationId is Rejected and cancels
    nothing: the reservation can still be cancelled afterwards."""
    s = await states.booted(ctx)
    reservation_id, _ = await states.reserved(ctx, s)
    unknown = reservation_id + 1
    answer = await s.call("CancelReservation", {"reservationId": unknown})
    ctx.check(
        answer.get("status") == "Rejected",
        f"CancelReservation.conf for the unknown reservationId {unknown} is "
        f"{answer.get('status')!r}, expected Rejected",
    )
    t0 = time.monotonic()
    answer = await s.call("CancelReservation", {"reservationId": reservation_id})
    ctx.check(
        answer.get("status") == "Accepted",
        f"CancelReservation.conf for the reservation {reservation_id} is "
        f"{answer.get('status')!r} after the rejected cancel of {unknown}; the reservation "
        f"must still be there",
    )
    await states.status(ctx, s, "Available", since=t0, why="the reservation was cancelled")


@testcase("TC_053_CS", verbs=RESERVE_VERBS)
async def test_reservation_parent_id_tag(ctx: CaseContext) -> None:
    """Section 5.13: a connector reserved for an idTag with a parentIdTag is used by another
    idTag with that parentIdTag (<Configured Valid IdTag 2>); its transaction carries the
    reservationId."""
    s = await states.booted(ctx)
    await states.unused_connectors_unavailable(ctx, s)
    parent = ctx.dut.pixit.group_idtoken
    states.accept_second_tag(ctx, s, parent)
    reservation_id, _ = await states.reserved(ctx, s, parent_id_tag=parent)
    auth = await states.authorized(ctx, s, ctx.dut.pixit.valid_idtoken_idtoken2)
    await states.status(ctx, s, "Preparing", since=auth.received, why="the idTag is authorized")
    t1 = await states.plug_in(ctx)
    start = await s.expect(
        "StartTransaction",
        predicate=states.after(t1),
        why="an idTag with the reservation's parentIdTag is authorized and the cable is in",
    )
    got = start.payload.get("reservationId")
    ctx.check(
        got == reservation_id,
        f"StartTransaction.req reservationId is {got!r}, expected {reservation_id}: the "
        f"idTag has the parentIdTag of the reservation",
        frame=start.text,
    )
    await states.status(ctx, s, "Charging", since=t1, why="the transaction started")


@testcase("TC_048_4_CS")
async def test_reserve_connector_rejected(ctx: CaseContext) -> None:
    """Section 5.13 (ReserveNowStatus Rejected: the charge point is not configured to accept
    reservations): ReserveNow for <Configured ConnectorId> is answered Rejected."""
    if ctx.dut.pixit.accepts_reservations:
        raise NotApplicable(
            "prerequisite not met: the charge point is configured to accept reservations "
            "(PIXIT accepts_reservations)"
        )
    s = await states.booted(ctx)
    await states.reserve(ctx, s, expect="Rejected")


@testcase("TC_050_4_CS")
async def test_reserve_charge_point_rejected(ctx: CaseContext) -> None:
    """Sections 5.13, 9.4.1 (ReserveConnectorZeroSupported): a charge point that does not
    support reservations of connectorId 0 answers ReserveNow for connectorId 0 Rejected."""
    s = await states.booted(ctx)
    value = await states.get_configuration(ctx, s, "ReserveConnectorZeroSupported")
    if value is not None and value.lower() == "true":
        raise NotApplicable(
            "prerequisite not met: ReserveConnectorZeroSupported is true; the case is for a "
            "charge point that does not reserve connectorId 0"
        )
    await states.reserve(ctx, s, connector=0, expect="Rejected")
