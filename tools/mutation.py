"""Mutation run: does the suite catch every fault of the reference DUTs, and is it flake-free?

For each declared fault, run the relevant part of the suite (the fault's `caught_by` cases
when declared, else the whole suite of that role and version) against the reference DUT
started with that fault, and count the fault caught when at least one case FAILs with a
finding (an ERROR is not a catch). A 2.0.1 fault whose cases also run for 2.1 is run against
the 2.1 reference DUT as well, and counted per version. Then run the unfaulted reference
DUTs several times and count failing cases (flakes).
Last line: `mutation score: X% (caught C of F fault@version runs), flaky failures: K`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.cli import implemented_ids  # noqa: E402
from conformance.dut import load_profile  # noqa: E402
from conformance.sim import faults as registry  # noqa: E402
from conformance.sim.cli import _load_fault_declarations  # noqa: E402

ROLE_OF_SIM = {"station": "cs", "csms": "csms"}


def profiles() -> dict[tuple[str, str], Path]:
    out = {}
    for path in sorted((ROOT / "fixtures").glob("reference-*.toml")):
        dut = load_profile(path)
        out[(dut.role, str(dut.version))] = path
    return out


MUTATION_PASSWORD_ENV = "OCPP_MUTATION_PASSWORD"
MUTATION_PASSWORD = "Mutation-pass-0123"  # 2.0.1 A00.FR.204: 16-40 chars; 1.6: 16-20 bytes


def security_profile_for(cases: tuple[str, ...]) -> int:
    """The security profile a fault's catching cases run at (0 unless all of them need
    another one, e.g. the block A cases; then the lowest the first of them accepts)."""
    import importlib
    import pkgutil

    import testcases
    from conformance.catalogue.decorator import REGISTRY

    for mod in pkgutil.walk_packages(testcases.__path__, "testcases."):
        importlib.import_module(mod.name)
    needs = [REGISTRY[c].security_profiles for c in cases if c in REGISTRY]
    if not needs or any(not n or 0 in n for n in needs):
        return 0
    return min(needs[0])


def at_security_profile(profile: Path, sp: int, work: Path) -> Path:
    """The bundled profile raised to security profile `sp` (a file in `work`)."""
    from conformance.security import profile_at_security_profile

    if sp == 0:
        return profile
    path = work / f"{profile.stem}-sp{sp}.toml"
    if not path.exists():
        text = profile_at_security_profile(profile.read_text(), sp, MUTATION_PASSWORD_ENV)
        path.write_text(text)
    return path


def with_pixit(profile: Path, settings: tuple[tuple[str, str], ...], work: Path, tag: str) -> Path:
    """The profile with `settings` (key, TOML value) replaced where the key is set (a [pixit]
    key, or [pics] `profiles`), else added to [pixit]: the variant a fault's catching cases
    need (a file in `work`)."""
    if not settings:
        return profile
    text = profile.read_text()
    for key, value in settings:
        text, n = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", f"{key} = {value}", text)
        if n == 0:
            text = re.sub(r"(?m)^\[pixit\]$", f"[pixit]\n{key} = {value}", text, count=1)
    path = work / f"{profile.stem}-{tag}.toml"
    path.write_text(text)
    return path


def run_suite(profile: Path, fault: str | None, cases: tuple[str, ...], work: Path) -> list[dict]:
    """Run `ocpp-conformance run`; return the cases of its conformance.json that ran."""
    run_id = f"{fault or 'clean'}-{time.monotonic_ns()}"
    cmd = [
        sys.executable,
        "-m",
        "conformance.cli",
        "run",
        "--dut",
        str(profile),
        "--report-dir",
        str(work),
        "--run-id",
        run_id,
    ]
    if fault:
        cmd += ["--fault", fault]
    if cases:
        cmd += ["--", "-k", " or ".join(cases)]
    subprocess.run(
        cmd,
        cwd=ROOT,
        env={**os.environ, MUTATION_PASSWORD_ENV: MUTATION_PASSWORD},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=1800,
        check=False,
    )
    report = work / run_id / "conformance.json"
    if not report.exists():
        return [{"id": "(run)", "verdict": "ERROR", "findings": [{"message": "no report"}]}]
    data = json.loads(report.read_text())
    return [c for c in data["cases"] if c["verdict"] not in ("NOT_IMPLEMENTED",)]


def versions_of(f: registry.Fault) -> list[str]:
    """The versions a fault is run against: its own, and 2.1 for a 2.0.1 fault whose catching
    cases all run for 2.1 too (the 2.1 reference DUTs are the 2.0.1 ones speaking 2.1)."""
    from conformance.catalogue.decorator import REGISTRY

    out = list(f.versions)
    reused = f.caught_by and all(f"2.1:{c}" in REGISTRY for c in f.caught_by)
    if "2.0.1" in out and "2.1" not in out and reused:
        out.append("2.1")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="clean runs per profile")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fault", action="append", help="only these faults")
    args = parser.parse_args()
    _load_fault_declarations()
    implemented_ids()  # registers every case, for versions_of()
    by_target = profiles()
    faults = sorted(registry.REGISTRY.values(), key=lambda f: (f.dut, f.versions, f.name))
    if args.fault:
        faults = [f for f in faults if f.name in args.fault]
    work = Path(tempfile.mkdtemp(prefix="ocpp-mutation-"))

    jobs = []
    for f in faults:
        for version in versions_of(f):
            profile = by_target.get((ROLE_OF_SIM[f.dut], version))
            if profile is not None:
                jobs.append((f, profile, version))
    results: dict[str, bool] = {}
    details: dict[str, str] = {}

    def one(job: tuple[registry.Fault, Path, str]) -> tuple[str, bool, str]:
        f, profile, version = job
        profile = at_security_profile(profile, security_profile_for(f.caught_by), work)
        profile = with_pixit(profile, f.pixit, work, f.name)
        ran = run_suite(profile, f.name, f.caught_by, work)
        # Caught means a case FAILed with a finding about the DUT. An ERROR (the harness or the
        # set-up broke) is not a catch: it says nothing a vendor could act on.
        failing = [c for c in ran if c["verdict"] == "FAIL" and c["findings"]]
        errors = [c["id"] for c in ran if c["verdict"] == "ERROR"]
        first = failing[0]["findings"][0]["message"] if failing else ""
        what = ", ".join(c["id"] for c in failing[:4]) or f"none of {len(ran)} cases"
        if errors:
            what += f" (ERROR: {', '.join(errors[:4])})"
        return f"{f.name}@{version}", bool(failing), f"{what}: {first[:120]}"

    with ThreadPoolExecutor(args.jobs) as pool:
        for name, caught, detail in pool.map(one, jobs):
            results[name] = results.get(name, False) or caught
            details[name] = detail
            print(f"{'CAUGHT ' if caught else 'MISSED '} {name:<40} {detail}", flush=True)

    flaky = 0
    clean_jobs = [p for p in by_target.values() for _ in range(args.repeat)]
    with ThreadPoolExecutor(args.jobs) as pool:
        for ran in pool.map(lambda p: run_suite(p, None, (), work), clean_jobs):
            bad = [c["id"] for c in ran if c["verdict"] in ("FAIL", "ERROR")]
            flaky += len(bad)
            if bad:
                print(f"FLAKY   {', '.join(bad)}", flush=True)

    missed = [n for n, ok in results.items() if not ok]
    for name in missed:
        should = ", ".join(registry.REGISTRY[name.split("@")[0]].caught_by) or "(none declared)"
        print(f"not caught: {name} — should be caught by {should}")
    total = len(results)
    caught = total - len(missed)
    score = 100.0 * caught / total if total else 0.0
    print(
        f"mutation score: {score:.1f}% (caught {caught} of {total} fault@version runs), "
        f"flaky failures: {flaky}"
    )
    return 0 if not missed and flaky == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
