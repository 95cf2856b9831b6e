"""MockCsms: the harness as CSMS, for cases whose DUT is a charging station.

It listens, checks each station's handshake, and hands every connection to the case as a
`Session`. It lives for the whole run (a real station stays connected between cases), so
`wait_for_station` can return the current connection or wait for the next one (after a
reboot or a dropped connection).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Mapping

from websockets.asyncio.server import ServerConnection

from conformance.ocppj import OcppVersion
from conformance.roles.connection_log import ConnectionLog
from conformance.roles.csms_defaults import defaults_for
from conformance.roles.tokens import TokenBook
from conformance.session import Responder, Session, SessionInfo, Timeouts
from conformance.trace import Recorder
from conformance.transport.server import Handshake, OcppServer


class MockCsms:
    def __init__(
        self,
        *,
        version: OcppVersion,
        recorder: Recorder,
        host: str = "127.0.0.1",
        port: int = 0,
        path_prefix: str = "/ocpp",
        timeouts: Timeouts | None = None,
        tokens: TokenBook | None = None,
        heartbeat_interval: int = 60,
        passwords: Mapping[str, str] | Callable[[str], str | None] | None = None,
        require_auth: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        answer_invalid: bool = False,
    ) -> None:
        self.version = version
        self.recorder = recorder
        self.timeouts = timeouts or Timeouts()
        self.tokens = tokens or TokenBook()
        self.heartbeat_interval = heartbeat_interval
        self.answer_invalid = answer_invalid
        self._passwords = passwords
        self.server = OcppServer(
            self._on_connection,
            version=version,
            host=host,
            port=port,
            path_prefix=path_prefix,
            passwords=passwords,
            require_auth=require_auth,
            ssl_context=ssl_context,
        )
        self.sessions: dict[str, Session] = {}
        # Case-level responders for connections that open later (e.g. the BootNotification
        # after a reboot must be answered Pending): copied into each new session. The case
        # that sets them removes them when it ends.
        self.new_session_responders: dict[str, Responder] = {}
        self.connection_count: dict[str, int] = {}
        # What each station said on its current connection, across cases.
        self.logs: dict[str, ConnectionLog] = {}
        # Further listeners a case opened (open_endpoint), and the URL of the listener each
        # station's current connection came in on.
        self.endpoints: list[OcppServer] = []
        self.connected_via: dict[str, str] = {}
        self._changed = asyncio.Condition()

    @property
    def port(self) -> int:
        return self.server.port

    def url(self, station_id: str | None = None) -> str:
        return self.server.url(station_id)

    async def start(self) -> None:
        await self.server.start()

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            if not session.closed.is_set():
                await session.close(1001, "harness shutting down")
        for endpoint in list(self.endpoints):
            await self.close_endpoint(endpoint)
        await self.server.close()

    async def open_endpoint(
        self, *, ssl_context: ssl.SSLContext | None = None, accept: bool = True
    ) -> OcppServer:
        """Listen on a second port as well, e.g. the "new CSMS" a station migrates to (B10).

        Stations connecting there become sessions of this mock CSMS like on the main listener
        (same path prefix and passwords; `ssl_context` may carry another server certificate);
        `connected_via` tells which listener a connection came in on. `accept=False` refuses
        every handshake (HTTP 401), each attempt recorded in the listener's `refusals`. The
        case closes it again with `close_endpoint` (its open connections are closed)."""
        main = self.server
        server = OcppServer(
            self._on_connection,
            version=self.version,
            host=main.host,
            port=0,
            path_prefix=main.path_prefix,
            passwords=self._passwords,
            require_auth=main.require_auth or not accept,
            ssl_context=ssl_context,
        )
        server.password_overrides = main.password_overrides  # the same credentials
        if not accept:
            server.authenticator = _refuse_all
        await server.start()
        self.endpoints.append(server)
        self.recorder.trace.record(
            "event",
            "harness",
            f"mock CSMS: second endpoint {server.url()} opened"
            + ("" if accept else " (refusing every connection)"),
        )
        return server

    async def close_endpoint(self, server: OcppServer) -> None:
        """Stop a listener opened with `open_endpoint`."""
        if server in self.endpoints:
            self.endpoints.remove(server)
        await server.close()
        self.recorder.trace.record("event", "harness", f"mock CSMS: endpoint {server.url()} closed")

    def _listener_url(self, conn: ServerConnection) -> str:
        try:
            port = conn.local_address[1]
        except (TypeError, IndexError):
            return self.server.url()
        for server in (self.server, *self.endpoints):
            if server.port == port:
                return server.url()
        return self.server.url()

    async def _on_connection(self, conn: ServerConnection, hs: Handshake) -> None:
        session = Session(
            conn,
            version=self.version,
            station_id=hs.station_id,
            side="csms",
            recorder=self.recorder,
            timeouts=self.timeouts,
            info=SessionInfo(hs.subprotocol, hs.offered, hs.path, str(conn.remote_address), hs.tls),
            answer_invalid=self.answer_invalid,
        )
        session.defaults = defaults_for(self.version, self.tokens, self.heartbeat_interval)
        session.responders.update(self.new_session_responders)
        self.logs[hs.station_id] = ConnectionLog.attach(session)
        self.recorder.trace.record(
            "event",
            hs.station_id,
            f"station connected: path {hs.path}, offered {list(hs.offered)}, "
            f"selected {hs.subprotocol!r}" + (f", TLS {hs.tls}" if hs.tls else ""),
        )
        for problem in hs.findings:
            self.recorder.findings.violation(problem)
        previous = self.sessions.get(hs.station_id)
        async with self._changed:
            self.sessions[hs.station_id] = session
            self.connected_via[hs.station_id] = self._listener_url(conn)
            self.connection_count[hs.station_id] = self.connection_count.get(hs.station_id, 0) + 1
            self._changed.notify_all()
        if previous is not None and not previous.closed.is_set():
            # OCPP 2.0.1 Part 4 5.3: a new connection from the same id replaces the old one.
            await previous.close(1000, "replaced by a new connection")
        reader = session.start()
        await reader

    def refuse_next_connection(self, station_id: str) -> asyncio.Future[float]:
        """Refuse the station's next connection attempt at the handshake (HTTP 401), as a
        CSMS that does not accept the reconnect; later attempts are accepted as before. The
        future gets the monotonic time of the refused attempt."""
        refused: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        server = self.server
        authenticator, required = server.authenticator, server.require_auth

        def refuse_once(
            sid: str, creds: tuple[str, str] | None, expected: str | None
        ) -> str | None:
            if sid != station_id or refused.done():
                return authenticator(sid, creds, expected) if required else None
            server.authenticator, server.require_auth = authenticator, required
            refused.set_result(time.monotonic())
            self.recorder.trace.record("event", sid, "the harness refused this connection attempt")
            return "the harness does not accept this connection attempt"

        server.authenticator, server.require_auth = refuse_once, True
        return refused

    def current(self, station_id: str) -> Session | None:
        s = self.sessions.get(station_id)
        return s if s is not None and not s.closed.is_set() else None

    async def wait_for_station(
        self, station_id: str, timeout: float, *, after: int | None = None
    ) -> Session:
        """The open connection of `station_id`; with `after=N`, one newer than the N-th.

        Raises TimeoutError when none comes in time (the caller turns it into a finding).
        """

        def ready() -> bool:
            count = self.connection_count.get(station_id, 0)
            if after is not None and count <= after:
                return False
            return self.current(station_id) is not None

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        session = self.sessions[station_id]
        return session


def _refuse_all(station_id: str, creds: tuple[str, str] | None, expected: str | None) -> str:
    """The authenticator of an endpoint that accepts no station (open_endpoint(accept=False))."""
    return "this endpoint does not accept connections"
