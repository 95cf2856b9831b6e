"""OCPP 1.6, DUT = Central System, Remote actions (happy and non-happy flow), Core profile.

The operator starts or stops a session from the back office; the case checks the Central
System's RemoteStartTransaction / RemoteStopTransaction and plays the charge point's answer.
"""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.station import Transaction16
from conformance.session import Incoming
from testcases.ocpp16.csms import states

CONNECTOR = states.CONNECTOR


async def _remote_start(ctx: CaseContext, st: MockStation) -> Incoming:
    """The operator starts a session on <Configured ConnectorId> for <Configured valid IdTag>;
    check the RemoteStartTransaction.req (OCPP 1.6 section 5.11)."""
    tag = states.valid_id_tag(ctx)
    msg = await states.operator_request(
        ctx,
        st,
        "RemoteStartTransaction",
        "request_start_transaction",
        evse_id=CONNECTOR,
        id_token=tag,
    )
    got = msg.payload.get("idTag")
    ctx.check(
        got == tag,
        f"RemoteStartTransaction.req idTag is {got!r}, expected the configured {tag!r}",
    )
    if "connectorId" in msg.payload:
        ctx.check(
            msg.payload["connectorId"] == CONNECTOR,
            f"RemoteStartTransaction.req connectorId is {msg.payload['connectorId']}, but the "
            f"operator started the session on connector {CONNECTOR}",
        )
    return msg


async def _remote_stop(ctx: CaseContext, st: MockStation, tx: Transaction16) -> Incoming:
    """The operator stops the ongoing transaction; the request must name its transactionId."""
    msg = await states.operator_request(
        ctx,
        st,
        "RemoteStopTransaction",
        "request_stop_transaction",
        transaction_id=tx.transaction_id,
    )
    got = msg.payload.get("transactionId")
    ctx.check(
        got == tx.transaction_id,
        f"RemoteStopTransaction.req transactionId is {got!r}, but the ongoing transaction is "
        f"{tx.transaction_id} (as assigned in StartTransaction.conf)",
    )
    return msg


@testcase("TC_010_CSMS", verbs=("request_start_transaction",))
async def test_remote_start_cable_first(ctx: CaseContext) -> None:
    """Cable plugged in (Preparing), then the operator starts remotely; the charge point
    accepts, authorizes (AuthorizeRemoteTxRequests true) and starts; Charging."""
    st = await states.booted_station(ctx)
    await st.status16(CONNECTOR, "Preparing")
    msg = await _remote_start(ctx, st)
    await msg.reply({"status": "Accepted"})
    tag = await states.authorized(ctx, st, str(msg.payload["idTag"]))
    await states.start_transaction(ctx, st, tag)
    await st.status16(CONNECTOR, "Charging")


@testcase("TC_011_1_CSMS", verbs=("request_start_transaction",))
async def test_remote_start_first(ctx: CaseContext) -> None:
    """The operator starts remotely first; the charge point accepts and authorizes, the EV
    driver plugs in (Preparing), StartTransaction Accepted, Charging."""
    st = await states.booted_station(ctx)
    msg = await _remote_start(ctx, st)
    await msg.reply({"status": "Accepted"})
    tag = await states.authorized(ctx, st, str(msg.payload["idTag"]))
    await st.status16(CONNECTOR, "Preparing")
    await states.start_transaction(ctx, st, tag)
    await st.status16(CONNECTOR, "Charging")


@testcase("TC_011_2_CSMS", verbs=("request_start_transaction",))
async def test_remote_start_time_out(ctx: CaseContext) -> None:
    """The operator starts remotely; accepted and authorized (Preparing), but no cable comes
    within ConnectionTimeOut, so the connector returns to Available without a transaction."""
    st = await states.booted_station(ctx)
    msg = await _remote_start(ctx, st)
    await msg.reply({"status": "Accepted"})
    await states.authorized(ctx, st, str(msg.payload["idTag"]))
    await st.status16(CONNECTOR, "Preparing")
    await st.status16(CONNECTOR, "Available")


@testcase("TC_012_CSMS", verbs=("request_stop_transaction",))
async def test_remote_stop(ctx: CaseContext) -> None:
    """OCPP 1.6 section 5.12: Charging; the operator stops remotely with the transaction's id;
    StopTransaction (reason Remote), Finishing, unplugged (Available)."""
    st = await states.booted_station(ctx)
    tx = await states.charging(ctx, st)
    msg = await _remote_stop(ctx, st, tx)
    await msg.reply({"status": "Accepted"})
    await states.finishing(ctx, st, tx, "Remote")


@testcase("TC_026_CSMS", verbs=("request_start_transaction",))
async def test_remote_start_rejected(ctx: CaseContext) -> None:
    """The charge point rejects the remote start; the Central System takes the answer and the
    charge point stays in normal operation (its next Heartbeat is answered)."""
    st = await states.booted_station(ctx)
    msg = await _remote_start(ctx, st)
    await msg.reply({"status": "Rejected"})
    res = await st.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"Heartbeat.conf has no currentTime: {res}")


@testcase("TC_028_CSMS", verbs=("request_stop_transaction",))
async def test_remote_stop_rejected(ctx: CaseContext) -> None:
    """Charging; the charge point rejects the remote stop; the Central System takes the answer
    and keeps confirming the transaction's meter values."""
    st = await states.booted_station(ctx)
    tx = await states.charging(ctx, st)
    msg = await _remote_stop(ctx, st, tx)
    await msg.reply({"status": "Rejected"})
    await st.meter_values16(tx, tx.meter + 250)
