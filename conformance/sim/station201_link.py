"""The reference station's end of one CSMS connection: OCPP-J framing both ways.

Incoming CALLs are parsed with the strict codec and answered by a synchronous handler (so the
read loop never blocks on the station's own CALLs); work that must follow the answer (a
TriggerMessage's message, a reboot after Reset) runs after the answer is on the wire. The
station's own CALLs go out one at a time (OCPP-J: one outstanding CALL per side). Fault
points about framing (reused message id, answer under another id, late or no answer) live here.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

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

log = logging.getLogger(__name__)

V201 = OcppVersion.V201


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


Handler = Callable[[Call], Answer]


class CsmsLink:
    """One WebSocket to the CSMS, as the station sees it."""

    def __init__(
        self,
        ws: WebSocket,
        handler: Handler,
        *,
        supported: frozenset[str],
        reuse_ids: bool = False,
    ) -> None:
        self.ws = ws
        self.handler = handler
        self.supported = supported
        self.reuse_ids = reuse_ids
        self.closed = asyncio.Event()
        self._pending: dict[str, asyncio.Future[CallResult | CallError]] = {}
        self._lock = asyncio.Lock()
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._last_id = ""
        self._tasks: set[asyncio.Task[None]] = set()

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
                raw = await self.ws.recv()
                await self._on_frame(raw)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # closed or broken: the CSMS is gone
            log.debug("link ended: %r", exc)
        finally:
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("connection closed"))
                    fut.exception()  # retrieved: the caller may already have given up

    async def _on_frame(self, raw: str | bytes) -> None:
        try:
            frame = decode(raw, V201)
        except ProtocolViolation as pv:
            if pv.reply_code is not None:
                await self._send_error(pv.unique_id or "-1", pv.reply_code, pv.detail)
            return
        if isinstance(frame, Send):
            return
        if isinstance(frame, Call):
            try:
                check_call(frame, V201, supported=self.supported)
            except ProtocolViolation as pv:
                if pv.reply_code is not None:
                    await self._send_error(frame.unique_id, pv.reply_code, pv.detail)
                return
            try:
                answer = self.handler(frame)
            except Exception as exc:  # a bug in the station: say so rather than go silent
                log.exception("handler for %s failed", frame.action)
                answer = Answer(error="InternalError", description=repr(exc)[:255])
            if answer.delay > 0:
                self.spawn(self._answer_later(frame, answer))
            else:
                await self._answer(frame, answer)
            return
        fut = self._pending.get(frame.unique_id)
        if fut is not None and not fut.done():
            fut.set_result(frame)

    def spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
            log.warning("could not send %s: %r", text[:80], exc)

    # -- sending ---------------------------------------------------------------------------

    async def call(
        self, action: str, payload: Mapping[str, Any], *, timeout: float
    ) -> CallResult | CallError:
        """Send a CALL and wait for its answer (TimeoutError / ConnectionError otherwise)."""
        async with self._lock:
            if self.closed.is_set():
                raise ConnectionError("connection closed")
            call = Call(self.next_id(), action, dict(payload))
            fut: asyncio.Future[CallResult | CallError] = asyncio.get_running_loop().create_future()
            self._pending[call.unique_id] = fut
            try:
                await self.ws.send(serialize(call))
                return await asyncio.wait_for(fut, timeout)
            finally:
                self._pending.pop(call.unique_id, None)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)

    def cancel_tasks(self) -> None:
        """At shutdown only: follow-up work may itself close this link (a reboot)."""
        for task in list(self._tasks):
            task.cancel()
