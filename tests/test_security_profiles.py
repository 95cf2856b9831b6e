"""Security profiles 1-3 end to end: the reference DUTs of both roles, through the real CLI.

Each run takes the bundled reference profile, raises its security profile (basic auth over
ws://, basic auth over wss://, mutual TLS), lets the harness make the run's PKI, and runs the
cold-boot case. It then checks what the report shows of the connection (TLS version and
peer certificate) and that the password appears nowhere in the report directory.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Sp-test-pass-0123456789"  # 2.0.1 A00.FR.204: 16 to 40 characters


def _profile(tmp: Path, role: str, sp: int) -> Path:
    text = (ROOT / "fixtures" / f"reference-{role}-2.0.1.toml").read_text()
    scheme = "wss" if sp >= 2 else "ws"
    text = re.sub(r'(?m)^endpoint = "ws://', f'endpoint = "{scheme}://', text)
    extra = f"security_profile = {sp}"
    if sp in (1, 2):
        extra += '\npassword = "env:OCPP_TEST_SP_PASSWORD"'
    text, n = re.subn(r"(?m)^security_profile = 0.*$", extra, text)
    assert n == 1
    path = tmp / f"ref-{role}-sp{sp}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("sp", [1, 2, 3])
@pytest.mark.parametrize("role", ["cs", "csms"])
def test_reference_run_at_security_profile(tmp_path: Path, role: str, sp: int) -> None:
    profile = _profile(tmp_path, role, sp)
    case = "TC_B_01_CS" if role == "cs" else "TC_B_01_CSMS"
    env = {**os.environ, "OCPP_TEST_SP_PASSWORD": PASSWORD}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "run", "--dut", str(profile)]
        + ["--report-dir", str(tmp_path / "reports"), "--run-id", "r", "--", "-k", case],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report_dir = tmp_path / "reports" / "r"
    report = json.loads((report_dir / "conformance.json").read_text())
    ran = [c for c in report["cases"] if c["id"] == case]
    assert ran and ran[0]["verdict"] == "PASS", ran
    trace = (report_dir / ran[0]["trace"]).read_text()
    if sp >= 2:
        assert re.search(r"TLSv1\.[23]", trace), "the trace does not record the TLS session"
    if sp == 3 and role == "cs":
        assert "CN=REF-CS-201" in trace, "the station's client certificate is not recorded"
    for path in report_dir.rglob("*"):
        if path.is_file():
            body = path.read_text(errors="replace")
            assert PASSWORD not in body, f"the password leaked into {path}"
            assert "PRIVATE KEY" not in body, f"key material in {path}"
