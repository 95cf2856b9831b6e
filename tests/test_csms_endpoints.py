"""MockCsms.open_endpoint: a second listener of the mock CSMS (the B10 migration cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.ocppj import OcppVersion
from conformance.roles import MockCsms
from conformance.session import Timeouts
from conformance.trace import Recorder
from conformance.transport.client import connect_station

V = OcppVersion.V201


async def test_second_endpoint_accepts_refuses_and_closes(tmp_path: Path) -> None:
    recorder = Recorder()
    recorder.start_case(tmp_path / "trace.jsonl")
    csms = MockCsms(version=V, recorder=recorder, timeouts=Timeouts(response=0.5, message=0.5))
    await csms.start()
    try:
        other = await csms.open_endpoint()
        assert other.port != csms.port and other.url() != csms.url()
        ws, _ = await connect_station(other.url(), "CS1", V)
        await csms.wait_for_station("CS1", 2)
        assert csms.connected_via["CS1"] == other.url()
        ws2, _ = await connect_station(csms.url(), "CS1", V)
        await csms.wait_for_station("CS1", 2, after=1)
        assert csms.connected_via["CS1"] == csms.url()
        await ws.close()
        await ws2.close()

        refusing = await csms.open_endpoint(accept=False)
        with pytest.raises(Exception, match="401"):
            await connect_station(refusing.url(), "CS1", V)
        with pytest.raises(Exception, match="404"):
            await connect_station(f"ws://{refusing.host}:{refusing.port}/elsewhere", "CS1", V)
        assert len(refusing.refusals) == 2

        await csms.close_endpoint(other)
        assert other not in csms.endpoints and not other.listening
        with pytest.raises(OSError):
            await connect_station(other.url(), "CS1", V)
    finally:
        await csms.close()
        recorder.end_case()
    assert not csms.endpoints
