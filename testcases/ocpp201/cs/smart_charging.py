"""Shared steps of the OCPP 2.0.1 Smart Charging cases (block K, DUT = charging station).

Charging profiles are built as the spec prints them (camelCase dicts); every profile a case
installs is cleared again by id when the case ends, so the cases stay independent of their
order. Limits are given in amperes and sent in the station's own unit (SmartChargingCtrlr.
RateUnit): with W the limit is multiplied by 1000, as the official test cases do.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any

from conformance.context import CaseContext
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import states

UNITS = ("A", "W")


def iso(offset: float = 0.0) -> str:
    """The wall-clock time `offset` seconds from now, as an OCPP dateTime."""
    stamp = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=offset)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(stamp: str) -> float:
    return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# Unique within the run (a counter: two profiles made in the same millisecond once shared an
# id, so the second replaced the first) and unlikely to meet an id an earlier run installed.
_IDS = itertools.count((int(time.time()) % 900_000) * 1000 + 1)


def new_id() -> int:
    """A fresh charging profile id."""
    return next(_IDS)


async def rate_units(ctx: CaseContext, s: Session) -> list[str]:
    """SmartChargingCtrlr.RateUnit: the units the station takes (A, W)."""
    result = await states.get_variable(ctx, s, "SmartChargingCtrlr", "RateUnit")
    ctx.require(
        result.get("attributeStatus") == "Accepted",
        f"GetVariables SmartChargingCtrlr.RateUnit answered {result.get('attributeStatus')!r}; "
        f"a station with Smart Charging reports the charging rate units it supports",
        requirement="K01.FR.26",
    )
    units = [u.strip() for u in str(result.get("attributeValue", "")).split(",") if u.strip()]
    ctx.require(
        bool(units) and all(u in UNITS for u in units),
        f"SmartChargingCtrlr.RateUnit is {result.get('attributeValue')!r}; expected a list "
        f"of A and/or W",
    )
    return units


async def unit(ctx: CaseContext, s: Session) -> str:
    """<Configured chargingRateUnit>: the first unit the station supports."""
    return (await rate_units(ctx, s))[0]


async def unsupported_unit(ctx: CaseContext, s: Session) -> str:
    """A charging rate unit the station does not support (NOT APPLICABLE if it takes both)."""
    units = await rate_units(ctx, s)
    missing = [u for u in UNITS if u not in units]
    if not missing:
        raise NotApplicable("prerequisite not met: the station supports both A and W")
    return missing[0]


def value(amps: float, rate_unit: str) -> float:
    """A limit of the official texts (given in A) in `rate_unit` (W: times 1000)."""
    return float(amps * 1000) if rate_unit == "W" else float(amps)


def profile(
    purpose: str,
    rate_unit: str,
    periods: Sequence[tuple[int, float]],
    *,
    profile_id: int | None = None,
    stack_level: int = 0,
    kind: str = "Absolute",
    transaction_id: str | None = None,
    start_schedule: str | None = None,
    duration: int | None = None,
    valid_from: str | None = None,
    valid_to: str | None = None,
    recurrency: str | None = None,
) -> dict[str, Any]:
    """A ChargingProfileType with one schedule; `periods` are (startPeriod, limit in A)."""
    schedule: dict[str, Any] = {
        "id": 1,
        "chargingRateUnit": rate_unit,
        "chargingSchedulePeriod": [
            {"startPeriod": start, "limit": value(amps, rate_unit)} for start, amps in periods
        ],
    }
    if kind in ("Absolute", "Recurring"):
        schedule["startSchedule"] = start_schedule or iso()
    if duration is not None:
        schedule["duration"] = duration
    out: dict[str, Any] = {
        "id": profile_id if profile_id is not None else new_id(),
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": [schedule],
    }
    if transaction_id is not None:
        out["transactionId"] = transaction_id
    if valid_from is not None:
        out["validFrom"] = valid_from
    if valid_to is not None:
        out["validTo"] = valid_to
    if recurrency is not None:
        out["recurrencyKind"] = recurrency
    return out


def _clear_afterwards(ctx: CaseContext, profile_id: int) -> None:
    async def clear() -> None:
        s = await ctx.station()
        await s.call_raw("ClearChargingProfile", {"chargingProfileId": profile_id})

    ctx.defer(clear)


async def set_profile(
    ctx: CaseContext,
    s: Session,
    evse_id: int,
    charging_profile: Mapping[str, Any],
    *,
    expected: str = "Accepted",
    requirement: str | None = None,
    why: str = "",
) -> dict[str, Any]:
    """SetChargingProfile; checks the status is `expected` (a Rejected one is also cleared
    afterwards, in case the station took it anyway)."""
    _clear_afterwards(ctx, int(charging_profile["id"]))
    result = await s.call(
        "SetChargingProfile", {"evseId": evse_id, "chargingProfile": dict(charging_profile)}
    )
    status = result.get("status")
    purpose = charging_profile["chargingProfilePurpose"]
    ctx.require(
        status == expected,
        f"SetChargingProfileResponse status is {status!r} for a {purpose} on evseId "
        f"{evse_id}; expected {expected}" + (f" ({why})" if why else ""),
        requirement=requirement,
    )
    return result


async def clear_all(ctx: CaseContext, s: Session) -> None:
    """Memory state "no charging profiles installed": ClearChargingProfile without criteria
    (Accepted or Unknown, both mean none is left)."""
    result = await s.call("ClearChargingProfile", {})
    ctx.require(
        result.get("status") in ("Accepted", "Unknown"),
        f"ClearChargingProfileResponse status {result.get('status')!r} to clearing all "
        f"profiles; expected Accepted or Unknown",
    )


async def clear(
    ctx: CaseContext,
    s: Session,
    request: Mapping[str, Any],
    *,
    expected: str,
    requirement: str | None = None,
) -> None:
    result = await s.call("ClearChargingProfile", dict(request))
    ctx.require(
        result.get("status") == expected,
        f"ClearChargingProfileResponse status is {result.get('status')!r} to {dict(request)}; "
        f"expected {expected}",
        requirement=requirement,
    )


async def get_profiles(
    ctx: CaseContext,
    s: Session,
    criterion: Mapping[str, Any],
    *,
    evse_id: int | None = None,
    expected: str = "Accepted",
    requirement: str = "K09.FR.01",
) -> list[Incoming]:
    """GetChargingProfiles; with Accepted, the ReportChargingProfiles that follow (same
    requestId) until one has tbc false."""
    request_id = new_id() % 100_000
    request: dict[str, Any] = {"requestId": request_id, "chargingProfile": dict(criterion)}
    if evse_id is not None:
        request["evseId"] = evse_id
    t0 = time.monotonic()
    result = await s.call("GetChargingProfiles", request)
    status = result.get("status")
    ctx.require(
        status == expected,
        f"GetChargingProfilesResponse status is {status!r} to {request}; expected {expected}",
        requirement="K09.FR.03" if expected == "NoProfiles" else requirement,
    )
    reports: list[Incoming] = []
    while status == "Accepted":
        msg = await s.expect(
            "ReportChargingProfiles",
            {"requestId": request_id},
            predicate=states.after(t0),
            why="GetChargingProfiles was Accepted, so the profiles are reported (K09.FR.01)",
        )
        reports.append(msg)
        if not msg.payload.get("tbc", False):
            break
    return reports


def reported(reports: Sequence[Incoming]) -> list[tuple[int, dict[str, Any]]]:
    """(evseId, chargingProfile) of every profile in the reports."""
    return [
        (int(r.payload["evseId"]), dict(p)) for r in reports for p in r.payload["chargingProfile"]
    ]


def check_reported_ids(
    ctx: CaseContext,
    reports: Sequence[Incoming],
    wanted: Mapping[int, int],
    *,
    requirement: str,
    what: str,
) -> None:
    """The reports hold exactly the profiles `wanted` (id -> evseId) and no others."""
    got = {p["id"]: evse for evse, p in reported(reports)}
    ctx.check(
        got == dict(wanted),
        f"ReportChargingProfiles for {what} reported profiles (id: evseId) {got}; expected "
        f"exactly {dict(wanted)}",
        requirement=requirement,
        frame=reports[-1].text if reports else None,
    )


async def composite(
    ctx: CaseContext,
    s: Session,
    evse_id: int,
    duration: int,
    rate_unit: str,
    *,
    expected: str = "Accepted",
    requirement: str = "K08.FR.02",
) -> dict[str, Any]:
    """GetCompositeSchedule; with Accepted checks the schedule's evseId, duration, unit and
    periods, and returns it."""
    t_sent = time.time()
    result = await s.call(
        "GetCompositeSchedule",
        {"duration": duration, "chargingRateUnit": rate_unit, "evseId": evse_id},
    )
    status = result.get("status")
    ctx.require(
        status == expected,
        f"GetCompositeScheduleResponse status is {status!r} for evseId {evse_id} in "
        f"{rate_unit}; expected {expected}",
        requirement=requirement,
    )
    if expected != "Accepted":
        return {}
    schedule = result.get("schedule")
    ctx.require(
        isinstance(schedule, dict),
        "GetCompositeScheduleResponse is Accepted but has no schedule",
        requirement=requirement,
    )
    assert isinstance(schedule, dict)
    ctx.check(
        schedule.get("evseId") == evse_id
        and schedule.get("chargingRateUnit") == rate_unit
        and schedule.get("duration") == duration,
        f"composite schedule has evseId {schedule.get('evseId')}, chargingRateUnit "
        f"{schedule.get('chargingRateUnit')}, duration {schedule.get('duration')}; expected "
        f"{evse_id}, {rate_unit}, {duration} (as requested)",
        requirement=requirement,
    )
    start = parse(str(schedule["scheduleStart"]))
    ctx.check(
        abs(start - t_sent) <= ctx.dut.timeouts.response + 2,
        f"composite scheduleStart {schedule['scheduleStart']} is not the time of the request",
        requirement=requirement,
    )
    periods = schedule.get("chargingSchedulePeriod") or []
    starts = [p["startPeriod"] for p in periods]
    ctx.require(
        bool(starts) and starts[0] == 0 and starts == sorted(set(starts)),
        f"composite schedule periods start at {starts}; they must start at 0 and increase",
        requirement=requirement,
    )
    return schedule


def limit_at(schedule: Mapping[str, Any], offset: float) -> float:
    """The composite schedule's limit `offset` seconds after its scheduleStart."""
    current = None
    for period in schedule["chargingSchedulePeriod"]:
        if period["startPeriod"] <= offset:
            current = period["limit"]
    assert current is not None
    return float(current)


def check_limits(
    ctx: CaseContext,
    schedule: Mapping[str, Any],
    expected: Sequence[tuple[float, float | None]],
    rate_unit: str,
    *,
    requirement: str,
    why: str,
    baseline: Mapping[str, Any] | None = None,
) -> None:
    """At each (offset s, limit A) the composite schedule has that limit (in `rate_unit`);
    a limit of None: the `baseline` schedule's limit there (as without the case's profile)."""
    periods = [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]]
    for offset, amps in expected:
        if amps is None:
            assert baseline is not None
            want = limit_at(baseline, offset)
        else:
            want = value(amps, rate_unit)
        got = limit_at(schedule, offset)
        ctx.check(
            abs(got - want) < 0.05,
            f"composite schedule limit at {offset:g} s is {got:g} {rate_unit}, expected "
            f"{want:g} {rate_unit} ({why}); periods (startPeriod, limit): {periods}",
            requirement=requirement,
        )
