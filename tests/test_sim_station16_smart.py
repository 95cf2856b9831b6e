"""The 1.6 reference charge point's composite schedule (station16_smart) on what the Smart
Charging cases do not exercise: recurrence, unit conversion, a connector's own
TxDefaultProfile replacing connector 0's, and ClearChargingProfile's criteria."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.dut import ProfileError, load_profile
from conformance.sim.faults import ActiveFaults
from conformance.sim.station16_config import Configuration
from conformance.sim.station16_smart import SmartCharging
from conformance.sim.station16_tx import Connector

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _smart() -> SmartCharging:
    station: Any = SimpleNamespace(
        config=Configuration(2),
        faults=ActiveFaults(),
        tx=SimpleNamespace(connectors={1: Connector(1), 2: Connector(2)}),
    )
    return SmartCharging(station)


def _iso(when: _dt.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _profile(
    profile_id: int,
    purpose: str,
    periods: list[tuple[int, float]],
    *,
    start: _dt.datetime,
    stack_level: int = 0,
    kind: str = "Absolute",
    recurrency: str | None = None,
    duration: int | None = None,
    unit: str = "A",
) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "startSchedule": _iso(start),
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [
            {"startPeriod": s, "limit": v, "numberPhases": 3} for s, v in periods
        ],
    }
    if duration is not None:
        schedule["duration"] = duration
    out: dict[str, Any] = {
        "chargingProfileId": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": schedule,
    }
    if recurrency:
        out["recurrencyKind"] = recurrency
    return out


def _set(smart: SmartCharging, connector: int, profile: dict[str, Any]) -> str:
    answer = smart.on_set({"connectorId": connector, "csChargingProfiles": profile})
    assert answer.payload is not None
    return str(answer.payload["status"])


def _periods(smart: SmartCharging, unit: str = "A", duration: int = 600) -> list[tuple[int, float]]:
    answer = smart.on_composite({"connectorId": 1, "duration": duration, "chargingRateUnit": unit})
    assert answer.payload is not None and answer.payload["status"] == "Accepted"
    return [
        (p["startPeriod"], p["limit"])
        for p in answer.payload["chargingSchedule"]["chargingSchedulePeriod"]
    ]


def test_daily_recurrence_repeats_the_schedule() -> None:
    """A Daily profile that began a day and 100 s ago is 100 s into today's repetition."""
    smart = _smart()
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    start = now - _dt.timedelta(days=1, seconds=100)
    profile = _profile(
        1,
        "TxDefaultProfile",
        [(0, 6), (400, 12)],
        start=start,
        kind="Recurring",
        recurrency="Daily",
    )
    assert _set(smart, 1, profile) == "Accepted"
    got = _periods(smart)
    assert got[0] == (0, 6.0)
    assert got[1][1] == 12.0 and abs(got[1][0] - 300) <= 1


def test_amps_are_converted_to_watts() -> None:
    smart = _smart()
    now = _dt.datetime.now(_dt.UTC)
    assert _set(smart, 1, _profile(1, "TxDefaultProfile", [(0, 10)], start=now)) == "Accepted"
    assert _periods(smart, unit="W") == [(0, 10 * 230.0 * 3)]


def test_connector_default_replaces_connector_zero_default() -> None:
    smart = _smart()
    now = _dt.datetime.now(_dt.UTC)
    assert _set(smart, 0, _profile(1, "TxDefaultProfile", [(0, 16)], start=now)) == "Accepted"
    assert _periods(smart) == [(0, 16.0)]
    assert _set(smart, 1, _profile(2, "TxDefaultProfile", [(0, 20)], start=now)) == "Accepted"
    assert _periods(smart) == [(0, 20.0)]  # connector 1's own default, though higher


def test_refusals_and_clear_criteria() -> None:
    smart = _smart()
    now = _dt.datetime.now(_dt.UTC)
    assert _set(smart, 1, _profile(1, "ChargePointMaxProfile", [(0, 16)], start=now)) == (
        "Rejected"
    )
    assert _set(smart, 1, _profile(2, "TxProfile", [(0, 16)], start=now)) == "Rejected"
    assert _set(smart, 0, _profile(3, "ChargePointMaxProfile", [(0, 16)], start=now)) == (
        "Accepted"
    )
    assert _set(smart, 1, _profile(4, "TxDefaultProfile", [(0, 8)], start=now)) == "Accepted"
    clear = smart.on_clear({"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 1})
    assert clear.payload == {"status": "Unknown"}
    clear = smart.on_clear({"connectorId": 0})
    assert clear.payload == {"status": "Accepted"}
    assert [p.profile_id for p in smart.profiles] == [4]
    assert smart.on_clear({}).payload == {"status": "Accepted"}
    assert smart.profiles == []


def test_profile_rejects_an_unknown_charging_rate_unit(tmp_path: Path) -> None:
    """PIXIT charging_rate_unit is A or W; anything else is reported with the key."""
    text = (FIXTURES / "reference-cs-1.6.toml").read_text()
    assert 'charging_rate_unit = "A"' in text
    bad = tmp_path / "dut.toml"
    bad.write_text(text.replace('charging_rate_unit = "A"', 'charging_rate_unit = "kW"'))
    with pytest.raises(ProfileError) as info:
        load_profile(bad, environ={})
    assert info.value.key == "pixit.charging_rate_unit"
    assert load_profile(FIXTURES / "reference-cs-1.6.toml", environ={}).pixit.max_time_deviation
