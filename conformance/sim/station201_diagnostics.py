"""Log upload of the reference 2.0.1 station (N01, GetLog) over HTTP.

A GetLogRequest is answered Accepted (AcceptedCanceled when an upload still runs, which is then
cancelled); the upload reports Uploading, sends the log with an HTTP PUT to the remoteLocation
and reports Uploaded (2xx) or UploadFailure. While it runs, a triggered LogStatusNotification
says Uploading with the GetLog's requestId (F06, N01).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from conformance.sim.faults import ActiveFaults

log = logging.getLogger(__name__)

Send = Callable[[str, dict[str, Any]], object]


class LogUpload:
    def __init__(self, send: Send, faults: ActiveFaults, timeout: float = 30.0) -> None:
        self._send = send
        self.faults = faults
        self.timeout = timeout  # how long one HTTP transfer may take before it counts as failed
        self.request_id: int | None = None  # the GetLog whose upload runs now
        self._task: asyncio.Task[None] | None = None

    def accept(self, p: Mapping[str, Any]) -> tuple[dict[str, Any], Callable[[], Awaitable[None]]]:
        """The GetLogResponse and the upload to start once it is on the wire."""
        status = "Accepted"
        if self._task is not None and not self._task.done():
            self._task.cancel()
            status = "AcceptedCanceled"
        request_id = int(p["requestId"])
        location = str(p["log"]["remoteLocation"])
        log_type = str(p["logType"])
        filename = f"reference-station-{log_type}.log"

        async def start() -> None:
            self.request_id = request_id
            self._task = asyncio.ensure_future(self._upload(request_id, location, filename))

        return {"status": status, "filename": filename}, start

    def trigger_status(self) -> dict[str, Any]:
        """A triggered LogStatusNotification: Uploading with the requestId while an upload
        runs, else Idle without one."""
        if self.request_id is not None and not self.faults.on("s201-trigger-log-idle-uploading"):
            return {"status": "Uploading", "requestId": self.request_id}
        return {"status": "Idle"}

    async def _upload(self, request_id: int, location: str, filename: str) -> None:
        self._send("LogStatusNotification", {"status": "Uploading", "requestId": request_id})
        body = f"reference station log, request {request_id}\n".encode()
        ok = False
        try:
            ok = await asyncio.wait_for(self._put(location, filename, body), self.timeout)
        except (TimeoutError, OSError, ValueError) as exc:
            log.info("log upload to %s failed: %s", location, exc)
        finally:
            if self.request_id == request_id:
                self.request_id = None
        self._send(
            "LogStatusNotification",
            {"status": "Uploaded" if ok else "UploadFailure", "requestId": request_id},
        )

    async def _put(self, location: str, filename: str, body: bytes) -> bool:
        url = urlsplit(location)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"unsupported log location {location!r} (only http:// here)")
        path = url.path.rstrip("/") + "/" + filename
        reader, writer = await asyncio.open_connection(url.hostname, url.port or 80)
        try:
            head = (
                f"PUT {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                f"Connection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
            status_line = await reader.readline()
            parts = status_line.decode(errors="replace").split()
            return len(parts) >= 2 and parts[1].startswith("2")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
