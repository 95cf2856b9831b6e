"""OCPP 2.0.1, DUT = charging station, functional block J (MeterValues), Core profile.

Clock-aligned (J01, AlignedDataCtrlr) and sampled (J02, SampledDataCtrlr) meter values. Every
variable a case needs is set over OCPP first and restored afterwards. Intervals come from the
profile: <Configured clock-aligned Meter Values interval> (and its TxEnded interval) is
`clock_aligned_data_interval`, <Configured sampled Meter Values interval> is
`meter_value_sample_interval`. The official "wait for <Configured transaction duration>" is
replaced by waiting for the station's own periodic messages: the transaction runs until two
readings have been reported, so no case sleeps.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import time
from collections.abc import Iterable
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import states

_TX_VERBS = ("plug_in", "present_id_token", "unplug")

# Two measurands every energy meter has: set as the configured list where the station takes it.
MEASURANDS = "Energy.Active.Import.Register,Power.Active.Import"
# How far a reported reading may be from the clock-aligned / sampled moment (s): the reading is
# taken at that moment, the timestamp may carry the meter's milliseconds.
TIMESTAMP_SLACK = 0.5


def _aligned_interval(ctx: CaseContext) -> int:
    return max(1, ctx.dut.pixit.clock_aligned_data_interval)


def _sampled_interval(ctx: CaseContext) -> int:
    return max(1, ctx.dut.pixit.meter_value_sample_interval)


def _epoch(stamp: Any) -> float | None:
    try:
        return _dt.datetime.fromisoformat(str(stamp)).timestamp()
    except ValueError:
        return None


async def _measurands(ctx: CaseContext, s: Session, component: str, variable: str) -> list[str]:
    """Configuration state: `component.variable` lists the measurands to report. The case sets
    two (restored afterwards) where the station takes them, and returns what it then reads."""
    await states.try_configure(ctx, s, component, variable, MEASURANDS)
    current = await states.get_variable(ctx, s, component, variable)
    ctx.require(
        current.get("attributeStatus") == "Accepted",
        f"configuration step: GetVariables {component}.{variable} was answered "
        f"{current.get('attributeStatus')!r}; the case needs the configured measurands",
    )
    listed = [m.strip() for m in str(current.get("attributeValue", "")).split(",") if m.strip()]
    return listed or ["Energy.Active.Import.Register"]


def _check_values(
    ctx: CaseContext,
    msg: Incoming,
    values: Iterable[dict[str, Any]],
    *,
    context: str,
    measurands: list[str],
    what: str,
    requirement: str,
) -> None:
    """Tool validations of meter values: each sampledValue says `context` and each MeterValue
    holds an element per configured measurand."""
    for value in values:
        sampled = value.get("sampledValue") or []
        contexts = sorted({str(v.get("context", "Sample.Periodic")) for v in sampled})
        ctx.check(
            contexts == [context],
            f"{what}: sampledValue context {contexts}, expected {context}",
            requirement=requirement,
            frame=msg.text,
        )
        got = {str(v.get("measurand", "Energy.Active.Import.Register")) for v in sampled}
        missing = [m for m in measurands if m not in got]
        ctx.check(
            not missing,
            f"{what}: the MeterValue at {value.get('timestamp')} lacks the configured "
            f"measurand(s) {missing} (it has {sorted(got)})",
            requirement=requirement,
            frame=msg.text,
        )


def _check_spacing(
    ctx: CaseContext, stamps: list[float], interval: int, what: str, requirement: str
) -> None:
    """Consecutive readings are a whole number of intervals apart."""
    for a, b in itertools.pairwise(stamps):
        steps = (b - a) / interval
        ctx.check(
            steps >= 1 - TIMESTAMP_SLACK / interval
            and abs(steps - round(steps)) * interval <= TIMESTAMP_SLACK,
            f"{what}: readings {b - a:.3f} s apart, expected a multiple of the {interval} s "
            f"interval",
            requirement=requirement,
        )


def _check_clock_aligned(
    ctx: CaseContext, msg: Incoming, stamp: Any, interval: int, requirement: str
) -> None:
    """A clock-aligned reading is taken at a multiple of the interval since midnight."""
    t = _epoch(stamp)
    off = None if t is None else min(t % interval, interval - t % interval)
    ctx.check(
        off is not None and off <= TIMESTAMP_SLACK,
        f"clock-aligned reading has timestamp {stamp!r}, not at a multiple of the {interval} s "
        f"interval since midnight",
        requirement=requirement,
        frame=msg.text,
    )


def _is_clock_event(m: Incoming) -> bool:
    return m.payload.get("triggerReason") == "MeterValueClock"


def _is_periodic_event(m: Incoming) -> bool:
    return m.payload.get("triggerReason") == "MeterValuePeriodic"


async def _ended(ctx: CaseContext, s: Session, tx_id: str) -> Incoming:
    """EVDisconnected: the cable goes, the transaction ends; returns its Ended event."""
    await states.unplug(ctx, s)
    ended = [
        m
        for m in s.received("TransactionEvent")
        if m.payload.get("eventType") == "Ended"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]
    ctx.require(bool(ended), f"transaction {tx_id} did not end when the cable was unplugged")
    return ended[0]


# -- clock-aligned (J01) ------------------------------------------------------------------------


@testcase("TC_J_01_CS")
async def test_clock_aligned_idle(ctx: CaseContext) -> None:
    """J01.FR.01-J01.FR.03, J01.FR.06-J01.FR.08, J01.FR.14, J01.FR.15: with
    AlignedDataCtrlr.Interval set and no transaction, the station sends MeterValuesRequests
    (per EVSE and/or evseId 0, the main meter) with context Sample.Clock, an element per
    configured measurand, at clock-aligned moments; three messages are checked."""
    s = await states.booted(ctx)
    interval = _aligned_interval(ctx)
    measurands = await _measurands(ctx, s, "AlignedDataCtrlr", "Measurands")
    t0 = time.monotonic()
    await states.configure(ctx, s, "AlignedDataCtrlr", "Interval", str(interval))
    by_evse: dict[int, list[float]] = {}
    evse_ids = {0, *ctx.dut.pixit.evse_ids}
    for _ in range(3):
        msg = await s.expect(
            "MeterValues",
            predicate=states.after(t0),
            timeout=interval + ctx.timeouts.message,
            why=f"AlignedDataCtrlr.Interval is {interval} s",
        )
        evse_id = msg.payload.get("evseId")
        ctx.check(
            evse_id in evse_ids,
            f"MeterValuesRequest for evseId {evse_id!r}; the station has EVSEs "
            f"{sorted(evse_ids - {0})} and 0 (the main meter)",
            frame=msg.text,
        )
        values = msg.payload.get("meterValue") or []
        _check_values(
            ctx,
            msg,
            values,
            context="Sample.Clock",
            measurands=measurands,
            what=f"clock-aligned MeterValuesRequest (evseId {evse_id})",
            requirement="J01.FR.06",
        )
        for value in values:
            _check_clock_aligned(ctx, msg, value.get("timestamp"), interval, "J01.FR.01")
            t = _epoch(value.get("timestamp"))
            if t is not None and isinstance(evse_id, int):
                by_evse.setdefault(evse_id, []).append(t)
    for evse_id, stamps in by_evse.items():
        _check_spacing(
            ctx, stamps, interval, f"clock-aligned readings of evseId {evse_id}", "J01.FR.01"
        )


async def _clock_event(
    ctx: CaseContext, s: Session, tx_id: str, since: float, interval: int
) -> Incoming:
    return await s.expect(
        "TransactionEvent",
        {"transactionInfo": {"transactionId": tx_id}},
        predicate=lambda m: m.received >= since and _is_clock_event(m),
        timeout=interval + ctx.timeouts.message,
        why=f"AlignedDataCtrlr.Interval is {interval} s and the transaction is running, so its "
        f"clock-aligned readings come in TransactionEvents (triggerReason MeterValueClock)",
    )


@testcase("TC_J_02_CS", verbs=_TX_VERBS)
async def test_clock_aligned_transaction(ctx: CaseContext) -> None:
    """J01.FR.01-J01.FR.03, J01.FR.06-J01.FR.08, J01.FR.14, J01.FR.15: during a transaction
    the clock-aligned readings of its EVSE come in TransactionEvents (Updated, triggerReason
    MeterValueClock, context Sample.Clock, an element per configured measurand), not in
    MeterValuesRequests."""
    s = await states.booted(ctx)
    interval = _aligned_interval(ctx)
    measurands = await _measurands(ctx, s, "AlignedDataCtrlr", "Measurands")
    await states.configure_if_implemented(ctx, s, "AlignedDataCtrlr", "SendDuringIdle", "false")
    tx_id = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    await states.configure(ctx, s, "AlignedDataCtrlr", "Interval", str(interval))
    events = [await _clock_event(ctx, s, tx_id, t0, interval) for _ in range(2)]
    stamps = []
    for msg in events:
        states.check_tx_event(ctx, msg, event_type="Updated", requirement="J01.FR.07")
        values = msg.payload.get("meterValue") or []
        _check_values(
            ctx,
            msg,
            values,
            context="Sample.Clock",
            measurands=measurands,
            what="clock-aligned TransactionEvent",
            requirement="J01.FR.06",
        )
        for value in values:
            _check_clock_aligned(ctx, msg, value.get("timestamp"), interval, "J01.FR.01")
            t = _epoch(value.get("timestamp"))
            if t is not None:
                stamps.append(t)
    _check_spacing(ctx, stamps, interval, "clock-aligned transaction readings", "J01.FR.01")
    wrong = [
        m for m in s.received("MeterValues", since=t0) if m.payload.get("evseId") == states.EVSE
    ]
    ctx.check(
        not wrong,
        f"a MeterValuesRequest came for EVSE {states.EVSE} during its transaction; "
        f"transaction-related meter values go in TransactionEvents only",
        requirement="J01.FR.14",
        frame=wrong[0].text if wrong else None,
    )


async def _clock_aligned_ended(ctx: CaseContext, *, signed: bool) -> None:
    """AlignedDataCtrlr.TxEndedInterval set: the Ended event carries a clock-aligned reading
    per TxEndedInterval of the transaction (context Sample.Clock, TxEndedMeasurands) and the
    last reading says Transaction.End. The transaction runs until the station has reported two
    clock-aligned moments (AlignedDataCtrlr.Interval is set to the same interval for that)."""
    s = await states.booted(ctx)
    interval = _aligned_interval(ctx)
    measurands = await _measurands(ctx, s, "AlignedDataCtrlr", "TxEndedMeasurands")
    await states.configure_if_implemented(ctx, s, "AlignedDataCtrlr", "SendDuringIdle", "false")
    if signed:
        await states.configure(
            ctx, s, "AlignedDataCtrlr", "SignReadings", "true", prerequisite=True
        )
    await states.configure(ctx, s, "AlignedDataCtrlr", "TxEndedInterval", str(interval))
    await states.configure(ctx, s, "AlignedDataCtrlr", "Interval", str(interval))
    tx_id = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    for _ in range(2):
        await _clock_event(ctx, s, tx_id, t0, interval)
    ended = await _ended(ctx, s, tx_id)
    meter = ended.payload.get("meterValue") or []
    clock = [
        v
        for v in meter
        if any(x.get("context") == "Sample.Clock" for x in v.get("sampledValue") or [])
    ]
    ctx.check(
        bool(clock),
        f"the Ended TransactionEvent has {len(meter)} MeterValue(s), none with context "
        f"Sample.Clock; with AlignedDataCtrlr.TxEndedInterval {interval} s and two clock-aligned "
        f"moments during the transaction it must carry their readings",
        requirement="J01.FR.14",
        frame=ended.text,
    )
    _check_values(
        ctx,
        ended,
        clock,
        context="Sample.Clock",
        measurands=measurands,
        what="clock-aligned reading in the Ended TransactionEvent",
        requirement="J01.FR.15",
    )
    for value in clock:
        _check_clock_aligned(ctx, ended, value.get("timestamp"), interval, "J01.FR.14")
    stamps = [t for t in (_epoch(v.get("timestamp")) for v in clock) if t is not None]
    _check_spacing(ctx, stamps, interval, "clock-aligned readings of the Ended event", "J01.FR.14")
    last = (meter[-1].get("sampledValue") or [{}]) if meter else [{}]
    ctx.check(
        bool(meter) and last[0].get("context") == "Transaction.End",
        f"the last MeterValue of the Ended TransactionEvent says context "
        f"{last[0].get('context')!r}, expected Transaction.End",
        frame=ended.text,
    )
    if signed:
        unsigned = [
            v.get("timestamp")
            for v in clock
            if not any("signedMeterValue" in x for x in v.get("sampledValue") or [])
        ]
        ctx.check(
            not unsigned,
            f"AlignedDataCtrlr.SignReadings is true, yet the clock-aligned readings at "
            f"{unsigned} carry no signedMeterValue",
            requirement="J01.FR.21",
            frame=ended.text,
        )


@testcase("TC_J_03_CS", verbs=_TX_VERBS)
async def test_clock_aligned_tx_ended(ctx: CaseContext) -> None:
    """J01.FR.01-J01.FR.03, J01.FR.06-J01.FR.08, J01.FR.14, J01.FR.15, E06.FR.11: the Ended
    TransactionEvent carries the clock-aligned readings of AlignedDataCtrlr.TxEndedInterval."""
    await _clock_aligned_ended(ctx, signed=False)


@testcase("TC_J_04_CS", verbs=_TX_VERBS)
async def test_clock_aligned_tx_ended_signed(ctx: CaseContext) -> None:
    """J01.FR.21: with AlignedDataCtrlr.SignReadings true (prerequisite: the station takes it)
    the clock-aligned readings of the Ended TransactionEvent carry signedMeterValue."""
    await _clock_aligned_ended(ctx, signed=True)


@testcase("TC_J_06_CS", verbs=_TX_VERBS)
async def test_clock_aligned_not_during_transaction(ctx: CaseContext) -> None:
    """AlignedDataCtrlr.SendDuringIdle (J01): with SendDuringIdle true (prerequisite) the
    station sends no clock-aligned readings while a transaction runs, and sends them again once
    it is idle."""
    s = await states.booted(ctx)
    interval = _aligned_interval(ctx)
    await states.configure(ctx, s, "AlignedDataCtrlr", "SendDuringIdle", "true", prerequisite=True)
    tx_id = await states.charging_session(ctx, s)
    await states.configure(ctx, s, "AlignedDataCtrlr", "Interval", str(interval))
    window = interval + TIMESTAMP_SLACK  # holds at least one clock-aligned moment
    await s.expect_none(
        "MeterValues",
        during=window,
        why="AlignedDataCtrlr.SendDuringIdle is true and a transaction is running",
    )
    clock = [m for m in s.received("TransactionEvent") if _is_clock_event(m)]
    ctx.check(
        not clock,
        "a clock-aligned TransactionEvent (MeterValueClock) came during the transaction although "
        "AlignedDataCtrlr.SendDuringIdle is true",
        frame=clock[0].text if clock else None,
    )
    await _ended(ctx, s, tx_id)
    t1 = time.monotonic()
    await s.expect(
        "MeterValues",
        predicate=states.after(t1),
        timeout=interval + ctx.timeouts.message,
        why=f"the station is idle again and AlignedDataCtrlr.Interval is {interval} s",
    )


# -- sampled (J02) ------------------------------------------------------------------------------


@testcase("TC_J_07_CS", verbs=_TX_VERBS)
async def test_sampled_started(ctx: CaseContext) -> None:
    """J02.FR.01-J02.FR.04, J02.FR.10, E01.FR.09/E02.FR.09: the Started TransactionEvent
    carries a meterValue with context Transaction.Begin and an element per
    SampledDataCtrlr.TxStartedMeasurands measurand (the EVSE is known when it starts)."""
    s = await states.booted(ctx)
    points = await states.get_variable(ctx, s, "TxCtrlr", "TxStartPoint")
    start_points = str(points.get("attributeValue", "")).split(",")
    if "ParkingBayOccupancy" in start_points or "ParkingBayOccupied" in start_points:
        await states.tx_start_point(ctx, s, "EVConnected")
    measurands = await _measurands(ctx, s, "SampledDataCtrlr", "TxStartedMeasurands")
    states.end_transactions_afterwards(ctx)
    t0 = time.monotonic()
    await states.charging_session(ctx, s)
    begun = [
        m
        for m in s.received("TransactionEvent", since=t0)
        if m.payload.get("eventType") == "Started"
    ]
    ctx.require(bool(begun), "no Started TransactionEvent came although the transaction started")
    started = begun[0]
    meter = started.payload.get("meterValue") or []
    ctx.require(
        bool(meter),
        "the Started TransactionEvent carries no meterValue; its Transaction.Begin reading "
        "(SampledDataCtrlr.TxStartedMeasurands) is due there",
        requirement="J02.FR.10",
    )
    _check_values(
        ctx,
        started,
        meter,
        context="Transaction.Begin",
        measurands=measurands,
        what="Started TransactionEvent",
        requirement="J02.FR.10",
    )


@testcase("TC_J_08_CS", verbs=_TX_VERBS)
async def test_sampled_begin_evse_not_known(ctx: CaseContext) -> None:
    """J02.FR.01-J02.FR.04, J02.FR.10, E03.FR.11: with TxStartPoint Authorized and more than
    one EVSE, an idToken presented at the station's reader before any cable starts a
    transaction whose EVSE is not known yet; the Transaction.Begin reading (an element per
    SampledDataCtrlr.TxStartedMeasurands measurand) comes in the Updated TransactionEvent
    that names the EVSE once the EV is connected (EnergyTransferStarted)."""
    if len(ctx.dut.pixit.evse_ids) < 2:
        raise NotApplicable("prerequisite not met: the station has only one EVSE")
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    await states.tx_start_point(ctx, s, "Authorized")
    measurands = await _measurands(ctx, s, "SampledDataCtrlr", "TxStartedMeasurands")
    # Authorized (local), at no particular EVSE: the EVSE is chosen by plugging in the cable.
    token = states.valid_token(ctx)
    t0 = time.monotonic()
    await ctx.operator.present_id_token(id_token=token["idToken"], type=token["type"])
    await s.expect("Authorize", predicate=states.after(t0), why="an idToken was presented")
    started = await states.tx_event(
        ctx,
        s,
        {"eventType": "Started"},
        since=t0,
        why="TxStartPoint is Authorized and the idToken was accepted",
    )
    if "evse" in started.payload:
        raise NotApplicable(
            "prerequisite not met: the station knew the EVSE when the transaction started "
            "(the case is about a transaction whose EVSE is not known yet)"
        )
    tx_id = str(started.payload.get("transactionInfo", {}).get("transactionId"))
    t_plug = time.monotonic()
    await states.ev_connected_pre_session(ctx, s)
    known = await s.expect(
        "TransactionEvent",
        {"eventType": "Updated", "transactionInfo": {"transactionId": tx_id}},
        predicate=lambda m: m.received >= t_plug and "evse" in m.payload,
        why="the cable was plugged in, so the transaction's EVSE is known and reported",
    )
    meter = known.payload.get("meterValue") or []
    ctx.require(
        bool(meter),
        "the Updated TransactionEvent that first names the EVSE carries no meterValue; the "
        "Transaction.Begin reading (SampledDataCtrlr.TxStartedMeasurands) is due there",
        requirement="J02.FR.10",
        frame=known.text,
    )
    _check_values(
        ctx,
        known,
        meter,
        context="Transaction.Begin",
        measurands=measurands,
        what="Updated TransactionEvent naming the EVSE",
        requirement="J02.FR.10",
    )
    if known.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=known.received)


@testcase("TC_J_09_CS", verbs=_TX_VERBS)
async def test_sampled_updated(ctx: CaseContext) -> None:
    """J02.FR.01-J02.FR.04, J02.FR.11, J02.FR.14: with SampledDataCtrlr.TxUpdatedInterval set,
    the station sends Updated TransactionEvents (triggerReason MeterValuePeriodic) with context
    Sample.Periodic and an element per TxUpdatedMeasurands measurand, one interval apart."""
    s = await states.booted(ctx)
    interval = _sampled_interval(ctx)
    measurands = await _measurands(ctx, s, "SampledDataCtrlr", "TxUpdatedMeasurands")
    tx_id = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    await states.configure(ctx, s, "SampledDataCtrlr", "TxUpdatedInterval", str(interval))
    stamps = []
    for _ in range(2):
        msg = await s.expect(
            "TransactionEvent",
            {"transactionInfo": {"transactionId": tx_id}},
            predicate=lambda m: m.received >= t0 and _is_periodic_event(m),
            timeout=interval + ctx.timeouts.message,
            why=f"SampledDataCtrlr.TxUpdatedInterval is {interval} s",
        )
        states.check_tx_event(ctx, msg, event_type="Updated", requirement="J02.FR.11")
        values = msg.payload.get("meterValue") or []
        ctx.check(bool(values), "a MeterValuePeriodic TransactionEvent carries no meterValue")
        _check_values(
            ctx,
            msg,
            values,
            context="Sample.Periodic",
            measurands=measurands,
            what="sampled TransactionEvent",
            requirement="J02.FR.11",
        )
        stamps += [t for t in (_epoch(v.get("timestamp")) for v in values) if t is not None]
    _check_spacing(ctx, stamps, interval, "sampled transaction readings", "J02.FR.11")


@testcase("TC_J_10_CS", verbs=_TX_VERBS)
async def test_sampled_ended(ctx: CaseContext) -> None:
    """J02.FR.01-J02.FR.04, J02.FR.12/J02.FR.13 (TxEndedInterval): the Ended TransactionEvent
    carries a reading per SampledDataCtrlr.TxEndedInterval of the transaction (context
    Sample.Periodic, TxEndedMeasurands) and a last one with context Transaction.End. The
    transaction runs until two sampled updates (TxUpdatedInterval, the same interval) came."""
    s = await states.booted(ctx)
    interval = _sampled_interval(ctx)
    measurands = await _measurands(ctx, s, "SampledDataCtrlr", "TxEndedMeasurands")
    await states.configure(ctx, s, "SampledDataCtrlr", "TxEndedInterval", str(interval))
    await states.configure(ctx, s, "SampledDataCtrlr", "TxUpdatedInterval", str(interval))
    tx_id = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    for _ in range(2):
        await s.expect(
            "TransactionEvent",
            {"transactionInfo": {"transactionId": tx_id}},
            predicate=lambda m: m.received >= t0 and _is_periodic_event(m),
            timeout=interval + ctx.timeouts.message,
            why=f"SampledDataCtrlr.TxUpdatedInterval is {interval} s",
        )
    ended = await _ended(ctx, s, tx_id)
    meter = ended.payload.get("meterValue") or []
    periodic = [
        v
        for v in meter
        if any(x.get("context") == "Sample.Periodic" for x in v.get("sampledValue") or [])
    ]
    ctx.check(
        bool(periodic),
        f"the Ended TransactionEvent has {len(meter)} MeterValue(s), none with context "
        f"Sample.Periodic; with SampledDataCtrlr.TxEndedInterval {interval} s it must carry "
        f"the readings taken during the transaction",
        requirement="J02.FR.12",
        frame=ended.text,
    )
    _check_values(
        ctx,
        ended,
        periodic,
        context="Sample.Periodic",
        measurands=measurands,
        what="sampled reading in the Ended TransactionEvent",
        requirement="J02.FR.12",
    )
    stamps = [t for t in (_epoch(v.get("timestamp")) for v in periodic) if t is not None]
    _check_spacing(ctx, stamps, interval, "sampled readings of the Ended event", "J02.FR.12")
    last = meter[-1] if meter else {}
    _check_values(
        ctx,
        ended,
        [last],
        context="Transaction.End",
        measurands=measurands,
        what="last MeterValue of the Ended TransactionEvent",
        requirement="J02.FR.13",
    )


def _unsigned(values: Iterable[dict[str, Any]]) -> list[Any]:
    """Timestamps of energy readings without signedMeterValue."""
    return [
        v.get("timestamp")
        for v in values
        for x in v.get("sampledValue") or []
        if x.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register"
        and "signedMeterValue" not in x
    ]


@testcase("TC_J_11_CS", verbs=_TX_VERBS)
async def test_sampled_signed(ctx: CaseContext) -> None:
    """J02.FR.21 (SampledDataCtrlr.SignReadings): with SignReadings true (prerequisite: the
    station takes it) the energy readings of the transaction (Started, the sampled Updated
    events and the Ended event) carry signedMeterValue. (The official text for this case was
    not available; this follows the spec's requirement.)"""
    s = await states.booted(ctx)
    interval = _sampled_interval(ctx)
    await states.configure(ctx, s, "SampledDataCtrlr", "SignReadings", "true", prerequisite=True)
    await states.configure(ctx, s, "SampledDataCtrlr", "TxEndedInterval", str(interval))
    await states.configure(ctx, s, "SampledDataCtrlr", "TxUpdatedInterval", str(interval))
    t0 = time.monotonic()
    tx_id = await states.charging_session(ctx, s)
    updates = [
        await s.expect(
            "TransactionEvent",
            {"transactionInfo": {"transactionId": tx_id}},
            predicate=lambda m: m.received >= t0 and _is_periodic_event(m),
            timeout=interval + ctx.timeouts.message,
            why=f"SampledDataCtrlr.TxUpdatedInterval is {interval} s",
        )
        for _ in range(2)
    ]
    ended = await _ended(ctx, s, tx_id)
    started = [
        m
        for m in s.received("TransactionEvent", since=t0)
        if m.payload.get("eventType") == "Started"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]
    for msg in [*started, *updates, ended]:
        unsigned = _unsigned(msg.payload.get("meterValue") or [])
        ctx.check(
            not unsigned,
            f"SampledDataCtrlr.SignReadings is true, yet the energy readings at {unsigned} of "
            f"the {msg.payload.get('eventType')} TransactionEvent "
            f"({msg.payload.get('triggerReason')}) carry no signedMeterValue",
            requirement="J02.FR.21",
            frame=msg.text,
        )
