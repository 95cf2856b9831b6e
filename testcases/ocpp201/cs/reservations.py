"""Reusable states and steps of the OCPP 2.0.1 charging-station Reservation cases (block H).

`reserve` sends a ReserveNowRequest (specific EVSE, connector type or unspecified EVSE) and,
when the station accepts it, registers its undo: a CancelReservationRequest on whatever
connection the station then has, waiting until the connectors it had reported Reserved are
reported free again, so the next case starts from an unreserved station. `reserved` is the
official reusable state Reserved (for <Configured evseId>): ReserveNow Accepted and every
connector of the EVSE reported Reserved.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import time
from collections.abc import Mapping
from typing import Any

from conformance.context import CaseContext
from conformance.session import Incoming, Session
from testcases.ocpp201.cs import states

# Reservation ids of this run: distinct per ReserveNow, and unlikely to meet a leftover one.
_IDS = itertools.count(int(time.time()) % 100_000 * 10 + 1)

LONG_EXPIRY = 3600  # s: reservations the case cancels itself do not expire meanwhile


def new_id() -> int:
    return next(_IDS)


def expiry_in(seconds: float) -> str:
    """An expiryDateTime `seconds` from now (RFC 3339, UTC)."""
    when = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=seconds)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def valid2(ctx: CaseContext) -> dict[str, str]:
    """<Configured valid_idtoken2_idtoken> / <Configured valid_idtoken2_type>."""
    p = ctx.dut.pixit
    return {"idToken": p.valid_idtoken2_idtoken, "type": p.valid_idtoken2_type}


def answer_tokens(s: Session, table: Mapping[str, Mapping[str, Any]]) -> None:
    """The mock CSMS answers Authorize and TransactionEvent idTokens from `table`
    (idToken -> idTokenInfo); an idToken not in it is Invalid."""

    def info(token: Any) -> dict[str, Any]:
        return dict(table.get(str((token or {}).get("idToken", "")), {"status": "Invalid"}))

    s.on("Authorize", lambda m: {"idTokenInfo": info(m.payload.get("idToken"))})
    s.on(
        "TransactionEvent",
        lambda m: {"idTokenInfo": info(m.payload["idToken"])} if "idToken" in m.payload else {},
    )


def grouped(group: str) -> dict[str, Any]:
    """An Accepted idTokenInfo with groupIdToken `group`."""
    return {"status": "Accepted", "groupIdToken": {"idToken": group, "type": "Central"}}


class Reserve:
    """What a ReserveNowRequest got: the status answered, the id, and when it was sent."""

    def __init__(self, status: str, reservation_id: int, sent: float) -> None:
        self.status = status
        self.id = reservation_id
        self.sent = sent


async def reserve(
    ctx: CaseContext,
    s: Session,
    *,
    evse: int | None = states.EVSE,
    token: Mapping[str, str] | None = None,
    group: str | None = None,
    connector_type: str | None = None,
    reservation_id: int | None = None,
    expires_in: float = LONG_EXPIRY,
) -> Reserve:
    """ReserveNowRequest for `evse` (None: no evseId), `connector_type` and `token` (the
    <Configured valid_idtoken>), with groupIdToken `group` when given."""
    rid = reservation_id if reservation_id is not None else new_id()
    request: dict[str, Any] = {
        "id": rid,
        "expiryDateTime": expiry_in(expires_in),
        "idToken": dict(token or states.valid_token(ctx)),
    }
    if evse is not None:
        request["evseId"] = evse
    if connector_type is not None:
        request["connectorType"] = connector_type
    if group is not None:
        request["groupIdToken"] = {"idToken": group, "type": "Central"}
    t0 = time.monotonic()
    result = await s.call("ReserveNow", request)
    status = str(result.get("status"))
    if status == "Accepted":
        cancel_afterwards(ctx, rid, t0)
    return Reserve(status, rid, t0)


def cancel_afterwards(ctx: CaseContext, reservation_id: int, made: float) -> None:
    """Clean-up: cancel the reservation (if it still exists) and wait until each connector
    reported Reserved since it was `made` (and not freed since) is reported free again."""

    async def cancel() -> None:
        conn = await ctx.station()
        t0 = time.monotonic()
        result = await conn.call("CancelReservation", {"reservationId": reservation_id})
        if result.get("status") != "Accepted":
            return  # used, expired or removed already
        for evse_id, connector_id in states.connectors(ctx):
            seen = [
                m
                for m in conn.received("StatusNotification", since=made)
                if (m.payload.get("evseId"), m.payload.get("connectorId"))
                == (evse_id, connector_id)
                and m.received < t0
            ]
            if seen and seen[-1].payload.get("connectorStatus") == "Reserved":
                await conn.expect(
                    "StatusNotification",
                    {"evseId": evse_id, "connectorId": connector_id},
                    predicate=lambda m: (
                        m.received >= t0 and m.payload.get("connectorStatus") != "Reserved"
                    ),
                    why=f"clean-up: reservation {reservation_id} was cancelled",
                )

    ctx.defer(cancel)


def require_status(
    ctx: CaseContext, got: Reserve, expected: str, what: str, requirement: str
) -> None:
    """The ReserveNowResponse status must be `expected`; anything else ends the case."""
    ctx.require(
        got.status == expected,
        f"ReserveNowResponse to a reservation of {what} is {got.status!r}, expected {expected}",
        requirement=requirement,
    )


async def reserved_reported(
    ctx: CaseContext,
    s: Session,
    pairs: list[tuple[int, int]],
    *,
    since: float,
    why: str,
    requirement: str,
) -> dict[tuple[int, int], Incoming]:
    """A StatusNotification Reserved came for each connector of `pairs` after `since`."""
    return await states.status_reported(
        ctx, s, pairs, "Reserved", since=since, why=why, requirement=requirement
    )


async def reserved(
    ctx: CaseContext,
    s: Session,
    *,
    evse: int = states.EVSE,
    token: Mapping[str, str] | None = None,
    group: str | None = None,
) -> Reserve:
    """Reusable state Reserved (for `evse`): ReserveNowRequest with that evseId is Accepted
    and each connector of the EVSE is reported Reserved (H01.FR.04)."""
    got = await reserve(ctx, s, evse=evse, token=token, group=group)
    require_status(ctx, got, "Accepted", f"the available EVSE {evse}", "H01.FR.03")
    await reserved_reported(
        ctx,
        s,
        states.connectors_of(ctx, evse),
        since=got.sent,
        why=f"EVSE {evse} was reserved",
        requirement="H01",
    )
    return got


async def non_evse_specific(ctx: CaseContext, s: Session, value: str) -> None:
    """Configuration state: ReservationCtrlr.NonEvseSpecific = `value` (the case is NOT
    APPLICABLE when the station does not take it)."""
    await states.configure(ctx, s, "ReservationCtrlr", "NonEvseSpecific", value, prerequisite=True)


async def token_event(ctx: CaseContext, s: Session, *, since: float, why: str) -> Incoming:
    """The first TransactionEvent after `since` that carries an idToken (the authorization
    that used the reservation), seen already or still to come."""
    for m in s.received("TransactionEvent", since=since):
        if "idToken" in m.payload:
            return m
    return await s.expect(
        "TransactionEvent",
        predicate=lambda m: m.received >= since and "idToken" in m.payload,
        why=why,
    )


def check_reservation_used(
    ctx: CaseContext, msg: Incoming, token: Mapping[str, str], reservation_id: int
) -> None:
    """The TransactionEvent reporting the authorization carries the reserved idToken (or the
    group member's) and the reservationId it used (H03)."""
    got = msg.payload.get("idToken") or {}
    ctx.check(
        got.get("idToken") == token["idToken"],
        f"the TransactionEvent that reports the authorization carries idToken "
        f"{msg.payload.get('idToken')!r}, expected {dict(token)!r}",
        requirement="H03",
        frame=msg.text,
    )
    ctx.check(
        msg.payload.get("reservationId") == reservation_id,
        f"TransactionEvent ({msg.payload.get('eventType')}, "
        f"{msg.payload.get('triggerReason')}) of the transaction that used reservation "
        f"{reservation_id} has reservationId {msg.payload.get('reservationId')!r}; it must "
        f"name the reservation it used",
        requirement="H03",
        frame=msg.text,
    )


async def plug_in(ctx: CaseContext, s: Session, evse: int = states.EVSE) -> float:
    """Plug in the cable at a (maybe) reserved EVSE. The clean-up unplugs it: waiting for the
    station's report when it was reported Occupied, and without one when it stayed Reserved
    (a plug-in alone does not change a Reserved connector, G01.FR.09)."""
    t0 = time.monotonic()
    await ctx.operator.plug_in(evse_id=evse, connector_id=states.CONNECTOR)

    async def unplug() -> None:
        conn = await ctx.station()
        seen = {id(m): m for c in (s, conn) for m in c.received("StatusNotification", since=t0)}
        last = sorted(
            (m for m in seen.values() if m.payload.get("evseId") == evse),
            key=lambda m: m.received,
        )
        status = last[-1].payload.get("connectorStatus") if last else "Reserved"
        if status == "Occupied":
            await states.unplug(ctx, conn, evse)
        elif status == "Reserved":
            await ctx.operator.unplug(evse_id=evse, connector_id=states.CONNECTOR)

    ctx.defer(unplug)
    return t0


async def use_reservation(
    ctx: CaseContext,
    s: Session,
    reservation_id: int,
    *,
    token: Mapping[str, str] | None = None,
    evse: int = states.EVSE,
) -> str:
    """The EV driver with `token` (default <Configured valid_idtoken>) authorizes at `evse`
    and plugs in (reusable states Authorized, EVConnectedPreSession, EnergyTransferStarted):
    the connector leaves Reserved (Occupied once the cable is in) and the event reporting the
    authorization names the reservation. Returns the transactionId."""
    token = dict(token or states.valid_token(ctx))
    states.end_transactions_afterwards(ctx)
    t0 = time.monotonic()
    await states.authorized(ctx, s, evse=evse, token=token)
    plugged = await plug_in(ctx, s, evse)
    await s.expect(
        "StatusNotification",
        {"evseId": evse, "connectorId": states.CONNECTOR, "connectorStatus": "Occupied"},
        predicate=states.after(plugged),
        why=f"idToken {token['idToken']!r} may use the reservation and plugged in, so the "
        f"connector must be reported Occupied (G01.FR.01)",
    )
    started = await states.energy_transfer_started(ctx, s, evse=evse, since=t0)
    msg = await token_event(ctx, s, since=t0, why="the EV driver was authorized and plugged in")
    check_reservation_used(ctx, msg, token, reservation_id)
    return str(started.payload["transactionInfo"]["transactionId"])
