"""OCPP 1.6, DUT = Central System, Start Charging Session and Basic Actions Non-happy flow.

The charge point plays each way a session starts or fails to start; the Central System must
confirm every message, judge each idTag against its list and assign the transactionId.
"""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp16.csms import states

CONNECTOR = states.CONNECTOR


@testcase("TC_003_CSMS")
async def test_plugin_first(ctx: CaseContext) -> None:
    """Plug in first (Preparing), then Authorize and StartTransaction, both Accepted, then
    Charging (OCPP 1.6 sections 4.1, 4.8)."""
    st = await states.booted_station(ctx)
    await st.status16(CONNECTOR, "Preparing")
    tag = await states.authorized(ctx, st)
    await states.start_transaction(ctx, st, tag)
    await st.status16(CONNECTOR, "Charging")


@testcase("TC_004_1_CSMS")
async def test_identification_first(ctx: CaseContext) -> None:
    """Identification first: reusable state Charging (Authorize, Preparing, StartTransaction,
    Charging, a periodic MeterValues of the transaction), every answer accepted."""
    st = await states.booted_station(ctx)
    await states.charging(ctx, st)


@testcase("TC_004_2_CSMS")
async def test_identification_first_connection_timeout(ctx: CaseContext) -> None:
    """Authorized, Preparing, then no cable within ConnectionTimeOut: the connector goes back to
    Available and no transaction is started; the Central System confirms both notifications."""
    st = await states.booted_station(ctx)
    await states.authorized(ctx, st)
    await st.status16(CONNECTOR, "Preparing")
    await st.status16(CONNECTOR, "Available")


@testcase("TC_005_1_CSMS")
async def test_ev_side_disconnected(ctx: CaseContext) -> None:
    """Charging; the cable is pulled at the EV (SuspendedEV), the charge point stops the
    transaction (reason EVDisconnected), Finishing, then unplugged (Available)."""
    st = await states.booted_station(ctx)
    tx = await states.charging(ctx, st)
    await st.status16(CONNECTOR, "SuspendedEV")
    await states.finishing(ctx, st, tx, "EVDisconnected")


@testcase("TC_023_1_CSMS")
async def test_authorize_invalid(ctx: CaseContext) -> None:
    """OCPP 1.6 section 4.1: an idTag the Central System does not know is answered Invalid."""
    st = await states.booted_station(ctx)
    tag = ctx.dut.pixit.invalid_idtoken_idtoken
    res = await st.authorize16(tag)
    states.check_id_tag_status(ctx, res, "Authorize.conf", tag, "Invalid")


@testcase("TC_023_2_CSMS")
async def test_authorize_expired(ctx: CaseContext) -> None:
    """OCPP 1.6 section 4.1: an idTag the Central System holds as expired is answered Expired."""
    st = await states.booted_station(ctx)
    tag = ctx.dut.pixit.expired_idtoken_idtoken
    res = await st.authorize16(tag)
    states.check_id_tag_status(ctx, res, "Authorize.conf", tag, "Expired")


@testcase("TC_023_3_CSMS")
async def test_authorize_blocked(ctx: CaseContext) -> None:
    """OCPP 1.6 section 4.1: an idTag the Central System holds as blocked is answered Blocked."""
    st = await states.booted_station(ctx)
    tag = ctx.dut.pixit.blocked_idtoken_idtoken
    res = await st.authorize16(tag)
    states.check_id_tag_status(ctx, res, "Authorize.conf", tag, "Blocked")


@testcase("TC_024_CSMS")
async def test_lock_failure(ctx: CaseContext) -> None:
    """Authorized, Preparing, then the connector cannot be locked: StatusNotification Faulted
    with errorCode ConnectorLockFailure, which the Central System confirms."""
    st = await states.booted_station(ctx)
    await states.authorized(ctx, st)
    await st.status16(CONNECTOR, "Preparing")
    await st.status16(CONNECTOR, "Faulted", error_code="ConnectorLockFailure")
