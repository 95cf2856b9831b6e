"""The reference 2.0.1 CSMS against the harness's MockStation, in-process and fast."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import websockets
from simrig import CsmsRig as Rig

from conformance.ocppj import OcppVersion
from conformance.sim.csms201 import ReferenceCsms201

V = OcppVersion.V201


async def _rig(faults: tuple[str, ...] = ()) -> Rig:
    return await Rig.start(ReferenceCsms201, V, faults)


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
    state = rig.sim.state_json()["stations"]["CS1"]
    assert state["connected"] and state["connectors"] == {"1/1": "Available", "2/1": "Available"}
    assert not rig.violations()


async def test_authorize_statuses(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    for token, status in [
        ("VALID001", "Accepted"),
        ("BLOCKED01", "Blocked"),
        ("EXPIRED01", "Expired"),
        ("NOBODY", "Invalid"),
    ]:
        res = await st.conn.call("Authorize", {"idToken": {"idToken": token, "type": "ISO14443"}})
        assert res["idTokenInfo"]["status"] == status


async def test_full_transaction_and_seqno_restart(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    token = {"idToken": "VALID001", "type": "ISO14443"}
    for _ in range(2):  # the second transaction starts again at seqNo 0 (TC_E_53)
        tx = st.new_transaction(1, 1)
        res = await st.transaction_event(tx, "Started", "Authorized", id_token=token)
        assert res["idTokenInfo"]["status"] == "Accepted"
        await st.transaction_event(tx, "Updated", "ChargingStateChanged", charging_state="Charging")
        await st.transaction_event(tx, "Ended", "StopAuthorized", stopped_reason="Local")
    txs = rig.sim.state_json()["stations"]["CS1"]["transactions"]
    assert [t["seqNos"] for t in txs.values()] == [[0, 1, 2], [0, 1, 2]]
    assert all(t["ended"] for t in txs.values())


async def test_remote_start_via_control_api(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    st.conn.hold("RequestStartTransaction")
    code, body = await rig.verb(
        "request_start_transaction", station_id="CS1", evse_id=1, id_token="VALID001"
    )
    assert code == 200 and body["ok"]
    msg = await st.conn.expect("RequestStartTransaction")
    assert msg.payload["evseId"] == 1 and msg.payload["idToken"]["idToken"] == "VALID001"
    await msg.reply({"status": "Accepted"})
    tx = st.new_transaction(1, 1, remote_start_id=msg.payload["remoteStartId"])
    await st.transaction_event(tx, "Started", "RemoteStart", id_token=msg.payload["idToken"])
    code, _ = await rig.verb("request_stop_transaction", station_id="CS1")
    assert code == 200
    stop = await st.conn.expect("RequestStopTransaction")
    assert stop.payload["transactionId"] == tx.transaction_id
    code, _ = await rig.verb("reset", station_id="NOPE")
    assert code == 409


async def test_pending_boot_security_error_and_trigger(rig: Rig) -> None:
    st = await rig.station()
    code, _ = await rig.verb("set_boot_status", station_id="CS1", status="Pending", interval=3)
    assert code == 200
    boot = await st.boot()
    assert boot["status"] == "Pending" and boot["interval"] == 3
    err = await st.conn.call_expecting_error("Heartbeat", {})
    assert err.error_code == "SecurityError"
    await rig.verb("trigger_message", station_id="CS1", requested_message="BootNotification")
    await st.conn.expect("TriggerMessage", {"requestedMessage": "BootNotification"})
    assert (await st.boot())["status"] == "Accepted"


async def test_unsupported_subprotocol_refused(rig: Rig) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus):
        await rig.station("CS2", subprotocols=["ocpp0.1"])
    st = await rig.station("CS3", subprotocols=["ocpp0.1", "ocpp2.0.1"])
    assert st.conn.info.subprotocol == "ocpp2.0.1"


@pytest.mark.parametrize(
    "fault",
    ["c201-boot-interval-zero", "c201-boot-bad-time", "c201-pending-ignored"],
)
async def test_boot_faults_show(fault: str) -> None:
    r = await _rig((fault,))
    try:
        st = await r.station()
        await r.verb("set_boot_status", station_id="CS1", status="Pending", interval=3)
        res = await st.boot()
        if fault == "c201-pending-ignored":
            assert res["status"] == "Accepted"
        elif fault == "c201-boot-interval-zero":
            assert res["status"] == "Pending"  # only an Accepted answer has interval 0
        else:
            assert any("date-time" in m for m in r.violations())
        await st.close()
    finally:
        await r.sim.stop()
