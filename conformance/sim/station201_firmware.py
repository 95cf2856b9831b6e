"""Secure firmware update of the reference 2.0.1 station (L01, UpdateFirmware) over HTTP.

An UpdateFirmwareRequest without signingCertificate / signature is Rejected (this station only
updates securely); a signing certificate that does not chain to a manufacturer root the station
trusts (`--manufacturer-root`) is answered InvalidCertificate with a SecurityEventNotification
InvalidFirmwareSigningCertificate (L01.FR.02). Otherwise the update runs and every step is
reported with the request's requestId: DownloadScheduled (retrieveDateTime in the future),
Downloading, Downloaded or DownloadFailed (after `retries` more attempts `retryInterval`
apart), SignatureVerified or InvalidSignature (with SecurityEventNotification
InvalidFirmwareSignature, L01.FR.03), InstallScheduled (installDateTime in the future, or
transactions still running: this station installs only when none is, L01.FR.06, and with
ChargingStation.AllowNewSessionsPendingFirmwareUpdate false it makes its idle EVSEs
Unavailable meanwhile, L01.FR.07), Installing, then InstallVerificationFailed (an image that is
not a reference-station firmware) or InstallRebooting, a reboot with BootNotification reason
FirmwareUpdate, and Installed. A second request while one runs cancels it (AcceptedCanceled,
L01.FR.24) unless installation has begun (Rejected). A triggered FirmwareStatusNotification
says the current status with the requestId while an update runs, else Idle (F06.FR.16,
L01.FR.25).

Start-up variants (station201_variants) make the opposite station: `fw-not-cancelable` rejects
every second request while an update runs (L01.FR.27); `fw-no-download-during-tx` reports
DownloadScheduled and downloads only once no transaction runs (its idle EVSEs Unavailable
meanwhile when new sessions are not allowed); `fw-install-during-tx` installs at once, even
during a transaction, and activates the new firmware without a reboot.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography import x509

from conformance.sim import station201_variants as variants
from conformance.sim.firmware_checks import certificate_problem, signature_problem
from conformance.sim.station201_link import Answer
from conformance.sim.station201_model import Variable
from conformance.sim.station201_tx import now_iso

if TYPE_CHECKING:
    from conformance.sim.station201 import ReferenceStation201

log = logging.getLogger(__name__)

MAGIC = b"OCPP-CONFORMANCE REFERENCE FIRMWARE\n"  # what the install verification looks for
DOWNLOAD_TIMEOUT = 30.0  # one HTTP transfer that takes longer counts as failed

# Once one of these is reported the update can no longer be cancelled.
_INSTALLING = frozenset({"Installing", "InstallRebooting"})


def _when(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _seconds_until(when: dt.datetime | None) -> float:
    if when is None:
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return (when - dt.datetime.now(dt.UTC)).total_seconds()


class FirmwareUpdate:
    def __init__(self, station: ReferenceStation201) -> None:
        self.st = station
        self.faults = station.faults
        self.variants = variants.active(station.options.extra)
        self.version = "0.1.0"  # the installed firmware (BootNotification firmwareVersion)
        self.roots: list[x509.Certificate] = [
            x509.load_pem_x509_certificate(Path(p).read_bytes())
            for p in station.options.extra.get("manufacturer_roots", ())
        ]
        station.model.add(
            Variable(
                "ChargingStation",
                "AllowNewSessionsPendingFirmwareUpdate",
                "false",
                data_type="boolean",
            )
        )
        self.request_id: int | None = None  # the update running now
        self.status = "Idle"  # the last status reported for it
        self._task: asyncio.Task[None] | None = None
        self._blocked: list[int] = []  # EVSEs made Unavailable while waiting (L01.FR.07)
        self._activated: int | None = None  # rebooted into new firmware: report Installed

    # -- UpdateFirmware --------------------------------------------------------------------

    def on_update_firmware(self, p: Mapping[str, Any]) -> Answer:
        fw = p["firmware"]
        request_id = int(p["requestId"])
        cert = fw.get("signingCertificate")
        signature = fw.get("signature")
        if not (cert and signature) and not self.faults.on("s201-fw-unsigned-accepted"):
            return Answer(payload={"status": "Rejected"})  # secure updates only (L01)
        problem = self._certificate_problem(str(cert)) if cert else None
        if problem is not None and not self.faults.on("s201-fw-cert-not-checked"):
            log.info("firmware signing certificate refused: %s", problem)

            async def report() -> None:
                self._security_event("InvalidFirmwareSigningCertificate", problem)

            return Answer(payload={"status": "InvalidCertificate"}, then=report)  # L01.FR.02
        status = "Accepted"
        if self._task is not None and not self._task.done():
            if self.status in _INSTALLING or self.faults.on("s201-fw-second-request-rejected"):
                return Answer(payload={"status": "Rejected"})
            if variants.FW_NOT_CANCELABLE in self.variants and not self.faults.on(
                "s201-fw-uncancelable-cancels"
            ):
                return Answer(payload={"status": "Rejected"})  # L01.FR.27: cannot cancel
            self._task.cancel()  # L01.FR.24: the running update is cancelled
            self._unblock()
            status = "AcceptedCanceled"

        async def start() -> None:
            self.request_id = request_id
            self.status = "Idle"
            self._task = asyncio.ensure_future(self._run(request_id, dict(fw), p))

        return Answer(payload={"status": status}, then=start)

    def trigger_status(self) -> dict[str, Any]:
        """A triggered FirmwareStatusNotification (F06.FR.16, L01.FR.25)."""
        if self.request_id is None or self.faults.on("s201-fw-trigger-idle"):
            return {"status": "Idle"}
        return {"status": self.status, "requestId": self.request_id}

    def on_boot_accepted(self) -> None:
        """After the reboot into the new firmware: Installed, and the security event."""
        request_id, self._activated = self._activated, None
        if request_id is None:
            return
        self._report(request_id, "Installed")
        self._security_event("FirmwareUpdated", f"firmware {self.version} installed")
        if self.request_id == request_id:
            self.request_id = None

    @property
    def reboot_reason(self) -> str:
        return "PowerUp" if self.faults.on("s201-fw-boot-wrong-reason") else "FirmwareUpdate"

    # -- the update ------------------------------------------------------------------------

    def _report(self, request_id: int, status: str) -> None:
        self.status = status
        payload: dict[str, Any] = {"status": status, "requestId": request_id}
        if self.faults.on("s201-fw-no-request-id"):
            del payload["requestId"]
        self.st.send("FirmwareStatusNotification", payload)

    def _security_event(self, kind: str, info: str) -> None:
        if kind != "FirmwareUpdated" and self.faults.on("s201-fw-no-security-event"):
            return
        self.st.send(
            "SecurityEventNotification",
            {"type": kind, "timestamp": now_iso(), "techInfo": info[:255]},
        )

    async def _run(self, request_id: int, fw: dict[str, Any], p: Mapping[str, Any]) -> None:
        try:
            await self._update(request_id, fw, p)
        finally:
            if self.request_id == request_id and self._activated != request_id:
                self.request_id = None
                self._unblock()

    async def _update(self, request_id: int, fw: dict[str, Any], p: Mapping[str, Any]) -> None:
        wait = _seconds_until(_when(fw.get("retrieveDateTime")))
        if wait > 0 and not self.faults.on("s201-fw-retrieve-time-ignored"):
            self._report(request_id, "DownloadScheduled")
            await asyncio.sleep(wait)  # the retrieveDateTime IS the behaviour
        await self._no_transactions(request_id, download=True)
        attempts = 1 + max(0, int(p.get("retries", 0)))
        body: bytes | None = None
        for attempt in range(attempts):
            if not self.faults.on("s201-fw-downloading-not-reported"):
                self._report(request_id, "Downloading")
            body = await self._download(str(fw["location"]))
            if body is not None:
                break
            if attempt + 1 < attempts:
                await asyncio.sleep(max(0, int(p.get("retryInterval", 0))))  # the retry interval
        if body is None:
            if not self.faults.on("s201-fw-download-failure-unreported"):
                self._report(request_id, "DownloadFailed")
            return
        if self.faults.on("s201-fw-status-order"):
            self._report(request_id, "SignatureVerified")
        self._report(request_id, "Downloaded")
        problem = self._signature_problem(str(fw.get("signingCertificate")), fw, body)
        if problem is not None and not self.faults.on("s201-fw-signature-not-checked"):
            self._report(request_id, "InvalidSignature")
            self._security_event("InvalidFirmwareSignature", problem)  # L01.FR.03
            return
        if not self.faults.on("s201-fw-status-order"):
            self._report(request_id, "SignatureVerified")
        wait = _seconds_until(_when(fw.get("installDateTime")))
        if wait > 0 and not self.faults.on("s201-fw-install-time-ignored"):
            self._report(request_id, "InstallScheduled")
            await asyncio.sleep(wait)  # the installDateTime IS the behaviour
        await self._no_transactions(request_id, download=False)
        self._report(request_id, "Installing")
        if not body.startswith(MAGIC) and not self.faults.on("s201-fw-install-unverified"):
            self._report(request_id, "InstallVerificationFailed")
            return
        version = body[len(MAGIC) :].split(b"\n", 1)[0].decode(errors="replace")
        self.version = version.removeprefix("version: ").strip()[:50] or self.version
        if variants.FW_INSTALL_DURING_TX in self.variants and not self.faults.on(
            "s201-fw-install-ends-transaction"
        ):
            # Installed while charging goes on: activated without a reboot (TC_L_16).
            self._report(request_id, "Installed")
            self._security_event("FirmwareUpdated", f"firmware {self.version} installed")
            return
        self._report(request_id, "InstallRebooting")
        self._activated = request_id
        self._unblock()
        self.st.tx.stop_all("AbnormalCondition", "Reboot")  # none runs (L01.FR.06), unless a fault
        await self.st.flush_then_reboot(self.reboot_reason)

    async def _no_transactions(self, request_id: int, *, download: bool) -> None:
        """L01.FR.06: this station installs (with `fw-no-download-during-tx` also downloads)
        only when no transaction runs; meanwhile, with AllowNewSessionsPendingFirmwareUpdate
        false, its idle EVSEs are Unavailable (L01.FR.07)."""
        tx = self.st.tx
        if not tx.transactions():
            return
        if download:
            if variants.FW_NO_DOWNLOAD_DURING_TX not in self.variants or self.faults.on(
                "s201-fw-download-during-transaction"
            ):
                return
            waiting = "DownloadScheduled"
        else:
            if variants.FW_INSTALL_DURING_TX in self.variants:
                return
            if self.faults.on("s201-fw-install-during-transaction"):
                return
            waiting = "InstallScheduled"
        if self.status != waiting:
            self._report(request_id, waiting)
        allow = self.st.model.get_bool("ChargingStation", "AllowNewSessionsPendingFirmwareUpdate")
        if not allow and not self.faults.on("s201-fw-idle-evses-stay-available"):
            for evse in tx.evses.values():
                if evse.tx is None and evse.auth is None and evse.operative:
                    evse.operative = False
                    self._blocked.append(evse.id)
                    for connector_id in evse.connectors:
                        self.st.connector_changed(evse.id, connector_id)
        idle = asyncio.Event()
        tx.on_idle.append(idle.set)
        await idle.wait()

    def _unblock(self) -> None:
        blocked, self._blocked = self._blocked, []
        for evse_id in blocked:
            evse = self.st.tx.evses[evse_id]
            evse.operative = True
            for connector_id in evse.connectors:
                self.st.connector_changed(evse_id, connector_id)

    # -- checks ----------------------------------------------------------------------------

    def _certificate_problem(self, pem: str) -> str | None:
        """Against the factory manufacturer roots and those installed since (M05,
        InstallCertificate ManufacturerRootCertificate)."""
        installed = [
            e.cert
            for e in self.st.security.certificates.entries
            if e.kind == "ManufacturerRootCertificate"
        ]
        return certificate_problem(pem, [*self.roots, *installed])

    def _signature_problem(self, pem: str, fw: Mapping[str, Any], body: bytes) -> str | None:
        return signature_problem(pem, str(fw.get("signature")), body)

    # -- HTTP download ---------------------------------------------------------------------

    async def _download(self, location: str) -> bytes | None:
        try:
            return await asyncio.wait_for(self._get(location), DOWNLOAD_TIMEOUT)
        except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
            log.info("firmware download from %s failed: %r", location, exc)
            return None

    async def _get(self, location: str) -> bytes | None:
        url = urlsplit(location)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"unsupported firmware location {location!r} (only http:// here)")
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        reader, writer = await asyncio.open_connection(url.hostname, url.port or 80)
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            parts = (await reader.readline()).decode(errors="replace").split()
            length: int | None = None
            while True:
                line = (await reader.readline()).decode(errors="replace").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip() or 0)
            if len(parts) < 2 or not parts[1].startswith("2"):
                return None
            return await (reader.readexactly(length) if length is not None else reader.read())
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
