"""`ocpp-conformance`: run, demo, catalogue, sim.

Exit codes of `run` (CI pipelines rely on them): 0 every applicable case passed, 1 a case
failed or errored, 2 usage or DUT-profile error.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import testcases


def _cases_dir() -> Path:
    return Path(testcases.__file__).parent


def _version_dir(version: str) -> str:
    return {"1.6": "ocpp16", "2.0.1": "ocpp201", "2.1": "ocpp21"}[version]


def cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    from conformance.dut import ProfileError, load_profile
    from conformance.runtime import new_run_id

    try:
        dut = load_profile(args.dut)
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import pytest

    target = _cases_dir() / _version_dir(dut.version) / dut.role
    if not target.is_dir():
        print(f"no cases for OCPP {dut.version} {dut.role} in this installation", file=sys.stderr)
        return 2
    run_id = args.run_id or new_run_id()
    pytest_args = [
        str(target),
        "--ocpp-dut",
        str(args.dut),
        "--ocpp-report-dir",
        str(args.report_dir),
        "--ocpp-run-id",
        run_id,
        "--ocpp-lenient" if args.lenient else "--ocpp-strict",
        "--rootdir",
        str(_cases_dir().parent),
        "-p",
        "no:cacheprovider",
        "-q",
        # The cases run on the harness's own loop, so pytest-asyncio's scope default does not
        # matter here; and `conformance` is imported before pytest starts, so pytest cannot
        # rewrite its asserts (it has none that need it). Both warnings are noise to a user.
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
    ]
    if args.fault:
        pytest_args += ["--ocpp-fault", args.fault]
    code = int(pytest.main(pytest_args + extra))
    print(f"reports: {Path(args.report_dir) / run_id}")
    if code in (0, 5):  # 5: nothing collected/selected (e.g. -k matched nothing)
        return 0
    return 1 if code == 1 else 2


def cmd_catalogue(args: argparse.Namespace) -> int:
    from conformance.catalogue import (
        coverage,
        load_catalogue,
        render_json,
        render_markdown,
        render_table,
    )

    implemented = implemented_ids()
    report = coverage(
        load_catalogue(),
        implemented,
        version=args.version,
        role=args.role,
        profile=args.profile,
        block=args.block,
    )
    render = {"json": render_json, "markdown": render_markdown}.get(args.format, render_table)
    print(render(report), end="" if args.format == "markdown" else "\n")
    return 0


def implemented_ids() -> set[str]:
    """Import every case module so each @testcase registers itself."""
    import importlib
    import pkgutil

    from conformance.catalogue.decorator import REGISTRY

    for mod in pkgutil.walk_packages([str(_cases_dir())], prefix="testcases."):
        importlib.import_module(mod.name)
    return set(REGISTRY)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run every bundled reference profile that has cases; summarise.

    With --jobs N the profiles run as N parallel `run` processes: a run against a reference
    DUT mostly waits out protocol intervals (retries, meter samples, boot intervals), so two
    at once take little more than the longest. Each run's output is printed when it ends."""
    from conformance.dut import load_profile

    runs = []
    for profile in sorted(_fixtures_dir().glob("reference-*.toml")):
        dut = load_profile(profile)
        if (_cases_dir() / _version_dir(dut.version) / dut.role).is_dir():
            runs.append((dut.role, dut.version, profile))
    # The 2.x charging-station runs wait out the most protocol intervals: start them first,
    # so the short runs fill in beside them instead of after them.
    runs.sort(key=lambda r: (r[0] != "cs", r[1] == "1.6", r[2].name))
    profiles = [profile for _, _, profile in runs]

    def one(profile: Path) -> tuple[str, int, float, str]:
        t0 = time.monotonic()
        cmd = [sys.executable, "-m", "conformance.cli", "run", "--dut", str(profile)]
        cmd += ["--report-dir", str(args.report_dir.resolve())]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        return profile.name, proc.returncode, time.monotonic() - t0, proc.stdout + proc.stderr

    summary = []
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for name, code, secs, output in pool.map(one, profiles):
            print(output, end="", flush=True)
            summary.append((name, code, secs))
    print("\nDemo summary:")
    for name, code, secs in summary:
        print(f"  {name:<32} {'PASS' if code == 0 else 'FAIL'}  {secs:6.1f} s")
    print(f"reports under {args.report_dir}/ (open report.html in a browser)")
    return max((code for _, code, _ in summary), default=0)


def cmd_pki(args: argparse.Namespace) -> int:
    """Write a CA, a CSMS server certificate and a station client certificate (with keys)."""
    from conformance.transport.tls import generate_pki

    hosts = tuple(args.host) or ("127.0.0.1", "localhost")
    pki = generate_pki(args.out, station_id=args.station_id, hosts=hosts)
    print(f"CA certificate (install on the DUT as its trust anchor): {pki.ca.cert}")
    print(f"CSMS server certificate (profile: server_cert): {pki.server.cert}")
    print(f"CSMS server key (profile: server_key): {pki.server.key}")
    print(f"station client certificate (profile: client_cert): {pki.client.cert}")
    print(f"station client key (profile: client_key): {pki.client.key}")
    print("also written: expired-* and foreign-* variants, for the DUT-must-refuse cases")
    print("the .key files are private keys: keep them out of version control")
    return 0


def _fixtures_dir() -> Path:
    here = _cases_dir().parent / "fixtures"
    if here.is_dir():
        return here
    return Path.cwd() / "fixtures"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ocpp-conformance", description="Open OCPP conformance harness"
    )
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run every applicable case against a DUT")
    run.add_argument("--dut", required=True, type=Path, help="DUT profile (TOML)")
    run.add_argument("--report-dir", default=Path("reports"), type=Path)
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--strict", action="store_true", help="fail on any violation (default)")
    mode.add_argument("--lenient", action="store_true", help="fail only on functional failures")
    run.add_argument("--fault", help="inject a fault into the bundled reference DUT")
    run.add_argument("--run-id", help="report sub-directory name (default: start time)")
    demo = sub.add_parser("demo", help="run the suite against the bundled reference DUTs")
    demo.add_argument("--report-dir", default=Path("reports"), type=Path)
    demo.add_argument(
        "--jobs", type=int, default=1, help="reference profiles run at once (default 1)"
    )
    cat = sub.add_parser("catalogue", help="the official case list and what is implemented")
    cat.add_argument("--version", choices=["1.6", "2.0.1", "2.1"])
    cat.add_argument("--role", choices=["cs", "csms"])
    cat.add_argument("--profile", help="certification profile, e.g. Core")
    cat.add_argument("--block", help="functional block letter or name prefix")
    cat.add_argument(
        "--format",
        choices=["table", "json", "markdown"],
        default="table",
        help="markdown: the README's per-profile coverage table",
    )
    pki = sub.add_parser("pki", help="make a test PKI to install on a real DUT (profiles 2/3)")
    pki.add_argument("--out", required=True, type=Path, help="directory for the PEM files")
    pki.add_argument("--station-id", required=True, help="CN of the station client certificate")
    pki.add_argument(
        "--host",
        action="append",
        default=[],
        help="host name or IP address the CSMS server certificate is valid for (repeatable; "
        "default 127.0.0.1 and localhost)",
    )
    sub.add_parser(
        "sim", help="run a reference DUT (see: ocpp-conformance sim --help)", add_help=False
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sim":
        from conformance.sim.cli import main as sim_main

        return sim_main(argv[1:])
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return cmd_run(args, extra)
    if args.command == "demo":
        return cmd_demo(args)
    if args.command == "catalogue":
        return cmd_catalogue(args)
    if args.command == "pki":
        return cmd_pki(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
