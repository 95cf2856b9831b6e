"""OCPP 2.0.1, DUT = charging station, functional block K (Smart Charging).

The Smart Charging profile's cases: SetChargingProfile (K01), RequestStartTransaction with a
TxProfile (K05 / F01), GetCompositeSchedule (K08), GetChargingProfiles (K09) and
ClearChargingProfile (K10). The official texts of these cases are not public; each case
follows the requirements it names. That a profile is applied is seen in the composite
schedule the station computes (K08), which must follow the stacking and combination rules:
within a purpose the highest stackLevel valid at a time wins, a transaction's TxProfile takes
the place of the TxDefaultProfiles, and the ChargingStationMaxProfile caps the result.
Limits are given in A and sent in the station's unit (SmartChargingCtrlr.RateUnit).

TC_K_38_CS (Core) and TC_K_15_CS are for a station WITHOUT Smart Charging: it ignores
a TxProfile that comes with a RequestStartTransactionRequest (F01.FR.12) and answers a
SetChargingProfileRequest with a CALLERROR NotSupported.
"""

from __future__ import annotations

import time
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import smart_charging as sc
from testcases.ocpp201.cs import states

_TX_VERBS = ("plug_in", "unplug")
_CHARGING_VERBS = ("plug_in", "present_id_token", "unplug")
_SC = ("Smart Charging",)
TXDEFAULT = "TxDefaultProfile"
TXPROFILE = "TxProfile"
MAXPROFILE = "ChargingStationMaxProfile"
MAXEXT = "ChargingStationExternalConstraints"


def _tx_profile() -> dict[str, Any]:
    """A Relative TxProfile for the transaction about to start (no transactionId yet): one
    period from 0 s, 6 A (chargingRateUnit A; numberPhases left to its default, 3)."""
    return {
        "id": int(time.time()) % 100_000 + 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
            }
        ],
    }


@testcase("TC_K_38_CS", verbs=_TX_VERBS)
async def test_remote_start_ignores_charging_profile(ctx: CaseContext) -> None:
    """F01.FR.12: with the EV connected (EVConnectedPreSession), a RequestStartTransaction
    for <Configured evseId> carrying a TxProfile is accepted by a station without Smart
    Charging, which ignores the profile: it authorizes the idToken first when
    AuthorizeRemoteStart is true, reports the start (triggerReason RemoteStart, the
    remoteStartId and idToken) and energy transfer starts."""
    if ctx.dut.pics.claims("Smart Charging"):
        raise NotApplicable("prerequisite not met: the station claims Smart Charging")
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    await states.ev_connected_pre_session(ctx, s)
    token = states.valid_token(ctx)
    setting = await states.get_variable(ctx, s, "AuthCtrlr", "AuthorizeRemoteStart")
    authorize = (
        setting.get("attributeValue") == "true"
        if setting.get("attributeStatus") == "Accepted"
        else None
    )
    rid = sc.new_id()  # remoteStartId: fresh in the run
    t0 = time.monotonic()
    result = await s.call(
        "RequestStartTransaction",
        {
            "idToken": dict(token),
            "remoteStartId": rid,
            "evseId": states.EVSE,
            "chargingProfile": _tx_profile(),
        },
    )
    ctx.require(
        result.get("status") == "Accepted",
        f"RequestStartTransactionResponse status is {result.get('status')!r}; a station "
        f"without Smart Charging must ignore the chargingProfile and accept the request",
        requirement="F01.FR.12",
    )
    if authorize:
        await s.expect(
            "Authorize",
            {"idToken": token},
            predicate=states.after(t0),
            why="AuthorizeRemoteStart is true, so the remote idToken is authorized first",
        )
    await states.energy_transfer_started(ctx, s, since=t0)
    rs = states.RemoteStart(result, rid, dict(token), t0, authorize)
    states.check_remote_start_reported(ctx, s, rs)


# -- K01 SetChargingProfile -------------------------------------------------------------------


async def _baseline(ctx: CaseContext, s: Session, unit: str, duration: int = 300) -> Any:
    """The composite schedule of <Configured evseId> before the case installs anything."""
    return await sc.composite(ctx, s, states.EVSE, duration, unit)


@testcase("TC_K_01_CS", features=_SC)
async def test_set_tx_default_profile_specific_evse(ctx: CaseContext) -> None:
    """K01.FR.01 / K08: a TxDefaultProfile for <Configured evseId> is Accepted and limits
    that EVSE (its composite schedule), and only that one: another EVSE is not limited."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(0, 6), (150, 6)],
        unit,
        requirement="K01.FR.01",
        why="the TxDefaultProfile of this EVSE limits it to 6 A",
    )
    others = [e for e in ctx.dut.pixit.evse_ids if e != states.EVSE]
    for other in others[:1]:
        schedule = await sc.composite(ctx, s, other, 300, unit)
        ctx.check(
            sc.limit_at(schedule, 0) != sc.value(6, unit),
            f"EVSE {other} is limited to {sc.limit_at(schedule, 0):g} {unit} after a "
            f"TxDefaultProfile was set for EVSE {states.EVSE} only",
            requirement="K01.FR.01",
        )


@testcase("TC_K_02_CS", features=_SC)
async def test_set_tx_profile_without_transaction(ctx: CaseContext) -> None:
    """K01.FR.09: a TxProfile for an EVSE that has no transaction is Rejected."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    profile = sc.profile(
        TXPROFILE, unit, [(0, 6)], kind="Relative", transaction_id=f"no-tx-{sc.new_id()}"
    )
    await sc.set_profile(
        ctx,
        s,
        states.EVSE,
        profile,
        expected="Rejected",
        requirement="K01.FR.09",
        why="there is no transaction on the EVSE",
    )


@testcase("TC_K_03_CS", features=_SC)
async def test_set_charging_station_max_profile(ctx: CaseContext) -> None:
    """K01.FR.01 / K08: a ChargingStationMaxProfile for evseId 0 is Accepted and caps the
    whole station: the grid connection's composite schedule (evseId 0) and an EVSE's."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    profile = sc.profile(MAXPROFILE, unit, [(0, 10)], duration=86400)
    await sc.set_profile(ctx, s, 0, profile, requirement="K01.FR.01")
    for evse_id in (0, states.EVSE):
        schedule = await sc.composite(ctx, s, evse_id, 300, unit)
        sc.check_limits(
            ctx,
            schedule,
            [(0, 10), (150, 10)],
            unit,
            requirement="K08.FR.02",
            why=f"the ChargingStationMaxProfile caps evseId {evse_id} at 10 A",
        )


@testcase("TC_K_04_CS", features=_SC)
async def test_replace_profile_with_same_id(ctx: CaseContext) -> None:
    """K01.FR.05: a SetChargingProfile with the id of an installed profile replaces it:
    afterwards one profile with that id is reported, with the new limit, and applied."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    first = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    await sc.set_profile(ctx, s, states.EVSE, first, requirement="K01.FR.01")
    second = sc.profile(TXDEFAULT, unit, [(0, 10)], kind="Relative", profile_id=first["id"])
    await sc.set_profile(ctx, s, states.EVSE, second, requirement="K01.FR.05")
    reports = await sc.get_profiles(ctx, s, {"chargingProfileId": [first["id"]]})
    found = [p for _e, p in sc.reported(reports) if p["id"] == first["id"]]
    limits = [p["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] for p in found]
    ctx.check(
        limits == [sc.value(10, unit)],
        f"after replacing profile {first['id']} the station reports it with limits {limits}; "
        f"expected one profile with the new limit {sc.value(10, unit):g}",
        requirement="K01.FR.05",
    )
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(0, 10)],
        unit,
        requirement="K01.FR.05",
        why="the replacing profile (10 A) is the one applied",
    )


@testcase("TC_K_10_CS", features=_SC)
async def test_set_tx_default_profile_all_evses(ctx: CaseContext) -> None:
    """K01.FR.01 / K08: a TxDefaultProfile for evseId 0 is Accepted and applies to every
    EVSE."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    await sc.set_profile(ctx, s, 0, profile, requirement="K01.FR.01")
    for evse_id in ctx.dut.pixit.evse_ids:
        schedule = await sc.composite(ctx, s, evse_id, 300, unit)
        sc.check_limits(
            ctx,
            schedule,
            [(0, 6)],
            unit,
            requirement="K01.FR.01",
            why="a TxDefaultProfile for evseId 0 applies to each EVSE",
        )


@testcase("TC_K_11_CS", features=_SC, verbs=_CHARGING_VERBS)
async def test_tx_profile_not_for_all_evses(ctx: CaseContext) -> None:
    """K01.FR.16: a TxProfile is for one EVSE; with evseId 0 it is Rejected (even naming the
    ongoing transaction)."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    unit = await sc.unit(ctx, s)
    tx_id = await states.charging_session(ctx, s)
    profile = sc.profile(TXPROFILE, unit, [(0, 6)], kind="Relative", transaction_id=tx_id)
    await sc.set_profile(
        ctx,
        s,
        0,
        profile,
        expected="Rejected",
        requirement="K01.FR.16",
        why="a TxProfile cannot be set on all EVSEs at once (evseId 0)",
    )


@testcase("TC_K_12_CS", features=_SC)
async def test_set_profile_rate_unit_rejected(ctx: CaseContext) -> None:
    """K01.FR.26: a profile whose chargingRateUnit is not in SmartChargingCtrlr.RateUnit is
    Rejected."""
    s = await states.booted(ctx)
    unit = await sc.unsupported_unit(ctx, s)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    await sc.set_profile(
        ctx,
        s,
        states.EVSE,
        profile,
        expected="Rejected",
        requirement="K01.FR.26",
        why=f"{unit} is not in SmartChargingCtrlr.RateUnit",
    )


@testcase("TC_K_14_CS", features=_SC)
async def test_set_profile_unknown_evse(ctx: CaseContext) -> None:
    """K01.FR.28: a profile for an evseId the station does not have is Rejected."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    unknown = max(ctx.dut.pixit.evse_ids) + 1
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    await sc.set_profile(
        ctx,
        s,
        unknown,
        profile,
        expected="Rejected",
        requirement="K01.FR.28",
        why=f"EVSE {unknown} does not exist",
    )


@testcase("TC_K_16_CS", features=_SC, verbs=_CHARGING_VERBS)
async def test_set_tx_profile_unknown_transaction(ctx: CaseContext) -> None:
    """K01.FR.33: with a transaction on <Configured evseId>, a TxProfile naming another,
    unknown transactionId is Rejected."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    unit = await sc.unit(ctx, s)
    await states.charging_session(ctx, s)
    profile = sc.profile(
        TXPROFILE, unit, [(0, 6)], kind="Relative", transaction_id=f"unknown-{sc.new_id()}"
    )
    await sc.set_profile(
        ctx,
        s,
        states.EVSE,
        profile,
        expected="Rejected",
        requirement="K01.FR.33",
        why="the transactionId is not the EVSE's transaction",
    )


# -- K10 ClearChargingProfile ----------------------------------------------------------------


async def _absent(ctx: CaseContext, s: Session, profile_id: int, requirement: str) -> None:
    """GetChargingProfiles for the id says NoProfiles: the profile is gone."""
    request_id = sc.new_id() % 100_000
    result = await s.call(
        "GetChargingProfiles",
        {"requestId": request_id, "chargingProfile": {"chargingProfileId": [profile_id]}},
    )
    ctx.check(
        result.get("status") == "NoProfiles",
        f"GetChargingProfiles for the cleared profile {profile_id} answered "
        f"{result.get('status')!r}; expected NoProfiles: it must be gone",
        requirement=requirement,
    )


@testcase("TC_K_05_CS", features=_SC)
async def test_clear_profile_by_id(ctx: CaseContext) -> None:
    """K10.FR.01: ClearChargingProfile with the chargingProfileId of an installed profile is
    Accepted and the profile is gone."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    await sc.clear(
        ctx, s, {"chargingProfileId": profile["id"]}, expected="Accepted", requirement="K10.FR.01"
    )
    await _absent(ctx, s, profile["id"], "K10.FR.01")


@testcase("TC_K_06_CS", features=_SC)
async def test_clear_profile_by_stack_level_and_purpose(ctx: CaseContext) -> None:
    """K10.FR.02: ClearChargingProfile with evseId, stackLevel and purpose criteria matching
    one installed profile is Accepted and that profile is gone."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative", stack_level=1)
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    criteria = {"evseId": states.EVSE, "chargingProfilePurpose": TXDEFAULT, "stackLevel": 1}
    await sc.clear(
        ctx,
        s,
        {"chargingProfileCriteria": criteria},
        expected="Accepted",
        requirement="K10.FR.02",
    )
    await _absent(ctx, s, profile["id"], "K10.FR.02")


@testcase("TC_K_07_CS", features=_SC)
async def test_clear_profile_unknown_criteria(ctx: CaseContext) -> None:
    """K10.FR.08: ClearChargingProfile whose stackLevel / purpose matches no installed profile
    is answered Unknown, and the installed profile stays."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative", stack_level=0)
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    criteria = {"evseId": states.EVSE, "chargingProfilePurpose": TXDEFAULT, "stackLevel": 5}
    await sc.clear(
        ctx,
        s,
        {"chargingProfileCriteria": criteria},
        expected="Unknown",
        requirement="K10.FR.08",
    )
    reports = await sc.get_profiles(ctx, s, {"chargingProfileId": [profile["id"]]})
    sc.check_reported_ids(
        ctx,
        reports,
        {profile["id"]: states.EVSE},
        requirement="K10.FR.08",
        what="the profile a non-matching clear must leave",
    )


@testcase("TC_K_08_CS", features=_SC)
async def test_clear_profile_none_installed(ctx: CaseContext) -> None:
    """K10.FR.08: with no charging profile installed, ClearChargingProfile is answered
    Unknown."""
    s = await states.booted(ctx)
    await sc.clear_all(ctx, s)
    await sc.clear(
        ctx, s, {"chargingProfileId": sc.new_id()}, expected="Unknown", requirement="K10.FR.08"
    )


@testcase("TC_K_24_CS", features=_SC)
async def test_clear_profiles_by_criteria_multiple(ctx: CaseContext) -> None:
    """K10.FR.02: ClearChargingProfile with purpose and stackLevel criteria (no evseId) clears
    every profile that matches (on each EVSE), and only those."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    one = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative", stack_level=2)
    await sc.set_profile(ctx, s, states.EVSE, one, requirement="K01.FR.01")
    every = sc.profile(TXDEFAULT, unit, [(0, 8)], kind="Relative", stack_level=2)
    await sc.set_profile(ctx, s, 0, every, requirement="K01.FR.01")
    kept = sc.profile(TXDEFAULT, unit, [(0, 10)], kind="Relative", stack_level=3)
    await sc.set_profile(ctx, s, states.EVSE, kept, requirement="K01.FR.01")
    criteria = {"chargingProfilePurpose": TXDEFAULT, "stackLevel": 2}
    await sc.clear(
        ctx,
        s,
        {"chargingProfileCriteria": criteria},
        expected="Accepted",
        requirement="K10.FR.02",
    )
    reports = await sc.get_profiles(ctx, s, {"chargingProfilePurpose": TXDEFAULT})
    sc.check_reported_ids(
        ctx,
        reports,
        {kept["id"]: states.EVSE},
        requirement="K10.FR.02",
        what="the TxDefaultProfiles left after clearing stackLevel 2",
    )


# -- K09 GetChargingProfiles -----------------------------------------------------------------


async def _three_profiles(ctx: CaseContext, s: Session) -> dict[str, dict[str, Any]]:
    """Memory state of the GetChargingProfiles cases: nothing else installed, then a
    ChargingStationMaxProfile (evseId 0) and two TxDefaultProfiles on <Configured evseId>
    (stackLevel 0 and 1)."""
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    out = {
        "max": sc.profile(MAXPROFILE, unit, [(0, 16)], duration=86400),
        "default0": sc.profile(TXDEFAULT, unit, [(0, 10)], kind="Relative", stack_level=0),
        "default1": sc.profile(TXDEFAULT, unit, [(0, 8)], kind="Relative", stack_level=1),
    }
    out["default1"]["id"] = out["default0"]["id"] + 1
    out["max"]["id"] = out["default0"]["id"] + 2
    for key, profile in out.items():
        evse_id = 0 if key == "max" else states.EVSE
        await sc.set_profile(ctx, s, evse_id, profile, requirement="K01.FR.01")
    return out


@testcase("TC_K_29_CS", features=_SC)
async def test_get_profiles_evse_0(ctx: CaseContext) -> None:
    """K09.FR.01: GetChargingProfiles with evseId 0 reports the profiles of the whole station
    (evseId 0) only."""
    s = await states.booted(ctx)
    p = await _three_profiles(ctx, s)
    reports = await sc.get_profiles(ctx, s, {"chargingLimitSource": ["CSO"]}, evse_id=0)
    sc.check_reported_ids(
        ctx, reports, {p["max"]["id"]: 0}, requirement="K09.FR.01", what="evseId 0"
    )


@testcase("TC_K_30_CS", features=_SC)
async def test_get_profiles_evse(ctx: CaseContext) -> None:
    """K09.FR.01: GetChargingProfiles with evseId <Configured evseId> reports that EVSE's
    profiles only."""
    s = await states.booted(ctx)
    p = await _three_profiles(ctx, s)
    reports = await sc.get_profiles(ctx, s, {"chargingLimitSource": ["CSO"]}, evse_id=states.EVSE)
    wanted = {p["default0"]["id"]: states.EVSE, p["default1"]["id"]: states.EVSE}
    sc.check_reported_ids(
        ctx, reports, wanted, requirement="K09.FR.01", what=f"evseId {states.EVSE}"
    )


@testcase("TC_K_31_CS", features=_SC)
async def test_get_profiles_no_evse(ctx: CaseContext) -> None:
    """K09.FR.01: GetChargingProfiles without evseId reports the profiles of every EVSE and of
    the station, each report naming the evseId it is for."""
    s = await states.booted(ctx)
    p = await _three_profiles(ctx, s)
    reports = await sc.get_profiles(ctx, s, {"chargingLimitSource": ["CSO"]})
    wanted = {
        p["max"]["id"]: 0,
        p["default0"]["id"]: states.EVSE,
        p["default1"]["id"]: states.EVSE,
    }
    sc.check_reported_ids(ctx, reports, wanted, requirement="K09.FR.01", what="no evseId")


@testcase("TC_K_32_CS", features=_SC)
async def test_get_profiles_by_id(ctx: CaseContext) -> None:
    """K09.FR.01: GetChargingProfiles with a chargingProfileId reports that profile only."""
    s = await states.booted(ctx)
    p = await _three_profiles(ctx, s)
    wanted_id = p["default1"]["id"]
    reports = await sc.get_profiles(ctx, s, {"chargingProfileId": [wanted_id]})
    sc.check_reported_ids(
        ctx,
        reports,
        {wanted_id: states.EVSE},
        requirement="K09.FR.01",
        what=f"chargingProfileId {wanted_id}",
    )


@testcase("TC_K_33_CS", features=_SC)
async def test_get_profiles_evse_stack_level(ctx: CaseContext) -> None:
    """K09.FR.01: GetChargingProfiles with evseId and stackLevel reports that EVSE's profiles
    of that stackLevel only."""
    s = await states.booted(ctx)
    p = await _three_profiles(ctx, s)
    reports = await sc.get_profiles(ctx, s, {"stackLevel": 1}, evse_id=states.EVSE)
    sc.check_reported_ids(
        ctx,
        reports,
        {p["default1"]["id"]: states.EVSE},
        requirement="K09.FR.01",
        what=f"evseId {states.EVSE}, stackLevel 1",
    )


@testcase("TC_K_34_CS", features=_SC)
async def test_get_profiles_evse_limit_source(ctx: CaseContext) -> None:
    """K09.FR.01 / K09.FR.03: GetChargingProfiles with evseId and chargingLimitSource CSO
    reports the profiles the CSMS set; with a source that set none (EMS) the answer is
    NoProfiles."""
    s = await states.booted(ctx)
    p = await _three_profiles(ctx, s)
    reports = await sc.get_profiles(ctx, s, {"chargingLimitSource": ["CSO"]}, evse_id=states.EVSE)
    wanted = {p["default0"]["id"]: states.EVSE, p["default1"]["id"]: states.EVSE}
    sc.check_reported_ids(
        ctx, reports, wanted, requirement="K09.FR.01", what="chargingLimitSource CSO"
    )
    ctx.check(
        all(r.payload.get("chargingLimitSource") == "CSO" for r in reports),
        "profiles set by the CSMS must be reported with chargingLimitSource CSO",
        requirement="K09.FR.01",
    )
    await sc.get_profiles(
        ctx, s, {"chargingLimitSource": ["EMS"]}, evse_id=states.EVSE, expected="NoProfiles"
    )


@testcase("TC_K_35_CS", features=_SC)
async def test_get_profiles_evse_purpose(ctx: CaseContext) -> None:
    """K09.FR.01 / K09.FR.03: GetChargingProfiles with evseId and chargingProfilePurpose
    reports that EVSE's profiles of that purpose; for a purpose it has none of (TxProfile,
    no transaction) the answer is NoProfiles."""
    s = await states.booted(ctx)
    p = await _three_profiles(ctx, s)
    reports = await sc.get_profiles(
        ctx, s, {"chargingProfilePurpose": TXDEFAULT}, evse_id=states.EVSE
    )
    wanted = {p["default0"]["id"]: states.EVSE, p["default1"]["id"]: states.EVSE}
    sc.check_reported_ids(ctx, reports, wanted, requirement="K09.FR.01", what=TXDEFAULT)
    await sc.get_profiles(
        ctx,
        s,
        {"chargingProfilePurpose": TXPROFILE},
        evse_id=states.EVSE,
        expected="NoProfiles",
    )


@testcase("TC_K_36_CS", features=_SC)
async def test_get_profiles_evse_purpose_stack_level(ctx: CaseContext) -> None:
    """K09.FR.01: GetChargingProfiles with evseId, chargingProfilePurpose and stackLevel
    reports the one profile that matches all three."""
    s = await states.booted(ctx)
    p = await _three_profiles(ctx, s)
    reports = await sc.get_profiles(
        ctx, s, {"chargingProfilePurpose": TXDEFAULT, "stackLevel": 0}, evse_id=states.EVSE
    )
    sc.check_reported_ids(
        ctx,
        reports,
        {p["default0"]["id"]: states.EVSE},
        requirement="K09.FR.01",
        what=f"{TXDEFAULT}, stackLevel 0",
    )


# -- K08 GetCompositeSchedule ----------------------------------------------------------------


@testcase("TC_K_39_CS", features=_SC)
async def test_composite_schedule_no_profiles(ctx: CaseContext) -> None:
    """K08.FR.02: with no charging profile installed the composite schedule of <Configured
    evseId> is Accepted, for the requested duration and unit, and nothing changes the
    limit over that time (one limit throughout)."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    limits = {p["limit"] for p in schedule["chargingSchedulePeriod"]}
    ctx.check(
        len(limits) == 1,
        f"with no charging profile installed the composite schedule changes limit "
        f"({sorted(limits)}); nothing should change it",
        requirement="K08.FR.02",
    )


@testcase("TC_K_40_CS", features=_SC)
async def test_composite_schedule_stacking(ctx: CaseContext) -> None:
    """K08.FR.02 (stacking, K01): two TxDefaultProfiles on <Configured evseId>: stackLevel 0
    (6 A, 8 A from 100 s, 10 A from 200 s, 400 s) and stackLevel 1 (10 A, 6 A from 100 s,
    150 s). The higher stack level rules while its schedule runs: 10 A, 6 A, then the lower
    one's 8 A and 10 A."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    start = sc.iso()
    low = sc.profile(
        TXDEFAULT, unit, [(0, 6), (100, 8), (200, 10)], start_schedule=start, duration=400
    )
    high = sc.profile(
        TXDEFAULT,
        unit,
        [(0, 10), (100, 6)],
        start_schedule=start,
        duration=150,
        stack_level=1,
    )
    high["id"] = low["id"] + 1
    await sc.set_profile(ctx, s, states.EVSE, low, requirement="K01.FR.01")
    await sc.set_profile(ctx, s, states.EVSE, high, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 400, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(50, 10), (125, 6), (175, 8), (300, 10)],
        unit,
        requirement="K08.FR.02",
        why="stackLevel 1 over stackLevel 0 while it runs",
    )


@testcase("TC_K_41_CS", features=_SC)
async def test_composite_schedule_combining_purposes(ctx: CaseContext) -> None:
    """K08.FR.02: a ChargingStationMaxProfile (10 A) and a TxDefaultProfile on <Configured
    evseId> (6 A, 12 A from 100 s, 8 A from 200 s): the EVSE's composite schedule is the
    lower of the two at each time: 6 A, 10 A, 8 A."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    start = sc.iso()
    cap = sc.profile(MAXPROFILE, unit, [(0, 10)], start_schedule=start, duration=86400)
    default = sc.profile(
        TXDEFAULT, unit, [(0, 6), (100, 12), (200, 8)], start_schedule=start, duration=300
    )
    default["id"] = cap["id"] + 1
    await sc.set_profile(ctx, s, 0, cap, requirement="K01.FR.01")
    await sc.set_profile(ctx, s, states.EVSE, default, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(50, 6), (150, 10), (250, 8)],
        unit,
        requirement="K08.FR.02",
        why="the ChargingStationMaxProfile caps the TxDefaultProfile",
    )


@testcase("TC_K_42_CS", features=_SC)
async def test_composite_schedule_unsupported_unit(ctx: CaseContext) -> None:
    """K08: GetCompositeSchedule in a chargingRateUnit not in SmartChargingCtrlr.RateUnit is
    Rejected."""
    s = await states.booted(ctx)
    unit = await sc.unsupported_unit(ctx, s)
    await sc.composite(ctx, s, states.EVSE, 300, unit, expected="Rejected", requirement="K08")


@testcase("TC_K_47_CS", features=_SC)
async def test_composite_schedule_unknown_evse(ctx: CaseContext) -> None:
    """K08: GetCompositeSchedule for an evseId the station does not have is Rejected."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    unknown = max(ctx.dut.pixit.evse_ids) + 1
    await sc.composite(ctx, s, unknown, 300, unit, expected="Rejected", requirement="K08")


# -- profiles on an ongoing transaction ------------------------------------------------------


@testcase("TC_K_37_CS", features=_SC, verbs=_TX_VERBS)
async def test_remote_start_with_charging_profile(ctx: CaseContext) -> None:
    """F01.FR.11 / K05: with the EV connected (EVConnectedPreSession), a RequestStartTransaction
    for <Configured evseId> carrying a Relative TxProfile (6 A, no transactionId) is Accepted,
    the transaction starts as a remote start, and the station uses the profile for it: it
    reports the TxProfile with the new transactionId and the EVSE's composite schedule is
    limited to 6 A."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    await states.local_auth_configured(ctx, s)
    await states.ev_connected_pre_session(ctx, s)
    token = states.valid_token(ctx)
    setting = await states.get_variable(ctx, s, "AuthCtrlr", "AuthorizeRemoteStart")
    authorize = (
        setting.get("attributeValue") == "true"
        if setting.get("attributeStatus") == "Accepted"
        else None
    )
    profile = sc.profile(TXPROFILE, unit, [(0, 6)], kind="Relative")
    rid = sc.new_id()  # remoteStartId: fresh in the run
    t0 = time.monotonic()
    result = await s.call(
        "RequestStartTransaction",
        {
            "idToken": dict(token),
            "remoteStartId": rid,
            "evseId": states.EVSE,
            "chargingProfile": profile,
        },
    )
    ctx.require(
        result.get("status") == "Accepted",
        f"RequestStartTransactionResponse status is {result.get('status')!r}; a station with "
        f"Smart Charging accepts a remote start with a TxProfile",
        requirement="F01.FR.11",
    )
    if authorize:
        await s.expect(
            "Authorize",
            {"idToken": token},
            predicate=states.after(t0),
            why="AuthorizeRemoteStart is true, so the remote idToken is authorized first",
        )
    started = await states.energy_transfer_started(ctx, s, since=t0)
    rs = states.RemoteStart(result, rid, dict(token), t0, authorize)
    states.check_remote_start_reported(ctx, s, rs)
    tx_id = started.payload["transactionInfo"]["transactionId"]
    reports = await sc.get_profiles(
        ctx, s, {"chargingProfilePurpose": TXPROFILE}, evse_id=states.EVSE
    )
    found = [p for _e, p in sc.reported(reports) if p["id"] == profile["id"]]
    ctx.check(
        len(found) == 1 and found[0].get("transactionId") == tx_id,
        f"the remote start's TxProfile {profile['id']} is reported as {found}; expected it "
        f"installed for transaction {tx_id}",
        requirement="F01.FR.11",
    )
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(0, 6), (150, 6)],
        unit,
        requirement="F01.FR.11",
        why="the remote start's TxProfile limits the transaction",
    )


@testcase("TC_K_60_CS", features=_SC, verbs=_CHARGING_VERBS)
async def test_set_tx_profile_ongoing_transaction(ctx: CaseContext) -> None:
    """K01.FR.01 / K08: during a transaction on <Configured evseId> (EnergyTransferStarted) a
    TxProfile for that transaction (6 A) is Accepted and limits it, and the TxProfile takes
    the place of a TxDefaultProfile (10 A) for the transaction."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    default = sc.profile(TXDEFAULT, unit, [(0, 10)], kind="Relative", stack_level=1)
    await sc.set_profile(ctx, s, states.EVSE, default, requirement="K01.FR.01")
    tx_id = await states.charging_session(ctx, s)
    profile = sc.profile(TXPROFILE, unit, [(0, 6)], kind="Relative", transaction_id=tx_id)
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(0, 6), (150, 6)],
        unit,
        requirement="K01.FR.01",
        why="the transaction's TxProfile limits it (over the TxDefaultProfile)",
    )


@testcase("TC_K_28_CS", features=_SC, verbs=_CHARGING_VERBS)
async def test_set_tx_default_profile_ongoing_transaction(ctx: CaseContext) -> None:
    """K01.FR.01 / K08: during a transaction that has no TxProfile, a TxDefaultProfile for
    <Configured evseId> (6 A) is Accepted and applies to the ongoing transaction."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    await states.charging_session(ctx, s)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(0, 6), (150, 6)],
        unit,
        requirement="K01.FR.01",
        why="the TxDefaultProfile applies to the ongoing transaction",
    )


@testcase("TC_K_09_CS", features=_SC, verbs=_CHARGING_VERBS)
async def test_clear_tx_default_profile_ongoing_transaction(ctx: CaseContext) -> None:
    """K10.FR.01: during a transaction limited by a TxDefaultProfile (6 A), clearing that
    profile by id is Accepted and the transaction is no longer limited by it: the composite
    schedule is the one from before the profile."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    await states.charging_session(ctx, s)
    before = await _baseline(ctx, s, unit)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    await sc.clear(
        ctx, s, {"chargingProfileId": profile["id"]}, expected="Accepted", requirement="K10.FR.01"
    )
    after = await _baseline(ctx, s, unit)
    ctx.check(
        after["chargingSchedulePeriod"] == before["chargingSchedulePeriod"],
        f"after clearing the TxDefaultProfile the composite schedule is "
        f"{after['chargingSchedulePeriod']}; expected the one from before it was set "
        f"{before['chargingSchedulePeriod']}",
        requirement="K10.FR.01",
    )


@testcase("TC_K_13_CS", features=_SC, verbs=("reboot",))
async def test_profiles_persist_over_reboot(ctx: CaseContext) -> None:
    """K01.FR.27 (persistent profiles): a ChargingStationMaxProfile and a TxDefaultProfile
    installed before a reboot are still installed, and applied, after it."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    cap = sc.profile(MAXPROFILE, unit, [(0, 16)], duration=86400)
    default = sc.profile(TXDEFAULT, unit, [(0, 6)], kind="Relative")
    default["id"] = cap["id"] + 1
    await sc.set_profile(ctx, s, 0, cap, requirement="K01.FR.01")
    await sc.set_profile(ctx, s, states.EVSE, default, requirement="K01.FR.01")
    await states.reboot(ctx)
    s = await states.booted(ctx)
    reports = await sc.get_profiles(ctx, s, {"chargingProfileId": [cap["id"], default["id"]]})
    sc.check_reported_ids(
        ctx,
        reports,
        {cap["id"]: 0, default["id"]: states.EVSE},
        requirement="K01.FR.27",
        what="the profiles installed before the reboot",
    )
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(0, 6)],
        unit,
        requirement="K01.FR.27",
        why="the TxDefaultProfile set before the reboot still applies",
    )


# -- validity, start and recurrence ----------------------------------------------------------


@testcase("TC_K_19_CS", features=_SC)
async def test_recurring_profile(ctx: CaseContext) -> None:
    """K01 (Recurring, recurrencyKind Daily): a TxDefaultProfile whose schedule started
    yesterday 60 s later in the day than now (6 A, then 10 A from 60 s, lasting 120 s)
    applies again today: the composite schedule shows 6 A from 60 s, 10 A from 120 s and the
    limit without the profile before and after."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    base = await _baseline(ctx, s, unit)
    profile = sc.profile(
        TXDEFAULT,
        unit,
        [(0, 6), (60, 10)],
        kind="Recurring",
        recurrency="Daily",
        start_schedule=sc.iso(60 - 86400),
        duration=120,
    )
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(30, None), (90, 6), (150, 10), (240, None)],
        unit,
        requirement="K01.FR.01",
        why="the Daily profile repeats today from 60 s for 120 s",
        baseline=base,
    )


@testcase("TC_K_21_CS", features=_SC)
async def test_profile_valid_from(ctx: CaseContext) -> None:
    """K01 (validFrom): a TxDefaultProfile (6 A) valid from 60 s from now does not limit the
    EVSE before then and does after."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    base = await _baseline(ctx, s, unit)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], duration=86400, valid_from=sc.iso(60))
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(30, None), (150, 6)],
        unit,
        requirement="K01.FR.01",
        why="the profile is valid from 60 s on",
        baseline=base,
    )


@testcase("TC_K_22_CS", features=_SC)
async def test_profile_valid_to(ctx: CaseContext) -> None:
    """K01 (validTo): a TxDefaultProfile (6 A) valid to 60 s from now limits the EVSE until
    then and no longer after."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    base = await _baseline(ctx, s, unit)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], duration=86400, valid_to=sc.iso(60))
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(30, 6), (150, None)],
        unit,
        requirement="K01.FR.01",
        why="the profile is valid until 60 s",
        baseline=base,
    )


@testcase("TC_K_23_CS", features=_SC)
async def test_profile_start_schedule(ctx: CaseContext) -> None:
    """K01 (startSchedule): an Absolute TxDefaultProfile whose schedule starts 60 s from now
    and lasts 120 s (6 A) limits the EVSE from 60 s to 180 s only."""
    s = await states.booted(ctx)
    unit = await sc.unit(ctx, s)
    await sc.clear_all(ctx, s)
    base = await _baseline(ctx, s, unit)
    profile = sc.profile(TXDEFAULT, unit, [(0, 6)], start_schedule=sc.iso(60), duration=120)
    await sc.set_profile(ctx, s, states.EVSE, profile, requirement="K01.FR.01")
    schedule = await sc.composite(ctx, s, states.EVSE, 300, unit)
    sc.check_limits(
        ctx,
        schedule,
        [(30, None), (120, 6), (240, None)],
        unit,
        requirement="K01.FR.01",
        why="the schedule runs from its startSchedule (60 s) for 120 s",
        baseline=base,
    )


# -- K12 external charging limit -------------------------------------------------------------

_EXTERNAL_VERBS = ("set_external_charging_limit", "clear_external_charging_limit")


@testcase("TC_K_52_CS", features=_SC, verbs=_EXTERNAL_VERBS)
async def test_external_limit_in_report(ctx: CaseContext) -> None:
    """K12.FR.02 / K09.FR.01: an external system limits the station (no transaction); the
    station tells the CSMS with a NotifyChargingLimitRequest (chargingLimitSource not CSO)
    and reports the limit, for GetChargingProfiles with that source, as a
    ChargingStationExternalConstraints profile with the same chargingLimitSource."""
    s = await states.booted(ctx)
    t0 = time.monotonic()
    await ctx.operator.set_external_charging_limit(limit=16)

    async def lift() -> None:
        await ctx.operator.clear_external_charging_limit()

    ctx.defer(lift)
    notify = await s.expect(
        "NotifyChargingLimit",
        predicate=states.after(t0),
        why="an external system set a charging limit (K12.FR.02)",
    )
    source = notify.payload["chargingLimit"]["chargingLimitSource"]
    ctx.require(
        source != "CSO",
        f"NotifyChargingLimit names chargingLimitSource {source!r}; a limit from an external "
        f"system is not the CSO's",
        requirement="K12.FR.02",
        frame=notify.text,
    )
    reports = await sc.get_profiles(ctx, s, {"chargingLimitSource": [source]})
    found = [(e, p) for e, p in sc.reported(reports) if p["chargingProfilePurpose"] == MAXEXT]
    ctx.check(
        bool(found) and all(r.payload["chargingLimitSource"] == source for r in reports),
        f"GetChargingProfiles for chargingLimitSource {source} reported "
        f"{[(r.payload['chargingLimitSource'], r.payload['evseId']) for r in reports]} with "
        f"purposes {[p['chargingProfilePurpose'] for _e, p in sc.reported(reports)]}; expected "
        f"a {MAXEXT} profile reported with source {source}",
        requirement="K09.FR.01",
    )


# -- a station without Smart Charging ----------------------------------------------------------


@testcase("TC_K_15_CS")
async def test_set_profile_not_supported(ctx: CaseContext) -> None:
    """A station that does not support Smart Charging answers a SetChargingProfileRequest
    with a CALLERROR NotSupported (OCPP-J: a known action the station does not support)."""
    if ctx.dut.pics.claims("Smart Charging"):
        raise NotApplicable("prerequisite not met: the station claims Smart Charging")
    s = await states.booted(ctx)
    profile = sc.profile(TXDEFAULT, "A", [(0, 6)], kind="Relative")
    error = await s.call_expecting_error(
        "SetChargingProfile", {"evseId": states.EVSE, "chargingProfile": profile}
    )
    ctx.check(
        error.error_code == "NotSupported",
        f"SetChargingProfile answered CALLERROR {error.error_code}; a station without Smart "
        f"Charging answers NotSupported",
    )
