"""The reference DUTs' shared connection end: framing, answers, own CALLs, framing faults."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from conformance.ocppj import Call, CallError, CallResult, OcppVersion
from conformance.sim.link import Answer, PeerLink

V = OcppVersion.V201


class FakeSocket:
    """In-memory WebSocket: what the link sends lands in `sent`; `feed` plays the peer."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[Any] = []
        self.new = asyncio.Event()

    async def send(self, message: str) -> None:
        self.sent.append(json.loads(message))
        self.new.set()

    async def recv(self) -> str:
        item = await self.inbox.get()
        if item is None:
            raise ConnectionError("closed")
        return item

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.inbox.put_nowait(None)

    def feed(self, frame: Any) -> None:
        self.inbox.put_nowait(frame if isinstance(frame, str) else json.dumps(frame))

    async def next_sent(self) -> Any:
        while not self.sent:
            self.new.clear()
            await asyncio.wait_for(self.new.wait(), 2)
        return self.sent.pop(0)


def _heartbeat(_call: Call) -> Answer:
    return Answer(payload={"currentTime": "2026-12-01T00:00:00Z"})


async def _started(handler: Any, **kw: Any) -> tuple[FakeSocket, PeerLink, asyncio.Task[None]]:
    ws = FakeSocket()
    link = PeerLink(ws, handler, version=V, supported=frozenset({"Heartbeat"}), **kw)
    return ws, link, asyncio.ensure_future(link.run())


async def test_sync_and_async_handlers_answer_under_the_call_id() -> None:
    async def async_handler(call: Call) -> Answer:
        await asyncio.sleep(0)
        return _heartbeat(call)

    for handler in (_heartbeat, async_handler):
        ws, link, task = await _started(handler)
        ws.feed([2, "h1", "Heartbeat", {}])
        assert await ws.next_sent() == [3, "h1", {"currentTime": "2026-12-01T00:00:00Z"}]
        await link.close()
        await task


async def test_unsupported_and_malformed_frames_get_the_prescribed_callerror() -> None:
    ws, link, task = await _started(_heartbeat)
    ws.feed([2, "r1", "Reset", {"type": "Immediate"}])  # known action, not supported here
    assert (await ws.next_sent())[:3] == [4, "r1", "NotSupported"]
    ws.feed("[2, not json")
    assert (await ws.next_sent())[0] == 4
    await link.close()
    await task


async def test_handler_bug_becomes_internal_error() -> None:
    def broken(_call: Call) -> Answer:
        raise RuntimeError("boom")

    ws, link, task = await _started(broken)
    ws.feed([2, "h2", "Heartbeat", {}])
    assert (await ws.next_sent())[:3] == [4, "h2", "InternalError"]
    await link.close()
    await task


async def test_own_call_gets_only_its_own_answer() -> None:
    ws, link, task = await _started(_heartbeat)
    pending = asyncio.ensure_future(link.call("Heartbeat", {}, timeout=2))
    sent = await ws.next_sent()
    ws.feed([3, "someone-else", {}])  # not ours: ignored
    ws.feed([3, sent[1], {"currentTime": "2026-12-01T00:00:00Z"}])
    result = await pending
    assert isinstance(result, CallResult) and result.unique_id == sent[1]
    await link.close()
    await task


async def test_reuse_ids_and_duplicate_frame_faults() -> None:
    ws, link, task = await _started(_heartbeat, reuse_ids=True)
    ids = []
    for _ in range(2):
        pending = asyncio.ensure_future(link.call("Heartbeat", {}, timeout=2, duplicate_frame=True))
        first, second = await ws.next_sent(), await ws.next_sent()
        assert first == second  # the frame went out twice under one id
        ids.append(first[1])
        ws.feed([4, first[1], "GenericError", "", {}])
        assert isinstance(await pending, CallError)
    assert ids[0] == ids[1]  # and every CALL on the connection reuses the first id
    await link.close()
    await task


async def test_pending_call_fails_when_the_connection_closes() -> None:
    ws, link, task = await _started(_heartbeat)
    pending = asyncio.ensure_future(link.call("Heartbeat", {}, timeout=5))
    await ws.next_sent()
    await link.close()
    await task
    with pytest.raises(ConnectionError):
        await pending
