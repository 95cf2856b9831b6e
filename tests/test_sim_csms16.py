"""The reference 1.6 Central System against the harness's MockStation, in-process and fast."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import websockets
from simrig import CsmsRig as Rig

from conformance.ocppj import OcppVersion
from conformance.sim.csms16 import ReferenceCsms16

V = OcppVersion.V16


async def _rig(faults: tuple[str, ...] = ()) -> Rig:
    return await Rig.start(ReferenceCsms16, V, faults)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    r = await _rig()
    yield r
    await r.stop()


async def test_boot_heartbeat_and_status(rig: Rig) -> None:
    st = await rig.station()
    boot = await st.boot()
    assert boot["status"] == "Accepted" and boot["interval"] == 7
    assert "currentTime" in await st.conn.call("Heartbeat", {})
    await st.report_all_connectors()
    state = rig.state()
    assert state["connected"] and state["heartbeats"] == 1
    assert sorted(state["connectors"]) == ["0", "1", "2"]
    assert not rig.violations()


async def test_authorize_statuses(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    for tag, status in [
        ("VALID001", "Accepted"),
        ("BLOCKED01", "Blocked"),
        ("EXPIRED01", "Expired"),
        ("NOBODY", "Invalid"),
    ]:
        assert (await st.authorize16(tag))["idTagInfo"]["status"] == status


async def test_transaction_ids_are_assigned_and_unique(rig: Rig) -> None:
    a, b = await rig.station("CS1"), await rig.station("CS2")
    await a.boot()
    await b.boot()
    tx1, res1 = await a.start_transaction(1, "VALID001")
    tx2, _ = await b.start_transaction(1, "VALID001")
    assert res1["idTagInfo"]["status"] == "Accepted"
    assert tx1.transaction_id is not None and tx1.transaction_id != tx2.transaction_id
    await a.meter_values16(tx1, 1500)
    res = await a.stop_transaction(tx1, "Local", id_tag="VALID001", transaction_data=True)
    assert res["idTagInfo"]["status"] == "Accepted"
    txs = rig.state("CS1")["transactions"]
    record = txs[str(tx1.transaction_id)]
    assert record["ended"] and record["meterStop"] == 1500 and record["meterValues"] == 3
    assert not rig.violations()


async def test_stop_of_unknown_transaction_is_confirmed(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    res = await st.conn.call(
        "StopTransaction",
        {"transactionId": 999, "meterStop": 0, "timestamp": "2024-01-01T00:00:00Z"},
    )
    assert res == {}


async def test_remote_start_and_stop_via_control_api(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    st.conn.hold("RemoteStartTransaction")
    code, body = await rig.verb(
        "request_start_transaction", station_id="CS1", connector_id=2, id_token="VALID001"
    )
    assert code == 200 and body["ok"]
    msg = await st.conn.expect("RemoteStartTransaction")
    assert msg.payload == {"idTag": "VALID001", "connectorId": 2}
    await msg.reply({"status": "Accepted"})
    tx, _ = await st.start_transaction(2, "VALID001")
    code, _ = await rig.verb("request_stop_transaction", station_id="CS1")
    assert code == 200
    stop = await st.conn.expect("RemoteStopTransaction")
    assert stop.payload == {"transactionId": tx.transaction_id}
    code, _ = await rig.verb("reset", station_id="NOPE")
    assert code == 409


async def test_configuration_and_other_verbs(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    await rig.verb("get_configuration", station_id="CS1", keys=["HeartbeatInterval"])
    msg = await st.conn.expect("GetConfiguration")
    assert msg.payload == {"key": ["HeartbeatInterval"]}
    await rig.verb("change_configuration", station_id="CS1", key="HeartbeatInterval", value="30")
    await st.conn.expect("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "30"})
    for verb, args, action in [
        ("reset", {"type": "Hard"}, "Reset"),
        ("unlock_connector", {"connector_id": 1}, "UnlockConnector"),
        ("change_availability", {"operational_status": "Inoperative"}, "ChangeAvailability"),
        ("clear_cache", {}, "ClearCache"),
        ("trigger_message", {"requested_message": "Heartbeat"}, "TriggerMessage"),
        ("data_transfer", {"vendor_id": "acme"}, "DataTransfer"),
    ]:
        code, _ = await rig.verb(verb, station_id="CS1", **args)
        assert code == 200, verb
        await st.conn.expect(action)
    # the operator requests run as background tasks of the simulator: let them finish
    await asyncio.wait_for(asyncio.gather(*list(rig.sim._tasks)), 2)
    assert st.cp.config["HeartbeatInterval"] == "30"
    assert rig.state()["responses"]["UnlockConnector"] == {"status": "Unlocked"}
    assert not rig.violations()


async def test_pending_boot_then_security_error(rig: Rig) -> None:
    st = await rig.station()
    code, _ = await rig.verb("set_boot_status", station_id="CS1", status="Pending", interval=3)
    assert code == 200
    boot = await st.boot()
    assert boot["status"] == "Pending" and boot["interval"] == 3
    err = await st.conn.call_expecting_error("Heartbeat", {})
    assert err.error_code == "SecurityError"
    assert (await st.boot())["status"] == "Accepted"


async def test_unsupported_subprotocol_refused(rig: Rig) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus):
        await rig.station("CS2", subprotocols=["ocpp2.0.1"])
    st = await rig.station("CP3", subprotocols=["ocpp2.0.1", "ocpp1.6"])
    assert st.conn.info.subprotocol == "ocpp1.6"


async def test_transactions_survive_a_reconnect(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    tx, _ = await st.start_transaction(1, "VALID001")
    await st.close()
    again = await rig.station()
    again.cp.transactions.append(tx)
    assert await again.stop_transaction(tx, "PowerLoss") == {}
    assert rig.state()["transactions"][str(tx.transaction_id)]["reason"] == "PowerLoss"


@pytest.mark.parametrize(
    ("fault", "tag", "expected"),
    [
        ("c16-unknown-token-accepted", "NOBODY", "Accepted"),
        ("c16-blocked-as-invalid", "BLOCKED01", "Invalid"),
        ("c16-expired-as-invalid", "EXPIRED01", "Invalid"),
    ],
)
async def test_token_faults_show(fault: str, tag: str, expected: str) -> None:
    r = await _rig((fault,))
    try:
        st = await r.station()
        await st.boot()
        assert (await st.authorize16(tag))["idTagInfo"]["status"] == expected
        await st.close()
    finally:
        await r.sim.stop()


async def test_heartbeat_fault_is_a_schema_violation() -> None:
    r = await _rig(("c16-heartbeat-no-time",))
    try:
        st = await r.station()
        await st.boot()
        await st.conn.call("Heartbeat", {})
        assert any("currentTime" in m for m in r.violations())
        await st.close()
    finally:
        await r.sim.stop()


async def test_mock_charge_point_answers_configuration_like_a_core_charge_point(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    for key, value, status in [
        ("MeterValueSampleInterval", "60", "Accepted"),
        ("MeterValueSampleInterval", "-1", "Rejected"),
        ("NumberOfConnectors", "3", "Rejected"),
        ("NoSuchKey", "1", "NotSupported"),
    ]:
        st.conn.hold("ChangeConfiguration")
        await rig.verb("change_configuration", station_id="CS1", key=key, value=value)
        msg = await st.conn.expect("ChangeConfiguration")
        assert st.conn.defaults["ChangeConfiguration"](msg) == {"status": status}, key
        await msg.reply({"status": status})
    st.conn.hold("GetConfiguration")
    await rig.verb("get_configuration", station_id="CS1", keys=["NumberOfConnectors", "Nope"])
    msg = await st.conn.expect("GetConfiguration")
    answer = st.conn.defaults["GetConfiguration"](msg)
    assert answer == {
        "configurationKey": [{"key": "NumberOfConnectors", "readonly": True, "value": "2"}],
        "unknownKey": ["Nope"],
    }
    assert st.cp.config["MeterValueSampleInterval"] == "60"


async def test_local_list_and_reservation_verbs(rig: Rig) -> None:
    """The Local Auth List and Reservation verbs: versions go up, entries carry idTagInfo,
    the mock charge point applies the list, a reservation is cancelled by its id."""
    st = await rig.station()
    await st.boot()
    await rig.verb("send_local_list", station_id="CS1", update_type="Full")
    full = await st.conn.expect("SendLocalList")
    assert full.payload["updateType"] == "Full" and full.payload["listVersion"] == 1
    assert all("idTagInfo" in e for e in full.payload["localAuthorizationList"])
    await rig.verb(
        "send_local_list", station_id="CS1", update_type="Differential", id_tokens=["X1"]
    )
    diff = await st.conn.expect("SendLocalList", {"updateType": "Differential"})
    assert diff.payload["listVersion"] == 2
    assert [e["idTag"] for e in diff.payload["localAuthorizationList"]] == ["X1"]
    await rig.verb("get_local_list_version", station_id="CS1")
    assert (await st.conn.expect("GetLocalListVersion")).payload == {}
    await rig.verb("reserve_now", station_id="CS1", connector_id=1, id_token="VALID001")
    reserve = await st.conn.expect("ReserveNow", {"connectorId": 1, "idTag": "VALID001"})
    await rig.verb("cancel_reservation", station_id="CS1")
    cancel = await st.conn.expect("CancelReservation")
    assert cancel.payload == {"reservationId": reserve.payload["reservationId"]}
    await asyncio.wait_for(asyncio.gather(*list(rig.sim._tasks)), 2)
    assert st.cp.local_list_version == 2 and "X1" in st.cp.local_list
    assert rig.state()["responses"]["CancelReservation"] == {"status": "Accepted"}
    assert not rig.violations()
