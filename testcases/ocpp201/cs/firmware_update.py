"""Steps of the OCPP 2.0.1 secure firmware update cases (L01) as the mock CSMS plays them.

An update is requested with the run's firmware material (`conformance.firmware`: the vendor's
from the PIXIT, or one the run made and the harness serves itself), and the station's
FirmwareStatusNotifications are then followed step by step: each must carry the request's
requestId and come in the order L01 gives; a status the scenario does not allow at that point
fails the case with what was expected instead. The activation of new firmware may reboot the
station: its new connection must start with a BootNotification whose reason is
FirmwareUpdate, and Installed then follows there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.context import CaseContext
from conformance.firmware import FirmwareImage, FirmwareMaterial
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import file_transfer

NAME = "firmware.bin"
PAST = -2 * 3600.0  # <Current DateTime - 2 hours>
# The station's timers run on its own clock and ours on ours: allow this much early.
TIMING_SLACK = 0.2


def material(
    ctx: CaseContext, firmware: FirmwareMaterial | None, *, trusted: bool = True
) -> FirmwareMaterial:
    """The run's firmware material. `trusted`: the case needs a signing certificate the
    station accepts, which the run's own material is only for the reference station (it is
    started trusting the run's manufacturer root); a real station needs the vendor's."""
    if firmware is None:
        raise NotApplicable("no firmware material for this run (2.0.1 charging stations only)")
    if trusted and firmware.manufacturer_root is not None and not ctx.dut.reference.start:
        raise NotApplicable(
            "needs a firmware the station accepts: set PIXIT firmware_location, "
            "firmware_signing_certificate and firmware_signature"
        )
    return firmware


def timestamp(offset: float) -> str:
    """Now + `offset` seconds, as an RFC 3339 UTC dateTime."""
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def location(
    ctx: CaseContext, image: FirmwareImage, *, hold: bool = False, suffix: str = ""
) -> tuple[str, file_transfer.FileServer | None]:
    """Where the station downloads `image` from: the vendor's location, or the harness's own
    download server with the run's file (`hold`: the download is kept open until released)."""
    if image.body is None:
        return image.location + suffix, None
    server = await file_transfer.download_server(ctx, {NAME: image.body}, hold=hold)
    return server.url(NAME) + suffix, server


@dataclass
class Update:
    """One UpdateFirmwareRequest sent and how it was answered."""

    request_id: int
    payload: dict[str, Any]
    status: str
    sent: float
    connections: int  # the station's connection count when it was sent
    seen: list[Incoming] = field(default_factory=list)  # its status notifications so far
    # updates this one cancelled: late notifications of theirs are not this update's steps
    superseded: tuple[int, ...] = ()

    @property
    def last(self) -> str:
        return str(self.seen[-1].payload.get("status")) if self.seen else "(none)"

    @property
    def last_received(self) -> float:
        return self.seen[-1].received if self.seen else self.sent

    def statuses_before(self, msg: Incoming) -> str:
        before = [str(m.payload.get("status")) for m in self.seen if m is not msg]
        return ", ".join(before) if before else "the UpdateFirmwareRequest"


def request(
    image: FirmwareImage,
    where: str,
    *,
    retrieve: float = PAST,
    install: float | None = PAST,
    signing_certificate: str | None = None,
    signature: str | None = None,
    signed: bool = True,
) -> dict[str, Any]:
    """An UpdateFirmwareRequest for `image` at `where`; times are offsets from now (s)."""
    firmware: dict[str, Any] = {"location": where, "retrieveDateTime": timestamp(retrieve)}
    if install is not None:
        firmware["installDateTime"] = timestamp(install)
    if signed:
        firmware["signingCertificate"] = signing_certificate or image.signing_certificate
        firmware["signature"] = signature or image.signature
    return {"requestId": uuid.uuid4().int % 1_000_000, "firmware": firmware}


async def update_firmware(
    ctx: CaseContext,
    s: Session,
    payload: dict[str, Any],
    *,
    expected: Iterable[str] = ("Accepted",),
    requirement: str = "L01.FR.01",
) -> Update:
    """Send the UpdateFirmwareRequest; the status must be one of `expected`."""
    allowed = tuple(expected)
    n = ctx.connections()
    t0 = time.monotonic()
    result = await s.call("UpdateFirmware", payload)
    status = str(result.get("status"))
    ctx.require(
        status in allowed,
        f"UpdateFirmwareResponse status is {status!r}, expected {' or '.join(allowed)}",
        requirement=requirement,
    )
    return Update(int(payload["requestId"]), payload, status, t0, n)


async def next_status(
    ctx: CaseContext,
    s: Session,
    upd: Update,
    allowed: Iterable[str],
    *,
    why: str,
    timeout: float | None = None,
) -> Incoming:
    """The station's next FirmwareStatusNotification of this update: its status must be one
    of `allowed` and it must carry the request's requestId."""
    wanted = tuple(allowed)
    msg = await s.expect(
        "FirmwareStatusNotification",
        predicate=lambda m: (
            m.received >= upd.last_received
            and m.received >= upd.sent
            and m.payload.get("requestId") not in upd.superseded
        ),
        timeout=timeout,
        why=f"{why}: expected {' or '.join(wanted)} after {upd.last}",
    )
    upd.seen.append(msg)
    status = str(msg.payload.get("status"))
    ctx.check(
        msg.payload.get("requestId") == upd.request_id,
        f"FirmwareStatusNotification {status} has requestId {msg.payload.get('requestId')!r}; "
        f"every notification of the update must carry the UpdateFirmwareRequest's requestId "
        f"{upd.request_id}",
        frame=msg.text,
    )
    ctx.require(
        status in wanted,
        f"after {upd.statuses_before(msg)} the station reported FirmwareStatusNotification "
        f"{status}; expected {' or '.join(wanted)} ({why})",
        frame=msg.text,
    )
    return msg


async def follow(
    ctx: CaseContext,
    s: Session,
    upd: Update,
    steps: Iterable[str | tuple[str, ...]],
    *,
    optional: Iterable[str] = (),
    why: str = "the secure firmware update goes on (L01)",
    timeout: float | None = None,
) -> Incoming:
    """Follow the update through `steps` in order (a tuple: any one of them); statuses in
    `optional` may come in between. Returns the last step's notification."""
    maybe = tuple(optional)
    msg: Incoming | None = None
    for step in steps:
        wanted = (step,) if isinstance(step, str) else step
        while True:
            msg = await next_status(ctx, s, upd, (*wanted, *maybe), why=why, timeout=timeout)
            if msg.payload.get("status") in wanted:
                break
    assert msg is not None
    return msg


async def download_done(ctx: CaseContext, s: Session, upd: Update) -> None:
    """Downloading, Downloaded and SignatureVerified, in this order (L01.FR.04)."""
    await follow(ctx, s, upd, ["Downloading", "Downloaded", "SignatureVerified"])


async def activated(ctx: CaseContext, s: Session, upd: Update, *, since: float) -> Session:
    """Installing (not before `since`), then the activation: InstallRebooting and a reboot
    whose BootNotification says reason FirmwareUpdate, then Installed on the new connection
    (a station that needs no reboot may report Installed at once). Returns the connection
    the station ends on."""
    installing = await follow(
        ctx, s, upd, ["Installing"], optional=("InstallScheduled",), why="installation starts"
    )
    ctx.check(
        installing.received >= since - TIMING_SLACK,
        f"Installing was reported {since - installing.received:.2f} s before the station was "
        f"allowed to install",
        frame=installing.text,
    )
    reboot = asyncio.ensure_future(
        ctx.station(after=upd.connections, timeout=ctx.dut.timeouts.connect)
    )
    status = asyncio.ensure_future(
        next_status(
            ctx,
            s,
            upd,
            ("InstallRebooting", "Installed"),
            why="the new firmware is activated",
            timeout=ctx.dut.timeouts.connect,
        )
    )
    try:
        done, _ = await asyncio.wait({reboot, status}, return_when=asyncio.FIRST_COMPLETED)
        if status in done and status.result().payload.get("status") == "Installed":
            return s  # installed without a reboot
        new = await reboot
    finally:
        # Neither wait may outlive this step (a late finding would land in another case).
        for task in (reboot, status):
            task.cancel()
        await asyncio.gather(reboot, status, return_exceptions=True)
    boot = await new.expect(
        "BootNotification",
        timeout=ctx.dut.timeouts.connect,
        why="the station rebooted to activate the new firmware",
    )
    ctx.check(
        boot.payload.get("reason") == "FirmwareUpdate",
        f"the BootNotification after the firmware installation says reason "
        f"{boot.payload.get('reason')!r}, expected FirmwareUpdate",
        frame=boot.text,
    )
    upd.seen.append(boot)  # later notifications come after the boot
    installed = await new.expect(
        "FirmwareStatusNotification",
        predicate=lambda m: m.received >= boot.received,
        timeout=ctx.dut.timeouts.connect,
        why="the station rebooted into the new firmware: expected Installed",
    )
    upd.seen.append(installed)
    ctx.check(
        installed.payload.get("requestId") == upd.request_id,
        f"FirmwareStatusNotification Installed has requestId "
        f"{installed.payload.get('requestId')!r}, expected {upd.request_id}",
        frame=installed.text,
    )
    ctx.require(
        installed.payload.get("status") == "Installed",
        f"after the reboot the station reported FirmwareStatusNotification "
        f"{installed.payload.get('status')}; expected Installed",
        frame=installed.text,
    )
    return new


async def security_event(
    ctx: CaseContext, s: Session, kind: str, *, since: float, requirement: str
) -> Incoming:
    return await s.expect(
        "SecurityEventNotification",
        {"type": kind},
        predicate=lambda m: m.received >= since,
        why=f"the station must report security event {kind} ({requirement})",
    )
