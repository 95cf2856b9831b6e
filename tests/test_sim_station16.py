"""The reference 1.6 charge point against the harness's MockCsms, in-process and fast."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import pytest
from simrig import StationRig as Rig

from conformance.ocppj import OcppVersion
from conformance.session import Session
from conformance.sim.station16 import ReferenceStation16

V = OcppVersion.V16
ID = "REF16"


async def _rig(faults: tuple[str, ...] = ()) -> Rig:
    return await Rig.start(ReferenceStation16, V, ID, faults)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    r = await _rig()
    yield r
    await r.stop()


async def _booted(rig: Rig) -> Session:
    s = await rig.session()
    await s.expect("BootNotification")
    for connector in (0, 1, 2):
        await s.expect("StatusNotification", {"connectorId": connector, "status": "Available"})
    return s


async def test_boot_and_status_notifications(rig: Rig) -> None:
    s = await _booted(rig)
    assert rig.station.registration == "Accepted"
    assert rig.station.config.get("HeartbeatInterval") == "30"
    assert s.info.subprotocol == "ocpp1.6"
    assert rig.violations() == []


async def test_local_transaction_uses_csms_transaction_id(rig: Rig) -> None:
    s = await _booted(rig)
    await rig.station.verbs.verb_plug_in({"connector_id": 1})
    await s.expect("StatusNotification", {"connectorId": 1, "status": "Preparing"})
    await rig.station.verbs.verb_present_id_token({"id_token": "VALID001"})
    await s.expect("Authorize", {"idTag": "VALID001"})
    start = await s.expect("StartTransaction", {"connectorId": 1, "idTag": "VALID001"})
    assert isinstance(start.response, Mapping)
    tx_id = start.response["transactionId"]
    await s.expect("StatusNotification", {"connectorId": 1, "status": "Charging"})
    await rig.station.verbs.verb_present_id_token({"id_token": "VALID001"})
    stop = await s.expect("StopTransaction")
    assert stop.payload["transactionId"] == tx_id
    assert stop.payload["reason"] == "Local"
    await s.expect("StatusNotification", {"connectorId": 1, "status": "Finishing"})
    await rig.station.verbs.verb_unplug({"connector_id": 1})
    await s.expect("StatusNotification", {"connectorId": 1, "status": "Available"})
    assert rig.violations() == []


async def test_configuration_statuses(rig: Rig) -> None:
    s = await _booted(rig)

    async def change(key: str, value: str) -> str:
        return str((await s.call("ChangeConfiguration", {"key": key, "value": value}))["status"])

    assert await change("Nope", "1") == "NotSupported"
    assert await change("NumberOfConnectors", "5") == "Rejected"
    assert await change("HeartbeatInterval", "abc") == "Rejected"
    assert await change("WebSocketPingInterval", "10") == "RebootRequired"
    assert await change("MeterValueSampleInterval", "7") == "Accepted"
    got = await s.call("GetConfiguration", {"key": ["MeterValueSampleInterval", "Nope"]})
    assert got["configurationKey"] == [
        {"key": "MeterValueSampleInterval", "readonly": False, "value": "7"}
    ]
    assert got["unknownKey"] == ["Nope"]
    assert rig.violations() == []


async def test_remote_start_stop_and_reset(rig: Rig) -> None:
    s = await _booted(rig)
    assert await s.call("RemoteStartTransaction", {"connectorId": 0, "idTag": "VALID001"}) == {
        "status": "Rejected"
    }
    answer = await s.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "VALID001"})
    assert answer == {"status": "Accepted"}
    await s.expect("Authorize", {"idTag": "VALID001"})
    await s.expect("StatusNotification", {"connectorId": 1, "status": "Preparing"})
    await rig.station.verbs.verb_plug_in({"connector_id": 1})
    start = await s.expect("StartTransaction")
    assert isinstance(start.response, Mapping)
    tx_id = start.response["transactionId"]
    assert await s.call("RemoteStopTransaction", {"transactionId": tx_id + 100}) == {
        "status": "Rejected"
    }
    n = rig.csms.connection_count[ID]
    assert await s.call("Reset", {"type": "Soft"}) == {"status": "Accepted"}
    stop = await s.expect("StopTransaction")
    assert stop.payload["reason"] == "SoftReset"
    s2 = await rig.session(after=n)
    await s2.expect("BootNotification")
    assert rig.violations() == []


async def test_offline_transaction_messages_are_queued(rig: Rig) -> None:
    s = await _booted(rig)
    await rig.station.verbs.verb_plug_in({"connector_id": 2})
    await rig.station.verbs.verb_present_id_token({"id_token": "VALID001"})
    await s.expect("StartTransaction", {"connectorId": 2})
    n = rig.csms.connection_count[ID]
    await rig.station.verbs.verb_go_offline({})
    await s.wait_closed(2)
    await rig.station.verbs.verb_present_id_token({"id_token": "VALID001"})
    await rig.station.verbs.verb_go_online({})
    s2 = await rig.session(after=n)
    stop = await s2.expect("StopTransaction")
    assert stop.payload["reason"] == "Local"
    assert s2.received("BootNotification") == []
    assert rig.violations() == []


async def test_fault_no_connector0_status() -> None:
    r = await _rig(("s16-no-connector0-status",))
    try:
        s = await r.session()
        await s.expect("BootNotification")
        await s.expect("StatusNotification", {"connectorId": 2})
        assert [m.payload["connectorId"] for m in s.received("StatusNotification")] == [1, 2]
    finally:
        await r.station.stop()
        await r.csms.close()


async def test_change_availability_scheduled_during_transaction(rig: Rig) -> None:
    s = await _booted(rig)
    await rig.station.verbs.verb_plug_in({"connector_id": 1})
    await rig.station.verbs.verb_present_id_token({"id_token": "VALID001"})
    start = await s.expect("StartTransaction")
    assert isinstance(start.response, Mapping)
    answer = await s.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})
    assert answer == {"status": "Scheduled"}
    await s.call("RemoteStopTransaction", {"transactionId": start.response["transactionId"]})
    await s.expect("StopTransaction")
    await s.expect("StatusNotification", {"connectorId": 1, "status": "Unavailable"})
    assert await s.call("ChangeAvailability", {"connectorId": 1, "type": "Operative"}) == {
        "status": "Accepted"
    }
    assert rig.violations() == []


async def test_lock_failure_reports_faulted(rig: Rig) -> None:
    s = await _booted(rig)
    await rig.station.verbs.verb_plug_in_halfway({"connector_id": 2})
    faulted = await s.expect("StatusNotification", {"connectorId": 2, "status": "Faulted"})
    assert faulted.payload["errorCode"] == "ConnectorLockFailure"
    await rig.station.verbs.verb_present_id_token({"id_token": "VALID001", "connector_id": 2})
    await s.expect("Authorize")
    assert s.received("StartTransaction") == []
    await rig.station.verbs.verb_unplug({"connector_id": 2})
    await s.expect("StatusNotification", {"connectorId": 2, "status": "Available"})
    assert rig.violations() == []


async def test_data_transfer_and_clear_cache(rig: Rig) -> None:
    s = await _booted(rig)
    unknown = await s.call("DataTransfer", {"vendorId": "com.example"})
    assert unknown == {"status": "UnknownVendorId"}
    echo = await s.call("DataTransfer", {"vendorId": "org.ocpp-conformance", "data": "hi"})
    assert echo == {"status": "Accepted", "data": "hi"}
    rig.station.cache_store("VALID001", {"status": "Accepted"})
    assert await s.call("ClearCache", {}) == {"status": "Accepted"}
    assert rig.station.auth.cache == {}
    assert rig.violations() == []


async def test_local_list_versions(rig: Rig) -> None:
    s = await _booted(rig)
    assert await s.call("GetLocalListVersion", {}) == {"listVersion": 0}
    entry = {"idTag": "VALID001", "idTagInfo": {"status": "Accepted"}}
    full = {"listVersion": 3, "updateType": "Full", "localAuthorizationList": [entry]}
    assert await s.call("SendLocalList", full) == {"status": "Accepted"}
    assert await s.call("GetLocalListVersion", {}) == {"listVersion": 3}
    stale = {"listVersion": 3, "updateType": "Differential", "localAuthorizationList": [entry]}
    assert await s.call("SendLocalList", stale) == {"status": "VersionMismatch"}
    removal = {"listVersion": 4, "updateType": "Differential"}
    removal["localAuthorizationList"] = [{"idTag": "VALID001"}]
    assert await s.call("SendLocalList", removal) == {"status": "Accepted"}
    assert await s.call("GetLocalListVersion", {}) == {"listVersion": 0}  # empty again
    assert rig.violations() == []


async def test_reservation_reserved_then_used(rig: Rig) -> None:
    s = await _booted(rig)
    payload = {
        "connectorId": 1,
        "expiryDate": "2099-01-01T00:00:00Z",
        "idTag": "VALID001",
        "reservationId": 7,
    }
    assert await s.call("ReserveNow", payload) == {"status": "Accepted"}
    await s.expect("StatusNotification", {"connectorId": 1, "status": "Reserved"})
    assert await s.call("ReserveNow", {**payload, "reservationId": 8}) == {"status": "Occupied"}
    await rig.station.verbs.verb_plug_in({"connector_id": 1})
    await rig.station.verbs.verb_present_id_token({"id_token": "VALID001"})
    start = await s.expect("StartTransaction", {"connectorId": 1})
    assert start.payload["reservationId"] == 7
    assert await s.call("CancelReservation", {"reservationId": 7}) == {"status": "Rejected"}
    assert rig.violations() == []


async def test_trigger_message(rig: Rig) -> None:
    s = await _booted(rig)
    answer = await s.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1})
    assert answer == {"status": "Accepted"}
    mv = await s.expect("MeterValues", {"connectorId": 1})
    assert mv.payload["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"
    answer = await s.call("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 9})
    assert answer == {"status": "Rejected"}
    assert rig.violations() == []
