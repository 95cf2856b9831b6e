"""OCPP 1.6, DUT = Central System, Power Failure and Offline behaviour (Non-Happy Flow), Core.

While offline a charge point queues its transaction messages and sends them, with their
original timestamps, when the connection is back (OCPP 1.6 sections 3.4, 4.7, 4.8, 4.10); after
a power failure it reboots and stops the transaction it lost (reason PowerLoss). The Central
System must accept these late messages for transactions it knows (or learns about now).
"""

from __future__ import annotations

import datetime as _dt

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp16.csms import states

CONNECTOR = states.CONNECTOR
OFFLINE_FOR = 120  # seconds: how long ago the offline period began, as the queued stamps say


def _ago(seconds: int) -> str:
    when = _dt.datetime.now(_dt.UTC) - _dt.timedelta(seconds=seconds)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@testcase("TC_032_1_CSMS")
async def test_power_failure_stops_transaction(ctx: CaseContext) -> None:
    """Charging; power is lost and back: BootNotification Accepted, StatusNotifications
    (the transaction's connector Finishing), then the queued StopTransaction, reason PowerLoss."""
    st = await states.booted_station(ctx)
    tx = await states.charging(ctx, st)
    again = await states.reconnect(ctx, st)
    again.cp.statuses[tx.connector_id] = "Finishing"
    await states.booted(ctx, again)
    res = await again.stop_transaction(tx, "PowerLoss", id_tag=tx.id_tag)
    states.check_id_tag_status(ctx, res, "StopTransaction.conf", tx.id_tag, "Accepted")


@testcase("TC_037_1_CSMS")
async def test_offline_start_valid_id_tag(ctx: CaseContext) -> None:
    """A transaction started offline with the valid idTag: after reconnecting, the queued
    StartTransaction (stamped when it happened) is Accepted, then Charging."""
    st = await states.booted_station(ctx)
    online = await states.reconnect(ctx, st)
    await states.start_transaction(
        ctx, online, states.valid_id_tag(ctx), timestamp=_ago(OFFLINE_FOR)
    )
    await online.status16(CONNECTOR, "Charging")


@testcase("TC_037_3_CSMS")
async def test_offline_start_invalid_id_tag(ctx: CaseContext) -> None:
    """A transaction started offline with an invalid idTag: the queued StartTransaction is
    answered Invalid, so the charge point (StopTransactionOnInvalidId true) stops it with
    reason DeAuthorized; Finishing."""
    st = await states.booted_station(ctx)
    online = await states.reconnect(ctx, st)
    tag = ctx.dut.pixit.invalid_idtoken_idtoken
    tx = await states.start_transaction(
        ctx, online, tag, expected="Invalid", timestamp=_ago(OFFLINE_FOR)
    )
    await online.stop_transaction(tx, "DeAuthorized")
    await online.status16(CONNECTOR, "Finishing")


@testcase("TC_039_CSMS")
async def test_offline_transaction(ctx: CaseContext) -> None:
    """A transaction started and stopped offline: after reconnecting, the queued
    StartTransaction is Accepted and the StopTransaction (reason Local) for the transactionId
    it got is confirmed."""
    st = await states.booted_station(ctx)
    online = await states.reconnect(ctx, st)
    tag = states.valid_id_tag(ctx)
    tx = await states.start_transaction(ctx, online, tag, timestamp=_ago(OFFLINE_FOR))
    tx.meter = tx.meter_start + 1000
    res = await online.stop_transaction(
        tx, "Local", id_tag=tag, timestamp=_ago(OFFLINE_FOR // 2), transaction_data=True
    )
    states.check_id_tag_status(ctx, res, "StopTransaction.conf", tag, "Accepted")
