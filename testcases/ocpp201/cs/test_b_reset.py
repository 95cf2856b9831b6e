"""OCPP 2.0.1, DUT = charging station, functional block B (Provisioning): Reset (B11, B12),
Core profile."""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import states

# -- Reset (B11, B12) ---------------------------------------------------------------------------


async def _expect_reboot(ctx: CaseContext, s: Session, n: int) -> Session:
    """After an accepted station reset: a new connection, BootNotification RemoteReset, and
    every connector reported."""
    s2 = await ctx.station(after=n)
    boot = await s2.expect("BootNotification", timeout=ctx.dut.timeouts.connect)
    ctx.check(
        boot.payload.get("reason") == "RemoteReset",
        f"BootNotification after a Reset has reason {boot.payload.get('reason')!r}, "
        f"expected RemoteReset",
        requirement="B11.FR.04",
        frame=boot.text,
    )
    await states.connectors_reported(ctx, s2, since=boot.received)
    return s2


@testcase("TC_B_20_CS")
async def test_reset_on_idle_without_transaction(ctx: CaseContext) -> None:
    """B11.FR.01, B11.FR.03, B11.FR.04: Reset OnIdle without transactions is Accepted and the
    station reboots, booting with reason RemoteReset."""
    s = await states.booted(ctx)
    n = ctx.connections()
    result = await s.call("Reset", {"type": "OnIdle"})
    ctx.require(
        result.get("status") == "Accepted",
        f"ResetResponse status is {result.get('status')!r}, expected Accepted",
        requirement="B11.FR.01",
    )
    await _expect_reboot(ctx, s, n)


@testcase("TC_B_21_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_reset_on_idle_with_transaction(ctx: CaseContext) -> None:
    """B12.FR.01, B12.FR.03: Reset OnIdle during a transaction is Scheduled; the station reboots
    once the transaction has ended."""
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    result = await s.call("Reset", {"type": "OnIdle"})
    ctx.require(
        result.get("status") == "Scheduled",
        f"ResetResponse status during a transaction is {result.get('status')!r}, "
        f"expected Scheduled",
        requirement="B12.FR.01",
    )
    n = ctx.connections()
    ctx.check(
        not await s.wait_closed(0.0),
        "the station closed the connection at once although the Reset was only scheduled",
    )
    await states.unplug(ctx, s)
    ended = [
        m
        for m in s.received("TransactionEvent")
        if m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
        and m.payload.get("eventType") == "Ended"
    ]
    ctx.check(bool(ended), "the transaction did not end when the cable was unplugged")
    await _expect_reboot(ctx, s, n)


@testcase("TC_B_22_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_reset_immediate_with_transaction(ctx: CaseContext) -> None:
    """B12.FR.02, B12.FR.05: Reset Immediate ends the transaction (ResetCommand /
    ImmediateReset) and the station reboots."""
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    n = ctx.connections()
    t0 = time.monotonic()
    result = await s.call("Reset", {"type": "Immediate"})
    ctx.require(
        result.get("status") == "Accepted",
        f"ResetResponse status is {result.get('status')!r}, expected Accepted",
        requirement="B12.FR.02",
    )
    ended = await states.tx_event(
        ctx,
        s,
        {"eventType": "Ended", "transactionInfo": {"transactionId": tx_id}},
        since=t0,
        why="an immediate reset ends the transaction",
    )
    states.check_tx_event(
        ctx, ended, trigger="ResetCommand", stopped_reason="ImmediateReset", requirement="B12.FR.02"
    )
    await _expect_reboot(ctx, s, n)


def _evse_reset_prerequisite(ctx: CaseContext, *, supported: bool) -> None:
    """The cases of resetting one EVSE apply to a station that can (B25-B27) or cannot
    (B28, B29) reset an individual EVSE, as the profile declares (PIXIT supports_reset_evse)."""
    if ctx.dut.pixit.supports_reset_evse != supported:
        can = "can" if ctx.dut.pixit.supports_reset_evse else "cannot"
        raise NotApplicable(
            f"prerequisite not met: the station {can} reset an individual EVSE "
            f"(PIXIT supports_reset_evse)"
        )


@testcase("TC_B_25_CS")
async def test_reset_evse_without_transaction(ctx: CaseContext) -> None:
    """B11.FR.01, B11.FR.08: Reset of one EVSE without a transaction is Accepted."""
    _evse_reset_prerequisite(ctx, supported=True)
    s = await states.booted(ctx)
    result = await s.call("Reset", {"type": "OnIdle", "evseId": states.EVSE})
    ctx.check(
        result.get("status") == "Accepted",
        f"ResetResponse for EVSE {states.EVSE} is {result.get('status')!r}, expected Accepted",
        requirement="B11.FR.08",
    )


@testcase("TC_B_26_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_reset_evse_on_idle_with_transaction(ctx: CaseContext) -> None:
    """B12.FR.01, B12.FR.08: Reset OnIdle of a charging EVSE is Scheduled and the transaction
    goes on until it ends normally."""
    _evse_reset_prerequisite(ctx, supported=True)
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    result = await s.call("Reset", {"type": "OnIdle", "evseId": states.EVSE})
    ctx.check(
        result.get("status") == "Scheduled",
        f"ResetResponse for the charging EVSE is {result.get('status')!r}, expected Scheduled",
        requirement="B12.FR.01",
    )
    ended = [
        m
        for m in s.received("TransactionEvent", since=t0)
        if m.payload.get("eventType") == "Ended"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]
    ctx.check(not ended, "the transaction ended at once although the EVSE reset was OnIdle")


@testcase("TC_B_27_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_reset_evse_immediate_with_transaction(ctx: CaseContext) -> None:
    """B12.FR.02, B12.FR.08, E07.FR.03: Reset Immediate of a charging EVSE ends its transaction
    with ResetCommand / ImmediateReset, chargingState EVConnected."""
    _evse_reset_prerequisite(ctx, supported=True)
    s = await states.booted(ctx)
    tx_id = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    result = await s.call("Reset", {"type": "Immediate", "evseId": states.EVSE})
    ctx.require(
        result.get("status") == "Accepted",
        f"ResetResponse for the charging EVSE is {result.get('status')!r}, expected Accepted",
        requirement="B12.FR.02",
    )
    ended = await states.tx_event(
        ctx,
        s,
        {"eventType": "Ended", "transactionInfo": {"transactionId": tx_id}},
        since=t0,
        why="an immediate EVSE reset ends its transaction",
    )
    states.check_tx_event(
        ctx,
        ended,
        trigger="ResetCommand",
        charging_state="EVConnected",
        stopped_reason="ImmediateReset",
        requirement="B12.FR.02",
    )


@testcase("TC_B_28_CS")
async def test_reset_evse_not_supported(ctx: CaseContext) -> None:
    """B11.FR.09: a station that cannot reset an individual EVSE rejects a Reset OnIdle of one
    EVSE."""
    _evse_reset_prerequisite(ctx, supported=False)
    s = await states.booted(ctx)
    result = await s.call("Reset", {"type": "OnIdle", "evseId": states.EVSE})
    ctx.check(
        result.get("status") == "Rejected",
        f"ResetResponse for EVSE {states.EVSE} is {result.get('status')!r}, expected Rejected: "
        f"the station cannot reset an individual EVSE",
        requirement="B11.FR.09",
    )


@testcase("TC_B_29_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_reset_evse_with_transaction_not_supported(ctx: CaseContext) -> None:
    """B12.FR.09: a station that cannot reset an individual EVSE rejects a Reset OnIdle of the
    EVSE it is charging on (EnergyTransferStarted)."""
    _evse_reset_prerequisite(ctx, supported=False)
    s = await states.booted(ctx)
    await states.charging_session(ctx, s)
    result = await s.call("Reset", {"type": "OnIdle", "evseId": states.EVSE})
    ctx.check(
        result.get("status") == "Rejected",
        f"ResetResponse for the charging EVSE {states.EVSE} is {result.get('status')!r}, "
        f"expected Rejected: the station cannot reset an individual EVSE",
        requirement="B12.FR.09",
    )


@testcase("TC_B_23_CS")
async def test_reset_unavailable_persists(ctx: CaseContext) -> None:
    """B11.FR.01-B11.FR.04, B01.FR.03: with a connector set Unavailable, Reset OnIdle is
    Accepted, the station reboots (BootNotification RemoteReset) and still reports that
    connector Unavailable."""
    s = await states.booted(ctx)
    await states.connector_unavailable(ctx, s)
    n = ctx.connections()
    result = await s.call("Reset", {"type": "OnIdle"})
    ctx.require(
        result.get("status") == "Accepted",
        f"ResetResponse status is {result.get('status')!r}, expected Accepted",
        requirement="B11.FR.01",
    )
    s2 = await ctx.station(after=n)
    boot = await s2.expect("BootNotification", timeout=ctx.dut.timeouts.connect)
    ctx.check(
        boot.payload.get("reason") == "RemoteReset",
        f"BootNotification after a Reset has reason {boot.payload.get('reason')!r}, "
        f"expected RemoteReset",
        requirement="B11.FR.04",
        frame=boot.text,
    )
    seen = await states.connectors_reported(ctx, s2, since=boot.received)
    status = seen[(states.EVSE, states.CONNECTOR)]
    ctx.check(
        status.payload.get("connectorStatus") == "Unavailable",
        f"after the reset EVSE {states.EVSE} connector {states.CONNECTOR} is reported "
        f"{status.payload.get('connectorStatus')!r}; it was set Unavailable, which must "
        f"persist across the reset",
        requirement="B01.FR.03",
        frame=status.text,
    )


@testcase("TC_B_41_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_reset_on_idle_multiple_transactions(ctx: CaseContext) -> None:
    """B12.FR.01, B12.FR.03, E07.FR.03: with a transaction on two EVSEs, Reset OnIdle is
    Scheduled; the station stays up while one transaction remains and reboots once the last
    one has ended (at StopAuthorized, or when the cable goes if TxStopPoint says so)."""
    evses = ctx.dut.pixit.evse_ids[:2]
    if len(evses) < 2:
        raise NotApplicable("prerequisite not met: the station has only one EVSE")
    s = await states.booted(ctx)
    sessions = {e: await states.charging_session(ctx, s, evse=e) for e in evses}
    result = await s.call("Reset", {"type": "OnIdle"})
    ctx.require(
        result.get("status") == "Scheduled",
        f"ResetResponse status with {len(sessions)} transactions is {result.get('status')!r}, "
        f"expected Scheduled",
        requirement="B12.FR.01",
    )
    n = ctx.connections()
    first, last = evses
    await states.stop_authorized(ctx, s, sessions[first], evse=first)
    await states.ev_disconnected(ctx, s, evse=first, tx_id=sessions[first])
    ctx.require(
        ctx.connections() == n and not s.closed.is_set(),
        f"the station rebooted while the transaction on EVSE {last} was still running; an "
        f"OnIdle reset waits until every transaction has ended",
        requirement="B12.FR.03",
    )
    stop = await states.stop_authorized(ctx, s, sessions[last], evse=last)
    if stop.payload.get("eventType") != "Ended":
        # TxStopPoint keeps the transaction until the cable goes: unplug, then the reboot.
        await states.ev_disconnected(ctx, s, evse=last, tx_id=sessions[last])
    await _expect_reboot(ctx, s, n)
