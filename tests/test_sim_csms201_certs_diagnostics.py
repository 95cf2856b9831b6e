"""The reference 2.0.1 CSMS's blocks M and N (csms201_certificates.py, csms201_diagnostics.py)
against the harness's MockStation, in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from simrig import CsmsRig as Rig

from conformance.ocppj import OcppVersion
from conformance.sim.csms201 import ReferenceCsms201
from testcases.ocpp201.csms.truststore import TrustStore, parse_pem

V = OcppVersion.V201


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    r = await Rig.start(ReferenceCsms201, V, ())
    yield r
    await r.stop()


async def test_install_then_delete_by_reported_hash(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    st.conn.hold("InstallCertificate", "GetInstalledCertificateIds", "DeleteCertificate")
    code, body = await rig.verb(
        "install_certificate", station_id="CS1", certificate_type="ManufacturerRootCertificate"
    )
    assert code == 200 and "certificate" not in body  # the PEM is not echoed
    install = await st.conn.expect("InstallCertificate")
    cert = parse_pem(install.payload["certificate"])
    assert cert is not None and install.payload["certificateType"] == "ManufacturerRootCertificate"
    await install.reply({"status": "Accepted"})
    store = TrustStore()
    store.add("ManufacturerRootCertificate", cert)
    await rig.verb(
        "delete_certificate", station_id="CS1", certificate_type="ManufacturerRootCertificate"
    )
    ids = await st.conn.expect("GetInstalledCertificateIds")
    assert ids.payload == {"certificateType": ["ManufacturerRootCertificate"]}
    chain = store.chain(None, "SHA512")
    await ids.reply({"status": "Accepted", "certificateHashDataChain": chain})
    delete = await st.conn.expect("DeleteCertificate")
    assert delete.payload["certificateHashData"] == chain[0]["certificateHashData"]
    assert store.remove(delete.payload["certificateHashData"]) and not store.entries
    await delete.reply({"status": "Accepted"})
    assert not rig.violations()


async def test_get_log_and_customer_information_bookkeeping(rig: Rig) -> None:
    st = await rig.station()
    await st.boot()
    st.conn.hold("GetLog", "CustomerInformation")
    await rig.verb("get_log", station_id="CS1", log_type="SecurityLog")
    get_log = await st.conn.expect("GetLog")
    assert get_log.payload["logType"] == "SecurityLog"
    await get_log.reply({"status": "Accepted"})
    rid = get_log.payload["requestId"]
    for status in ("Uploading", "Uploaded"):
        assert (
            await st.conn.call("LogStatusNotification", {"status": status, "requestId": rid}) == {}
        )
    await rig.verb(
        "customer_information", station_id="CS1", customer_identifier="ACME-7", clear=True
    )
    info = await st.conn.expect("CustomerInformation")
    assert info.payload["customerIdentifier"] == "ACME-7" and info.payload["clear"] is True
    assert info.payload["report"] is True and info.payload["requestId"] != rid
    await info.reply({"status": "Accepted"})
    await st.conn.call(
        "NotifyCustomerInformation",
        {"data": "x", "seqNo": 0, "generatedAt": "2026-01-01T00:00:00Z", "requestId": 7},
    )
    state = rig.sim.state_json()["stations"]["CS1"]
    assert state["logUploads"] == {str(rid): ["Uploading", "Uploaded"]}
    assert state["customerInformation"] == {"7": 1}
    assert not rig.violations()


async def test_diagnostics_reports_of_a_pending_station_are_refused() -> None:
    r = await Rig.start(ReferenceCsms201, V, ())
    try:
        await r.verb("set_boot_status", station_id="CS1", status="Pending", interval=3)
        st = await r.station()
        await st.boot()
        err = await st.conn.call_expecting_error("LogStatusNotification", {"status": "Idle"})
        assert err.error_code == "SecurityError"
    finally:
        await r.stop()
