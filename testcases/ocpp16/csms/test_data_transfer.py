"""OCPP 1.6, DUT = Central System, DataTransfer (Core profile)."""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp16.csms import states

VENDOR_ID = "org.ocpp-conformance.unknown-vendor"  # a vendorId no Central System implements


@testcase("TC_064_CSMS")
async def test_data_transfer_to_central_system(ctx: CaseContext) -> None:
    """OCPP 1.6 section 4.3: a DataTransfer.req for a vendorId the Central System has no
    implementation for is answered Rejected, UnknownMessageId or UnknownVendorId (Accepted is
    tolerated with a warning, as the official case does)."""
    st = await states.booted_station(ctx)
    res = await st.conn.call(
        "DataTransfer", {"vendorId": VENDOR_ID, "messageId": "Probe", "data": "conformance"}
    )
    status = res.get("status")
    ctx.check(
        status in ("Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId"),
        f"DataTransfer.conf status is {status!r}",
    )
    ctx.warn(
        status != "Accepted",
        f"DataTransfer.conf Accepted a vendorId ({VENDOR_ID}) the Central System cannot "
        f"implement; UnknownVendorId is expected",
    )
    if status == "UnknownVendorId":
        ctx.check(
            "data" not in res,
            "DataTransfer.conf with status UnknownVendorId carries data; section 4.3 says the "
            "data element shall not be present",
        )
