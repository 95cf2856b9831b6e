"""OCPP 1.6, DUT = charge point: sampled and clock-aligned meter values during a transaction
(Meter values block), Core profile."""

from __future__ import annotations

import datetime as _dt
import itertools

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from testcases.ocpp16.cs import states

SESSION_VERBS = ("plug_in", "unplug", "present_id_token")
DEFAULT_MEASURAND = "Energy.Active.Import.Register"
SAMPLES = 3  # the tool watches three intervals


def _when(ctx: CaseContext, msg: Incoming, value: dict[str, object]) -> float | None:
    try:
        stamp = _dt.datetime.fromisoformat(str(value.get("timestamp")))
    except ValueError:
        ctx.check(False, f"MeterValues timestamp {value.get('timestamp')!r} is no date-time")
        return None
    if stamp.tzinfo is None:
        ctx.check(False, f"MeterValues timestamp {value.get('timestamp')!r} has no time zone")
        return None
    return stamp.timestamp()


async def _measurands(ctx: CaseContext, s: Session, key: str) -> list[str]:
    """Reusable state "GetConfiguration for key <key>": the configured measurands."""
    value = await states.get_configuration(ctx, s, key)
    ctx.require(value is not None, f"GetConfiguration does not report the Core key {key}")
    return [m.strip() for m in str(value).split(",") if m.strip()] or [DEFAULT_MEASURAND]


async def _collect(
    ctx: CaseContext, s: Session, since: float, interval: int, context: str
) -> list[tuple[Incoming, dict[str, object]]]:
    """The next SAMPLES MeterValues.req of the connector whose values carry `context`."""

    def wanted(m: Incoming) -> bool:
        values = m.payload.get("meterValue") or []
        return m.received >= since and any(
            sv.get("context", "Sample.Periodic") == context
            for v in values
            for sv in v.get("sampledValue") or []
        )

    out: list[tuple[Incoming, dict[str, object]]] = []
    for _ in range(SAMPLES):
        msg = await s.expect(
            "MeterValues",
            {"connectorId": states.CONNECTOR},
            predicate=wanted,
            timeout=interval + ctx.timeouts.message,
            why=f"{context} meter values are due every {interval} s",
        )
        out.extend((msg, dict(v)) for v in msg.payload.get("meterValue") or [])
    return out


def _check_values(
    ctx: CaseContext,
    values: list[tuple[Incoming, dict[str, object]]],
    context: str,
    measurands: list[str],
) -> None:
    for msg, value in values:
        sampled = value.get("sampledValue")
        assert isinstance(sampled, list)
        got = {str(sv.get("measurand", DEFAULT_MEASURAND)) for sv in sampled}
        missing = [m for m in measurands if m not in got]
        ctx.check(
            not missing,
            f"MeterValues.req lacks a sampledValue for the configured measurand(s) {missing}",
            frame=msg.text,
        )
        for sv in sampled:
            ctx.check(
                sv.get("context", "Sample.Periodic") == context,
                f"sampledValue.context is {sv.get('context')!r}, expected {context}",
                frame=msg.text,
            )
            ctx.check(
                sv.get("format", "Raw") == "Raw",
                f"sampledValue.format is {sv.get('format')!r}, expected Raw or omitted",
                frame=msg.text,
            )
            ctx.check(
                sv.get("location") != "EV" or sv.get("measurand") == "SoC",
                "a sampledValue other than SoC has location EV",
                frame=msg.text,
            )


def _check_spacing(
    ctx: CaseContext, values: list[tuple[Incoming, dict[str, object]]], interval: int, what: str
) -> list[float]:
    stamps = [t for m, v in values if (t := _when(ctx, m, v)) is not None]
    tolerance = max(0.25, interval * 0.1)
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(stamps)]
    ctx.check(
        all(abs(g - interval) <= tolerance for g in gaps),
        f"the {what} meter value timestamps are {gaps} s apart; the interval is {interval} s",
    )
    return stamps


@testcase("TC_070_CS", verbs=SESSION_VERBS)
async def test_sampled_meter_values(ctx: CaseContext) -> None:
    """Sections 3.16.1, 4.7, 9.1.15: during a transaction MeterValues.req come every
    MeterValueSampleInterval seconds, with the transactionId, context Sample.Periodic and a
    value for every measurand of MeterValuesSampledData."""
    s = await states.booted(ctx)
    interval = ctx.dut.pixit.meter_value_sample_interval
    await states.configure(ctx, s, "MeterValueSampleInterval", str(interval))
    await states.configure(ctx, s, "ClockAlignedDataInterval", "0")
    measurands = await _measurands(ctx, s, "MeterValuesSampledData")
    started = await states.charging_session(ctx, s)
    values = await _collect(ctx, s, started.start.received, interval, "Sample.Periodic")
    for msg in {m.seq: m for m, _v in values}.values():
        ctx.check(
            msg.payload.get("transactionId") == started.transaction_id,
            f"sampled MeterValues.req during the transaction carries transactionId "
            f"{msg.payload.get('transactionId')!r}, expected {started.transaction_id}",
            frame=msg.text,
        )
    _check_values(ctx, values, "Sample.Periodic", measurands)
    _check_spacing(ctx, values, interval, "sampled")


@testcase("TC_071_CS", verbs=SESSION_VERBS)
async def test_clock_aligned_meter_values(ctx: CaseContext) -> None:
    """Sections 3.16.2, 9.1.4 ClockAlignedDataInterval: MeterValues.req come at clock times
    that are a multiple of the interval after midnight, with context Sample.Clock and a value
    for every measurand of MeterValuesAlignedData."""
    s = await states.booted(ctx)
    interval = ctx.dut.pixit.clock_aligned_data_interval
    await states.configure(ctx, s, "MeterValueSampleInterval", "0")
    await states.configure(ctx, s, "ClockAlignedDataInterval", str(interval))
    measurands = await _measurands(ctx, s, "MeterValuesAlignedData")
    started = await states.charging_session(ctx, s)
    values = await _collect(ctx, s, started.start.received, interval, "Sample.Clock")
    _check_values(ctx, values, "Sample.Clock", measurands)
    stamps = _check_spacing(ctx, values, interval, "clock-aligned")
    tolerance = min(0.25, interval / 4)
    off = [
        round(t % interval, 3)
        for t in stamps
        if min(t % interval, interval - t % interval) > tolerance
    ]
    ctx.check(
        not off,
        f"clock-aligned meter values are {off} s off the aligned clock times (multiples of "
        f"{interval} s after midnight)",
    )
