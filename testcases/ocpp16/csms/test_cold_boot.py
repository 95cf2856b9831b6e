"""OCPP 1.6, DUT = Central System, Cold Boot Charge Point (Core profile)."""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp16.csms import states


@testcase("TC_001_CSMS")
async def test_cold_boot(ctx: CaseContext) -> None:
    """OCPP 1.6 sections 4.2, 4.6, 4.9: the Central System accepts a booting charge point with a
    heartbeat interval, confirms the StatusNotification of connectorId 0 and every connector,
    and answers a Heartbeat with its current time."""
    st = await ctx.mock_station()
    boot = await states.booted(ctx, st)
    ctx.check(
        int(boot.get("interval", 0)) > 0,
        f"BootNotification.conf Accepted with interval {boot.get('interval')}: an Accepted "
        f"answer sets the heartbeat interval, which must be a positive number of seconds",
    )
    res = await st.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"Heartbeat.conf has no currentTime: {res}")
