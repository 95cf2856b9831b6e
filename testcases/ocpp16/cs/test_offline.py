"""OCPP 1.6, DUT = charge point: transactions while the connection to the Central System is
lost, and the queued transaction messages after it is back (Core Profile - Offline
behavior), Core profile."""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
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


QUEUED_SAMPLES = 3  # [Wait till the charge point takes a few meter values (at least 3)]


def _periodic(m: Incoming) -> bool:
    """A MeterValues.req whose values are all sampled periodically (context omitted or
    Sample.Periodic), i.e. not a clock-aligned or triggered reading."""
    values = m.payload.get("meterValue") or []
    return bool(values) and all(
        sv.get("context", "Sample.Periodic") == "Sample.Periodic"
        for v in values
        for sv in v.get("sampledValue") or []
    )


def _stamps(ctx: CaseContext, msg: Incoming) -> list[float]:
    """The meterValue timestamps of `msg` (UTC seconds); a finding for any that is no
    date-time with a time zone."""
    out = []
    for v in msg.payload.get("meterValue") or []:
        try:
            stamp = _dt.datetime.fromisoformat(str(v.get("timestamp")))
        except ValueError:
            stamp = None
        if stamp is None or stamp.tzinfo is None:
            ctx.check(
                False,
                f"MeterValues.req timestamp {v.get('timestamp')!r} is no date-time with a "
                "time zone",
                frame=msg.text,
            )
            continue
        out.append(stamp.timestamp())
    return out


@testcase(
    "TC_036_CS", verbs=("plug_in", "unplug", "present_id_token", "go_offline_for", "go_online")
)
async def test_connection_loss_during_transaction(ctx: CaseContext) -> None:
    """Sections 3.16.1, 4.7: sampled meter values of a transaction taken while the connection
    is lost are queued and, once it is back, all delivered in chronological order before any
    new ones, one MeterValueSampleInterval apart (format Raw, context Sample.Periodic)."""
    s = await states.booted(ctx)
    interval = ctx.dut.pixit.meter_value_sample_interval
    ctx.require(
        interval > 0,
        "pixit.meter_value_sample_interval is 0: the charge point would take no sampled meter "
        "values to queue",
    )
    await states.configure(ctx, s, "MeterValueSampleInterval", str(interval))
    await states.configure(ctx, s, "ClockAlignedDataInterval", "0")
    started = await states.charging_session(ctx, s)
    tolerance = max(0.25, interval * 0.1)
    # The last meter value the Central System gets before the connection is lost: the queued
    # ones must follow it without a gap.
    last = await s.expect(
        "MeterValues",
        {"connectorId": started.connector, "transactionId": started.transaction_id},
        predicate=lambda m: _periodic(m) and m.received >= started.start.received,
        timeout=interval + ctx.timeouts.message,
        why=f"sampled meter values are due every {interval} s during the transaction",
    )
    last_stamps = _stamps(ctx, last)
    ctx.require(bool(last_stamps), "the sampled MeterValues.req carries no usable timestamp")
    n = ctx.connections()
    offline = QUEUED_SAMPLES * interval + interval / 2
    await ctx.operator.go_offline_for(seconds=offline)

    async def online() -> None:
        await ctx.operator.go_online()

    ctx.defer(online)
    ctx.require(
        await s.wait_closed(ctx.timeouts.message),
        "the connection to the charge point did not go down after go_offline_for",
    )
    s2 = await ctx.station(after=n, timeout=offline + ctx.dut.timeouts.connect)
    back = time.monotonic()
    states.settled(s2)
    _no_boot(ctx, s2)
    # Sampled while the Central System could not be reached: due between the last value it
    # got and the reconnect.
    due = math.floor((back - last.received - tolerance) / interval)
    ctx.require(
        due >= QUEUED_SAMPLES,
        f"the charge point was back after {back - last.received:.2f} s, before it could take "
        f"{QUEUED_SAMPLES} meter values offline (connectivity was removed for {offline:g} s)",
    )
    queued: list[Incoming] = []
    for _ in range(due):
        queued.append(
            await s2.expect(
                "MeterValues",
                {"connectorId": started.connector},
                predicate=_periodic,
                why="the meter values queued while offline are sent once the connection is back",
            )
        )
    chain = [last_stamps[-1]]
    for msg in queued:
        ctx.check(
            msg.payload.get("transactionId") == started.transaction_id,
            f"a queued MeterValues.req carries transactionId "
            f"{msg.payload.get('transactionId')!r}, expected {started.transaction_id}",
            frame=msg.text,
        )
        for v in msg.payload.get("meterValue") or []:
            for sv in v.get("sampledValue") or []:
                ctx.check(
                    sv.get("format", "Raw") == "Raw",
                    f"sampledValue.format is {sv.get('format')!r}, expected Raw or omitted",
                    frame=msg.text,
                )
        chain.extend(_stamps(ctx, msg))
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(chain)]
    ctx.check(
        all(abs(g - interval) <= tolerance for g in gaps),
        f"after the reconnect the first {due} sampled meter values are {gaps} s apart from the "
        f"last one before the connection loss and from each other; all values sampled while "
        f"offline must come first, in chronological order, {interval} s apart (section 4.7)",
    )
    late = [round(t - chain[0], 3) for t in chain[1:] if t - chain[0] > back - last.received]
    ctx.check(
        not late,
        f"of the first {due} meter values after the reconnect, the ones sampled {late} s after "
        f"the last one before the connection loss were taken after the reconnect "
        f"({back - last.received:.2f} s): meter values sampled offline are missing or came "
        "after new ones",
    )
