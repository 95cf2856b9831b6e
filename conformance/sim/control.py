"""A tiny HTTP/1.1 JSON control API for the reference DUTs (stdlib asyncio only).

`POST /verbs/<verb>` with a JSON object of arguments performs an operator verb;
`GET /state` returns the simulator's state as JSON; `GET /health` answers `{"ok": true}`.
The `reference` operator driver talks to this, and so can a person with curl.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

VerbHandler = Callable[[dict[str, Any]], Awaitable[Mapping[str, Any] | None]]


class VerbError(Exception):
    """A verb that cannot be done now (wrong state, bad argument): HTTP 409 with the reason."""


class ControlServer:
    def __init__(
        self,
        verbs: Mapping[str, VerbHandler],
        state: Callable[[], Mapping[str, Any]],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.verbs = dict(verbs)
        self.state = state
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                method, path, _ = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    k, _, v = line.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                status, payload = await self._dispatch(method, path, body)
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    f"\r\n".encode()
                    + data
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _dispatch(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if method == "GET" and path == "/health":
            return 200, {"ok": True}
        if method == "GET" and path == "/state":
            return 200, dict(self.state())
        if method == "POST" and path.startswith("/verbs/"):
            name = path[len("/verbs/") :]
            handler = self.verbs.get(name)
            if handler is None:
                return 404, {"ok": False, "error": f"unknown verb {name!r}"}
            try:
                args = json.loads(body or b"{}")
                if not isinstance(args, dict):
                    raise ValueError("body must be a JSON object")
            except ValueError as exc:
                return 400, {"ok": False, "error": f"bad JSON body: {exc}"}
            try:
                result = await handler(args)
            except VerbError as exc:
                return 409, {"ok": False, "error": str(exc)}
            except (KeyError, TypeError, ValueError) as exc:
                return 400, {"ok": False, "error": f"bad arguments: {exc!r}"}
            return 200, {"ok": True, **(dict(result) if result else {})}
        return 404, {"ok": False, "error": f"no route {method} {path}"}
