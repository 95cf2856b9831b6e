"""OCPP 1.6, DUT = charge point: start and stop of local charging sessions and the
authorization cache (Start / Stop Charging Session, Cache blocks), Core profile."""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from testcases.ocpp16.cs import states

SESSION_VERBS = ("plug_in", "unplug", "present_id_token")


@testcase("TC_003_CS", verbs=SESSION_VERBS)
async def test_plugin_first(ctx: CaseContext) -> None:
    """Sections 3.5, 4.8, 4.9: cable first (Preparing), then an idTag (Authorize.req), then
    StartTransaction.req and Charging."""
    s = await states.booted(ctx)
    await states.charging_session(ctx, s)


@testcase("TC_004_1_CS", verbs=SESSION_VERBS)
async def test_identification_first(ctx: CaseContext) -> None:
    """Sections 3.5, 4.8: an idTag first (Authorize.req, Preparing), then the cable:
    StartTransaction.req and Charging."""
    s = await states.booted(ctx)
    await states.configure(
        ctx, s, "MeterValueSampleInterval", str(ctx.dut.pixit.meter_value_sample_interval)
    )
    await states.authorized_without_cable(ctx, s)
    t0 = await states.plug_in(ctx)
    await states.charging(ctx, s, since=t0)


@testcase("TC_004_2_CS", verbs=SESSION_VERBS)
async def test_identification_first_timeout(ctx: CaseContext) -> None:
    """Section 9.1.8 ConnectionTimeOut: an authorization without a cable is cancelled after
    ConnectionTimeOut seconds and the connector is Available again."""
    s = await states.booted(ctx)
    await states.configure(ctx, s, "ConnectionTimeOut", str(ctx.dut.pixit.ev_connection_timeout))
    preparing = await states.authorized_without_cable(ctx, s)
    await states.timed_out(ctx, s, preparing)


@testcase("TC_007_CS", verbs=SESSION_VERBS)
async def test_cached_id(ctx: CaseContext) -> None:
    """Sections 3.5.1, 9.1.20 LocalPreAuthorize: an idTag in the authorization cache starts
    a transaction without an Authorize.req."""
    s = await states.booted(ctx)
    await states.fill_cache(ctx, s)
    await states.configure(ctx, s, "LocalPreAuthorize", "true")
    t0 = await states.plug_in(ctx)
    await states.status(ctx, s, "Preparing", since=t0, why="the cable is in")
    t1 = await states.present(ctx, states.valid_id_tag(ctx))
    started = await states.charging(ctx, s, since=t1)
    asked = s.received("Authorize", since=t1)
    ctx.check(
        not asked,
        "the charge point sent an Authorize.req for an idTag in its authorization cache "
        "although LocalPreAuthorize is true; it must start from the cache (section 3.5.1)",
        frame=asked[0].text if asked else None,
    )
    ctx.check(
        started.start.received >= t1,
        "StartTransaction.req came before the idTag was presented",
    )


@testcase("TC_023_CS", verbs=SESSION_VERBS)
async def test_authorize_invalid(ctx: CaseContext) -> None:
    """Sections 3.5, 5.1: after Authorize.conf Invalid the charge point does not start a
    transaction when the cable is plugged in (the connector just goes Preparing)."""
    s = await states.booted(ctx)
    await states.configure(ctx, s, "LocalPreAuthorize", "true")
    await states.authorized(ctx, s, states.invalid_id_tag(ctx))
    t0 = await states.plug_in(ctx)
    await states.status(ctx, s, "Preparing", since=t0, why="the cable is in")
    await s.expect_none(
        "StartTransaction",
        during=ctx.timeouts.message,
        why="the idTag was answered Invalid, so no transaction may start",
    )


@testcase("TC_068_CS", verbs=SESSION_VERBS)
async def test_stop_same_id_tag(ctx: CaseContext) -> None:
    """Sections 3.5, 4.10: another idTag at the connector does not stop the transaction;
    the idTag that started it does, and StopTransaction.req carries it."""
    s = await states.booted(ctx)
    states.accept_second_tag(ctx, s, None)
    started = await states.charging_session(ctx, s)
    await states.present(ctx, ctx.dut.pixit.valid_idtoken_idtoken2, states.CONNECTOR)
    await s.expect_none(
        "StopTransaction",
        during=ctx.timeouts.message,
        why="an idTag other than the one that started the transaction was presented",
    )
    t0 = await states.present(ctx, started.id_tag, states.CONNECTOR)
    await states.transaction_stopped(
        ctx, s, started, reason="Local", since=t0, id_tag=started.id_tag
    )
    await states.status(ctx, s, "Finishing", since=t0, why="the transaction was stopped")


@testcase("TC_069_CS", verbs=SESSION_VERBS)
async def test_stop_same_parent_id_tag(ctx: CaseContext) -> None:
    """Sections 3.5.3, 4.10: an idTag with the same parentIdTag as the one that started the
    transaction is authorized and stops it; StopTransaction.req carries that idTag."""
    s = await states.booted(ctx)
    states.accept_second_tag(ctx, s, ctx.dut.pixit.group_idtoken)
    started = await states.charging_session(ctx, s)
    second = ctx.dut.pixit.valid_idtoken_idtoken2
    t0 = await states.present(ctx, second, states.CONNECTOR)
    auth = await s.expect(
        "Authorize", predicate=states.after(t0), why="an idTag was presented to stop"
    )
    ctx.check(
        auth.payload.get("idTag") == second,
        f"Authorize.req idTag is {auth.payload.get('idTag')!r}, expected {second!r}",
        frame=auth.text,
    )
    await states.transaction_stopped(ctx, s, started, reason="Local", since=t0, id_tag=second)
    await states.status(ctx, s, "Finishing", since=t0, why="the transaction was stopped")


async def _ev_side_config(ctx: CaseContext, s: Session, stop: bool, unlock: bool) -> None:
    await states.configure(ctx, s, "MinimumStatusDuration", "0")
    await states.configure(ctx, s, "StopTransactionOnEVSideDisconnect", str(stop).lower())
    await states.configure(ctx, s, "UnlockConnectorOnEVSideDisconnect", str(unlock).lower())


async def _ev_side_disconnect(ctx: CaseContext) -> float:
    t0 = time.monotonic()
    await ctx.operator.ev_side_disconnect(evse_id=states.CONNECTOR, connector_id=states.CONNECTOR)
    return t0


EV_SIDE_VERBS = (*SESSION_VERBS, "ev_side_disconnect")


@testcase("TC_005_1_CS", verbs=EV_SIDE_VERBS)
async def test_ev_side_disconnect_stop_unlock(ctx: CaseContext) -> None:
    """Section 9.1.29 StopTransactionOnEVSideDisconnect true: unplugging at the EV stops the
    transaction (reason EVDisconnected, Finishing); the cable can then be removed."""
    s = await states.booted(ctx)
    await _ev_side_config(ctx, s, stop=True, unlock=True)
    started = await states.charging_session(ctx, s)
    t0 = await _ev_side_disconnect(ctx)
    await states.transaction_stopped(ctx, s, started, reason="EVDisconnected", since=t0)
    await states.status(ctx, s, "Finishing", since=t0, why="the EV side was disconnected")
    await states.unplug(ctx, s)


@testcase("TC_005_2_CS", verbs=EV_SIDE_VERBS)
async def test_ev_side_disconnect_stop_no_unlock(ctx: CaseContext) -> None:
    """Sections 9.1.29, 9.1.33: the transaction stops at the EV-side disconnect, the cable
    stays locked until the Central System unlocks it with UnlockConnector."""
    s = await states.booted(ctx)
    await _ev_side_config(ctx, s, stop=True, unlock=False)
    started = await states.charging_session(ctx, s)
    t0 = await _ev_side_disconnect(ctx)
    await states.transaction_stopped(ctx, s, started, reason="EVDisconnected", since=t0)
    await states.status(ctx, s, "Finishing", since=t0, why="the EV side was disconnected")
    answer = await s.call("UnlockConnector", {"connectorId": states.CONNECTOR})
    ctx.check(
        answer.get("status") == "Unlocked",
        f"UnlockConnector.conf status is {answer.get('status')!r}, expected Unlocked",
    )
    await states.unplug(ctx, s)


@testcase("TC_005_3_CS", verbs=EV_SIDE_VERBS)
async def test_ev_side_disconnect_keep_transaction(ctx: CaseContext) -> None:
    """Section 9.1.29 StopTransactionOnEVSideDisconnect false: the transaction goes on
    (SuspendedEV) until the Central System stops it remotely."""
    s = await states.booted(ctx)
    await _ev_side_config(ctx, s, stop=False, unlock=False)
    started = await states.charging_session(ctx, s)
    t0 = await _ev_side_disconnect(ctx)
    await states.status(ctx, s, "SuspendedEV", since=t0, why="the EV side was disconnected")
    early = s.received("StopTransaction", since=t0)
    ctx.check(
        not early,
        "the charge point stopped the transaction at the EV-side disconnect although "
        "StopTransactionOnEVSideDisconnect is false",
        frame=early[0].text if early else None,
    )
    t1 = time.monotonic()
    answer = await s.call("RemoteStopTransaction", {"transactionId": started.transaction_id})
    ctx.check(
        answer.get("status") == "Accepted",
        f"RemoteStopTransaction.conf status is {answer.get('status')!r}, expected Accepted",
    )
    await states.transaction_stopped(ctx, s, started, reason="Remote", since=t1)
    await states.status(ctx, s, "Finishing", since=t1, why="the transaction was stopped")
    await states.unplug(ctx, s)


@testcase("TC_061_CS", verbs=SESSION_VERBS)
async def test_clear_cache(ctx: CaseContext) -> None:
    """Section 5.4 ClearCache: Accepted, and the cleared idTag is asked for again with an
    Authorize.req (even with LocalPreAuthorize true)."""
    s = await states.booted(ctx)
    await states.fill_cache(ctx, s)
    await states.configure(ctx, s, "LocalPreAuthorize", "true")
    answer = await s.call("ClearCache", {})
    ctx.check(
        answer.get("status") == "Accepted",
        f"ClearCache.conf status is {answer.get('status')!r}, expected Accepted",
    )
    preparing = await states.authorized_without_cable(ctx, s)
    await states.timed_out(ctx, s, preparing)


@testcase("TC_041_CS", verbs=(*SESSION_VERBS, "cause_fault", "clear_fault"))
async def test_fault_behavior(ctx: CaseContext) -> None:
    """Sections 4.9, 7.7 (Faulted): a connector in a fault state is reported Faulted with an
    errorCode, and an EV driver cannot start a transaction on it."""
    s = await states.booted(ctx)
    here = {"evse_id": states.CONNECTOR, "connector_id": states.CONNECTOR}
    t0 = time.monotonic()
    await ctx.operator.cause_fault(**here)

    async def clear() -> None:
        await ctx.operator.clear_fault(**here)

    faulted = await states.status(
        ctx, s, "Faulted", since=t0, why="the charge point was set in a fault state"
    )
    ctx.check(
        faulted.payload.get("errorCode") not in (None, "NoError"),
        f"the Faulted StatusNotification has errorCode {faulted.payload.get('errorCode')!r}; "
        f"a fault needs an errorCode other than NoError",
        frame=faulted.text,
    )
    await states.plug_in(ctx)
    ctx.defer(clear)  # runs before the clean-up unplugs the cable
    await states.present(ctx, states.valid_id_tag(ctx), states.CONNECTOR)
    await s.expect_none(
        "StartTransaction",
        during=ctx.timeouts.message,
        why="the connector is Faulted, so no transaction may start on it",
    )
