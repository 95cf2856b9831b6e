"""OCPP 2.0.1, DUT = charging station, functional block P (DataTransfer), Core profile.

P01: a DataTransferRequest for a vendor the station does not implement; and the CustomData
extension element, which every 2.0.1 message may carry and a receiver that does not know it
ignores.
"""

from __future__ import annotations

import uuid

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp201.cs import states

OCTT_VENDOR = "org.openchargealliance.octt"


@testcase("TC_P_01_CS")
async def test_data_transfer_unknown_vendor(ctx: CaseContext) -> None:
    """P01.FR.05, P01.FR.06: a DataTransferRequest with vendorId org.openchargealliance.octt
    is answered UnknownVendorId, UnknownMessageId or Rejected (the official text allows Rejected
    for stations without vendor extensions). The messageId is generated, so it is unused."""
    s = await states.booted(ctx)
    message_id = f"unused-{uuid.uuid4().hex[:16]}"
    result = await s.call(
        "DataTransfer", {"vendorId": OCTT_VENDOR, "messageId": message_id, "data": "ping"}
    )
    status = result.get("status")
    ctx.check(
        status in ("UnknownVendorId", "UnknownMessageId", "Rejected"),
        f"DataTransferResponse for vendorId {OCTT_VENDOR!r} / messageId {message_id!r} is "
        f"{status!r}; a station that does not implement this vendor must answer "
        f"UnknownVendorId (or UnknownMessageId / Rejected)",
        requirement="P01.FR.05",
    )
    if status == "UnknownVendorId":
        ctx.check(
            "data" not in result,
            f"DataTransferResponse UnknownVendorId carries data {result.get('data')!r}; with an "
            f"unknown vendorId there is no data to return",
            requirement="P01.FR.06",
        )


@testcase("TC_P_03_CS")
async def test_custom_data_received(ctx: CaseContext) -> None:
    """CustomDataType (Part 2, 2.13): every 2.0.1 message may carry customData, which a station
    that does not know the vendor ignores. A GetVariablesRequest with customData at the top and
    inside its component and variable is answered exactly like the same request without it.
    (The official text for the CS side was not available; this follows the spec's definition.)"""
    s = await states.booted(ctx)
    component, variable = "OCPPCommCtrlr", "HeartbeatInterval"
    plain = await states.get_variable(ctx, s, component, variable)
    custom = {"vendorId": OCTT_VENDOR, "octtNote": "ignore me", "octtNumber": 42}
    result = await s.call(
        "GetVariables",
        {
            "customData": custom,
            "getVariableData": [
                {
                    "customData": custom,
                    "component": {"name": component, "customData": custom},
                    "variable": {"name": variable, "customData": custom},
                }
            ],
        },
    )
    items = result.get("getVariableResult") or [{}]
    got = dict(items[0])
    ctx.check(
        got.get("attributeStatus") == plain.get("attributeStatus")
        and got.get("attributeValue") == plain.get("attributeValue"),
        f"GetVariablesResponse for {component}.{variable} with customData says "
        f"{got.get('attributeStatus')!r} / {got.get('attributeValue')!r}, without it "
        f"{plain.get('attributeStatus')!r} / {plain.get('attributeValue')!r}; customData the "
        f"station does not know must be ignored",
    )
