"""OCPP 2.0.1, DUT = CSMS, functional block J (Meter Values), Core profile.

The station reports clock-aligned readings (J01: MeterValuesRequest outside a transaction,
TransactionEvent MeterValueClock during one, the TxEnded readings in the Ended event) and
sampled readings (J02: Transaction.Begin, Sample.Periodic, Transaction.End), plain or signed.
The CSMS must take every one of them with a CALLRESULT; the official cases validate nothing
else on the CSMS side.

The harness does not wait the intervals in real time: each reading carries the timestamp of
its sampling moment, spaced by the configured interval (clock-aligned ones on the interval's
boundaries) and ending now, which is what the CSMS sees of a station that did wait.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.clock import now_iso
from conformance.roles.station import Transaction
from testcases.ocpp201.csms import states

EVSE = 1  # <Configured evseId>
CONNECTOR = 1  # <Configured connectorId>
ROUNDS = 3  # the official cases end after three meter value messages
ENERGY = "Energy.Active.Import.Register"
SIGNED = {
    "signedMeterData": "c2lnbmVkIG1ldGVyIGRhdGE=",
    "signingMethod": "ECDSA-secp256r1-SHA256",
    "encodingMethod": "OCMF",
    "publicKey": "cHVibGljIGtleQ==",
}


def _iso(epoch: float) -> str:
    moment = _dt.datetime.fromtimestamp(epoch, _dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _times(interval: int, *, aligned: bool, n: int = ROUNDS) -> list[str]:
    """The last `n` sampling moments `interval` seconds apart, ending now (or at the last
    clock boundary of the interval when `aligned`)."""
    now = _dt.datetime.now(_dt.UTC).timestamp()
    end = now - now % interval if aligned else now
    return [_iso(end - (n - 1 - k) * interval) for k in range(n)]


def _clock_interval(ctx: CaseContext) -> int:
    """<Configured clock-aligned Meter Values interval> (AlignedDataInterval)."""
    return ctx.dut.pixit.clock_aligned_data_interval


def _sampled_interval(ctx: CaseContext) -> int:
    """<Configured sampled Meter Values interval> (SampledDataCtrlr.TxUpdatedInterval)."""
    return max(1, ctx.dut.pixit.meter_value_sample_interval)


def _reading(value: float, context: str, at: str, *, signed: bool = False) -> dict[str, Any]:
    """One MeterValueType: the energy register in Wh at `at`, optionally signed."""
    sampled: dict[str, Any] = {
        "value": value,
        "context": context,
        "measurand": ENERGY,
        "unitOfMeasure": {"unit": "Wh"},
    }
    if signed:
        sampled["signedMeterValue"] = dict(SIGNED)
    return {"timestamp": at, "sampledValue": [sampled]}


async def _meter_values(st: MockStation, evse_id: int, reading: dict[str, Any]) -> None:
    await st.conn.call("MeterValues", {"evseId": evse_id, "meterValue": [reading]})


def _idle_evses(st: MockStation, busy: set[int]) -> list[int]:
    """evseId 0 (the main meter) and every EVSE without a transaction."""
    return [0] + [e for e in sorted(st.model.evses) if e not in busy]


@testcase("TC_J_01_CSMS")
async def test_clock_aligned_idle(ctx: CaseContext) -> None:
    """J01.FR.18: clock-aligned MeterValues (Sample.Clock) for evseId 0 and every EVSE,
    three intervals in a row, without a transaction."""
    st = await states.booted_station(ctx)
    for k, at in enumerate(_times(_clock_interval(ctx), aligned=True)):
        for evse_id in _idle_evses(st, set()):
            await _meter_values(st, evse_id, _reading(1000.0 * (k + 1), "Sample.Clock", at))


@testcase("TC_J_02_CSMS")
async def test_clock_aligned_transaction(ctx: CaseContext) -> None:
    """J01.FR.18: during a transaction the clock-aligned readings of its EVSE come in
    TransactionEvent Updated (MeterValueClock), those of the main meter and idle EVSEs in
    MeterValuesRequest."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    for k, at in enumerate(_times(_clock_interval(ctx), aligned=True)):
        await st.transaction_event(
            tx,
            "Updated",
            "MeterValueClock",
            charging_state="Charging",
            meter_value=[_reading(500.0 * (k + 1), "Sample.Clock", at)],
        )
        for evse_id in _idle_evses(st, {tx.evse_id}):
            await _meter_values(st, evse_id, _reading(2000.0 * (k + 1), "Sample.Clock", at))


def _tx_ended_readings(
    interval: int, context: str, *, aligned: bool, signed: bool
) -> list[dict[str, Any]]:
    """The readings an Ended event carries: one per interval, then Transaction.End now."""
    readings = [
        _reading(300.0 * (k + 1), context, at, signed=signed)
        for k, at in enumerate(_times(interval, aligned=aligned))
    ]
    readings.append(_reading(300.0 * (ROUNDS + 1), "Transaction.End", now_iso(), signed=signed))
    return readings


async def _ended_with_readings(
    ctx: CaseContext, interval: int, context: str, *, aligned: bool, signed: bool
) -> None:
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    readings = _tx_ended_readings(interval, context, aligned=aligned, signed=signed)
    await states.ev_disconnected(ctx, st, tx, meter_value=readings)


@testcase("TC_J_03_CSMS")
async def test_clock_aligned_ended(ctx: CaseContext) -> None:
    """J01.FR.18: the Ended event carries the clock-aligned TxEnded readings (Sample.Clock)
    and, last, the Transaction.End reading."""
    await _ended_with_readings(
        ctx, _clock_interval(ctx), "Sample.Clock", aligned=True, signed=False
    )


@testcase("TC_J_04_CSMS")
async def test_clock_aligned_signed(ctx: CaseContext) -> None:
    """J01.FR.21: the same, with every reading signed (signedMeterValue, OCMF)."""
    await _ended_with_readings(ctx, _clock_interval(ctx), "Sample.Clock", aligned=True, signed=True)


@testcase("TC_J_07_CSMS")
async def test_sampled_started_evse_known(ctx: CaseContext) -> None:
    """J02.FR.19: the Started event (EVSE known: the cable is plugged in) carries the
    Transaction.Begin reading; then Authorized and EnergyTransferStarted."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    begin = [_reading(0.0, "Transaction.Begin", now_iso())]
    await states.ev_connected_pre_session(ctx, st, tx, meter_value=begin)
    await states.authorized(ctx, st, tx, ev_connected=True)
    await states.energy_transfer_started(ctx, st, tx, ev_connected=True)


async def _authorized_evse_unknown(ctx: CaseContext, st: MockStation, tx: Transaction) -> None:
    """Authorized before the EV is connected on a station with several EVSEs: the Started
    event cannot name the EVSE yet (it carries no evse and no meter values)."""
    token = states.valid_token(ctx)
    status = await states.authorize(ctx, st, token)
    ctx.check(
        status == "Accepted",
        f"AuthorizeResponse idTokenInfo.status is {status!r} for the configured valid idToken "
        f"{token['idToken']!r}, expected Accepted",
    )
    tx.id_token = token
    res = await st.conn.call(
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": now_iso(),
            "triggerReason": "Authorized",
            "seqNo": tx.next_seq(),
            "transactionInfo": {"transactionId": tx.transaction_id},
            "idToken": token,
        },
    )
    status = states.token_status(ctx, res, "TransactionEventResponse to the Started event")
    ctx.check(
        status in (None, "Accepted"),
        f"TransactionEventResponse idTokenInfo.status is {status!r} for the configured valid "
        f"idToken, expected Accepted",
        requirement="E01.FR.12",
    )


@testcase("TC_J_08_CSMS")
async def test_sampled_begin_evse_unknown(ctx: CaseContext) -> None:
    """J02.FR.19: Started without an EVSE (authorized first); the Transaction.Begin reading
    comes with the Updated event that names the EVSE once the cable is plugged in."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await _authorized_evse_unknown(ctx, st, tx)
    begin = [_reading(0.0, "Transaction.Begin", now_iso())]
    await states.ev_connected_pre_session(ctx, st, tx, authorized=True, meter_value=begin)
    await states.energy_transfer_started(ctx, st, tx, ev_connected=True)


@testcase("TC_J_09_CSMS")
async def test_sampled_updated(ctx: CaseContext) -> None:
    """J02.FR.19: three TransactionEvent Updated (MeterValuePeriodic) with Sample.Periodic
    readings, one sampled interval apart; energy registers with a fractional part, as
    meters report them."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    for k, at in enumerate(_times(_sampled_interval(ctx), aligned=False)):
        await st.transaction_event(
            tx,
            "Updated",
            "MeterValuePeriodic",
            charging_state="Charging",
            meter_value=[_reading(123.4 * (k + 1), "Sample.Periodic", at)],
        )


@testcase("TC_J_10_CSMS")
async def test_sampled_ended(ctx: CaseContext) -> None:
    """J02.FR.19: the Ended event carries the sampled TxEnded readings (Sample.Periodic) and,
    last, the Transaction.End reading."""
    await _ended_with_readings(
        ctx, _sampled_interval(ctx), "Sample.Periodic", aligned=False, signed=False
    )


@testcase("TC_J_11_CSMS")
async def test_sampled_signed(ctx: CaseContext) -> None:
    """J02.FR.21: the same, with every reading signed (signedMeterValue, OCMF)."""
    await _ended_with_readings(
        ctx, _sampled_interval(ctx), "Sample.Periodic", aligned=False, signed=True
    )
