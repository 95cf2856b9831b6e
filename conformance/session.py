"""One OCPP connection as a test case sees it: call / expect / reply / trace.

The session owns the reader task of one WebSocket. Every received frame is parsed strictly,
validated against its schema, written to the trace, and then:

* a CALL is answered automatically by its *responder* (a default per action, or one the case
  set with `on`), unless the case `hold`s that action to answer it itself; either way it is
  kept in the backlog, so `expect` sees messages that arrived before it was called;
* a CALLRESULT / CALLERROR resolves the `call` waiting for that id (and only that id).

Nothing here sleeps: every wait is an event with a deadline, so a silent DUT fails the case at
its deadline instead of hanging the run.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from conformance.ocppj import (
    Call,
    CallError,
    CallResult,
    Correlator,
    OcppVersion,
    ProtocolViolation,
    Send,
    check_call,
    check_result,
    decode,
    serialize,
)
from conformance.ocppj.schemas import actions
from conformance.ocppj.versions import sent_by_csms, sent_by_station
from conformance.trace import Recorder
from conformance.verdict import CaseFailed


class Transport(Protocol):
    """What the session needs of a WebSocket (websockets' asyncio Connection fits)."""

    async def send(self, message: str) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class ConnectionLost(Exception):
    """The WebSocket closed while a CALL of ours was waiting for its answer."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"connection closed (code {code})")
        self.code = code


class HarnessError(Exception):
    """The case used the session wrongly (a bug in the case, not in the DUT)."""


@dataclass(frozen=True)
class Reject:
    """A responder's way to answer with a CALLERROR instead of a result."""

    code: str
    description: str = ""


ResponderResult = Mapping[str, Any] | Reject
Responder = Callable[["Incoming"], ResponderResult | Awaitable[ResponderResult]]


@dataclass
class Incoming:
    """A CALL received from the peer, with when it came and how it was answered."""

    call: Call
    text: str
    received: float
    session: Session
    seq: int
    replied: float | None = None
    response: Mapping[str, Any] | Reject | None = None
    consumed: bool = False
    schema_ok: bool = True
    abandoned: bool = False  # the case never answers it (the peer is meant to time out)

    @property
    def action(self) -> str:
        return self.call.action

    @property
    def payload(self) -> dict[str, Any]:
        return self.call.payload

    async def reply(self, payload: Mapping[str, Any]) -> None:
        await self.session._answer(self, payload)

    async def reply_error(self, code: str, description: str = "") -> None:
        await self.session._answer(self, Reject(code, description))

    def abandon(self) -> None:
        """Never answer this CALL, on purpose (e.g. to make the DUT's MessageTimeout expire):
        the peer's next CALL after its own timeout is then no breach of the one-outstanding-
        CALL rule, and the end-of-case clean-up does not answer it late."""
        self.abandoned = True
        # No longer outstanding, and not "answered" either: the peer may send it again under
        # the same id (its retry) or go on with other CALLs once its own timeout expired.
        self.session._correlator.abandoned(self.call.unique_id)


def matches(payload: Any, pattern: Any) -> bool:
    """Subset match: every key of `pattern` is in `payload` with a matching value.

    Nested dicts match recursively; a list pattern matches a list of the same length
    element-wise; anything else compares equal.
    """
    if isinstance(pattern, Mapping):
        return isinstance(payload, Mapping) and all(
            k in payload and matches(payload[k], v) for k, v in pattern.items()
        )
    if isinstance(pattern, list):
        return (
            isinstance(payload, list)
            and len(payload) == len(pattern)
            and all(matches(a, b) for a, b in zip(payload, pattern, strict=True))
        )
    return bool(payload == pattern)


@dataclass
class _Waiter:
    action: str
    match: Mapping[str, Any] | None
    predicate: Callable[[Incoming], bool] | None
    future: asyncio.Future[Incoming]

    def accepts(self, msg: Incoming) -> bool:
        if msg.action != self.action:
            return False
        if self.match is not None and not matches(msg.payload, self.match):
            return False
        return self.predicate is None or self.predicate(msg)


@dataclass
class Timeouts:
    """Deadlines in seconds, from the DUT profile."""

    response: float = 30.0
    message: float = 30.0


@dataclass
class _Pending:
    call: Call
    future: asyncio.Future[CallResult | CallError]
    sent: float


@dataclass
class SessionInfo:
    """Facts from the handshake, shown in traces and reports."""

    subprotocol: str | None = None
    offered: tuple[str, ...] = ()
    path: str = ""
    peer: str = ""
    tls: dict[str, str] = field(default_factory=dict)


class Session:
    """The test's handle on one OCPP connection. `side` is the role the harness plays."""

    def __init__(
        self,
        transport: Transport,
        *,
        version: OcppVersion,
        station_id: str,
        side: str,
        recorder: Recorder,
        timeouts: Timeouts | None = None,
        info: SessionInfo | None = None,
        answer_invalid: bool = False,
    ) -> None:
        if side not in ("csms", "station"):
            raise ValueError("side must be 'csms' or 'station'")
        self.transport = transport
        self.version = version
        self.station_id = station_id
        self.side = side
        self.recorder = recorder
        self.timeouts = timeouts or Timeouts()
        self.info = info or SessionInfo()
        # In lenient mode a schema-invalid CALL is recorded and still answered, so the
        # functional verdict can tell whether the scenario would otherwise have worked.
        self.answer_invalid = answer_invalid
        inbound = sent_by_station if side == "csms" else sent_by_csms
        self.supported: frozenset[str] = frozenset(
            a for a in actions(version) if inbound(version, a)
        )
        self.defaults: dict[str, Responder] = {}
        self.responders: dict[str, Responder] = {}
        self.held: set[str] = set()
        self.backlog: list[Incoming] = []
        self._waiters: list[_Waiter] = []
        self._pending: dict[str, _Pending] = {}
        self._correlator = Correlator()
        self._call_lock = asyncio.Lock()
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._id_prefix = uuid.uuid4().hex[:8]
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason: str = ""
        self._reader: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[Incoming], None]] = []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Start reading frames. Returns the reader task (it ends when the socket closes)."""
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read_loop())
        return self._reader

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.transport.close(code, reason)
        if self._reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), 5)
            except (TimeoutError, asyncio.CancelledError):
                self._reader.cancel()

    def reset_case_state(self) -> None:
        """Forget what a previous case set up: overrides, holds, unconsumed messages."""
        self.responders.clear()
        self.held.clear()
        self.backlog.clear()

    async def answer_held_with_defaults(self) -> None:
        """At a case's end, answer what it held but left unanswered, so the DUT is not stuck."""
        for msg in self.backlog:
            if msg.replied is None and not msg.abandoned:
                responder = self.defaults.get(msg.action)
                if responder is not None:
                    result = responder(msg)
                    if inspect.isawaitable(result):
                        result = await result
                    await self._answer(msg, result)

    @property
    def findings(self) -> Any:
        return self.recorder.findings

    # -- sending ---------------------------------------------------------------------------

    def next_id(self) -> str:
        return f"{self._id_prefix}-{next(self._ids)}"

    async def send_text(self, text: str) -> None:
        self.recorder.trace.record("send", self.station_id, text)
        await self.transport.send(text)

    async def call_raw(
        self,
        action: str,
        payload: Mapping[str, Any],
        *,
        timeout: float | None = None,
        unique_id: str | None = None,
    ) -> CallResult | CallError:
        """Send a CALL and wait for its answer; a missing answer fails the case."""
        timeout = self.timeouts.response if timeout is None else timeout
        async with self._call_lock:  # OCPP-J: one outstanding CALL per side
            call = Call(unique_id or self.next_id(), action, dict(payload))
            fut: asyncio.Future[CallResult | CallError] = asyncio.get_running_loop().create_future()
            self._pending[call.unique_id] = _Pending(call, fut, time.monotonic())
            self._correlator.sent_call(call)
            try:
                await self.send_text(serialize(call))
            except Exception as exc:
                self._pending.pop(call.unique_id, None)
                raise self.findings.fail(
                    f"could not send {action}: connection lost ({exc})"
                ) from None
            try:
                return await asyncio.wait_for(asyncio.shield(fut), timeout)
            except ConnectionLost as lost:
                raise self.findings.fail(
                    f"connection closed (code {lost.code}) before the answer to {action} arrived"
                ) from None
            except TimeoutError:
                self._correlator.forget(call.unique_id)
                if self.closed.is_set():
                    raise self.findings.fail(
                        f"connection closed (code {self.close_code}) before the answer to "
                        f"{action} arrived"
                    ) from None
                raise self.findings.fail(
                    f"no answer to {action} (id {call.unique_id}) within {timeout:g} s"
                ) from None
            finally:
                self._pending.pop(call.unique_id, None)

    async def call(
        self, action: str, payload: Mapping[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send a CALL; return the (validated) result payload. A CALLERROR fails the case."""
        answer = await self.call_raw(action, payload, timeout=timeout)
        if isinstance(answer, CallError):
            raise self.findings.fail(
                f"{action} answered with CALLERROR {answer.error_code}"
                f" ({answer.error_description!r}) where a CALLRESULT was due",
                frame=serialize(answer),
            )
        return answer.payload

    async def call_expecting_error(
        self, action: str, payload: Mapping[str, Any], *, timeout: float | None = None
    ) -> CallError:
        """Send a CALL the peer must reject; a CALLRESULT fails the case."""
        answer = await self.call_raw(action, payload, timeout=timeout)
        if isinstance(answer, CallResult):
            raise self.findings.fail(
                f"{action} answered with a CALLRESULT where a CALLERROR was due",
                frame=serialize(answer),
            )
        return answer

    # -- receiving -------------------------------------------------------------------------

    def on(self, action: str, responder: Responder | Mapping[str, Any]) -> None:
        """Answer `action` with `responder` (a function or a fixed payload) for this case."""
        if isinstance(responder, Mapping):
            fixed = dict(responder)

            def _fixed(_msg: Incoming) -> Mapping[str, Any]:
                return fixed

            self.responders[action] = _fixed
        else:
            self.responders[action] = responder
        self.held.discard(action)

    def hold(self, *actions_: str) -> None:
        """Do not answer these actions automatically: the case answers with `reply`."""
        self.held.update(actions_)

    def release(self, *actions_: str) -> None:
        for a in actions_:
            self.held.discard(a)

    def add_listener(self, listener: Callable[[Incoming], None]) -> None:
        """Called for every valid incoming CALL (the mock station keeps its state this way)."""
        self._listeners.append(listener)

    async def expect(
        self,
        action: str,
        match: Mapping[str, Any] | None = None,
        *,
        predicate: Callable[[Incoming], bool] | None = None,
        timeout: float | None = None,
        why: str = "",
    ) -> Incoming:
        """The next unconsumed `action` CALL matching `match`/`predicate`, or fail at deadline."""
        timeout = self.timeouts.message if timeout is None else timeout
        fut: asyncio.Future[Incoming] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(action, match, predicate, fut)
        for msg in self.backlog:
            if not msg.consumed and waiter.accepts(msg):
                msg.consumed = True
                return msg
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            what = action + (f" matching {dict(match)}" if match else "")
            reason = f" ({why})" if why else ""
            seen = [m.action for m in self.backlog if not m.consumed]
            extra = f"; received meanwhile: {', '.join(seen)}" if seen else ""
            closed = (
                f"; the connection closed with code {self.close_code}"
                if self.closed.is_set()
                else ""
            )
            raise self.findings.fail(
                f"expected {what} within {timeout:g} s{reason}, none came{extra}{closed}"
            ) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    async def expect_none(
        self,
        action: str,
        match: Mapping[str, Any] | None = None,
        *,
        during: float,
        predicate: Callable[[Incoming], bool] | None = None,
        why: str = "",
    ) -> None:
        """Record a violation if a matching `action` arrives now or within `during` seconds."""
        fut: asyncio.Future[Incoming] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(action, match, predicate, fut)
        for msg in self.backlog:
            if not msg.consumed and waiter.accepts(msg):
                msg.consumed = True
                raise self.findings.fail(
                    f"{action} was sent but must not be{': ' + why if why else ''}",
                    frame=msg.text,
                )
        self._waiters.append(waiter)
        try:
            msg = await asyncio.wait_for(fut, during)
        except TimeoutError:
            return
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        raise self.findings.fail(
            f"{action} was sent but must not be{': ' + why if why else ''}", frame=msg.text
        )

    async def wait_closed(self, timeout: float) -> bool:
        """True if the peer closed the connection within `timeout` seconds."""
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def received(self, action: str | None = None, since: float = 0.0) -> list[Incoming]:
        """Backlog messages (consumed or not) received after monotonic time `since`."""
        return [
            m
            for m in self.backlog
            if m.received >= since and (action is None or m.action == action)
        ]

    # -- internals -------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            while True:
                text = await self.transport.recv()
                await self._on_frame(text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the socket closed (or broke): record how
            code = getattr(getattr(exc, "rcvd", None), "code", None)
            reason = getattr(getattr(exc, "rcvd", None), "reason", "")
            self.close_code = code if code is not None else 1006
            self.close_reason = reason or type(exc).__name__
            self.recorder.trace.record(
                "event",
                self.station_id,
                f"connection closed: code {self.close_code} {self.close_reason}".strip(),
            )
        finally:
            self.closed.set()
            for p in self._pending.values():
                if not p.future.done():
                    p.future.set_exception(ConnectionLost(self.close_code))

    async def _on_frame(self, raw: str | bytes) -> None:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        self.recorder.trace.record("recv", self.station_id, text)
        if isinstance(raw, bytes):
            self.findings.violation(
                "binary WebSocket frame received: OCPP-J uses text frames only", frame=text
            )
        try:
            frame = decode(raw, self.version)
        except ProtocolViolation as pv:
            await self._on_violation(pv, text)
            return
        if isinstance(frame, Call | Send):
            await self._on_call(frame, text)
        else:
            self._on_answer(frame, text)

    async def _on_violation(self, pv: ProtocolViolation, text: str) -> None:
        self.findings.violation(f"malformed frame from the DUT: {pv}", frame=text)
        if pv.reply_code is not None:
            await self._send_error(pv.unique_id or "-1", pv.reply_code, pv.detail[:255])

    async def _on_call(self, call: Call | Send, text: str) -> None:
        schema_ok = True
        if isinstance(call, Call):
            for problem in self._correlator.received_call(call):
                self.findings.violation(problem, frame=text)
        try:
            check_call(call, self.version, supported=self.supported)
        except ProtocolViolation as pv:
            self.findings.violation(str(pv), frame=text)
            if pv.reply_code is None:
                return
            if pv.issues and self.answer_invalid:
                schema_ok = False
            else:
                self._correlator.answered(call.unique_id)
                await self._send_error(call.unique_id, pv.reply_code, pv.detail[:255])
                return
        if isinstance(call, Send):
            return  # 2.1 SEND: never answered; nothing in the harness consumes them yet
        msg = Incoming(call, text, time.monotonic(), self, next(self._seq), schema_ok=schema_ok)
        self.backlog.append(msg)
        for listener in self._listeners:
            listener(msg)
        for waiter in list(self._waiters):
            if not waiter.future.done() and waiter.accepts(msg):
                msg.consumed = True
                waiter.future.set_result(msg)
                self._waiters.remove(waiter)
                break
        if call.action in self.held:
            return
        responder = self.responders.get(call.action) or self.defaults.get(call.action)
        if responder is None:
            self.held.add(call.action)  # nobody answers it: the case must, or the DUT waits
            return
        try:
            result = responder(msg)
            if inspect.isawaitable(result):
                result = await result
        except CaseFailed:
            raise
        except Exception as exc:
            self.findings.violation(f"harness responder for {call.action} failed: {exc!r}")
            result = Reject("InternalError", "harness responder failed")
        await self._answer(msg, result)

    async def _answer(self, msg: Incoming, response: ResponderResult) -> None:
        if msg.replied is not None:
            raise HarnessError(
                f"{msg.action} {msg.call.unique_id} was already answered"
                f" (hold('{msg.action}') before the DUT sends it to answer it yourself)"
            )
        msg.replied = time.monotonic()
        msg.response = response
        self._correlator.answered(msg.call.unique_id)
        if isinstance(response, Reject):
            await self._send_error(msg.call.unique_id, response.code, response.description)
            return
        await self.send_text(serialize(CallResult(msg.call.unique_id, dict(response))))

    async def _send_error(self, unique_id: str, code: str, description: str) -> None:
        try:
            await self.send_text(serialize(CallError(unique_id, code, description, {})))
        except Exception as exc:  # the peer is gone; the trace says so via the reader
            self.recorder.trace.record("event", self.station_id, f"send failed: {exc!r}")

    def _on_answer(self, frame: CallResult | CallError, text: str) -> None:
        call = self._correlator.received_answer(frame.unique_id)
        pending = self._pending.get(frame.unique_id)
        if call is None or pending is None:
            late = frame.unique_id in {p for p in self._correlator.answered_ids}
            self.findings.violation(
                f"answer for message id {frame.unique_id!r}, which is "
                + ("already answered" if late else "not an outstanding CALL of ours"),
                frame=text,
            )
            return
        if isinstance(frame, CallResult):
            try:
                check_result(frame, call.action, self.version)
            except ProtocolViolation as pv:
                self.findings.violation(str(pv), frame=text)
        if not pending.future.done():
            pending.future.set_result(frame)


def unanswered(messages: Iterable[Incoming]) -> list[Incoming]:
    return [m for m in messages if m.replied is None]
