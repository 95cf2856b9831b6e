"""OCPP 1.6, DUT = charge point: transactions while the connection to the Central System is
lost, and the queued transaction messages after it is back (Core Profile - Offline
behavior), Core profile."""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from testcases.ocpp16.cs import states

OFFLINE_VERBS = ("plug_in", "unplug", "present_id_token", "go_offline", "go_online")


async def _offline_authorization(ctx: CaseContext, s: Session) -> None:
    """Configuration state of the offline cases: LocalAuthorizeOffline true, and the
    optional AuthorizationCacheEnabled / AllowOfflineTxForUnknownId true where implemented."""
    await states.configure(ctx, s, "LocalAuthorizeOffline", "true")
    for key in ("AuthorizationCacheEnabled", "AllowOfflineTxForUnknownId"):
        if await states.get_configuration(ctx, s, key) is not None:
            await states.configure(ctx, s, key, "true")


async def _go_offline(ctx: CaseContext, s: Session) -> int:
    """[Remove the connectivity between the Charge Point and the Central System]; the
    clean-up restores it. Returns the connection count to wait past for the reconnect."""
    n = ctx.connections()
    await ctx.operator.go_offline()

    async def online() -> None:
        await ctx.operator.go_online()

    ctx.defer(online)
    ctx.require(
        await s.wait_closed(ctx.timeouts.message),
        "the connection to the charge point did not go down after go_offline",
    )
    return n


async def _go_online(ctx: CaseContext, n: int) -> Session:
    """[Restore the connectivity]: the charge point reconnects, without a new boot."""
    await ctx.operator.go_online()
    s = await ctx.station(after=n)
    states.settled(s)
    return s


def _no_boot(ctx: CaseContext, s: Session) -> None:
    boots = s.received("BootNotification")
    ctx.check(
        not boots,
        "the charge point sent a BootNotification.req after a mere loss of connection; a "
        "boot is only for a (re)start (section 4.2)",
        frame=boots[0].text if boots else None,
    )


@testcase("TC_037_1_CS", verbs=OFFLINE_VERBS)
async def test_offline_start_valid_id(ctx: CaseContext) -> None:
    """Sections 3.5.1, 4.7: a transaction started offline with a cached valid idTag is
    reported with StartTransaction.req once the connection is back, then Charging."""
    s = await states.booted(ctx)
    await _offline_authorization(ctx, s)
    await states.fill_cache(ctx, s)
    n = await _go_offline(ctx, s)
    await states.plug_in(ctx)
    await states.present(ctx, states.valid_id_tag(ctx))
    s2 = await _go_online(ctx, n)
    await states.charging(ctx, s2)
    _no_boot(ctx, s2)


@testcase("TC_037_3_CS", verbs=OFFLINE_VERBS)
async def test_offline_start_invalid_id_stop(ctx: CaseContext) -> None:
    """Sections 4.7, 9.1.30 StopTransactionOnInvalidId true: a transaction started offline
    for an idTag unknown to the charge point is stopped (reason DeAuthorized) when the
    StartTransaction.conf says Invalid."""
    s = await states.booted(ctx)
    s2 = await _offline_start_unknown_id(ctx, s, stop=True)
    started = await states.transaction_started(ctx, s2, id_tag=states.invalid_id_tag(ctx))
    await states.transaction_stopped(
        ctx, s2, started, reason="DeAuthorized", since=started.start.received
    )
    await s2.expect(
        "StatusNotification",
        {"connectorId": states.CONNECTOR, "status": "Finishing"},
        why="the deauthorized transaction ended with the cable still in",
    )
    _no_boot(ctx, s2)


async def _offline_start_unknown_id(ctx: CaseContext, s: Session, stop: bool) -> Session:
    """Configuration and memory state of TC_037_2 / TC_037_3, then an offline start with
    the invalid idTag (unknown to the charge point); returns the connection after it."""
    await states.configure(ctx, s, "LocalAuthorizeOffline", "true")
    ctx.require(
        await states.get_configuration(ctx, s, "AllowOfflineTxForUnknownId") is not None,
        "the charge point does not implement AllowOfflineTxForUnknownId, so it cannot start "
        "a transaction for an unknown idTag offline",
    )
    await states.configure(ctx, s, "AllowOfflineTxForUnknownId", "true")
    await states.configure(ctx, s, "StopTransactionOnInvalidId", str(stop).lower())
    await s.call("ClearCache", {})  # memory state: the invalid idTag is unknown to it
    n = await _go_offline(ctx, s)
    await states.plug_in(ctx)
    await states.present(ctx, states.invalid_id_tag(ctx))
    return await _go_online(ctx, n)


@testcase("TC_037_2_CS", verbs=OFFLINE_VERBS)
async def test_offline_start_invalid_id_keep(ctx: CaseContext) -> None:
    """Sections 4.7, 9.1.30 StopTransactionOnInvalidId false: a transaction started offline
    for an idTag that StartTransaction.conf then calls Invalid is not stopped; the charge
    point stops the energy offer (SuspendedEVSE) and keeps the transaction."""
    s = await states.booted(ctx)
    s2 = await _offline_start_unknown_id(ctx, s, stop=False)
    started = await states.transaction_started(ctx, s2, id_tag=states.invalid_id_tag(ctx))
    await s2.expect(
        "StatusNotification",
        {"connectorId": states.CONNECTOR, "status": "SuspendedEVSE"},
        predicate=states.after(started.start.received),
        why="the idTag is Invalid and StopTransactionOnInvalidId is false, so the charge "
        "point suspends the energy offer",
    )
    stopped = states.stopped(s2, started)
    ctx.check(
        stopped is None,
        "the transaction was stopped although StopTransactionOnInvalidId is false",
        frame=stopped.text if stopped else None,
    )
    _no_boot(ctx, s2)


@testcase("TC_038_CS", verbs=OFFLINE_VERBS)
async def test_offline_stop(ctx: CaseContext) -> None:
    """Section 4.7: a transaction stopped locally while offline is reported with
    StopTransaction.req (reason Local) and Finishing once the connection is back."""
    s = await states.booted(ctx)
    started = await states.charging_session(ctx, s)
    n = await _go_offline(ctx, s)
    await states.present(ctx, started.id_tag, states.CONNECTOR)
    s2 = await _go_online(ctx, n)
    await states.transaction_stopped(ctx, s2, started, reason="Local")
    await states.status(ctx, s2, "Finishing", why="the transaction was stopped offline")
    _no_boot(ctx, s2)


@testcase("TC_039_CS", verbs=OFFLINE_VERBS)
async def test_offline_transaction(ctx: CaseContext) -> None:
    """Section 4.7: a whole transaction while offline (start, stop, unplug) is delivered in
    order after the reconnect: StartTransaction.req, then StopTransaction.req (reason Local)
    with the transactionId from the StartTransaction.conf."""
    s = await states.booted(ctx)
    await _offline_authorization(ctx, s)
    await states.fill_cache(ctx, s)
    n = await _go_offline(ctx, s)
    await states.plug_in(ctx)
    await states.present(ctx, states.valid_id_tag(ctx))
    await states.present(ctx, states.valid_id_tag(ctx), states.CONNECTOR)
    await states.unplug_unobserved(ctx)
    s2 = await _go_online(ctx, n)
    started = await states.transaction_started(ctx, s2)
    stop = await states.transaction_stopped(
        ctx, s2, started, reason="Local", since=started.start.received
    )
    ctx.check(
        stop.received > started.start.received,
        "StopTransaction.req came before the StartTransaction.req of its transaction",
    )
    _no_boot(ctx, s2)
