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
from conformance.verdict import NotApplicable

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
    """Booted: the station is connected and registered (it booted when the run started).

    When the case begins while the station is still booting, the boot's connector report
    (B01.FR.05) is let to finish first, so the case's own steps are not answered by it."""
    s = await ctx.station()
    await _boot_report_done(ctx, s)
    return s


async def _boot_report_done(ctx: CaseContext, s: Session) -> None:
    log = ctx.csms.logs.get(ctx.dut.station_id) if ctx.csms is not None else None
    if log is None or log.session is not s:
        return
    if log.received == 0 and ctx.connections() == 1:
        # The run's first connection has just opened: the station speaks first (its boot).
        await log.wait_first_message(ctx.dut.timeouts.connect)
    boot = log.boot
    if boot is None or log.settled_boot is boot:
        return
    answer = boot.response
    if answer is not None and (
        not isinstance(answer, Mapping) or answer.get("status") != "Accepted"
    ):
        return  # not registered (yet): nothing to report
    # B01.FR.05 is checked by the boot cases; here the report is only let to finish (once).
    log.settled_boot = boot
    await log.wait_reported(connectors(ctx), ctx.timeouts.message)


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
    prerequisite: bool = False,
) -> None:
    """Configuration state: set a variable over OCPP and restore the old value afterwards.

    `prerequisite`: the case's official prerequisite is that the station can take this value
    (e.g. a TxStartPoint option it supports); if it refuses, the case is NOT APPLICABLE."""
    old = await get_variable(ctx, s, component, variable, instance)
    if old.get("attributeStatus") == "Accepted" and old.get("attributeValue") == value:
        return
    result = await s.call(
        "SetVariables",
        {"setVariableData": [{**_ref(component, variable, instance), "attributeValue": value}]},
    )
    status = (result.get("setVariableResult") or [{}])[0].get("attributeStatus")
    if prerequisite and status != "Accepted":
        raise NotApplicable(
            f"prerequisite not met: the station answers {status!r} to setting "
            f"{component}.{variable} to {value!r}"
        )
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
    ctx.defer(lambda: _unplug_if_plugged(ctx, evse, s))
    return t0


async def _unplug_if_plugged(ctx: CaseContext, evse: int, plugged_on: Session) -> None:
    s = await ctx.station()
    # The connection the cable was plugged in on and the current one (after a reconnect).
    seen = {id(m): m for c in (plugged_on, s) for m in c.received("StatusNotification")}
    last = sorted(
        (m for m in seen.values() if m.payload.get("evseId") == evse), key=lambda m: m.received
    )
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
    """EVConnectedPreSession: cable in, the connector reported Occupied (G01 / E02).

    Only an Occupied report counts: in the first case after a (re)boot the boot's own
    StatusNotifications (Available) may still be arriving when the cable goes in."""
    t0 = await plug_in(ctx, s, evse, connector)
    status = await s.expect(
        "StatusNotification",
        {"evseId": evse, "connectorId": connector, "connectorStatus": "Occupied"},
        predicate=after(t0),
        why="the cable was plugged in, so the connector must be reported Occupied (G01.FR.01)",
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


# -- E block: transaction states and configuration --------------------------------------------


async def configure_if_implemented(
    ctx: CaseContext, s: Session, component: str, variable: str, value: str
) -> None:
    """A configuration step the official text marks "(If implemented)": skipped when the
    station does not know the variable, otherwise set (and restored) like `configure`."""
    current = await get_variable(ctx, s, component, variable)
    if current.get("attributeStatus") != "Accepted":
        return
    await configure(ctx, s, component, variable, value)


async def try_configure(
    ctx: CaseContext,
    s: Session,
    component: str,
    variable: str,
    value: str,
    *,
    instance: str | None = None,
) -> bool:
    """Set a variable if the station takes the value (restored afterwards); False if not."""
    try:
        await configure(ctx, s, component, variable, value, instance=instance, prerequisite=True)
    except NotApplicable:
        return False
    return True


async def local_auth_configured(ctx: CaseContext, s: Session) -> None:
    """Configuration state of the local start / stop cases: AuthCtrlr.Enabled true and
    AuthCtrlr.DisableRemoteAuthorization false, where the station implements them."""
    await configure_if_implemented(ctx, s, "AuthCtrlr", "Enabled", "true")
    await configure_if_implemented(ctx, s, "AuthCtrlr", "DisableRemoteAuthorization", "false")


async def tx_start_point(ctx: CaseContext, s: Session, value: str) -> None:
    """Configuration state: TxCtrlr.TxStartPoint = `value` (NOT APPLICABLE if refused)."""
    await configure(ctx, s, "TxCtrlr", "TxStartPoint", value, prerequisite=True)


async def tx_stop_point(ctx: CaseContext, s: Session, value: str) -> None:
    """Configuration state: TxCtrlr.TxStopPoint = `value` (NOT APPLICABLE if refused)."""
    await configure(ctx, s, "TxCtrlr", "TxStopPoint", value, prerequisite=True)


def end_transactions_afterwards(ctx: CaseContext) -> None:
    """Clean-up: a transaction the case left running (one started by authorization or by the
    parking bay, with no cable to unplug) is stopped remotely, so the next case starts idle.
    Register it first: clean-ups run last-in first-out, so it runs after the unplugging."""

    async def settle() -> None:
        s = await ctx.station()
        for tx_id in list(open_transactions(s)):
            t0 = time.monotonic()
            result = await s.call("RequestStopTransaction", {"transactionId": tx_id})
            if result.get("status") == "Accepted":
                await _wait_ended(ctx, s, tx_id, t0)

    ctx.defer(settle)


def is_periodic(msg: Incoming) -> bool:
    """A sampled / clock-aligned meter value update, not the event a step waits for."""
    return msg.payload.get("triggerReason") in ("MeterValuePeriodic", "MeterValueClock")


async def next_tx_event(
    ctx: CaseContext,
    s: Session,
    *,
    since: float,
    tx_id: str | None = None,
    why: str,
    timeout: float | None = None,
) -> Incoming:
    """The next TransactionEvent after `since` (of `tx_id` if given), meter samples skipped."""
    match = {"transactionInfo": {"transactionId": tx_id}} if tx_id is not None else None
    return await s.expect(
        "TransactionEvent",
        match,
        predicate=lambda m: m.received >= since and not is_periodic(m),
        why=why,
        timeout=timeout,
    )


def check_id_token(ctx: CaseContext, msg: Incoming, token: Mapping[str, str], req: str) -> None:
    """The TransactionEvent that follows an authorization carries the idToken used."""
    got = msg.payload.get("idToken") or {}
    ctx.check(
        got.get("idToken") == token["idToken"] and got.get("type") == token["type"],
        f"TransactionEvent ({msg.payload.get('eventType')}, {msg.payload.get('triggerReason')}) "
        f"carries idToken {msg.payload.get('idToken')!r}; the first event after the "
        f"authorization must carry {dict(token)!r}",
        requirement=req,
        frame=msg.text,
    )


def check_started_evse(
    ctx: CaseContext, msg: Incoming, evse: int = EVSE, connector: int | None = CONNECTOR
) -> None:
    """The first event of a transaction (seqNo 0) names its EVSE and connector."""
    check_started(ctx, msg, evse)
    if connector is not None:
        got = msg.payload.get("evse", {}).get("connectorId")
        ctx.check(
            got == connector,
            f"TransactionEvent Started has evse.connectorId {got!r}, expected {connector}",
            frame=msg.text,
        )


async def stop_authorized(
    ctx: CaseContext,
    s: Session,
    tx_id: str,
    *,
    evse: int = EVSE,
    token: dict[str, str] | None = None,
) -> Incoming:
    """StopAuthorized (local): the idToken that started the transaction is presented again;
    the station reports it with a TransactionEvent, triggerReason StopAuthorized (E07)."""
    token = token or valid_token(ctx)
    t0 = time.monotonic()
    await ctx.operator.present_id_token(id_token=token["idToken"], type=token["type"], evse_id=evse)
    msg = await next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="the idToken was presented to stop the transaction"
    )
    check_tx_event(ctx, msg, trigger="StopAuthorized", requirement="E07.FR.04")
    return msg


async def ev_disconnected(
    ctx: CaseContext, s: Session, *, evse: int = EVSE, tx_id: str | None = None
) -> Incoming | None:
    """EVDisconnected: the cable is unplugged; the connector is reported Available again and
    a transaction still running ends with EVCommunicationLost / EVDisconnected (E06)."""
    still_open = tx_id is not None and tx_id in open_transactions(s)
    t0 = await unplug(ctx, s, evse)
    status = [
        m
        for m in s.received("StatusNotification", since=t0)
        if m.payload.get("evseId") == evse and m.payload.get("connectorStatus") != "Occupied"
    ]
    if status:
        ctx.check(
            status[0].payload.get("connectorStatus") == "Available",
            f"StatusNotification after unplugging says "
            f"{status[0].payload.get('connectorStatus')!r}, expected Available",
            requirement="G01.FR.01",
            frame=status[0].text,
        )
    if not still_open:
        return None
    ended = [
        m
        for m in s.received("TransactionEvent", since=t0)
        if m.payload.get("eventType") == "Ended"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]
    return ended[0] if ended else None


async def remote_start(
    ctx: CaseContext,
    s: Session,
    *,
    evse: int | None = EVSE,
    token: dict[str, str] | None = None,
    remote_start_id: int | None = None,
) -> tuple[dict[str, Any], int, float]:
    """Authorized (remote): RequestStartTransaction; returns (response, remoteStartId, sent)."""
    token = token or valid_token(ctx)
    rid = remote_start_id if remote_start_id is not None else int(time.time() * 1000) % 1_000_000
    request: dict[str, Any] = {"idToken": dict(token), "remoteStartId": rid}
    if evse is not None:
        request["evseId"] = evse
    t0 = time.monotonic()
    result = await s.call("RequestStartTransaction", request)
    ctx.require(
        result.get("status") == "Accepted",
        f"RequestStartTransactionResponse status is {result.get('status')!r}, expected Accepted",
        requirement="F01.FR.01",
    )
    return result, rid, t0


# -- F block: remote control --------------------------------------------------------------------


class RemoteStart:
    """What Authorized (remote) set up: the request's remoteStartId and idToken, when it was
    sent, the response, and AuthCtrlr.AuthorizeRemoteStart as the station reported it (None
    when the station does not report it)."""

    def __init__(
        self,
        response: dict[str, Any],
        remote_start_id: int,
        token: dict[str, str],
        sent: float,
        authorize: bool | None,
    ) -> None:
        self.response = response
        self.remote_start_id = remote_start_id
        self.token = token
        self.sent = sent
        self.authorize = authorize


async def authorized_remote(
    ctx: CaseContext, s: Session, *, evse: int = EVSE, token: dict[str, str] | None = None
) -> RemoteStart:
    """Authorized (remote): RequestStartTransaction for `evse` is Accepted; with
    AuthorizeRemoteStart true the station first authorizes the idToken as if it had been
    presented locally (an AuthorizeRequest). The TransactionEvent that reports the remote start
    is checked by `check_remote_start_reported` once the case's steps have produced it."""
    token = token or valid_token(ctx)
    setting = await get_variable(ctx, s, "AuthCtrlr", "AuthorizeRemoteStart")
    authorize = (
        setting.get("attributeValue") == "true"
        if setting.get("attributeStatus") == "Accepted"
        else None
    )
    response, rid, t0 = await remote_start(ctx, s, evse=evse, token=token)
    if authorize:
        auth = await s.expect(
            "Authorize",
            predicate=after(t0),
            why="AuthorizeRemoteStart is true, so the remote idToken is authorized first",
        )
        ctx.check(
            auth.payload.get("idToken", {}).get("idToken") == token["idToken"],
            f"AuthorizeRequest carries idToken {auth.payload.get('idToken')!r}, expected "
            f"{token['idToken']!r} from the RequestStartTransaction",
            requirement="F01.FR.01",
            frame=auth.text,
        )
    return RemoteStart(response, rid, dict(token), t0, authorize)


def check_remote_start_reported(
    ctx: CaseContext, s: Session, rs: RemoteStart, *, plugged_at: float | None = None
) -> None:
    """After Authorized (remote) and EnergyTransferStarted: a TransactionEvent carried the
    request's remoteStartId and idToken; if the request itself caused that event (it came
    before the cable `plugged_at`, or the cable was in first) its triggerReason is RemoteStart.
    With AuthorizeRemoteStart false no AuthorizeRequest was sent for the remote start."""
    events = s.received("TransactionEvent", since=rs.sent)
    with_id = [
        m
        for m in events
        if m.payload.get("transactionInfo", {}).get("remoteStartId") == rs.remote_start_id
    ]
    ctx.check(
        bool(with_id),
        f"none of the {len(events)} TransactionEvent(s) since the RequestStartTransaction "
        f"carries transactionInfo.remoteStartId {rs.remote_start_id}; the transaction must be "
        f"reported with the id the CSMS gave, so the CSMS can match it to its request",
    )
    if with_id:
        msg = with_id[0]
        if plugged_at is None or msg.received < plugged_at:
            check_tx_event(ctx, msg, trigger="RemoteStart")
        check_id_token(ctx, msg, rs.token, "E03.FR.02")
    if rs.authorize is False:
        sent = s.received("Authorize", since=rs.sent)
        ctx.check(
            not sent,
            "the station sent an AuthorizeRequest for the remote start although "
            "AuthCtrlr.AuthorizeRemoteStart is false; it must start the transaction at once",
            requirement="F01.FR.02",
            frame=sent[0].text if sent else None,
        )


async def stop_authorized_remote(ctx: CaseContext, s: Session, tx_id: str) -> Incoming:
    """StopAuthorized (remote): RequestStopTransaction for a running transaction is Accepted
    and the station reports it with triggerReason RemoteStop: an Ended event with
    stoppedReason Remote when its TxStopPoint makes that the end, else an Updated one that
    stops the energy transfer."""
    t0 = time.monotonic()
    result = await s.call("RequestStopTransaction", {"transactionId": tx_id})
    ctx.require(
        result.get("status") == "Accepted",
        f"RequestStopTransactionResponse for the running transaction {tx_id} is "
        f"{result.get('status')!r}, expected Accepted",
        requirement="F03.FR.02",
    )
    msg = await next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="RequestStopTransaction was accepted"
    )
    check_tx_event(ctx, msg, trigger="RemoteStop", requirement="F03.FR.07")
    if msg.payload.get("eventType") == "Ended":
        check_tx_event(ctx, msg, stopped_reason="Remote", requirement="F03.FR.09")
    else:
        state = msg.payload.get("transactionInfo", {}).get("chargingState")
        ctx.check(
            state not in ("Charging", None),
            f"TransactionEvent after the remote stop says chargingState {state!r}; the energy "
            f"transfer must stop",
            requirement="F03.FR.09",
            frame=msg.text,
        )
    return msg


# -- E block: offline ---------------------------------------------------------------------------


class OfflinePeriod:
    """An offline period of the station: `await period.end()` restores the connection and
    returns the station's new connection (no new boot is needed, B04)."""

    def __init__(self, ctx: CaseContext) -> None:
        self.ctx = ctx
        self.ended = False

    async def end(self) -> Session:
        n = self.ctx.connections()
        self.ended = True
        await self.ctx.operator.go_online()
        return await self.ctx.station(after=n)


async def offline(ctx: CaseContext, s: Session) -> OfflinePeriod:
    """The station loses its connection to the CSMS (network cut); the clean-up restores it
    if the case did not, and waits until the station is back."""
    await ctx.operator.go_offline()
    period = OfflinePeriod(ctx)

    async def restore() -> None:
        if not period.ended:
            await period.end()

    ctx.defer(restore)
    ctx.require(
        await s.wait_closed(ctx.dut.timeouts.connect),
        "set-up: the station's connection did not go down after the network was cut",
    )
    return period


# -- memory states ------------------------------------------------------------------------------


async def connector_unavailable(
    ctx: CaseContext, s: Session, evse: int = EVSE, connector: int = CONNECTOR
) -> Incoming:
    """Memory state "Unavailable for <Configured connectorId>": ChangeAvailability Inoperative
    for the connector is Accepted and the station reports it Unavailable (G03). The clean-up
    makes it Operative again (on whatever connection the station then has)."""
    t0 = time.monotonic()
    target = {"id": evse, "connectorId": connector}
    result = await s.call(
        "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": target}
    )
    ctx.require(
        result.get("status") == "Accepted",
        f"memory state: ChangeAvailability Inoperative for EVSE {evse} connector {connector} "
        f"was answered {result.get('status')!r}, so the scenario cannot be set up",
        requirement="G03.FR.01",
    )

    async def operative() -> None:
        conn = await ctx.station()
        await conn.call("ChangeAvailability", {"operationalStatus": "Operative", "evse": target})

    ctx.defer(operative)
    return await s.expect(
        "StatusNotification",
        {"evseId": evse, "connectorId": connector, "connectorStatus": "Unavailable"},
        predicate=after(t0),
        why="the connector was made Inoperative, so it must be reported Unavailable (G03.FR.02)",
    )


async def energy_transfer_suspended(
    ctx: CaseContext, s: Session, tx_id: str, *, evse: int = EVSE
) -> Incoming:
    """EnergyTransferSuspended: during the transaction the EV stops taking energy; the
    station reports ChargingStateChanged / SuspendedEV. The clean-up lets the EV resume."""
    t0 = time.monotonic()
    await ctx.operator.ev_suspend(evse_id=evse)

    async def resume() -> None:
        await ctx.operator.ev_resume(evse_id=evse)

    ctx.defer(resume)
    msg = await next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="the EV suspended the energy transfer"
    )
    check_tx_event(ctx, msg, trigger="ChargingStateChanged", charging_state="SuspendedEV")
    return msg


# -- G block: availability ----------------------------------------------------------------------


def availability_target(evse: int | None, connector: int | None) -> dict[str, int] | None:
    """The `evse` field of a ChangeAvailabilityRequest: None (the whole station), an EVSE, or
    one connector of an EVSE."""
    if evse is None:
        return None
    return {"id": evse} if connector is None else {"id": evse, "connectorId": connector}


def connectors_of(
    ctx: CaseContext, evse: int | None, connector: int | None = None
) -> list[tuple[int, int]]:
    """The connectors a ChangeAvailabilityRequest for (evse, connector) is about."""
    if evse is None:
        return connectors(ctx)
    if connector is not None:
        return [(evse, connector)]
    return [(e, c) for e, c in connectors(ctx) if e == evse]


def describe_target(evse: int | None, connector: int | None) -> str:
    if evse is None:
        return "the charging station"
    return f"EVSE {evse}" + (f" connector {connector}" if connector is not None else "")


async def change_availability(
    ctx: CaseContext,
    s: Session,
    operational_status: str,
    *,
    evse: int | None = None,
    connector: int | None = None,
) -> tuple[str, float]:
    """ChangeAvailabilityRequest for the station / an EVSE / a connector; returns the status
    the station answered and when the request was sent (monotonic)."""
    request: dict[str, Any] = {"operationalStatus": operational_status}
    target = availability_target(evse, connector)
    if target is not None:
        request["evse"] = target
    t0 = time.monotonic()
    result = await s.call("ChangeAvailability", request)
    return str(result.get("status")), t0


async def status_reported(
    ctx: CaseContext,
    s: Session,
    pairs: list[tuple[int, int]],
    status: str,
    *,
    since: float,
    why: str,
    requirement: str,
) -> dict[tuple[int, int], Incoming]:
    """A StatusNotification with connectorStatus `status` came for each of `pairs` after
    `since` (the station may report other states first, e.g. a boot's report)."""
    seen: dict[tuple[int, int], Incoming] = {}
    for evse_id, connector_id in pairs:
        seen[(evse_id, connector_id)] = await s.expect(
            "StatusNotification",
            {"evseId": evse_id, "connectorId": connector_id, "connectorStatus": status},
            predicate=after(since),
            why=f"{why}, so EVSE {evse_id} connector {connector_id} must be reported "
            f"{status} ({requirement})",
        )
    return seen


def operative_afterwards(ctx: CaseContext, evse: int | None, connector: int | None) -> None:
    """Clean-up: make the station / EVSE / connector Operative again (on whatever connection
    the station then has) and let it report its connectors, so the next case starts from an
    available station."""

    async def operative() -> None:
        conn = await ctx.station()
        status, t0 = await change_availability(
            ctx, conn, "Operative", evse=evse, connector=connector
        )
        if status != "Accepted":
            return
        for evse_id, connector_id in connectors_of(ctx, evse, connector):
            unavailable = [
                m
                for m in conn.received("StatusNotification")
                if (m.payload.get("evseId"), m.payload.get("connectorId"))
                == (evse_id, connector_id)
            ]
            if unavailable and unavailable[-1].payload.get("connectorStatus") == "Unavailable":
                await conn.expect(
                    "StatusNotification",
                    {"evseId": evse_id, "connectorId": connector_id},
                    predicate=lambda m: (
                        m.received >= t0 and m.payload.get("connectorStatus") != "Unavailable"
                    ),
                    why=f"clean-up: {describe_target(evse, connector)} was made Operative again",
                )

    ctx.defer(operative)


async def unavailable(
    ctx: CaseContext, s: Session, *, evse: int | None = None, connector: int | None = None
) -> dict[tuple[int, int], Incoming]:
    """Reusable state Unavailable (for <Configured evseId> / <Configured connectorId>):
    ChangeAvailability Inoperative for the station, EVSE or connector is Accepted and the
    station reports each connector concerned Unavailable (G03.FR.06 / G04.FR.07). The
    clean-up makes it Operative again."""
    what = describe_target(evse, connector)
    status, t0 = await change_availability(ctx, s, "Inoperative", evse=evse, connector=connector)
    ctx.require(
        status == "Accepted",
        f"ChangeAvailabilityResponse to Inoperative for {what} is {status!r}, expected "
        f"Accepted (nothing is charging)",
        requirement="G04.FR.02" if evse is None else "G03.FR.02",
    )
    operative_afterwards(ctx, evse, connector)
    return await status_reported(
        ctx,
        s,
        connectors_of(ctx, evse, connector),
        "Unavailable",
        since=t0,
        why=f"{what} was made Inoperative",
        requirement="G04.FR.07" if evse is None else "G03.FR.06",
    )
