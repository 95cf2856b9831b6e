"""Secure firmware update of the 1.6 reference charge point (security whitepaper section 7:
SignedUpdateFirmware, SignedFirmwareStatusNotification).

The signing certificate must be valid now and issued by a manufacturer root the charge point
trusts (the `--manufacturer-root` files it was started with, and the
ManufacturerRootCertificates installed with InstallCertificate); otherwise the request is
answered InvalidCertificate and the security event InvalidFirmwareSigningCertificate is sent.
An accepted update is downloaded from retrieveDateTime on (Downloading, then Downloaded or
DownloadFailed after `retries` more attempts), its signature checked against the file
(SignatureVerified; InvalidSignature and the security event InvalidFirmwareSignature
otherwise), installed from installDateTime on (InstallScheduled meanwhile, then Installing):
an image that is not a reference firmware image fails (InstallVerificationFailed); a good one
is activated with a reboot (InstallRebooting; a running transaction is stopped, reason
Reboot), after which Installed follows and the BootNotification carries the new
firmwareVersion. Every SignedFirmwareStatusNotification carries the request's requestId.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509

from conformance.sim.faults import declarer
from conformance.sim.firmware_checks import certificate_problem, signature_problem
from conformance.sim.station16_firmware import DEFAULT_RETRY_INTERVAL, TRANSFER_TIMEOUT
from conformance.sim.station16_firmware import _http as http_request
from conformance.sim.station16_link import Answer

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16
    from conformance.sim.station16_security import Security16

log = logging.getLogger(__name__)

# The reference charge point installs only images that start with this line (its install
# verification): the harness's reference image (conformance.firmware) does.
IMAGE_MAGIC = b"OCPP-CONFORMANCE REFERENCE FIRMWARE\n"

_fault = declarer("station", ("1.6",))
_fault(
    "s16-sec-fw-signature-unchecked",
    "SignedUpdateFirmware: installs a firmware whose signature does not match the file",
    "TC_081_CS",
)
_fault(
    "s16-sec-fw-no-signature-event",
    "reports InvalidSignature without the SecurityEventNotification InvalidFirmwareSignature",
    "TC_081_CS",
)
_fault(
    "s16-sec-fw-verified-not-reported",
    "SignedUpdateFirmware: goes from Downloaded to Installing without SignatureVerified",
    "TC_080_CS",
)
_fault(
    "s16-sec-fw-request-id-wrong",
    "SignedFirmwareStatusNotification.req carries the SignedUpdateFirmware requestId plus one",
    "TC_080_CS",
    "TC_081_CS",
)


def _utc(text: str) -> _dt.datetime:
    when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def image_version(image: bytes) -> str | None:
    """The version a reference firmware image names (`version: X` after the magic line)."""
    if not image.startswith(IMAGE_MAGIC):
        return None
    for line in image[len(IMAGE_MAGIC) :].decode(errors="replace").splitlines():
        if line.startswith("version:"):
            return line.partition(":")[2].strip() or None
    return None


class SignedFirmware:
    def __init__(self, station: ReferenceStation16, security: Security16) -> None:
        self.st = station
        self.security = security
        self.faults = station.faults
        self.roots: list[x509.Certificate] = [
            x509.load_pem_x509_certificate(Path(p).read_bytes())
            for p in station.options.extra.get("manufacturer_roots", ())
        ]
        self._after_boot: tuple[str, int] | None = None  # (status, requestId) after a reboot
        self._tasks: set[asyncio.Task[None]] = set()

    def cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _status(self, status: str, request_id: int) -> None:
        if self.faults.on("s16-sec-fw-request-id-wrong"):
            request_id += 1
        payload = {"status": status, "requestId": request_id}
        self.st.send("SignedFirmwareStatusNotification", payload)

    def booted(self) -> None:
        """After an accepted BootNotification: report the installation the reboot finished."""
        pending, self._after_boot = self._after_boot, None
        if pending is not None:
            self._status(*pending)
            self.security.event("FirmwareUpdated", f"firmware {self.st.firmware.version}")

    # -- SignedUpdateFirmware ----------------------------------------------------------------

    def on_signed_update_firmware(self, p: Mapping[str, Any]) -> Answer:
        request_id = int(p["requestId"])
        fw = p["firmware"]
        pem = str(fw["signingCertificate"])
        problem = self._certificate_problem(pem)
        if problem is not None:
            self.security.event("InvalidFirmwareSigningCertificate", problem)
            return Answer(payload={"status": "InvalidCertificate"})

        async def go() -> None:
            task = asyncio.ensure_future(self._update(request_id, p))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return Answer(payload={"status": "Accepted"}, then=go)

    async def _update(self, request_id: int, p: Mapping[str, Any]) -> None:
        fw = p["firmware"]
        retries = max(0, int(p.get("retries", 0)))
        interval = max(0, int(p.get("retryInterval", DEFAULT_RETRY_INTERVAL)))
        wait = (_utc(str(fw["retrieveDateTime"])) - _dt.datetime.now(_dt.UTC)).total_seconds()
        if wait > 0:
            self._status("DownloadScheduled", request_id)
            # Retrieving no earlier than retrieveDateTime IS the behaviour.
            await asyncio.sleep(wait)
        image = await self._download(str(fw["location"]), request_id, retries, interval)
        if image is None:
            self._status("DownloadFailed", request_id)
            return
        self._status("Downloaded", request_id)
        problem = self._signature_problem(
            str(fw["signingCertificate"]), str(fw["signature"]), image
        )
        if problem is not None and not self.faults.on("s16-sec-fw-signature-unchecked"):
            self._status("InvalidSignature", request_id)
            if not self.faults.on("s16-sec-fw-no-signature-event"):
                self.security.event("InvalidFirmwareSignature", problem)
            return
        if not self.faults.on("s16-sec-fw-verified-not-reported"):
            self._status("SignatureVerified", request_id)
        install = fw.get("installDateTime")
        if install is not None:
            wait = (_utc(str(install)) - _dt.datetime.now(_dt.UTC)).total_seconds()
            if wait > 0:
                self._status("InstallScheduled", request_id)
                # Installing no earlier than installDateTime IS the behaviour.
                await asyncio.sleep(wait)
        self._status("Installing", request_id)
        version = image_version(image)
        if version is None:
            self._status("InstallVerificationFailed", request_id)
            return
        self.st.tx.stop_all("Reboot")
        self._status("InstallRebooting", request_id)
        self.st.firmware.version = version
        self._after_boot = ("Installed", request_id)
        await self.st.flush_then_reboot()

    async def _download(
        self, location: str, request_id: int, retries: int, interval: int
    ) -> bytes | None:
        self._status("Downloading", request_id)
        for attempt in range(1 + retries):
            if attempt:
                # The request's retryInterval between two attempts IS the behaviour.
                await asyncio.sleep(interval)
            try:
                status, body = await asyncio.wait_for(
                    http_request("GET", location), TRANSFER_TIMEOUT
                )
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
                log.info("firmware download from %s failed: %r", location, exc)
                continue
            if 200 <= status < 300:
                return body
            log.info("firmware download from %s: HTTP %s", location, status)
        return None

    # -- checks ------------------------------------------------------------------------------

    def _trusted_roots(self) -> list[x509.Certificate]:
        installed = [
            e.cert for e in self.security.entries if e.kind == "ManufacturerRootCertificate"
        ]
        return [*self.roots, *installed]

    def _certificate_problem(self, pem: str) -> str | None:
        return certificate_problem(pem, self._trusted_roots())

    @staticmethod
    def _signature_problem(pem: str, signature_b64: str, body: bytes) -> str | None:
        return signature_problem(pem, signature_b64, body)
