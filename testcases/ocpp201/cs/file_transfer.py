"""A local HTTP server the OCPP 2.0.1 charging-station cases start to take a file transfer.

The log-upload cases need the station to be busy uploading while they check something (e.g. a
triggered LogStatusNotification during the upload, TC_F_16_CS). The server takes the upload
(PUT or POST), records it and holds its answer until the case releases it, so the transfer
stays open exactly as long as the case needs. It listens on the host of the mock CSMS's
endpoint (the address the station already reaches; 127.0.0.1 when that is a wildcard) on a
free port, and is closed when the case ends.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None

    def release(self) -> None:
        """Answer the held upload(s) 200 OK: the transfer completes."""
        self._release.set()

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
            if accepted:
                self.uploads.append(Upload(method, path, body))
                self.received.set()
                await self._release.wait()
            status = "200 OK" if accepted else "405 Method Not Allowed"
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


async def upload_server(ctx: CaseContext, path: str = "/upload") -> HeldUploadServer:
    """Start the server; the case's clean-up releases any held upload and closes it."""
    host = urlsplit(ctx.dut.connection.endpoint).hostname
    if host in (None, "", "0.0.0.0", "::"):
        host = "127.0.0.1"
    server = HeldUploadServer()
    server._server = await asyncio.start_server(server._handle, host, 0)
    port = server._server.sockets[0].getsockname()[1]
    server.url = f"http://{host}:{port}{path}"

    async def close() -> None:
        server.release()
        if server._server is not None:
            server._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server._server.wait_closed(), ctx.timeouts.message)

    ctx.defer(close)
    return server
