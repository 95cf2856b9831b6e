"""OCPP 2.0.1, DUT = charging station, functional block E (Transactions), Core profile:
the cable disconnected at the EV side while it stays in the station's socket (E06, E09, E10).

Depending on TxStopPoint and StopTxOnEVSideDisconnect the station either ends the
transaction (Ended, EVCommunicationLost, stoppedReason EVDisconnected, chargingState Idle) or
suspends it (Updated, EVCommunicationLost, chargingState Idle) until the EV is connected
again. UnlockOnEVSideDisconnect decides whether the cable may leave the socket at once or
only after the driver presents the idToken again.
"""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from testcases.ocpp201.cs import states

_VERBS = (
    "plug_in",
    "present_id_token",
    "unplug",
    "ev_suspend",
    "ev_resume",
    "ev_side_disconnect",
)


async def _configured(
    ctx: CaseContext, s: Session, *, stop_tx: str | None, unlock: str | None
) -> None:
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    if stop_tx is not None:
        await states.configure(
            ctx, s, "TxCtrlr", "StopTxOnEVSideDisconnect", stop_tx, prerequisite=True
        )
    if unlock is not None:
        await states.configure(
            ctx, s, "OCPPCommCtrlr", "UnlockOnEVSideDisconnect", unlock, prerequisite=True
        )


async def _stop_point_containing(ctx: CaseContext, s: Session, wanted: set[str]) -> None:
    """TxStopPoint must contain one of `wanted`; set the first if it holds none."""
    value = (await states.get_variable(ctx, s, "TxCtrlr", "TxStopPoint")).get("attributeValue")
    current = {p.strip() for p in str(value or "").split(",") if p.strip()}
    if not current & wanted:
        await states.tx_stop_point(ctx, s, sorted(wanted)[0])


async def _ev_side_disconnect(ctx: CaseContext, s: Session, tx_id: str) -> tuple[Incoming, float]:
    t0 = time.monotonic()
    await ctx.operator.ev_side_disconnect(evse_id=states.EVSE, connector_id=states.CONNECTOR)
    msg = await states.next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="the cable was disconnected at the EV side"
    )
    return msg, t0


def _check_ended_by_ev(ctx: CaseContext, msg: Incoming, requirement: str | None) -> None:
    states.check_tx_event(
        ctx,
        msg,
        event_type="Ended",
        trigger="EVCommunicationLost",
        charging_state="Idle",
        stopped_reason="EVDisconnected",
        requirement=requirement,
    )


async def _cable_out(ctx: CaseContext, s: Session, since: float, *, unlock_first: bool) -> None:
    """The cable is taken out at the station (after presenting the idToken when it stays
    locked); by then the connector must have been reported Available."""
    if unlock_first:
        token = states.valid_token(ctx)
        await ctx.operator.present_id_token(
            id_token=token["idToken"], type=token["type"], evse_id=states.EVSE
        )
    await ctx.operator.unplug(evse_id=states.EVSE, connector_id=states.CONNECTOR)
    status = await s.expect(
        "StatusNotification",
        {"evseId": states.EVSE, "connectorId": states.CONNECTOR},
        predicate=lambda m: m.received >= since and m.payload.get("connectorStatus") != "Occupied",
        why="the EV was disconnected and the cable taken out",
    )
    ctx.check(
        status.payload.get("connectorStatus") == "Available",
        f"StatusNotification after the EV and the cable left says "
        f"{status.payload.get('connectorStatus')!r}, expected Available",
        frame=status.text,
    )


@testcase("TC_E_24_CS", verbs=_VERBS)
async def test_ev_side_disconnect_deauthorize_unlock(ctx: CaseContext) -> None:
    """E09.FR.01, E09.FR.02, E09.FR.04: StopTxOnEVSideDisconnect and UnlockOnEVSideDisconnect
    true: disconnecting at the EV side ends the transaction (EVCommunicationLost, Idle,
    EVDisconnected); the cable can be taken out and the connector is Available."""
    s = await states.booted(ctx)
    await _configured(ctx, s, stop_tx="true", unlock="true")
    tx_id = await states.charging_session(ctx, s)
    await states.energy_transfer_suspended(ctx, s, tx_id)
    msg, t0 = await _ev_side_disconnect(ctx, s, tx_id)
    _check_ended_by_ev(ctx, msg, "E09.FR.01")
    await _cable_out(ctx, s, t0, unlock_first=False)
    states.check_seq_nos(ctx, s)


@testcase("TC_E_25_CS", verbs=_VERBS)
async def test_ev_side_disconnect_deauthorize_locked(ctx: CaseContext) -> None:
    """E09.FR.01, E09.FR.03, E09.FR.04: StopTxOnEVSideDisconnect true,
    UnlockOnEVSideDisconnect false: disconnecting at the EV side ends the transaction
    (EVCommunicationLost, Idle, EVDisconnected); the cable comes out after the idToken is
    presented again and the connector is Available."""
    s = await states.booted(ctx)
    await _configured(ctx, s, stop_tx="true", unlock="false")
    tx_id = await states.charging_session(ctx, s)
    await states.energy_transfer_suspended(ctx, s, tx_id)
    msg, t0 = await _ev_side_disconnect(ctx, s, tx_id)
    _check_ended_by_ev(ctx, msg, "E09.FR.01")
    await _cable_out(ctx, s, t0, unlock_first=True)
    states.check_seq_nos(ctx, s)


@testcase("TC_E_17_CS", verbs=_VERBS)
async def test_stop_option_deauthorized_ev_side_disconnect(ctx: CaseContext) -> None:
    """E06.FR.04, E06.FR.15: TxStopPoint PowerPathClosed / Authorized with
    StopTxOnEVSideDisconnect true: the EV-side disconnect deauthorizes and ends the
    transaction: Ended, EVCommunicationLost, chargingState Idle, stoppedReason EVDisconnected."""
    s = await states.booted(ctx)
    await _stop_point_containing(ctx, s, {"PowerPathClosed", "Authorized"})
    await _configured(ctx, s, stop_tx="true", unlock="false")
    tx_id = await states.charging_session(ctx, s)
    await states.energy_transfer_suspended(ctx, s, tx_id)
    msg, t0 = await _ev_side_disconnect(ctx, s, tx_id)
    _check_ended_by_ev(ctx, msg, "E06.FR.04")
    await _cable_out(ctx, s, t0, unlock_first=True)
    states.check_seq_nos(ctx, s)


@testcase("TC_E_37_CS", verbs=_VERBS)
async def test_stop_option_power_path_closed_ev_side_disconnect(ctx: CaseContext) -> None:
    """E06: with TxStopPoint PowerPathClosed, disconnecting the EV at the EV side opens the
    power path and so ends the transaction: Ended, EVCommunicationLost, chargingState Idle,
    stoppedReason EVDisconnected."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "PowerPathClosed")
    await _configured(ctx, s, stop_tx=None, unlock=None)
    tx_id = await states.charging_session(ctx, s)
    msg, t0 = await _ev_side_disconnect(ctx, s, tx_id)
    _check_ended_by_ev(ctx, msg, None)
    unlock = await states.get_variable(ctx, s, "OCPPCommCtrlr", "UnlockOnEVSideDisconnect")
    await _cable_out(ctx, s, t0, unlock_first=unlock.get("attributeValue") == "false")
    states.check_seq_nos(ctx, s)


@testcase("TC_E_26_CS", verbs=_VERBS)
async def test_ev_side_disconnect_suspend(ctx: CaseContext) -> None:
    """E10.FR.01, E10.FR.03: TxStopPoint Authorized, StopTxOnEVSideDisconnect and
    UnlockOnEVSideDisconnect false: the EV-side disconnect suspends the transaction (Updated,
    EVCommunicationLost, Idle; connector Available); connecting the EV again is reported
    (CablePluggedIn, EVConnected) and energy transfer restarts in the same transaction."""
    s = await states.booted(ctx)
    await _stop_point_containing(ctx, s, {"Authorized", "ParkingBayOccupied"})
    await _configured(ctx, s, stop_tx="false", unlock="false")
    tx_id = await states.charging_session(ctx, s)
    # Unplugging does not end a transaction with these settings: stop it before the clean-up
    # unplugs (clean-ups run last-in first-out).
    states.end_transactions_afterwards(ctx)
    await states.energy_transfer_suspended(ctx, s, tx_id)
    msg, t0 = await _ev_side_disconnect(ctx, s, tx_id)
    states.check_tx_event(
        ctx,
        msg,
        event_type="Updated",
        trigger="EVCommunicationLost",
        charging_state="Idle",
        requirement="E10.FR.01",
    )
    status = await s.expect(
        "StatusNotification",
        {"evseId": states.EVSE, "connectorId": states.CONNECTOR},
        predicate=states.after(t0),
        why="the EV was disconnected at the EV side",
    )
    ctx.check(
        status.payload.get("connectorStatus") == "Available",
        f"StatusNotification after the EV-side disconnect says "
        f"{status.payload.get('connectorStatus')!r}, expected Available",
        requirement="E10.FR.01",
        frame=status.text,
    )
    t1 = time.monotonic()
    await ctx.operator.plug_in(evse_id=states.EVSE, connector_id=states.CONNECTOR)
    back = await states.next_tx_event(
        ctx, s, since=t1, tx_id=tx_id, why="the EV was connected again"
    )
    states.check_tx_event(
        ctx,
        back,
        event_type="Updated",
        trigger="CablePluggedIn",
        charging_state="EVConnected",
        requirement="E10.FR.03",
    )
    t2 = time.monotonic()
    await ctx.operator.ev_resume(evse_id=states.EVSE)
    charging = await s.expect(
        "TransactionEvent",
        {"transactionInfo": {"transactionId": tx_id, "chargingState": "Charging"}},
        predicate=states.after(t2),
        why="the EV is connected again and takes energy",
    )
    ctx.check(
        charging.payload.get("eventType") == "Updated",
        f"the transaction resumed with eventType {charging.payload.get('eventType')!r}; it "
        f"is the same transaction, so Updated",
        requirement="E10.FR.03",
        frame=charging.text,
    )
    states.check_seq_nos(ctx, s)


@testcase("TC_E_27_CS", features=("FixedCable",), verbs=_VERBS)
async def test_ev_side_disconnect_suspend_fixed_cable_timeout(ctx: CaseContext) -> None:
    """E10.FR.01, E10.FR.02: on the EVSE with a permanently attached cable, TxStopPoint
    Authorized, StopTxOnEVSideDisconnect and UnlockOnEVSideDisconnect false: the EV-side
    disconnect suspends the transaction (Updated, EVCommunicationLost, Idle; connector
    Available); the EV is not connected again, so once EVConnectionTimeOut expires the
    transaction is deauthorized (EVConnectTimeout; Ended with stoppedReason Timeout when
    TxStopPoint contains Authorized)."""
    evse = ctx.dut.pixit.fixed_cable_evse
    ctx.require(
        evse in ctx.dut.pixit.evse_ids,
        f"the profile claims FixedCable but pixit.fixed_cable_evse ({evse}) is no EVSE of "
        f"the station (1..{len(ctx.dut.pixit.evses)})",
    )
    timeout = ctx.dut.pixit.ev_connection_timeout
    s = await states.booted(ctx)
    await _stop_point_containing(ctx, s, {"Authorized", "ParkingBayOccupied"})
    await _configured(ctx, s, stop_tx="false", unlock="false")
    await states.configure(ctx, s, "TxCtrlr", "EVConnectionTimeOut", str(timeout))
    tx_id = await states.charging_session(ctx, s, evse=evse)
    states.end_transactions_afterwards(ctx)  # runs after the cable is hung back (below)
    await states.energy_transfer_suspended(ctx, s, tx_id, evse=evse)
    t0 = time.monotonic()
    await ctx.operator.ev_side_disconnect(evse_id=evse, connector_id=states.CONNECTOR)

    async def hang_cable_back() -> None:
        # The fixed cable stays in the station: the clean-up takes it from the EV's side
        # entirely, so the EVSE is idle for the next case.
        await ctx.operator.unplug(evse_id=evse, connector_id=states.CONNECTOR)

    ctx.defer(hang_cable_back)
    msg = await states.next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="the cable was disconnected at the EV side"
    )
    states.check_tx_event(
        ctx,
        msg,
        event_type="Updated",
        trigger="EVCommunicationLost",
        charging_state="Idle",
        requirement="E10.FR.01",
    )
    status = await s.expect(
        "StatusNotification",
        {"evseId": evse, "connectorId": states.CONNECTOR},
        predicate=states.after(t0),
        why="the EV was disconnected at the EV side",
    )
    ctx.check(
        status.payload.get("connectorStatus") == "Available",
        f"StatusNotification after the EV-side disconnect says "
        f"{status.payload.get('connectorStatus')!r}, expected Available",
        requirement="E10.FR.01",
        frame=status.text,
    )
    timed_out = await states.next_tx_event(
        ctx,
        s,
        since=msg.received,
        tx_id=tx_id,
        timeout=timeout + ctx.timeouts.message,
        why=f"the EV was not connected again within EVConnectionTimeOut ({timeout} s)",
    )
    stop = await states.get_variable(ctx, s, "TxCtrlr", "TxStopPoint")
    ends = "Authorized" in str(stop.get("attributeValue") or "").split(",")
    states.check_tx_event(
        ctx,
        timed_out,
        event_type="Ended" if ends else None,
        trigger="EVConnectTimeout",
        stopped_reason="Timeout" if ends else None,
        requirement="E10.FR.02",
    )
    waited = timed_out.received - msg.received
    ctx.check(
        waited >= timeout - 0.05,
        f"the transaction was deauthorized {waited:.2f} s after the EV-side disconnect, "
        f"before EVConnectionTimeOut ({timeout} s) expired",
        requirement="E10.FR.02",
        frame=timed_out.text,
    )
    states.check_seq_nos(ctx, s)


@testcase("TC_E_20_CS", verbs=_VERBS)
async def test_stop_option_ev_disconnected_ev_side(ctx: CaseContext) -> None:
    """E06.FR.02, E06.FR.15: with TxStopPoint EVConnected (StopTxOnEVSideDisconnect false
    where writable), losing the EV at the EV side ends the transaction by the stop point
    itself: Ended, EVCommunicationLost, chargingState Idle, stoppedReason EVDisconnected."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "EVConnected")
    await _configured(ctx, s, stop_tx=None, unlock=None)
    await states.try_configure(ctx, s, "TxCtrlr", "StopTxOnEVSideDisconnect", "false")
    tx_id = await states.charging_session(ctx, s)
    await states.energy_transfer_suspended(ctx, s, tx_id)
    msg, t0 = await _ev_side_disconnect(ctx, s, tx_id)
    _check_ended_by_ev(ctx, msg, "E06.FR.02")
    unlock = await states.get_variable(ctx, s, "OCPPCommCtrlr", "UnlockOnEVSideDisconnect")
    await _cable_out(ctx, s, t0, unlock_first=unlock.get("attributeValue") == "false")
    states.check_seq_nos(ctx, s)


@testcase("TC_E_54_CS", verbs=("plug_in", "present_id_token", "unplug", "ev_side_disconnect"))
async def test_stop_option_ev_disconnected_ev_side_no_suspend(ctx: CaseContext) -> None:
    """E06.FR.02, E06.FR.15: the variant of TC_E_20_CS for a station that cannot charge an
    IEC 61851-1 EV, so the EV cannot be brought into EnergyTransferSuspended: with
    TxStopPoint EVConnected (StopTxOnEVSideDisconnect false where writable), losing the
    charging EV at the EV side ends the transaction by the stop point itself: Ended,
    EVCommunicationLost, chargingState Idle, stoppedReason EVDisconnected."""
    s = await states.booted(ctx)
    await states.tx_stop_point(ctx, s, "EVConnected")
    await _configured(ctx, s, stop_tx=None, unlock=None)
    await states.try_configure(ctx, s, "TxCtrlr", "StopTxOnEVSideDisconnect", "false")
    tx_id = await states.charging_session(ctx, s)
    msg, t0 = await _ev_side_disconnect(ctx, s, tx_id)
    _check_ended_by_ev(ctx, msg, "E06.FR.02")
    unlock = await states.get_variable(ctx, s, "OCPPCommCtrlr", "UnlockOnEVSideDisconnect")
    await _cable_out(ctx, s, t0, unlock_first=unlock.get("attributeValue") == "false")
    states.check_seq_nos(ctx, s)
