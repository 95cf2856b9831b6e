"""Reusable states of the OCPP 2.0.1 charging-station test cases, played by the mock CSMS.

Each function drives the station under test into one official reusable state (Booted,
EVConnectedPreSession, Authorized, EnergyTransferStarted, StopAuthorized, EVDisconnected,
ParkingBayOccupied, ...) through operator verbs and checks what the state requires of the
messages the station sends. Every physical step registers its own undo with `ctx.defer`, and
every configuration change restores the old value, so cases stay independent of their order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from conformance.context import CaseContext
from conformance.session import Incoming, Responder, Session

EVSE = 1  # <Configured evseId>
CONNECTOR = 1  # <Configured connectorId>


# -- configured values ----------------------------------------------------------------------


def valid_token(ctx: CaseContext) -> dict[str, str]:
    """<Configured valid_idtoken_idtoken> / <Configured valid_idtoken_type>."""
    p = ctx.dut.pixit
    return {"idToken": p.valid_idtoken_idtoken, "type": p.valid_idtoken_type}


def connectors(ctx: CaseContext) -> list[tuple[int, int]]:
    """Every (evseId, connectorId) the profile declares."""
    p = ctx.dut.pixit
    return [(e, c) for e in p.evse_ids for c in range(1, p.connectors(e) + 1)]


def after(t0: float) -> Callable[[Incoming], bool]:
    """A predicate for messages received at or after monotonic time `t0`."""
    return lambda m: m.received >= t0


# -- Booted ---------------------------------------------------------------------------------


async def booted(ctx: CaseContext) -> Session:
    """Booted: the station is connected and registered (it booted when the run started)."""
    return await ctx.station()


async def reboot(ctx: CaseContext) -> tuple[Session, Incoming]:
    """Reboot the station: a new connection whose first message is a BootNotification."""
    await ctx.station()  # the current connection first, so the count below is settled
    n = ctx.connections()
    await ctx.operator.reboot()
    s = await ctx.station(after=n)
    boot = await s.expect(
        "BootNotification", timeout=ctx.dut.timeouts.connect, why="the station rebooted"
    )
    return s, boot


def answer_next_connections(ctx: CaseContext, action: str, responder: Responder) -> None:
    """Answer `action` with `responder` on connections the station opens during this case
    (set BEFORE the reboot that makes it send the message); removed when the case ends."""
    assert ctx.csms is not None
    ctx.csms.new_session_responders[action] = responder

    async def remove() -> None:
        assert ctx.csms is not None
        ctx.csms.new_session_responders.pop(action, None)

    ctx.defer(remove)


async def connectors_reported(
    ctx: CaseContext, s: Session, *, since: float = 0.0, requirement: str = "B01.FR.05"
) -> dict[tuple[int, int], Incoming]:
    """Post-scenario validation: a StatusNotification came for every connector."""
    seen: dict[tuple[int, int], Incoming] = {}
    for evse_id, connector_id in connectors(ctx):
        msg = await s.expect(
            "StatusNotification",
            {"evseId": evse_id, "connectorId": connector_id},
            predicate=after(since),
            why=f"every connector's state is reported ({requirement})",
        )
        seen[(evse_id, connector_id)] = msg
    return seen


# -- device model ---------------------------------------------------------------------------


def _ref(component: str, variable: str, instance: str | None = None) -> dict[str, Any]:
    v: dict[str, Any] = {"name": variable}
    if instance is not None:
        v["instance"] = instance
    return {"component": {"name": component}, "variable": v}


async def get_variable(
    ctx: CaseContext, s: Session, component: str, variable: str, instance: str | None = None
) -> dict[str, Any]:
    """GetVariables for one Actual value; returns the getVariableResult entry."""
    result = await s.call(
        "GetVariables", {"getVariableData": [{**_ref(component, variable, instance)}]}
    )
    items = result.get("getVariableResult") or [{}]
    return dict(items[0])


async def configure(
    ctx: CaseContext,
    s: Session,
    component: str,
    variable: str,
    value: str,
    *,
    instance: str | None = None,
) -> None:
    """Configuration state: set a variable over OCPP and restore the old value afterwards."""
    old = await get_variable(ctx, s, component, variable, instance)
    if old.get("attributeStatus") == "Accepted" and old.get("attributeValue") == value:
        return
    result = await s.call(
        "SetVariables",
        {"setVariableData": [{**_ref(component, variable, instance), "attributeValue": value}]},
    )
    status = (result.get("setVariableResult") or [{}])[0].get("attributeStatus")
    ctx.require(
        status == "Accepted",
        f"configuration step: setting {component}.{variable} to {value!r} was answered "
        f"{status!r}, so the scenario cannot be set up",
    )
    if old.get("attributeStatus") == "Accepted" and "attributeValue" in old:
        previous = str(old["attributeValue"])

        async def restore() -> None:
            conn = await ctx.station()
            await conn.call(
                "SetVariables",
                {
                    "setVariableData": [
                        {**_ref(component, variable, instance), "attributeValue": previous}
                    ]
                },
            )

        ctx.defer(restore)


async def tx_points(ctx: CaseContext, s: Session, start: str, stop: str) -> None:
    """Configuration state: TxCtrlr.TxStartPoint / TxStopPoint."""
    await configure(ctx, s, "TxCtrlr", "TxStartPoint", start)
    await configure(ctx, s, "TxCtrlr", "TxStopPoint", stop)


# -- transactions ---------------------------------------------------------------------------


def open_transactions(s: Session) -> dict[str, int]:
    """transactionId -> evseId of transactions this case saw start and not end."""
    state: dict[str, int] = {}
    for m in s.received("TransactionEvent"):
        tx_id = str(m.payload.get("transactionInfo", {}).get("transactionId"))
        if m.payload.get("eventType") == "Ended":
            state.pop(tx_id, None)
        else:
            evse = m.payload.get("evse", {}).get("id")
            state[tx_id] = int(evse) if evse is not None else state.get(tx_id, EVSE)
    return state


async def tx_event(
    ctx: CaseContext,
    s: Session,
    match: Mapping[str, Any] | None = None,
    *,
    since: float = 0.0,
    why: str = "",
    timeout: float | None = None,
) -> Incoming:
    """The next TransactionEvent matching `match` received after `since`."""
    return await s.expect(
        "TransactionEvent", match, predicate=after(since), why=why, timeout=timeout
    )


def check_tx_event(
    ctx: CaseContext,
    msg: Incoming,
    *,
    event_type: str | None = None,
    trigger: str | tuple[str, ...] | None = None,
    charging_state: str | None = None,
    stopped_reason: str | None = None,
    requirement: str | None = None,
) -> None:
    """Tool validations of one TransactionEventRequest, each a finding of its own."""
    p = msg.payload
    info = p.get("transactionInfo", {})
    if event_type is not None:
        ctx.check(
            p.get("eventType") == event_type,
            f"TransactionEvent eventType is {p.get('eventType')!r}, expected {event_type}",
            requirement=requirement,
            frame=msg.text,
        )
    if trigger is not None:
        allowed = (trigger,) if isinstance(trigger, str) else trigger
        ctx.check(
            p.get("triggerReason") in allowed,
            f"TransactionEvent ({p.get('eventType')}) triggerReason is "
            f"{p.get('triggerReason')!r}, expected {' or '.join(allowed)}",
            requirement=requirement,
            frame=msg.text,
        )
    if charging_state is not None:
        ctx.check(
            info.get("chargingState") == charging_state,
            f"TransactionEvent ({p.get('eventType')}) transactionInfo.chargingState is "
            f"{info.get('chargingState')!r}, expected {charging_state}",
            requirement=requirement,
            frame=msg.text,
        )
    if stopped_reason is not None:
        ctx.check(
            info.get("stoppedReason", "Local") == stopped_reason,
            f"TransactionEvent ({p.get('eventType')}) transactionInfo.stoppedReason is "
            f"{info.get('stoppedReason')!r}, expected {stopped_reason}",
            requirement=requirement,
            frame=msg.text,
        )


def check_started(ctx: CaseContext, msg: Incoming, evse: int = EVSE) -> None:
    """A Started event names the EVSE (and connector) it runs on and begins at seqNo 0."""
    p = msg.payload
    ctx.check(
        p.get("evse", {}).get("id") == evse,
        f"TransactionEvent Started has evse {p.get('evse')!r}; the first event of a "
        f"transaction must say on which EVSE it runs (expected id {evse})",
        frame=msg.text,
    )
    ctx.check(
        p.get("seqNo") == 0,
        f"TransactionEvent Started has seqNo {p.get('seqNo')!r}, expected 0",
        frame=msg.text,
    )


def check_seq_nos(ctx: CaseContext, s: Session) -> None:
    """Every transaction seen from its start: seqNo 0, 1, 2, ... in the order sent."""
    by_tx: dict[str, list[Incoming]] = {}
    for m in s.received("TransactionEvent"):
        tx_id = str(m.payload.get("transactionInfo", {}).get("transactionId"))
        by_tx.setdefault(tx_id, []).append(m)
    for tx_id, msgs in by_tx.items():
        if msgs[0].payload.get("eventType") != "Started":
            continue
        seq = [m.payload.get("seqNo") for m in msgs]
        ctx.check(
            seq == list(range(len(msgs))),
            f"transaction {tx_id}: TransactionEvent seqNo values {seq}; they must start at 0 "
            f"and increase by one per message",
        )


# -- physical steps with their undo ---------------------------------------------------------


async def plug_in(
    ctx: CaseContext, s: Session, evse: int = EVSE, connector: int = CONNECTOR
) -> float:
    """Plug in the cable; the clean-up unplugs it (if the case did not) and waits for the
    station to report it, so the next case starts from an idle station."""
    t0 = time.monotonic()
    await ctx.operator.plug_in(evse_id=evse, connector_id=connector)
    ctx.defer(lambda: _unplug_if_plugged(ctx, evse))
    return t0


async def _unplug_if_plugged(ctx: CaseContext, evse: int) -> None:
    s = await ctx.station()
    last = [m for m in s.received("StatusNotification") if m.payload.get("evseId") == evse]
    if last and last[-1].payload.get("connectorStatus") != "Occupied":
        return
    await unplug(ctx, s, evse)


async def unplug(ctx: CaseContext, s: Session, evse: int = EVSE) -> float:
    """Unplug the cable and wait until the station reports the connector free again."""
    t0 = time.monotonic()
    await ctx.operator.unplug(evse_id=evse, connector_id=CONNECTOR)
    await s.expect(
        "StatusNotification",
        {"evseId": evse},
        predicate=lambda m: m.received >= t0 and m.payload.get("connectorStatus") != "Occupied",
        why="the cable was unplugged",
    )
    for tx_id, tx_evse in open_transactions(s).items():
        if tx_evse == evse:
            await _wait_ended(ctx, s, tx_id, t0)
    return t0


async def _wait_ended(ctx: CaseContext, s: Session, tx_id: str, t0: float) -> None:
    """Transactions left open by a case end when the cable goes; wait for that message."""
    ended = [
        m
        for m in s.received("TransactionEvent")
        if m.payload.get("eventType") == "Ended"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]
    if ended:
        return
    await s.expect(
        "TransactionEvent",
        {"eventType": "Ended", "transactionInfo": {"transactionId": tx_id}},
        why="the cable was unplugged during the transaction",
    )


async def occupy_parking_bay(ctx: CaseContext, evse: int = EVSE) -> float:
    t0 = time.monotonic()
    await ctx.operator.occupy_parking_bay(evse_id=evse)

    async def vacate() -> None:
        await ctx.operator.vacate_parking_bay(evse_id=evse)

    ctx.defer(vacate)
    return t0


# -- reusable states --------------------------------------------------------------------------


async def ev_connected_pre_session(
    ctx: CaseContext, s: Session, evse: int = EVSE, connector: int = CONNECTOR
) -> Incoming:
    """EVConnectedPreSession: cable in, the connector reported Occupied (G01 / E02)."""
    t0 = await plug_in(ctx, s, evse, connector)
    status = await s.expect(
        "StatusNotification",
        {"evseId": evse, "connectorId": connector},
        predicate=after(t0),
        why="the cable was plugged in",
    )
    ctx.check(
        status.payload.get("connectorStatus") == "Occupied",
        f"StatusNotification after plugging in says {status.payload.get('connectorStatus')!r}, "
        f"expected Occupied",
        requirement="G01.FR.01",
        frame=status.text,
    )
    return status


async def authorized(
    ctx: CaseContext, s: Session, *, evse: int | None = None, token: dict[str, str] | None = None
) -> Incoming:
    """Authorized (local): a valid idToken is presented; the station asks the CSMS (C01)."""
    token = token or valid_token(ctx)
    t0 = time.monotonic()
    await ctx.operator.present_id_token(id_token=token["idToken"], type=token["type"], evse_id=evse)
    auth = await s.expect(
        "Authorize", predicate=after(t0), why="an idToken was presented at the reader"
    )
    ctx.check(
        auth.payload.get("idToken", {}).get("idToken") == token["idToken"],
        f"AuthorizeRequest carries idToken {auth.payload.get('idToken')!r}, "
        f"expected {token['idToken']!r}",
        requirement="C01.FR.01",
        frame=auth.text,
    )
    return auth


async def energy_transfer_started(
    ctx: CaseContext, s: Session, *, evse: int = EVSE, since: float = 0.0
) -> Incoming:
    """EnergyTransferStarted: a TransactionEvent says chargingState Charging."""
    msg = await tx_event(
        ctx,
        s,
        {"transactionInfo": {"chargingState": "Charging"}},
        since=since,
        why="the EV is connected and authorized, so energy transfer starts",
    )
    ctx.check(
        msg.payload.get("evse", {}).get("id", evse) == evse,
        f"the charging TransactionEvent names EVSE {msg.payload.get('evse')}, expected {evse}",
        frame=msg.text,
    )
    return msg


async def charging_session(ctx: CaseContext, s: Session, *, evse: int = EVSE) -> str:
    """EVConnectedPreSession + Authorized + EnergyTransferStarted; returns the transactionId."""
    t0 = time.monotonic()
    await ev_connected_pre_session(ctx, s, evse)
    await authorized(ctx, s, evse=evse)
    msg = await energy_transfer_started(ctx, s, evse=evse, since=t0)
    return str(msg.payload["transactionInfo"]["transactionId"])


def transaction_id_of(s: Session, evse: int = EVSE) -> str | None:
    for tx_id, tx_evse in open_transactions(s).items():
        if tx_evse == evse:
            return tx_id
    return None
