"""Smart Charging of the 1.6 reference charge point (OCPP 1.6 sections 3.13, 5.5, 5.7, 5.16,
9.4; Smart Charging profile).

Charging profiles arrive with SetChargingProfile (or inside a RemoteStartTransaction) and are
kept per connector: ChargePointMaxProfile on connectorId 0, TxDefaultProfile on 0 (every
connector) or one connector, TxProfile on a connector with a running transaction. A profile
with the chargingProfileId, or the stackLevel and purpose (on the same connector), of an
installed one replaces it. ClearChargingProfile removes one by id or those matching its
criteria; a TxProfile ends with its transaction.

GetCompositeSchedule computes the schedule for real: at every instant the prevailing profile
of each purpose is the valid one with the highest stackLevel that has a period at that instant
(Absolute from startSchedule, Relative from the transaction's start, Recurring Daily / Weekly
from startSchedule); a TxProfile overrules the TxDefaultProfile, and the ChargePointMaxProfile
caps the result (section 3.13.1). Limits are converted between A and W with 230 V per phase.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.sim.faults import declarer
from conformance.sim.link import Answer
from conformance.sim.station16_config import Key

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16
    from conformance.sim.station16_tx import Transaction

VOLTAGE = 230.0  # per phase, for converting A <-> W
MAX_CURRENT_A = 32.0  # what the connector delivers without any profile
MAX_PERIODS = 10  # ChargingScheduleMaxPeriods
MAX_STACK_LEVEL = 10  # ChargeProfileMaxStackLevel
MAX_PROFILES = 20  # MaxChargingProfilesInstalled
RECURRENCE = {"Daily": 86400.0, "Weekly": 7 * 86400.0}

_fault = declarer("station", ("1.6",))

_fault(
    "s16-txprofile-without-tx-accepted",
    "SetChargingProfile: a TxProfile for a connector without a transaction is Accepted",
    "TC_058_1_CS",
)
_fault(
    "s16-txprofile-wrong-tx-accepted",
    "SetChargingProfile: a TxProfile naming another transactionId than the running one is Accepted",
    "TC_058_2_CS",
)
_fault(
    "s16-remote-start-profile-purpose-ignored",
    "RemoteStartTransaction with a chargingProfile whose purpose is not TxProfile is Accepted",
    "TC_060_CS",
)
_fault(
    "s16-remote-start-profile-dropped",
    "the chargingProfile of a RemoteStartTransaction is not installed for the transaction",
    "TC_059_CS",
)
_fault(
    "s16-txdefault-ignored",
    "TxDefaultProfiles are stored but never applied to a transaction's schedule",
    "TC_056_CS",
    "TC_082_CS",
)
_fault(
    "s16-txdefault-not-for-ongoing-tx",
    "a TxDefaultProfile set during a transaction applies only to later transactions",
    "TC_082_CS",
)
_fault(
    "s16-txprofile-not-overruling",
    "a TxProfile does not overrule the TxDefaultProfile: the lower of the two applies",
    "TC_066_CS",
)
_fault(
    "s16-max-profile-ignored",
    "the ChargePointMaxProfile does not cap the composite schedule",
    "TC_066_CS",
)
_fault(
    "s16-lowest-stack-level-prevails",
    "of stacked profiles the one with the lowest stackLevel prevails",
    "TC_072_CS",
)
_fault(
    "s16-clear-not-applied",
    "ClearChargingProfile is answered Accepted but removes nothing",
    "TC_067_CS",
)
_fault(
    "s16-txprofile-ignored",
    "TxProfiles are Accepted but never applied to the transaction's schedule",
    "TC_057_CS",
    "TC_059_CS",
)

# Smart Charging configuration keys (section 9.4), all read-only.
KEYS = (
    Key("ChargeProfileMaxStackLevel", "int", str(MAX_STACK_LEVEL), readonly=True),
    Key("ChargingScheduleAllowedChargingRateUnit", "text", "Current,Power", readonly=True),
    Key("ChargingScheduleMaxPeriods", "int", str(MAX_PERIODS), readonly=True),
    Key("ConnectorSwitch3to1PhaseSupported", "bool", "false", readonly=True),
    Key("MaxChargingProfilesInstalled", "int", str(MAX_PROFILES), readonly=True),
)


def _parse(when: Any) -> _dt.datetime | None:
    if not isinstance(when, str):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


def _iso(when: _dt.datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Period:
    start: float  # startPeriod, seconds from the schedule's start
    limit: float
    phases: int


@dataclass
class Profile:
    profile_id: int
    connector_id: int
    stack_level: int
    purpose: str
    kind: str
    recurrency: str | None
    valid_from: _dt.datetime | None
    valid_to: _dt.datetime | None
    start_schedule: _dt.datetime | None
    duration: float | None
    unit: str  # A | W
    periods: list[Period]
    min_rate: float | None
    transaction_id: int | None = None
    tx: Transaction | None = None  # the transaction a TxProfile belongs to
    id_tag: str | None = None  # a remote start's profile, until its transaction starts
    installed: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.UTC))
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, connector_id: int, p: Mapping[str, Any]) -> Profile:
        s = p.get("chargingSchedule") or {}
        periods = sorted(
            (
                Period(
                    float(x.get("startPeriod", 0)),
                    float(x.get("limit", 0)),
                    int(x.get("numberPhases", 3)),
                )
                for x in s.get("chargingSchedulePeriod") or []
            ),
            key=lambda x: x.start,
        )
        tx_id = p.get("transactionId")
        return cls(
            profile_id=int(p["chargingProfileId"]),
            connector_id=connector_id,
            stack_level=int(p.get("stackLevel", 0)),
            purpose=str(p.get("chargingProfilePurpose")),
            kind=str(p.get("chargingProfileKind")),
            recurrency=p.get("recurrencyKind"),
            valid_from=_parse(p.get("validFrom")),
            valid_to=_parse(p.get("validTo")),
            start_schedule=_parse(s.get("startSchedule")),
            duration=float(s["duration"]) if s.get("duration") is not None else None,
            unit=str(s.get("chargingRateUnit", "A")),
            periods=periods,
            min_rate=float(s["minChargingRate"]) if s.get("minChargingRate") is not None else None,
            transaction_id=int(tx_id) if tx_id is not None else None,
            raw=dict(p),
        )

    def valid(self, t: _dt.datetime) -> bool:
        if self.valid_from is not None and t < self.valid_from:
            return False
        return self.valid_to is None or t < self.valid_to

    def schedule_start(self, t: _dt.datetime, tx_start: _dt.datetime | None) -> _dt.datetime:
        """When the schedule (or the recurrence that covers `t`) began."""
        if self.kind == "Relative":
            return tx_start or self.installed
        base = self.start_schedule or self.valid_from or self.installed
        if self.kind == "Recurring" and self.recurrency in RECURRENCE and t >= base:
            span = RECURRENCE[str(self.recurrency)]
            n = math.floor((t - base).total_seconds() / span)
            return base + _dt.timedelta(seconds=n * span)
        return base

    def limit_at(
        self, t: _dt.datetime, tx_start: _dt.datetime | None
    ) -> tuple[float, int, str] | None:
        """(limit, numberPhases, unit) in force at `t`, None when no period covers `t`."""
        if not self.valid(t) or not self.periods:
            return None
        start = self.schedule_start(t, tx_start)
        offset = (t - start).total_seconds()
        if offset < 0 or (self.duration is not None and offset >= self.duration):
            return None
        current = None
        for period in self.periods:
            if period.start <= offset:
                current = period
        if current is None:
            return None
        return current.limit, current.phases, self.unit

    def edges(
        self, t0: _dt.datetime, t1: _dt.datetime, tx_start: _dt.datetime | None
    ) -> list[_dt.datetime]:
        """Instants in [t0, t1) where this profile's contribution may change."""
        out = [x for x in (self.valid_from, self.valid_to) if x is not None]
        starts = [self.schedule_start(t0, tx_start)]
        if self.kind == "Recurring" and self.recurrency in RECURRENCE:
            span = _dt.timedelta(seconds=RECURRENCE[str(self.recurrency)])
            while starts[-1] + span < t1:
                starts.append(starts[-1] + span)
        for start in starts:
            out.extend(start + _dt.timedelta(seconds=p.start) for p in self.periods)
            if self.duration is not None:
                out.append(start + _dt.timedelta(seconds=self.duration))
        return [x for x in out if t0 < x < t1]


def _convert(limit: float, phases: int, unit: str, want: str) -> float:
    if unit == want:
        return limit
    if want == "W":
        return limit * VOLTAGE * phases
    return limit / (VOLTAGE * phases)


class SmartCharging:
    """The charge point's installed charging profiles and its composite schedules."""

    def __init__(self, station: ReferenceStation16) -> None:
        self.st = station
        self.faults = station.faults
        self.profiles: list[Profile] = []
        # When each running transaction started (Relative schedules count from it).
        self._started: list[tuple[Transaction, _dt.datetime]] = []
        config = station.config
        for key in KEYS:
            config.keys[key.name] = Key(key.name, key.kind, key.value, key.readonly)
        features = config.keys["SupportedFeatureProfiles"]
        if "SmartCharging" not in features.value.split(","):
            features.value += ",SmartCharging"

    # -- SetChargingProfile (section 5.16) -------------------------------------------------

    def _problem(self, connector_id: int, p: Mapping[str, Any]) -> str | None:
        """Why the charge point cannot take profile `p` for `connector_id` (None: it can)."""
        tx = self.st.tx
        purpose = p.get("chargingProfilePurpose")
        schedule = p.get("chargingSchedule") or {}
        if connector_id != 0 and connector_id not in tx.connectors:
            return "unknown connector"
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            return "a ChargePointMaxProfile is for connectorId 0"
        if int(p.get("stackLevel", 0)) > MAX_STACK_LEVEL:
            return "stackLevel above ChargeProfileMaxStackLevel"
        if len(schedule.get("chargingSchedulePeriod") or []) > MAX_PERIODS:
            return "more periods than ChargingScheduleMaxPeriods"
        if purpose == "TxProfile":
            if connector_id == 0:
                return "a TxProfile is for a connector > 0"
            running = tx.connectors[connector_id].tx
            if running is None and not self.faults.on("s16-txprofile-without-tx-accepted"):
                return "no transaction on the connector"
            wanted = p.get("transactionId")
            if (
                running is not None
                and wanted is not None
                and wanted != running.transaction_id
                and not self.faults.on("s16-txprofile-wrong-tx-accepted")
            ):
                return "another transaction runs on the connector"
        if p.get("chargingProfileKind") == "Recurring" and not p.get("recurrencyKind"):
            return "a Recurring profile needs a recurrencyKind"
        return None

    def on_set(self, p: Mapping[str, Any]) -> Answer:
        connector_id = int(p["connectorId"])
        body = p["csChargingProfiles"]
        if self._problem(connector_id, body) is not None:
            return Answer(payload={"status": "Rejected"})
        profile = Profile.parse(connector_id, body)
        if profile.purpose == "TxProfile":
            profile.tx = self.st.tx.connectors[connector_id].tx
        self._install(profile)
        return Answer(payload={"status": "Accepted"})

    def _install(self, profile: Profile) -> None:
        """Replace a profile with the same id, or the same stackLevel, purpose and connector."""
        self.profiles = [
            x
            for x in self.profiles
            if x.profile_id != profile.profile_id
            and not (
                x.stack_level == profile.stack_level
                and x.purpose == profile.purpose
                and x.connector_id == profile.connector_id
            )
        ]
        if len(self.profiles) >= MAX_PROFILES:
            self.profiles.pop(0)
        self.profiles.append(profile)

    # -- RemoteStartTransaction with a chargingProfile (section 5.11) ----------------------

    def remote_start_problem(self, p: Mapping[str, Any]) -> str | None:
        """A RemoteStartTransaction.req chargingProfile SHALL be a TxProfile (section 5.11)."""
        profile = p.get("chargingProfile")
        if profile is None:
            return None
        if profile.get("chargingProfilePurpose") != "TxProfile" and not self.faults.on(
            "s16-remote-start-profile-purpose-ignored"
        ):
            return "the chargingProfile of a RemoteStartTransaction must be a TxProfile"
        return None

    def remote_start(self, connector_id: int, p: Mapping[str, Any]) -> None:
        """Keep a remote start's TxProfile until its transaction starts on `connector_id`."""
        body = p.get("chargingProfile")
        if body is None or self.faults.on("s16-remote-start-profile-dropped"):
            return
        profile = Profile.parse(connector_id, body)
        profile.id_tag = str(p["idTag"])
        self._install(profile)

    # -- transactions ----------------------------------------------------------------------

    def started_at(self, tx: Transaction | None) -> _dt.datetime | None:
        for known, when in self._started:
            if known is tx:
                return when
        return None

    def transaction_started(self, connector_id: int, tx: Transaction) -> None:
        """A remote start's TxProfile now belongs to the transaction; others are dropped."""
        self._started.append((tx, _dt.datetime.now(_dt.UTC)))
        keep = []
        for x in self.profiles:
            if x.purpose == "TxProfile" and x.tx is None and x.connector_id == connector_id:
                if x.id_tag != tx.id_tag:
                    continue
                x.tx, x.id_tag = tx, None
            keep.append(x)
        self.profiles = keep

    def transaction_stopped(self, tx: Transaction) -> None:
        """After the transaction the TxProfile is deleted (section 3.13.1)."""
        self.profiles = [x for x in self.profiles if x.tx is not tx]
        self._started = [(t, when) for t, when in self._started if t is not tx]

    # -- ClearChargingProfile (section 5.5) ------------------------------------------------

    def on_clear(self, p: Mapping[str, Any]) -> Answer:
        if "id" in p:
            hit = [x for x in self.profiles if x.profile_id == p["id"]]
        else:
            hit = [
                x
                for x in self.profiles
                if p.get("connectorId") in (None, x.connector_id)
                and p.get("chargingProfilePurpose") in (None, x.purpose)
                and p.get("stackLevel") in (None, x.stack_level)
            ]
        if not hit:
            return Answer(payload={"status": "Unknown"})
        if not self.faults.on("s16-clear-not-applied"):
            self.profiles = [x for x in self.profiles if x not in hit]
        return Answer(payload={"status": "Accepted"})

    # -- GetCompositeSchedule (section 5.7) ------------------------------------------------

    def _prevailing(
        self, candidates: list[Profile], t: _dt.datetime, tx_start: _dt.datetime | None
    ) -> tuple[float, int, str] | None:
        """The limit of the profile with the highest stackLevel that has a period at `t`."""
        lowest_first = self.faults.on("s16-lowest-stack-level-prevails")
        ordered = sorted(candidates, key=lambda x: x.stack_level, reverse=not lowest_first)
        for profile in ordered:
            got = profile.limit_at(t, tx_start)
            if got is not None:
                return got
        return None

    def _tx_profiles(self, connector_id: int) -> tuple[list[Profile], list[Profile]]:
        """(TxProfiles, TxDefaultProfiles) that apply to the connector's transaction (or to a
        new one when none runs); a connector's own TxDefaultProfiles replace connector 0's."""
        running = self.st.tx.connectors[connector_id].tx
        tx_profiles = [
            x
            for x in self.profiles
            if x.purpose == "TxProfile" and running is not None and x.tx is running
        ]
        if self.faults.on("s16-txprofile-ignored"):
            tx_profiles = []
        defaults = [x for x in self.profiles if x.purpose == "TxDefaultProfile"]
        own = [x for x in defaults if x.connector_id == connector_id]
        defaults = own or [x for x in defaults if x.connector_id == 0]
        if self.faults.on("s16-txdefault-ignored"):
            defaults = []
        if running is not None and self.faults.on("s16-txdefault-not-for-ongoing-tx"):
            began = self.started_at(running)
            defaults = [x for x in defaults if began is None or x.installed <= began]
        return tx_profiles, defaults

    def _limit(self, connector_id: int, t: _dt.datetime, unit: str) -> tuple[float, int] | None:
        """The composite limit at `t` in `unit` (with its numberPhases); None: no limit."""
        maxima = [x for x in self.profiles if x.purpose == "ChargePointMaxProfile"]
        cap = (
            None if self.faults.on("s16-max-profile-ignored") else self._prevailing(maxima, t, None)
        )
        limits: list[tuple[float, int]] = []
        if cap is not None:
            limits.append((_convert(cap[0], cap[1], cap[2], unit), cap[1]))
        if connector_id > 0:
            running = self.st.tx.connectors[connector_id].tx
            tx_start = self.started_at(running)
            tx_profiles, defaults = self._tx_profiles(connector_id)
            tx_limit = self._prevailing(tx_profiles, t, tx_start)
            default = self._prevailing(defaults, t, tx_start)
            if self.faults.on("s16-txprofile-not-overruling"):
                chosen = [x for x in (tx_limit, default) if x is not None]
            else:
                chosen = [tx_limit] if tx_limit is not None else [default] if default else []
            for got in chosen:
                if got is not None:
                    limits.append((_convert(got[0], got[1], got[2], unit), got[1]))
        if not limits:
            return None
        return min(limits, key=lambda x: x[0])

    def on_composite(self, p: Mapping[str, Any]) -> Answer:
        connector_id = int(p["connectorId"])
        if connector_id != 0 and connector_id not in self.st.tx.connectors:
            return Answer(payload={"status": "Rejected"})
        duration = int(p["duration"])
        unit = str(p.get("chargingRateUnit") or "A")
        t0 = _dt.datetime.now(_dt.UTC)
        t1 = t0 + _dt.timedelta(seconds=duration)
        running = self.st.tx.connectors[connector_id].tx if connector_id else None
        tx_start = self.started_at(running)
        edges = {t0}
        for profile in self.profiles:
            edges.update(profile.edges(t0, t1, tx_start))
        periods: list[dict[str, Any]] = []
        for edge in sorted(edges):
            got = self._limit(connector_id, edge, unit)
            if got is None:
                full = MAX_CURRENT_A if unit == "A" else MAX_CURRENT_A * VOLTAGE * 3
                got = (full, 3)
            limit = round(got[0], 1)
            if periods and periods[-1]["limit"] == limit:
                continue
            offset = round((edge - t0).total_seconds())
            if periods and periods[-1]["startPeriod"] == offset:
                periods.pop()
            periods.append({"startPeriod": offset, "limit": limit, "numberPhases": got[1]})
        schedule: dict[str, Any] = {
            "duration": duration,
            "startSchedule": _iso(t0),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        }
        return Answer(
            payload={
                "status": "Accepted",
                "connectorId": connector_id,
                "scheduleStart": _iso(t0),
                "chargingSchedule": schedule,
            }
        )

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "connectorId": x.connector_id,
                "chargingProfileId": x.profile_id,
                "stackLevel": x.stack_level,
                "chargingProfilePurpose": x.purpose,
                "transactionId": x.tx.transaction_id if x.tx is not None else x.transaction_id,
            }
            for x in self.profiles
        ]
