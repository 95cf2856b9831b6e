"""One OCPP-J WebSocket as a reference DUT sees it: framing both ways, for any version and side.

The reference station and the reference CSMS, 1.6 and 2.0.1, all need the same thing from a
connection: parse what the peer sends with the strict codec, answer its CALLs through a
handler (or with the CallError the codec prescribes), and send their own CALLs one at a time
(OCPP-J: one outstanding CALL per side). Only the version, the actions the side accepts and
the fault knobs differ, so they are parameters here rather than four copies of the loop.

Fault points about framing live here: a reused message id, an answer under another id, a late
or missing answer, a frame sent twice, a second outstanding CALL. Faults about content live
with each simulator's handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from websockets.exceptions import ConnectionClosed

from conformance.ocppj import (
    Call,
    CallError,
    CallResult,
    OcppVersion,
    ProtocolViolation,
    Send,
    check_call,
    decode,
    serialize,
)
from conformance.sim.tasks import BackgroundTasks

log = logging.getLogger(__name__)


class WebSocket(Protocol):
    async def send(self, message: str) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(frozen=True)
class Answer:
    """What a handler decided: a result or a CallError, and what to do once it is sent."""

    payload: Mapping[str, Any] | None = None
    error: str | None = None
    description: str = ""
    then: Callable[[], Awaitable[None]] | None = None
    unique_id: str | None = None  # answer under another id (a fault)
    delay: float = 0.0  # answer late (a fault)
    silent: bool = False  # never answer (a fault)


# Synchronous for the stations (the read loop must not wait on their own CALLs), asynchronous
# where answering needs I/O first (the CSMS's bookkeeping).
Handler = Callable[[Call], Answer | Awaitable[Answer]]


class PeerLink:
    """The reference DUT's end of one connection."""

    def __init__(
        self,
        ws: WebSocket,
        handler: Handler,
        *,
        version: OcppVersion,
        supported: frozenset[str],
        name: str = "",
        id_prefix: str = "",
        reuse_ids: bool = False,
        cancel_tasks_on_close: bool = False,
    ) -> None:
        self.ws = ws
        self.handler = handler
        self.version = version
        self.supported = supported
        self.name = name  # for the log: which station this link is
        self.reuse_ids = reuse_ids
        # A CSMS drops a station's follow-up work with its connection; a station keeps its
        # own (a reboot after Reset closes the link itself) until it shuts down.
        self.cancel_tasks_on_close = cancel_tasks_on_close
        self.closed = asyncio.Event()
        self._pending: dict[str, asyncio.Future[CallResult | CallError]] = {}
        self._lock = asyncio.Lock()
        self._ids = itertools.count(1)
        self._prefix = f"{id_prefix}{uuid.uuid4().hex[:8]}"
        self._last_id = ""
        self._tasks = BackgroundTasks(log, f"{name or version} link")

    def next_id(self) -> str:
        if self.reuse_ids and self._last_id:
            return self._last_id  # fault: the same id for every CALL on this connection
        self._last_id = f"{self._prefix}-{next(self._ids)}"
        return self._last_id

    # -- receiving -------------------------------------------------------------------------

    async def run(self) -> None:
        """Read frames until the socket closes."""
        try:
            while True:
                await self._on_frame(await self.ws.recv())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # closed or broken: the peer is gone
            log.debug("%s link ended: %r", self.name, exc)
        finally:
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("connection closed"))
                    fut.exception()  # retrieved: the caller may already have given up
            if self.cancel_tasks_on_close:
                self.cancel_tasks()

    async def _on_frame(self, raw: str | bytes) -> None:
        try:
            frame = decode(raw, self.version)
        except ProtocolViolation as pv:
            if pv.reply_code is not None:
                await self._send_error(pv.unique_id or "-1", pv.reply_code, pv.detail)
            return
        if isinstance(frame, Send):
            return
        if isinstance(frame, Call):
            try:
                check_call(frame, self.version, supported=self.supported)
            except ProtocolViolation as pv:
                if pv.reply_code is not None:
                    await self._send_error(frame.unique_id, pv.reply_code, pv.detail)
                return
            answer = await self._decide(frame)
            if answer.delay > 0:
                self.spawn(self._answer_later(frame, answer))
            else:
                await self._answer(frame, answer)
            return
        fut = self._pending.get(frame.unique_id)
        if fut is not None and not fut.done():
            fut.set_result(frame)

    async def _decide(self, call: Call) -> Answer:
        try:
            decided = self.handler(call)
            return await decided if inspect.isawaitable(decided) else decided
        except Exception as exc:  # a bug in the simulator: say so rather than go silent
            log.exception("%s handler for %s failed", self.name, call.action)
            return Answer(error="InternalError", description=repr(exc)[:255])

    def spawn(self, coro: Awaitable[None]) -> None:
        self._tasks.spawn(coro)

    async def _answer_later(self, call: Call, answer: Answer) -> None:
        # The delay IS the behaviour here (the late-response fault), not a wait for an event.
        await asyncio.sleep(answer.delay)
        await self._answer(call, answer)

    async def _answer(self, call: Call, answer: Answer) -> None:
        if not answer.silent:
            uid = answer.unique_id or call.unique_id
            if answer.error is not None:
                await self._send_error(uid, answer.error, answer.description)
            else:
                await self._send(serialize(CallResult(uid, dict(answer.payload or {}))))
        if answer.then is not None:
            self.spawn(answer.then())

    async def _send_error(self, unique_id: str, code: str, description: str) -> None:
        await self._send(serialize(CallError(unique_id, code, description[:255], {})))

    async def _send(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except Exception as exc:  # a closed socket ends the read loop anyway
            log.debug("%s could not send %s: %r", self.name, text[:80], exc)

    # -- sending ---------------------------------------------------------------------------

    def awaiting_answer(self) -> bool:
        """A CALL of ours is out and its answer has not arrived yet (E14: an answered
        message counts as delivered even before the caller has taken the answer in)."""
        return any(not fut.done() for fut in self._pending.values())

    async def call(
        self,
        action: str,
        payload: Mapping[str, Any],
        *,
        timeout: float,
        duplicate_frame: bool = False,
        exclusive: bool = True,
    ) -> CallResult | CallError:
        """Send a CALL and wait for its answer (TimeoutError / ConnectionError otherwise).

        `exclusive=False` skips the one-outstanding-CALL lock and `duplicate_frame` sends the
        frame twice under one id: both exist only to inject faults.
        """
        if not exclusive:
            return await self._call(action, payload, timeout, duplicate_frame)
        async with self._lock:
            return await self._call(action, payload, timeout, duplicate_frame)

    async def _call(
        self, action: str, payload: Mapping[str, Any], timeout: float, duplicate: bool
    ) -> CallResult | CallError:
        if self.closed.is_set():
            raise ConnectionError("connection closed")
        call = Call(self.next_id(), action, dict(payload))
        fut: asyncio.Future[CallResult | CallError] = asyncio.get_running_loop().create_future()
        self._pending[call.unique_id] = fut
        try:
            text = serialize(call)
            try:
                await self.ws.send(text)
                if duplicate:
                    await self.ws.send(text)
            except ConnectionClosed as exc:  # closed under us: what the callers handle
                raise ConnectionError(f"connection closed: {exc}") from exc
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._pending.pop(call.unique_id, None)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)

    def cancel_tasks(self) -> None:
        """At shutdown (or, for a CSMS, when the station is gone): drop follow-up work."""
        self._tasks.cancel_all()
