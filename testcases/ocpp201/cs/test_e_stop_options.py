"""OCPP 2.0.1, DUT = charging station, functional block E (Transactions), Core profile:
the stop options (E06) and the local and remote stop of a transaction (E07, F03).

Each stop-option case sets TxCtrlr.TxStopPoint over OCPP first (restored afterwards), runs a
charging session (EnergyTransferStarted) and checks the TransactionEventRequest that ends it:
eventType Ended, the triggerReason and stoppedReason of what ended it, the chargingState after
it, and seqNo continuity over the whole transaction.
"""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from testcases.ocpp201.cs import states

# TxStopPoint options under which the end of the authorization ends the transaction (E06).
_ENDS_ON_DEAUTHORIZATION = {"Authorized", "PowerPathClosed", "EnergyTransfer", "DataSigned"}


async def _stop_points(ctx: CaseContext, s: Session) -> set[str]:
    value = (await states.get_variable(ctx, s, "TxCtrlr", "TxStopPoint")).get("attributeValue")
    return {p.strip() for p in str(value or "").split(",") if p.strip()}


async def _charging(ctx: CaseContext, s: Session) -> str:
    """EnergyTransferStarted (local): cable, valid idToken, energy flowing."""
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    return await states.charging_session(ctx, s)


def _check_ended(
    ctx: CaseContext,
    msg: Incoming,
    *,
    trigger: str,
    stopped_reason: str | tuple[str, ...],
    charging_state: str | None,
    requirement: str | None,
) -> None:
    states.check_tx_event(
        ctx,
        msg,
        event_type="Ended",
        trigger=trigger,
        charging_state=charging_state,
        requirement=requirement,
    )
    allowed = (stopped_reason,) if isinstance(stopped_reason, str) else stopped_reason
    got = msg.payload.get("transactionInfo", {}).get("stoppedReason", "Local")
    ctx.check(
        got in allowed,
        f"TransactionEvent Ended has transactionInfo.stoppedReason {got!r} (absent means "
        f"Local), expected {' or '.join(allowed)}",
        requirement=requirement,
        frame=msg.text,
    )


async def _stop_by_id_token(
    ctx: CaseContext, s: Session, tx_id: str, requirement: str | None
) -> None:
    """StopAuthorized (local) and EVDisconnected, with the checks each stop point implies:
    a stop point ended by the authorization ends the transaction at StopAuthorized
    (stoppedReason Local, chargingState EVConnected); otherwise StopAuthorized is an Updated
    event and unplugging ends it."""
    points = await _stop_points(ctx, s)
    stop = await states.stop_authorized(ctx, s, tx_id)
    if points & _ENDS_ON_DEAUTHORIZATION:
        _check_ended(
            ctx,
            stop,
            trigger="StopAuthorized",
            stopped_reason="Local",
            charging_state="EVConnected",
            requirement=requirement,
        )
    else:
        states.check_tx_event(
            ctx,
            stop,
            event_type="Updated",
            charging_state="EVConnected",
            requirement=requirement,
        )
    ended = await states.ev_disconnected(ctx, s, tx_id=tx_id)
    if ended is not None:
        _check_ended(
            ctx,
            ended,
            trigger="EVCommunicationLost",
            stopped_reason=("Local", "EVDisconnected"),
            charging_state="Idle",
            requirement=None,
        )
    states.check_seq_nos(ctx, s)


@testcase("TC_E_06_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_local_stop(ctx: CaseContext) -> None:
    """E07.FR.04, E06.FR.15, C01.FR.03: presenting the idToken that started the transaction
    stops it (StopAuthorized, stoppedReason Local); unplugging then frees the connector."""
    s = await states.booted(ctx)
    tx_id = await _charging(ctx, s)
    await _stop_by_id_token(ctx, s, tx_id, "E07.FR.04")


@testcase("TC_E_07_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_stop_option_power_path_closed_local(ctx: CaseContext) -> None:
    """E06.FR.06, E06.FR.15: with TxStopPoint PowerPathClosed, a local stop authorization
    opens the power path and so ends the transaction: Ended, StopAuthorized, Local."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "PowerPathClosed")
    tx_id = await _charging(ctx, s)
    await _stop_by_id_token(ctx, s, tx_id, "E06.FR.06")


@testcase("TC_E_08_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_stop_option_energy_transfer_local(ctx: CaseContext) -> None:
    """E06, E07.FR.04: with TxStopPoint EnergyTransfer, a local stop authorization stops
    the energy transfer and so ends the transaction: Ended, StopAuthorized, Local."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "EnergyTransfer")
    tx_id = await _charging(ctx, s)
    await _stop_by_id_token(ctx, s, tx_id, None)


@testcase("TC_E_15_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_stop_option_authorized_local(ctx: CaseContext) -> None:
    """E06.FR.03, E06.FR.15: with TxStopPoint Authorized, a local stop authorization ends the
    transaction: Ended, StopAuthorized, Local, chargingState EVConnected."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "Authorized")
    tx_id = await _charging(ctx, s)
    await _stop_by_id_token(ctx, s, tx_id, "E06.FR.03")


@testcase("TC_E_14_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_stop_option_ev_disconnected_station_side(ctx: CaseContext) -> None:
    """E06: with TxStopPoint EVConnected, the stop authorization only
    suspends the transaction (Updated, EVConnected); disconnecting the cable at the station
    ends it: Ended, EVCommunicationLost, chargingState Idle; seqNo 0, 1, 2, ..."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "EVConnected")
    tx_id = await _charging(ctx, s)
    await _stop_by_id_token(ctx, s, tx_id, None)


async def _remote_stop(ctx: CaseContext, s: Session, tx_id: str, requirement: str | None) -> None:
    """RequestStopTransaction for the running transaction: Accepted, then Ended with
    triggerReason RemoteStop, stoppedReason Remote."""
    t0 = time.monotonic()
    result = await s.call("RequestStopTransaction", {"transactionId": tx_id})
    ctx.require(
        result.get("status") == "Accepted",
        f"RequestStopTransactionResponse status is {result.get('status')!r} for the running "
        f"transaction {tx_id}, expected Accepted",
        requirement="F03.FR.02",
    )
    msg = await states.next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="RequestStopTransaction was accepted"
    )
    _check_ended(
        ctx,
        msg,
        trigger="RemoteStop",
        stopped_reason="Remote",
        charging_state="EVConnected",
        requirement=requirement,
    )
    states.check_seq_nos(ctx, s)


@testcase("TC_E_21_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_stop_option_authorized_remote(ctx: CaseContext) -> None:
    """E06, F03.FR.02, F03.FR.07: with TxStopPoint Authorized, an accepted
    RequestStopTransaction ends the transaction: Ended, RemoteStop, Remote."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "Authorized")
    tx_id = await _charging(ctx, s)
    await _remote_stop(ctx, s, tx_id, "F03.FR.07")


@testcase("TC_E_35_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_stop_option_power_path_closed_remote(ctx: CaseContext) -> None:
    """E06.FR.06, F03.FR.02: with TxStopPoint PowerPathClosed, an accepted
    RequestStopTransaction opens the power path and ends the transaction: Ended, RemoteStop,
    Remote."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "PowerPathClosed")
    tx_id = await _charging(ctx, s)
    await _remote_stop(ctx, s, tx_id, "E06.FR.06")


@testcase("TC_E_22_CS", verbs=("plug_in", "present_id_token", "unplug", "ev_suspend", "ev_resume"))
async def test_stop_option_energy_transfer_suspended_ev(ctx: CaseContext) -> None:
    """E06: with TxStopPoint EnergyTransfer, the EV suspending the energy transfer ends the
    transaction: Ended, triggerReason ChargingStateChanged, stoppedReason StoppedByEV,
    chargingState SuspendedEV."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "EnergyTransfer")
    tx_id = await _charging(ctx, s)
    t0 = time.monotonic()
    await ctx.operator.ev_suspend(evse_id=states.EVSE)

    async def resume() -> None:
        await ctx.operator.ev_resume(evse_id=states.EVSE)

    ctx.defer(resume)
    msg = await states.next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="the EV suspended the energy transfer"
    )
    _check_ended(
        ctx,
        msg,
        trigger="ChargingStateChanged",
        stopped_reason="StoppedByEV",
        charging_state="SuspendedEV",
        requirement=None,
    )
    states.check_seq_nos(ctx, s)


@testcase(
    "TC_E_19_CS",
    verbs=("plug_in", "present_id_token", "unplug", "occupy_parking_bay", "vacate_parking_bay"),
)
async def test_stop_option_parking_bay_unoccupied(ctx: CaseContext) -> None:
    """E06.FR.01, E06.FR.15: with TxStopPoint ParkingBayOccupied the transaction outlives the
    stop authorization and the unplugging, and ends when the EV leaves the bay: Ended,
    triggerReason EVDeparted, stoppedReason Local (the driver stopped it locally)."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "ParkingBayOccupied")
    await states.occupy_parking_bay(ctx)
    tx_id = await _charging(ctx, s)
    stop = await states.stop_authorized(ctx, s, tx_id)
    states.check_tx_event(ctx, stop, event_type="Updated", charging_state="EVConnected")
    t0 = time.monotonic()
    await ctx.operator.unplug(evse_id=states.EVSE, connector_id=states.CONNECTOR)
    await s.expect(
        "StatusNotification",
        {"evseId": states.EVSE, "connectorStatus": "Available"},
        predicate=states.after(t0),
        why="the cable was unplugged (EVDisconnected)",
    )
    lost = await states.next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="the cable was unplugged during the transaction"
    )
    ctx.require(
        lost.payload.get("eventType") == "Updated",
        f"the transaction ended when the cable was unplugged "
        f"({lost.payload.get('triggerReason')}); with TxStopPoint ParkingBayOccupied it lasts "
        f"until the EV leaves the bay",
        requirement="E06.FR.01",
        frame=lost.text,
    )
    states.check_tx_event(ctx, lost, trigger="EVCommunicationLost", charging_state="Idle")
    t1 = time.monotonic()
    await ctx.operator.vacate_parking_bay(evse_id=states.EVSE)
    ended = await states.next_tx_event(
        ctx, s, since=t1, tx_id=tx_id, why="the EV drove out of the parking bay"
    )
    _check_ended(
        ctx,
        ended,
        trigger="EVDeparted",
        stopped_reason="Local",
        charging_state=None,
        requirement="E06.FR.01",
    )
    states.check_seq_nos(ctx, s)
