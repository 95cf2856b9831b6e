"""The run: one event loop in a background thread, the harness role, the reference DUT.

Why a dedicated loop thread rather than pytest-asyncio: the mock CSMS must live across cases
(a station stays connected between them), and the main thread must be able to give up on a
case at its hard deadline even if a coroutine misbehaves, so a silent DUT can never hang the
run. Cases are submitted to the loop with `run_coroutine_threadsafe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import sys
import threading
import time
import traceback
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from conformance import TOOL_NAME, __version__
from conformance.catalogue.decorator import CaseSpec
from conformance.context import CaseContext
from conformance.dut import DutProfile
from conformance.firmware import FirmwareMaterial, firmware_material
from conformance.ocppj import OcppVersion
from conformance.operator.drivers import Operator, build_driver
from conformance.roles import MockCsms, MockStation
from conformance.roles.tokens import TokenBook
from conformance.security import TlsMaterial, tls_material
from conformance.session import Timeouts
from conformance.sim import station16_variants
from conformance.sim import station201_variants as station_variants
from conformance.trace import Recorder
from conformance.verdict import CaseFailed, CaseResult, NotApplicable, Verdict

T = TypeVar("T")

# The versions the 2.0.1 reference DUTs speak (2.1 keeps every 2.0.1 message and field).
V2 = (OcppVersion.V201, OcppVersion.V21)


def new_run_id() -> str:
    """Sortable by time, unique enough for parallel CI jobs."""
    now = _dt.datetime.now(_dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S") + f"-{now.microsecond:06d}"


class SetupError(Exception):
    """The harness could not get the run going (DUT unreachable, simulator did not start)."""


class ReferenceProcess:
    """A reference DUT started as `python -m conformance.sim ...`; its output goes to a log."""

    def __init__(self, args: list[str], log_path: Path) -> None:
        self.args = args
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self.addresses: dict[str, str] = {}
        self._drain: asyncio.Task[None] | None = None

    async def start(self, timeout: float) -> dict[str, str]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "conformance.sim",
            *self.args,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        assert self.proc.stdout is not None
        stdout = self.proc.stdout

        async def ready() -> str:
            while True:
                line = (await stdout.readline()).decode(errors="replace")
                if not line:
                    raise SetupError(
                        f"reference DUT exited before it was ready (see {self.log_path})"
                    )
                log.write(line.encode())
                if line.startswith("READY"):
                    return line

        try:
            line = await asyncio.wait_for(ready(), timeout)
        except TimeoutError:
            await self.stop()
            raise SetupError(f"reference DUT not ready within {timeout:g} s") from None
        self.addresses = dict(p.split("=", 1) for p in line.split()[1:])

        async def drain() -> None:
            with contextlib.suppress(Exception):
                while chunk := await stdout.readline():
                    log.write(chunk)
            log.close()

        self._drain = asyncio.get_running_loop().create_task(drain())
        return self.addresses

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


class Runtime:
    def __init__(
        self,
        dut: DutProfile,
        *,
        report_dir: Path,
        run_id: str,
        mode: str = "strict",
        seed: int = 0,
        fault: str | None = None,
    ) -> None:
        self.dut = dut
        self.version = OcppVersion.parse(dut.version)
        self.report_dir = report_dir
        self.run_id = run_id
        self.mode = mode
        self.seed = seed
        self.fault = fault if fault is not None else (dut.reference.fault or None)
        self.recorder = Recorder(secrets=dut.secrets())
        self.results: list[CaseResult] = []
        self.started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="ocpp-loop", daemon=True)
        self._thread.start()
        self.csms: MockCsms | None = None
        self.reference: ReferenceProcess | None = None
        self.csms_url: str | None = None
        self.operator: Operator | None = None
        self._setup_error: str | None = None
        self._started = False
        self._station_index = 0
        self.tls: TlsMaterial | None = None
        self.firmware: FirmwareMaterial | None = None  # 2.0.1 CS role: L01 material

    # -- plumbing --------------------------------------------------------------------------

    def submit(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(response=self.dut.timeouts.response, message=self.dut.timeouts.message)

    # -- start / stop ----------------------------------------------------------------------

    def ensure_started(self) -> None:
        if self._started:
            if self._setup_error:
                raise SetupError(self._setup_error)
            return
        self._started = True
        try:
            self.submit(self._start(), self.dut.timeouts.connect + 30)
        except Exception as exc:
            self._setup_error = f"{type(exc).__name__}: {exc}"
            raise SetupError(self._setup_error) from exc

    async def _start(self) -> None:
        control_url: str | None = None
        log = self.report_dir / "reference-dut.log"
        pixit = self.dut.pixit
        try:
            self.tls = tls_material(
                self.dut.connection,
                need_server=self.dut.role == "cs" or self.dut.reference.start,
            )
        except ValueError as exc:
            raise SetupError(str(exc)) from None
        if self.dut.role == "cs":
            ep = urlsplit(self.dut.connection.endpoint)
            if self.version in (*V2, OcppVersion.V16):  # signed firmware updates
                self.firmware = firmware_material(pixit)
            tokens = TokenBook(
                statuses={
                    pixit.valid_idtoken_idtoken: "Accepted",
                    pixit.group_idtoken: "Accepted",
                    pixit.blocked_idtoken_idtoken: "Blocked",
                    pixit.expired_idtoken_idtoken: "Expired",
                    pixit.invalid_idtoken_idtoken: "Invalid",
                }
            )
            password = self.dut.connection.password
            self.csms = MockCsms(
                version=self.version,
                recorder=self.recorder,
                host=ep.hostname or "127.0.0.1",
                port=ep.port or 0,
                path_prefix=ep.path or "/",
                timeouts=self.timeouts,
                tokens=tokens,
                heartbeat_interval=pixit.heartbeat_interval,
                passwords=(lambda _sid: password) if password else None,
                require_auth=self.dut.connection.security_profile in (1, 2),
                answer_invalid=self.mode == "lenient",
                ssl_context=self.tls.server_context() if self.tls else None,
            )
            await self.csms.start()
            if self.dut.reference.start:
                host = "127.0.0.1" if ep.hostname in (None, "0.0.0.0") else ep.hostname
                scheme = "wss" if self.tls else "ws"
                url = f"{scheme}://{host}:{self.csms.port}{self.csms.server.path_prefix}"
                args = [
                    "station",
                    "--ocpp",
                    str(self.version),
                    "--csms-url",
                    url,
                    "--id",
                    self.dut.station_id,
                    "--evses",
                    ",".join(str(n) for n in pixit.evses),
                    "--security-profile",
                    str(self.dut.connection.security_profile),
                ]
                if password:
                    args += ["--password", password]
                if not pixit.supports_reset_evse:
                    args += ["--no-evse-reset"]  # the station the profile describes
                if self.version is OcppVersion.V16 and not pixit.backup_power:
                    args += ["--no-backup-power"]
                if self.version is OcppVersion.V16:
                    args += station16_variants.cli_args(self.dut)  # as the PIXIT describes
                if self.version in V2 and not self.dut.pics.claims("Smart Charging"):
                    args += ["--no-smart-charging"]  # K: the station the profile describes
                if self.version in V2 and pixit.additional_root_certificate_check:
                    args += ["--additional-root-certificate-check"]  # M05 (AS-2)
                if self.version in V2:
                    args += station_variants.cli_args(pixit)  # the station the PIXIT describes
                if self.version in V2 and pixit.fixed_cable_evse:
                    args += ["--fixed-cable-evse", str(pixit.fixed_cable_evse)]
                args += self._reference_tls_args("station")
                if self.firmware is not None and self.firmware.manufacturer_root is not None:
                    # The station trusts the run's manufacturer root for firmware (L01).
                    args += ["--manufacturer-root", str(self.firmware.manufacturer_root)]
                args += [a for f in ([self.fault] if self.fault else []) for a in ("--fault", f)]
                self.reference = ReferenceProcess(args, log)
                addresses = await self.reference.start(self.dut.timeouts.connect)
                control_url = addresses.get("control")
        else:
            self.csms_url = self.dut.connection.endpoint
            if self.dut.reference.start:
                args = [
                    "csms",
                    "--ocpp",
                    str(self.version),
                    "--port",
                    "0",
                    "--valid-token",
                    pixit.valid_idtoken_idtoken,
                    "--heartbeat-interval",
                    str(pixit.heartbeat_interval),
                ]
                # The CSMS's token list as the profile describes it (Memory State of the
                # authorization cases): a second valid token in the same group, the blocked
                # and expired ones, and the master pass with its group.
                args += ["--valid-token", pixit.valid_idtoken2_idtoken]
                args += ["--group-token", pixit.group_idtoken]
                args += ["--blocked-token", pixit.blocked_idtoken_idtoken]
                args += ["--expired-token", pixit.expired_idtoken_idtoken]
                args += ["--master-pass-token", pixit.masterpass_idtoken_idtoken]
                args += ["--master-pass-group", pixit.master_pass_group_id]
                if self.dut.connection.password:
                    for sid in self.dut.connection.station_ids:
                        args += ["--password", f"{sid}={self.dut.connection.password}"]
                args += ["--security-profile", str(self.dut.connection.security_profile)]
                args += self._reference_tls_args("csms")
                args += [a for f in ([self.fault] if self.fault else []) for a in ("--fault", f)]
                self.reference = ReferenceProcess(args, log)
                addresses = await self.reference.start(self.dut.timeouts.connect)
                self.csms_url = addresses["ocpp"]
                control_url = addresses.get("control")
        self.operator = Operator(
            build_driver(self.dut, control_url),
            findings_sink=lambda: self.recorder.findings,
            station_id=self.dut.station_id if self.dut.role == "cs" else None,
        )

    def _reference_tls_args(self, sim: str) -> list[str]:
        """The certificate options of `ocpp-conformance sim station|csms` for this run."""
        if self.tls is None:
            return []
        args = ["--ca-cert", str(self.tls.ca)] if self.tls.ca is not None else []
        if sim == "csms" and self.tls.server is not None:
            args += ["--server-cert", str(self.tls.server.cert)]
            args += ["--server-key", str(self.tls.server.key)]
        if sim == "csms" and self.tls.pki is not None:  # the reference CSMS plays the CA too
            args += ["--ca-key", str(self.tls.pki.ca.key)]
        client = self.tls.client_for(self.dut.station_id)
        if sim == "station" and client is not None:
            args += ["--client-cert", str(client.cert), "--client-key", str(client.key)]
        return args

    def stop(self) -> None:
        async def _stop() -> None:
            if self.csms is not None:
                await self.csms.close()
            if self.reference is not None:
                await self.reference.stop()

        with contextlib.suppress(Exception):
            self.submit(_stop(), 20)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        if self.tls is not None:
            self.tls.cleanup()
        if self.firmware is not None:
            self.firmware.cleanup()

    # -- cases -----------------------------------------------------------------------------

    async def _new_station(self, **kwargs: Any) -> MockStation:
        ids = self.dut.connection.station_ids
        station_id = kwargs.pop("station_id", None) or ids[self._station_index % len(ids)]
        self._station_index += 1
        assert self.csms_url is not None
        evses = kwargs.pop("evses", None) or {i + 1: n for i, n in enumerate(self.dut.pixit.evses)}
        # A case may connect with other credentials on purpose (security block A).
        password = kwargs.pop("password", self.dut.connection.password)
        if "ssl_context" in kwargs:
            ssl_context = kwargs.pop("ssl_context")
        else:
            ssl_context = self.tls.client_context(station_id) if self.tls else None
        return MockStation(
            csms_url=self.csms_url,
            station_id=station_id,
            version=self.version,
            recorder=self.recorder,
            timeouts=self.timeouts,
            evses=evses,
            password=password,
            ssl_context=ssl_context,
            **kwargs,
        )

    def _inapplicable(self, spec: CaseSpec) -> str | None:
        missing = [f for f in spec.features if not self.dut.pics.claims(f)]
        if missing:
            return f"the DUT profile does not claim {', '.join(missing)} (PICS)"
        sp = self.dut.connection.security_profile
        if spec.security_profiles and sp not in spec.security_profiles:
            wanted = " or ".join(str(p) for p in spec.security_profiles)
            return (
                f"the case needs security profile {wanted}; the DUT profile runs security "
                f"profile {sp} (connection.security_profile)"
            )
        if self.operator is not None:
            cannot = [v for v in spec.verbs if not self.operator.can(v)]
            if cannot:
                return (
                    f"the {self.dut.operator.driver} operator driver cannot perform "
                    f"{', '.join(cannot)}"
                )
        return None

    def run_case(self, spec: CaseSpec) -> CaseResult:
        entry = spec.entry
        trace_rel = f"traces/{entry.id}.jsonl"
        result = CaseResult(
            id=entry.id,
            title=entry.title,
            block=entry.block,
            profiles=list(entry.profiles),
            version=entry.version,
            role=entry.role,
            verdict=Verdict.ERROR,
            functional_verdict=Verdict.ERROR,
            trace=trace_rel,
        )
        t0 = time.monotonic()
        self.recorder.start_case(self.report_dir / trace_rel)
        try:
            self.ensure_started()
            reason = self._inapplicable(spec)
            if reason:
                raise NotApplicable(reason)
            self.submit(self._run(spec), self.dut.timeouts.case + 30)
            result.verdict, result.functional_verdict = self.recorder.findings.verdicts()
        except NotApplicable as na:
            result.verdict = result.functional_verdict = Verdict.NOT_APPLICABLE
            result.reason = na.reason
        except CaseFailed:
            result.verdict, result.functional_verdict = self.recorder.findings.verdicts()
        except Exception as exc:
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.recorder.findings.violation(f"harness error: {detail}", breaks_scenario=True)
            self.recorder.trace.record("event", entry.id, traceback.format_exc()[-4000:])
            result.reason = detail
        finally:
            result.duration_s = time.monotonic() - t0
            result.findings = list(self.recorder.end_case().items)
        self.results.append(result)
        return result

    async def _run(self, spec: CaseSpec) -> None:
        if self.csms is not None:
            current = self.csms.current(self.dut.station_id)
            if current is not None:
                current.reset_case_state()
        assert self.operator is not None
        ctx = CaseContext(
            case_id=spec.entry.id,
            dut=self.dut,
            recorder=self.recorder,
            operator=self.operator,
            csms=self.csms,
            station_factory=self._new_station if self.dut.role == "csms" else None,
        )
        ctx.seed = self.seed
        available: dict[str, Any] = {
            "ctx": ctx,
            "dut": self.dut,
            "csms": self.csms,
            "operator": self.operator,
            "findings": self.recorder.findings,
            "tls": self.tls,  # the run's TLS material (None below security profile 2)
            "firmware": self.firmware,  # the run's L01 firmware material (2.0.1 CS role)
        }
        unknown = [p for p in spec.params if p not in available]
        if unknown:
            raise TypeError(f"{spec.entry.id}: unknown case parameter(s) {unknown}")
        kwargs = {p: available[p] for p in spec.params}
        try:
            await asyncio.wait_for(spec.fn(**kwargs), self.dut.timeouts.case)
        except TimeoutError:
            raise self.recorder.findings.fail(
                f"the case did not finish within its hard limit of {self.dut.timeouts.case:g} s"
            ) from None
        finally:
            try:
                await asyncio.wait_for(ctx.run_cleanups(), self.dut.timeouts.message + 10)
            except TimeoutError:
                self.recorder.findings.warning("the case's clean-up did not finish in time")
            if self.csms is not None:
                current = self.csms.current(self.dut.station_id)
                if current is not None:
                    await current.answer_held_with_defaults()

    def tool(self) -> dict[str, str]:
        return {"name": TOOL_NAME, "version": __version__}
