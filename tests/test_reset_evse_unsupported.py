"""A charging station that cannot reset a single EVSE, end to end through the real CLI.

The bundled 2.0.1 reference profile with PIXIT supports_reset_evse = false makes the harness
start the reference station with its `--no-evse-reset` option. The cases for such a station
(TC_B_28_CS, TC_B_29_CS) must PASS, the ones for a station that can (TC_B_25..27_CS) must be
NOT_APPLICABLE, and the fault that answers an EVSE reset anyway must make TC_B_28/29 FAIL.
"""

from __future__ import annotations

import pytest
from variants import Run, run_variant

FAULT = "s201-reset-evse-unsupported-accepted"
CASES = "TC_B_25_CS or TC_B_26_CS or TC_B_27_CS or TC_B_28_CS or TC_B_29_CS"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The clean and the faulted run at once."""
    tmp = tmp_path_factory.mktemp("no-evse-reset")
    line = ("supports_reset_evse = true", "supports_reset_evse = false")
    return run_variant(tmp, "reference-cs-2.0.1.toml", line, CASES, {"fault": FAULT})


def test_cases_pass_against_a_station_without_evse_reset(
    runs: dict[str, Run],
) -> None:
    run = runs["clean"]
    code, output, cases = run.code, run.output, run.cases
    assert code == 0, output[-6000:]
    for case in ("TC_B_28_CS", "TC_B_29_CS"):
        assert cases[case]["verdict"] == "PASS", cases[case]
    for case in ("TC_B_25_CS", "TC_B_26_CS", "TC_B_27_CS"):
        assert cases[case]["verdict"] == "NOT_APPLICABLE", cases[case]
        assert "supports_reset_evse" in (cases[case].get("reason") or ""), cases[case]


def test_fault_answering_evse_reset_is_caught(
    runs: dict[str, Run],
) -> None:
    run = runs["fault"]
    code, output, cases = run.code, run.output, run.cases
    assert code != 0, output[-6000:]
    for case, status in (("TC_B_28_CS", "'Accepted'"), ("TC_B_29_CS", "'Scheduled'")):
        assert cases[case]["verdict"] == "FAIL", cases[case]
        messages = [f["message"] for f in cases[case]["findings"]]
        assert any(status in m and "expected Rejected" in m for m in messages), messages
