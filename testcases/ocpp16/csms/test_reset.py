"""OCPP 1.6, DUT = Central System, Resetting Happy Flow (Core profile)."""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp16.csms import states


async def _reset(ctx: CaseContext, kind: str) -> None:
    """OCPP 1.6 section 5.13: the operator resets the charge point with type `kind`; it
    accepts, reboots and registers again (BootNotification Accepted, StatusNotifications)."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(ctx, st, "Reset", "reset", type=kind)
    ctx.check(
        msg.payload.get("type") == kind,
        f"Reset.req type is {msg.payload.get('type')!r}, but the operator asked for a {kind} reset",
    )
    await msg.reply({"status": "Accepted"})
    again = await states.reconnect(ctx, st)
    await states.booted(ctx, again)


@testcase("TC_013_CSMS", verbs=("reset",))
async def test_hard_reset(ctx: CaseContext) -> None:
    """The Central System sends Reset.req type Hard and accepts the rebooted charge point."""
    await _reset(ctx, "Hard")


@testcase("TC_014_CSMS", verbs=("reset",))
async def test_soft_reset(ctx: CaseContext) -> None:
    """The Central System sends Reset.req type Soft and accepts the rebooted charge point."""
    await _reset(ctx, "Soft")
