"""OCPP 1.6, DUT = charge point: Cold Boot Charge Point (TC_001_CS, TC_002_CS), Core profile."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles.clock import now_iso
from conformance.session import Incoming, Session
from testcases.ocpp16.cs import states

TIMING_SLACK = states.TIMING_SLACK


def _boot_sequence(ctx: CaseContext, first: str) -> None:
    """Answer the next BootNotification with `first`, every later one Accepted, each with
    interval <Configured Heartbeat interval>."""
    interval = ctx.dut.pixit.heartbeat_interval
    answers = iter([first])

    def boot(_msg: Incoming) -> Mapping[str, Any]:
        return {"status": next(answers, "Accepted"), "currentTime": now_iso(), "interval": interval}

    states.answer_next_connections(ctx, "BootNotification", boot)


async def _retried_boot(
    ctx: CaseContext, s: Session, n: int, boot: Incoming, status: str
) -> tuple[Session, Incoming]:
    """The next BootNotification (on this connection or a new one), no sooner than the
    interval after the not-accepted answer, with nothing else sent in between."""
    interval = ctx.dut.pixit.heartbeat_interval
    assert boot.replied is not None
    wait = interval + ctx.timeouts.message
    # The retry comes on this connection, or the charge point closes it and reconnects to
    # retry (allowed): whichever happens first. A cancelled expect records no finding.
    retry_on_s = asyncio.ensure_future(
        s.expect("BootNotification", timeout=wait + 10, why="the boot is retried")
    )
    closed = asyncio.ensure_future(s.closed.wait())
    done, _ = await asyncio.wait(
        {retry_on_s, closed}, timeout=wait, return_when=asyncio.FIRST_COMPLETED
    )
    closed.cancel()
    if retry_on_s in done:
        retry, s2 = retry_on_s.result(), s
    else:
        retry_on_s.cancel()
        if not done:
            raise ctx.fail(
                f"no BootNotification.req was resent within {wait:g} s of the {status} answer "
                f"(interval {interval} s, section 4.2)"
            )
        s2 = await ctx.station(after=n, timeout=wait)
        retry = await s2.expect("BootNotification", why="the boot is retried")
    waited = retry.received - boot.replied
    ctx.check(
        waited >= interval - TIMING_SLACK,
        f"the BootNotification.req was resent {waited:.2f} s after the {status} answer; the "
        f"interval was {interval} s and the charge point must wait at least that long "
        f"(OCPP 1.6 section 4.2)",
    )
    others = [
        m
        for m in [*s.backlog, *(s2.backlog if s2 is not s else [])]
        if boot.replied < m.received < retry.received and m.action != "BootNotification"
    ]
    ctx.check(
        not others,
        f"while {status}, the charge point sent {[m.action for m in others]}; it must not send "
        f"requests other than BootNotification.req until it is accepted (section 4.2)",
        frame=others[0].text if others else None,
    )
    return s2, retry


async def _accepted_then_heartbeat(ctx: CaseContext, s: Session, boot: Incoming) -> None:
    """Steps after the Accepted boot: every connector and connectorId 0 Available, then a
    Heartbeat.req after the interval from the BootNotification.conf."""
    interval = ctx.dut.pixit.heartbeat_interval
    await states.connectors_reported(ctx, s, since=boot.received)
    assert boot.replied is not None
    hb = await s.expect(
        "Heartbeat",
        predicate=states.after(boot.received),
        timeout=interval + ctx.timeouts.message,
        why=f"a Heartbeat.req is due every {interval} s (the interval of the boot answer)",
    )
    waited = hb.received - boot.replied
    ctx.check(
        waited >= interval - TIMING_SLACK,
        f"the first Heartbeat.req came {waited:.2f} s after the accepted boot; the heartbeat "
        f"interval given was {interval} s (section 4.6)",
        frame=hb.text,
    )


@testcase("TC_001_CS", verbs=("power_cycle",))
async def test_cold_boot(ctx: CaseContext) -> None:
    """Sections 4.2, 4.6, 4.9: after a power cycle the first BootNotification is Rejected;
    the charge point stays silent for the interval, boots again, and once Accepted reports
    connectorId 0 and every connector Available and sends heartbeats at the interval."""
    await ctx.station()  # the current connection first: only the next ones get this answer
    _boot_sequence(ctx, "Rejected")
    n = ctx.connections()
    s, boot = await states.power_cycle(ctx)
    s2, retry = await _retried_boot(ctx, s, n + 1, boot, "Rejected")
    await _accepted_then_heartbeat(ctx, s2, retry)


@testcase("TC_002_CS", verbs=("power_cycle",))
async def test_cold_boot_pending(ctx: CaseContext) -> None:
    """Sections 4.2, 5.3, 5.8: a Pending charge point answers GetConfiguration and
    ChangeConfiguration, boots again after the interval and, once Accepted, reports its
    connectors and sends heartbeats."""
    await ctx.station()  # the current connection first: only the next ones get this answer
    _boot_sequence(ctx, "Pending")
    n = ctx.connections()
    s, boot = await states.power_cycle(ctx)
    key, value = "MeterValueSampleInterval", str(ctx.dut.pixit.meter_value_sample_interval)
    got = await s.call("GetConfiguration", {})
    known = {k.get("key"): k.get("value") for k in got.get("configurationKey") or []}
    ctx.check(
        key in known,
        f"GetConfiguration.conf while Pending does not list the Core key {key}",
    )
    changed = await s.call("ChangeConfiguration", {"key": key, "value": value})
    ctx.check(
        changed.get("status") == "Accepted",
        f"ChangeConfiguration {key}={value} while Pending was answered "
        f"{changed.get('status')!r}, expected Accepted",
    )
    old = known.get(key)
    if old is not None and old != value:

        async def restore() -> None:
            conn = await ctx.station()
            await conn.call("ChangeConfiguration", {"key": key, "value": str(old)})

        ctx.defer(restore)
    s2, retry = await _retried_boot(ctx, s, n + 1, boot, "Pending")
    await _accepted_then_heartbeat(ctx, s2, retry)
