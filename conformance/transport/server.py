"""The WebSocket server side of OCPP-J (the mock CSMS listens here).

It checks, rather than assumes, what a station does during the handshake: the station id in
the URL path, the OCPP subprotocol it offers, and (security profiles 1-2) HTTP basic auth with
the station id as user name. What it finds is handed to the connection handler as
`Handshake.findings`, so it ends up in the case that owns the connection.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import unquote

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from conformance.ocppj import OcppVersion


@dataclass
class Handshake:
    """What the server learned while accepting one station."""

    station_id: str
    path: str
    offered: tuple[str, ...]
    subprotocol: str | None
    authenticated_as: str | None = None
    findings: list[str] = field(default_factory=list)
    tls: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """A handshake the server refused with 401, and why (never the password itself)."""

    at: float  # time.monotonic()
    station_id: str
    reason: str


Handler = Callable[[ServerConnection, Handshake], Awaitable[None]]
# (station id from the URL, the parsed Basic credentials or None, the password on record)
# -> why the handshake is refused, or None to accept it.
Authenticator = Callable[[str, tuple[str, str] | None, str | None], str | None]
# (station id, the TLS session or None) -> None: authenticate as usual (basic auth when
# required); "": the station is authenticated by its client certificate (security profile 3,
# no basic auth); any other text: why the handshake is refused.
Admission = Callable[[str, ssl.SSLObject | None], str | None]


def check_basic_auth(
    station_id: str, creds: tuple[str, str] | None, expected: str | None
) -> str | None:
    """OCPP 2.0.1 A00.FR.202/203 (1.6 security whitepaper likewise): HTTP Basic with the
    station id as user name and the station's own password. The reason never quotes it."""
    if creds is None:
        return "no Authorization header with HTTP Basic user:password"
    if creds[0] != station_id:
        return f"the user name {creds[0][:40]!r} is not the station id"
    if expected is None or not hmac.compare_digest(creds[1].encode(), expected.encode()):
        return "wrong password"
    return None


def parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic ...` header, or None if absent/garbled."""
    if not header or not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def basic_auth_header(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class OcppServer:
    """Accepts stations at `ws[s]://host:port/<prefix>/<station id>` for one OCPP version."""

    def __init__(
        self,
        handler: Handler,
        *,
        version: OcppVersion,
        host: str = "127.0.0.1",
        port: int = 0,
        path_prefix: str = "/ocpp",
        passwords: Mapping[str, str] | Callable[[str], str | None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        require_auth: bool = False,
        reject_unsupported_subprotocol: bool = False,
        authenticator: Authenticator = check_basic_auth,
        admission: Admission | None = None,
    ) -> None:
        self.handler = handler
        self.version = version
        self.host = host
        self.port = port
        self.path_prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        self._passwords = passwords
        self.ssl_context = ssl_context
        self.require_auth = require_auth
        self.authenticator = authenticator  # the reference CSMS's faults swap it
        # Per-station TLS admission before basic auth: the reference CSMS's stations that
        # were upgraded to security profile 3 (A05) present a client certificate instead.
        self.admission = admission
        # A CSMS must refuse a station that offers none of its OCPP versions (TC_B_58_CSMS);
        # the mock CSMS instead accepts and records a finding, so it is off by default.
        self.reject_unsupported_subprotocol = reject_unsupported_subprotocol
        self._server: Server | None = None
        self.refusals: list[Refusal] = []
        self.password_overrides: dict[str, str] = {}
        self._offered: dict[int, tuple[str, ...]] = {}
        self._auth_user: dict[int, str] = {}

    @property
    def scheme(self) -> str:
        return "wss" if self.ssl_context else "ws"

    def url(self, station_id: str | None = None) -> str:
        base = f"{self.scheme}://{self.host}:{self.port}{self.path_prefix}"
        return f"{base}/{station_id}" if station_id else base

    def set_password(self, station_id: str, password: str | None) -> None:
        """Expect `password` from `station_id` from now on (None: back to the configured
        one), e.g. after a SetVariables of SecurityCtrlr.BasicAuthPassword (A01)."""
        if password is None:
            self.password_overrides.pop(station_id, None)
        else:
            self.password_overrides[station_id] = password

    def _password_for(self, station_id: str) -> str | None:
        if station_id in self.password_overrides:
            return self.password_overrides[station_id]
        if self._passwords is None:
            return None
        if callable(self._passwords):
            return self._passwords(station_id)
        return self._passwords.get(station_id)

    def _station_id(self, path: str) -> str | None:
        path = path.split("?", 1)[0]
        if self.path_prefix and not path.startswith(self.path_prefix + "/"):
            return None
        rest = path[len(self.path_prefix) + 1 :]
        if not rest or "/" in rest:
            return None
        return unquote(rest)

    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        station_id = self._station_id(request.path)
        if station_id is None:
            # Recorded like a refusal: a station dialling a URL where this server has no OCPP
            # endpoint made a connection attempt that failed (B10 fallback cases count them).
            self.refusals.append(
                Refusal(time.monotonic(), "", f"no OCPP endpoint at {request.path}")
            )
            return conn.respond(
                HTTPStatus.NOT_FOUND,
                f"expected {self.path_prefix}/<station id> in the URL, got {request.path}\n",
            )
        self._offered[id(conn)] = tuple(
            p.strip()
            for value in request.headers.get_all("Sec-WebSocket-Protocol")
            for p in value.split(",")
            if p.strip()
        )
        if (
            self.reject_unsupported_subprotocol
            and self.version.subprotocol not in self._offered[id(conn)]
        ):
            self._offered.pop(id(conn), None)
            return conn.respond(
                HTTPStatus.BAD_REQUEST,
                f"unsupported WebSocket subprotocol: this server speaks "
                f"{self.version.subprotocol}\n",
            )
        by_certificate = False
        if self.admission is not None:
            ssl_obj = conn.transport.get_extra_info("ssl_object") if conn.transport else None
            problem = self.admission(station_id, ssl_obj)
            if problem:
                self.refusals.append(Refusal(time.monotonic(), station_id, problem))
                return conn.respond(HTTPStatus.UNAUTHORIZED, "authentication failed\n")
            by_certificate = problem == ""
        if self.require_auth and not by_certificate:
            creds = parse_basic_auth(request.headers.get("Authorization"))
            problem = self.authenticator(station_id, creds, self._password_for(station_id))
            if problem is not None:
                self.refusals.append(Refusal(time.monotonic(), station_id, problem))
                response = conn.respond(HTTPStatus.UNAUTHORIZED, "authentication failed\n")
                response.headers["WWW-Authenticate"] = 'Basic realm="OCPP"'
                return response
            self._auth_user[id(conn)] = station_id
        return None

    def _select_subprotocol(
        self, conn: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        wanted = self.version.subprotocol
        return Subprotocol(wanted) if wanted in offered else None

    async def _handle(self, conn: ServerConnection) -> None:
        key = id(conn)
        offered = self._offered.pop(key, ())
        request = conn.request
        path = request.path if request else ""
        hs = Handshake(
            station_id=self._station_id(path) or "",
            path=path,
            offered=offered,
            subprotocol=conn.subprotocol,
            authenticated_as=self._auth_user.pop(key, None),
        )
        wanted = self.version.subprotocol
        if not offered:
            hs.findings.append(
                f"the station offered no WebSocket subprotocol; it must offer {wanted!r}"
            )
        elif wanted not in offered:
            hs.findings.append(f"the station offered {', '.join(offered)} but not {wanted!r}")
        ssl_obj = conn.transport.get_extra_info("ssl_object") if conn.transport else None
        if ssl_obj is not None:
            from conformance.transport.tls import peer_certificate_summary

            hs.tls = peer_certificate_summary(ssl_obj)
        await self.handler(conn, hs)

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            subprotocols=[Subprotocol(self.version.subprotocol)],
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            ssl=self.ssl_context,
            compression=None,
            ping_interval=None,
            max_size=4 * 1024 * 1024,
        )
        if self.port == 0:
            sock = next(iter(self._server.sockets))
            self.port = sock.getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def restart(self, ssl_context: ssl.SSLContext | None) -> None:
        """Listen again on the same port with another TLS context (None: plain ws://).

        Open connections are closed (1001), as when a real CSMS restarts its endpoint with
        a new certificate; a station then reconnects to the same URL."""
        await self.close()
        self.ssl_context = ssl_context
        await self.start()

    async def __aenter__(self) -> OcppServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
