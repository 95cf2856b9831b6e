"""A local HTTP server the OCPP 2.0.1 charging-station cases start to take a file transfer.

The log-upload cases need the station to be busy uploading while they check something (e.g. a
triggered LogStatusNotification during the upload, TC_F_16_CS). The server takes the upload
(PUT or POST), records it and holds its answer until the case releases it, so the transfer
stays open exactly as long as the case needs. It listens on the host of the mock CSMS's
endpoint (the address the station already reaches; 127.0.0.1 when that is a wildcard) on a
free port, and is closed when the case ends. The firmware cases use its counterpart, a
download server that serves the firmware files by GET (and can hold a download open too).
Uploads outside the served path (`missing_url`) are answered 404 Not Found at once, as for
a log location with a non-existing path (TC_N_26_CS).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from conformance.context import CaseContext


@dataclass
class Upload:
    method: str
    path: str
    body: bytes


@dataclass
class HeldUploadServer:
    url: str = ""
    uploads: list[Upload] = field(default_factory=list)
    received: asyncio.Event = field(default_factory=asyncio.Event)  # an upload has arrived
    # Every request in arrival order with its monotonic time, refused ones included: uploads
    # outside the served path (`missing_url`) are answered 404 at once, as a server would.
    requests: list[tuple[float, Upload]] = field(default_factory=list)
    missing_url: str = ""
    _path: str = "/"
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None

    def release(self) -> None:
        """Answer the held upload(s) 200 OK: the transfer completes."""
        self._release.set()

    async def wait_requests(self, count: int, timeout: float) -> bool:
        """Wait until `count` requests have arrived in all; False at the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.requests) < count:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                return len(self.requests) >= count
        return True

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await reader.readline()).decode(errors="replace").split()
            length = 0
            while True:
                line = (await reader.readline()).decode(errors="replace").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip() or 0)
            body = await reader.readexactly(length) if length else b""
            method, path = [*request, "", ""][:2]
            accepted = method in ("PUT", "POST")
            found = path == self._path or path.startswith(self._path.rstrip("/") + "/")
            self.requests.append((time.monotonic(), Upload(method, path, body)))
            self._arrived.set()
            if accepted and found:
                self.uploads.append(Upload(method, path, body))
                self.received.set()
                await self._release.wait()
            status = "200 OK" if accepted else "405 Method Not Allowed"
            if accepted and not found:
                status = "404 Not Found"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _serve(
    ctx: CaseContext,
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    release: Callable[[], None],
) -> tuple[asyncio.Server, str]:
    """Listen on the mock CSMS's host (the address the station already reaches; 127.0.0.1
    for a wildcard) on a free port; the case's clean-up releases what is held and closes it.
    Returns the server and its http://host:port base."""
    host = urlsplit(ctx.dut.connection.endpoint).hostname
    if host in (None, "", "0.0.0.0", "::"):
        host = "127.0.0.1"
    server = await asyncio.start_server(handle, host, 0)
    port = server.sockets[0].getsockname()[1]

    async def close() -> None:
        release()
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), ctx.timeouts.message)

    ctx.defer(close)
    return server, f"http://{host}:{port}"


async def upload_server(ctx: CaseContext, path: str = "/upload") -> HeldUploadServer:
    """Start the server; the case's clean-up releases any held upload and closes it."""
    server = HeldUploadServer(_path=path)
    server._server, base = await _serve(ctx, server._handle, server.release)
    server.url = f"{base}{path}"
    server.missing_url = f"{base}/no-such-directory"
    return server


# -- firmware download (L01) ------------------------------------------------------------------


@dataclass
class FileServer:
    """Serves files by name with GET (the firmware of the L01 cases). With `hold` set, a
    request is answered only once the case calls `release()`, so the station's download stays
    in progress as long as the case needs (TC_F_19_CS, TC_L_10_CS)."""

    base_url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)  # the paths the station asked for
    requested: asyncio.Event = field(default_factory=asyncio.Event)
    hold: bool = False
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def release(self) -> None:
        self._release.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await reader.readline()).decode(errors="replace").split()
            while (await reader.readline()).strip():
                pass
            method, path = [*request, "", ""][:2]
            name = path.split("?", 1)[0].rsplit("/", 1)[-1]
            if method == "GET":
                self.requests.append(path)
                self.requested.set()
                if self.hold:
                    await self._release.wait()
            body = self.files.get(name) if method == "GET" else None
            status = "200 OK" if body is not None else "404 Not Found"
            body = body or b""
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def download_server(
    ctx: CaseContext, files: dict[str, bytes], *, hold: bool = False
) -> FileServer:
    """Start a file server (on the mock CSMS's host, like `upload_server`); the case's clean-up
    releases any held request and closes it."""
    server = FileServer(files=dict(files), hold=hold)
    server._server, base = await _serve(ctx, server._handle, server.release)
    server.base_url = f"{base}/firmware"
    return server
