"""Log upload of the reference 2.0.1 station (N01, GetLog) over HTTP.

The station keeps a journal of what it did: every CALL it queues for the CSMS, time-stamped.
A DiagnosticsLog is that journal; a SecurityLog is its security events (the
SecurityEventNotifications, A04). A GetLogRequest is answered Accepted, or AcceptedCanceled
when an upload still runs: that upload is cancelled and reported AcceptedCanceled under its
own requestId (N01.FR.03). The upload reports Uploading, sends the log entries between the
request's oldestTimestamp and latestTimestamp with an HTTP PUT to the remoteLocation, and
reports Uploaded (2xx) or, after `retries` more attempts `retryInterval` seconds apart,
UploadFailure. While it runs, a triggered LogStatusNotification says Uploading with the
GetLog's requestId (F06, N01).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from conformance.sim.faults import ActiveFaults

log = logging.getLogger(__name__)

Send = Callable[[str, dict[str, Any]], object]

SECURITY_EVENTS = frozenset({"SecurityEventNotification"})
DEFAULT_RETRY_INTERVAL = 1  # s between attempts when a GetLog gives retries but no interval


def _utc(text: str) -> _dt.datetime:
    when = _dt.datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


# Customer data stays out of the log files (N10: clearing a customer leaves none behind).
_CUSTOMER_KEYS = frozenset({"idToken", "groupIdToken", "customerIdentifier", "data"})


def _without_customer_data(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: "***" if k in _CUSTOMER_KEYS else _without_customer_data(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_customer_data(v) for v in value]
    return value


@dataclass(frozen=True)
class Entry:
    when: _dt.datetime
    action: str
    text: str


class Journal:
    """The station's log: one time-stamped line per CALL it queues for the CSMS."""

    def __init__(self, capacity: int = 2000) -> None:
        self._entries: deque[Entry] = deque(maxlen=capacity)

    def sent(self, action: str, payload: Mapping[str, Any]) -> None:
        text = json.dumps(_without_customer_data(payload), separators=(",", ":"), sort_keys=True)
        self._entries.append(Entry(_dt.datetime.now(_dt.UTC), action, text[:300]))

    def lines(
        self, log_type: str, oldest: _dt.datetime | None, latest: _dt.datetime | None
    ) -> list[str]:
        out = []
        for e in self._entries:
            if log_type == "SecurityLog" and e.action not in SECURITY_EVENTS:
                continue
            if (oldest is not None and e.when < oldest) or (latest is not None and e.when > latest):
                continue
            stamp = e.when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            out.append(f"{stamp} {e.action} {e.text}")
        return out


class LogUpload:
    def __init__(self, send: Send, faults: ActiveFaults, timeout: float = 30.0) -> None:
        self._send = send
        self.faults = faults
        self.timeout = timeout  # how long one HTTP transfer may take before it counts as failed
        self.journal = Journal()
        self.request_id: int | None = None  # the GetLog whose upload runs now
        self._task: asyncio.Task[None] | None = None

    def accept(self, p: Mapping[str, Any]) -> tuple[dict[str, Any], Callable[[], Awaitable[None]]]:
        """The GetLogResponse and the upload to start once it is on the wire."""
        log_type = str(p["logType"])
        if log_type == "SecurityLog" and self.faults.on("s201-security-log-rejected"):

            async def nothing() -> None:
                return None

            return {"status": "Rejected"}, nothing
        status = "Accepted"
        canceled: int | None = None
        if self._task is not None and not self._task.done():
            self._task.cancel()  # N01.FR.03: the new request replaces the running upload
            canceled = self.request_id
            status = "AcceptedCanceled"
        request_id = int(p["requestId"])
        params = p["log"]
        location = str(params["remoteLocation"])
        oldest = _utc(params["oldestTimestamp"]) if params.get("oldestTimestamp") else None
        latest = _utc(params["latestTimestamp"]) if params.get("latestTimestamp") else None
        retries = max(0, int(p.get("retries", 0)))
        interval = max(0, int(p.get("retryInterval", DEFAULT_RETRY_INTERVAL)))
        filename = f"reference-station-{log_type}-{request_id}.log"
        lines = self.journal.lines(log_type, oldest, latest)
        header = f"# reference station {log_type}, GetLog requestId {request_id}"
        body = "\n".join([header, *(lines or ["# no entries in the requested period"])]) + "\n"

        async def start() -> None:
            if canceled is not None and not self.faults.on("s201-log-cancel-not-reported"):
                self._send(
                    "LogStatusNotification", {"status": "AcceptedCanceled", "requestId": canceled}
                )
            self.request_id = request_id
            self._task = asyncio.ensure_future(
                self._upload(request_id, location, filename, body.encode(), retries, interval)
            )

        return {"status": status, "filename": filename}, start

    def trigger_status(self) -> dict[str, Any]:
        """A triggered LogStatusNotification: Uploading with the requestId while an upload
        runs, else Idle without one."""
        if self.request_id is not None and not self.faults.on("s201-trigger-log-idle-uploading"):
            return {"status": "Uploading", "requestId": self.request_id}
        return {"status": "Idle"}

    async def _upload(
        self,
        request_id: int,
        location: str,
        filename: str,
        body: bytes,
        retries: int,
        interval: int,
    ) -> None:
        self._send("LogStatusNotification", {"status": "Uploading", "requestId": request_id})
        attempts = 1 if self.faults.on("s201-log-no-retries") else 1 + retries
        ok = False
        try:
            for attempt in range(attempts):
                if attempt:
                    # The GetLog's retryInterval between two attempts IS the behaviour (N01).
                    await asyncio.sleep(interval)
                try:
                    ok = await asyncio.wait_for(self._put(location, filename, body), self.timeout)
                except (TimeoutError, OSError, ValueError) as exc:
                    log.info("log upload to %s failed: %s", location, exc)
                    ok = False
                if ok:
                    break
        finally:
            if self.request_id == request_id:
                self.request_id = None
        reported = request_id
        if ok and self.faults.on("s201-log-uploaded-wrong-request-id"):
            reported = request_id + 1
        self._send(
            "LogStatusNotification",
            {"status": "Uploaded" if ok else "UploadFailure", "requestId": reported},
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
