"""OCPP 2.0.1, DUT = charging station, functional block F (Remote Control), Core profile.

Remote start (F01 / F02), remote stop (F03), unlock connector (F05) and trigger message (F06).
Configuration a case needs is set over OCPP with SetVariables first and restored afterwards;
physical steps are operator verbs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.firmware import FirmwareMaterial
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import file_transfer, states
from testcases.ocpp201.cs import firmware_update as fw

# The EVConnectionTimeOut timer starts when the station accepts the remote start, ours when
# we sent the request: allow for the scheduling jitter of two event loops, nothing more.
TIMING_SLACK = 0.05

_TX_VERBS = ("plug_in", "present_id_token", "unplug")


def _needs_lock(ctx: CaseContext) -> None:
    """Prerequisite of the F05 cases: the station has a connector lock."""
    if not ctx.dut.pixit.supports_unlock:
        raise NotApplicable("prerequisite not met: the station has no connector lock (PIXIT)")


async def _authorize_remote_start(ctx: CaseContext, s: Session, value: str) -> None:
    """Configuration state of F02 / F03: AuthCtrlr.AuthorizeRemoteStart = `value`; the
    prerequisite is that it is not read-only with the other value."""
    await states.local_auth_configured(ctx, s)
    await states.configure(ctx, s, "AuthCtrlr", "AuthorizeRemoteStart", value, prerequisite=True)


# -- remote start (F01, F02) --------------------------------------------------------------------


@testcase("TC_F_01_CS", verbs=_TX_VERBS)
async def test_remote_start_cable_first(ctx: CaseContext) -> None:
    """F01.FR.03/.04/.05/.13/.17/.19, F02.FR.01: with the cable plugged in first, an accepted
    RequestStartTransaction starts charging; the event it causes says triggerReason
    RemoteStart with the remoteStartId and idToken, and a transaction already running is
    named in the response."""
    s = await states.booted(ctx)
    await states.local_auth_configured(ctx, s)
    await states.ev_connected_pre_session(ctx, s)
    running = states.transaction_id_of(s)
    rs = await states.authorized_remote(ctx, s)
    if running is not None:
        ctx.check(
            rs.response.get("transactionId") == running,
            f"RequestStartTransactionResponse has transactionId "
            f"{rs.response.get('transactionId')!r}; the cable had already started transaction "
            f"{running}, which the response must name",
        )
    await states.energy_transfer_started(ctx, s, since=rs.sent)
    states.check_remote_start_reported(ctx, s, rs)


async def _remote_start_first(ctx: CaseContext, authorize_remote_start: str) -> None:
    """F02: RequestStartTransaction before the cable; plugging in within EVConnectionTimeOut
    starts charging with the remote idToken and remoteStartId."""
    s = await states.booted(ctx)
    await _authorize_remote_start(ctx, s, authorize_remote_start)
    rs = await states.authorized_remote(ctx, s)
    plugged = await states.plug_in(ctx, s)
    await states.energy_transfer_started(ctx, s, since=rs.sent)
    states.check_remote_start_reported(ctx, s, rs, plugged_at=plugged)


@testcase("TC_F_02_CS", verbs=_TX_VERBS)
async def test_remote_start_first_authorize_remote_start(ctx: CaseContext) -> None:
    """F02.FR.01, F01.FR.01: with AuthorizeRemoteStart true the station authorizes the remote
    idToken first (AuthorizeRequest), then charges once the cable is plugged in."""
    await _remote_start_first(ctx, "true")


@testcase("TC_F_03_CS", verbs=_TX_VERBS)
async def test_remote_start_first_no_authorize(ctx: CaseContext) -> None:
    """F02.FR.01, F01.FR.02: with AuthorizeRemoteStart false the station starts without an
    AuthorizeRequest and charges once the cable is plugged in."""
    await _remote_start_first(ctx, "false")


@testcase("TC_F_04_CS")
async def test_remote_start_cable_timeout(ctx: CaseContext) -> None:
    """F02.FR.01, E03.FR.01, E03.FR.05: with TxStartPoint Authorized a remote start begins the
    transaction; no cable within EVConnectionTimeOut deauthorizes it (triggerReason
    EVConnectTimeout, an Ended event says stoppedReason Timeout), and the EVSE then accepts
    another remote start."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    timeout = ctx.dut.pixit.ev_connection_timeout
    await states.configure(ctx, s, "TxCtrlr", "EVConnectionTimeOut", str(timeout))
    await states.local_auth_configured(ctx, s)
    await states.tx_start_point(ctx, s, "Authorized")
    rs = await states.authorized_remote(ctx, s)
    started = await states.next_tx_event(
        ctx, s, since=rs.sent, why="TxStartPoint is Authorized and the remote start was accepted"
    )
    states.check_tx_event(ctx, started, event_type="Started")
    states.check_remote_start_reported(ctx, s, rs)  # triggerReason RemoteStart, remoteStartId
    tx_id = str(started.payload.get("transactionInfo", {}).get("transactionId"))
    expired = await s.expect(
        "TransactionEvent",
        {"triggerReason": "EVConnectTimeout", "transactionInfo": {"transactionId": tx_id}},
        predicate=states.after(rs.sent),
        timeout=timeout + ctx.timeouts.message,
        why=f"no cable was plugged in within EVConnectionTimeOut ({timeout} s)",
    )
    waited = expired.received - rs.sent
    ctx.check(
        waited >= timeout - TIMING_SLACK,
        f"the authorization timed out {waited:.2f} s after the remote start; "
        f"EVConnectionTimeOut is {timeout} s",
        requirement="E03.FR.05",
        frame=expired.text,
    )
    if expired.payload.get("eventType") == "Ended":
        states.check_tx_event(ctx, expired, stopped_reason="Timeout", requirement="E03.FR.05")
    # The EVSE is ready for another session: a new remote start begins a new transaction
    # (which the clean-up stops again).
    again = await states.authorized_remote(ctx, s)
    restarted = await states.next_tx_event(
        ctx, s, since=again.sent, why="a second remote start after the timeout was accepted"
    )
    states.check_tx_event(ctx, restarted, event_type="Started")


# -- unlock connector (F05) ------------------------------------------------------------------


async def _unlock(ctx: CaseContext, s: Session, connector: int = states.CONNECTOR) -> str:
    result = await s.call("UnlockConnector", {"evseId": states.EVSE, "connectorId": connector})
    return str(result.get("status"))


@testcase("TC_F_05_CS", verbs=_TX_VERBS)
async def test_unlock_with_transaction(ctx: CaseContext) -> None:
    """F05.FR.01, F05.FR.02: during an authorized transaction UnlockConnector is answered
    OngoingAuthorizedTransaction and the transaction goes on."""
    _needs_lock(ctx)
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    status = await _unlock(ctx, s)
    ctx.check(
        status == "OngoingAuthorizedTransaction",
        f"UnlockConnectorResponse during an authorized transaction is {status!r}, expected "
        f"OngoingAuthorizedTransaction",
        requirement="F05.FR.02",
    )
    ended = [
        m
        for m in s.received("TransactionEvent", since=t0)
        if m.payload.get("eventType") == "Ended"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]
    ctx.check(not ended, "the transaction ended after UnlockConnector; it must go on")


@testcase("TC_F_06_CS")
async def test_unlock_without_transaction(ctx: CaseContext) -> None:
    """F05.FR.01, F05.FR.04: without a transaction UnlockConnector is answered Unlocked."""
    _needs_lock(ctx)
    s = await states.booted(ctx)
    status = await _unlock(ctx, s)
    ctx.check(
        status == "Unlocked",
        f"UnlockConnectorResponse without a transaction is {status!r}, expected Unlocked",
        requirement="F05.FR.04",
    )


@testcase("TC_F_07_CS")
async def test_unlock_no_cable(ctx: CaseContext) -> None:
    """F05.FR.01, F05.FR.06: with no cable connected UnlockConnector is answered Unlocked."""
    _needs_lock(ctx)
    s = await states.booted(ctx)
    log = ctx.csms.logs.get(ctx.dut.station_id) if ctx.csms is not None else None
    last = log.states.get((states.EVSE, states.CONNECTOR)) if log is not None else None
    ctx.require(
        last != "Occupied",
        f"set-up: EVSE {states.EVSE} connector {states.CONNECTOR} was last reported Occupied; "
        f"this case needs it without a cable",
    )
    status = await _unlock(ctx, s)
    ctx.check(
        status == "Unlocked",
        f"UnlockConnectorResponse with no cable connected is {status!r}, expected Unlocked",
        requirement="F05.FR.06",
    )


@testcase("TC_F_10_CS")
async def test_unlock_unknown_connector(ctx: CaseContext) -> None:
    """F05.FR.03: UnlockConnector for a connector the EVSE does not have: UnknownConnector."""
    _needs_lock(ctx)
    s = await states.booted(ctx)
    status = await _unlock(ctx, s, connector=999)
    ctx.check(
        status == "UnknownConnector",
        f"UnlockConnectorResponse for connector 999 of EVSE {states.EVSE} is {status!r}, "
        f"expected UnknownConnector",
        requirement="F05.FR.03",
    )


# -- remote stop (F03) ---------------------------------------------------------------------------


@testcase("TC_F_08_CS", verbs=_TX_VERBS)
async def test_remote_stop(ctx: CaseContext) -> None:
    """F03.FR.02, F03.FR.03, F03.FR.07, F03.FR.09: RequestStopTransaction for the running
    transaction is Accepted and stops it: triggerReason RemoteStop, stoppedReason Remote."""
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    await states.stop_authorized_remote(ctx, s, tx_id)


@testcase("TC_F_09_CS", verbs=_TX_VERBS)
async def test_remote_stop_rejected(ctx: CaseContext) -> None:
    """F03.FR.08: RequestStopTransaction for a transactionId the station does not know is
    Rejected, and the running transaction goes on."""
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    unknown = f"unknown-{uuid.uuid4().hex[:12]}"
    t0 = time.monotonic()
    result = await s.call("RequestStopTransaction", {"transactionId": unknown})
    ctx.check(
        result.get("status") == "Rejected",
        f"RequestStopTransactionResponse for the unknown transactionId {unknown!r} is "
        f"{result.get('status')!r}, expected Rejected",
        requirement="F03.FR.08",
    )
    stopped = [
        m
        for m in s.received("TransactionEvent", since=t0)
        if m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
        and m.payload.get("triggerReason") == "RemoteStop"
    ]
    ctx.check(not stopped, f"transaction {tx_id} was stopped by a request for another id")


# -- trigger message (F06) ---------------------------------------------------------------------


async def _trigger(
    ctx: CaseContext,
    s: Session,
    message: str,
    *,
    evse: int | None = None,
    connector: int | None = None,
    expected: str = "Accepted",
    requirement: str = "F06.FR.04",
) -> float:
    """Send TriggerMessage; check the status; returns when it was sent."""
    request: dict[str, Any] = {"requestedMessage": message}
    if evse is not None:
        request["evse"] = (
            {"id": evse} if connector is None else {"id": evse, "connectorId": connector}
        )
    t0 = time.monotonic()
    result = await s.call("TriggerMessage", request)
    ctx.require(
        result.get("status") == expected,
        f"TriggerMessageResponse for {message}{f' (EVSE {evse})' if evse else ''} is "
        f"{result.get('status')!r}, expected {expected}",
        requirement=requirement,
    )
    return t0


def _clock_aligned(msg: Incoming) -> bool:
    """A clock-aligned MeterValues the station sends on its own (AlignedDataCtrlr.Interval)."""
    contexts = {
        sv.get("context")
        for mv in msg.payload.get("meterValue") or []
        for sv in mv.get("sampledValue", [])
    }
    return msg.action == "MeterValues" and contexts == {"Sample.Clock"}


def _periodic(msg: Incoming) -> bool:
    return msg.action == "TransactionEvent" and states.is_periodic(msg)


async def _triggered(
    ctx: CaseContext,
    s: Session,
    action: str,
    t0: float,
    match: Mapping[str, Any] | None = None,
) -> Incoming:
    """The message the trigger asked for, sent after the request (the clock-aligned and
    periodic meter values the station sends anyway do not count)."""
    return await s.expect(
        action,
        match,
        predicate=lambda m: m.received >= t0 and not _clock_aligned(m) and not _periodic(m),
        why=f"TriggerMessage {action} was accepted (F06.FR.05)",
    )


def _check_trigger_context(ctx: CaseContext, msg: Incoming, requirement: str | None) -> None:
    """Every sampled value of a triggered meter reading says context Trigger."""
    values = msg.payload.get("meterValue") or []
    ctx.check(bool(values), f"the triggered {msg.action} has no meterValue", frame=msg.text)
    contexts = sorted(
        {
            str(sv.get("context", "Sample.Periodic"))
            for mv in values
            for sv in mv.get("sampledValue", [])
        }
    )
    ctx.check(
        contexts == ["Trigger"],
        f"the triggered {msg.action} has sampledValue context(s) {contexts}, expected Trigger",
        requirement=requirement,
        frame=msg.text,
    )


@testcase("TC_F_11_CS")
async def test_trigger_meter_values_evse(ctx: CaseContext) -> None:
    """F06.FR.02, F06.FR.04, F06.FR.05: TriggerMessage MeterValues for one EVSE is Accepted
    and followed by a MeterValuesRequest for that EVSE with context Trigger."""
    s = await states.booted(ctx)
    t0 = await _trigger(ctx, s, "MeterValues", evse=states.EVSE)
    msg = await _triggered(ctx, s, "MeterValues", t0)
    ctx.check(
        msg.payload.get("evseId") == states.EVSE,
        f"the triggered MeterValuesRequest is for evseId {msg.payload.get('evseId')!r}, "
        f"expected {states.EVSE}",
        requirement="F06.FR.02",
        frame=msg.text,
    )
    _check_trigger_context(ctx, msg, "F06.FR.05")


@testcase("TC_F_12_CS")
async def test_trigger_meter_values_all(ctx: CaseContext) -> None:
    """F06.FR.04, F06.FR.05, F06.FR.11: TriggerMessage MeterValues without evse is Accepted
    and followed by a MeterValuesRequest for every EVSE, each with context Trigger."""
    s = await states.booted(ctx)
    t0 = await _trigger(ctx, s, "MeterValues")
    for evse_id in ctx.dut.pixit.evse_ids:
        msg = await s.expect(
            "MeterValues",
            {"evseId": evse_id},
            predicate=lambda m: m.received >= t0 and not _clock_aligned(m),
            why="TriggerMessage MeterValues without evse was accepted: one per EVSE (F06.FR.11)",
        )
        _check_trigger_context(ctx, msg, "F06.FR.05")


def _check_triggered_tx_event(ctx: CaseContext, msg: Incoming, evse: int) -> None:
    """Tool validations of a TransactionEvent sent because of TriggerMessage."""
    states.check_tx_event(
        ctx, msg, trigger="Trigger", charging_state="Charging", requirement="F06.FR.07"
    )
    got = msg.payload.get("evse", {}).get("id", evse)
    ctx.check(
        got == evse,
        f"the triggered TransactionEvent names EVSE {got!r}, expected {evse}",
        frame=msg.text,
    )
    _check_trigger_context(ctx, msg, "F06.FR.07")


@testcase("TC_F_13_CS", verbs=_TX_VERBS)
async def test_trigger_transaction_event_evse(ctx: CaseContext) -> None:
    """F06.FR.02, F06.FR.04, F06.FR.05, F06.FR.07, F06.FR.10: TriggerMessage TransactionEvent
    for a charging EVSE: an Updated event with triggerReason Trigger, chargingState Charging
    and a meter value with context Trigger."""
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    t0 = await _trigger(ctx, s, "TransactionEvent", evse=states.EVSE)
    msg = await _triggered(
        ctx, s, "TransactionEvent", t0, {"transactionInfo": {"transactionId": tx_id}}
    )
    _check_triggered_tx_event(ctx, msg, states.EVSE)


@testcase("TC_F_14_CS", verbs=_TX_VERBS)
async def test_trigger_transaction_event_all(ctx: CaseContext) -> None:
    """F06.FR.04, F06.FR.05, F06.FR.07, F06.FR.10, F06.FR.11: with every EVSE charging,
    TriggerMessage TransactionEvent without evse gives one triggered event per EVSE."""
    s = await states.booted(ctx)
    sessions = {
        evse_id: await states.charging_session(ctx, s, evse=evse_id)
        for evse_id in ctx.dut.pixit.evse_ids
    }
    t0 = await _trigger(ctx, s, "TransactionEvent")
    for evse_id, tx_id in sessions.items():
        msg = await s.expect(
            "TransactionEvent",
            {"transactionInfo": {"transactionId": tx_id}},
            predicate=lambda m: m.received >= t0 and not states.is_periodic(m),
            why=f"TriggerMessage TransactionEvent without evse: one for EVSE {evse_id} (F06.FR.11)",
        )
        ctx.check(
            "id" in msg.payload.get("evse", {}),
            "the triggered TransactionEvent has no evse.id; without an evse in the request "
            "each event must say which EVSE it is for",
            requirement="F06.FR.11",
            frame=msg.text,
        )
        _check_triggered_tx_event(ctx, msg, evse_id)


async def _idle_notification(
    ctx: CaseContext, message: str, requirement: str, *, evse: int | None = None
) -> None:
    s = await states.booted(ctx)
    t0 = await _trigger(ctx, s, message, evse=evse)
    msg = await _triggered(ctx, s, message, t0)
    ctx.check(
        msg.payload.get("status") == "Idle",
        f"the triggered {message}Request says status {msg.payload.get('status')!r}; with "
        f"nothing in progress it must say Idle",
        requirement=requirement,
        frame=msg.text,
    )


@testcase("TC_F_15_CS")
async def test_trigger_log_status_idle(ctx: CaseContext) -> None:
    """F06.FR.04, F06.FR.05, N01: with no log upload running, a triggered
    LogStatusNotification says Idle."""
    await _idle_notification(ctx, "LogStatusNotification", "N01.FR.12")


@testcase("TC_F_16_CS")
async def test_trigger_log_status_uploading(ctx: CaseContext) -> None:
    """F06.FR.04, F06.FR.05, N01: while a log upload requested with GetLog is in progress (the
    harness's HTTP server holds the transfer open), a triggered LogStatusNotification says
    Uploading with the GetLog's requestId. The transfer is then completed."""
    s = await states.booted(ctx)
    server = await file_transfer.upload_server(ctx)
    request_id = uuid.uuid4().int % 1_000_000
    t0 = time.monotonic()
    result = await s.call(
        "GetLog",
        {
            "logType": "DiagnosticsLog",
            "requestId": request_id,
            "log": {"remoteLocation": server.url},
        },
    )
    ctx.require(
        result.get("status") == "Accepted",
        f"GetLogResponse status is {result.get('status')!r}, expected Accepted",
    )
    first = await s.expect(
        "LogStatusNotification",
        {"requestId": request_id},
        predicate=states.after(t0),
        why="the GetLog was accepted, so the upload starts",
    )
    ctx.check(
        first.payload.get("status") == "Uploading",
        f"the first LogStatusNotification of the upload says {first.payload.get('status')!r}, "
        f"expected Uploading",
        frame=first.text,
    )
    try:
        await asyncio.wait_for(server.received.wait(), ctx.timeouts.message)
    except TimeoutError:
        ctx.require(False, f"the station did not upload the log to {server.url}")
    t1 = await _trigger(ctx, s, "LogStatusNotification")
    msg = await _triggered(ctx, s, "LogStatusNotification", t1)
    ctx.check(
        msg.payload.get("status") == "Uploading",
        f"the triggered LogStatusNotificationRequest says {msg.payload.get('status')!r} "
        f"while the log upload is in progress, expected Uploading",
        frame=msg.text,
    )
    ctx.check(
        msg.payload.get("requestId") == request_id,
        f"the triggered LogStatusNotificationRequest has requestId "
        f"{msg.payload.get('requestId')!r}; during an upload it must be the GetLog's "
        f"requestId {request_id}",
        frame=msg.text,
    )
    t2 = time.monotonic()
    server.release()
    # Let the upload finish, so the next case starts with no transfer running.
    await s.expect(
        "LogStatusNotification",
        {"requestId": request_id},
        predicate=lambda m: m.received >= t2 and m.payload.get("status") != "Uploading",
        why="the harness completed the log transfer",
    )


@testcase("TC_F_17_CS")
async def test_trigger_firmware_status_evse_ignored(ctx: CaseContext) -> None:
    """F06.FR.04, F06.FR.05: an evse in TriggerMessage for FirmwareStatusNotification (a
    station-wide message) is not relevant: the request is Accepted and the notification sent."""
    s = await states.booted(ctx)
    t0 = await _trigger(ctx, s, "FirmwareStatusNotification", evse=states.EVSE)
    await _triggered(ctx, s, "FirmwareStatusNotification", t0)


@testcase("TC_F_18_CS")
async def test_trigger_firmware_status_idle(ctx: CaseContext) -> None:
    """F06.FR.04, F06.FR.05, F06.FR.10, F06.FR.16, L01.FR.25: with no firmware update
    running, a triggered FirmwareStatusNotification says Idle."""
    await _idle_notification(ctx, "FirmwareStatusNotification", "F06.FR.16")


@testcase("TC_F_19_CS")
async def test_trigger_firmware_status_downloading(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """F06.FR.04, F06.FR.05, F06.FR.16, L01.FR.25: while a firmware download requested with
    UpdateFirmware is in progress (the harness's download server holds the transfer open), a
    triggered FirmwareStatusNotification says Downloading with the UpdateFirmware's requestId.
    The transfer is then completed and the update followed to its end."""
    material = fw.material(ctx, firmware)
    image = material.valid
    s = await states.booted(ctx)
    served = image.body is not None
    if not served:
        # The vendor's file is not ours to hold open: serve a stand-in under the vendor's
        # certificate and signature (the download is what matters; the signature then fails).
        image = replace(image, body=b"stand-in for the configured firmware\n")
    where, server = await fw.location(ctx, image, hold=True)
    assert server is not None
    upd = await fw.update_firmware(ctx, s, fw.request(image, where))
    await fw.follow(ctx, s, upd, ["Downloading"], why="the update was accepted")
    try:
        await asyncio.wait_for(server.requested.wait(), ctx.timeouts.message)
    except TimeoutError:
        ctx.require(False, f"the station did not download the firmware from {server.base_url}")
    t0 = await _trigger(ctx, s, "FirmwareStatusNotification")
    msg = await _triggered(ctx, s, "FirmwareStatusNotification", t0)
    ctx.check(
        msg.payload.get("status") == "Downloading",
        f"the triggered FirmwareStatusNotificationRequest says {msg.payload.get('status')!r} "
        f"while the firmware download is in progress, expected Downloading",
        requirement="F06.FR.16",
        frame=msg.text,
    )
    ctx.check(
        msg.payload.get("requestId") == upd.request_id,
        f"the triggered FirmwareStatusNotificationRequest has requestId "
        f"{msg.payload.get('requestId')!r}; during an update it must be the UpdateFirmware's "
        f"requestId {upd.request_id}",
        requirement="L01.FR.25",
        frame=msg.text,
    )
    server.release()
    # Let the update finish, so the next case starts with none running.
    if served:
        await fw.follow(ctx, s, upd, ["Downloaded", "SignatureVerified"])
        await fw.activated(ctx, s, upd, since=upd.sent)
    else:
        await fw.follow(ctx, s, upd, ["Downloaded", "InvalidSignature"])


@testcase("TC_F_20_CS")
async def test_trigger_heartbeat(ctx: CaseContext) -> None:
    """F06.FR.04, F06.FR.05: TriggerMessage Heartbeat is Accepted and a Heartbeat follows.

    The heartbeat interval is first raised far beyond the wait, so the Heartbeat that
    arrives is the triggered one and not the next regular one."""
    s = await states.booted(ctx)
    quiet = int(100 * (ctx.timeouts.message + ctx.timeouts.response))
    await states.configure(ctx, s, "OCPPCommCtrlr", "HeartbeatInterval", str(quiet))
    t0 = await _trigger(ctx, s, "Heartbeat")
    await _triggered(ctx, s, "Heartbeat", t0)


async def _connector_state(ctx: CaseContext, s: Session, t0: float) -> tuple[Incoming, str]:
    """The station reports the connector's state after the trigger: a StatusNotification, or
    a NotifyEvent for Connector.AvailabilityState (both are allowed). Returns the message and
    the state it reports."""
    evse, connector = states.EVSE, states.CONNECTOR

    def is_event(m: Incoming) -> bool:
        return m.received >= t0 and any(
            d.get("component", {}).get("name") == "Connector"
            and d.get("component", {}).get("evse", {}).get("id", evse) == evse
            and d.get("variable", {}).get("name") == "AvailabilityState"
            for d in m.payload.get("eventData", [])
        )

    waits: list[asyncio.Task[Incoming]] = [
        asyncio.ensure_future(
            s.expect(
                "StatusNotification",
                {"evseId": evse, "connectorId": connector},
                predicate=states.after(t0),
                timeout=ctx.timeouts.message + 1,
            )
        ),
        asyncio.ensure_future(
            s.expect("NotifyEvent", predicate=is_event, timeout=ctx.timeouts.message + 1)
        ),
    ]
    done, pending = await asyncio.wait(
        waits, timeout=ctx.timeouts.message, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if not done:
        raise ctx.fail(
            f"no StatusNotification (or NotifyEvent AvailabilityState) for EVSE {evse} "
            f"connector {connector} within {ctx.timeouts.message:g} s after the accepted "
            f"TriggerMessage StatusNotification",
            requirement="F06.FR.05",
        )
    msg = next(iter(done)).result()
    if msg.action == "StatusNotification":
        return msg, str(msg.payload.get("connectorStatus"))
    data = next(
        d
        for d in msg.payload["eventData"]
        if d.get("variable", {}).get("name") == "AvailabilityState"
    )
    return msg, str(data.get("actualValue"))


async def _trigger_status(ctx: CaseContext, expected: str) -> None:
    s = await states.booted(ctx)
    t0 = await _trigger(ctx, s, "StatusNotification", evse=states.EVSE, connector=states.CONNECTOR)
    msg, state = await _connector_state(ctx, s, t0)
    ctx.check(
        state == expected,
        f"after TriggerMessage StatusNotification the station reports EVSE {states.EVSE} "
        f"connector {states.CONNECTOR} as {state!r}, expected {expected}",
        requirement="F06.FR.02",
        frame=msg.text,
    )


@testcase("TC_F_23_CS")
async def test_trigger_status_available(ctx: CaseContext) -> None:
    """F06.FR.02, F06.FR.04, F06.FR.05: TriggerMessage StatusNotification for an idle
    connector reports it Available."""
    await _trigger_status(ctx, "Available")


@testcase("TC_F_24_CS", verbs=("plug_in", "unplug"))
async def test_trigger_status_occupied(ctx: CaseContext) -> None:
    """F06.FR.02, F06.FR.04, F06.FR.05, F06.FR.10: with a cable plugged in (EVConnected
    PreSession), TriggerMessage StatusNotification reports the connector Occupied."""
    s = await states.booted(ctx)
    await states.ev_connected_pre_session(ctx, s)
    await _trigger_status(ctx, "Occupied")


@testcase("TC_F_26_CS")
async def test_trigger_boot_rejected(ctx: CaseContext) -> None:
    """F06.FR.17: TriggerMessage BootNotification once the station is Accepted is Rejected."""
    s = await states.booted(ctx)
    await _trigger(ctx, s, "BootNotification", expected="Rejected", requirement="F06.FR.17")


@testcase("TC_F_27_CS")
async def test_trigger_not_implemented(ctx: CaseContext) -> None:
    """F06.FR.08: TriggerMessage for a message the station does not implement is answered
    with status NotImplemented (a TriggerMessageResponse, not a CALLERROR)."""
    message = ctx.dut.pixit.unsupported_trigger_message
    if not message:
        raise NotApplicable("the station implements every requestedMessage (PIXIT)")
    s = await states.booted(ctx)
    await _trigger(ctx, s, message, expected="NotImplemented", requirement="F06.FR.08")
