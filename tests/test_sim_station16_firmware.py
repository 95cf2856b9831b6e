"""The 1.6 reference charge point's Firmware Management, its timed offline period and its
power failure without back-up power, against the harness's MockCsms, in-process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping

import pytest
from simrig import StationRig as Rig

from conformance.ocppj import OcppVersion
from conformance.roles.clock import now_iso
from conformance.session import Session
from conformance.sim.station16 import ReferenceStation16
from conformance.sim.station16_firmware import image_version, make_image

V = OcppVersion.V16
ID = "REF16FW"


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    r = await Rig.start(ReferenceStation16, V, ID)
    yield r
    await r.stop()


async def _booted(rig: Rig) -> Session:
    s = await rig.session()
    await s.expect("BootNotification")
    for connector in (0, 1, 2):
        await s.expect("StatusNotification", {"connectorId": connector})
    return s


class _Files:
    """A one-file HTTP server: GET /fw.bin gives `image`, PUT anything is stored."""

    def __init__(self, image: bytes) -> None:
        self.image = image
        self.puts: list[tuple[str, bytes]] = []
        self.server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        method, path, _ = (await reader.readline()).decode().split()
        length = 0
        while line := (await reader.readline()).strip():
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = await reader.readexactly(length) if length else b""
        if method == "PUT":
            self.puts.append((path, body))
            answer = b""
        else:
            answer = self.image if path == "/fw.bin" else b""
        status = "200 OK" if method == "PUT" or answer else "404 Not Found"
        writer.write(f"HTTP/1.1 {status}\r\nContent-Length: {len(answer)}\r\n\r\n".encode())
        writer.write(answer)
        await writer.drain()
        writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()


def test_image_checksum() -> None:
    assert image_version(make_image("1.2.3")) == "1.2.3"
    assert image_version(make_image("1.2.3")[:-1]) is None
    assert image_version(b"not a firmware") is None


async def _statuses(s: Session, action: str, n: int) -> list[str]:
    return [str((await s.expect(action)).payload["status"]) for _ in range(n)]


async def test_update_firmware_installs_with_a_reboot(rig: Rig) -> None:
    s = await _booted(rig)
    files = _Files(make_image("2.0.0"))
    await files.start()
    try:
        n = rig.csms.connection_count[ID]
        update = {"location": files.url + "/fw.bin", "retrieveDate": now_iso()}
        assert await s.call("UpdateFirmware", update) == {}
        got = await _statuses(s, "FirmwareStatusNotification", 3)
        assert got == ["Downloading", "Downloaded", "Installing"]
        s2 = await rig.session(after=n)
        boot = await s2.expect("BootNotification")
        assert boot.payload["firmwareVersion"] == "2.0.0"
        assert await _statuses(s2, "FirmwareStatusNotification", 1) == ["Installed"]
    finally:
        await files.close()
    assert rig.violations() == []


async def test_corrupt_firmware_and_missing_file(rig: Rig) -> None:
    s = await _booted(rig)
    files = _Files(make_image("2.0.0")[:-3])
    await files.start()
    try:
        await s.call(
            "UpdateFirmware", {"location": files.url + "/fw.bin", "retrieveDate": now_iso()}
        )
        got = await _statuses(s, "FirmwareStatusNotification", 4)
        assert got == ["Downloading", "Downloaded", "Installing", "InstallationFailed"]
        missing = {"location": files.url + "/nope.bin", "retrieveDate": now_iso(), "retries": 0}
        await s.call("UpdateFirmware", missing)
        got = await _statuses(s, "FirmwareStatusNotification", 2)
        assert got == ["Downloading", "DownloadFailed"]
    finally:
        await files.close()
    assert rig.station.firmware.version == "0.1.0"


async def test_get_diagnostics_uploads_the_named_file(rig: Rig) -> None:
    s = await _booted(rig)
    files = _Files(b"")
    await files.start()
    try:
        answer = await s.call("GetDiagnostics", {"location": files.url + "/diag/"})
        got = await _statuses(s, "DiagnosticsStatusNotification", 2)
        assert got == ["Uploading", "Uploaded"]
        assert [p for p, _ in files.puts] == ["/diag/" + answer["fileName"]]
    finally:
        await files.close()


async def test_go_offline_for_reconnects_on_its_own(rig: Rig) -> None:
    s = await _booted(rig)
    n = rig.csms.connection_count[ID]
    await rig.station.verbs.verb_go_offline_for({"seconds": 0.2})
    assert await s.wait_closed(2)
    s2 = await rig.session(after=n)
    assert not s2.received("BootNotification")


async def test_power_failure_without_backup_stops_after_the_reboot() -> None:
    r = await Rig.start(ReferenceStation16, V, ID)
    r.station.backup_power = False
    try:
        s = await _booted(r)
        await r.station.verbs.verb_plug_in({"connector_id": 1})
        await r.station.verbs.verb_present_id_token({"id_token": "VALID001"})
        start = await s.expect("StartTransaction")
        n = r.csms.connection_count[ID]
        await r.station.verbs.verb_power_cycle({})
        s2 = await r.session(after=n)
        await s2.expect("BootNotification")
        stop = await s2.expect("StopTransaction")
        assert stop.payload["reason"] == "PowerLoss"
        assert isinstance(start.response, Mapping)
        assert stop.payload["transactionId"] == start.response["transactionId"]
        assert not s.received("StopTransaction")
    finally:
        await r.stop()
