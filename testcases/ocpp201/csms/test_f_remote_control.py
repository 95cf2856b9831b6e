"""OCPP 2.0.1, DUT = CSMS, functional block F (Remote control), Core profile."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp201.csms import states

EVSE = 1  # <Configured evseId>
CONNECTOR = 1  # <Configured connectorId>


async def _remote_start(ctx: CaseContext, st: MockStation) -> Incoming:
    """The operator starts a session on EVSE 1; check the RequestStartTransactionRequest."""
    token = states.valid_token(ctx)
    msg = await states.operator_request(
        ctx,
        st,
        "RequestStartTransaction",
        "request_start_transaction",
        evse_id=EVSE,
        id_token=token["idToken"],
        type=token["type"],
    )
    got = msg.payload["idToken"]
    ctx.check(
        got.get("idToken") == token["idToken"],
        f"RequestStartTransactionRequest idToken.idToken is {got.get('idToken')!r}, expected "
        f"the configured {token['idToken']!r}",
    )
    ctx.check(
        got.get("type") == token["type"],
        f"RequestStartTransactionRequest idToken.type is {got.get('type')!r}, expected "
        f"the configured {token['type']!r}",
    )
    if "evseId" in msg.payload:
        ctx.check(
            msg.payload["evseId"] == EVSE,
            f"RequestStartTransactionRequest evseId is {msg.payload['evseId']}, but the "
            f"operator started the session on EVSE {EVSE}",
        )
    return msg


def _check_accepted(ctx: CaseContext, res: dict[str, Any], what: str) -> None:
    status = states.token_status(ctx, res, f"TransactionEventResponse to {what}")
    ctx.check(
        status in (None, "Accepted"),
        f"TransactionEventResponse to {what}: idTokenInfo.status is {status!r} for the "
        f"remote start idToken, expected Accepted",
        requirement="E01.FR.12",
    )


@testcase("TC_F_01_CSMS", verbs=("request_start_transaction",))
async def test_remote_start_cable_first(ctx: CaseContext) -> None:
    """F01: EV plugged in first, then the CSMS starts the session remotely (remoteStartId)."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.ev_connected_pre_session(ctx, st, tx)
    msg = await _remote_start(ctx, st)
    await msg.reply({"status": "Accepted", "transactionId": tx.transaction_id})
    tx.remote_start_id = msg.payload["remoteStartId"]
    tx.id_token = dict(msg.payload["idToken"])
    res = await st.transaction_event(
        tx, "Updated", "RemoteStart", charging_state="EVConnected", id_token=tx.id_token
    )
    _check_accepted(ctx, res, "the RemoteStart event")
    await states.energy_transfer_started(ctx, st, tx, ev_connected=True)


async def _remote_start_first(ctx: CaseContext, *, authorize: bool) -> None:
    st = await states.booted_station(ctx)
    msg = await _remote_start(ctx, st)
    await msg.reply({"status": "Accepted"})
    token = dict(msg.payload["idToken"])
    if authorize:  # AuthorizeRemoteStart is true: the station authorizes as for a local start
        res = await st.conn.call("Authorize", {"idToken": token})
        status = states.token_status(ctx, res, "AuthorizeResponse")
        ctx.check(
            status == "Accepted",
            f"AuthorizeResponse idTokenInfo.status is {status!r} for the remote start idToken, "
            f"expected Accepted",
            requirement="F01.FR.01",
        )
    tx = st.new_transaction(EVSE, CONNECTOR, remote_start_id=msg.payload["remoteStartId"])
    tx.id_token = token
    res = await st.transaction_event(tx, "Started", "RemoteStart", id_token=token)
    _check_accepted(ctx, res, "the RemoteStart Started event")
    await states.energy_transfer_started(ctx, st, tx, ev_connected=False)


@testcase("TC_F_02_CSMS", verbs=("request_start_transaction",))
async def test_remote_start_first_authorize(ctx: CaseContext) -> None:
    """F01.FR.01, F02.FR.01: remote start first; the station authorizes the idToken itself."""
    await _remote_start_first(ctx, authorize=True)


@testcase("TC_F_03_CSMS", verbs=("request_start_transaction",))
async def test_remote_start_first_no_authorize(ctx: CaseContext) -> None:
    """F01.FR.02, F02.FR.01: remote start first; AuthorizeRemoteStart false, no Authorize."""
    await _remote_start_first(ctx, authorize=False)


@testcase("TC_F_04_CSMS", verbs=("request_start_transaction",))
async def test_remote_start_cable_timeout(ctx: CaseContext) -> None:
    """E03.FR.05: remote start first, but no EV comes within EVConnectionTimeout."""
    st = await states.booted_station(ctx)
    msg = await _remote_start(ctx, st)
    await msg.reply({"status": "Accepted"})
    tx = st.new_transaction(EVSE, CONNECTOR, remote_start_id=msg.payload["remoteStartId"])
    tx.id_token = dict(msg.payload["idToken"])
    res = await st.transaction_event(tx, "Started", "RemoteStart", id_token=tx.id_token)
    _check_accepted(ctx, res, "the RemoteStart Started event")
    await st.transaction_event(tx, "Updated", "EVConnectTimeout")
    await st.transaction_event(tx, "Ended", "EVConnectTimeout", stopped_reason="Timeout")


@testcase("TC_F_06_CSMS", verbs=("unlock_connector",))
async def test_unlock_connector_idle(ctx: CaseContext) -> None:
    """F05.FR.01: the CSMS unlocks a connector without a transaction."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(
        ctx, st, "UnlockConnector", "unlock_connector", evse_id=EVSE, connector_id=CONNECTOR
    )
    ctx.check(
        (msg.payload.get("evseId"), msg.payload.get("connectorId")) == (EVSE, CONNECTOR),
        f"UnlockConnectorRequest names EVSE {msg.payload.get('evseId')} connector "
        f"{msg.payload.get('connectorId')}, expected EVSE {EVSE} connector {CONNECTOR}",
    )
    await msg.reply({"status": "Unlocked"})


async def _trigger(
    ctx: CaseContext,
    st: MockStation,
    requested: str,
    *,
    evse_id: int | None = None,
    connector_id: int | None = None,
    answer: str = "Accepted",
) -> Incoming:
    """The operator asks for `requested`; check the TriggerMessageRequest and answer it."""
    args: dict[str, Any] = {"requested_message": requested}
    if evse_id is not None:
        args["evse_id"] = evse_id
    if connector_id is not None:
        args["connector_id"] = connector_id
    msg = await states.operator_request(ctx, st, "TriggerMessage", "trigger_message", **args)
    ctx.check(
        msg.payload.get("requestedMessage") == requested,
        f"TriggerMessageRequest requestedMessage is {msg.payload.get('requestedMessage')!r}, "
        f"expected {requested}",
        requirement="F06.FR.01",
    )
    evse = msg.payload.get("evse")
    if evse_id is None:
        ctx.check(
            evse is None,
            f"TriggerMessageRequest for all EVSEs carries evse {evse}; it must be omitted",
        )
    else:
        ctx.check(
            evse is not None and evse.get("id") == evse_id,
            f"TriggerMessageRequest evse is {evse}, expected evse.id {evse_id}",
        )
        if connector_id is not None and evse is not None and "connectorId" in evse:
            ctx.check(
                evse["connectorId"] == connector_id,
                f"TriggerMessageRequest evse.connectorId is {evse['connectorId']}, "
                f"expected {connector_id}",
            )
    await msg.reply({"status": answer})
    return msg


async def _meter_values(st: MockStation, evse_id: int) -> None:
    await st.conn.call(
        "MeterValues",
        {"evseId": evse_id, "meterValue": [st.meter_value(1200.0, context="Trigger")]},
    )


@testcase("TC_F_11_CSMS", verbs=("trigger_message",))
async def test_trigger_meter_values_evse(ctx: CaseContext) -> None:
    """F06.FR.01, F06.FR.02: the CSMS triggers MeterValues for one EVSE."""
    st = await states.booted_station(ctx)
    await _trigger(ctx, st, "MeterValues", evse_id=EVSE)
    await _meter_values(st, EVSE)


@testcase("TC_F_12_CSMS", verbs=("trigger_message",))
async def test_trigger_meter_values_all(ctx: CaseContext) -> None:
    """F06.FR.01: the CSMS triggers MeterValues for every EVSE (evse omitted)."""
    st = await states.booted_station(ctx)
    await _trigger(ctx, st, "MeterValues")
    for evse_id in sorted(st.model.evses):
        await _meter_values(st, evse_id)


async def _triggered_transaction_event(st: MockStation, tx: Any) -> None:
    await st.transaction_event(
        tx,
        "Updated",
        "Trigger",
        charging_state="Charging",
        meter_value=[st.meter_value(1500.0, context="Trigger")],
    )


@testcase("TC_F_13_CSMS", verbs=("trigger_message",))
async def test_trigger_transaction_event_evse(ctx: CaseContext) -> None:
    """F06.FR.01, F06.FR.02: the CSMS triggers a TransactionEvent for the charging EVSE."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    await _trigger(ctx, st, "TransactionEvent", evse_id=EVSE)
    await _triggered_transaction_event(st, tx)


@testcase("TC_F_14_CSMS", verbs=("trigger_message",))
async def test_trigger_transaction_event_all(ctx: CaseContext) -> None:
    """F06.FR.01: the CSMS triggers TransactionEvents for every charging EVSE."""
    st = await states.booted_station(ctx)
    txs = [await states.energy_transfer_session(ctx, st, e) for e in sorted(st.model.evses)]
    await _trigger(ctx, st, "TransactionEvent")
    for tx in txs:
        await _triggered_transaction_event(st, tx)


@testcase("TC_F_15_CSMS", verbs=("trigger_message",))
async def test_trigger_log_status_idle(ctx: CaseContext) -> None:
    """F06.FR.01: the CSMS triggers LogStatusNotification and takes status Idle."""
    st = await states.booted_station(ctx)
    await _trigger(ctx, st, "LogStatusNotification")
    await st.conn.call("LogStatusNotification", {"status": "Idle"})


@testcase("TC_F_18_CSMS", verbs=("trigger_message",))
async def test_trigger_firmware_status_idle(ctx: CaseContext) -> None:
    """F06.FR.01: the CSMS triggers FirmwareStatusNotification and takes status Idle."""
    st = await states.booted_station(ctx)
    await _trigger(ctx, st, "FirmwareStatusNotification")
    await st.conn.call("FirmwareStatusNotification", {"status": "Idle"})


@testcase("TC_F_20_CSMS", verbs=("trigger_message",))
async def test_trigger_heartbeat(ctx: CaseContext) -> None:
    """F06.FR.01, G02: the CSMS triggers a Heartbeat and answers it with its currentTime."""
    st = await states.booted_station(ctx)
    await _trigger(ctx, st, "Heartbeat")
    res = await st.conn.call("Heartbeat", {})
    ctx.check(
        "currentTime" in res,
        f"HeartbeatResponse has no currentTime: {res}",
        requirement="G02.FR.02",
    )


@testcase("TC_F_23_CSMS", verbs=("trigger_message",))
async def test_trigger_status_available(ctx: CaseContext) -> None:
    """F06.FR.01, F06.FR.02: the CSMS triggers StatusNotification for an available connector."""
    st = await states.booted_station(ctx)
    await _trigger(ctx, st, "StatusNotification", evse_id=EVSE, connector_id=CONNECTOR)
    await st.connector_changed(EVSE, CONNECTOR, "Available")


@testcase("TC_F_24_CSMS", verbs=("trigger_message",))
async def test_trigger_status_occupied(ctx: CaseContext) -> None:
    """F06.FR.01, F06.FR.02, F06.FR.13: the same for an occupied connector."""
    st = await states.booted_station(ctx)
    await st.connector_changed(EVSE, CONNECTOR, "Occupied")
    await _trigger(ctx, st, "StatusNotification", evse_id=EVSE, connector_id=CONNECTOR)
    await st.connector_changed(EVSE, CONNECTOR, "Occupied")


@testcase("TC_F_27_CSMS", verbs=("trigger_message",))
async def test_trigger_not_implemented(ctx: CaseContext) -> None:
    """F06.FR.08: the CSMS copes with a station that has not implemented the trigger."""
    st = await states.booted_station(ctx)
    await _trigger(ctx, st, "SignV2GCertificate", answer="NotImplemented")
    res = await st.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"HeartbeatResponse has no currentTime: {res}")
