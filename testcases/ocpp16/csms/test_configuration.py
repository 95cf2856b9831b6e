"""OCPP 1.6, DUT = Central System, Configuration (happy flow and non-happy flow), Core.

The operator reads or changes configuration keys (OCPP 1.6 sections 5.3, 5.8 and 9.1); the
case checks the Central System's GetConfiguration / ChangeConfiguration and plays the answer a
correct charge point gives.
"""

from __future__ import annotations

from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp16.csms import states

UNKNOWN_KEY = "ConformanceUnknownKey"  # a key no charge point implements (TC_040_1)
INVALID_INTERVAL = "-1"  # MeterValueSampleInterval is a number of seconds >= 0 (TC_040_2)
METER_VALUE_SAMPLE_INTERVAL = "60"  # the value the official TC_021 sets


async def _change(ctx: CaseContext, st: MockStation, key: str, value: str) -> Incoming:
    msg = await states.operator_request(
        ctx, st, "ChangeConfiguration", "change_configuration", key=key, value=value
    )
    got: dict[str, Any] = msg.payload
    ctx.check(
        got.get("key") == key,
        f"ChangeConfiguration.req key is {got.get('key')!r}, but the operator changed {key!r}",
    )
    ctx.check(
        got.get("value") == value,
        f"ChangeConfiguration.req sets {key} to {got.get('value')!r}, but the operator asked "
        f"for {value!r}",
    )
    return msg


@testcase("TC_019_1_CSMS", verbs=("get_configuration",))
async def test_get_all_configuration_keys(ctx: CaseContext) -> None:
    """GetConfiguration.req without keys (all of them); the charge point reports every Core
    key with its accessibility (section 9.1)."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(ctx, st, "GetConfiguration", "get_configuration")
    ctx.check(
        not msg.payload.get("key"),
        f"GetConfiguration.req names keys {msg.payload.get('key')}, but the operator asked for "
        f"all configuration keys (key omitted or empty)",
    )
    await states.reply_default(st, msg)


@testcase("TC_019_2_CSMS", verbs=("get_configuration",))
async def test_get_specific_configuration_key(ctx: CaseContext) -> None:
    """GetConfiguration.req for <Configured configuration key> only."""
    st = await states.booted_station(ctx)
    key = ctx.dut.pixit.configuration_key
    msg = await states.operator_request(
        ctx, st, "GetConfiguration", "get_configuration", keys=[key]
    )
    ctx.check(
        msg.payload.get("key") == [key],
        f"GetConfiguration.req key is {msg.payload.get('key')}, but the operator asked for "
        f"[{key!r}] only",
    )
    await states.reply_default(st, msg)


@testcase("TC_021_CSMS", verbs=("change_configuration",))
async def test_change_configuration(ctx: CaseContext) -> None:
    """ChangeConfiguration.req sets MeterValueSampleInterval to 60; the charge point accepts."""
    st = await states.booted_station(ctx)
    msg = await _change(ctx, st, "MeterValueSampleInterval", METER_VALUE_SAMPLE_INTERVAL)
    await msg.reply({"status": "Accepted"})


@testcase("TC_040_1_CSMS", verbs=("change_configuration",))
async def test_change_unknown_key(ctx: CaseContext) -> None:
    """ChangeConfiguration.req for a key the charge point does not implement: NotSupported."""
    st = await states.booted_station(ctx)
    msg = await _change(ctx, st, UNKNOWN_KEY, "1")
    await msg.reply({"status": "NotSupported"})


@testcase("TC_040_2_CSMS", verbs=("change_configuration",))
async def test_change_invalid_value(ctx: CaseContext) -> None:
    """ChangeConfiguration.req with a value the key does not allow (a negative interval): the
    charge point answers Rejected (section 5.3) and keeps its value."""
    st = await states.booted_station(ctx)
    msg = await _change(ctx, st, "MeterValueSampleInterval", INVALID_INTERVAL)
    await msg.reply({"status": "Rejected"})
