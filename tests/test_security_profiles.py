"""Security profiles 1-3 end to end: the reference DUTs of both roles, through the real CLI.

Each run takes the bundled reference profile, raises its security profile (basic auth over
ws://, basic auth over wss://, mutual TLS), lets the harness make the run's PKI, and runs the
cold-boot case and every case of functional block A (Security); for the station also the
certificate cases of block M and the migrations to a new CSMS root (TC_B_47/50), once more
with the station variant whose SecurityCtrlr.AdditionalRootCertificateCheck is true, and the
1.6 reference charge point's Security profile cases at security profiles 2 and 3. Block A
cases written for another security profile must come out NOT_APPLICABLE with that reason;
none may FAIL or ERROR, and at least the ones listed in EXPECTED_PASS must PASS at each
level. It then checks what the report shows of the connection (TLS version and peer
certificate) and that neither the password nor an Authorization header nor key material
appears in the report directory.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.security import profile_at_security_profile
from conformance.transport.server import basic_auth_header

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Sp-test-pass-0123456789"  # 2.0.1 A00.FR.204: 16 to 40 characters
PASSWORD16 = "Sp16-test-pass-012"  # 1.6 security whitepaper AuthorizationKey: 16 to 20 bytes
# The 1.6 charge point ("cs16"): its Security profile cases, at security profiles 2 and 3.
SECURITY16 = ("TC_075_1_CS", "TC_075_2_CS", "TC_076_CS", "TC_079_CS", "TC_078_CS", "TC_084_CS")
SECURITY16 += ("TC_086_CS",)

# Block M cases that pass at every security profile, the station with or without
# AdditionalRootCertificateCheck (M_02/M_07 need it false, so not in the "cs-arcc" runs).
M_ANY = ("TC_M_01_CS", "TC_M_12_CS", "TC_M_13_CS", "TC_M_17_CS", "TC_M_18_CS", "TC_M_19_CS")
M_ANY += ("TC_M_20_CS", "TC_M_22_CS")
M_NO_CHECK = (*M_ANY, "TC_M_02_CS", "TC_M_07_CS")
# Block A (and the station's M / B_47 / B_50) cases that must PASS against the reference DUT
# at each (role, security profile); "cs-arcc": the station with
# AdditionalRootCertificateCheck true.
EXPECTED_PASS: dict[tuple[str, int], set[str]] = {
    ("cs", 1): {"TC_A_01_CS", "TC_A_09_CS", "TC_A_10_CS", "TC_A_20_CS", *M_NO_CHECK},
    ("cs", 2): {
        *("TC_A_01_CS", "TC_A_04_CS", "TC_A_05_CS", "TC_A_06_CS"),
        *("TC_A_09_CS", "TC_A_10_CS", "TC_A_22_CS", "TC_B_50_CS", *M_NO_CHECK),
    },
    ("cs", 3): {
        *("TC_A_04_CS", "TC_A_05_CS", "TC_A_06_CS", "TC_A_07_CS"),
        *("TC_A_11_CS", "TC_A_14_CS", "TC_A_15_CS", "TC_A_22_CS", "TC_A_23_CS"),
        *("TC_B_50_CS", *M_NO_CHECK),
    },
    ("cs-arcc", 2): {
        *("TC_A_04_CS", "TC_A_05_CS", "TC_A_22_CS", "TC_B_47_CS", "TC_B_50_CS"),
        *("TC_M_09_CS", "TC_M_30_CS", "TC_M_31_CS", *M_ANY),
    },
    ("cs16", 2): {"TC_001_CS", "TC_073_CS", "TC_085_CS", *SECURITY16},
    ("cs16", 3): {"TC_001_CS", "TC_074_CS", "TC_077_CS", "TC_087_CS", *SECURITY16},
    ("csms", 1): {"TC_A_01_CSMS", "TC_A_02_CSMS", "TC_A_03_CSMS", "TC_A_09_CSMS", "TC_A_10_CSMS"},
    ("csms", 2): {
        *("TC_A_01_CSMS", "TC_A_02_CSMS", "TC_A_03_CSMS", "TC_A_04_CSMS", "TC_A_06_CSMS"),
        *("TC_A_09_CSMS", "TC_A_10_CSMS", "TC_A_19_CSMS"),
    },
    ("csms", 3): {
        *("TC_A_04_CSMS", "TC_A_06_CSMS", "TC_A_07_CSMS", "TC_A_08_CSMS"),
        *("TC_A_11_CSMS", "TC_A_14_CSMS"),
    },
}


def _profile(tmp: Path, role: str, sp: int) -> Path:
    if role == "cs16":
        text = (ROOT / "fixtures" / "reference-cs-1.6.toml").read_text()
        text = profile_at_security_profile(text, sp, "OCPP_TEST_SP_PASSWORD16")
    else:
        fixture = "cs" if role == "cs-arcc" else role
        text = (ROOT / "fixtures" / f"reference-{fixture}-2.0.1.toml").read_text()
        text = profile_at_security_profile(text, sp, "OCPP_TEST_SP_PASSWORD")
    if role == "cs-arcc":  # the station variant (PIXIT) with AdditionalRootCertificateCheck
        text = text.replace("[pixit]\n", "[pixit]\nadditional_root_certificate_check = true\n", 1)
    path = tmp / f"ref-{role}-sp{sp}.toml"
    path.write_text(text)
    return path


ROLES_AND_PROFILES = [(role, sp) for role in ("cs", "csms") for sp in (1, 2, 3)]
ROLES_AND_PROFILES.append(("cs-arcc", 2))
ROLES_AND_PROFILES += [("cs16", 2), ("cs16", 3)]


def _case(role: str) -> str:
    if role == "cs16":
        return "TC_001_CS"
    return "TC_B_01_CSMS" if role == "csms" else "TC_B_01_CS"


def _selection(role: str) -> str:
    """The cases of a run: the cold boot, block A, and the station's certificate cases."""
    if role == "csms":
        return f"{_case(role)} or TC_A_"
    if role == "cs16":  # the 1.6 Security profile
        ids = (*SECURITY16, "TC_073_CS", "TC_074_CS", "TC_077_CS", "TC_085_CS", "TC_087_CS")
        return " or ".join((_case(role), *ids))
    return f"{_case(role)} or TC_A_ or TC_M_ or TC_B_47_CS or TC_B_50_CS"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], tuple[int, str, Path]]:
    """All six reference runs at once (each starts its own reference DUT on its own ports),
    so the module costs about one run's time: (exit code, output, report directory)."""
    env = {
        **os.environ,
        "OCPP_TEST_SP_PASSWORD": PASSWORD,
        "OCPP_TEST_SP_PASSWORD16": PASSWORD16,
    }
    procs = {}
    for role, sp in ROLES_AND_PROFILES:
        tmp = tmp_path_factory.mktemp(f"{role}-sp{sp}")
        profile = _profile(tmp, role, sp)
        cmd = [
            *(sys.executable, "-m", "conformance.cli", "run", "--dut", str(profile)),
            *("--report-dir", str(tmp / "reports"), "--run-id", "r"),
            *("--", "-k", _selection(role)),
        ]
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        procs[(role, sp)] = (proc, tmp)
    out = {}
    for key, (proc, tmp) in procs.items():
        try:
            output, _ = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        out[key] = (proc.returncode, output, tmp)
    return out


@pytest.mark.parametrize(("role", "sp"), ROLES_AND_PROFILES)
def test_reference_run_at_security_profile(
    runs: dict[tuple[str, int], tuple[int, str, Path]], role: str, sp: int
) -> None:
    code, output, tmp_path = runs[(role, sp)]
    profile = tmp_path / f"ref-{role}-sp{sp}.toml"
    case = _case(role)
    assert code == 0, output[-6000:]
    report_dir = tmp_path / "reports" / "r"
    report = json.loads((report_dir / "conformance.json").read_text())
    ran = [c for c in report["cases"] if c["id"] == case]
    assert ran and ran[0]["verdict"] == "PASS", ran
    ran_all = {c["id"]: c for c in report["cases"] if c["verdict"] != "NOT_IMPLEMENTED"}
    block_a = {i: c for i, c in ran_all.items() if i.startswith("TC_A_")}
    bad = {i: (c["verdict"], c["findings"]) for i, c in ran_all.items()}
    bad = {i: v for i, v in bad.items() if v[0] not in ("PASS", "NOT_APPLICABLE")}
    assert not bad, bad
    passed = {i for i, c in ran_all.items() if c["verdict"] == "PASS"}
    assert EXPECTED_PASS[(role, sp)] <= passed, EXPECTED_PASS[(role, sp)] - passed
    for c in block_a.values():
        if c["verdict"] == "NOT_APPLICABLE" and c["id"] not in passed:
            assert "security profile" in (c.get("reason") or ""), c
    trace = (report_dir / ran[0]["trace"]).read_text()
    if sp >= 2:
        assert re.search(r"TLSv1\.[23]", trace), "the trace does not record the TLS session"
    if sp == 3 and role in ("cs", "cs-arcc"):
        assert "CN=REF-CS-201" in trace, "the station's client certificate is not recorded"
    if sp == 3 and role == "cs16":
        assert "CN=REF-CS-16" in trace, "the charge point's client certificate is not recorded"
    password = PASSWORD16 if role == "cs16" else PASSWORD
    # The Authorization header value (base64 of user:password) for every station id.
    ids = re.findall(r'"([A-Z0-9]+-[A-Z0-9-]+)"', profile.read_text())
    tokens = [basic_auth_header(i, password).split()[1] for i in ids]
    assert tokens
    password_frames = 0
    for path in report_dir.rglob("*"):
        if path.is_file():
            body = path.read_text(errors="replace")
            assert password not in body, f"the password leaked into {path}"
            assert password.encode().hex().upper() not in body.upper(), f"the key in {path}"
            assert not re.search(r"(?i)authorization:\s*basic", body), f"auth header in {path}"
            for token in tokens:
                assert token not in body, f"basic-auth credentials leaked into {path}"
            # Every BasicAuthPassword a case set (A01) is redacted, not only the configured one.
            set_values = re.findall(
                r'BasicAuthPassword\\"\},\\"attributeValue\\":\\"([^\\"]*)', body
            )
            # ... and every 1.6 AuthorizationKey (TC_073_CS).
            set_values += re.findall(r'AuthorizationKey\\",\\"value\\":\\"([^\\"]*)', body)
            assert set(set_values) <= {"<redacted>"}, f"a new basic-auth password in {path}"
            password_frames += len(set_values)
            assert "PRIVATE KEY" not in body, f"key material in {path}"
    if sp in (1, 2):  # TC_A_09/10 (1.6: TC_073) set new passwords: the check above saw them
        assert password_frames > 0
