"""The reference 2.0.1 CSMS's block H (csms201_reservations.py) against the harness's
MockStation, in-process."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from simrig import CsmsRig as Rig

from conformance.ocppj import OcppVersion
from conformance.roles.clock import parse_iso
from conformance.sim.csms201 import ReferenceCsms201

V = OcppVersion.V201


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    r = await Rig.start(ReferenceCsms201, V, ())
    yield r
    await r.stop()


async def test_reserve_cancel_and_status_update_bookkeeping(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    st.conn.hold("ReserveNow", "CancelReservation")
    code, _ = await rig.verb(
        "reserve_now",
        station_id="CS1",
        evse_id=2,
        id_token="VALID001",
        type="ISO14443",
        parent_id_token="GROUP001",
        expiry_seconds=60,
    )
    assert code == 200
    first = await st.conn.expect("ReserveNow")
    p = first.payload
    assert p["evseId"] == 2 and "connectorType" not in p
    assert p["idToken"] == {"idToken": "VALID001", "type": "ISO14443"}
    assert p["groupIdToken"]["idToken"] == "GROUP001"
    ahead = (parse_iso(p["expiryDateTime"]) - dt.datetime.now(dt.UTC)).total_seconds()
    assert 50 < ahead <= 60  # now + the operator's expiry_seconds
    await first.reply({"status": "Accepted"})
    await rig.verb("reserve_now", station_id="CS1", connector_type="cType2")
    second = await st.conn.expect("ReserveNow")
    assert "evseId" not in second.payload and second.payload["connectorType"] == "cType2"
    assert second.payload["id"] != p["id"]  # a repeated id would replace the first one
    await second.reply({"status": "Rejected"})
    await rig.verb("cancel_reservation", station_id="CS1", reservation_id=p["id"])
    cancel = await st.conn.expect("CancelReservation")
    assert cancel.payload == {"reservationId": p["id"]}
    await cancel.reply({"status": "Accepted"})
    update = {"reservationId": second.payload["id"], "reservationUpdateStatus": "Removed"}
    assert await st.conn.call("ReservationStatusUpdate", update) == {}
    reservations = rig.sim.state_json()["stations"]["CS1"]["reservations"]
    assert reservations == {str(p["id"]): "Canceled", str(second.payload["id"]): "Removed"}
    assert not rig.violations()


async def test_refused_reservation_keeps_the_connection(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    st.conn.hold("ReserveNow")
    await rig.verb("reserve_now", station_id="CS1", evse_id=1)
    msg = await st.conn.expect("ReserveNow")
    await msg.reply({"status": "Occupied"})
    assert "currentTime" in await st.conn.call("Heartbeat", {})
    assert not st.conn.closed.is_set()
