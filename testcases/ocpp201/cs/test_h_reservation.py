"""OCPP 2.0.1, DUT = charging station, functional block H (Reservation), Reservation profile.

ReserveNow for a specific EVSE, an unspecified EVSE and a connector type (H01): Accepted and
the connectors reported Reserved, or refused with Occupied / Unavailable / Rejected; using a
reservation with its idToken or groupIdToken (H03: the TransactionEvent names the
reservationId); its expiry and its removal when the EVSE becomes Inoperative
(ReservationStatusUpdate, H04); CancelReservation (H02); and a reservation surviving a reset
(TC_B_24_CS). Every reservation a case makes is cancelled afterwards. Connector states are
expected as StatusNotification; the NotifyEvent alternative is not accepted in its place.
"""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from testcases.ocpp201.cs import reservations as rsv
from testcases.ocpp201.cs import states

EVSE = states.EVSE
_USE_VERBS = ("plug_in", "present_id_token", "unplug")


# -- a specific EVSE (H01 S1) ------------------------------------------------------------------


@testcase("TC_H_01_CS", verbs=_USE_VERBS)
async def test_reserve_specific_evse_valid_token(ctx: CaseContext) -> None:
    """H01.FR.03, H01.FR.04, H03: Reserved for <Configured evseId>; the EV driver with the
    reserved idToken authorizes and charges there: the transaction names the reservationId,
    and the connector leaves Reserved (Occupied once the cable is in)."""
    s = await states.booted(ctx)
    got = await rsv.reserved(ctx, s)
    await rsv.use_reservation(ctx, s, got.id)


@testcase("TC_H_02_CS", verbs=_USE_VERBS)
async def test_reserve_specific_evse_different_token(ctx: CaseContext) -> None:
    """H03, G01: an EVSE reserved for <Configured valid_idtoken> refuses another valid
    idToken (the CSMS accepts it): presented there with the cable plugged in, no transaction
    is authorized for it and the connector stays Reserved; the reserved idToken then
    authorizes the transaction, which names the reservation."""
    s = await states.booted(ctx)
    token, other = states.valid_token(ctx), rsv.valid2(ctx)
    rsv.answer_tokens(
        s, {token["idToken"]: {"status": "Accepted"}, other["idToken"]: {"status": "Accepted"}}
    )
    got = await rsv.reserved(ctx, s, token=token)
    states.end_transactions_afterwards(ctx)
    t0 = time.monotonic()
    await ctx.operator.present_id_token(id_token=other["idToken"], type=other["type"], evse_id=EVSE)
    await rsv.plug_in(ctx, s, EVSE)
    t_right = time.monotonic()
    await ctx.operator.present_id_token(id_token=token["idToken"], type=token["type"], evse_id=EVSE)
    msg = await rsv.token_event(
        ctx, s, since=t0, why="the reserved idToken was presented with the cable plugged in"
    )
    early = [
        m
        for m in s.received("StatusNotification", since=t0)
        if m.received < t_right
        and m.payload.get("evseId") == EVSE
        and m.payload.get("connectorStatus") != "Reserved"
    ]
    ctx.check(
        not early,
        f"EVSE {EVSE} was reported {early[0].payload.get('connectorStatus') if early else ''} "
        f"after another idToken than the reservation's was presented and the cable plugged "
        f"in; a reserved connector must stay Reserved for anyone but the reservation's idToken",
        requirement="G01.FR.09",
        frame=early[0].text if early else None,
    )
    ctx.require(
        (msg.payload.get("idToken") or {}).get("idToken") == token["idToken"],
        f"a transaction on the reserved EVSE {EVSE} was authorized for idToken "
        f"{msg.payload.get('idToken')!r}; only the reservation's idToken {token['idToken']!r} "
        f"(or its group) may use a reserved EVSE",
        requirement="H03",
        frame=msg.text,
    )
    rsv.check_reservation_used(ctx, msg, token, got.id)


@testcase("TC_H_03_CS")
async def test_reserve_specific_evse_already_reserved(ctx: CaseContext) -> None:
    """H01: a second reservation (another id) for an EVSE that is Reserved is answered
    Occupied."""
    s = await states.booted(ctx)
    await rsv.reserved(ctx, s)
    got = await rsv.reserve(ctx, s, token=rsv.valid2(ctx))
    rsv.require_status(ctx, got, "Occupied", f"the reserved EVSE {EVSE}", "H01")


@testcase("TC_H_04_CS", verbs=("plug_in", "unplug"))
async def test_reserve_specific_evse_occupied(ctx: CaseContext) -> None:
    """H01: a reservation of an EVSE with a cable plugged in (EVConnectedPreSession) is
    answered Occupied."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.ev_connected_pre_session(ctx, s)
    got = await rsv.reserve(ctx, s)
    rsv.require_status(ctx, got, "Occupied", f"the occupied EVSE {EVSE}", "H01")


@testcase("TC_H_06_CS")
async def test_reserve_specific_evse_unavailable(ctx: CaseContext) -> None:
    """H01: a reservation of an Inoperative EVSE (reusable state Unavailable) is answered
    Unavailable."""
    s = await states.booted(ctx)
    await states.unavailable(ctx, s, evse=EVSE)
    got = await rsv.reserve(ctx, s)
    rsv.require_status(ctx, got, "Unavailable", f"the Inoperative EVSE {EVSE}", "H01")


@testcase("TC_H_07_CS")
async def test_reserve_specific_evse_expires(ctx: CaseContext) -> None:
    """H04: a reservation not used before its expiryDateTime (now + <Configured Reservation
    Expiry Date Offset>) ends: ReservationStatusUpdate Expired, the connectors Available."""
    s = await states.booted(ctx)
    offset = ctx.dut.pixit.reservation_expiry_offset
    got = await rsv.reserve(ctx, s, expires_in=offset)
    rsv.require_status(ctx, got, "Accepted", f"the available EVSE {EVSE}", "H01.FR.03")
    pairs = states.connectors_of(ctx, EVSE)
    await rsv.reserved_reported(
        ctx, s, pairs, since=got.sent, why=f"EVSE {EVSE} was reserved", requirement="H01"
    )
    update = await s.expect(
        "ReservationStatusUpdate",
        {"reservationId": got.id},
        predicate=states.after(got.sent),
        timeout=offset + ctx.timeouts.message,
        why=f"the reservation expired {offset} s after it was made",
    )
    ctx.check(
        update.payload.get("reservationUpdateStatus") == "Expired",
        f"ReservationStatusUpdate for the expired reservation {got.id} says "
        f"{update.payload.get('reservationUpdateStatus')!r}, expected Expired",
        requirement="H04",
        frame=update.text,
    )
    await states.status_reported(
        ctx,
        s,
        pairs,
        "Available",
        since=got.sent,
        why="the reservation expired",
        requirement="H04",
    )


# -- an unspecified EVSE (H01 S2) ---------------------------------------------------------------


@testcase("TC_H_08_CS", verbs=_USE_VERBS)
async def test_reserve_unspecified_evse(ctx: CaseContext) -> None:
    """H01.FR.07, H01.FR.18, H03: with ReservationCtrlr.NonEvseSpecific true a ReserveNow
    without evseId is Accepted (Reserved is reported only when no other EVSE is free); the
    EV driver with the reserved idToken charges at <Configured evseId>, and the transaction
    names the reservation."""
    s = await states.booted(ctx)
    await rsv.non_evse_specific(ctx, s, "true")
    got = await rsv.reserve(ctx, s, evse=None)
    rsv.require_status(ctx, got, "Accepted", "an unspecified EVSE", "H01.FR.18")
    if len(states.connectors(ctx)) == len(states.connectors_of(ctx, EVSE)):
        await rsv.reserved_reported(
            ctx,
            s,
            states.connectors(ctx),
            since=got.sent,
            why="the only EVSE was reserved for an unspecified-EVSE reservation",
            requirement="H01",
        )
    await rsv.use_reservation(ctx, s, got.id)


async def _unspecified_refused(ctx: CaseContext, s: Session, status: str, why: str) -> None:
    got = await rsv.reserve(ctx, s, evse=None, token=rsv.valid2(ctx))
    rsv.require_status(ctx, got, status, f"an unspecified EVSE while {why}", "H01")


@testcase("TC_H_09_CS")
async def test_reserve_unspecified_all_reserved(ctx: CaseContext) -> None:
    """H01: every EVSE is Reserved (a reservation for each evseId); a ReserveNow without
    evseId is answered Occupied."""
    s = await states.booted(ctx)
    await rsv.non_evse_specific(ctx, s, "true")
    for evse_id in ctx.dut.pixit.evse_ids:
        await rsv.reserved(ctx, s, evse=evse_id)
    await _unspecified_refused(ctx, s, "Occupied", "every EVSE is reserved")


@testcase("TC_H_10_CS", verbs=("plug_in", "unplug"))
async def test_reserve_unspecified_all_occupied(ctx: CaseContext) -> None:
    """H01: a cable is plugged in at every EVSE (EVConnectedPreSession each); a ReserveNow
    without evseId is answered Occupied."""
    s = await states.booted(ctx)
    await rsv.non_evse_specific(ctx, s, "true")
    states.end_transactions_afterwards(ctx)
    for evse_id in ctx.dut.pixit.evse_ids:
        await states.ev_connected_pre_session(ctx, s, evse_id)
    await _unspecified_refused(ctx, s, "Occupied", "every EVSE is occupied")


@testcase("TC_H_12_CS")
async def test_reserve_unspecified_unavailable(ctx: CaseContext) -> None:
    """H01: the whole station is Inoperative (reusable state Unavailable); a ReserveNow
    without evseId is answered Unavailable."""
    s = await states.booted(ctx)
    await rsv.non_evse_specific(ctx, s, "true")
    await states.unavailable(ctx, s)
    await _unspecified_refused(ctx, s, "Unavailable", "the station is Inoperative")


@testcase("TC_H_13_CS")
async def test_reserve_unspecified_rejected(ctx: CaseContext) -> None:
    """H01.FR.19: with ReservationCtrlr.NonEvseSpecific false (or absent) a ReserveNow
    without evseId is answered Rejected."""
    s = await states.booted(ctx)
    current = await states.get_variable(ctx, s, "ReservationCtrlr", "NonEvseSpecific")
    if current.get("attributeStatus") == "Accepted":
        await rsv.non_evse_specific(ctx, s, "false")
    got = await rsv.reserve(ctx, s, evse=None)
    rsv.require_status(
        ctx, got, "Rejected", "an unspecified EVSE (NonEvseSpecific false)", "H01.FR.19"
    )


@testcase("TC_H_14_CS")
async def test_reserve_unspecified_as_many_as_evses(ctx: CaseContext) -> None:
    """H01.FR.07: as many ReserveNow without evseId as there are available EVSEs,
    each Accepted; after the last one every connector of every EVSE is reported Reserved."""
    s = await states.booted(ctx)
    await rsv.non_evse_specific(ctx, s, "true")
    got = None
    for n, _evse_id in enumerate(ctx.dut.pixit.evse_ids, start=1):
        got = await rsv.reserve(ctx, s, evse=None)
        rsv.require_status(ctx, got, "Accepted", f"unspecified EVSE number {n}", "H01")
    assert got is not None
    await rsv.reserved_reported(
        ctx,
        s,
        states.connectors(ctx),
        since=got.sent,
        why="there are as many unspecified-EVSE reservations as available EVSEs",
        requirement="H01",
    )


# -- a connector type (H01 S3) ------------------------------------------------------------------


async def _evses_of_type(ctx: CaseContext, s: Session, connector_type: str) -> list[int]:
    """The EVSEs with a connector of `connector_type`, from Connector.ConnectorType in the
    station's device model; a connector that does not report it counts as of that type
    (<Configured connectorType> is a type of the station's connectors)."""
    pairs = states.connectors(ctx)
    result = await s.call(
        "GetVariables",
        {
            "getVariableData": [
                {
                    "component": {"name": "Connector", "evse": {"id": e, "connectorId": c}},
                    "variable": {"name": "ConnectorType"},
                }
                for e, c in pairs
            ]
        },
    )
    by_pair = {
        (
            r["component"].get("evse", {}).get("id"),
            r["component"].get("evse", {}).get("connectorId"),
        ): r
        for r in result.get("getVariableResult", [])
    }
    out = []
    for e, c in pairs:
        r = by_pair.get((e, c), {})
        known = r.get("attributeStatus") == "Accepted" and "attributeValue" in r
        if (not known or r["attributeValue"] == connector_type) and e not in out:
            out.append(e)
    return out


@testcase("TC_H_15_CS", verbs=_USE_VERBS)
async def test_reserve_connector_type(ctx: CaseContext) -> None:
    """H01.FR.09, H03: a ReserveNow for <Configured connectorType> without evseId is
    Accepted; the EV driver with the reserved idToken charges at <Configured evseId> (a
    connector of that type), and the transaction names the reservation."""
    s = await states.booted(ctx)
    await rsv.non_evse_specific(ctx, s, "true")
    ctype = ctx.dut.pixit.reservation_connector_type
    got = await rsv.reserve(ctx, s, evse=None, connector_type=ctype)
    rsv.require_status(ctx, got, "Accepted", f"a connector of type {ctype}", "H01")
    await rsv.use_reservation(ctx, s, got.id)


@testcase("TC_H_16_CS")
async def test_reserve_connector_type_as_many_as_connectors(ctx: CaseContext) -> None:
    """H01.FR.09: as many ReserveNow for <Configured connectorType> as there are
    available EVSEs with such a connector, each Accepted; after the last one their connectors
    are reported Reserved."""
    s = await states.booted(ctx)
    await rsv.non_evse_specific(ctx, s, "true")
    ctype = ctx.dut.pixit.reservation_connector_type
    evses = await _evses_of_type(ctx, s, ctype)
    ctx.require(bool(evses), f"set-up: no EVSE reports a connector of type {ctype}")
    got = None
    for n, _evse_id in enumerate(evses, start=1):
        got = await rsv.reserve(ctx, s, evse=None, connector_type=ctype)
        rsv.require_status(ctx, got, "Accepted", f"connector of type {ctype} number {n}", "H01")
    assert got is not None
    await rsv.reserved_reported(
        ctx,
        s,
        [pair for e in evses for pair in states.connectors_of(ctx, e)],
        since=got.sent,
        why=f"there are as many reservations for {ctype} as available EVSEs with one",
        requirement="H01",
    )


# -- cancel (H02) -------------------------------------------------------------------------------


@testcase("TC_H_17_CS")
async def test_cancel_reservation(ctx: CaseContext) -> None:
    """H02.FR.02, H02.FR.04: CancelReservation for the reservation of a Reserved EVSE is
    Accepted and its connectors are reported Available again."""
    s = await states.booted(ctx)
    got = await rsv.reserved(ctx, s)
    t0 = time.monotonic()
    result = await s.call("CancelReservation", {"reservationId": got.id})
    ctx.require(
        result.get("status") == "Accepted",
        f"CancelReservationResponse for the existing reservation {got.id} is "
        f"{result.get('status')!r}, expected Accepted",
        requirement="H02.FR.02",
    )
    await states.status_reported(
        ctx,
        s,
        states.connectors_of(ctx, EVSE),
        "Available",
        since=t0,
        why="its reservation was cancelled",
        requirement="H02.FR.04",
    )


@testcase("TC_H_18_CS")
async def test_cancel_reservation_unknown(ctx: CaseContext) -> None:
    """H02.FR.01: CancelReservation for a reservationId the station does not know is
    Rejected."""
    s = await states.booted(ctx)
    unknown = rsv.new_id()
    result = await s.call("CancelReservation", {"reservationId": unknown})
    ctx.check(
        result.get("status") == "Rejected",
        f"CancelReservationResponse for the unknown reservation {unknown} is "
        f"{result.get('status')!r}, expected Rejected",
        requirement="H02.FR.01",
    )


# -- groupIdToken (H03 S2) ----------------------------------------------------------------------


async def _use_by_group(ctx: CaseContext, evse: int | None) -> None:
    """The reservation (for `evse`, None: unspecified) is made for <Configured valid_idtoken>
    with groupIdToken <Configured GroupId>; another idToken whose AuthorizeResponse gives the
    same groupIdToken uses it."""
    group = ctx.dut.pixit.group_idtoken
    s = await states.booted(ctx)
    token, other = states.valid_token(ctx), rsv.valid2(ctx)
    rsv.answer_tokens(
        s, {token["idToken"]: rsv.grouped(group), other["idToken"]: rsv.grouped(group)}
    )
    if evse is None:
        await rsv.non_evse_specific(ctx, s, "true")
        got = await rsv.reserve(ctx, s, evse=None, token=token, group=group)
        rsv.require_status(ctx, got, "Accepted", "an unspecified EVSE", "H01.FR.18")
    else:
        got = await rsv.reserved(ctx, s, evse=evse, token=token, group=group)
    await rsv.use_reservation(ctx, s, got.id, token=other)


@testcase("TC_H_19_CS", verbs=_USE_VERBS)
async def test_reserved_evse_used_by_group(ctx: CaseContext) -> None:
    """H03 (S2): an EVSE reserved with a groupIdToken is used by another idToken of that group
    (known from its AuthorizeResponse); the transaction names the reservation."""
    await _use_by_group(ctx, EVSE)


@testcase("TC_H_24_CS", verbs=_USE_VERBS)
async def test_unspecified_reservation_used_by_group(ctx: CaseContext) -> None:
    """H01.FR.18, H03 (S2): an unspecified-EVSE reservation with a groupIdToken is used by
    another idToken of that group at <Configured evseId>; the transaction names it."""
    await _use_by_group(ctx, None)


# -- the station ends a reservation (H04) --------------------------------------------------------


@testcase("TC_H_21_CS")
async def test_reservation_removed_when_unavailable(ctx: CaseContext) -> None:
    """H04: a Reserved EVSE made Inoperative (ChangeAvailability Accepted) is reported
    Unavailable and its reservation ends: ReservationStatusUpdate Removed."""
    s = await states.booted(ctx)
    got = await rsv.reserved(ctx, s)
    await states.unavailable(ctx, s, evse=EVSE)
    update = await s.expect(
        "ReservationStatusUpdate",
        {"reservationId": got.id},
        predicate=states.after(got.sent),
        why=f"EVSE {EVSE} of reservation {got.id} was made Inoperative",
    )
    ctx.check(
        update.payload.get("reservationUpdateStatus") == "Removed",
        f"ReservationStatusUpdate for reservation {got.id}, whose EVSE was made Inoperative, "
        f"says {update.payload.get('reservationUpdateStatus')!r}, expected Removed",
        requirement="H04",
        frame=update.text,
    )


@testcase("TC_H_22_CS")
async def test_reserve_configured_to_reject(ctx: CaseContext) -> None:
    """H01.FR.01: with ReservationCtrlr.Enabled false the station is configured not to accept
    reservations: ReserveNow for <Configured evseId> is answered Rejected."""
    s = await states.booted(ctx)
    await states.configure(ctx, s, "ReservationCtrlr", "Enabled", "false", prerequisite=True)
    got = await rsv.reserve(ctx, s)
    rsv.require_status(ctx, got, "Rejected", f"EVSE {EVSE} (reservations disabled)", "H01.FR.01")


@testcase("TC_H_23_CS", verbs=_USE_VERBS)
async def test_reserve_replace_reservation(ctx: CaseContext) -> None:
    """H01.FR.02: a ReserveNow with the id of the existing reservation (same EVSE, another
    idToken) replaces it: Accepted, and then the new idToken uses the reservation."""
    s = await states.booted(ctx)
    token, other = states.valid_token(ctx), rsv.valid2(ctx)
    rsv.answer_tokens(
        s, {token["idToken"]: {"status": "Accepted"}, other["idToken"]: {"status": "Accepted"}}
    )
    got = await rsv.reserved(ctx, s, token=token)
    again = await rsv.reserve(ctx, s, token=other, reservation_id=got.id)
    rsv.require_status(
        ctx, again, "Accepted", f"EVSE {EVSE} with the id of its reservation", "H01.FR.02"
    )
    await rsv.use_reservation(ctx, s, got.id, token=other)


# -- B: a reservation persists over a reset -------------------------------------------------------


@testcase("TC_B_24_CS")
async def test_reserved_persists_reset(ctx: CaseContext) -> None:
    """B11.FR.01, H01: Reserved for <Configured evseId>, then Reset OnIdle
    (Accepted): after the reboot the EVSE's connectors are still reported Reserved."""
    s = await states.booted(ctx)
    await rsv.reserved(ctx, s)
    n = ctx.connections()
    result = await s.call("Reset", {"type": "OnIdle"})
    ctx.require(
        result.get("status") == "Accepted",
        f"ResetResponse status is {result.get('status')!r}, expected Accepted",
        requirement="B11.FR.01",
    )
    s2 = await ctx.station(after=n)
    boot = await s2.expect("BootNotification", timeout=ctx.dut.timeouts.connect)
    seen = await states.connectors_reported(ctx, s2, since=boot.received)
    for pair in states.connectors_of(ctx, EVSE):
        msg = seen[pair]
        ctx.check(
            msg.payload.get("connectorStatus") == "Reserved",
            f"after the reset EVSE {pair[0]} connector {pair[1]} is reported "
            f"{msg.payload.get('connectorStatus')!r}; its reservation must persist across a "
            f"reset (Reserved)",
            requirement="H01",
            frame=msg.text,
        )
