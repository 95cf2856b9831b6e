"""Smart Charging of the reference 2.0.1 station (functional block K, K01-K10).

The station keeps the charging profiles the CSMS installs (SetChargingProfile, K01), clears
them (ClearChargingProfile, K10), reports them (GetChargingProfiles / ReportChargingProfiles,
K09), takes a TxProfile with a RequestStartTransaction (K05 / F01) and computes the composite
schedule for real from what is installed (GetCompositeSchedule, K08): per point in time the
highest stackLevel valid at that time wins within a purpose (TxProfile over TxDefaultProfile
for a transaction), and the ChargingStationMaxProfile and an external system's limit (K12,
operator verb set_external_charging_limit) cap the result.

Started with `smart_charging = False` (the profile does not claim Smart Charging) the station
has no SmartChargingCtrlr (with SmartChargingCtrlr.Enabled false it acts the same): it
answers these requests with a CALLERROR NotSupported and ignores a chargingProfile in a
RequestStartTransaction (F01.FR.12).
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.sim.control import VerbError
from conformance.sim.faults import declare, declarer
from conformance.sim.station201_link import Answer
from conformance.sim.station201_model import Variable

if TYPE_CHECKING:
    from conformance.sim.station201 import ReferenceStation201
    from conformance.sim.station201_tx import Evse

_fault = declarer("station", ("2.0.1",))

_fault(
    "s201-sc-external-limit-as-cso",
    "an external (EMS) limit is reported with chargingLimitSource CSO, not EMS",
    "TC_K_52_CS",
)
declare(
    "s201-sc-disabled-accepts",
    "station",
    ("2.0.1",),
    "without Smart Charging, SetChargingProfile gets a CALLRESULT Rejected, not NotSupported",
    ("TC_K_15_CS",),
    # A station that does not claim Smart Charging (the runtime then starts it without).
    pixit=(("profiles", '["Core", "Local Auth List Management", "Reservation"]'),),
)
_fault(
    "s201-sc-tx-profile-without-tx",
    "SetChargingProfile: a TxProfile for an EVSE with no (matching) transaction is Accepted",
    "TC_K_02_CS",
    "TC_K_16_CS",
)
_fault(
    "s201-sc-tx-profile-all-evses",
    "SetChargingProfile: a TxProfile with evseId 0 (all EVSEs at once) is Accepted",
    "TC_K_11_CS",
)
_fault(
    "s201-sc-unknown-evse",
    "SetChargingProfile / GetCompositeSchedule for an EVSE that does not exist is Accepted",
    "TC_K_14_CS",
    "TC_K_47_CS",
)
_fault(
    "s201-sc-rate-unit-unchecked",
    "a chargingRateUnit not in SmartChargingCtrlr.RateUnit is Accepted (profile and schedule)",
    "TC_K_12_CS",
    "TC_K_42_CS",
)
_fault(
    "s201-sc-replace-adds",
    "SetChargingProfile with the id of an installed profile adds a second one, no replacement",
    "TC_K_04_CS",
)
_fault(
    "s201-sc-clear-keeps",
    "ClearChargingProfile says Accepted but the profiles stay installed",
    "TC_K_05_CS",
    "TC_K_06_CS",
    "TC_K_09_CS",
    "TC_K_24_CS",
)
_fault(
    "s201-sc-clear-first-only",
    "ClearChargingProfile by stackLevel / purpose clears only the first matching profile",
    "TC_K_24_CS",
)
_fault(
    "s201-sc-clear-unknown-accepted",
    "ClearChargingProfile that matches no installed profile says Accepted, not Unknown",
    "TC_K_07_CS",
    "TC_K_08_CS",
)
_fault(
    "s201-sc-report-unfiltered",
    "GetChargingProfiles reports every installed profile, ignoring evseId and the criteria",
    "TC_K_29_CS",
    "TC_K_30_CS",
    "TC_K_32_CS",
    "TC_K_33_CS",
    "TC_K_35_CS",
    "TC_K_36_CS",
)
_fault(
    "s201-sc-no-evse-station-only",
    "GetChargingProfiles without evseId reports only the station-wide (evseId 0) profiles",
    "TC_K_31_CS",
)
_fault(
    "s201-sc-composite-empty-rejected",
    "GetCompositeSchedule is Rejected when no charging profile is installed",
    "TC_K_39_CS",
)
_fault(
    "s201-sc-no-profiles-accepted",
    "GetChargingProfiles matching no profile says Accepted (and reports nothing)",
    "TC_K_34_CS",
)
_fault(
    "s201-sc-lowest-stack-wins",
    "the composite schedule takes the lowest stackLevel, not the highest",
    "TC_K_40_CS",
)
_fault(
    "s201-sc-max-profile-ignored",
    "the composite schedule of an EVSE ignores the ChargingStationMaxProfile",
    "TC_K_03_CS",
    "TC_K_41_CS",
)
_fault(
    "s201-sc-validity-ignored",
    "validFrom / validTo of a charging profile are ignored in the composite schedule",
    "TC_K_21_CS",
    "TC_K_22_CS",
)
_fault(
    "s201-sc-recurrence-ignored",
    "a Recurring profile is applied once from its startSchedule, never repeated",
    "TC_K_19_CS",
)
_fault(
    "s201-sc-start-schedule-ignored",
    "an Absolute profile's schedule is applied from now, not from its startSchedule",
    "TC_K_23_CS",
)
_fault(
    "s201-sc-profiles-lost-on-reboot",
    "installed charging profiles are forgotten at a reboot",
    "TC_K_13_CS",
)
_fault(
    "s201-sc-remote-start-profile-dropped",
    "RequestStartTransaction with a TxProfile: the profile is not used for the transaction",
    "TC_K_37_CS",
)
_fault(
    "s201-sc-tx-default-not-for-ongoing",
    "TxDefaultProfiles do not apply to an ongoing transaction (e.g. one set during it)",
    "TC_K_28_CS",
)
_fault(
    "s201-sc-tx-profile-not-applied",
    "a TxProfile set for an ongoing transaction is Accepted but not applied to it",
    "TC_K_60_CS",
)
_fault(
    "s201-sc-default-all-evses-ignored",
    "a TxDefaultProfile for evseId 0 does not apply to the EVSEs",
    "TC_K_10_CS",
)
_fault(
    "s201-sc-evse-profile-on-all",
    "a TxDefaultProfile set for one EVSE applies to every EVSE",
    "TC_K_01_CS",
)

RATE_UNITS = ("A", "W")
SUPPORTED_UNIT = "A"  # SmartChargingCtrlr.RateUnit of the reference station
STACK_LEVELS = 10  # SmartChargingCtrlr.ProfileStackLevel
PERIODS = 24  # SmartChargingCtrlr.PeriodsPerSchedule
EXTERNAL_ID = 999_999_001  # the id of the external system's profile (ids are the station's)
MAX_PROFILES = 20  # SmartChargingCtrlr.Entries (ChargingProfiles) maxLimit
EVSE_MAX_A = 32.0  # what an EVSE delivers with no profile limiting it (3 phases)
VOLTAGE = 230.0
RECURRENCE = {"Daily": 86400, "Weekly": 7 * 86400}
EXTERNAL = "ChargingStationExternalConstraints"


def _parse(stamp: str | None) -> float | None:
    if not stamp:
        return None
    return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _iso(epoch: float) -> str:
    stamp = _dt.datetime.fromtimestamp(epoch, _dt.UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Installed:
    evse_id: int
    profile: dict[str, Any]
    source: str = "CSO"

    @property
    def id(self) -> int:
        return int(self.profile["id"])

    @property
    def purpose(self) -> str:
        return str(self.profile["chargingProfilePurpose"])

    @property
    def stack(self) -> int:
        return int(self.profile["stackLevel"])


class SmartCharging:
    """The station's installed profiles and the K01-K10 request handlers."""

    def __init__(self, station: ReferenceStation201, *, enabled: bool = True) -> None:
        self.st = station
        self.faults = station.faults
        self.enabled = enabled
        self.profiles: list[Installed] = []
        self._pending: dict[int, tuple[int, dict[str, Any]]] = {}  # evse -> remote start profile
        self._generation = 0  # the station's reboot count when the profiles were last seen
        self._start = 0.0  # the start of the composite schedule being computed
        if enabled:
            self._add_variables()

    @property
    def active(self) -> bool:
        """Smart Charging is there (the start-up option) and SmartChargingCtrlr.Enabled."""
        return self.enabled and self.st.model.get_bool("SmartChargingCtrlr", "Enabled")

    def _add_variables(self) -> None:
        m = self.st.model

        def ro_int(name: str, value: int) -> Variable:
            return Variable(
                "SmartChargingCtrlr", name, str(value), data_type="integer", mutability="ReadOnly"
            )

        m.add(
            Variable("SmartChargingCtrlr", "Enabled", "true", data_type="boolean"),
            Variable(
                "SmartChargingCtrlr",
                "Available",
                "true",
                data_type="boolean",
                mutability="ReadOnly",
            ),
            Variable(
                "SmartChargingCtrlr",
                "RateUnit",
                SUPPORTED_UNIT,
                data_type="MemberList",
                values_list=RATE_UNITS,
                mutability="ReadOnly",
            ),
            ro_int("ProfileStackLevel", STACK_LEVELS),
            ro_int("PeriodsPerSchedule", PERIODS),
            Variable(
                "SmartChargingCtrlr",
                "Entries",
                "0",
                data_type="integer",
                mutability="ReadOnly",
                instance="ChargingProfiles",
            ),
            Variable("SmartChargingCtrlr", "LimitChangeSignificance", "1.0", data_type="decimal"),
        )

    # -- bookkeeping -------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Drop what no longer applies: the TxProfiles of ended transactions (K01), and, with
        a fault, everything after a reboot; install a remote start's TxProfile once its
        transaction is known (K05)."""
        if self.st._generation != self._generation:
            self._generation = self.st._generation
            if self.faults.on("s201-sc-profiles-lost-on-reboot"):
                self.profiles.clear()
        tx = self.st.tx
        for evse_id, (remote_id, profile) in list(self._pending.items()):
            evse = tx.evses[evse_id]
            if evse.auth is None or evse.auth.remote_start_id != remote_id:
                if evse.auth is not None:
                    del self._pending[evse_id]  # another authorization took the EVSE
                continue
            if evse.tx is not None:
                del self._pending[evse_id]
                installed = dict(profile, transactionId=evse.tx.transaction_id)
                self._store(Installed(evse_id, installed))
        ongoing = {t.transaction_id for t in tx.transactions()}
        self.profiles = [
            p
            for p in self.profiles
            if p.purpose != "TxProfile" or p.profile.get("transactionId") in ongoing
        ]
        entries = self.st.model.lookup(
            {"name": "SmartChargingCtrlr"},
            {"name": "Entries", "instance": "ChargingProfiles"},
            None,
        )
        if entries.variable is not None:
            entries.variable.value = str(len(self.profiles))

    def _store(self, item: Installed) -> None:
        if not self.faults.on("s201-sc-replace-adds"):
            self.profiles = [p for p in self.profiles if p.id != item.id]  # K01.FR.05
        self.profiles.append(item)

    @staticmethod
    def now() -> float:
        return _dt.datetime.now(_dt.UTC).timestamp()

    def _not_supported(self) -> Answer:
        return Answer(error="NotSupported", description="Smart Charging is not supported")

    # -- K01 SetChargingProfile --------------------------------------------------------------

    def on_set(self, p: Mapping[str, Any]) -> Answer:
        if not self.active:
            if self.faults.on("s201-sc-disabled-accepts"):
                return Answer(payload={"status": "Rejected"})
            return self._not_supported()
        self._refresh()
        evse_id = int(p["evseId"])
        profile = dict(p["chargingProfile"])
        problem = self._problem(evse_id, profile)
        if problem is not None:
            return Answer(
                payload={
                    "status": "Rejected",
                    "statusInfo": {"reasonCode": "InvalidProfile", "additionalInfo": problem},
                }
            )
        self._store(Installed(evse_id, profile))
        self._refresh()
        return Answer(payload={"status": "Accepted"})

    def _problem(self, evse_id: int, profile: Mapping[str, Any]) -> str | None:
        """Why the station cannot take `profile` for `evse_id` (K01), or None."""
        tx = self.st.tx
        purpose = profile["chargingProfilePurpose"]
        kind = profile["chargingProfileKind"]
        if evse_id != 0 and evse_id not in tx.evses and not self.faults.on("s201-sc-unknown-evse"):
            return f"EVSE {evse_id} does not exist"  # K01.FR.28
        if purpose == "ChargingStationExternalConstraints":
            return "ChargingStationExternalConstraints are not set by the CSMS"  # K01.FR.22
        if purpose == "ChargingStationMaxProfile":
            if evse_id != 0:
                return "a ChargingStationMaxProfile is for evseId 0"  # K01.FR.03
            if kind == "Relative":
                return "a ChargingStationMaxProfile cannot be Relative"  # K01.FR.38
        if purpose == "TxProfile":
            problem = self._tx_profile_problem(evse_id, profile)
            if problem is not None:
                return problem
        elif profile.get("transactionId") is not None:
            return "only a TxProfile names a transactionId"
        if int(profile["stackLevel"]) > STACK_LEVELS:
            return f"stackLevel above SmartChargingCtrlr.ProfileStackLevel {STACK_LEVELS}"
        if kind == "Recurring" and profile.get("recurrencyKind") is None:
            return "a Recurring profile needs a recurrencyKind"
        for schedule in profile["chargingSchedule"]:
            unit = schedule["chargingRateUnit"]
            if unit != SUPPORTED_UNIT and not self.faults.on("s201-sc-rate-unit-unchecked"):
                return f"chargingRateUnit {unit} is not in SmartChargingCtrlr.RateUnit"  # K01.FR.26
            if kind in ("Absolute", "Recurring") and not schedule.get("startSchedule"):
                return f"an {kind} profile needs a startSchedule"  # K01.FR.40
            if kind == "Relative" and schedule.get("startSchedule"):
                return "a Relative profile has no startSchedule"  # K01.FR.41
            periods = schedule["chargingSchedulePeriod"]
            if len(periods) > PERIODS:
                return f"more than SmartChargingCtrlr.PeriodsPerSchedule ({PERIODS}) periods"
            starts = [int(x["startPeriod"]) for x in periods]
            if starts[0] != 0:
                return "the first period must start at 0"  # K01.FR.31
            if any(b <= a for a, b in itertools.pairwise(starts)):
                return "startPeriod values must increase"  # K01.FR.35
        others = [
            q
            for q in self.profiles
            if q.id != int(profile["id"])
            and q.evse_id == evse_id
            and q.purpose == purpose
            and q.stack == int(profile["stackLevel"])
            and q.profile.get("transactionId") == profile.get("transactionId")
        ]
        if any(self._overlap(q.profile, profile) for q in others):
            return "another profile with this stackLevel and purpose is valid then"  # K01.FR.06
        if len(self.profiles) >= MAX_PROFILES and all(q.id != profile["id"] for q in self.profiles):
            return "no room for another charging profile"
        return None

    def _tx_profile_problem(self, evse_id: int, profile: Mapping[str, Any]) -> str | None:
        if evse_id == 0 and not self.faults.on("s201-sc-tx-profile-all-evses"):
            return "a TxProfile is for one EVSE, not evseId 0"  # K01.FR.16
        if self.faults.on("s201-sc-tx-profile-without-tx"):
            return None
        evse = self.st.tx.evses.get(evse_id)
        if evse is None:
            return None
        tx_id = profile.get("transactionId")
        if tx_id is None:
            return "a TxProfile needs a transactionId"  # K01.FR.03
        if evse.tx is None:
            return f"no transaction on EVSE {evse_id}"  # K01.FR.09
        if evse.tx.transaction_id != tx_id:
            return f"transaction {tx_id} is not the one on EVSE {evse_id}"  # K01.FR.33
        return None

    @staticmethod
    def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        a0 = _parse(a.get("validFrom")) or float("-inf")
        a1 = _parse(a.get("validTo")) or float("inf")
        b0 = _parse(b.get("validFrom")) or float("-inf")
        b1 = _parse(b.get("validTo")) or float("inf")
        return a0 < b1 and b0 < a1

    # -- K05 / F01: a TxProfile with RequestStartTransaction -------------------------------

    def remote_start_profile(
        self, evse: Evse, profile: Mapping[str, Any] | None, remote_id: int
    ) -> bool:
        """Whether a RequestStartTransaction may go ahead with `profile` (False: Rejected).
        Without Smart Charging the profile is ignored (F01.FR.12)."""
        if profile is None or not self.active:
            return True
        if profile.get("chargingProfilePurpose") != "TxProfile":
            return False  # K05 / F01: only a TxProfile comes with a remote start
        if profile.get("transactionId") is not None:
            return False  # the transaction does not exist yet
        for schedule in profile["chargingSchedule"]:
            if schedule["chargingRateUnit"] != SUPPORTED_UNIT:
                return False
        if not self.faults.on("s201-sc-remote-start-profile-dropped"):
            self._pending[evse.id] = (remote_id, dict(profile))
        return True

    # -- K12 / K13: a limit from an external system (operator verbs) -----------------------

    async def verb_set_external_limit(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        """K12: an energy management system limits the station: a ChargingStationExternal-
        Constraints profile (source EMS) on evseId 0, announced with NotifyChargingLimit."""
        if not self.active:
            raise VerbError("the station has no Smart Charging")
        limit = float(args.get("limit") or 16)
        source = "CSO" if self.faults.on("s201-sc-external-limit-as-cso") else "EMS"
        profile = {
            "id": EXTERNAL_ID,
            "stackLevel": 0,
            "chargingProfilePurpose": EXTERNAL,
            "chargingProfileKind": "Absolute",
            "chargingSchedule": [
                {
                    "id": 1,
                    "startSchedule": _iso(self.now()),
                    "chargingRateUnit": SUPPORTED_UNIT,
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
                }
            ],
        }
        self._store(Installed(0, profile, source))
        self._refresh()
        self.st.send("NotifyChargingLimit", {"chargingLimit": {"chargingLimitSource": source}})
        return None

    async def verb_clear_external_limit(self, args: dict[str, Any]) -> Mapping[str, Any] | None:
        """K13: the external limit is lifted; ClearedChargingLimit tells the CSMS."""
        gone = [q for q in self.profiles if q.purpose == EXTERNAL]
        self.profiles = [q for q in self.profiles if q.purpose != EXTERNAL]
        self._refresh()
        for source in sorted({q.source for q in gone}):
            self.st.send("ClearedChargingLimit", {"chargingLimitSource": source})
        return None

    # -- K10 ClearChargingProfile ------------------------------------------------------------

    def on_clear(self, p: Mapping[str, Any]) -> Answer:
        if not self.active:
            return self._not_supported()
        self._refresh()
        wanted_id = p.get("chargingProfileId")
        criteria = p.get("chargingProfileCriteria") or {}

        def matches(q: Installed) -> bool:
            if q.purpose == "ChargingStationExternalConstraints":
                return False
            if wanted_id is not None:
                return q.id == int(wanted_id)
            if "evseId" in criteria and q.evse_id != int(criteria["evseId"]):
                return False
            purpose = criteria.get("chargingProfilePurpose")
            if purpose is not None and q.purpose != purpose:
                return False
            stack = criteria.get("stackLevel")
            return stack is None or q.stack == int(stack)

        gone = [q for q in self.profiles if matches(q)]
        if not gone:
            status = "Accepted" if self.faults.on("s201-sc-clear-unknown-accepted") else "Unknown"
            return Answer(payload={"status": status})
        if self.faults.on("s201-sc-clear-first-only"):
            gone = gone[:1]
        if not self.faults.on("s201-sc-clear-keeps"):
            self.profiles = [q for q in self.profiles if q not in gone]
        self._refresh()
        return Answer(payload={"status": "Accepted"})

    # -- K09 GetChargingProfiles -------------------------------------------------------------

    def on_get_profiles(self, p: Mapping[str, Any]) -> Answer:
        if not self.active:
            return self._not_supported()
        self._refresh()
        evse_id = p.get("evseId")
        c = p["chargingProfile"]

        def matches(q: Installed) -> bool:
            if self.faults.on("s201-sc-report-unfiltered"):
                return True
            if evse_id is not None and q.evse_id != int(evse_id):
                return False
            if (
                evse_id is None
                and q.evse_id != 0
                and self.faults.on("s201-sc-no-evse-station-only")
            ):
                return False
            ids = c.get("chargingProfileId")
            if ids and q.id not in ids:
                return False
            sources = c.get("chargingLimitSource")
            if sources and q.source not in sources:
                return False
            purpose = c.get("chargingProfilePurpose")
            if purpose is not None and q.purpose != purpose:
                return False
            stack = c.get("stackLevel")
            return stack is None or q.stack == int(stack)

        found = [q for q in self.profiles if matches(q)]
        if not found and not self.faults.on("s201-sc-no-profiles-accepted"):
            return Answer(payload={"status": "NoProfiles"})  # K09.FR.03
        groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for q in found:
            groups.setdefault((q.source, q.evse_id), []).append(dict(q.profile))
        request_id = int(p["requestId"])

        async def report() -> None:
            items = sorted(groups.items())
            for n, ((source, evse), profiles) in enumerate(items):
                payload = {
                    "requestId": request_id,
                    "chargingLimitSource": source,
                    "evseId": evse,
                    "chargingProfile": profiles,
                    "tbc": n < len(items) - 1,
                }
                self.st.send("ReportChargingProfiles", payload)

        return Answer(payload={"status": "Accepted"}, then=report if groups else None)

    # -- K08 GetCompositeSchedule ------------------------------------------------------------

    def on_composite(self, p: Mapping[str, Any]) -> Answer:
        if not self.active:
            return self._not_supported()
        self._refresh()
        evse_id = int(p["evseId"])
        unit = p.get("chargingRateUnit") or SUPPORTED_UNIT
        known = evse_id == 0 or evse_id in self.st.tx.evses
        if not known and not self.faults.on("s201-sc-unknown-evse"):
            return Answer(
                payload={"status": "Rejected", "statusInfo": {"reasonCode": "UnknownEvse"}}
            )
        if unit != SUPPORTED_UNIT and not self.faults.on("s201-sc-rate-unit-unchecked"):
            return Answer(
                payload={"status": "Rejected", "statusInfo": {"reasonCode": "UnsupportedRateUnit"}}
            )
        if not self.profiles and self.faults.on("s201-sc-composite-empty-rejected"):
            return Answer(payload={"status": "Rejected"})
        duration = int(p["duration"])
        start = self.now()
        periods = self.composite(evse_id, start, duration)
        if unit == "W":  # only with the fault above: the amperes read as watts, 3 phases
            periods = [dict(x, limit=round(x["limit"] * VOLTAGE * 3, 1)) for x in periods]
        schedule = {
            "evseId": evse_id,
            "duration": duration,
            "scheduleStart": _iso(start),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        }
        return Answer(payload={"status": "Accepted", "schedule": schedule})

    def composite(self, evse_id: int, start: float, duration: int) -> list[dict[str, Any]]:
        """The limit over [start, start + duration) as periods (K08): where it changes."""
        self._start = start  # "now" for the Relative profiles outside a transaction
        relevant = [q for q in self.profiles if self._applies(q, evse_id)]
        # offset (whole seconds, as reported) -> the exact time the limit is taken at: the
        # last change that rounds to that second.
        points = {0: start}
        for q in relevant:
            for t in self._breakpoints(q, evse_id, start, start + duration):
                offset = round(t - start)
                if 0 < offset < duration:
                    points[offset] = max(points.get(offset, t), t)
        out: list[dict[str, Any]] = []
        for offset in sorted(points):
            limit, phases = self._limit_at(relevant, evse_id, points[offset] + 1e-3)
            if out and out[-1]["limit"] == limit and out[-1].get("numberPhases") == phases:
                continue
            period: dict[str, Any] = {"startPeriod": offset, "limit": limit}
            if phases is not None:
                period["numberPhases"] = phases
            out.append(period)
        return out

    def _applies(self, q: Installed, evse_id: int) -> bool:
        if q.purpose in ("ChargingStationMaxProfile", EXTERNAL):
            return not (evse_id != 0 and self.faults.on("s201-sc-max-profile-ignored"))
        if evse_id == 0:
            return False  # the grid connection: only the station-wide limit
        if q.purpose == "TxDefaultProfile":
            if q.evse_id == 0:
                return not self.faults.on("s201-sc-default-all-evses-ignored")
            return q.evse_id == evse_id or self.faults.on("s201-sc-evse-profile-on-all")
        return q.evse_id == evse_id  # TxProfile

    def _base(self, q: Installed, evse_id: int, schedule: Mapping[str, Any]) -> float:
        """When the schedule's period 0 starts."""
        kind = q.profile["chargingProfileKind"]
        if kind == "Relative" or (
            kind == "Absolute" and self.faults.on("s201-sc-start-schedule-ignored")
        ):
            evse = self.st.tx.evses.get(evse_id)
            if evse is not None and evse.tx is not None:
                return evse.tx.started_at  # Relative: from the start of the transaction
            return self._start  # no transaction: from now (the composite schedule's start)
        return _parse(schedule.get("startSchedule")) or self.now()

    def _occurrence(self, q: Installed, evse_id: int, at: float) -> tuple[float, float] | None:
        """(start of the schedule occurrence covering `at`, its end), or None."""
        schedule = q.profile["chargingSchedule"][0]
        base = self._base(q, evse_id, schedule)
        length = schedule.get("duration")
        end_of = float(length) if length is not None else float("inf")
        kind_rec = q.profile.get("recurrencyKind")
        if q.profile["chargingProfileKind"] == "Recurring" and kind_rec in RECURRENCE:
            every = float(RECURRENCE[kind_rec])
            if at >= base and not self.faults.on("s201-sc-recurrence-ignored"):
                base += every * int((at - base) // every)
            end_of = min(end_of, every)
        if at < base or at >= base + end_of:
            return None
        return base, base + end_of

    def _valid(self, q: Installed, at: float) -> bool:
        if self.faults.on("s201-sc-validity-ignored"):
            return True
        start = _parse(q.profile.get("validFrom"))
        end = _parse(q.profile.get("validTo"))
        return (start is None or at >= start) and (end is None or at < end)

    def _period_at(self, q: Installed, evse_id: int, at: float) -> tuple[float, int | None] | None:
        if not self._valid(q, at):
            return None
        occurrence = self._occurrence(q, evse_id, at)
        if occurrence is None:
            return None
        offset = at - occurrence[0]
        chosen = None
        for period in q.profile["chargingSchedule"][0]["chargingSchedulePeriod"]:
            if period["startPeriod"] <= offset + 1e-6:
                chosen = period
        if chosen is None:
            return None
        return float(chosen["limit"]), chosen.get("numberPhases")

    def _purpose_limit(
        self, relevant: list[Installed], purpose: str, evse_id: int, at: float
    ) -> tuple[float, int | None] | None:
        candidates = [q for q in relevant if q.purpose == purpose]
        # The highest stackLevel with a period at `at` wins; an EVSE's own profile beats one
        # for all EVSEs (evseId 0) at the same stackLevel.
        lowest = self.faults.on("s201-sc-lowest-stack-wins")
        candidates.sort(key=lambda q: (q.stack, q.evse_id != 0), reverse=not lowest)
        for q in candidates:
            found = self._period_at(q, evse_id, at)
            if found is not None:
                return found
        return None

    def _limit_at(
        self, relevant: list[Installed], evse_id: int, at: float
    ) -> tuple[float, int | None]:
        evses = self.st.tx.evses
        hardware = EVSE_MAX_A * (len(evses) if evse_id == 0 else 1)
        limit, phases = hardware, None
        if evse_id != 0:
            evse = evses.get(evse_id)
            in_tx = evse is not None and evse.tx is not None
            # A transaction's TxProfile takes the place of the TxDefaultProfiles (K01).
            tx_limit = None
            if in_tx and not self.faults.on("s201-sc-tx-profile-not-applied"):
                tx_limit = self._purpose_limit(relevant, "TxProfile", evse_id, at)
            if tx_limit is None and not (
                in_tx and self.faults.on("s201-sc-tx-default-not-for-ongoing")
            ):
                tx_limit = self._purpose_limit(relevant, "TxDefaultProfile", evse_id, at)
            if tx_limit is not None and tx_limit[0] < limit:
                limit, phases = tx_limit
        for purpose in ("ChargingStationMaxProfile", EXTERNAL):
            station = self._purpose_limit(relevant, purpose, evse_id, at)
            if station is not None and station[0] < limit:
                limit, phases = station
        return round(limit, 1), phases

    def _breakpoints(self, q: Installed, evse_id: int, t0: float, t1: float) -> list[float]:
        out: list[float] = []
        for stamp in (q.profile.get("validFrom"), q.profile.get("validTo")):
            value = _parse(stamp)
            if value is not None:
                out.append(value)
        schedule = q.profile["chargingSchedule"][0]
        base = self._base(q, evse_id, schedule)
        starts = [base]
        kind_rec = q.profile.get("recurrencyKind")
        if q.profile["chargingProfileKind"] == "Recurring" and kind_rec in RECURRENCE:
            every = float(RECURRENCE[kind_rec])
            if t0 > base:
                base += every * int((t0 - base) // every)
            starts = [base + every * k for k in range(int((t1 - base) // every) + 2)]
        for b in starts:
            for period in schedule["chargingSchedulePeriod"]:
                out.append(b + float(period["startPeriod"]))
            if schedule.get("duration") is not None:
                out.append(b + float(schedule["duration"]))
        return out
