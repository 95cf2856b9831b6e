"""The 1.6 reference charge point's end of one Central System connection: OCPP-J framing.

Incoming CALLs are parsed with the strict 1.6 codec and answered by a synchronous handler (the
read loop never blocks on the charge point's own CALLs); work that must follow the answer (a
reboot after Reset, a transaction after RemoteStartTransaction) runs once the answer is sent.
The charge point's own CALLs go out one at a time (OCPP-J 1.6 section 4.1.1: one outstanding
CALL per side).
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

V16 = OcppVersion.V16


class WebSocket(Protocol):
    async def send(self, message: str) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(frozen=True)
class Answer:
    """A handler's decision: a result or a CallError, and what to do once it is sent."""

    payload: Mapping[str, Any] | None = None
    error: str | None = None
    description: str = ""
    then: Callable[[], Awaitable[None]] | None = None


Handler = Callable[[Call], Answer]


class CentralSystemLink:
    """One WebSocket to the Central System, as the charge point sees it."""

    def __init__(self, ws: WebSocket, handler: Handler, *, supported: frozenset[str]) -> None:
        self.ws = ws
        self.handler = handler
        self.supported = supported
        self.closed = asyncio.Event()
        self._pending: dict[str, asyncio.Future[CallResult | CallError]] = {}
        self._lock = asyncio.Lock()
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Read frames until the socket closes."""
        try:
            while True:
                await self._on_frame(await self.ws.recv())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # closed or broken: the Central System is gone
            log.debug("link ended: %r", exc)
        finally:
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("connection closed"))
                    fut.exception()  # retrieved: the caller may already have given up

    async def _on_frame(self, raw: str | bytes) -> None:
        try:
            frame = decode(raw, V16)
        except ProtocolViolation as pv:
            if pv.reply_code is not None:
                await self._send_error(pv.unique_id or "-1", pv.reply_code, pv.detail)
            return
        if isinstance(frame, Send):
            return
        if isinstance(frame, Call):
            try:
                check_call(frame, V16, supported=self.supported)
            except ProtocolViolation as pv:
                if pv.reply_code is not None:
                    await self._send_error(frame.unique_id, pv.reply_code, pv.detail)
                return
            try:
                answer = self.handler(frame)
            except Exception as exc:  # a bug in the charge point: say so, do not go silent
                log.exception("handler for %s failed", frame.action)
                answer = Answer(error="InternalError", description=repr(exc)[:255])
            if answer.error is not None:
                await self._send_error(frame.unique_id, answer.error, answer.description)
            else:
                await self._send(serialize(CallResult(frame.unique_id, dict(answer.payload or {}))))
            if answer.then is not None:
                self.spawn(answer.then())
            return
        fut = self._pending.get(frame.unique_id)
        if fut is not None and not fut.done():
            fut.set_result(frame)

    def spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_error(self, unique_id: str, code: str, description: str) -> None:
        await self._send(serialize(CallError(unique_id, code, description[:255], {})))

    async def _send(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except Exception as exc:  # a closed socket ends the read loop anyway
            log.warning("could not send %s: %r", text[:80], exc)

    async def call(
        self, action: str, payload: Mapping[str, Any], *, timeout: float
    ) -> CallResult | CallError:
        """Send a CALL and wait for its answer (TimeoutError / ConnectionError otherwise)."""
        async with self._lock:
            if self.closed.is_set():
                raise ConnectionError("connection closed")
            call = Call(f"{self._prefix}-{next(self._ids)}", action, dict(payload))
            fut: asyncio.Future[CallResult | CallError] = asyncio.get_running_loop().create_future()
            self._pending[call.unique_id] = fut
            try:
                try:
                    await self.ws.send(serialize(call))
                except Exception as exc:  # websockets' ConnectionClosed is no ConnectionError
                    raise ConnectionError(f"connection closed: {exc!r}") from None
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
