"""A 1.6 charge point without a back-up power source, end to end through the real CLI.

The bundled 1.6 reference profile with PIXIT backup_power = false makes the harness start the
reference charge point with its `--no-backup-power` option: a power failure takes it down at
once and it stops the interrupted transaction only after the reboot. The case for such a
charge point (TC_032_2_CS) must PASS, the one for a charge point with back-up power
(TC_032_1_CS) must be NOT_APPLICABLE, and the fault that loses the transaction must make
TC_032_2_CS FAIL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAULT = "s16-no-backup-tx-lost"
CASES = "TC_032_1_CS or TC_032_2_CS"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, dict[str, Any]]]:
    """The clean and the faulted run at once: (exit code, output, cases by id)."""
    tmp = tmp_path_factory.mktemp("no-backup-power")
    text = (ROOT / "fixtures" / "reference-cs-1.6.toml").read_text()
    assert "backup_power = true" in text
    profile = tmp / "ref-cs-16-no-backup-power.toml"
    profile.write_text(text.replace("backup_power = true", "backup_power = false"))
    procs = {}
    for name, fault in (("clean", []), ("fault", ["--fault", FAULT])):
        cmd = [
            *(sys.executable, "-m", "conformance.cli", "run", "--dut", str(profile)),
            *("--report-dir", str(tmp / "reports"), "--run-id", name, *fault),
            *("--", "-k", CASES),
        ]
        procs[name] = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    out = {}
    for name, proc in procs.items():
        try:
            output, _ = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        report = tmp / "reports" / name / "conformance.json"
        cases = json.loads(report.read_text())["cases"] if report.exists() else []
        out[name] = (proc.returncode, output, {c["id"]: c for c in cases})
    return out


def test_power_failure_case_passes_without_backup_power(
    runs: dict[str, tuple[int, str, dict[str, Any]]],
) -> None:
    code, output, cases = runs["clean"]
    assert code == 0, output[-6000:]
    assert cases["TC_032_2_CS"]["verdict"] == "PASS", cases["TC_032_2_CS"]
    assert cases["TC_032_1_CS"]["verdict"] == "NOT_APPLICABLE", cases["TC_032_1_CS"]
    assert "backup_power" in (cases["TC_032_1_CS"].get("reason") or ""), cases["TC_032_1_CS"]


def test_fault_losing_the_transaction_is_caught(
    runs: dict[str, tuple[int, str, dict[str, Any]]],
) -> None:
    code, output, cases = runs["fault"]
    assert code != 0, output[-6000:]
    case = cases["TC_032_2_CS"]
    assert case["verdict"] == "FAIL", case
    messages = [f["message"] for f in case["findings"]]
    assert any("StopTransaction" in m and "PowerLoss" in m for m in messages), messages
