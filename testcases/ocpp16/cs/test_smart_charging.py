"""OCPP 1.6, DUT = charge point: Smart Charging profile (sections 3.13, 5.5, 5.7, 5.11, 5.16).

The mock Central System installs charging profiles (SetChargingProfile, or inside a
RemoteStartTransaction), clears them, and asks for the composite schedule, which it checks
against the schedule it computes itself from what it installed: at every instant the valid
profile with the highest stackLevel prevails within its purpose, a TxProfile overrules the
TxDefaultProfile, and the ChargePointMaxProfile caps both (section 3.13.1 / 3.13.2).

Configured values: <Configured chargingRateUnit> (`charging_rate_unit`; with W the official
limits are multiplied by 1000), <Configured numberPhases>, <Configured max time deviation>
(how far a reported start may lie from the time computed here) and <Configured duration>
(`charging_schedule_duration`). Every installed profile is cleared when the case ends.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import time
from collections.abc import Sequence
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.ocppj import CallError
from conformance.session import Session
from testcases.ocpp16.cs import states

CONNECTOR = states.CONNECTOR
CHARGING_VERBS = ("plug_in", "unplug", "present_id_token")
_PROFILE_IDS = itertools.count(int(time.time()) % 100000 * 10)


# -- building profiles ------------------------------------------------------------------------


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _iso(when: _dt.datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(text: Any) -> _dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=_dt.UTC)


def _dev(ctx: CaseContext) -> int:
    """<Configured max time deviation> (s)."""
    return ctx.dut.pixit.max_time_deviation


def _unit(ctx: CaseContext) -> str:
    """<Configured chargingRateUnit>."""
    return ctx.dut.pixit.charging_rate_unit


def _limit(ctx: CaseContext, amps: float) -> float:
    """An official limit (given in A) in the configured unit: W multiplies it by 1000."""
    return amps * 1000 if _unit(ctx) == "W" else amps


def _profile(
    ctx: CaseContext,
    purpose: str,
    periods: Sequence[tuple[int, float]],
    *,
    duration: float,
    stack_level: int = 0,
    start: _dt.datetime | None = None,
    valid_to: _dt.datetime | None = None,
    transaction_id: int | None = None,
) -> dict[str, Any]:
    """An Absolute csChargingProfiles whose schedule starts <max time deviation> s ago (so it
    is in force when it arrives), with `periods` as (startPeriod, limit in A)."""
    begin = start or _now() - _dt.timedelta(seconds=_dev(ctx))
    profile: dict[str, Any] = {
        "chargingProfileId": next(_PROFILE_IDS),
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "validFrom": _iso(begin),
        "validTo": _iso(valid_to or begin + _dt.timedelta(days=1)),
        "chargingSchedule": {
            "duration": int(duration),
            "startSchedule": _iso(begin),
            "chargingRateUnit": _unit(ctx),
            "chargingSchedulePeriod": [
                {
                    "startPeriod": offset,
                    "limit": _limit(ctx, amps),
                    "numberPhases": ctx.dut.pixit.number_phases,
                }
                for offset, amps in periods
            ],
        },
    }
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    return profile


def _start_of(profile: dict[str, Any]) -> _dt.datetime:
    when = _parse(profile["chargingSchedule"]["startSchedule"])
    assert when is not None
    return when


def _clear_later(ctx: CaseContext, profile_id: int) -> None:
    async def clear() -> None:
        conn = await ctx.station()
        await conn.call_raw("ClearChargingProfile", {"id": profile_id})

    ctx.defer(clear)


async def _set(
    ctx: CaseContext, s: Session, connector: int, profile: dict[str, Any], why: str
) -> None:
    """SetChargingProfile.req; SetChargingProfile.conf status must be Accepted (5.16)."""
    _clear_later(ctx, int(profile["chargingProfileId"]))
    answer = await s.call(
        "SetChargingProfile", {"connectorId": connector, "csChargingProfiles": profile}
    )
    ctx.require(
        answer.get("status") == "Accepted",
        f"SetChargingProfile.conf for the {profile['chargingProfilePurpose']} "
        f"(connectorId {connector}, stackLevel {profile['stackLevel']}) is "
        f"{answer.get('status')!r}, expected Accepted ({why})",
    )


async def _refused(ctx: CaseContext, s: Session, action: str, payload: dict[str, Any]) -> None:
    """The .conf status is Rejected, or a CALLERROR PropertyConstraintViolation."""
    answer = await s.call_raw(action, payload)
    if isinstance(answer, CallError):
        ctx.check(
            answer.error_code == "PropertyConstraintViolation",
            f"{action} was answered with CALLERROR {answer.error_code}; a refusal is status "
            f"Rejected or CALLERROR PropertyConstraintViolation",
        )
        return
    status = answer.payload.get("status")
    ctx.check(
        status == "Rejected",
        f"{action}.conf status is {status!r}, expected Rejected (or a CALLERROR "
        f"PropertyConstraintViolation)",
    )


# -- the composite schedule -------------------------------------------------------------------

Expected = list[tuple[_dt.datetime | None, float]]  # (when the period begins, limit in A)


async def _composite(
    ctx: CaseContext, s: Session, duration: int, *, connector: int = CONNECTOR
) -> tuple[_dt.datetime, list[dict[str, Any]]]:
    """GetCompositeSchedule.req in the configured unit; the .conf must be Accepted for the
    connector, with that duration and unit and a scheduleStart at the time of asking."""
    asked = _now()
    unit = _unit(ctx)
    answer = await s.call(
        "GetCompositeSchedule",
        {"connectorId": connector, "duration": duration, "chargingRateUnit": unit},
    )
    ctx.require(
        answer.get("status") == "Accepted",
        f"GetCompositeSchedule.conf status is {answer.get('status')!r}, expected Accepted",
    )
    ctx.check(
        answer.get("connectorId") == connector,
        f"GetCompositeSchedule.conf connectorId is {answer.get('connectorId')!r}, expected "
        f"{connector}",
    )
    schedule = answer.get("chargingSchedule")
    ctx.require(
        isinstance(schedule, dict) and bool(schedule.get("chargingSchedulePeriod")),
        "GetCompositeSchedule.conf (Accepted) carries no chargingSchedule with periods",
    )
    assert isinstance(schedule, dict)
    ctx.check(
        schedule.get("duration") == duration,
        f"the composite chargingSchedule duration is {schedule.get('duration')!r}, expected "
        f"{duration} (the duration asked for)",
    )
    ctx.check(
        schedule.get("chargingRateUnit") == unit,
        f"the composite chargingSchedule is in {schedule.get('chargingRateUnit')!r}, but "
        f"chargingRateUnit {unit} was asked for (section 5.7)",
    )
    start = _parse(answer.get("scheduleStart")) or _parse(schedule.get("startSchedule"))
    ctx.require(
        start is not None,
        "GetCompositeSchedule.conf gives neither scheduleStart nor startSchedule, so the "
        "periods cannot be placed in time",
    )
    assert start is not None
    off = abs((start - asked).total_seconds())
    ctx.check(
        off <= _dev(ctx),
        f"the composite schedule starts {off:.1f} s away from the time it was asked for "
        f"(max time deviation {_dev(ctx)} s)",
    )
    return start, list(schedule["chargingSchedulePeriod"])


def _render(base: _dt.datetime, periods: Sequence[tuple[_dt.datetime, float]]) -> str:
    return ", ".join(f"{(t - base).total_seconds():.0f} s: {v:g}" for t, v in periods)


def _check_periods(
    ctx: CaseContext,
    start: _dt.datetime,
    periods: list[dict[str, Any]],
    expected: Expected,
    why: str,
) -> None:
    """The reported periods must be `expected` (limits exact, starts within the deviation)."""
    got = [
        (start + _dt.timedelta(seconds=float(p.get("startPeriod", 0))), float(p.get("limit", -1)))
        for p in periods
    ]
    want = [(when or start, _limit(ctx, amps)) for when, amps in expected]
    dev = _dev(ctx)
    same = len(got) == len(want) and all(
        abs((g[0] - w[0]).total_seconds()) <= dev and abs(g[1] - w[1]) <= 0.01 * w[1] + 0.01
        for g, w in zip(got, want, strict=True)
    )
    ctx.check(
        same,
        f"the composite schedule is [{_render(start, got)}] (start of period: limit), expected "
        f"[{_render(start, want)}] ({why})",
    )


async def _charging(ctx: CaseContext, s: Session) -> states.Started:
    """Reusable state Charging (plug in, Authorize, StartTransaction, Charging)."""
    return await states.charging_session(ctx, s)


def _merged(expected: Expected) -> Expected:
    """`expected` without periods that repeat the limit before them."""
    out: Expected = []
    for when, amps in expected:
        if not out or out[-1][1] != amps:
            out.append((when, amps))
    return out


# -- the cases ----------------------------------------------------------------------------------


@testcase("TC_056_CS", verbs=CHARGING_VERBS)
async def test_txdefaultprofile(ctx: CaseContext) -> None:
    """Section 3.13.1 / 5.16: a TxDefaultProfile for <Configured ConnectorId> (limit 6) is
    Accepted and is the schedule of the next transaction: Charging, then the composite
    schedule of the connector is that limit."""
    s = await states.booted(ctx)
    duration = ctx.dut.pixit.charging_schedule_duration
    profile = _profile(ctx, "TxDefaultProfile", [(0, 6)], duration=86400 + _dev(ctx))
    await _set(ctx, s, CONNECTOR, profile, "a default schedule for new transactions")
    await _charging(ctx, s)
    start, periods = await _composite(ctx, s, duration)
    _check_periods(ctx, start, periods, [(None, 6)], "the TxDefaultProfile applies")


@testcase("TC_057_CS", verbs=CHARGING_VERBS)
async def test_txprofile(ctx: CaseContext) -> None:
    """Section 3.13.1 / 5.16: in state Charging a TxProfile for the running transaction
    (its transactionId, limit 6) is Accepted and becomes the transaction's schedule."""
    s = await states.booted(ctx)
    started = await _charging(ctx, s)
    duration = ctx.dut.pixit.charging_schedule_duration
    profile = _profile(
        ctx,
        "TxProfile",
        [(0, 6)],
        duration=duration + 2 * _dev(ctx),
        transaction_id=started.transaction_id,
    )
    await _set(ctx, s, CONNECTOR, profile, "a schedule for the running transaction")
    start, periods = await _composite(ctx, s, duration)
    _check_periods(ctx, start, periods, [(None, 6)], "the TxProfile applies")


@testcase("TC_058_1_CS")
async def test_txprofile_without_transaction(ctx: CaseContext) -> None:
    """Section 3.13.1: with no transaction on the connector, a TxProfile for it SHALL be
    discarded with an error status: Rejected (or CALLERROR PropertyConstraintViolation)."""
    s = await states.booted(ctx)
    profile = _profile(ctx, "TxProfile", [(0, 6)], duration=300, transaction_id=1)
    _clear_later(ctx, int(profile["chargingProfileId"]))
    await _refused(
        ctx, s, "SetChargingProfile", {"connectorId": CONNECTOR, "csChargingProfiles": profile}
    )


@testcase("TC_058_2_CS", verbs=CHARGING_VERBS)
async def test_txprofile_wrong_transaction(ctx: CaseContext) -> None:
    """Sections 3.13.1, 5.16: in state Charging, a TxProfile naming a transactionId that is
    not the running one is refused: Rejected (or CALLERROR PropertyConstraintViolation)."""
    s = await states.booted(ctx)
    started = await _charging(ctx, s)
    profile = _profile(
        ctx, "TxProfile", [(0, 6)], duration=300, transaction_id=started.transaction_id + 1000
    )
    _clear_later(ctx, int(profile["chargingProfileId"]))
    await _refused(
        ctx, s, "SetChargingProfile", {"connectorId": CONNECTOR, "csChargingProfiles": profile}
    )


@testcase("TC_059_CS", verbs=CHARGING_VERBS)
async def test_remote_start_with_profile(ctx: CaseContext) -> None:
    """Section 5.11: Charging started by a RemoteStartTransaction.req that carries a
    TxProfile (limit 6): Accepted, Authorize.req when AuthorizeRemoteTxRequests is true,
    StartTransaction, Charging; the connector's composite schedule then follows the profile
    (status Accepted, connectorId, <Configured duration>, the unit, a current scheduleStart)."""
    s = await states.booted(ctx)
    authorize = (await states.get_configuration(ctx, s, "AuthorizeRemoteTxRequests")) or ""
    duration = ctx.dut.pixit.charging_schedule_duration
    t0 = await states.plug_in(ctx)
    await states.status(ctx, s, "Preparing", since=t0, why="the cable is in")
    profile = _profile(ctx, "TxProfile", [(0, 6)], duration=duration + 2 * _dev(ctx))
    _clear_later(ctx, int(profile["chargingProfileId"]))
    t1 = time.monotonic()
    answer = await s.call(
        "RemoteStartTransaction",
        {"connectorId": CONNECTOR, "idTag": states.valid_id_tag(ctx), "chargingProfile": profile},
    )
    ctx.require(
        answer.get("status") == "Accepted",
        f"RemoteStartTransaction.conf (with a TxProfile) is {answer.get('status')!r}, "
        f"expected Accepted",
    )
    if authorize.lower() == "true":
        await s.expect(
            "Authorize",
            predicate=states.after(t1),
            why="AuthorizeRemoteTxRequests is true, so the remote idTag is authorized first",
        )
    await states.charging(ctx, s, since=t1)
    start, periods = await _composite(ctx, s, duration)
    _check_periods(
        ctx, start, periods, [(None, 6)], "the remote start's TxProfile is the transaction's"
    )


@testcase("TC_060_CS")
async def test_remote_start_with_wrong_profile(ctx: CaseContext) -> None:
    """Section 5.11: the chargingProfile of a RemoteStartTransaction.req SHALL have purpose
    TxProfile; one with TxDefaultProfile is refused: Rejected (or CALLERROR
    PropertyConstraintViolation)."""
    s = await states.booted(ctx)
    profile = _profile(ctx, "TxDefaultProfile", [(0, 6)], duration=300)
    _clear_later(ctx, int(profile["chargingProfileId"]))
    payload = {
        "connectorId": CONNECTOR,
        "idTag": states.valid_id_tag(ctx),
        "chargingProfile": profile,
    }
    await _refused(ctx, s, "RemoteStartTransaction", payload)


async def _require_key_at_least(ctx: CaseContext, s: Session, key: str, minimum: int) -> None:
    value = await states.get_configuration(ctx, s, key)
    ctx.require(
        value is not None and value.isdigit() and int(value) >= minimum,
        f"prerequisite: configuration key {key} is {value!r}; the case needs at least "
        f"{minimum} (section 9.4)",
    )


@testcase("TC_066_CS", verbs=CHARGING_VERBS)
async def test_composite_schedule(ctx: CaseContext) -> None:
    """Sections 3.13.1, 5.7: three profiles of different purposes, then GetCompositeSchedule
    (duration 400). ChargePointMaxProfile (connectorId 0) limit 10; TxDefaultProfile limit 6;
    TxProfile of the running transaction 8 / 11 / 7 from 0 / 100 / 200 s for 300 s. The
    composite is 8, 10 (capped by the maximum), 7, then 6 (the default once the TxProfile's
    schedule ended). The official table is cut short after profile 1 in our source; profiles
    2 and 3 follow the case's description and section 3.13.1."""
    s = await states.booted(ctx)
    await _require_key_at_least(ctx, s, "MaxChargingProfilesInstalled", 3)
    await _require_key_at_least(ctx, s, "ChargingScheduleMaxPeriods", 5)
    started = await _charging(ctx, s)
    dev = _dev(ctx)
    maximum = _profile(ctx, "ChargePointMaxProfile", [(0, 10)], duration=86400 + dev)
    await _set(ctx, s, 0, maximum, "the charge point's maximum")
    default = _profile(ctx, "TxDefaultProfile", [(0, 6)], duration=86400 + dev)
    await _set(ctx, s, CONNECTOR, default, "the default schedule")
    tx = _profile(
        ctx,
        "TxProfile",
        [(0, 8), (100, 11), (200, 7)],
        duration=300 + dev,
        transaction_id=started.transaction_id,
    )
    await _set(ctx, s, CONNECTOR, tx, "the running transaction's schedule")
    begin = _start_of(tx)
    sec = _dt.timedelta(seconds=1)
    start, periods = await _composite(ctx, s, 400)
    _check_periods(
        ctx,
        start,
        periods,
        [
            (None, 8),
            (begin + 100 * sec, 10),
            (begin + 200 * sec, 7),
            (begin + (300 + dev) * sec, 6),
        ],
        "TxProfile overrules TxDefaultProfile, ChargePointMaxProfile caps both",
    )


@testcase("TC_067_CS")
async def test_clear_charging_profile(ctx: CaseContext) -> None:
    """Section 5.5: ClearChargingProfile by id, and by connectorId + purpose + stackLevel,
    each Accepted and removing the profile: the same request again finds nothing (Unknown,
    section 7.13)."""
    s = await states.booted(ctx)
    first = _profile(ctx, "TxDefaultProfile", [(0, 6)], duration=300)
    await _set(ctx, s, CONNECTOR, first, "a profile to clear by id")
    second = _profile(ctx, "TxDefaultProfile", [(0, 8)], duration=300, stack_level=1)
    await _set(ctx, s, CONNECTOR, second, "a profile to clear by criteria")
    by_id = {"id": first["chargingProfileId"]}
    criteria = {
        "connectorId": CONNECTOR,
        "chargingProfilePurpose": "TxDefaultProfile",
        "stackLevel": 1,
    }
    for what, request in (("by id", by_id), ("by criteria", criteria)):
        answer = await s.call("ClearChargingProfile", request)
        ctx.check(
            answer.get("status") == "Accepted",
            f"ClearChargingProfile.conf ({what}, {request}) is {answer.get('status')!r}, "
            f"expected Accepted: the profile is installed",
        )
        again = await s.call("ClearChargingProfile", request)
        ctx.check(
            again.get("status") == "Unknown",
            f"a second ClearChargingProfile ({what}, {request}) is {again.get('status')!r}, "
            f"expected Unknown: the first one should have removed the profile",
        )


@testcase("TC_072_CS")
async def test_stacking(ctx: CaseContext) -> None:
    """Section 3.13.2: two TxDefaultProfiles on <Configured ConnectorId>: stackLevel 0 with
    6 / 8 / 10 from 0 / 100 / 200 s for 400 s, stackLevel 1 with 10 for 150 s. The higher
    stackLevel prevails while it has a period: composite 10, then 8 from 150 s, 10 from 200 s.
    (Profile 2's periods are cut off in our source of the official table; 10 is our choice.)"""
    s = await states.booted(ctx)
    dev = _dev(ctx)
    begin = _now() - _dt.timedelta(seconds=dev)
    until = begin + _dt.timedelta(seconds=2 * dev + 401)
    low = _profile(
        ctx,
        "TxDefaultProfile",
        [(0, 6), (100, 8), (200, 10)],
        duration=400 + 2 * dev,
        start=begin,
        valid_to=until,
    )
    await _set(ctx, s, CONNECTOR, low, "stackLevel 0")
    high = _profile(
        ctx,
        "TxDefaultProfile",
        [(0, 10)],
        duration=150 + dev,
        stack_level=1,
        start=begin,
        valid_to=until,
    )
    await _set(ctx, s, CONNECTOR, high, "stackLevel 1")
    sec = _dt.timedelta(seconds=1)
    end_high = 150 + dev  # s after `begin`: then stackLevel 0 is in force again
    low_then = 6 if end_high < 100 else 8 if end_high < 200 else 10
    expected: Expected = [(None, 10), (begin + end_high * sec, low_then)]
    if end_high < 200:
        expected.append((begin + 200 * sec, 10))
    start, periods = await _composite(ctx, s, 400)
    _check_periods(
        ctx,
        start,
        periods,
        _merged(expected),
        "the highest valid stackLevel prevails (section 3.13.2)",
    )


@testcase("TC_082_CS", verbs=CHARGING_VERBS)
async def test_txdefaultprofile_ongoing_transaction(ctx: CaseContext) -> None:
    """Section 3.13.1: in state Charging (no TxProfile), a new TxDefaultProfile (limit 6) is
    Accepted and applies to the ongoing transaction: the composite schedule follows it."""
    s = await states.booted(ctx)
    await _charging(ctx, s)
    duration = ctx.dut.pixit.charging_schedule_duration
    profile = _profile(ctx, "TxDefaultProfile", [(0, 6)], duration=86400 + _dev(ctx))
    await _set(ctx, s, CONNECTOR, profile, "a default schedule while a transaction runs")
    start, periods = await _composite(ctx, s, duration)
    _check_periods(
        ctx, start, periods, [(None, 6)], "the TxDefaultProfile applies to the ongoing one"
    )
