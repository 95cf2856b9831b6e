"""A 2.0.1 charging station without Smart Charging, end to end through the real CLI.

The bundled 2.0.1 reference profile without "Smart Charging" in its PICS makes the harness
start the reference station with its `--no-smart-charging` option (no SmartChargingCtrlr;
the K requests are answered NotSupported). The cases for such a station (TC_K_38_CS: a
TxProfile with a remote start is ignored, F01.FR.12; TC_K_15_CS: SetChargingProfile is
NotSupported) must PASS, a Smart Charging case must be NOT_APPLICABLE, and the faults that
reject the remote start / answer SetChargingProfile with a CALLRESULT must make them FAIL.
"""

from __future__ import annotations

import pytest
from variants import ROOT, Run, run_variant

CASES = "TC_K_38_CS or TC_K_15_CS or TC_K_01_CS"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The clean and the faulted runs at once."""
    tmp = tmp_path_factory.mktemp("no-smart-charging")
    text = (ROOT / "fixtures" / "reference-cs-2.0.1.toml").read_text()
    old = next(x for x in text.splitlines() if x.startswith("profiles = "))
    assert '"Smart Charging"' in old, old
    new = old.replace('"Smart Charging", ', "").replace(', "Smart Charging"', "")
    line = (old, new)
    faults = {"start": "s201-remote-start-profile-rejected", "set": "s201-sc-disabled-accepts"}
    return run_variant(tmp, "reference-cs-2.0.1.toml", line, CASES, faults)


def test_cases_pass_against_a_station_without_smart_charging(runs: dict[str, Run]) -> None:
    run = runs["clean"]
    assert run.code == 0, run.output[-6000:]
    for case in ("TC_K_38_CS", "TC_K_15_CS"):
        assert run.cases[case]["verdict"] == "PASS", run.cases[case]
    case = run.cases["TC_K_01_CS"]
    assert case["verdict"] == "NOT_APPLICABLE", case
    assert "Smart Charging" in (case.get("reason") or ""), case


def test_fault_rejecting_the_remote_start_is_caught(runs: dict[str, Run]) -> None:
    run = runs["start"]
    assert run.code != 0, run.output[-6000:]
    case = run.cases["TC_K_38_CS"]
    assert case["verdict"] == "FAIL", case
    messages = [f["message"] for f in case["findings"]]
    assert any("'Rejected'" in m and "ignore the chargingProfile" in m for m in messages), messages


def test_fault_answering_set_charging_profile_is_caught(runs: dict[str, Run]) -> None:
    run = runs["set"]
    assert run.code != 0, run.output[-6000:]
    case = run.cases["TC_K_15_CS"]
    assert case["verdict"] == "FAIL", case
    messages = [f["message"] for f in case["findings"]]
    assert any("CALLRESULT where a CALLERROR was due" in m for m in messages), messages
