"""OCPP 2.0.1, DUT = CSMS, functional block L (Firmware management): L01 (secure firmware
update), L03 (publish a firmware file on a Local Controller), L04 (unpublish it).

The CSMS operator starts the update (`update_firmware`); the mock station answers the
UpdateFirmwareRequest as each official scenario prescribes and then reports its progress with
FirmwareStatusNotificationRequests carrying the request's requestId (L01.FR.20), which the
CSMS must answer. What the cases check of the CSMS's requests: a secure update carries the
firmware signing certificate (a PEM X.509 certificate) and the signature (L01.FR.11); a
scheduled download or installation carries a date-time in the future; a new update has a new
requestId; a Local Controller is given a 32-hex-digit MD5 checksum and, to unpublish, the
checksum of the firmware it published.

Where a step waits for a scheduled date-time, the mock station does not: nothing the CSMS
does depends on the station's clock, and the harness never waits a fixed time. It checks
instead that the date-time is still ahead when the request arrives.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import re
from typing import Any

from cryptography import x509

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.clock import now_iso, parse_iso
from conformance.session import Incoming
from testcases.ocpp201.csms import states

UPDATE = ("update_firmware",)
EVSE = 1  # <Configured evseId>: the EVSE of the ongoing transaction (TC_L_13_CSMS)
# The statuses of a download and installation that succeed, from the download on.
INSTALLED = ("Downloading", "Downloaded", "SignatureVerified", "Installing", "InstallRebooting")
MD5_HEX = re.compile(r"[0-9a-fA-F]{32}")


def _schedule(ctx: CaseContext) -> str:
    """A date-time far enough ahead that it is still in the future when the CSMS's request
    arrives, however long the operator takes (the operator deadline plus a message time)."""
    ahead = ctx.dut.timeouts.operator + ctx.timeouts.message
    when = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=ahead)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _check_signed(ctx: CaseContext, msg: Incoming) -> None:
    """L01.FR.11: a secure update carries the firmware signing certificate and the signature;
    the certificate is a PEM X.509 certificate valid now, the signature base64."""
    firmware = msg.payload["firmware"]
    certificate = firmware.get("signingCertificate")
    signature = firmware.get("signature")
    ctx.check(
        bool(certificate) and bool(signature),
        f"UpdateFirmwareRequest firmware carries "
        f"{'no signingCertificate' if not certificate else 'a signingCertificate'} and "
        f"{'no signature' if not signature else 'a signature'}; a secure firmware update "
        f"carries both, or the station cannot verify the firmware",
        requirement="L01.FR.11",
        frame=msg.text,
        breaks_scenario=True,
    )
    if certificate:
        try:
            cert = x509.load_pem_x509_certificate(str(certificate).encode())
        except ValueError as exc:
            ctx.check(
                False,
                f"UpdateFirmwareRequest firmware.signingCertificate is not a PEM X.509 "
                f"certificate ({exc})",
                requirement="L01.FR.11",
                frame=msg.text,
                breaks_scenario=True,
            )
        else:
            now = _dt.datetime.now(_dt.UTC)
            ctx.warn(
                cert.not_valid_before_utc <= now <= cert.not_valid_after_utc,
                f"the firmware signing certificate is valid from {cert.not_valid_before_utc} "
                f"to {cert.not_valid_after_utc}, not now: a station answers InvalidCertificate",
                frame=msg.text,
            )
    if signature:
        try:
            base64.b64decode(str(signature), validate=True)
        except (binascii.Error, ValueError):
            ctx.check(
                False,
                "UpdateFirmwareRequest firmware.signature is not base64",
                frame=msg.text,
            )


def _check_future(ctx: CaseContext, msg: Incoming, field: str, requirement: str) -> None:
    """firmware.`field` is present and still ahead (the operator scheduled it)."""
    value = msg.payload["firmware"].get(field)
    ctx.require(
        value is not None,
        f"UpdateFirmwareRequest firmware has no {field}, although the operator scheduled it "
        f"for a future date-time",
        requirement=requirement,
    )
    try:
        when = parse_iso(str(value))
    except ValueError:
        raise ctx.fail(
            f"UpdateFirmwareRequest firmware.{field} {value!r} is not an RFC 3339 date-time"
        ) from None
    if when.tzinfo is None:  # the schema's date-time format wants an offset; read it as UTC
        when = when.replace(tzinfo=_dt.UTC)
    ahead = (when - _dt.datetime.now(_dt.UTC)).total_seconds()
    ctx.check(
        ahead > 0,
        f"UpdateFirmwareRequest firmware.{field} is {value}, {-ahead:.1f} s in the past; the "
        f"operator scheduled it for a future date-time",
        requirement=requirement,
        frame=msg.text,
    )


async def _update(ctx: CaseContext, st: MockStation, **schedule: str) -> Incoming:
    """The operator starts a secure firmware update; the CSMS's UpdateFirmwareRequest (held)."""
    msg = await states.operator_request(ctx, st, "UpdateFirmware", "update_firmware", **schedule)
    _check_signed(ctx, msg)
    return msg


async def _status(ctx: CaseContext, st: MockStation, request_id: int, *statuses: str) -> None:
    """FirmwareStatusNotificationRequests for the update `request_id` (L01.FR.01, .20); the
    CSMS must answer each with a CALLRESULT."""
    for status in statuses:
        await st.conn.call(
            "FirmwareStatusNotification", {"status": status, "requestId": request_id}
        )


async def _installed(ctx: CaseContext, st: MockStation, request_id: int) -> MockStation:
    """InstallRebooting was sent: the station reboots with the new firmware (BootNotification
    reason FirmwareUpdate, Accepted; its connectors) and reports Installed."""
    await st.close()
    again = await ctx.mock_station(station_id=st.station_id)
    await states.booted(ctx, again, reason="FirmwareUpdate")
    await _status(ctx, again, request_id, "Installed")
    return again


async def _accepted_and_installed(ctx: CaseContext) -> None:
    """Booted; the CSMS's update Accepted; the download and installation succeed and the
    station comes back with the new firmware."""
    st = await states.booted_station(ctx)
    msg = await _update(ctx, st)
    await msg.reply({"status": "Accepted"})
    request_id = msg.payload["requestId"]
    await _status(ctx, st, request_id, *INSTALLED)
    await _installed(ctx, st, request_id)


@testcase("TC_L_01_CSMS", verbs=UPDATE)
async def test_secure_update_installed(ctx: CaseContext) -> None:
    """L01.FR.11: the CSMS sends a signed firmware update and follows the station through
    Downloading, Downloaded, SignatureVerified, Installing, InstallRebooting, the reboot
    (BootNotification FirmwareUpdate Accepted) and Installed."""
    await _accepted_and_installed(ctx)


@testcase("TC_L_02_CSMS", verbs=UPDATE)
async def test_secure_update_install_scheduled(ctx: CaseContext) -> None:
    """L01.FR.11, L01.FR.15: the operator schedules the installation; the request carries that
    future installDateTime and the CSMS takes InstallScheduled before the installation."""
    st = await states.booted_station(ctx)
    msg = await _update(ctx, st, install_date_time=_schedule(ctx))
    await msg.reply({"status": "Accepted"})
    _check_future(ctx, msg, "installDateTime", "L01.FR.15")
    request_id = msg.payload["requestId"]
    await _status(ctx, st, request_id, "Downloading", "Downloaded", "SignatureVerified")
    await _status(ctx, st, request_id, "InstallScheduled", "Installing", "InstallRebooting")
    await _installed(ctx, st, request_id)


@testcase("TC_L_03_CSMS", verbs=UPDATE)
async def test_secure_update_download_scheduled(ctx: CaseContext) -> None:
    """L01.FR.11, L01.FR.15: the operator schedules the download; the request carries that
    future retrieveDateTime and the CSMS takes DownloadScheduled before the download."""
    st = await states.booted_station(ctx)
    msg = await _update(ctx, st, retrieve_date_time=_schedule(ctx))
    await msg.reply({"status": "Accepted"})
    _check_future(ctx, msg, "retrieveDateTime", "L01.FR.15")
    request_id = msg.payload["requestId"]
    await _status(ctx, st, request_id, "DownloadScheduled", *INSTALLED)
    await _installed(ctx, st, request_id)


async def _certificate_refused(ctx: CaseContext, status: str) -> None:
    """L01.FR.02: the station refuses the signing certificate and reports the security event
    InvalidFirmwareSigningCertificate, which the CSMS must take; the CSMS goes on serving."""
    st = await states.booted_station(ctx)
    msg = await _update(ctx, st)
    await msg.reply({"status": status})
    await st.conn.call(
        "SecurityEventNotification",
        {"type": "InvalidFirmwareSigningCertificate", "timestamp": now_iso()},
    )
    res = await st.conn.call("Heartbeat", {})
    ctx.check(
        "currentTime" in res,
        f"HeartbeatResponse after UpdateFirmware {status} has no currentTime: {res}",
    )


@testcase("TC_L_04_CSMS", verbs=UPDATE)
async def test_secure_update_revoked_certificate(ctx: CaseContext) -> None:
    """L01.FR.02, L01.FR.11: the station answers RevokedCertificate."""
    await _certificate_refused(ctx, "RevokedCertificate")


@testcase("TC_L_05_CSMS", verbs=UPDATE)
async def test_secure_update_invalid_certificate(ctx: CaseContext) -> None:
    """L01.FR.02, L01.FR.11: the station answers InvalidCertificate."""
    await _certificate_refused(ctx, "InvalidCertificate")


async def _fails(ctx: CaseContext, *statuses: str) -> None:
    st = await states.booted_station(ctx)
    msg = await _update(ctx, st)
    await msg.reply({"status": "Accepted"})
    await _status(ctx, st, msg.payload["requestId"], *statuses)


@testcase("TC_L_06_CSMS", verbs=UPDATE)
async def test_secure_update_invalid_signature(ctx: CaseContext) -> None:
    """L01.FR.11: the station downloads the firmware and reports InvalidSignature."""
    await _fails(ctx, "Downloading", "Downloaded", "InvalidSignature")


@testcase("TC_L_07_CSMS", verbs=UPDATE)
async def test_secure_update_download_failed(ctx: CaseContext) -> None:
    """L01.FR.11: the download fails (DownloadFailed)."""
    await _fails(ctx, "Downloading", "DownloadFailed")


@testcase("TC_L_08_CSMS", verbs=UPDATE)
async def test_secure_update_install_verification_failed(ctx: CaseContext) -> None:
    """L01.FR.11: the downloaded firmware fails its verification before installation
    (InstallVerificationFailed)."""
    await _fails(ctx, "Downloading", "Downloaded", "SignatureVerified", "InstallVerificationFailed")


@testcase("TC_L_09_CSMS", verbs=UPDATE)
async def test_secure_update_installation_failed(ctx: CaseContext) -> None:
    """L01.FR.11: the installation fails (InstallationFailed)."""
    await _fails(
        ctx, "Downloading", "Downloaded", "SignatureVerified", "Installing", "InstallationFailed"
    )


def _check_new_request_id(ctx: CaseContext, first: Incoming, second: Incoming) -> None:
    ctx.check(
        second.payload["requestId"] != first.payload["requestId"],
        f"the second UpdateFirmwareRequest reuses requestId {first.payload['requestId']} of "
        f"the update still in progress; the station reports each update's progress under its "
        f"own requestId",
        frame=second.text,
    )


@testcase("TC_L_10_CSMS", verbs=UPDATE)
async def test_secure_update_accepted_canceled(ctx: CaseContext) -> None:
    """L01.FR.11, L01.FR.24: a second update while the first is downloading; the station
    cancels the first (AcceptedCanceled) and installs the second, reported under the second
    request's own requestId."""
    st = await states.booted_station(ctx)
    first = await _update(ctx, st)
    await first.reply({"status": "Accepted"})
    await _status(ctx, st, first.payload["requestId"], "Downloading")
    second = await _update(ctx, st)
    _check_new_request_id(ctx, first, second)
    await second.reply({"status": "AcceptedCanceled"})
    request_id = second.payload["requestId"]
    await _status(ctx, st, request_id, *INSTALLED)
    await _installed(ctx, st, request_id)


@testcase("TC_L_11_CSMS", verbs=UPDATE)
async def test_secure_update_unable_to_cancel(ctx: CaseContext) -> None:
    """L01.FR.11: a second update while the first is installing; the station cannot cancel
    it (Rejected) and completes the first one, under the first request's requestId."""
    st = await states.booted_station(ctx)
    first = await _update(ctx, st)
    await first.reply({"status": "Accepted"})
    request_id = first.payload["requestId"]
    await _status(ctx, st, request_id, "Downloading", "Downloaded", "SignatureVerified")
    await _status(ctx, st, request_id, "Installing")
    second = await _update(ctx, st)
    _check_new_request_id(ctx, first, second)
    await second.reply({"status": "Rejected"})
    await _status(ctx, st, request_id, "InstallRebooting")
    await _installed(ctx, st, request_id)


@testcase("TC_L_13_CSMS", verbs=UPDATE)
async def test_secure_update_waits_for_transaction(ctx: CaseContext) -> None:
    """L01.FR.11: a transaction is ongoing (EnergyTransferStarted); the station schedules the
    download (DownloadScheduled) and, AllowNewSessionsPendingFirmwareUpdate being false, makes
    every connector without a transaction Unavailable; once the transaction has ended and its
    connector is Unavailable too, the update goes through."""
    st = await states.booted_station(ctx)
    tx = await states.energy_transfer_session(ctx, st, EVSE)
    msg = await _update(ctx, st)
    await msg.reply({"status": "Accepted"})
    request_id = msg.payload["requestId"]
    await _status(ctx, st, request_id, "DownloadScheduled")
    for (evse, connector), status in sorted(st.model.statuses.items()):
        if evse != EVSE and status != "Unavailable":
            await st.connector_changed(evse, connector, "Unavailable")
    await states.stop_authorized(ctx, st, tx)
    await states.ev_connected_post_session(ctx, st, tx)
    await states.ev_disconnected(ctx, st, tx, connector_status="Unavailable")
    await _status(ctx, st, request_id, *INSTALLED)
    await _installed(ctx, st, request_id)


# -- L03 / L04: publish and unpublish a firmware file on a Local Controller ------------------

PUBLISH = ("publish_firmware",)
UNPUBLISH = ("publish_firmware", "unpublish_firmware")


async def _publish(ctx: CaseContext, st: MockStation) -> Incoming:
    """The operator has the Local Controller publish a firmware file; the CSMS's
    PublishFirmwareRequest (held) names where to get it and its MD5 checksum."""
    msg = await states.operator_request(ctx, st, "PublishFirmware", "publish_firmware")
    checksum = str(msg.payload["checksum"])
    ctx.check(
        MD5_HEX.fullmatch(checksum) is not None,
        f"PublishFirmwareRequest checksum is {checksum!r}; it is the firmware file's MD5 "
        f"checksum as a hex string of length 32",
        frame=msg.text,
        breaks_scenario=True,
    )
    ctx.check(
        bool(str(msg.payload["location"]).strip()),
        "PublishFirmwareRequest location is empty; it is the URI the Local Controller "
        "downloads the firmware from",
        frame=msg.text,
        breaks_scenario=True,
    )
    return msg


async def _publish_status(ctx: CaseContext, st: MockStation, msg: Incoming, *statuses: str) -> None:
    """PublishFirmwareStatusNotificationRequests for the publication `msg` asked for; once
    Published, with the URI the Local Controller serves the file at (L03)."""
    request_id = msg.payload["requestId"]
    for status in statuses:
        payload: dict[str, Any] = {"status": status, "requestId": request_id}
        if status == "Published":
            payload["location"] = [
                f"http://local-controller.invalid/firmware/{msg.payload['checksum']}.bin"
            ]
        await st.conn.call("PublishFirmwareStatusNotification", payload)


async def _published(ctx: CaseContext, st: MockStation) -> Incoming:
    """PublishFirmware Accepted; downloaded, checksum verified, Published."""
    msg = await _publish(ctx, st)
    await msg.reply({"status": "Accepted"})
    await _publish_status(ctx, st, msg, "Downloading", "Downloaded", "ChecksumVerified")
    await _publish_status(ctx, st, msg, "Published")
    return msg


@testcase("TC_L_17_CSMS", verbs=PUBLISH)
async def test_publish_firmware_published(ctx: CaseContext) -> None:
    """L03: the CSMS has the Local Controller publish a firmware file (location, MD5 checksum,
    requestId) and takes its progress up to Published."""
    st = await states.booted_station(ctx)
    await _published(ctx, st)


async def _publish_fails(ctx: CaseContext, *statuses: str) -> None:
    st = await states.booted_station(ctx)
    msg = await _publish(ctx, st)
    await msg.reply({"status": "Accepted"})
    await _publish_status(ctx, st, msg, *statuses)


@testcase("TC_L_19_CSMS", verbs=PUBLISH)
async def test_publish_firmware_invalid_checksum(ctx: CaseContext) -> None:
    """L03: the downloaded file does not match the checksum (InvalidChecksum)."""
    await _publish_fails(ctx, "Downloading", "Downloaded", "InvalidChecksum")


@testcase("TC_L_20_CSMS", verbs=PUBLISH)
async def test_publish_firmware_publish_failed(ctx: CaseContext) -> None:
    """L03: the checksum is verified, but publishing the file fails (PublishFailed)."""
    await _publish_fails(ctx, "Downloading", "Downloaded", "ChecksumVerified", "PublishFailed")


@testcase("TC_L_24_CSMS", verbs=PUBLISH)
async def test_publish_firmware_download_failed(ctx: CaseContext) -> None:
    """L03: the Local Controller cannot download the file (DownloadFailed)."""
    await _publish_fails(ctx, "Downloading", "DownloadFailed")


async def _unpublish(ctx: CaseContext, st: MockStation, checksum: str) -> Incoming:
    """The operator has the Local Controller unpublish the file with `checksum`; the CSMS's
    UnpublishFirmwareRequest (held) must name exactly that checksum (L04)."""
    msg = await states.operator_request(
        ctx, st, "UnpublishFirmware", "unpublish_firmware", checksum=checksum
    )
    got = msg.payload["checksum"]
    ctx.check(
        str(got).lower() == checksum.lower(),
        f"UnpublishFirmwareRequest checksum is {got!r}, but the operator unpublished the "
        f"firmware with checksum {checksum!r}",
        frame=msg.text,
        breaks_scenario=True,
    )
    return msg


@testcase("TC_L_21_CSMS", verbs=UNPUBLISH)
async def test_unpublish_firmware_unpublished(ctx: CaseContext) -> None:
    """L04: the firmware the Local Controller published is unpublished (Unpublished)."""
    st = await states.booted_station(ctx)
    published = await _published(ctx, st)
    msg = await _unpublish(ctx, st, str(published.payload["checksum"]))
    await msg.reply({"status": "Unpublished"})


@testcase("TC_L_22_CSMS", verbs=("unpublish_firmware",))
async def test_unpublish_firmware_no_firmware(ctx: CaseContext) -> None:
    """L04: the Local Controller has no firmware with the checksum to unpublish (NoFirmware)."""
    st = await states.booted_station(ctx)
    unknown = hashlib.md5(f"{ctx.case_id}-{ctx.seed}".encode(), usedforsecurity=False)
    msg = await _unpublish(ctx, st, unknown.hexdigest())
    await msg.reply({"status": "NoFirmware"})


@testcase("TC_L_23_CSMS", verbs=UNPUBLISH)
async def test_unpublish_firmware_download_ongoing(ctx: CaseContext) -> None:
    """L04: the file is still being downloaded when the CSMS asks to unpublish it
    (DownloadOngoing); the publication then completes."""
    st = await states.booted_station(ctx)
    published = await _publish(ctx, st)
    await published.reply({"status": "Accepted"})
    await _publish_status(ctx, st, published, "Downloading")
    msg = await _unpublish(ctx, st, str(published.payload["checksum"]))
    await msg.reply({"status": "DownloadOngoing"})
    await _publish_status(ctx, st, published, "Downloaded", "ChecksumVerified", "Published")
