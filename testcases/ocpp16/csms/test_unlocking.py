"""OCPP 1.6, DUT = Central System, Unlocking (happy and non-happy flow), Core profile."""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp16.csms import states

CONNECTOR = states.CONNECTOR


async def _unlock(ctx: CaseContext, st: MockStation, connector: int) -> Incoming:
    """OCPP 1.6 section 5.17: the operator unlocks `connector`; check the UnlockConnector.req."""
    msg = await states.operator_request(
        ctx, st, "UnlockConnector", "unlock_connector", evse_id=connector, connector_id=connector
    )
    got = msg.payload.get("connectorId")
    ctx.check(
        got == connector,
        f"UnlockConnector.req connectorId is {got!r}, but the operator asked to unlock "
        f"connector {connector}",
    )
    return msg


@testcase("TC_017_1_CSMS", verbs=("unlock_connector",))
async def test_unlock_no_session(ctx: CaseContext) -> None:
    """No transaction; the connector is unlocked (status Unlocked)."""
    st = await states.booted_station(ctx)
    msg = await _unlock(ctx, st, CONNECTOR)
    await msg.reply({"status": "Unlocked"})


@testcase("TC_017_2_CSMS", verbs=("unlock_connector",))
async def test_unlock_fixed_cable(ctx: CaseContext) -> None:
    """No transaction; a fixed cable cannot be unlocked (status NotSupported)."""
    st = await states.booted_station(ctx)
    msg = await _unlock(ctx, st, CONNECTOR)
    await msg.reply({"status": "NotSupported"})


@testcase("TC_018_1_CSMS", verbs=("unlock_connector",))
async def test_unlock_with_session(ctx: CaseContext) -> None:
    """Charging; unlocking ends the transaction first: Unlocked, StopTransaction (reason
    UnlockCommand), Finishing, then unplugged (Available)."""
    st = await states.booted_station(ctx)
    tx = await states.charging(ctx, st)
    msg = await _unlock(ctx, st, tx.connector_id)
    await msg.reply({"status": "Unlocked"})
    await states.finishing(ctx, st, tx, "UnlockCommand")


@testcase("TC_030_CSMS", verbs=("unlock_connector",))
async def test_unlock_failure(ctx: CaseContext) -> None:
    """The charge point fails to unlock (status UnlockFailed); the Central System takes it and
    the charge point stays in normal operation."""
    st = await states.booted_station(ctx)
    msg = await _unlock(ctx, st, CONNECTOR)
    await msg.reply({"status": "UnlockFailed"})
    res = await st.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"Heartbeat.conf has no currentTime: {res}")


@testcase("TC_031_CSMS", verbs=("unlock_connector",))
async def test_unlock_unknown_connector(ctx: CaseContext) -> None:
    """The operator names a connector the charge point does not have; it answers NotSupported."""
    st = await states.booted_station(ctx)
    unknown = st.cp.connectors + 1
    msg = await _unlock(ctx, st, unknown)
    await msg.reply({"status": "NotSupported"})
