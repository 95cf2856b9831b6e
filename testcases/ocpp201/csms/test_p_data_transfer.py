"""OCPP 2.0.1, DUT = CSMS, functional block P (DataTransfer), Core profile.

A CSMS need not implement any vendor extension, but it must answer a DataTransferRequest it
cannot handle with the status that says why (P02.FR.06/07), and it must accept the customData
element that every 2.0.1 message type allows, ignoring what it does not understand.
"""

from __future__ import annotations

from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles.clock import now_iso
from testcases.ocpp201.csms import states

EVSE = 1  # <Configured evseId>
CONNECTOR = 1  # <Configured connectorId>
# <Configured vendorId> / <Configured messageId>: an extension no CSMS implements.
VENDOR_ID = "org.openchargealliance.octt"
MESSAGE_ID = "ConformanceProbe"


def _custom_data(where: str) -> dict[str, Any]:
    """A customData element: vendorId plus vendor properties the CSMS does not know."""
    return {"vendorId": "org.ocpp-conformance", "probe": where, "values": [1, 2, 3]}


@testcase("TC_P_02_CSMS")
async def test_data_transfer_unknown_vendor(ctx: CaseContext) -> None:
    """P02.FR.06, P02.FR.07: a DataTransfer for an unknown vendorId / messageId is answered
    UnknownVendorId or UnknownMessageId (Rejected is tolerated, as the official case does)."""
    st = await states.booted_station(ctx)
    res = await st.conn.call(
        "DataTransfer", {"vendorId": VENDOR_ID, "messageId": MESSAGE_ID, "data": "conformance"}
    )
    status = res.get("status")
    ctx.check(
        status in ("UnknownVendorId", "UnknownMessageId", "Rejected"),
        f"DataTransferResponse status is {status!r} for vendorId {VENDOR_ID!r} / messageId "
        f"{MESSAGE_ID!r}, which the CSMS cannot implement; expected UnknownVendorId, "
        f"UnknownMessageId or Rejected",
        requirement="P02.FR.06",
    )
    if status == "UnknownVendorId":
        ctx.check(
            "data" not in res,
            f"DataTransferResponse UnknownVendorId carries data {res.get('data')!r}; there is "
            f"no vendor implementation that could have produced it",
        )


@testcase("TC_P_03_CSMS")
async def test_custom_data_received(ctx: CaseContext) -> None:
    """OCPP 2.0.1 Part 2 (CustomDataType): the CSMS answers a StatusNotification and a
    TransactionEvent that carry customData (at the top and in transactionInfo) normally."""
    st = await states.booted_station(ctx)
    await st.conn.call(
        "StatusNotification",
        {
            "timestamp": now_iso(),
            "connectorStatus": "Occupied",
            "evseId": EVSE,
            "connectorId": CONNECTOR,
            "customData": _custom_data("StatusNotificationRequest"),
        },
    )
    st.model.statuses[(EVSE, CONNECTOR)] = "Occupied"
    tx = st.new_transaction(EVSE, CONNECTOR)
    await st.conn.call(
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": now_iso(),
            "triggerReason": "CablePluggedIn",
            "seqNo": tx.next_seq(),
            "transactionInfo": {
                "transactionId": tx.transaction_id,
                "chargingState": "EVConnected",
                "customData": _custom_data("TransactionType"),
            },
            "evse": {"id": EVSE, "connectorId": CONNECTOR},
            "customData": _custom_data("TransactionEventRequest"),
        },
    )
