"""A 1.6 charge point without a back-up power source, end to end through the real CLI.

The bundled 1.6 reference profile with PIXIT backup_power = false makes the harness start the
reference charge point with its `--no-backup-power` option: a power failure takes it down at
once and it stops the interrupted transaction only after the reboot. The case for such a
charge point (TC_032_2_CS) must PASS, the one for a charge point with back-up power
(TC_032_1_CS) must be NOT_APPLICABLE, and the fault that loses the transaction must make
TC_032_2_CS FAIL.
"""

from __future__ import annotations

import pytest
from variants import Run, run_variant

FAULT = "s16-no-backup-tx-lost"
CASES = "TC_032_1_CS or TC_032_2_CS"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The clean and the faulted run at once."""
    tmp = tmp_path_factory.mktemp("no-backup-power")
    line = ("backup_power = true", "backup_power = false")
    return run_variant(tmp, "reference-cs-1.6.toml", line, CASES, {"fault": FAULT})


def test_power_failure_case_passes_without_backup_power(
    runs: dict[str, Run],
) -> None:
    run = runs["clean"]
    code, output, cases = run.code, run.output, run.cases
    assert code == 0, output[-6000:]
    assert cases["TC_032_2_CS"]["verdict"] == "PASS", cases["TC_032_2_CS"]
    assert cases["TC_032_1_CS"]["verdict"] == "NOT_APPLICABLE", cases["TC_032_1_CS"]
    assert "backup_power" in (cases["TC_032_1_CS"].get("reason") or ""), cases["TC_032_1_CS"]


def test_fault_losing_the_transaction_is_caught(
    runs: dict[str, Run],
) -> None:
    run = runs["fault"]
    code, output, cases = run.code, run.output, run.cases
    assert code != 0, output[-6000:]
    case = cases["TC_032_2_CS"]
    assert case["verdict"] == "FAIL", case
    messages = [f["message"] for f in case["findings"]]
    assert any("StopTransaction" in m and "PowerLoss" in m for m in messages), messages
