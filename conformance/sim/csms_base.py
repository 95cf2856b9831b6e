"""What every reference CSMS does the same way, whatever its OCPP version.

Listen for stations (id from the URL, subprotocol, basic auth, TLS), keep one link per station
id (a new connection replaces the old), send the operator's requests in the background and
record the answers, and serve the control API (`POST /verbs/<verb>`, `GET /state`). Operator
verbs return at once because the harness's mock station answers a request only after the case
has looked at it. A version's CSMS supplies its state (the bookkeeping and the answers to what
stations send), its link class, its verbs and the names of its framing faults.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, ClassVar, Protocol

from websockets.asyncio.server import ServerConnection

from conformance.ocppj import CallError, OcppVersion
from conformance.sim.control import ControlServer, VerbError, VerbHandler
from conformance.sim.csms201_link import StationLink
from conformance.sim.faults import ActiveFaults
from conformance.sim.options import CsmsOptions
from conformance.sim.tasks import BackgroundTasks
from conformance.transport.server import Handshake, OcppServer
from conformance.transport.tls import CertFiles, server_context

_log = logging.getLogger(__name__)


class StationRecordLike(Protocol):
    responses: dict[str, Any]  # the last answer per CSMS request
    next_boot: tuple[str, int] | None  # an operator's answer for the next BootNotification

    def to_json(self) -> dict[str, Any]: ...


class CsmsState(Protocol):
    """The bookkeeping a reference CSMS keeps per station id (it survives reconnects)."""

    @property
    def stations(self) -> Mapping[str, StationRecordLike]: ...

    def record(self, station_id: str) -> StationRecordLike: ...


class ReferenceCsmsBase:
    """The common half of a `Simulator` for `ocpp-conformance sim csms`."""

    version: OcppVersion  # a class default; the 2.0.1 CSMS also serves 2.1
    verb_names: ClassVar[tuple[str, ...]]
    fault_prefix: ClassVar[str]  # "c16-", "c201-": the framing faults are named alike
    peer: ClassVar[str] = "station"  # what the verbs' errors call the other side
    blocking_call: ClassVar[tuple[str, Mapping[str, Any]]]  # see second_call

    def __init__(self, options: CsmsOptions, faults: ActiveFaults, state: CsmsState) -> None:
        self.options = options
        self.faults = faults
        self.state = state
        self.links: dict[str, StationLink] = {}
        self.server: OcppServer | None = None
        self.control: ControlServer | None = None
        self._stopped = asyncio.Event()
        self._tasks = BackgroundTasks(_log, "CSMS")
        self.call_timeout = float(options.extra.get("call_timeout", 60.0))

    # -- what a version supplies -----------------------------------------------------------

    def new_link(self, conn: ServerConnection, station_id: str) -> StationLink:
        raise NotImplementedError

    def on_connected(self, station_id: str) -> None:
        """A station connected (before its first frame): note it in the state."""
        self.state.record(station_id)

    def server_options(self) -> dict[str, Any]:
        """Extra `OcppServer` arguments (subprotocol policy, an authenticator, ...)."""
        return {}

    def second_call(self, link: StationLink) -> Coroutine[Any, Any, CallError | Any]:
        """The CALL the second-outstanding-call fault keeps open while it sends the
        operator's: one the harness's mock station plays no part in (Smart Charging), so it
        stays unanswered and the operator's request is a second outstanding CALL whatever
        the timing. (A copy of the operator's request would be answered at once, and the
        breach would show only when the two frames happened to cross.)"""
        action, payload = self.blocking_call
        return link.call(action, dict(payload), timeout=self.call_timeout, exclusive=False)

    def fault(self, name: str) -> bool:
        return self.faults.on(self.fault_prefix + name)

    # -- lifecycle -------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext | None:
        o = self.options
        if o.security_profile < 2 or o.server_cert is None or o.server_key is None:
            return None
        return server_context(
            CertFiles(o.server_cert, o.server_key),
            client_ca=o.ca_cert if o.security_profile == 3 else None,
        )

    async def start(self) -> dict[str, str]:
        o = self.options
        self.server = OcppServer(
            self._on_connection,
            version=self.version,
            host=o.host,
            port=o.port,
            path_prefix=o.path_prefix,
            passwords=o.passwords or None,
            ssl_context=self._ssl_context(),
            require_auth=o.security_profile in (1, 2),
            **self.server_options(),
        )
        await self.server.start()
        self.control = ControlServer(
            self._verbs(), self.state_json, host=o.control_host, port=o.control_port
        )
        await self.control.start()
        return {"ocpp": self.server.url(), "control": self.control.url}

    async def stop(self) -> None:
        self._tasks.cancel_all()
        for link in list(self.links.values()):
            await link.close()
        if self.control is not None:
            await self.control.close()
        if self.server is not None:
            await self.server.close()
        self._stopped.set()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    async def _on_connection(self, conn: ServerConnection, hs: Handshake) -> None:
        station_id = hs.station_id
        link = self.new_link(conn, station_id)
        previous = self.links.get(station_id)
        self.links[station_id] = link
        self.on_connected(station_id)
        if previous is not None:
            await previous.close()  # a new connection with the same id replaces the old one
        try:
            await link.run()
        finally:
            if self.links.get(station_id) is link:
                del self.links[station_id]

    def state_json(self) -> Mapping[str, Any]:
        return {
            "stations": {
                sid: {"connected": sid in self.links, **rec.to_json()}
                for sid, rec in self.state.stations.items()
            }
        }

    # -- sending the CSMS's requests -------------------------------------------------------

    def _link(self, args: Mapping[str, Any]) -> StationLink:
        station_id = args.get("station_id")
        if not station_id:
            raise VerbError("station_id is required")
        link = self.links.get(str(station_id))
        if link is None or link.closed.is_set():
            raise VerbError(f"{self.peer} {station_id!r} is not connected")
        return link

    def _send(self, args: Mapping[str, Any], action: str, payload: dict[str, Any]) -> Any:
        """Send `action` to the station the verb names, in the background; return at once."""
        link = self._link(args)
        self.spawn(self._perform(link, action, payload))
        return {"action": action, "request": payload}

    def spawn(self, coro: Awaitable[None]) -> None:
        self._tasks.spawn(coro)

    async def _perform(self, link: StationLink, action: str, payload: dict[str, Any]) -> None:
        rec = self.state.record(link.station_id)
        twice = self.fault("second-outstanding-call")
        calls = [self.second_call(link)] if twice else []
        calls.append(
            link.call(
                action,
                payload,
                timeout=self.call_timeout,
                duplicate_frame=self.fault("duplicate-message-id"),
                exclusive=not twice,
            )
        )
        answer = (await asyncio.gather(*calls, return_exceptions=True))[-1]
        if isinstance(answer, BaseException):
            rec.responses[action] = {"error": repr(answer)}
        elif isinstance(answer, CallError):
            rec.responses[action] = {"callError": answer.error_code}
        else:
            rec.responses[action] = answer.payload

    # -- operator verbs --------------------------------------------------------------------

    def verb_set_boot_status(self, args: Mapping[str, Any]) -> Any:
        """How the CSMS answers the station's next BootNotification (B02/B03, TC_002)."""
        status = str(args.get("status") or "Accepted")
        if status not in ("Accepted", "Pending", "Rejected"):
            raise ValueError(f"status must be Accepted, Pending or Rejected, not {status!r}")
        interval = int(args.get("interval") or self.options.heartbeat_interval)
        station_id = args.get("station_id")
        if not station_id:
            raise VerbError("station_id is required")
        self.state.record(str(station_id)).next_boot = (status, interval)
        return {"status": status, "interval": interval}

    def _verbs(self) -> dict[str, VerbHandler]:
        def wrap(method: Callable[[dict[str, Any]], Any]) -> VerbHandler:
            async def handler(args: dict[str, Any]) -> Mapping[str, Any] | None:
                result: Mapping[str, Any] | None = method(args)
                return result

            return handler

        return {n: wrap(getattr(self, f"verb_{n}")) for n in self.verb_names}
