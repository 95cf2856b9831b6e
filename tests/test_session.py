"""Session behaviour over a real loopback WebSocket: deadlines, backlog, correlation, schemas."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from conformance.ocppj import OcppVersion
from conformance.roles import MockCsms, MockStation
from conformance.session import Reject, Session, Timeouts
from conformance.trace import Recorder
from conformance.transport.client import connect_station
from conformance.verdict import CaseFailed, Severity

V = OcppVersion.V201
BOOT = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}


class Pair:
    def __init__(self, csms: MockCsms, station: MockStation, csms_side: Session) -> None:
        self.csms = csms
        self.station = station
        self.csms_side = csms_side


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    recorder = Recorder(secrets=["s3cret-pass"])
    recorder.start_case(tmp_path / "trace.jsonl")
    fast = Timeouts(response=0.5, message=0.5)
    csms = MockCsms(version=V, recorder=recorder, timeouts=fast)
    await csms.start()
    station = MockStation(
        csms_url=csms.url(), station_id="CS1", version=V, recorder=recorder, timeouts=fast
    )
    await station.connect()
    csms_side = await csms.wait_for_station("CS1", 2)
    yield Pair(csms, station, csms_side)
    await station.close()
    await csms.close()
    recorder.end_case()


async def test_boot_round_trip_and_trace(pair: Pair, tmp_path: Path) -> None:
    result = await pair.station.boot()
    assert result["status"] == "Accepted"
    boot = await pair.csms_side.expect("BootNotification")
    assert boot.replied is not None and boot.payload["reason"] == "PowerUp"
    lines = [json.loads(x) for x in (tmp_path / "trace.jsonl").read_text().splitlines()]
    dirs = [(x["dir"], x["conn"]) for x in lines if x["dir"] != "event"]
    # both ends write to the same recorder here: CALL out, CALL in, result out, result in
    assert dirs.count(("send", "CS1")) == 2 and dirs.count(("recv", "CS1")) == 2
    assert not pair.station.recorder.findings.items


async def test_silent_peer_fails_call_at_deadline(pair: Pair) -> None:
    pair.csms_side.hold("BootNotification")  # the CSMS never answers
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(CaseFailed, match="no answer to BootNotification"):
        await pair.station.conn.call("BootNotification", BOOT, timeout=0.3)
    assert 0.25 < loop.time() - t0 < 2


async def test_silent_peer_fails_expect_at_deadline(pair: Pair) -> None:
    with pytest.raises(CaseFailed, match=r"expected Heartbeat within 0\.2 s"):
        await pair.csms_side.expect("Heartbeat", timeout=0.2)
    f = pair.station.recorder.findings.items[-1]
    assert f.severity is Severity.VIOLATION and f.breaks_scenario


async def test_messages_arriving_meanwhile_are_kept(pair: Pair) -> None:
    await pair.station.conn.call("Heartbeat", {})
    await pair.station.status(1, 1, "Available")
    # the case waits for StatusNotification first; the earlier Heartbeat is not lost
    status = await pair.csms_side.expect("StatusNotification", {"connectorStatus": "Available"})
    heartbeat = await pair.csms_side.expect("Heartbeat")
    assert status.seq > heartbeat.seq


async def test_expect_with_predicate_and_no_match(pair: Pair) -> None:
    await pair.station.status(1, 1, "Occupied")
    with pytest.raises(CaseFailed, match="received meanwhile: StatusNotification"):
        await pair.csms_side.expect(
            "StatusNotification", {"connectorStatus": "Available"}, timeout=0.2
        )
    msg = await pair.csms_side.expect(
        "StatusNotification", predicate=lambda m: m.payload["evseId"] == 1
    )
    assert msg.payload["connectorStatus"] == "Occupied"


async def test_expect_none(pair: Pair) -> None:
    await pair.csms_side.expect_none("Heartbeat", during=0.1)
    await pair.station.conn.call("Heartbeat", {})
    with pytest.raises(CaseFailed, match="must not be"):
        await pair.csms_side.expect_none("Heartbeat", during=0.1)


async def test_result_for_other_id_does_not_satisfy_call(pair: Pair) -> None:
    pair.csms_side.hold("Heartbeat")
    task = asyncio.create_task(pair.station.conn.call("Heartbeat", {}, timeout=0.5))
    msg = await pair.csms_side.expect("Heartbeat")
    await pair.csms_side.send_text(json.dumps([3, "not-the-id", {"currentTime": "x"}]))
    with pytest.raises(CaseFailed, match="no answer to Heartbeat"):
        await task
    texts = [f.message for f in pair.station.recorder.findings.items]
    assert any("'not-the-id'" in t and "not an outstanding CALL" in t for t in texts)
    assert msg.replied is None


async def test_schema_invalid_response_is_a_finding(pair: Pair) -> None:
    pair.csms_side.on("Heartbeat", {"currentTime": "yesterday"})
    payload = await pair.station.conn.call("Heartbeat", {})
    assert payload == {"currentTime": "yesterday"}  # returned, but recorded
    f = [x for x in pair.station.recorder.findings.items if "$.currentTime" in x.message]
    assert f and f[0].severity is Severity.VIOLATION and not f[0].breaks_scenario


async def test_garbage_gets_the_prescribed_callerror(pair: Pair) -> None:
    ws, _ = await connect_station(pair.csms.url(), "RAW1", V)
    await pair.csms.wait_for_station("RAW1", 2)
    got = []
    for text in (
        '[2,"abc","NoSuchAction",{}]',
        "this is not json",
        '[2,"def","Heartbeat",{"x":1}]',
    ):
        await ws.send(text)
        got.append(json.loads(await asyncio.wait_for(ws.recv(), 2)))
    await ws.close()
    assert got[0][:3] == [4, "abc", "NotImplemented"]
    assert got[1][:3] == [4, "-1", "RpcFrameworkError"]
    assert got[2][:3] == [4, "def", "FormatViolation"]
    assert len(pair.station.recorder.findings.items) >= 3


async def test_second_outstanding_call_is_a_finding(pair: Pair) -> None:
    pair.csms_side.hold("Heartbeat")
    await pair.station.conn.send_text('[2,"a1","Heartbeat",{}]')
    await pair.station.conn.send_text('[2,"a2","Heartbeat",{}]')
    await pair.csms_side.expect("Heartbeat")
    await pair.csms_side.expect("Heartbeat")
    msgs = [f.message for f in pair.station.recorder.findings.items]
    assert any("at most one outstanding CALL" in m for m in msgs)


async def test_callerror_where_result_due_fails(pair: Pair) -> None:
    pair.csms_side.on("Heartbeat", lambda m: Reject("InternalError"))
    with pytest.raises(CaseFailed, match="CALLERROR InternalError"):
        await pair.station.conn.call("Heartbeat", {})


async def test_reconnect_is_a_new_session(pair: Pair) -> None:
    first = pair.csms_side
    await pair.station.close()
    await first.wait_closed(2)
    await pair.station.connect()
    second = await pair.csms.wait_for_station("CS1", 2, after=1)
    assert second is not first and first.closed.is_set()


async def test_wrong_subprotocol_is_a_finding(pair: Pair) -> None:
    other = MockStation(
        csms_url=pair.csms.url(), station_id="CS2", version=V, recorder=pair.station.recorder
    )
    await other.connect(subprotocols=["ocpp1.6"])
    await pair.csms.wait_for_station("CS2", 2)
    msgs = [f.message for f in pair.station.recorder.findings.items]
    assert any("offered ocpp1.6 but not 'ocpp2.0.1'" in m for m in msgs)
    await other.close()
