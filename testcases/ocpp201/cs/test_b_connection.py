"""OCPP 2.0.1, DUT = charging station, functional block B (Provisioning): the connection to
the CSMS - offline periods (B04), reconnecting (Part 4 5.3) and network connection profiles
(B09) - Core profile."""

from __future__ import annotations

import asyncio
import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from testcases.ocpp201.cs import states

# Reconnections are timed by the station's clock, ours by the moment the connection closed:
# allow for the scheduling jitter of two event loops, nothing more.
TIMING_SLACK = 0.05


# -- offline period (B04) -------------------------------------------------------------------------


async def _offline_status_change(ctx: CaseContext, longer: bool) -> Session:
    """B04 set-up and steps: OfflineThreshold and a reconnect back-off just above / below it;
    the CSMS closes the connection, the EV is connected meanwhile, and the station comes back
    when its back-off has passed. Returns the new connection."""
    s = await states.booted(ctx)
    threshold = ctx.dut.pixit.offline_threshold
    backoff = threshold + 2 if longer else threshold - 2
    await states.configure(ctx, s, "OCPPCommCtrlr", "OfflineThreshold", str(threshold))
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(backoff))
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffRandomRange", "0")
    n = ctx.connections()
    closed = time.monotonic()
    await s.close(1000, "the CSMS closes the connection (offline period)")
    await states.plug_in(ctx, s)
    s2 = await ctx.station(after=n, timeout=backoff + ctx.dut.timeouts.connect)
    offline = time.monotonic() - closed
    ctx.check(
        offline >= backoff - TIMING_SLACK,
        f"the station reconnected {offline:.2f} s after the connection was closed; "
        f"OCPPCommCtrlr.RetryBackOffWaitMinimum is {backoff} s (RetryBackOffRandomRange 0)",
    )
    return s2


@testcase("TC_B_51_CS", verbs=("plug_in", "unplug"))
async def test_offline_longer_than_threshold(ctx: CaseContext) -> None:
    """B04.FR.01: back online after an offline period longer than OfflineThreshold, the station
    reports the state of every connector (the one connected meanwhile as Occupied)."""
    s2 = await _offline_status_change(ctx, longer=True)
    seen = await states.connectors_reported(ctx, s2, requirement="B04.FR.01")
    status = seen[(states.EVSE, states.CONNECTOR)]
    ctx.check(
        status.payload.get("connectorStatus") == "Occupied",
        f"after the offline period EVSE {states.EVSE} connector {states.CONNECTOR} is "
        f"reported {status.payload.get('connectorStatus')!r}; the EV was connected meanwhile, "
        f"so it is Occupied",
        requirement="B04.FR.01",
        frame=status.text,
    )


@testcase("TC_B_52_CS", verbs=("plug_in", "unplug"))
async def test_offline_shorter_than_threshold(ctx: CaseContext) -> None:
    """B04.FR.02: back online after an offline period shorter than OfflineThreshold, the
    station reports the connectors whose state changed meanwhile: the one connected, Occupied."""
    s2 = await _offline_status_change(ctx, longer=False)
    await s2.expect(
        "StatusNotification",
        {"evseId": states.EVSE, "connectorId": states.CONNECTOR, "connectorStatus": "Occupied"},
        why="the EV was connected while the station was offline, so the connector's new state "
        "is owed after the reconnect (B04.FR.02)",
    )


@testcase("TC_B_57_CS")
async def test_reconnect_back_off(ctx: CaseContext) -> None:
    """Part 4 5.3 (Reconnecting): after the CSMS closes the connection the station reconnects
    no sooner than RetryBackOffWaitMinimum; when that attempt is refused it waits twice as
    long (RetryBackOffRepeatTimes 2, RetryBackOffRandomRange 0) before the next one."""
    assert ctx.csms is not None
    s = await states.booted(ctx)
    wait = ctx.dut.pixit.retry_backoff_wait_minimum
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffRepeatTimes", "2")
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffRandomRange", "0")
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(wait))
    deadline = wait + ctx.dut.timeouts.connect
    # Steps 1-3: closed by the CSMS, the station reconnects after the minimum back-off.
    n = ctx.connections()
    closed = time.monotonic()
    await s.close(1000, "the CSMS closes the connection")
    s = await ctx.station(after=n, timeout=deadline)
    waited = time.monotonic() - closed
    ctx.check(
        waited >= wait - TIMING_SLACK,
        f"the station reconnected {waited:.2f} s after the connection was closed; "
        f"RetryBackOffWaitMinimum is {wait} s",
        requirement="Part 4 5.3",
    )
    # Steps 4-8: closed again; the attempt after the minimum back-off is refused, the next
    # one comes after twice that wait.
    refused = ctx.csms.refuse_next_connection(ctx.dut.station_id)
    ctx.defer(lambda: _cancel(refused))
    n = ctx.connections()
    closed = time.monotonic()
    await s.close(1000, "the CSMS closes the connection")
    try:
        refused_at = await asyncio.wait_for(asyncio.shield(refused), deadline)
    except TimeoutError:
        raise ctx.fail(
            f"the station made no reconnection attempt within {deadline:g} s after the "
            f"connection was closed",
            requirement="Part 4 5.3",
        ) from None
    first = refused_at - closed
    ctx.check(
        first >= wait - TIMING_SLACK,
        f"the station tried to reconnect {first:.2f} s after the connection was closed; "
        f"RetryBackOffWaitMinimum is {wait} s",
        requirement="Part 4 5.3",
    )
    await ctx.station(after=n, timeout=2 * wait + ctx.dut.timeouts.connect)
    second = time.monotonic() - refused_at
    ctx.check(
        second >= 2 * wait - TIMING_SLACK,
        f"after the refused attempt the station tried again {second:.2f} s later; the "
        f"back-off doubles after a failed attempt, to {2 * wait} s",
        requirement="Part 4 5.3",
    )


async def _cancel(fut: asyncio.Future[float]) -> None:
    """Clean-up: an armed refusal the case did not use is withdrawn."""
    fut.cancel()


# -- network connection profile (B09) ---------------------------------------------------------


@testcase("TC_B_43_CS")
async def test_set_network_profile_rejected(ctx: CaseContext) -> None:
    """B09.FR.02: SetNetworkProfile for a configurationSlot the station does not have (999)
    is Rejected."""
    s = await states.booted(ctx)
    assert ctx.csms is not None
    timeout = await states.get_variable(ctx, s, "OCPPCommCtrlr", "MessageTimeout", "Default")
    result = await s.call(
        "SetNetworkProfile",
        {
            "configurationSlot": 999,
            "connectionData": {
                "messageTimeout": int(timeout.get("attributeValue") or 30),
                "ocppCsmsUrl": ctx.csms.url(),
                "ocppInterface": "Wired0",
                "ocppTransport": "JSON",
                "ocppVersion": "OCPP20",
                "securityProfile": ctx.dut.connection.security_profile,
            },
        },
    )
    ctx.check(
        result.get("status") == "Rejected",
        f"SetNetworkProfileResponse for configurationSlot 999 is {result.get('status')!r}, "
        f"expected Rejected",
        requirement="B09.FR.02",
    )
