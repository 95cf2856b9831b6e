"""One station's WebSocket as the reference CSMS sees it: OCPP-J framing both ways.

The link parses what the station sends with the strict codec, answers CALLs through a handler
(or with the CallError the codec prescribes), and sends the CSMS's own CALLs one at a time
(OCPP-J: one outstanding CALL per side). Fault points that concern framing (duplicate id,
second outstanding CALL, wrong id on an answer) live here; the ones about content live with
the handlers.
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
    sent_by_station,
    serialize,
)
from conformance.ocppj.schemas import actions

log = logging.getLogger(__name__)

V201 = OcppVersion.V201
# What a CSMS receives: every action the 2.0.1 schemas say a station sends.
STATION_ACTIONS: frozenset[str] = frozenset(a for a in actions(V201) if sent_by_station(V201, a))


class WebSocket(Protocol):
    async def send(self, message: str) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(frozen=True)
class Answer:
    """What a handler decided: a result payload, a CallError, or nothing at all (a fault)."""

    payload: Mapping[str, Any] | None = None
    error: str | None = None
    description: str = ""
    unique_id: str | None = None  # answer under another id (the wrong-message-id fault)
    delay: float = 0.0  # answer late (the late-response fault)
    silent: bool = False  # never answer (the no-response fault)


Handler = Callable[[Call], Awaitable[Answer]]


class StationLink:
    """The CSMS's end of one station connection."""

    def __init__(self, ws: WebSocket, station_id: str, handler: Handler) -> None:
        self.ws = ws
        self.station_id = station_id
        self.handler = handler
        self.closed = asyncio.Event()
        self._pending: dict[str, asyncio.Future[CallResult | CallError]] = {}
        self._lock = asyncio.Lock()
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._tasks: set[asyncio.Task[None]] = set()

    def next_id(self) -> str:
        return f"csms-{self._prefix}-{next(self._ids)}"

    # -- receiving -------------------------------------------------------------------------

    async def run(self) -> None:
        """Read frames until the socket closes."""
        try:
            while True:
                raw = await self.ws.recv()
                await self._on_frame(raw)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # closed or broken: the station is gone
            log.debug("%s: link ended: %r", self.station_id, exc)
        finally:
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("connection closed"))
            for task in list(self._tasks):
                task.cancel()

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
                check_call(frame, V201, supported=STATION_ACTIONS)
            except ProtocolViolation as pv:
                if pv.reply_code is not None:
                    await self._send_error(frame.unique_id, pv.reply_code, pv.detail)
                return
            answer = await self.handler(frame)
            if answer.delay > 0:
                self._spawn(self._answer_later(frame, answer))
            else:
                await self._answer(frame, answer)
            return
        fut = self._pending.get(frame.unique_id)
        if fut is not None and not fut.done():
            fut.set_result(frame)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer_later(self, call: Call, answer: Answer) -> None:
        # The delay IS the behaviour here (the late-response fault), not a wait for an event.
        await asyncio.sleep(answer.delay)
        await self._answer(call, answer)

    async def _answer(self, call: Call, answer: Answer) -> None:
        if answer.silent:
            return
        uid = answer.unique_id or call.unique_id
        if answer.error is not None:
            await self._send_error(uid, answer.error, answer.description)
            return
        await self._send(serialize(CallResult(uid, dict(answer.payload or {}))))

    async def _send_error(self, unique_id: str, code: str, description: str) -> None:
        await self._send(serialize(CallError(unique_id, code, description[:255], {})))

    async def _send(self, text: str) -> None:
        with contextlib.suppress(Exception):  # a closed socket ends the read loop anyway
            await self.ws.send(text)

    # -- sending ---------------------------------------------------------------------------

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
            await self.ws.send(text)
            if duplicate:
                await self.ws.send(text)
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._pending.pop(call.unique_id, None)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(1001, "CSMS shutting down")
