"""OCPP 2.0.1, DUT = charging station, functional block L (Firmware Management), Core profile.

Secure firmware update (L01): the mock CSMS sends UpdateFirmwareRequests with the run's
firmware material (the vendor's, from the PIXIT, or a signed firmware the run made and the
harness serves from its own download server) and follows the FirmwareStatusNotifications the
station sends for each step, through to the reboot into the new firmware.

Which cases apply depends on what the station can do, as its PIXIT says (and the reference
station is started accordingly): cancel a running update for a new one (TC_L_10) or not
(TC_L_11); download firmware during a transaction (TC_L_14/L_15) or only after it
(TC_L_12/L_13); install firmware during a transaction (TC_L_16) or only after it (L_14/L_15).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.firmware import FirmwareImage, FirmwareMaterial
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import file_transfer, states
from testcases.ocpp201.cs import firmware_update as fw


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
    _cancelable(ctx, True)
    s = await states.booted(ctx)
    held = image if image.body is not None else replace(image, body=b"stand-in firmware\n")
    first, _held = await _download_held(ctx, s, held)
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


def _cancelable(ctx: CaseContext, wanted: bool) -> None:
    """Prerequisite of L_10 (the station can cancel an ongoing firmware update) or of L_11
    (it cannot), as PIXIT firmware_update_cancelable says."""
    if ctx.dut.pixit.firmware_update_cancelable != wanted:
        can = "can" if ctx.dut.pixit.firmware_update_cancelable else "cannot"
        raise NotApplicable(
            f"prerequisite not met: the station {can} cancel an ongoing firmware update "
            f"(PIXIT firmware_update_cancelable)"
        )


async def _download_held(
    ctx: CaseContext, s: Session, image: FirmwareImage
) -> tuple[fw.Update, file_transfer.FileServer]:
    """An update of `image`, Accepted, whose download the harness's server holds open once the
    station has reported Downloading and asked for the file."""
    where, server = await fw.location(ctx, image, hold=True)
    assert server is not None
    upd = await fw.update_firmware(ctx, s, fw.request(image, where))
    await fw.follow(ctx, s, upd, ["Downloading"], why="the first update was accepted")
    try:
        await asyncio.wait_for(server.requested.wait(), ctx.timeouts.message)
    except TimeoutError:
        ctx.require(False, f"the station did not download the firmware from {server.base_url}")
    return upd, server


@testcase("TC_L_11_CS")
async def test_secure_update_unable_to_cancel(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.27: on a station that cannot cancel an ongoing firmware update, a
    second UpdateFirmwareRequest while the first one is Downloading (with the harness's own
    firmware the download is held open meanwhile) is answered Rejected; the first update is
    not disturbed: it goes on (Downloaded, SignatureVerified, Installing) to its activation,
    and nothing is reported for the rejected request."""
    image = fw.material(ctx, firmware).valid
    _cancelable(ctx, False)
    s = await states.booted(ctx)
    server: file_transfer.FileServer | None = None
    if image.body is not None:
        first, server = await _download_held(ctx, s, image)
        where = server.url(fw.NAME)
    else:  # the vendor's firmware: the second request goes out as soon as Downloading comes
        where = image.location
        first = await fw.update_firmware(ctx, s, fw.request(image, where))
        await fw.follow(ctx, s, first, ["Downloading"], why="the first update was accepted")
    second = fw.request(image, where)
    await fw.update_firmware(ctx, s, second, expected=("Rejected",), requirement="L01.FR.27")
    if server is not None:
        server.release()
    await fw.follow(
        ctx, s, first, ["Downloaded", "SignatureVerified"], why="the first update goes on"
    )
    end = await fw.activated(ctx, s, first, since=first.sent)
    late = [
        m
        for conn in {s, end}
        for m in conn.received("FirmwareStatusNotification", since=first.sent)
        if m.payload.get("requestId") == second["requestId"]
    ]
    ctx.check(
        not late,
        f"the station reported FirmwareStatusNotification "
        f"{late[0].payload.get('status') if late else ''} for the rejected request "
        f"{second['requestId']}",
        requirement="L01.FR.27",
        frame=late[0].text if late else None,
    )


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


def _downloads_charging(ctx: CaseContext, wanted: bool) -> None:
    """Prerequisite of L_14 / L_15 (the station downloads firmware during a transaction) or of
    L_12 / L_13 (it waits with the download until the transactions have ended)."""
    if ctx.dut.pixit.firmware_download_during_transaction != wanted:
        can = "can" if ctx.dut.pixit.firmware_download_during_transaction else "cannot"
        raise NotApplicable(
            f"prerequisite not met: the station {can} download firmware during a transaction "
            f"(PIXIT firmware_download_during_transaction)"
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
    _downloads_charging(ctx, True)
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
    _downloads_charging(ctx, True)
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


_FINAL = frozenset(
    {"Installed", "DownloadFailed", "InvalidSignature", "InstallVerificationFailed"}
    | {"InstallationFailed"}
)


def _updates_settle_afterwards(ctx: CaseContext) -> list[fw.Update]:
    """Clean-up for an update the case leaves running when it fails midway (its installation
    still waiting for the transactions): once the transactions have been ended it is followed
    to its end, the reboot included, so the next case does not meet a rebooting station.
    Register it before end_transactions_afterwards (clean-ups run last-in first-out); put the
    updates into the list it returns."""
    updates: list[fw.Update] = []

    async def settle() -> None:
        for upd in updates:
            statuses = {str(m.payload.get("status")) for m in upd.seen}
            if statuses & _FINAL:
                continue
            wait = ctx.dut.timeouts.connect
            if "InstallRebooting" not in statuses and ctx.connections() == upd.connections:
                s = await ctx.station()

                def later(m: Incoming, u: fw.Update = upd) -> bool:
                    return (
                        m.received >= u.sent
                        and m.payload.get("requestId") == u.request_id
                        and m.payload.get("status") in _FINAL | {"InstallRebooting"}
                    )

                msg = await s.expect(
                    "FirmwareStatusNotification",
                    predicate=later,
                    timeout=wait,
                    why="clean-up: the firmware update the case left goes on to its end",
                )
                if msg.payload.get("status") != "InstallRebooting":
                    continue
            new = await ctx.station(after=upd.connections, timeout=wait)
            await new.expect(
                "FirmwareStatusNotification",
                {"status": "Installed"},
                timeout=wait,
                why="clean-up: the station rebooted into the firmware the case left installing",
            )

    ctx.defer(settle)
    return updates


async def _download_waits(ctx: CaseContext, s: Session, upd: fw.Update, tx_ids: list[str]) -> None:
    """L01.FR.01 for a station that cannot download firmware during a transaction: it reports
    the update DownloadScheduled and does not start Downloading while one is ongoing."""
    await fw.follow(
        ctx,
        s,
        upd,
        ["DownloadScheduled"],
        why="the station cannot download firmware while a transaction is ongoing, so the "
        "download waits",
    )
    _not_downloading(ctx, s, upd, tx_ids)


def _not_downloading(ctx: CaseContext, s: Session, upd: fw.Update, tx_ids: list[str]) -> None:
    early = [
        m
        for m in s.received("FirmwareStatusNotification", since=upd.sent)
        if m.payload.get("status") not in ("DownloadScheduled", None)
    ]
    ctx.check(
        not early,
        f"the station reported {early[0].payload.get('status') if early else ''} while "
        f"transaction(s) {', '.join(tx_ids)} were ongoing; a station that cannot download "
        f"firmware during a transaction must wait until they have ended",
        requirement="L01.FR.01",
        frame=early[0].text if early else None,
    )


async def _downloaded_after(ctx: CaseContext, s: Session, upd: fw.Update, ended: float) -> None:
    """Once the last transaction has ended (at `ended`): Downloading, not before, then
    Downloaded and SignatureVerified (L01.FR.04)."""
    downloading = await fw.follow(
        ctx, s, upd, ["Downloading"], why="no transaction is ongoing any more"
    )
    ctx.check(
        downloading.received >= ended - fw.TIMING_SLACK,
        f"Downloading was reported {ended - downloading.received:.2f} s before the last "
        f"ongoing transaction ended",
        requirement="L01.FR.01",
        frame=downloading.text,
    )
    await fw.follow(ctx, s, upd, ["Downloaded", "SignatureVerified"])


@testcase("TC_L_12_CS", verbs=_TX_VERBS)
async def test_secure_update_download_waits_new_sessions_allowed(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.06: on a station that can download firmware only when no transaction
    is ongoing, with AllowNewSessionsPendingFirmwareUpdate true (if implemented) and a
    transaction charging, an UpdateFirmwareRequest is Accepted and reported DownloadScheduled;
    a new transaction can still start on another EVSE; only after both have ended the station
    reports Downloading, Downloaded, SignatureVerified, Installing and activates the firmware."""
    image = fw.material(ctx, firmware).valid
    _downloads_charging(ctx, False)
    other = _other_evse(ctx)
    s = await states.booted(ctx)
    left = _updates_settle_afterwards(ctx)
    states.end_transactions_afterwards(ctx)
    await states.configure_if_implemented(
        ctx, s, "ChargingStation", "AllowNewSessionsPendingFirmwareUpdate", "true"
    )
    tx1 = await states.charging_session(ctx, s)
    where, _server = await fw.location(ctx, image)
    upd = await fw.update_firmware(ctx, s, fw.request(image, where))
    left.append(upd)
    await _download_waits(ctx, s, upd, [tx1])
    try:
        tx2 = await states.charging_session(ctx, s, evse=other)  # new sessions are allowed
    finally:
        _not_downloading(ctx, s, upd, [tx1])
    ended = await _end_transaction(ctx, s, tx1, states.EVSE)
    _not_downloading(ctx, s, upd, [tx2])
    ended = await _end_transaction(ctx, s, tx2, other)
    await _downloaded_after(ctx, s, upd, ended)
    await fw.activated(ctx, s, upd, since=ended)


@testcase("TC_L_13_CS", verbs=_TX_VERBS)
async def test_secure_update_download_waits_new_sessions_blocked(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.06, L01.FR.07: on a station that can download firmware only when no
    transaction is ongoing, with AllowNewSessionsPendingFirmwareUpdate false and a transaction
    charging, an UpdateFirmwareRequest is Accepted and reported DownloadScheduled, the EVSEs
    without a transaction become Unavailable, and only after the transaction has ended the
    station downloads, verifies, installs and activates the firmware."""
    image = fw.material(ctx, firmware).valid
    _downloads_charging(ctx, False)
    s = await states.booted(ctx)
    left = _updates_settle_afterwards(ctx)
    states.end_transactions_afterwards(ctx)
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
    left.append(upd)
    await _download_waits(ctx, s, upd, [tx1])
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
            requirement="L01.FR.07",
        )
    finally:
        _not_downloading(ctx, s, upd, [tx1])
    ended = await _end_transaction(ctx, s, tx1, states.EVSE)
    await _downloaded_after(ctx, s, upd, ended)
    await fw.activated(ctx, s, upd, since=ended)


@testcase("TC_L_16_CS", verbs=_TX_VERBS)
async def test_secure_update_during_transaction(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """L01.FR.01, L01.FR.06: on a station that is able to update firmware while a transaction
    is ongoing, an UpdateFirmwareRequest during EnergyTransferStarted is Accepted and runs
    through Downloading, Downloaded, SignatureVerified, Installing to its activation while the
    transaction goes on: the update does not end it (a station that must reboot to activate
    is not able to update with an ongoing transaction)."""
    image = fw.material(ctx, firmware).valid
    if not ctx.dut.pixit.firmware_install_during_transaction:
        raise NotApplicable(
            "prerequisite not met: the station cannot install firmware during a transaction "
            "(PIXIT firmware_install_during_transaction)"
        )
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    tx1 = await states.charging_session(ctx, s)
    where, _server = await fw.location(ctx, image)
    upd = await fw.update_firmware(ctx, s, fw.request(image, where))
    await fw.download_done(ctx, s, upd)
    end = await fw.activated(ctx, s, upd, since=upd.sent)
    ended = [
        m
        for m in s.received("TransactionEvent", since=upd.sent)
        if m.payload.get("eventType") == "Ended"
        and m.payload.get("transactionInfo", {}).get("transactionId") == tx1
    ]
    ctx.require(
        end is s and not ended,
        f"the firmware update ended transaction {tx1}"
        + (" (the station rebooted to activate it)" if end is not s else "")
        + "; a station able to update firmware with an ongoing transaction lets it go on",
        requirement="L01.FR.06",
        frame=ended[0].text if ended else None,
    )
    await states.stop_authorized_remote(ctx, s, tx1)


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
