"""OCPP 1.6, DUT = Central System: TriggerMessage (section 5.17), Remote Trigger profile."""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp16.csms import states

CONNECTOR = states.CONNECTOR


async def _trigger(
    ctx: CaseContext, st: MockStation, requested: str, connector: int | None = None
) -> Incoming:
    args: dict[str, object] = {"requested_message": requested}
    if connector is not None:
        args["connector_id"] = connector
    msg = await states.operator_request(ctx, st, "TriggerMessage", "trigger_message", **args)
    states.check_field(ctx, msg, "requestedMessage", requested, "the operator asked for it")
    return msg


@testcase("TC_054_CSMS", verbs=("trigger_message",))
async def test_trigger_message(ctx: CaseContext) -> None:
    """Section 5.17: each TriggerMessage the operator asks for (MeterValues, Heartbeat,
    StatusNotification, DiagnosticsStatusNotification, FirmwareStatusNotification) is
    Accepted and followed by that message, which the Central System confirms."""
    st = await states.booted_station(ctx)
    msg = await _trigger(ctx, st, "MeterValues", CONNECTOR)
    await msg.reply({"status": "Accepted"})
    meter = st.meter_value16(0, context="Trigger")
    await st.conn.call("MeterValues", {"connectorId": CONNECTOR, "meterValue": [meter]})
    msg = await _trigger(ctx, st, "Heartbeat")
    await msg.reply({"status": "Accepted"})
    await states.still_serving(ctx, st, "a triggered Heartbeat")
    msg = await _trigger(ctx, st, "StatusNotification", CONNECTOR)
    await msg.reply({"status": "Accepted"})
    await st.status16(CONNECTOR, "Available")
    msg = await _trigger(ctx, st, "DiagnosticsStatusNotification")
    await msg.reply({"status": "Accepted"})
    await st.conn.call("DiagnosticsStatusNotification", {"status": "Idle"})
    msg = await _trigger(ctx, st, "FirmwareStatusNotification")
    await msg.reply({"status": "Accepted"})
    await st.conn.call("FirmwareStatusNotification", {"status": "Idle"})


@testcase("TC_055_CSMS", verbs=("trigger_message",))
async def test_trigger_message_rejected(ctx: CaseContext) -> None:
    """Section 5.17: a TriggerMessage for MeterValues answered Rejected; the Central System
    takes it and goes on."""
    st = await states.booted_station(ctx)
    msg = await _trigger(ctx, st, "MeterValues")
    await msg.reply({"status": "Rejected"})
    await states.still_serving(ctx, st, "a rejected TriggerMessage")
