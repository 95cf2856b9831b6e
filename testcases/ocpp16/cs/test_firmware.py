"""OCPP 1.6, DUT = charge point: firmware update (UpdateFirmware, FirmwareStatusNotification)
and diagnostics upload (GetDiagnostics, DiagnosticsStatusNotification), Firmware Management
profile.

The files travel over HTTP. The harness serves them itself (the servers of the 2.0.1 file
transfer cases), unless the profile names a firmware the charge point accepts
(pixit.firmware_location, and pixit.invalid_firmware_location for the installation failure):
then the charge point downloads those. The harness's own firmware is a dummy image, a header
line `<name> <version> <sha256 of the content>` and the content; its invalid firmware is the
same image with a checksum that does not hold (a corrupt image). A real charge point needs
the profile's locations, since it installs only its vendor's firmware.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from urllib.parse import urlsplit, urlunsplit

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles.clock import now_iso
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp16.cs import states
from testcases.ocpp201.cs.file_transfer import FileServer, download_server, upload_server

FIRMWARE_NAME = "firmware.bin"
FIRMWARE_VERSION = "9.9.9"  # the version of the harness's dummy image


def dummy_firmware(*, corrupt: bool = False) -> bytes:
    """The harness's dummy firmware image (or a corrupt one: its checksum does not hold)."""
    content = b"ocpp-conformance dummy firmware\n" * 8
    digest = hashlib.sha256(content + (b"x" if corrupt else b"")).hexdigest()
    return f"ocpp-conformance-firmware {FIRMWARE_VERSION} {digest}\n".encode() + content


async def _http_supported(ctx: CaseContext, s: Session) -> None:
    """Prerequisite: the harness's servers speak HTTP, so SupportedFileTransferProtocols (when
    the charge point reports it) must list HTTP."""
    value = await states.get_configuration(ctx, s, "SupportedFileTransferProtocols")
    if value is None:
        return
    protocols = {p.strip().upper() for p in value.split(",") if p.strip()}
    if "HTTP" not in protocols:
        raise NotApplicable(
            f"prerequisite not met: SupportedFileTransferProtocols is {value!r}, and the "
            f"harness serves files over HTTP only"
        )


async def _firmware_location(
    ctx: CaseContext, s: Session, *, invalid: bool = False
) -> tuple[str, FileServer | None]:
    """<Configured firmware location> (or the Invalid Firmware Location), and the harness's
    server when it serves the firmware itself."""
    pixit = ctx.dut.pixit
    configured = pixit.invalid_firmware_location if invalid else pixit.firmware_location
    if configured:
        return configured, None
    if pixit.firmware_location:
        raise NotApplicable(
            "the profile names the charge point's firmware (pixit.firmware_location) but no "
            "invalid one (pixit.invalid_firmware_location)"
        )
    await _http_supported(ctx, s)
    server = await download_server(ctx, {FIRMWARE_NAME: dummy_firmware(corrupt=invalid)})
    return server.url(FIRMWARE_NAME), server


def _missing(location: str) -> str:
    """The location with its filename part prefixed with does_not_exist_ (TC_044_2)."""
    parts = urlsplit(location)
    head, _, name = parts.path.rpartition("/")
    return urlunsplit(parts._replace(path=f"{head}/does_not_exist_{name}"))


async def _update_firmware(ctx: CaseContext, s: Session, location: str, **extra: int) -> float:
    """UpdateFirmware.req for `location`, to be retrieved now; its .conf has no fields."""
    t0 = time.monotonic()
    await s.call("UpdateFirmware", {"location": location, "retrieveDate": now_iso(), **extra})
    return t0


async def _next_firmware_status(
    ctx: CaseContext, s: Session, since: float, why: str, *, timeout: float | None = None
) -> Incoming:
    return await s.expect(
        "FirmwareStatusNotification",
        predicate=states.after(since),
        timeout=ctx.dut.timeouts.connect if timeout is None else timeout,
        why=why,
    )


def _check_firmware_status(ctx: CaseContext, msg: Incoming, expected: str, step: str) -> None:
    got = msg.payload.get("status")
    ctx.check(
        got == expected,
        f"FirmwareStatusNotification.req status is {got!r} {step}, expected {expected}",
        frame=msg.text,
    )


STAGES = (
    ("Downloading", "when the charge point starts downloading the firmware"),
    ("Downloaded", "when it has finished downloading the firmware"),
    ("Installing", "when it starts installing the firmware"),
)


async def _downloaded_and_installing(ctx: CaseContext, s: Session, t0: float) -> Incoming:
    """Steps 3-8: Downloading, Downloaded, Installing, in that order; returns Installing. A
    stage left out is a finding (the case goes on from the stage reported); a status that is
    none of them ends the case."""
    names = [name for name, _ in STAGES]
    since, i = t0, 0
    while True:
        expected, step = STAGES[i]
        msg = await _next_firmware_status(ctx, s, since, f"FirmwareStatusNotification {step}")
        got = msg.payload.get("status")
        if got != expected:
            ctx.require(
                got in names[i + 1 :],
                f"FirmwareStatusNotification.req status is {got!r} {step}, expected {expected}",
                frame=msg.text,
            )
            _check_firmware_status(ctx, msg, expected, step)
            i = names.index(str(got))
        if i == len(STAGES) - 1:
            return msg
        since, i = msg.received, i + 1


async def _installation_outcome(
    ctx: CaseContext, s: Session, installing: Incoming, n: int
) -> tuple[Session, Incoming]:
    """The FirmwareStatusNotification that ends the installation: on this connection, or,
    when the charge point reboots to install, after its BootNotification and the report of
    every connector on the new connection."""
    timeout = ctx.dut.timeouts.connect
    outcome = asyncio.ensure_future(
        _next_firmware_status(ctx, s, installing.received, "the installation ends")
    )
    rebooted = asyncio.ensure_future(ctx.station(after=n, timeout=timeout))
    done, pending = await asyncio.wait({outcome, rebooted}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    if outcome in done:
        return s, outcome.result()
    s2 = rebooted.result()
    boot = await s2.expect(
        "BootNotification", why="the charge point rebooted to install the firmware"
    )
    await states.connectors_reported(ctx, s2, since=boot.received, status=None)
    final = await _next_firmware_status(
        ctx, s2, boot.received, "the installation ends after the reboot"
    )
    return s2, final


def _check_downloaded(ctx: CaseContext, server: FileServer | None, location: str) -> None:
    """The charge point fetched the firmware from the location it was given."""
    if server is None:
        return  # the profile's own server: the harness cannot see the download
    wanted = urlsplit(location).path
    ctx.check(
        any(path.split("?", 1)[0] == wanted for path in server.requests),
        f"the charge point reported the firmware downloaded but never requested {location} "
        f"(requests: {server.requests or 'none'})",
    )


@testcase("TC_044_1_CS")
async def test_firmware_update(ctx: CaseContext) -> None:
    """Sections 5.19, 4.5: after UpdateFirmware.req the charge point reports Downloading,
    Downloaded, Installing and, once the new firmware runs (after a reboot, with its
    BootNotification and connector reports, if it reboots to install), Installed."""
    s = await states.booted(ctx)
    location, server = await _firmware_location(ctx, s)
    n = ctx.connections()
    t0 = await _update_firmware(ctx, s, location)
    installing = await _downloaded_and_installing(ctx, s, t0)
    _check_downloaded(ctx, server, location)
    _s, final = await _installation_outcome(ctx, s, installing, n)
    _check_firmware_status(ctx, final, "Installed", "at the end of the installation")


@testcase("TC_044_2_CS")
async def test_firmware_download_failed(ctx: CaseContext) -> None:
    """Sections 5.19, 4.5: a firmware location that does not exist (retries 0): Downloading
    (optional: the download may fail at once), then DownloadFailed; the old firmware stays,
    and connectors the charge point made Unavailable for the update become Available."""
    s = await states.booted(ctx)
    location, _server = await _firmware_location(ctx, s)
    t0 = await _update_firmware(ctx, s, _missing(location), retries=0)
    msg = await _next_firmware_status(ctx, s, t0, "the download starts or fails")
    if msg.payload.get("status") == "Downloading":
        msg = await _next_firmware_status(ctx, s, msg.received, "the download fails")
    _check_firmware_status(ctx, msg, "DownloadFailed", "for a firmware that does not exist")
    for connector in states.connectors(ctx):
        reports = [
            m
            for m in s.received("StatusNotification", since=t0)
            if m.payload.get("connectorId") == connector
        ]
        if reports and reports[-1].payload.get("status") == "Unavailable":
            await states.status(
                ctx,
                s,
                "Available",
                connector=connector,
                since=reports[-1].received,
                why="the update failed, so the connector is available again",
            )


@testcase("TC_044_3_CS")
async def test_firmware_installation_failed(ctx: CaseContext) -> None:
    """Sections 5.19, 4.5: an invalid firmware (the Invalid Firmware Location) is downloaded
    (Downloading, Downloaded), its installation starts (Installing) and fails:
    InstallationFailed, on this connection or after a reboot."""
    s = await states.booted(ctx)
    location, server = await _firmware_location(ctx, s, invalid=True)
    n = ctx.connections()
    t0 = await _update_firmware(ctx, s, location)
    installing = await _downloaded_and_installing(ctx, s, t0)
    _check_downloaded(ctx, server, location)
    _s, final = await _installation_outcome(ctx, s, installing, n)
    _check_firmware_status(ctx, final, "InstallationFailed", "for an invalid firmware")


async def _diagnostics_status(
    ctx: CaseContext, s: Session, since: float, expected: str, step: str
) -> Incoming:
    msg = await s.expect(
        "DiagnosticsStatusNotification",
        predicate=states.after(since),
        timeout=ctx.dut.timeouts.connect,
        why=f"DiagnosticsStatusNotification {step}",
    )
    got = msg.payload.get("status")
    ctx.check(
        got == expected,
        f"DiagnosticsStatusNotification.req status is {got!r} {step}, expected {expected}",
        frame=msg.text,
    )
    return msg


@testcase("TC_045_1_CS")
async def test_get_diagnostics(ctx: CaseContext) -> None:
    """Sections 5.8, 4.4: after GetDiagnostics.req for <Configured log location> (the
    harness's upload server) the charge point reports Uploading, uploads the file it named in
    GetDiagnostics.conf there, and reports Uploaded."""
    s = await states.booted(ctx)
    await _http_supported(ctx, s)
    server = await upload_server(ctx, "/diagnostics")
    server.release()  # the server answers each upload at once
    t0 = time.monotonic()
    answer = await s.call("GetDiagnostics", {"location": server.url})
    uploading = await _diagnostics_status(
        ctx, s, t0, "Uploading", "when the charge point starts the upload"
    )
    await _diagnostics_status(
        ctx, s, uploading.received, "Uploaded", "when it has finished the upload"
    )
    ctx.check(
        bool(server.uploads),
        f"the charge point reported the diagnostics uploaded but nothing arrived at {server.url}",
    )
    name = answer.get("fileName")
    if name and server.uploads:
        paths = [u.path for u in server.uploads]
        ctx.check(
            any(p.rstrip("/").endswith("/" + str(name)) for p in paths),
            f"GetDiagnostics.conf names the file {name!r}, but the upload went to {paths}",
        )


@testcase("TC_045_2_CS")
async def test_get_diagnostics_upload_failed(ctx: CaseContext) -> None:
    """Sections 5.8, 4.4: GetDiagnostics.req for a location whose server refuses the upload
    (HTTP 404, retries 0): Uploading, then UploadFailed."""
    s = await states.booted(ctx)
    await _http_supported(ctx, s)
    server = await upload_server(ctx, "/diagnostics")
    t0 = time.monotonic()
    await s.call("GetDiagnostics", {"location": server.missing_url, "retries": 0})
    uploading = await _diagnostics_status(
        ctx, s, t0, "Uploading", "when the charge point starts the upload"
    )
    await _diagnostics_status(
        ctx, s, uploading.received, "UploadFailed", "when the server refused the upload"
    )
