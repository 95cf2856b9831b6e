"""The reference 2.0.1 CSMS's Local Authorization List (csms201_locallist.py) against the
harness's MockStation, in-process: versions, what it takes on, and the N10.FR.02 follow-up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from simrig import CsmsRig as Rig

from conformance.ocppj import OcppVersion
from conformance.sim.csms201 import ReferenceCsms201

V = OcppVersion.V201
TOKEN = {"idToken": "VALID001", "type": "ISO14443"}


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    r = await Rig.start(ReferenceCsms201, V, ())
    yield r
    await r.stop()


async def test_versions_follow_the_station(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    st.conn.hold("SendLocalList", "GetLocalListVersion")
    await rig.verb("send_local_list", station_id="CS1", update_type="Full", id_tokens=[TOKEN])
    full = await st.conn.expect("SendLocalList")
    assert full.payload["versionNumber"] == 1 and full.payload["updateType"] == "Full"
    assert full.payload["localAuthorizationList"][0]["idTokenInfo"]["status"] == "Accepted"
    await full.reply({"status": "Failed"})
    await st.conn.call("Heartbeat", {})  # the CSMS has recorded the answer by now
    assert rig.sim.state_json()["stations"]["CS1"]["localList"]["versionNumber"] == 0
    await rig.verb("get_local_list_version", station_id="CS1")
    get = await st.conn.expect("GetLocalListVersion")
    assert get.payload == {}
    await get.reply({"versionNumber": 7})
    await rig.verb("remove_from_local_list", station_id="CS1", id_tokens=[TOKEN])
    remove = await st.conn.expect("SendLocalList")
    assert remove.payload == {
        "versionNumber": 8,
        "updateType": "Differential",
        "localAuthorizationList": [{"idToken": TOKEN}],
    }
    await remove.reply({"status": "Accepted"})
    await rig.verb("clear_local_list", station_id="CS1")
    clear = await st.conn.expect("SendLocalList")
    assert clear.payload == {"versionNumber": 9, "updateType": "Full"}
    await clear.reply({"status": "Accepted"})
    await st.conn.call("Heartbeat", {})  # the CSMS has recorded the answers by now
    assert rig.sim.state_json()["stations"]["CS1"]["localList"] == {
        "versionNumber": 9,
        "idTokens": [],
    }
    assert not rig.violations()


async def test_a_cleared_customer_leaves_the_list(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    st.conn.hold("SendLocalList", "CustomerInformation")
    await rig.verb("send_local_list", station_id="CS1", update_type="Full", id_tokens=[TOKEN])
    await (await st.conn.expect("SendLocalList")).reply({"status": "Accepted"})
    await rig.verb("customer_information", station_id="CS1", id_token="VALID001", clear=True)
    info = await st.conn.expect("CustomerInformation")
    await info.reply({"status": "Accepted"})
    update = await st.conn.expect("SendLocalList")
    assert update.payload == {
        "versionNumber": 2,
        "updateType": "Differential",
        "localAuthorizationList": [{"idToken": TOKEN}],
    }
    await update.reply({"status": "Accepted"})
    # A customer who is not on the list: no update follows.
    await rig.verb("customer_information", station_id="CS1", id_token="VALID001", clear=True)
    await (await st.conn.expect("CustomerInformation")).reply({"status": "Accepted"})
    await st.conn.expect_none("SendLocalList", during=0.2)
    assert not rig.violations()
