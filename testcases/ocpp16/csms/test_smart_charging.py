"""OCPP 1.6, DUT = Central System: Smart Charging profile (sections 3.13, 5.5, 5.7, 5.11,
5.16).

The operator sets charging profiles, starts a transaction with a TxProfile, asks for a
composite schedule and clears profiles; the case checks each request the Central System sends
against the official tool validations and plays the charge point's answer. Configured values:
<Configured connectorId>, <Configured stackLevel> (`charging_profile_stack_level`),
<Configured chargingRateUnit>, <Configured numberPhases> and <Configured duration>
(`charging_schedule_duration`); limits are the official 6 A (6000 W with chargingRateUnit W).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp16.csms import states

CONNECTOR = states.CONNECTOR


def _now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _unit(ctx: CaseContext) -> str:
    """<Configured chargingRateUnit>."""
    return ctx.dut.pixit.charging_rate_unit


def _limit(ctx: CaseContext) -> float:
    """The official limit: 6 (A), or 6000 when <Configured chargingRateUnit> is W."""
    return 6000.0 if _unit(ctx) == "W" else 6.0


def _profile_args(ctx: CaseContext) -> dict[str, Any]:
    """What the operator is asked to put in a profile: the configured values."""
    p = ctx.dut.pixit
    return {
        "stack_level": p.charging_profile_stack_level,
        "limit": _limit(ctx),
        "charging_rate_unit": _unit(ctx),
        "number_phases": p.number_phases,
        "duration": p.charging_schedule_duration,
    }


def _check(ctx: CaseContext, msg: Incoming, ok: bool, what: str) -> None:
    ctx.check(ok, f"{msg.action}.req: {what}", frame=msg.text)


def _body(ctx: CaseContext, msg: Incoming, name: str) -> Mapping[str, Any]:
    body = msg.payload.get(name)
    ctx.require(
        isinstance(body, Mapping),
        f"{msg.action}.req carries no {name}",
        frame=msg.text,
    )
    assert isinstance(body, Mapping)
    return body


def _check_kind(ctx: CaseContext, msg: Incoming, profile: Mapping[str, Any]) -> None:
    """recurrencyKind omitted; kind Absolute (validFrom, validTo, startSchedule and duration
    given) or Relative (no startSchedule)."""
    schedule = profile.get("chargingSchedule") or {}
    kind = profile.get("chargingProfileKind")
    _check(ctx, msg, "recurrencyKind" not in profile, "recurrencyKind must be omitted")
    _check(
        ctx,
        msg,
        kind in ("Absolute", "Relative"),
        f"chargingProfileKind is {kind!r}, expected Absolute or Relative",
    )
    if kind == "Absolute":
        for name, where in (
            ("validFrom", profile),
            ("validTo", profile),
            ("startSchedule", schedule),
            ("duration", schedule),
        ):
            _check(ctx, msg, name in where, f"an Absolute profile needs {name}")
    if kind == "Relative":
        _check(ctx, msg, "startSchedule" not in schedule, "a Relative profile has no startSchedule")


def _check_schedule(ctx: CaseContext, msg: Incoming, profile: Mapping[str, Any]) -> None:
    """chargingRateUnit, duration, the first period (startPeriod 0, the limit, the phases)."""
    schedule = profile.get("chargingSchedule") or {}
    unit = _unit(ctx)
    duration = ctx.dut.pixit.charging_schedule_duration
    _check(
        ctx,
        msg,
        schedule.get("chargingRateUnit") == unit,
        f"chargingSchedule.chargingRateUnit is {schedule.get('chargingRateUnit')!r}, expected "
        f"the configured {unit}",
    )
    _check(
        ctx,
        msg,
        schedule.get("duration") == duration,
        f"chargingSchedule.duration is {schedule.get('duration')!r}, expected the configured "
        f"{duration}",
    )
    periods = schedule.get("chargingSchedulePeriod") or [{}]
    first = periods[0]
    _check(
        ctx,
        msg,
        first.get("startPeriod") == 0,
        f"the first chargingSchedulePeriod.startPeriod is {first.get('startPeriod')!r}, expected 0",
    )
    _check(
        ctx,
        msg,
        first.get("limit") == _limit(ctx),
        f"chargingSchedulePeriod.limit is {first.get('limit')!r}, expected {_limit(ctx):g}",
    )
    phases = ctx.dut.pixit.number_phases
    got = first.get("numberPhases")
    _check(
        ctx,
        msg,
        got == phases or (got is None and phases == 3),
        f"chargingSchedulePeriod.numberPhases is {got!r}, expected {phases}"
        + (" (or omitted)" if phases == 3 else ""),
    )


async def _set_profile(
    ctx: CaseContext,
    st: MockStation,
    purpose: str,
    *,
    connector: int,
    transaction_id: int | None = None,
) -> Mapping[str, Any]:
    """The operator sets a profile; SetChargingProfile.req checked for connectorId, purpose,
    stackLevel and transactionId, answered Accepted. Returns csChargingProfiles."""
    args = _profile_args(ctx)
    msg = await states.operator_request(
        ctx,
        st,
        "SetChargingProfile",
        "set_charging_profile",
        connector_id=connector,
        purpose=purpose,
        transaction_id=transaction_id,
        **args,
    )
    profile = _body(ctx, msg, "csChargingProfiles")
    states.check_field(ctx, msg, "connectorId", connector, "the connector the operator chose")
    _check(
        ctx,
        msg,
        profile.get("chargingProfilePurpose") == purpose,
        f"chargingProfilePurpose is {profile.get('chargingProfilePurpose')!r}, expected {purpose}",
    )
    _check(
        ctx,
        msg,
        profile.get("stackLevel") == args["stack_level"],
        f"stackLevel is {profile.get('stackLevel')!r}, expected the configured "
        f"{args['stack_level']}",
    )
    _check(
        ctx,
        msg,
        profile.get("transactionId") == transaction_id,
        f"transactionId is {profile.get('transactionId')!r}, expected "
        + (
            f"{transaction_id}, the running transaction's"
            if transaction_id is not None
            else "it omitted (only a TxProfile names a transaction)"
        ),
    )
    await msg.reply({"status": "Accepted"})
    return profile


@testcase("TC_056_CSMS", verbs=("set_charging_profile",))
async def test_txdefaultprofile(ctx: CaseContext) -> None:
    """Section 3.13.1: the operator sets a default schedule for new transactions: a
    TxDefaultProfile for <Configured connectorId>, Absolute (validFrom, validTo,
    startSchedule), no transactionId or recurrencyKind, the configured stackLevel, unit,
    duration, numberPhases and limit 6; the charge point accepts."""
    st = await states.booted_station(ctx)
    profile = await _set_profile(ctx, st, "TxDefaultProfile", connector=CONNECTOR)
    msg = st.conn.received("SetChargingProfile")[-1]
    _check(
        ctx,
        msg,
        profile.get("chargingProfileKind") == "Absolute",
        f"chargingProfileKind is {profile.get('chargingProfileKind')!r}, expected Absolute",
    )
    _check_kind(ctx, msg, profile)
    _check_schedule(ctx, msg, profile)
    await states.still_serving(ctx, st, "the accepted SetChargingProfile")


@testcase("TC_057_CSMS", verbs=("set_charging_profile",))
async def test_txprofile(ctx: CaseContext) -> None:
    """Section 3.13.1: in state Charging the operator sets a schedule for the running
    transaction: a TxProfile for <Configured connectorId> with the transactionId the Central
    System gave, no recurrencyKind, Absolute (with validity and schedule start and duration)
    or Relative (no startSchedule); the charge point accepts."""
    st = await states.booted_station(ctx)
    tx = await states.charging(ctx, st)
    profile = await _set_profile(
        ctx, st, "TxProfile", connector=CONNECTOR, transaction_id=tx.transaction_id
    )
    _check_kind(ctx, st.conn.received("SetChargingProfile")[-1], profile)
    await st.meter_values16(tx, tx.meter + 250)


@testcase("TC_059_CSMS", verbs=("request_start_transaction_with_profile",))
async def test_remote_start_with_profile(ctx: CaseContext) -> None:
    """Section 5.11: the operator starts a transaction with a TxProfile: the
    RemoteStartTransaction.req names <Configured valid IdTag> and <Configured ConnectorId>,
    its chargingProfile is a TxProfile without transactionId or recurrencyKind whose first
    period starts at 0; Accepted, Authorize, Preparing, StartTransaction, Charging."""
    st = await states.booted_station(ctx)
    tag = states.valid_id_tag(ctx)
    args = _profile_args(ctx)
    del args["stack_level"]
    msg = await states.operator_request(
        ctx,
        st,
        "RemoteStartTransaction",
        "request_start_transaction_with_profile",
        evse_id=CONNECTOR,
        id_token=tag,
        **args,
    )
    states.check_field(ctx, msg, "idTag", tag, "the configured valid idTag")
    states.check_field(ctx, msg, "connectorId", CONNECTOR, "the connector the operator chose")
    profile = _body(ctx, msg, "chargingProfile")
    _check(
        ctx,
        msg,
        profile.get("chargingProfilePurpose") == "TxProfile",
        f"chargingProfile.chargingProfilePurpose is "
        f"{profile.get('chargingProfilePurpose')!r}, expected TxProfile (section 5.11)",
    )
    _check(
        ctx,
        msg,
        "transactionId" not in profile,
        f"chargingProfile.transactionId is {profile.get('transactionId')!r}; it must be "
        f"omitted: the transaction does not exist yet",
    )
    periods = (profile.get("chargingSchedule") or {}).get("chargingSchedulePeriod") or [{}]
    _check(
        ctx,
        msg,
        periods[0].get("startPeriod") == 0,
        f"the first chargingSchedulePeriod.startPeriod is {periods[0].get('startPeriod')!r}, "
        f"expected 0",
    )
    _check_kind(ctx, msg, profile)
    await msg.reply({"status": "Accepted"})
    await states.authorized(ctx, st, tag)
    await st.status16(CONNECTOR, "Preparing")
    await states.start_transaction(ctx, st, tag)
    await st.status16(CONNECTOR, "Charging")


@testcase("TC_066_CSMS", verbs=("get_composite_schedule",))
async def test_composite_schedule(ctx: CaseContext) -> None:
    """Section 5.7: the operator asks for the composite schedule of <Configured ConnectorId>
    for <Configured duration> in <Configured chargingRateUnit>; the charge point answers a
    composite schedule, which the Central System takes."""
    st = await states.booted_station(ctx)
    duration = ctx.dut.pixit.charging_schedule_duration
    unit = _unit(ctx)
    msg = await states.operator_request(
        ctx,
        st,
        "GetCompositeSchedule",
        "get_composite_schedule",
        connector_id=CONNECTOR,
        duration=duration,
        charging_rate_unit=unit,
    )
    states.check_field(ctx, msg, "connectorId", CONNECTOR, "the connector the operator chose")
    states.check_field(ctx, msg, "duration", duration, "the configured duration")
    states.check_field(ctx, msg, "chargingRateUnit", unit, "the configured unit")
    now = _now_iso()
    await msg.reply(
        {
            "status": "Accepted",
            "connectorId": CONNECTOR,
            "scheduleStart": now,
            "chargingSchedule": {
                "duration": duration,
                "startSchedule": now,
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": _limit(ctx)}],
            },
        }
    )
    await states.still_serving(ctx, st, "the composite schedule")


@testcase("TC_067_CSMS", verbs=("set_charging_profile", "clear_charging_profile"))
async def test_clear_charging_profile(ctx: CaseContext) -> None:
    """Section 5.5: in state Charging the operator sets three profiles (ChargePointMaxProfile
    on connectorId 0, TxDefaultProfile and a TxProfile of the transaction on <Configured
    ConnectorId>, each with the configured stackLevel and its own chargingProfileId), then
    clears one by id (nothing else given), one by criteria (connectorId, TxDefaultProfile,
    stackLevel; no id) and all the rest (no field at all)."""
    st = await states.booted_station(ctx)
    tx = await states.charging(ctx, st)
    first = await _set_profile(ctx, st, "ChargePointMaxProfile", connector=0)
    await _set_profile(ctx, st, "TxDefaultProfile", connector=CONNECTOR)
    await _set_profile(ctx, st, "TxProfile", connector=CONNECTOR, transaction_id=tx.transaction_id)
    sets = st.conn.received("SetChargingProfile")[-3:]
    ids = [(m.payload.get("csChargingProfiles") or {}).get("chargingProfileId") for m in sets]
    ctx.check(
        len(set(ids)) == 3,
        f"the three profiles have chargingProfileIds {ids}; each needs its own",
    )
    level = ctx.dut.pixit.charging_profile_stack_level
    steps: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("by id", {"charging_profile_id": first.get("chargingProfileId")}, {"id": ids[0]}),
        (
            "by criteria",
            {"connector_id": CONNECTOR, "purpose": "TxDefaultProfile", "stack_level": level},
            {
                "connectorId": CONNECTOR,
                "chargingProfilePurpose": "TxDefaultProfile",
                "stackLevel": level,
            },
        ),
        ("all remaining", {}, {}),
    ]
    for what, verb_args, expected in steps:
        msg = await states.operator_request(
            ctx, st, "ClearChargingProfile", "clear_charging_profile", **verb_args
        )
        ctx.check(
            dict(msg.payload) == expected,
            f"ClearChargingProfile.req ({what}) is {dict(msg.payload)}, expected {expected}",
            frame=msg.text,
        )
        await msg.reply({"status": "Accepted"})
    await st.meter_values16(tx, tx.meter + 250)
