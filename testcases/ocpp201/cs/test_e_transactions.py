"""OCPP 2.0.1, DUT = charging station, functional block E (Transactions), Core profile:
the start options (E01) and the local start of a charging session (E02, E03): cable first,
authorization first, EVConnectionTimeOut, an EV not ready, DisableRemoteAuthorization.

Each start-option case sets TxCtrlr.TxStartPoint over OCPP first (restored afterwards) and
then checks the TransactionEventRequest that starts the transaction: eventType Started,
seqNo 0, the EVSE and connector it runs on, the triggerReason of the event that started it,
the chargingState, and the idToken when an authorization is part of the start.
"""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import states


async def _started(ctx: CaseContext, s: Session, since: float, why: str) -> Incoming:
    """The TransactionEvent Started the step must cause."""
    msg = await states.next_tx_event(ctx, s, since=since, why=why)
    ctx.require(
        msg.payload.get("eventType") == "Started",
        f"the first TransactionEvent after this step has eventType "
        f"{msg.payload.get('eventType')!r}; this TxStartPoint must start a new transaction",
        frame=msg.text,
    )
    states.check_started_evse(ctx, msg)
    return msg


def _no_tx_event_between(ctx: CaseContext, s: Session, t0: float, t1: float, what: str) -> None:
    """Nothing may start before the configured start point is reached."""
    early = [m for m in s.received("TransactionEvent", since=t0) if m.received < t1]
    if early:
        ctx.check(
            False,
            f"the station sent a TransactionEvent ({early[0].payload.get('eventType')}, "
            f"{early[0].payload.get('triggerReason')}) {what}, before TxStartPoint was reached",
            frame=early[0].text,
        )


# -- start options (E01) ----------------------------------------------------------------------


@testcase("TC_E_01_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_start_option_power_path_closed(ctx: CaseContext) -> None:
    """E01.FR.05, E01.FR.15, E01.FR.16: with TxStartPoint PowerPathClosed, an authorization
    alone starts nothing; connecting the EV then closes the power path and the transaction
    starts on that EVSE and connector, carrying the idToken."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.tx_start_point(ctx, s, "PowerPathClosed")
    t0 = time.monotonic()
    await states.authorized(ctx, s, evse=states.EVSE)
    t1 = time.monotonic()
    await states.ev_connected_pre_session(ctx, s)
    _no_tx_event_between(ctx, s, t0, t1, "on the authorization alone")
    msg = await _started(ctx, s, t1, "the EV was connected after the authorization")
    states.check_tx_event(
        ctx,
        msg,
        trigger=("CablePluggedIn", "ChargingStateChanged"),
        charging_state="Charging",
        requirement="E01.FR.05",
    )
    states.check_id_token(ctx, msg, states.valid_token(ctx), "E01.FR.05")


@testcase("TC_E_02_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_start_option_energy_transfer(ctx: CaseContext) -> None:
    """E01.FR.06, E01.FR.15, E01.FR.16: with TxStartPoint EnergyTransfer the transaction
    starts when energy flows: Started with triggerReason ChargingStateChanged and
    chargingState Charging."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.tx_start_point(ctx, s, "EnergyTransfer")
    t0 = time.monotonic()
    await states.authorized(ctx, s, evse=states.EVSE)
    await states.ev_connected_pre_session(ctx, s)
    msg = await _started(ctx, s, t0, "the EV was connected and energy transfer began")
    states.check_tx_event(
        ctx,
        msg,
        trigger="ChargingStateChanged",
        charging_state="Charging",
        requirement="E01.FR.06",
    )


@testcase("TC_E_09_CS", verbs=("plug_in", "unplug"))
async def test_start_option_ev_connected(ctx: CaseContext) -> None:
    """E01.FR.02, E01.FR.15, E01.FR.16: with TxStartPoint EVConnected, connecting the EV
    reports the connector Occupied and starts the transaction: triggerReason CablePluggedIn,
    chargingState EVConnected, evse id and connectorId given."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.tx_start_point(ctx, s, "EVConnected")
    t0 = time.monotonic()
    await states.ev_connected_pre_session(ctx, s)
    msg = await _started(ctx, s, t0, "the EV was connected")
    states.check_tx_event(
        ctx,
        msg,
        trigger="CablePluggedIn",
        charging_state="EVConnected",
        requirement="E01.FR.02",
    )


@testcase("TC_E_10_CS", verbs=("present_id_token",))
async def test_start_option_authorized_local(ctx: CaseContext) -> None:
    """E01.FR.03, E01.FR.16, C01.FR.02: with TxStartPoint Authorized, presenting a valid
    idToken (Authorize, Accepted) starts the transaction at once, before any cable:
    triggerReason Authorized, with the idToken."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.tx_start_point(ctx, s, "Authorized")
    await states.local_auth_configured(ctx, s)
    auth = await states.authorized(ctx, s, evse=states.EVSE)
    msg = await _started(ctx, s, auth.received, "a valid idToken was authorized")
    states.check_tx_event(ctx, msg, trigger="Authorized", requirement="E01.FR.03")
    states.check_id_token(ctx, msg, states.valid_token(ctx), "E01.FR.03")


@testcase("TC_E_11_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_start_option_data_signed(ctx: CaseContext) -> None:
    """E01.FR.04, E01.FR.16: with TxStartPoint DataSigned the transaction starts when the
    meter delivers signed data: Started with triggerReason SignedDataReceived and a meter
    value carrying a signedMeterValue."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.tx_start_point(ctx, s, "DataSigned")
    await states.local_auth_configured(ctx, s)
    t0 = time.monotonic()
    await states.authorized(ctx, s, evse=states.EVSE)
    await states.ev_connected_pre_session(ctx, s)
    msg = await _started(ctx, s, t0, "the EV was connected and signed meter data arrived")
    states.check_tx_event(ctx, msg, trigger="SignedDataReceived", requirement="E01.FR.04")
    signed = [
        v.get("signedMeterValue")
        for mv in msg.payload.get("meterValue") or []
        for v in mv.get("sampledValue") or []
        if v.get("signedMeterValue")
    ]
    ctx.check(
        bool(signed),
        "TransactionEvent Started carries no sampledValue with a signedMeterValue; a "
        "transaction started by DataSigned reports the signed meter data that started it",
        requirement="E01.FR.04",
        frame=msg.text,
    )


@testcase("TC_E_12_CS", verbs=("occupy_parking_bay", "vacate_parking_bay"))
async def test_start_option_parking_bay_occupied(ctx: CaseContext) -> None:
    """E01.FR.01, E01.FR.16: with TxStartPoint ParkingBayOccupied, the bay detector seeing an
    EV starts the transaction: triggerReason EVDetected."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.tx_start_point(ctx, s, "ParkingBayOccupied")
    t0 = await states.occupy_parking_bay(ctx)
    msg = await _started(ctx, s, t0, "an EV parked in the bay")
    states.check_tx_event(ctx, msg, trigger="EVDetected", requirement="E01.FR.01")


@testcase("TC_E_13_CS")
async def test_start_option_authorized_remote(ctx: CaseContext) -> None:
    """E01.FR.03, F01.FR.03, F02.FR.01: with TxStartPoint Authorized, an accepted
    RequestStartTransaction (after an Authorize when AuthorizeRemoteStart is true) starts the
    transaction: triggerReason RemoteStart, the remoteStartId and the idToken."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.tx_start_point(ctx, s, "Authorized")
    await states.local_auth_configured(ctx, s)
    remote_auth = await states.get_variable(ctx, s, "AuthCtrlr", "AuthorizeRemoteStart")
    token = states.valid_token(ctx)
    _result, rid, t0 = await states.remote_start(ctx, s, token=token)
    if remote_auth.get("attributeValue") == "true":
        auth = await s.expect(
            "Authorize",
            predicate=states.after(t0),
            why="AuthorizeRemoteStart is true, so the remote idToken is authorized first",
        )
        ctx.check(
            auth.payload.get("idToken", {}).get("idToken") == token["idToken"],
            f"AuthorizeRequest carries idToken {auth.payload.get('idToken')!r}, expected "
            f"{token['idToken']!r}",
            requirement="F01.FR.03",
            frame=auth.text,
        )
    msg = await _started(ctx, s, t0, "RequestStartTransaction was accepted")
    states.check_tx_event(ctx, msg, trigger="RemoteStart", requirement="F02.FR.01")
    got = msg.payload.get("transactionInfo", {}).get("remoteStartId")
    ctx.check(
        got == rid,
        f"TransactionEvent Started has transactionInfo.remoteStartId {got!r}, expected {rid} "
        f"from the RequestStartTransaction",
        requirement="F01.FR.19",
        frame=msg.text,
    )
    states.check_id_token(ctx, msg, token, "F01.FR.19")


# -- local start (E02, E03) -------------------------------------------------------------------


def _session_events(s: Session, tx_id: str) -> list[Incoming]:
    return [
        m
        for m in s.received("TransactionEvent")
        if m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]


def _check_session_start(
    ctx: CaseContext, s: Session, charging: Incoming, auth: Incoming, requirement: str
) -> str:
    """Shared checks once energy flows: the transaction's Started event names the EVSE and
    connector and comes first, the first event after the authorization carries the idToken,
    and the seqNo values so far run 0, 1, 2, ..."""
    tx_id = str(charging.payload.get("transactionInfo", {}).get("transactionId"))
    events = _session_events(s, tx_id)
    ctx.require(bool(events), "no TransactionEvent of the charging transaction was seen")
    ctx.check(
        events[0].payload.get("eventType") == "Started",
        f"the first TransactionEvent of transaction {tx_id} has eventType "
        f"{events[0].payload.get('eventType')!r}, expected Started",
        requirement=requirement,
        frame=events[0].text,
    )
    states.check_started_evse(ctx, events[0])
    after_auth = [m for m in events if m.received >= auth.received]
    if after_auth:
        states.check_id_token(ctx, after_auth[0], states.valid_token(ctx), requirement)
    states.check_seq_nos(ctx, s)
    return tx_id


@testcase("TC_E_03_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_local_start_cable_first(ctx: CaseContext) -> None:
    """E02.FR.01, E02.FR.05, E02.FR.06, E02.FR.07, C01.FR.02: cable first (Occupied), then a
    valid idToken (Authorize); energy transfer starts, reported with chargingState Charging,
    the idToken in the first event after the authorization, seqNo continuous."""
    if ctx.dut.pixit.cable_lock:
        raise NotApplicable(
            "prerequisite not met: the case is for a station whose cable can be connected "
            "before authorization; this one has a cable lock (PIXIT cable_lock)"
        )
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    t0 = time.monotonic()
    await states.ev_connected_pre_session(ctx, s)
    auth = await states.authorized(ctx, s, evse=states.EVSE)
    charging = await states.energy_transfer_started(ctx, s, since=t0)
    _check_session_start(ctx, s, charging, auth, "E02.FR.05")


@testcase("TC_E_04_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_local_start_authorization_first(ctx: CaseContext) -> None:
    """E03.FR.01, E03.FR.06, E03.FR.12, C01.FR.02: a valid idToken first (Authorize), then
    the cable; energy transfer starts, reported with chargingState Charging, the idToken in
    the first event after the authorization, seqNo continuous."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    t0 = time.monotonic()
    auth = await states.authorized(ctx, s, evse=states.EVSE)
    await states.ev_connected_pre_session(ctx, s)
    charging = await states.energy_transfer_started(ctx, s, since=t0)
    _check_session_start(ctx, s, charging, auth, "E03.FR.01")


# -- EVConnectionTimeOut (E03.FR.05, E06) -----------------------------------------------------

_START_BY_AUTHORIZATION = {"Authorized", "ParkingBayOccupied"}


async def _start_points(ctx: CaseContext, s: Session) -> set[str]:
    value = (await states.get_variable(ctx, s, "TxCtrlr", "TxStartPoint")).get("attributeValue")
    return {p.strip() for p in str(value or "").split(",") if p.strip()}


async def _connection_timeout_expires(ctx: CaseContext, s: Session, requirement: str) -> None:
    """Authorized (local) with no cable: once EVConnectionTimeOut expires the authorization
    ends. A transaction it started ends with triggerReason EVConnectTimeout / stoppedReason
    Timeout. Without a started transaction there is nothing to send; then the EVSE must be
    free again: connecting the EV must not start charging until a new authorization."""
    timeout = ctx.dut.pixit.ev_connection_timeout
    await states.configure(ctx, s, "TxCtrlr", "EVConnectionTimeOut", str(timeout))
    await states.local_auth_configured(ctx, s)
    await states.configure_if_implemented(ctx, s, "AuthCacheCtrlr", "Enabled", "false")
    await states.configure_if_implemented(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "false")
    started_by_auth = bool(await _start_points(ctx, s) & _START_BY_AUTHORIZATION)
    auth = await states.authorized(ctx, s, evse=states.EVSE)
    if started_by_auth:
        started = await _started(ctx, s, auth.received, "a valid idToken was authorized")
        tx_id = str(started.payload["transactionInfo"]["transactionId"])
        ended = await states.next_tx_event(
            ctx,
            s,
            since=started.received,
            tx_id=tx_id,
            timeout=timeout + ctx.timeouts.message,
            why=f"no EV was connected within EVConnectionTimeOut ({timeout} s)",
        )
        states.check_tx_event(
            ctx,
            ended,
            event_type="Ended",
            trigger="EVConnectTimeout",
            stopped_reason="Timeout",
            requirement=requirement,
        )
        waited = ended.received - auth.received
        ctx.check(
            waited >= timeout - 0.05,
            f"the transaction ended {waited:.2f} s after the authorization, before "
            f"EVConnectionTimeOut ({timeout} s) expired",
            requirement=requirement,
            frame=ended.text,
        )
        return
    # Nothing may be reported while the timeout runs; after it the authorization is gone.
    await s.expect_none(
        "TransactionEvent",
        during=timeout + 0.5,
        why="no transaction was started by the authorization, so none can end",
    )
    t_plug = time.monotonic()
    await states.ev_connected_pre_session(ctx, s)
    cutoff = float("inf")
    try:
        again = await states.authorized(ctx, s, evse=states.EVSE)
        cutoff = again.received
    finally:
        # Whether or not the new authorization got through: nothing may have charged before.
        early = [
            m
            for m in s.received("TransactionEvent", since=t_plug)
            if m.received < cutoff
            and (
                m.payload.get("transactionInfo", {}).get("chargingState") == "Charging"
                or "idToken" in m.payload
            )
        ]
        if early:
            ctx.check(
                False,
                f"after EVConnectionTimeOut ({timeout} s) had expired, connecting the EV "
                f"started an authorized session without a new authorization "
                f"({early[0].payload.get('eventType')}, "
                f"{early[0].payload.get('triggerReason')})",
                requirement="E03.FR.05",
                frame=early[0].text,
            )
    await states.energy_transfer_started(ctx, s, since=again.received)


@testcase("TC_E_05_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_local_start_cable_plugin_timeout(ctx: CaseContext) -> None:
    """E03.FR.01, E03.FR.05, C01.FR.02: an authorization without a cable ends when
    EVConnectionTimeOut expires (Ended, EVConnectTimeout / Timeout, if it started a
    transaction); the EVSE is then ready for a new session."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await _connection_timeout_expires(ctx, s, "E03.FR.05")


@testcase("TC_E_39_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_stop_option_deauthorized_timeout(ctx: CaseContext) -> None:
    """E06.FR.04, E06.FR.15: with TxStopPoint Authorized, a transaction started by the
    authorization ends when no EV is connected within EVConnectionTimeOut: Ended with
    triggerReason EVConnectTimeout, stoppedReason Timeout. (TxStartPoint is set to
    Authorized when the station accepts it, so the transaction does start.)"""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.tx_stop_point(ctx, s, "Authorized")
    if not await _start_points(ctx, s) & _START_BY_AUTHORIZATION:
        await states.try_configure(ctx, s, "TxCtrlr", "TxStartPoint", "Authorized")
    await _connection_timeout_expires(ctx, s, "E06.FR.04")


@testcase("TC_E_38_CS", verbs=("plug_in", "present_id_token", "unplug", "ev_suspend", "ev_resume"))
async def test_local_start_ev_not_ready(ctx: CaseContext) -> None:
    """E03: authorized, then an EV that is not ready for energy transfer is connected: the
    station reports it with a TransactionEvent, triggerReason ChargingStateChanged and
    chargingState SuspendedEV."""
    s = await states.booted(ctx)
    points = await _start_points(ctx, s)
    if points == {"EnergyTransfer"}:
        raise NotApplicable("prerequisite not met: TxStartPoint is EnergyTransfer")
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    await states.authorized(ctx, s, evse=states.EVSE)
    await ctx.operator.ev_suspend(evse_id=states.EVSE)

    async def ready_again() -> None:
        await ctx.operator.ev_resume(evse_id=states.EVSE)

    ctx.defer(ready_again)
    t0 = await states.plug_in(ctx, s)
    msg = await s.expect(
        "TransactionEvent",
        predicate=lambda m: (
            m.received >= t0
            and m.payload.get("transactionInfo", {}).get("chargingState") is not None
            and m.payload.get("transactionInfo", {}).get("chargingState") != "EVConnected"
        ),
        why="an EV that is not ready was connected after the authorization",
    )
    states.check_tx_event(ctx, msg, trigger="ChargingStateChanged", charging_state="SuspendedEV")
    states.check_seq_nos(ctx, s)


@testcase("TC_E_52_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_local_start_disable_remote_authorization(ctx: CaseContext) -> None:
    """E03, C10 and AuthCtrlr.DisableRemoteAuthorization: with remote authorization disabled
    the station authorizes a locally known idToken (here from its authorization cache, filled
    by an earlier session with the same idToken) without any AuthorizeRequest; the
    transaction then starts with that idToken once the EV is connected."""
    s = await states.booted(ctx)
    cache = await states.get_variable(ctx, s, "AuthCacheCtrlr", "Enabled")
    if cache.get("attributeStatus") != "Accepted":
        raise NotApplicable("prerequisite not met: the station has no authorization cache")
    states.end_transactions_afterwards(ctx)
    await states.configure(ctx, s, "AuthCacheCtrlr", "Enabled", "true", prerequisite=True)
    await states.local_auth_configured(ctx, s)
    # Memory state IdTokenCached: a complete session with the idToken puts it in the cache.
    tx_id = await states.charging_session(ctx, s)
    await states.stop_authorized(ctx, s, tx_id)
    await states.ev_disconnected(ctx, s, tx_id=tx_id)
    await states.configure(
        ctx, s, "AuthCtrlr", "DisableRemoteAuthorization", "true", prerequisite=True
    )
    token = states.valid_token(ctx)
    t0 = time.monotonic()
    await ctx.operator.present_id_token(
        id_token=token["idToken"], type=token["type"], evse_id=states.EVSE
    )
    await states.ev_connected_pre_session(ctx, s)
    charging = await states.energy_transfer_started(ctx, s, since=t0)
    asked = s.received("Authorize", since=t0)
    ctx.check(
        not asked,
        "the station sent an AuthorizeRequest although AuthCtrlr.DisableRemoteAuthorization "
        "is true; it must decide from its local list / cache only",
        frame=asked[0].text if asked else None,
    )
    new_tx = str(charging.payload.get("transactionInfo", {}).get("transactionId"))
    ctx.check(
        new_tx != tx_id,
        "the charging event belongs to the earlier transaction, not to a new one",
        frame=charging.text,
    )
    first = [m for m in _session_events(s, new_tx) if m.received >= t0]
    if first:
        states.check_id_token(ctx, first[0], token, "E03.FR.01")
    states.check_seq_nos(ctx, s)
