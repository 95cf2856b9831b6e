"""OCPP 2.0.1, DUT = charging station, functional block L (Firmware Management), Core profile.

Secure firmware update (L01): the mock CSMS sends UpdateFirmwareRequests with the run's
firmware material (the vendor's, from the PIXIT, or a signed firmware the run made and the
harness serves from its own download server) and follows the FirmwareStatusNotifications the
station sends for each step, through to the reboot into the new firmware.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.firmware import FirmwareMaterial
from conformance.session import Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import firmware_update as fw
from testcases.ocpp201.cs import states


@testcase("TC_L_01_CS")
async def test_secure_update_installed(ctx: CaseContext, firmware: FirmwareMaterial | None) -> None:
    """L01.FR.01, L01.FR.04, L01.FR.05: an UpdateFirmwareRequest with a valid signing
    certificate and signature, to retrieve and install at once, is Accepted; the station
    reports Downloading, Downloaded, SignatureVerified and Installing, reboots with reason
    FirmwareUpdate and reports Installed, every notification with the requestId."""
    image = fw.material(ctx, firmware).valid
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image)
    upd = await fw.update_firmware(ctx, s, fw.request(image, where))
    await fw.download_done(ctx, s, upd)
    await fw.activated(ctx, s, upd, since=upd.sent)


@testcase("TC_L_02_CS")
async def test_secure_update_install_scheduled(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.04, L01.FR.15, L01.FR.16: with installDateTime in the future the
    station downloads and verifies the firmware at once, reports InstallScheduled and starts
    Installing only when installDateTime has come."""
    image = fw.material(ctx, firmware).valid
    offset = ctx.dut.pixit.firmware_schedule_offset
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image)
    upd = await fw.update_firmware(ctx, s, fw.request(image, where, install=offset))
    await fw.download_done(ctx, s, upd)
    await fw.follow(ctx, s, upd, ["InstallScheduled"], why="installDateTime is in the future")
    await fw.activated(ctx, s, upd, since=upd.sent + offset)


@testcase("TC_L_03_CS")
async def test_secure_update_download_scheduled(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01 and L01's retrieveDateTime: with retrieveDateTime in the future the station
    reports DownloadScheduled and starts Downloading only when retrieveDateTime has come;
    the update then completes."""
    image = fw.material(ctx, firmware).valid
    offset = ctx.dut.pixit.firmware_schedule_offset
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image)
    upd = await fw.update_firmware(ctx, s, fw.request(image, where, retrieve=offset))
    await fw.follow(ctx, s, upd, ["DownloadScheduled"], why="retrieveDateTime is in the future")
    downloading = await fw.follow(
        ctx, s, upd, ["Downloading"], timeout=offset + ctx.timeouts.message
    )
    early = upd.sent + offset - downloading.received
    ctx.check(
        early <= fw.TIMING_SLACK,
        f"Downloading was reported {early:.2f} s before the retrieveDateTime",
        frame=downloading.text,
    )
    await fw.follow(ctx, s, upd, ["Downloaded", "SignatureVerified"])
    await fw.activated(ctx, s, upd, since=upd.sent)


@testcase("TC_L_05_CS")
async def test_secure_update_invalid_certificate(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.02: an UpdateFirmwareRequest whose signing certificate the station cannot
    validate is answered InvalidCertificate (or RevokedCertificate), a SecurityEventNotification
    InvalidFirmwareSigningCertificate follows, and nothing is downloaded."""
    material = fw.material(ctx, firmware, trusted=False)
    image = material.valid
    s = await states.booted(ctx)
    where, server = await fw.location(ctx, image)
    payload = fw.request(image, where, signing_certificate=material.invalid_signing_certificate)
    upd = await fw.update_firmware(
        ctx,
        s,
        payload,
        expected=("InvalidCertificate", "RevokedCertificate"),
        requirement="L01.FR.02",
    )
    await fw.security_event(
        ctx, s, "InvalidFirmwareSigningCertificate", since=upd.sent, requirement="L01.FR.02"
    )
    if server is not None:
        ctx.check(
            not server.requests,
            f"the station downloaded the firmware ({', '.join(server.requests)}) although it "
            f"refused the signing certificate",
            requirement="L01.FR.02",
        )


@testcase("TC_L_06_CS")
async def test_secure_update_invalid_signature(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.03: with a signature that does not match the firmware the station downloads it
    (Downloading, Downloaded), reports InvalidSignature with a SecurityEventNotification
    InvalidFirmwareSignature, and installs nothing."""
    material = fw.material(ctx, firmware)
    image = material.valid
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image)
    payload = fw.request(image, where, signature=material.invalid_signature)
    upd = await fw.update_firmware(ctx, s, payload)
    await fw.follow(ctx, s, upd, ["Downloading", "Downloaded", "InvalidSignature"])
    await fw.security_event(
        ctx, s, "InvalidFirmwareSignature", since=upd.sent, requirement="L01.FR.03"
    )
    installing = [
        m
        for m in s.received("FirmwareStatusNotification", since=upd.sent)
        if m.payload.get("status") in ("Installing", "InstallRebooting", "Installed")
    ]
    ctx.check(
        not installing,
        "the station went on to install a firmware whose signature is invalid",
        requirement="L01.FR.03",
    )


@testcase("TC_L_07_CS")
async def test_secure_update_download_failed(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.10: a firmware location that does not exist is reported
    DownloadFailed (a Downloading before it is optional), with the requestId."""
    image = fw.material(ctx, firmware).valid
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image, suffix="_does_not_exist")
    upd = await fw.update_firmware(ctx, s, fw.request(image, where))
    await fw.follow(
        ctx, s, upd, ["DownloadFailed"], optional=("Downloading",), why="the file does not exist"
    )


@testcase("TC_L_08_CS")
async def test_secure_update_install_verification_failed(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.10, L01.FR.12: a validly signed firmware that the station cannot
    install (<Configured invalid firmware location>), to retrieve after the download offset,
    is downloaded and verified, and then reported InstallVerificationFailed or
    InstallationFailed: the station is not activated with it."""
    image = fw.material(ctx, firmware).install_failure
    if image is None:
        raise NotApplicable(
            "no <Configured invalid firmware location> (PIXIT invalid_firmware_location)"
        )
    offset = ctx.dut.pixit.firmware_schedule_offset
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image)
    upd = await fw.update_firmware(ctx, s, fw.request(image, where, retrieve=offset))
    await fw.follow(
        ctx,
        s,
        upd,
        ["Downloading"],
        optional=("DownloadScheduled",),
        why="retrieveDateTime is in the future",
        timeout=offset + ctx.timeouts.message,
    )
    await fw.follow(ctx, s, upd, ["Downloaded", "SignatureVerified"])
    await fw.follow(
        ctx,
        s,
        upd,
        [("InstallVerificationFailed", "InstallationFailed")],
        optional=("InstallScheduled", "Installing"),
        why="the firmware cannot be installed",
        timeout=ctx.dut.timeouts.connect,
    )


@testcase("TC_L_10_CS")
async def test_secure_update_accepted_canceled(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.24: a second UpdateFirmwareRequest while the first one's download is
    in progress (the harness holds it open) is answered AcceptedCanceled; the first update is
    cancelled and the second one runs to the end."""
    image = fw.material(ctx, firmware).valid
    s = await states.booted(ctx)
    held = image if image.body is not None else replace(image, body=b"stand-in firmware\n")
    first_at, server = await fw.location(ctx, held, hold=True)
    assert server is not None
    first = await fw.update_firmware(ctx, s, fw.request(held, first_at))
    await fw.follow(ctx, s, first, ["Downloading"], why="the first update was accepted")
    try:
        await asyncio.wait_for(server.requested.wait(), ctx.timeouts.message)
    except TimeoutError:
        ctx.require(False, f"the station did not download the firmware from {server.base_url}")
    where, _server = await fw.location(ctx, image)
    second = await fw.update_firmware(
        ctx,
        s,
        fw.request(image, where),
        expected=("AcceptedCanceled",),
        requirement="L01.FR.24",
    )
    second.superseded = (first.request_id,)
    await fw.download_done(ctx, s, second)
    await fw.activated(ctx, s, second, since=second.sent)


# -- ongoing transactions (L01.FR.06 / L01.FR.07) ---------------------------------------------

_TX_VERBS = ("plug_in", "present_id_token", "unplug")


def _cannot_install_charging(ctx: CaseContext) -> None:
    """Prerequisite of L_14 / L_15: the station is unable to install firmware while there is
    an ongoing transaction."""
    if ctx.dut.pixit.firmware_install_during_transaction:
        raise NotApplicable(
            "prerequisite not met: the station installs firmware during a transaction "
            "(PIXIT firmware_install_during_transaction)"
        )


def _other_evse(ctx: CaseContext) -> int:
    """Prerequisite of L_14: a second EVSE besides <Configured evseId>, so more than one
    transaction can run at a time."""
    others = [e for e in ctx.dut.pixit.evse_ids if e != states.EVSE]
    if not others:
        raise NotApplicable("prerequisite not met: the station has only one EVSE (PIXIT evses)")
    return others[0]


def _not_installing(ctx: CaseContext, s: Session, upd: fw.Update, tx_ids: list[str]) -> None:
    """L01.FR.06/07: nothing is installed while a transaction is ongoing."""
    early = [
        m
        for m in s.received("FirmwareStatusNotification", since=upd.sent)
        if m.payload.get("status") in ("Installing", "InstallRebooting", "Installed")
    ]
    ctx.check(
        not early,
        f"the station reported {early[0].payload.get('status') if early else ''} while "
        f"transaction(s) {', '.join(tx_ids)} were ongoing; it must wait until they have ended",
        requirement="L01.FR.06/07",
        frame=early[0].text if early else None,
    )


async def _end_transaction(ctx: CaseContext, s: Session, tx_id: str, evse: int) -> float:
    """Stop the transaction remotely (and unplug if that does not end it); returns when the
    station reported its end."""
    msg = await states.stop_authorized_remote(ctx, s, tx_id)
    if msg.payload.get("eventType") != "Ended":
        await states.unplug(ctx, s, evse)
    ended = [
        m
        for m in s.received("TransactionEvent")
        if m.payload.get("eventType") == "Ended"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]
    return ended[-1].received if ended else time.monotonic()


@testcase("TC_L_14_CS", verbs=_TX_VERBS)
async def test_secure_update_waits_new_sessions_allowed(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.06, L01.FR.10: with a transaction ongoing (EnergyTransferStarted) and
    AllowNewSessionsPendingFirmwareUpdate true (if implemented), the station downloads and
    verifies the firmware but installs it only after the transactions have ended; meanwhile a
    new transaction can still start on another EVSE."""
    image = fw.material(ctx, firmware).valid
    _cannot_install_charging(ctx)
    other = _other_evse(ctx)
    s = await states.booted(ctx)
    await states.configure_if_implemented(
        ctx, s, "ChargingStation", "AllowNewSessionsPendingFirmwareUpdate", "true"
    )
    tx1 = await states.charging_session(ctx, s)
    where, _server = await fw.location(ctx, image)
    upd = await fw.update_firmware(ctx, s, fw.request(image, where))
    await fw.download_done(ctx, s, upd)
    try:
        tx2 = await states.charging_session(ctx, s, evse=other)  # new sessions are allowed
    finally:
        _not_installing(ctx, s, upd, [tx1])
    _not_installing(ctx, s, upd, [tx1, tx2])
    ends = [
        await _end_transaction(ctx, s, tx1, states.EVSE),
        await _end_transaction(ctx, s, tx2, other),
    ]
    await fw.activated(ctx, s, upd, since=max(ends))


@testcase("TC_L_15_CS", verbs=_TX_VERBS)
async def test_secure_update_waits_new_sessions_blocked(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.06, L01.FR.07, L01.FR.10: with a transaction ongoing and
    AllowNewSessionsPendingFirmwareUpdate false, the station downloads and verifies the
    firmware, makes the EVSEs without a transaction Unavailable, and installs only after the
    transaction has ended."""
    image = fw.material(ctx, firmware).valid
    _cannot_install_charging(ctx)
    s = await states.booted(ctx)
    await states.configure(
        ctx,
        s,
        "ChargingStation",
        "AllowNewSessionsPendingFirmwareUpdate",
        "false",
        prerequisite=True,
    )
    tx1 = await states.charging_session(ctx, s)
    where, _server = await fw.location(ctx, image)
    upd = await fw.update_firmware(ctx, s, fw.request(image, where))
    await fw.download_done(ctx, s, upd)
    idle = [(e, c) for e, c in states.connectors(ctx) if e != states.EVSE]
    try:
        await states.status_reported(
            ctx,
            s,
            idle,
            "Unavailable",
            since=upd.sent,
            why="a firmware update waits for the ongoing transaction and new sessions are not "
            "allowed meanwhile",
            requirement="L01.FR.06/07",
        )
    finally:
        _not_installing(ctx, s, upd, [tx1])
    ended = await _end_transaction(ctx, s, tx1, states.EVSE)
    await fw.activated(ctx, s, upd, since=ended)


@testcase("TC_L_18_CS")
async def test_secure_update_unsigned(ctx: CaseContext, firmware: FirmwareMaterial | None) -> None:
    """L01: a station that updates firmware securely does not accept an UpdateFirmwareRequest
    without signingCertificate and signature: Rejected or InvalidCertificate."""
    image = fw.material(ctx, firmware, trusted=False).valid
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image)
    await fw.update_firmware(
        ctx,
        s,
        fw.request(image, where, signed=False),
        expected=("Rejected", "InvalidCertificate"),
        requirement="L01",
    )
