"""OCPP 1.6, DUT = Central System: firmware update (UpdateFirmware, FirmwareStatusNotification)
and diagnostics upload (GetDiagnostics, DiagnosticsStatusNotification), Firmware Management
profile.

The operator starts the update or the upload at the Central System; the mock charge point
answers its request and reports the transfer step by step as the scenario says. It moves no
file itself (the file server is the Central System's business): the cases check that the
request names a location a charge point can use and that the Central System confirms every
status notification.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp16.csms import states

# Section 8 (Firmware and Diagnostics file transfer): the protocols SupportedFileTransferProtocols
# may name.
SCHEMES = ("ftp", "ftps", "http", "https")


def _check_location(ctx: CaseContext, msg: Incoming, what: str) -> None:
    """`location` is an absolute URI of a file transfer protocol of section 8."""
    location = str(msg.payload.get("location", ""))
    parts = urlsplit(location)
    ctx.check(
        parts.scheme.lower() in SCHEMES and bool(parts.netloc),
        f"{msg.action}.req location {location!r} is no {'/'.join(SCHEMES)} URI with a host, so "
        f"the charge point cannot {what} (section 8)",
        frame=msg.text,
    )


async def _update_firmware(ctx: CaseContext, st: MockStation) -> Incoming:
    """Steps 1-2: the operator has the Central System send UpdateFirmware.req (a location to
    download from; its retrieveDate is a date-time by the schema); the charge point answers
    UpdateFirmware.conf."""
    msg = await states.operator_request(ctx, st, "UpdateFirmware", "update_firmware")
    _check_location(ctx, msg, "download the firmware")
    await msg.reply({})
    return msg


async def _firmware_status(ctx: CaseContext, st: MockStation, status: str) -> None:
    """The charge point reports `status`; the Central System confirms (an empty .conf)."""
    answer = await st.conn.call("FirmwareStatusNotification", {"status": status})
    ctx.check(
        not answer,
        f"FirmwareStatusNotification.conf ({status}) carries fields its schema does not have: "
        f"{answer}",
    )


async def _reboot(ctx: CaseContext, st: MockStation) -> MockStation:
    """The charge point reboots to install: a new connection, BootNotification Accepted and
    every connector reported."""
    again = await states.reconnect(ctx, st)
    await states.booted(ctx, again)
    return again


@testcase("TC_044_1_CSMS", verbs=("update_firmware",))
async def test_firmware_update(ctx: CaseContext) -> None:
    """Sections 5.19, 4.5: UpdateFirmware.req, then Downloading, Downloaded, Installing, a
    reboot (BootNotification, connectors), and Installed; every notification confirmed."""
    st = await states.booted_station(ctx)
    await _update_firmware(ctx, st)
    for status in ("Downloading", "Downloaded", "Installing"):
        await _firmware_status(ctx, st, status)
    st = await _reboot(ctx, st)
    await _firmware_status(ctx, st, "Installed")
    await states.still_serving(ctx, st, "the firmware was installed")


@testcase("TC_044_2_CSMS", verbs=("update_firmware",))
async def test_firmware_download_failed(ctx: CaseContext) -> None:
    """Sections 5.19, 4.5: UpdateFirmware.req, then Downloading and DownloadFailed; the
    Central System confirms both and goes on serving the charge point."""
    st = await states.booted_station(ctx)
    await _update_firmware(ctx, st)
    await _firmware_status(ctx, st, "Downloading")
    await _firmware_status(ctx, st, "DownloadFailed")
    await states.still_serving(ctx, st, "the firmware download failed")


@testcase("TC_044_3_CSMS", verbs=("update_firmware",))
async def test_firmware_installation_failed(ctx: CaseContext) -> None:
    """Sections 5.19, 4.5: UpdateFirmware.req, Downloading, Downloaded, the connectors reported
    (Unavailable for the installation), Installing, a reboot (BootNotification, connectors)
    and InstallationFailed; every message confirmed."""
    st = await states.booted_station(ctx)
    await _update_firmware(ctx, st)
    await _firmware_status(ctx, st, "Downloading")
    await _firmware_status(ctx, st, "Downloaded")
    for connector in range(st.cp.connectors + 1):
        await st.status16(connector, "Unavailable")
    await _firmware_status(ctx, st, "Installing")
    st = await _reboot(ctx, st)
    await _firmware_status(ctx, st, "InstallationFailed")
    await states.still_serving(ctx, st, "the firmware installation failed")


async def _get_diagnostics(ctx: CaseContext, st: MockStation) -> Incoming:
    """Steps 1-2: the operator has the Central System send GetDiagnostics.req (the location
    to upload to); the charge point answers GetDiagnostics.conf with the file's name."""
    msg = await states.operator_request(ctx, st, "GetDiagnostics", "get_diagnostics")
    _check_location(ctx, msg, "upload its diagnostics")
    await msg.reply({"fileName": f"{st.station_id}-diagnostics.log"})
    return msg


async def _diagnostics_status(ctx: CaseContext, st: MockStation, status: str) -> None:
    answer = await st.conn.call("DiagnosticsStatusNotification", {"status": status})
    ctx.check(
        not answer,
        f"DiagnosticsStatusNotification.conf ({status}) carries fields its schema does not "
        f"have: {answer}",
    )


@testcase("TC_045_1_CSMS", verbs=("get_diagnostics",))
async def test_get_diagnostics(ctx: CaseContext) -> None:
    """Sections 5.8, 4.4: GetDiagnostics.req with a location to upload to, then Uploading
    and Uploaded; the Central System confirms both."""
    st = await states.booted_station(ctx)
    await _get_diagnostics(ctx, st)
    await _diagnostics_status(ctx, st, "Uploading")
    await _diagnostics_status(ctx, st, "Uploaded")
    await states.still_serving(ctx, st, "the diagnostics were uploaded")


@testcase("TC_045_2_CSMS", verbs=("get_diagnostics",))
async def test_get_diagnostics_upload_failed(ctx: CaseContext) -> None:
    """Sections 5.8, 4.4: GetDiagnostics.req, then Uploading and UploadFailed; the Central
    System confirms both and goes on serving the charge point."""
    st = await states.booted_station(ctx)
    await _get_diagnostics(ctx, st)
    await _diagnostics_status(ctx, st, "Uploading")
    await _diagnostics_status(ctx, st, "UploadFailed")
    await states.still_serving(ctx, st, "the diagnostics upload failed")
