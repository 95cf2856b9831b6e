"""Firmware Management of the 1.6 reference charge point: UpdateFirmware and GetDiagnostics
over HTTP (OCPP 1.6 sections 5.8, 5.19 and 4.4, 4.5).

UpdateFirmware: from retrieveDate on, the charge point downloads the firmware (GET location),
`retries` more times `retryInterval` seconds apart if that fails, and reports Downloading,
then Downloaded or DownloadFailed. It then reports Installing and checks the image: a
firmware image is a header line `<name> <version> <sha256 of the rest>` followed by its
content. A bad image is reported InstallationFailed and the old firmware stays; a good one is
installed with a reboot (a transaction still running is stopped, reason Reboot), the next
BootNotification carries the new firmwareVersion and Installed follows it.

GetDiagnostics: the answer names the file; the charge point reports Uploading, PUTs its
diagnostics (what it sent lately) to `<location>/<fileName>` and reports Uploaded, or
UploadFailed once `retries` more attempts failed. A triggered status notification says what
runs now, Idle when nothing does (section 5.17).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conformance.sim.station16_link import Answer

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16

log = logging.getLogger(__name__)

FIRMWARE_VERSION = "0.1.0"  # what the reference charge point runs until an update
DEFAULT_RETRY_INTERVAL = 1  # s between transfer attempts when the request gives none
TRANSFER_TIMEOUT = 10.0  # s one HTTP transfer may take before it counts as failed


def _utc(text: str) -> _dt.datetime:
    when = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def image_version(image: bytes) -> str | None:
    """The version of a firmware image whose checksum holds, else None (a corrupt image)."""
    header, _, content = image.partition(b"\n")
    parts = header.decode(errors="replace").split()
    if len(parts) != 3:
        return None
    _name, version, digest = parts
    return version if hashlib.sha256(content).hexdigest() == digest else None


def make_image(version: str, content: bytes = b"reference charge point firmware\n") -> bytes:
    """A firmware image in the format `image_version` checks."""
    digest = hashlib.sha256(content).hexdigest()
    return f"reference-station {version} {digest}\n".encode() + content


async def _http(method: str, url: str, body: bytes = b"") -> tuple[int, bytes]:
    """One HTTP/1.1 request (http:// only): the status code and the response body."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"unsupported location {url!r} (the reference uses http:// only)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
        if method != "GET":
            head += f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        writer.write((head + "\r\n").encode() + body)
        await writer.drain()
        status_line = (await reader.readline()).decode(errors="replace").split()
        status = int(status_line[1]) if len(status_line) >= 2 and status_line[1].isdigit() else 0
        length: int | None = None
        while line := (await reader.readline()).strip():
            name, _, value = line.decode(errors="replace").partition(":")
            if name.strip().lower() == "content-length" and value.strip().isdigit():
                length = int(value.strip())
        data = await (reader.readexactly(length) if length is not None else reader.read())
        return status, data
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


class FirmwareManagement:
    def __init__(self, station: ReferenceStation16) -> None:
        self.st = station
        self.faults = station.faults
        self.version = FIRMWARE_VERSION
        self.firmware_status = "Idle"  # what a triggered FirmwareStatusNotification says
        self.diagnostics_status = "Idle"
        self._after_boot: str | None = None  # the status to report once the reboot is done
        self._tasks: set[asyncio.Task[None]] = set()
        self._uploads = 0

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    # -- UpdateFirmware (section 5.19) -------------------------------------------------------

    def on_update_firmware(self, p: Mapping[str, Any]) -> Answer:
        location = str(p["location"])
        retrieve = _utc(str(p["retrieveDate"]))
        retries = max(0, int(p.get("retries", 0)))
        interval = max(0, int(p.get("retryInterval", DEFAULT_RETRY_INTERVAL)))

        async def go() -> None:
            self._spawn(self._update(location, retrieve, retries, interval))

        return Answer(payload={}, then=go)

    def _firmware(self, status: str) -> None:
        self.firmware_status = status
        self.st.send("FirmwareStatusNotification", {"status": status})

    async def _update(
        self, location: str, retrieve: _dt.datetime, retries: int, interval: int
    ) -> None:
        wait = (retrieve - _dt.datetime.now(_dt.UTC)).total_seconds()
        if wait > 0:
            # Retrieving no earlier than retrieveDate IS the behaviour.
            await asyncio.sleep(wait)
        image = await self._download(location, retries, interval)
        if image is None:
            if not self.faults.on("s16-firmware-download-failure-silent"):
                self._firmware("DownloadFailed")
            self.firmware_status = "Idle"
            return
        if not self.faults.on("s16-firmware-downloaded-not-reported"):
            self._firmware("Downloaded")
        self._firmware("Installing")
        version = image_version(image)
        if version is None and self.faults.on("s16-firmware-corrupt-installed"):
            version = self.version
        if version is None:
            self._firmware("InstallationFailed")  # the old firmware stays
            self.firmware_status = "Idle"
            return
        self.version = version
        self._after_boot = "Installed"
        self.st.tx.stop_all("Reboot")
        await self.st.flush_then_reboot()

    async def _download(self, location: str, retries: int, interval: int) -> bytes | None:
        for attempt in range(1 + retries):
            if attempt:
                # The request's retryInterval between two attempts IS the behaviour.
                await asyncio.sleep(interval)
            self._firmware("Downloading")
            if self.faults.on("s16-firmware-not-downloaded"):
                return make_image(self.version)  # claims a download it never made
            try:
                status, body = await asyncio.wait_for(_http("GET", location), TRANSFER_TIMEOUT)
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
                log.info("firmware download from %s failed: %r", location, exc)
                continue
            if 200 <= status < 300:
                return body
            log.info("firmware download from %s: HTTP %s", location, status)
        return None

    def booted(self) -> None:
        """After an accepted BootNotification: report the installation the reboot finished."""
        status, self._after_boot = self._after_boot, None
        if status is not None:
            self._firmware(status)
            self.firmware_status = "Idle"

    # -- GetDiagnostics (section 5.8) --------------------------------------------------------

    def on_get_diagnostics(self, p: Mapping[str, Any]) -> Answer:
        location = str(p["location"])
        retries = max(0, int(p.get("retries", 0)))
        interval = max(0, int(p.get("retryInterval", DEFAULT_RETRY_INTERVAL)))
        self._uploads += 1
        name = f"{self.st.options.station_id}-diagnostics-{self._uploads}.log"

        async def go() -> None:
            self._spawn(self._upload(location, name, retries, interval))

        return Answer(payload={"fileName": name}, then=go)

    def _diagnostics(self, status: str) -> None:
        self.diagnostics_status = status
        self.st.send("DiagnosticsStatusNotification", {"status": status})

    async def _upload(self, location: str, name: str, retries: int, interval: int) -> None:
        lines = [f"# {self.st.options.station_id} diagnostics, firmware {self.version}"]
        lines += [f"{k.name}={k.value}" for k in self.st.config.keys.values()]
        body = ("\n".join(lines) + "\n").encode()
        url = location.rstrip("/") + "/" + name
        ok = False
        self._diagnostics("Uploading")
        for attempt in range(1 + retries):
            if attempt:
                # The request's retryInterval between two attempts IS the behaviour.
                await asyncio.sleep(interval)
            if self.faults.on("s16-diagnostics-not-uploaded"):
                ok = True  # claims an upload it never made
                break
            try:
                status, _ = await asyncio.wait_for(_http("PUT", url, body), TRANSFER_TIMEOUT)
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
                log.info("diagnostics upload to %s failed: %r", url, exc)
                continue
            if 200 <= status < 300:
                ok = True
                break
            log.info("diagnostics upload to %s: HTTP %s", url, status)
        if not ok and self.faults.on("s16-diagnostics-failure-reported-uploaded"):
            ok = True
        self._diagnostics("Uploaded" if ok else "UploadFailed")
        self.diagnostics_status = "Idle"
