"""The 1.6 reference charge point's start-up variants, end to end through the real CLI.

The bundled 1.6 reference profile with the PIXIT keys local_auth_list_management,
accepts_reservations and reserve_connector_zero_supported set to false makes the harness start
the reference charge point without Local Auth List Management, configured not to accept
reservations, and without reservations of connectorId 0 (station16_variants). The cases for
such a charge point (TC_043_1_CS, TC_048_4_CS, TC_050_4_CS) must PASS there (the whole
reference run shows them NOT_APPLICABLE against the plain reference); each variant's fault
(started with only its own PIXIT key changed, as the mutation run does) must make its case
FAIL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ("TC_043_1_CS", "TC_048_4_CS", "TC_050_4_CS")
KEYS = ("local_auth_list_management", "accepts_reservations", "reserve_connector_zero_supported")
# Each variant's fault: (the PIXIT key it needs false, the case that catches it, a word of
# the finding).
FAULTS = {
    "s16-no-list-send-accepted": (KEYS[0], CASES[0], "NotSupported"),
    "s16-no-reservations-accepted": (KEYS[1], CASES[1], "Rejected"),
    "s16-reserve-zero-unsupported-unavailable": (KEYS[2], CASES[2], "Rejected"),
}

Runs = dict[str, tuple[int, str, dict[str, Any]]]


def _profile(tmp: Path, name: str, keys: tuple[str, ...]) -> Path:
    text = (ROOT / "fixtures" / "reference-cs-1.6.toml").read_text()
    assert "\nbackup_power = true\n" in text
    extra = "".join(f"\n{k} = false" for k in keys)
    path = tmp / f"ref-cs-16-{name}.toml"
    path.write_text(text.replace("\nbackup_power = true", "\nbackup_power = true" + extra, 1))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """All variants, and each fault in its variant, at once."""
    tmp = tmp_path_factory.mktemp("variants16")
    jobs: dict[str, tuple[Path, list[str], str]] = {
        "variants": (_profile(tmp, "variants", KEYS), [], " or ".join(CASES)),
    }
    for fault, (key, case, _) in FAULTS.items():
        jobs[fault] = (_profile(tmp, fault, (key,)), ["--fault", fault], case)
    procs = {}
    for name, (profile, fault, selection) in jobs.items():
        cmd = [
            *(sys.executable, "-m", "conformance.cli", "run", "--dut", str(profile)),
            *("--report-dir", str(tmp / "reports"), "--run-id", name, *fault),
            *("--", "-k", selection),
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


def test_variant_cases_pass_against_their_variant(runs: Runs) -> None:
    code, output, cases = runs["variants"]
    assert code == 0, output[-6000:]
    for case in CASES:
        assert cases[case]["verdict"] == "PASS", cases[case]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_variant_fault_is_caught(runs: Runs, fault: str) -> None:
    _key, case, word = FAULTS[fault]
    code, output, cases = runs[fault]
    assert code != 0, output[-6000:]
    assert cases[case]["verdict"] == "FAIL", cases[case]
    messages = [f["message"] for f in cases[case]["findings"]]
    assert any(word in m for m in messages), messages
