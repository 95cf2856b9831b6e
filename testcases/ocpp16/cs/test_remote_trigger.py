"""OCPP 1.6, DUT = charge point: TriggerMessage (section 5.17), Remote Trigger profile."""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.ocppj import CallError
from conformance.session import Session
from testcases.ocpp16.cs import states

# What each triggered message must look like, checked on its payload; Diagnostics- and
# FirmwareStatusNotification are sent only if the charge point implements them.
OPTIONAL = ("DiagnosticsStatusNotification", "FirmwareStatusNotification")


async def _trigger(ctx: CaseContext, s: Session, requested: str, connector: int | None) -> str:
    payload: dict[str, object] = {"requestedMessage": requested}
    if connector is not None:
        payload["connectorId"] = connector
    answer = await s.call("TriggerMessage", payload)
    return str(answer.get("status"))


@testcase("TC_054_CS")
async def test_trigger_message(ctx: CaseContext) -> None:
    """Section 5.17: an Accepted TriggerMessage is followed by the requested message:
    MeterValues and StatusNotification for the requested connector, a Heartbeat, and (if
    implemented) DiagnosticsStatusNotification and FirmwareStatusNotification.

    HeartbeatInterval is first raised far beyond the wait, so the Heartbeat that arrives is
    the triggered one and not the next regular one."""
    s = await states.booted(ctx)
    quiet = int(100 * (ctx.timeouts.message + ctx.timeouts.response))
    await states.configure(ctx, s, "HeartbeatInterval", str(quiet))
    connector = states.CONNECTOR
    for requested, target in (
        ("MeterValues", connector),
        ("Heartbeat", None),
        ("StatusNotification", connector),
        *((name, None) for name in OPTIONAL),
    ):
        t0 = time.monotonic()
        status = await _trigger(ctx, s, requested, target)
        if requested in OPTIONAL and status == "NotImplemented":
            continue
        ctx.check(
            status == "Accepted",
            f"TriggerMessage.conf for {requested} is {status!r}, expected Accepted",
        )
        if status != "Accepted":
            continue
        match = {"connectorId": target} if target is not None else None
        msg = await s.expect(
            requested,
            match,
            predicate=states.after(t0),
            why=f"the Central System triggered a {requested}.req (section 5.17)",
        )
        if requested == "MeterValues":
            contexts = [
                v.get("context", "Sample.Periodic")
                for mv in msg.payload.get("meterValue") or []
                for v in mv.get("sampledValue") or []
            ]
            ctx.check(
                bool(contexts) and all(c == "Trigger" for c in contexts),
                f"the triggered MeterValues.req has sampled value context(s) {contexts}; a "
                f"reading sent because of a TriggerMessage has context Trigger",
                frame=msg.text,
            )


@testcase("TC_055_CS")
async def test_trigger_message_rejected(ctx: CaseContext) -> None:
    """Section 5.17: a TriggerMessage for MeterValues of a connector that does not exist
    (NumberOfConnectors + 1) is Rejected (or a CALLERROR) and no MeterValues.req follows."""
    s = await states.booted(ctx)
    count = await states.get_configuration(ctx, s, "NumberOfConnectors")
    ctx.require(
        count is not None and count.isdigit(),
        f"GetConfiguration.conf NumberOfConnectors is {count!r}, so the case cannot name a "
        f"connector that does not exist",
    )
    assert count is not None
    unknown = int(count) + 1
    t0 = time.monotonic()
    answer = await s.call_raw(
        "TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": unknown}
    )
    if not isinstance(answer, CallError):
        status = answer.payload.get("status")
        ctx.check(
            status == "Rejected",
            f"TriggerMessage.conf for MeterValues of the unknown connectorId {unknown} is "
            f"{status!r}, expected Rejected",
        )
    # A barrier instead of a fixed wait: a triggered message follows its TriggerMessage.conf,
    # so a MeterValues.req for the unknown connector would come before this Heartbeat.
    t1 = time.monotonic()
    if await _trigger(ctx, s, "Heartbeat", None) == "Accepted":
        await s.expect("Heartbeat", predicate=states.after(t1), why="a Heartbeat was triggered")
    sent = [
        m for m in s.received("MeterValues", since=t0) if m.payload.get("connectorId") == unknown
    ]
    ctx.check(
        not sent,
        f"the charge point sent a MeterValues.req for connectorId {unknown}, which does not "
        f"exist, after rejecting the TriggerMessage",
        frame=sent[0].text if sent else None,
    )
