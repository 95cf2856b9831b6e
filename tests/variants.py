"""Runs of a reference-DUT variant through the real CLI, for the tests that prove the cases
only such a variant can pass (a station without back-up power, without EVSE reset, ...).

A variant is the bundled reference profile with one PIXIT line changed; the harness then
starts the reference DUT with the matching option. The clean run and each faulted run go
at once, as separate processes, so a variant test costs about one run's wall time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    code: int
    output: str
    cases: dict[str, dict[str, Any]]  # the report's cases by id


def run_variant(
    tmp: Path,
    fixture: str,
    line: tuple[str, str],
    cases: str,
    faults: dict[str, str],
    timeout: float = 120,
) -> dict[str, Run]:
    """Run `fixture` with `line` = (old, new) replaced, selecting `cases` (a -k expression):
    once clean (key "clean") and once per entry of `faults` (key -> fault name)."""
    text = (ROOT / "fixtures" / fixture).read_text()
    old, new = line
    assert old in text, f"{fixture} has no line {old!r}"
    profile = tmp / f"variant-{fixture}"
    profile.write_text(text.replace(old, new))
    runs = {"clean": [], **{key: ["--fault", fault] for key, fault in faults.items()}}
    procs = {}
    for name, fault in runs.items():
        cmd = [
            *(sys.executable, "-m", "conformance.cli", "run", "--dut", str(profile)),
            *("--report-dir", str(tmp / "reports"), "--run-id", name, *fault),
            *("--", "-k", cases),
        ]
        procs[name] = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    out = {}
    for name, proc in procs.items():
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        report = tmp / "reports" / name / "conformance.json"
        found = json.loads(report.read_text())["cases"] if report.exists() else []
        out[name] = Run(proc.returncode, output, {c["id"]: c for c in found})
    return out
