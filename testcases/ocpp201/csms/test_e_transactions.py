"""OCPP 2.0.1, DUT = CSMS, functional block E (Transactions), Core profile.

The station's TxStartPoint / TxStopPoint decide which event starts and ends a transaction;
these cases play each option and check that the CSMS answers every TransactionEvent, judges
the idToken it carries (E01.FR.11/12) and copes with seqNo restarting per transaction.
"""

from __future__ import annotations

from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.station import Transaction
from testcases.ocpp201.csms import states

EVSE = 1  # <Configured evseId>
CONNECTOR = 1  # <Configured connectorId>


def _check_accepted(ctx: CaseContext, response: dict[str, Any], what: str) -> None:
    status = states.token_status(ctx, response, f"TransactionEventResponse to {what}")
    ctx.check(
        status in (None, "Accepted"),
        f"TransactionEventResponse to {what}: idTokenInfo.status is {status!r} for the "
        f"configured valid idToken, expected Accepted",
        requirement="E01.FR.12",
    )


async def _started_with_token(
    ctx: CaseContext,
    st: MockStation,
    tx: Transaction,
    trigger: str,
    charging_state: str,
    meter_value: list[dict[str, Any]] | None = None,
) -> None:
    token = states.valid_token(ctx)
    tx.id_token = token
    res = await st.transaction_event(
        tx,
        "Started",
        trigger,
        charging_state=charging_state,
        id_token=token,
        meter_value=meter_value,
    )
    _check_accepted(ctx, res, f"the Started event ({trigger})")


@testcase("TC_E_01_CSMS")
async def test_start_power_path_closed(ctx: CaseContext) -> None:
    """E01.FR.05: a transaction that starts when the power path closes (SuspendedEVSE, then
    Charging) is accepted with its idToken."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    res = await st.conn.call("Authorize", {"idToken": states.valid_token(ctx)})
    ctx.check(
        states.token_status(ctx, res, "AuthorizeResponse") == "Accepted",
        f"AuthorizeResponse for the configured valid idToken is {res.get('idTokenInfo')}, "
        f"expected status Accepted",
    )
    await st.connector_changed(EVSE, CONNECTOR, "Occupied")
    await _started_with_token(ctx, st, tx, "ChargingStateChanged", "SuspendedEVSE")
    await st.transaction_event(tx, "Updated", "ChargingStateChanged", charging_state="Charging")


@testcase("TC_E_02_CSMS")
async def test_start_energy_transfer(ctx: CaseContext) -> None:
    """E01.FR.06: a transaction that starts when energy flows (Started with Charging)."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    res = await st.conn.call("Authorize", {"idToken": states.valid_token(ctx)})
    ctx.check(
        states.token_status(ctx, res, "AuthorizeResponse") == "Accepted",
        f"AuthorizeResponse for the configured valid idToken is {res.get('idTokenInfo')}, "
        f"expected status Accepted",
    )
    await st.connector_changed(EVSE, CONNECTOR, "Occupied")
    await _started_with_token(ctx, st, tx, "ChargingStateChanged", "Charging")


@testcase("TC_E_03_CSMS")
async def test_local_start_cable_first(ctx: CaseContext) -> None:
    """E02.FR.02: EV plugged in first (Started), then authorized (Updated), then charging."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.ev_connected_pre_session(ctx, st, tx)
    await states.authorized(ctx, st, tx, ev_connected=True)
    await states.energy_transfer_started(ctx, st, tx, ev_connected=True)


@testcase("TC_E_04_CSMS")
async def test_local_start_authorization_first(ctx: CaseContext) -> None:
    """E03.FR.02: authorized first (Started with idToken), then plugged in and charging."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.authorized(ctx, st, tx)
    await states.energy_transfer_started(ctx, st, tx, ev_connected=False)


@testcase("TC_E_07_CSMS")
async def test_stop_power_path_closed_local(ctx: CaseContext) -> None:
    """E06.FR.06: the transaction ends (StopAuthorized, Local) when the driver stops locally."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    res = await st.transaction_event(
        tx, "Ended", "StopAuthorized", stopped_reason="Local", id_token=tx.id_token
    )
    _check_accepted(ctx, res, "the Ended event (StopAuthorized)")


@testcase("TC_E_08_CSMS")
async def test_stop_energy_transfer_stop_authorized(ctx: CaseContext) -> None:
    """E06.FR.07: with TxStopPoint EnergyTransfer the transaction ends when energy stops."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    await states.stop_authorized(ctx, st, tx)
    await st.transaction_event(
        tx,
        "Ended",
        "ChargingStateChanged",
        charging_state="EVConnected",
        stopped_reason="Local",
    )


@testcase("TC_E_09_CSMS")
async def test_start_ev_connected(ctx: CaseContext) -> None:
    """E01.FR.02: a transaction that starts when the EV is connected, before authorization."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.ev_connected_pre_session(ctx, st, tx)


@testcase("TC_E_10_CSMS")
async def test_start_authorized_local(ctx: CaseContext) -> None:
    """E01.FR.03, E01.FR.12: a transaction that starts at local authorization is accepted."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.authorized(ctx, st, tx)


@testcase("TC_E_11_CSMS")
async def test_start_data_signed(ctx: CaseContext) -> None:
    """E01.FR.04: a transaction that starts with a signed meter value is accepted."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    res = await st.conn.call("Authorize", {"idToken": states.valid_token(ctx)})
    ctx.check(
        states.token_status(ctx, res, "AuthorizeResponse") == "Accepted",
        f"AuthorizeResponse for the configured valid idToken is {res.get('idTokenInfo')}, "
        f"expected status Accepted",
    )
    await st.connector_changed(EVSE, CONNECTOR, "Occupied")
    signed = st.meter_value(0.0, context="Transaction.Begin")
    signed["sampledValue"][0]["signedMeterValue"] = {
        "signedMeterData": "c2lnbmVkIG1ldGVyIGRhdGE=",
        "signingMethod": "ECDSA-secp256r1-SHA256",
        "encodingMethod": "OCMF",
        "publicKey": "cHVibGljIGtleQ==",
    }
    await _started_with_token(
        ctx, st, tx, "SignedDataReceived", "SuspendedEVSE", meter_value=[signed]
    )
    await st.transaction_event(tx, "Updated", "ChargingStateChanged", charging_state="Charging")


@testcase("TC_E_12_CSMS")
async def test_start_parking_bay_occupied(ctx: CaseContext) -> None:
    """E01.FR.01: a transaction that starts when the parking bay detector sees an EV."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await st.transaction_event(tx, "Started", "EVDetected")
    await states.authorized(ctx, st, tx, ev_connected=True)
    await states.energy_transfer_started(ctx, st, tx, ev_connected=False)


async def _to_post_session(ctx: CaseContext, st: MockStation) -> Transaction:
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    await states.stop_authorized(ctx, st, tx)
    await states.ev_connected_post_session(ctx, st, tx)
    return tx


@testcase("TC_E_14_CSMS")
async def test_stop_ev_disconnected_station_side(ctx: CaseContext) -> None:
    """E06.FR.02: the transaction ends when the cable is unplugged at the station."""
    st = await states.booted_station(ctx)
    tx = await _to_post_session(ctx, st)
    await states.ev_disconnected(ctx, st, tx)


@testcase("TC_E_15_CSMS")
async def test_stop_authorized_local(ctx: CaseContext) -> None:
    """E06.FR.03: the transaction ends (Ended, StopAuthorized) when the driver badges out."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    res = await st.transaction_event(
        tx,
        "Ended",
        "StopAuthorized",
        charging_state="EVConnected",
        stopped_reason="Local",
        id_token=tx.id_token,
    )
    _check_accepted(ctx, res, "the Ended event (StopAuthorized)")


@testcase("TC_E_16_CSMS")
async def test_stop_deauthorized_invalid_token(ctx: CaseContext) -> None:
    """E01.FR.11, E01.FR.12, E06.FR.04: an invalid idToken in TransactionEvent is not Accepted."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    token = states.invalid_token(ctx)
    res = await st.transaction_event(tx, "Started", "Authorized", id_token=token)
    status = states.token_status(ctx, res, "TransactionEventResponse to the Started event")
    ctx.check(
        status in ("Invalid", "Unknown"),
        f"TransactionEventResponse idTokenInfo.status is {status!r} for the configured invalid "
        f"idToken {token['idToken']!r}, expected Invalid or Unknown",
        requirement="E01.FR.11",
    )
    await st.transaction_event(tx, "Ended", "Deauthorized", stopped_reason="DeAuthorized")


@testcase("TC_E_17_CSMS")
async def test_stop_deauthorized_ev_side_disconnect(ctx: CaseContext) -> None:
    """E06.FR.04: the transaction ends when the EV side of the cable is disconnected."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    await st.transaction_event(
        tx,
        "Ended",
        "EVCommunicationLost",
        charging_state="Idle",
        stopped_reason="EVDisconnected",
    )
    await st.connector_changed(EVSE, CONNECTOR, "Available")


@testcase("TC_E_19_CSMS")
async def test_stop_parking_bay_unoccupied(ctx: CaseContext) -> None:
    """E06.FR.01: the transaction ends when the EV leaves the parking bay."""
    st = await states.booted_station(ctx)
    tx = await _to_post_session(ctx, st)
    await st.connector_changed(EVSE, CONNECTOR, "Available")
    await st.transaction_event(tx, "Updated", "EVCommunicationLost", charging_state="Idle")
    await st.transaction_event(tx, "Ended", "EVDeparted", stopped_reason="EVDisconnected")


@testcase("TC_E_20_CSMS")
async def test_stop_ev_disconnected_ev_side(ctx: CaseContext) -> None:
    """E06.FR.02: the transaction ends when an IEC 61851-1 EV disconnects on its side."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    await st.transaction_event(
        tx,
        "Ended",
        "EVCommunicationLost",
        charging_state="Idle",
        stopped_reason="EVDisconnected",
    )


@testcase("TC_E_21_CSMS", verbs=("request_stop_transaction",))
async def test_stop_authorized_remote(ctx: CaseContext) -> None:
    """F03.FR.01, E06.FR.03: the CSMS stops the ongoing transaction by its transactionId."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    msg = await states.operator_request(
        ctx,
        st,
        "RequestStopTransaction",
        "request_stop_transaction",
        transaction_id=tx.transaction_id,
    )
    ctx.check(
        msg.payload.get("transactionId") == tx.transaction_id,
        f"RequestStopTransactionRequest transactionId is {msg.payload.get('transactionId')!r}, "
        f"expected the ongoing transaction {tx.transaction_id!r}",
        requirement="F03.FR.01",
    )
    await msg.reply({"status": "Accepted"})
    await st.transaction_event(
        tx, "Ended", "RemoteStop", charging_state="EVConnected", stopped_reason="Remote"
    )


@testcase("TC_E_22_CSMS")
async def test_stop_energy_transfer_suspended_ev(ctx: CaseContext) -> None:
    """E06.FR.07: with TxStopPoint EnergyTransfer the transaction ends when the EV suspends."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    await st.transaction_event(
        tx,
        "Ended",
        "ChargingStateChanged",
        charging_state="SuspendedEV",
        stopped_reason="StoppedByEV",
    )


@testcase("TC_E_26_CSMS")
async def test_ev_side_disconnect_suspends(ctx: CaseContext) -> None:
    """E10.FR.01: an EV-side disconnect suspends the transaction; it resumes after replugging."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    await st.transaction_event(tx, "Updated", "ChargingStateChanged", charging_state="SuspendedEV")
    await st.transaction_event(tx, "Updated", "EVCommunicationLost", charging_state="Idle")
    await st.connector_changed(EVSE, CONNECTOR, "Available")
    await st.connector_changed(EVSE, CONNECTOR, "Occupied")
    await st.transaction_event(tx, "Updated", "CablePluggedIn", charging_state="EVConnected")
    await st.transaction_event(tx, "Updated", "ChargingStateChanged", charging_state="Charging")


async def _reconnect(ctx: CaseContext, st: MockStation) -> MockStation:
    """The station loses its connection and comes back (no reboot, so no BootNotification)."""
    await st.close()
    again = await ctx.mock_station(station_id=st.station_id)
    again.model = st.model
    return again


async def _transaction_status(
    ctx: CaseContext,
    st: MockStation,
    transaction_id: str | None,
    *,
    ongoing: bool,
    queued: bool,
) -> None:
    args = {"transaction_id": transaction_id} if transaction_id else {}
    msg = await states.operator_request(
        ctx, st, "GetTransactionStatus", "get_transaction_status", **args
    )
    if transaction_id is None:
        ctx.check(
            "transactionId" not in msg.payload,
            f"GetTransactionStatusRequest carries transactionId "
            f"{msg.payload.get('transactionId')!r}; the operator asked about all transactions",
        )
        await msg.reply({"messagesInQueue": queued})
    else:
        ctx.check(
            msg.payload.get("transactionId") == transaction_id,
            f"GetTransactionStatusRequest transactionId is {msg.payload.get('transactionId')!r}, "
            f"expected {transaction_id!r}",
            requirement="E14.FR.02",
        )
        await msg.reply({"ongoingIndicator": ongoing, "messagesInQueue": queued})


@testcase("TC_E_29_CSMS", verbs=("get_transaction_status",))
async def test_transaction_status_ongoing_queued(ctx: CaseContext) -> None:
    """E14.FR.02, E14.FR.04: the CSMS asks about an ongoing transaction with queued events."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    st = await _reconnect(ctx, st)
    await _transaction_status(ctx, st, tx.transaction_id, ongoing=True, queued=True)
    await st.transaction_event(
        tx, "Updated", "MeterValuePeriodic", meter_value=[st.meter_value(1500.0)], offline=True
    )


@testcase("TC_E_30_CSMS", verbs=("get_transaction_status",))
async def test_transaction_status_ongoing_empty(ctx: CaseContext) -> None:
    """E14.FR.02, E14.FR.05: the CSMS asks about an ongoing transaction, nothing queued."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    await _transaction_status(ctx, st, tx.transaction_id, ongoing=True, queued=False)


@testcase("TC_E_31_CSMS", verbs=("get_transaction_status",))
async def test_transaction_status_ended_queued(ctx: CaseContext) -> None:
    """E14.FR.03, E14.FR.04: the CSMS asks about a transaction that ended while offline."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    st = await _reconnect(ctx, st)
    await _transaction_status(ctx, st, tx.transaction_id, ongoing=False, queued=True)
    await st.transaction_event(
        tx, "Ended", "StopAuthorized", stopped_reason="Local", id_token=tx.id_token, offline=True
    )


@testcase("TC_E_33_CSMS", verbs=("get_transaction_status",))
async def test_transaction_status_any_queued(ctx: CaseContext) -> None:
    """E14.FR.06: the CSMS asks, without transactionId, whether any event is queued."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    st = await _reconnect(ctx, st)
    await _transaction_status(ctx, st, None, ongoing=True, queued=True)
    await st.transaction_event(
        tx, "Updated", "MeterValuePeriodic", meter_value=[st.meter_value(1500.0)], offline=True
    )


@testcase("TC_E_34_CSMS", verbs=("get_transaction_status",))
async def test_transaction_status_any_empty(ctx: CaseContext) -> None:
    """E14.FR.07: the CSMS asks, without transactionId, and nothing is queued."""
    st = await states.booted_station(ctx)
    await _transaction_status(ctx, st, None, ongoing=False, queued=False)


@testcase("TC_E_38_CSMS")
async def test_local_start_ev_not_ready(ctx: CaseContext) -> None:
    """E03: authorized and plugged in, but the EV is not ready (SuspendedEV)."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.authorized(ctx, st, tx)
    await states.ev_connected_pre_session(ctx, st, tx, authorized=True)
    await st.transaction_event(tx, "Updated", "ChargingStateChanged", charging_state="SuspendedEV")


@testcase("TC_E_39_CSMS")
async def test_stop_deauthorized_timeout(ctx: CaseContext) -> None:
    """E03.FR.05, E06.FR.04: authorized, no EV within EVConnectionTimeout: Ended, Timeout."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.authorized(ctx, st, tx)
    await st.transaction_event(tx, "Ended", "EVConnectTimeout", stopped_reason="Timeout")


@testcase("TC_E_53_CSMS")
async def test_seq_no_restarts_per_transaction(ctx: CaseContext) -> None:
    """E01.FR.07: the CSMS accepts a second transaction whose seqNo starts at 0 again."""
    st = await states.booted_station(ctx)
    for _ in range(2):
        tx = await _to_post_session(ctx, st)
        await states.ev_disconnected(ctx, st, tx)
