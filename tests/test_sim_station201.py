"""The reference 2.0.1 station against the harness's MockCsms, in-process and fast."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from simrig import StationRig as Rig

from conformance.ocppj import OcppVersion
from conformance.session import Session
from conformance.sim.station201 import ReferenceStation201

V = OcppVersion.V201
ID = "REF1"


async def _rig(faults: tuple[str, ...] = ()) -> Rig:
    return await Rig.start(ReferenceStation201, V, ID, faults)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    r = await _rig()
    yield r
    await r.stop()


async def _booted(rig: Rig) -> Session:
    s = await rig.session()
    boot = await s.expect("BootNotification")
    assert boot.payload["reason"] == "PowerUp"
    for evse in (1, 2):
        await s.expect(
            "StatusNotification", {"evseId": evse, "connectorId": 1, "connectorStatus": "Available"}
        )
    return s


async def test_boot_and_status_notifications(rig: Rig) -> None:
    s = await _booted(rig)
    assert rig.station.registration == "Accepted"
    assert rig.station.model.get("OCPPCommCtrlr", "HeartbeatInterval") == "30"
    assert rig.violations() == []
    assert s.info.subprotocol == "ocpp2.0.1"


async def test_full_transaction_seq_no(rig: Rig) -> None:
    s = await _booted(rig)
    await rig.station.verb_plug_in({"evse_id": 1, "connector_id": 1})
    await s.expect("StatusNotification", {"evseId": 1, "connectorStatus": "Occupied"})
    await rig.station.verb_present_id_token({"id_token": "VALID001"})
    await s.expect("Authorize")
    started = await s.expect("TransactionEvent", {"eventType": "Started"})
    assert started.payload["triggerReason"] == "Authorized"
    assert started.payload["transactionInfo"]["chargingState"] == "Charging"
    assert started.payload["idToken"]["idToken"] == "VALID001"
    await rig.station.verb_present_id_token({"id_token": "VALID001"})
    ended = await s.expect("TransactionEvent", {"eventType": "Ended"})
    assert ended.payload["triggerReason"] == "StopAuthorized"
    assert ended.payload["transactionInfo"]["stoppedReason"] == "Local"
    events = s.received("TransactionEvent")
    assert [e.payload["seqNo"] for e in events] == list(range(len(events)))
    await rig.station.verb_unplug({"evse_id": 1})
    await s.expect("StatusNotification", {"evseId": 1, "connectorStatus": "Available"})
    assert rig.violations() == []


async def test_reset_reconnects_with_remote_reset(rig: Rig) -> None:
    s = await _booted(rig)
    n = rig.csms.connection_count[ID]
    assert await s.call("Reset", {"type": "Immediate"}) == {"status": "Accepted"}
    s2 = await rig.session(after=n)
    boot = await s2.expect("BootNotification")
    assert boot.payload["reason"] == "RemoteReset"
    assert rig.violations() == []


async def test_device_model_statuses(rig: Rig) -> None:
    s = await _booted(rig)
    get: dict[str, Any] = await s.call(
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "Nope"}},
                {"component": {"name": "Nope"}, "variable": {"name": "HeartbeatInterval"}},
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attributeType": "Target",
                },
            ]
        },
    )
    statuses = [r["attributeStatus"] for r in get["getVariableResult"]]
    assert statuses == ["UnknownVariable", "UnknownComponent", "NotSupportedAttributeType"]
    put = await s.call(
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "FileTransferProtocols"},
                    "attributeValue": "FTP",
                },
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attributeValue": "abc",
                },
            ]
        },
    )
    assert [r["attributeStatus"] for r in put["setVariableResult"]] == ["Rejected", "Rejected"]
    assert rig.violations() == []


async def test_fault_bad_timestamp_is_a_finding() -> None:
    r = await _rig(("s201-status-bad-timestamp",))
    try:
        s = await r.session()
        await s.expect("BootNotification")
        await asyncio.wait_for(_until(lambda: bool(r.violations())), 2)
        assert any("date-time" in v or "timestamp" in v for v in r.violations())
    finally:
        await r.station.stop()
        await r.csms.close()


async def _until(cond: Any) -> None:
    while not cond():
        await asyncio.sleep(0)  # yield to the loop until the condition holds
