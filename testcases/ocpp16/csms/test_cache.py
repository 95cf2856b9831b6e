"""OCPP 1.6, DUT = Central System, Cache (Core profile)."""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp16.csms import states

CONNECTOR = states.CONNECTOR


@testcase("TC_007_CSMS")
async def test_start_with_cached_id(ctx: CaseContext) -> None:
    """OCPP 1.6 section 3.5.1: the idTag is in the charge point's Authorization Cache, so it
    sends StartTransaction without an Authorize first; the Central System accepts it."""
    st = await states.booted_station(ctx)
    await st.status16(CONNECTOR, "Preparing")
    await states.start_transaction(ctx, st, states.valid_id_tag(ctx))
    await st.status16(CONNECTOR, "Charging")


@testcase("TC_061_CSMS", verbs=("clear_cache",))
async def test_clear_cache(ctx: CaseContext) -> None:
    """OCPP 1.6 section 5.4: the operator clears the charge point's Authorization Cache; the
    Central System sends a (schema-valid, empty) ClearCache.req."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(ctx, st, "ClearCache", "clear_cache")
    await msg.reply({"status": "Accepted"})
