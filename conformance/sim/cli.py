"""`ocpp-conformance sim station|csms ...`: run a reference DUT from the command line.

On start it prints one line `READY key=value ...` (control API URL, and the OCPP URL for the
CSMS) so a parent process (the harness, a CI script) can find it; it stops cleanly on Ctrl-C
or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from conformance.ocppj import OcppVersion
from conformance.sim import faults as fault_registry
from conformance.sim import station16_variants
from conformance.sim import station201_variants as station_variants
from conformance.sim.faults import ActiveFaults
from conformance.sim.options import (
    CsmsOptions,
    Simulator,
    StationOptions,
    build_csms,
    build_station,
)


def _load_fault_declarations() -> None:
    """Import every simulator so all faults are declared (for --list-faults and checks)."""
    import importlib

    for mod in ("station201", "station16", "csms201", "csms16"):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"conformance.sim.{mod}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ocpp-conformance sim", description=__doc__)
    p.add_argument("--list-faults", action="store_true", help="list the injectable faults")
    sub = p.add_subparsers(dest="what")
    st = sub.add_parser("station", help="run the reference charging station")
    st.add_argument("--ocpp", default="2.0.1", help="1.6 or 2.0.1")
    st.add_argument("--csms-url", required=True, help="CSMS base URL, e.g. ws://host:9000/ocpp")
    st.add_argument("--id", default="CS001", help="station id (appended to the URL)")
    st.add_argument("--evses", default="1,1", help="connectors per EVSE, comma separated")
    st.add_argument("--security-profile", type=int, default=0)
    st.add_argument("--password", help="basic-auth password (profiles 1 and 2)")
    st.add_argument("--ca-cert", type=Path)
    st.add_argument("--client-cert", type=Path)
    st.add_argument("--client-key", type=Path)
    st.add_argument("--control-port", type=int, default=0)
    st.add_argument("--fault", action="append", default=[], help="inject a fault (repeatable)")
    st.add_argument(
        "--additional-root-certificate-check",
        action="store_true",
        help="2.0.1: SecurityCtrlr.AdditionalRootCertificateCheck true (M05: a new CSMS root "
        "must be signed by the old one, which stays the fallback until the new one connects)",
    )
    st.add_argument(
        "--no-evse-reset",
        action="store_true",
        help="2.0.1: the station cannot reset a single EVSE (Reset with evseId is Rejected)",
    )
    st.add_argument(
        "--no-smart-charging",
        action="store_true",
        help="2.0.1: no Smart Charging (no SmartChargingCtrlr; K requests are NotSupported)",
    )
    st.add_argument(
        "--no-backup-power",
        action="store_true",
        help="1.6: no back-up power source: a power failure stops the transactions only once "
        "the power is back (reason PowerLoss)",
    )
    st.add_argument(
        "--fixed-cable-evse",
        type=int,
        action="append",
        default=[],
        help="2.0.1: an EVSE with a permanently attached cable (repeatable)",
    )
    st.add_argument(
        "--variant",
        action="append",
        default=[],
        choices=sorted({**station_variants.VARIANTS, **station16_variants.VARIANTS}),
        help="a start-up variant of the station (repeatable): "
        + "; ".join(f"{k}: {v}" for k, v in sorted(station_variants.VARIANTS.items()))
        + "; "
        + "; ".join(f"{k}: {v}" for k, v in sorted(station16_variants.VARIANTS.items())),
    )
    st.add_argument(
        "--manufacturer-root",
        type=Path,
        action="append",
        default=[],
        help="2.0.1: a manufacturer root CA (PEM) firmware signing certificates must chain to",
    )
    cs = sub.add_parser("csms", help="run the reference CSMS")
    cs.add_argument("--ocpp", default="2.0.1", help="1.6 or 2.0.1")
    cs.add_argument("--host", default="127.0.0.1")
    cs.add_argument("--port", type=int, default=9000)
    cs.add_argument("--security-profile", type=int, default=0)
    cs.add_argument("--password", action="append", default=[], help="ID=PASSWORD (repeatable)")
    cs.add_argument("--server-cert", type=Path)
    cs.add_argument("--server-key", type=Path)
    cs.add_argument("--ca-cert", type=Path)
    cs.add_argument("--ca-key", type=Path, help="CA key that signs stations' CSRs (A02)")
    cs.add_argument("--valid-token", action="append", default=[])
    cs.add_argument("--blocked-token", action="append", default=[])
    cs.add_argument("--expired-token", action="append", default=[])
    cs.add_argument("--group-token", help="groupIdToken of the valid tokens (C09)")
    cs.add_argument("--master-pass-token", action="append", default=[])
    cs.add_argument("--master-pass-group", help="MasterPassGroupId of the master passes (C16)")
    cs.add_argument("--heartbeat-interval", type=int, default=60)
    cs.add_argument("--control-port", type=int, default=0)
    cs.add_argument("--fault", action="append", default=[], help="inject a fault (repeatable)")
    return p


async def _run(simulator: Simulator) -> None:
    addresses = await simulator.start()
    print("READY " + " ".join(f"{k}={v}" for k, v in addresses.items()), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    stopped = asyncio.ensure_future(simulator.wait_stopped())
    waiter = asyncio.ensure_future(stop.wait())
    await asyncio.wait({stopped, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    await simulator.stop()


def main(argv: list[str] | None = None) -> int:
    _load_fault_declarations()
    args = build_parser().parse_args(argv)
    if args.list_faults:
        for f in sorted(fault_registry.REGISTRY.values(), key=lambda f: (f.dut, f.name)):
            print(f"{f.name:<32} {f.dut:<8} {','.join(f.versions):<10} {f.description}")
        return 0
    if args.what is None:
        build_parser().print_help()
        return 2
    try:
        version = OcppVersion.parse(args.ocpp)
        faults = ActiveFaults(args.fault)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.what == "station":
        sim = build_station(
            StationOptions(
                version=version,
                csms_url=args.csms_url,
                station_id=args.id,
                evses=tuple(int(x) for x in args.evses.split(",") if x),
                security_profile=args.security_profile,
                password=args.password,
                ca_cert=args.ca_cert,
                client_cert=args.client_cert,
                client_key=args.client_key,
                control_port=args.control_port,
                extra={
                    **({"reset_evse": False} if args.no_evse_reset else {}),
                    **(
                        {"additional_root_certificate_check": True}
                        if args.additional_root_certificate_check
                        else {}
                    ),
                    **({"backup_power": False} if args.no_backup_power else {}),
                    **({"smart_charging": False} if args.no_smart_charging else {}),
                    **(
                        {"fixed_cable_evses": args.fixed_cable_evse}
                        if args.fixed_cable_evse
                        else {}
                    ),
                    **({"variants": args.variant} if args.variant else {}),
                    **(
                        {"manufacturer_roots": args.manufacturer_root}
                        if args.manufacturer_root
                        else {}
                    ),
                },
            ),
            faults,
        )
    else:
        passwords = dict(p.split("=", 1) for p in args.password)
        sim = build_csms(
            CsmsOptions(
                version=version,
                host=args.host,
                port=args.port,
                security_profile=args.security_profile,
                passwords=passwords,
                server_cert=args.server_cert,
                server_key=args.server_key,
                ca_cert=args.ca_cert,
                ca_key=args.ca_key,
                valid_tokens=tuple(args.valid_token) or ("VALID001",),
                blocked_tokens=tuple(args.blocked_token) or ("BLOCKED01",),
                expired_tokens=tuple(args.expired_token) or ("EXPIRED01",),
                group_token=args.group_token,
                master_pass_tokens=tuple(args.master_pass_token),
                master_pass_group=args.master_pass_group,
                heartbeat_interval=args.heartbeat_interval,
                control_port=args.control_port,
            ),
            faults,
        )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(sim))
    return 0


if __name__ == "__main__":
    sys.exit(main())
