"""OCPP 2.0.1, DUT = CSMS, functional block C (Authorization), Core profile.

The CSMS judges every idToken a station presents, in an AuthorizeRequest (C01) or in a
TransactionEvent after the station authorized it from its cache (C12), and it can ask the
station to clear that cache (C11). With the Local Auth List Management profile, idTokens of
one group are also authorized from the Local Authorization List the CSMS sent (C09).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp201.csms import locallist, states

EVSE = 1  # <Configured evseId>
CONNECTOR = 1  # <Configured connectorId>


async def _authorize_not_accepted(
    ctx: CaseContext, token: Mapping[str, str], what: str, allowed: tuple[str, ...], req: str
) -> None:
    st = await states.booted_station(ctx)
    status = await states.authorize(ctx, st, token)
    ctx.check(
        status in allowed,
        f"AuthorizeResponse idTokenInfo.status is {status!r} for the configured {what} idToken "
        f"{token['idToken']!r}, expected {' or '.join(allowed)}",
        requirement=req,
    )


@testcase("TC_C_02_CSMS")
async def test_authorize_invalid(ctx: CaseContext) -> None:
    """C01.FR.07: the CSMS reports an idToken it does not know as Invalid (or Unknown)."""
    await _authorize_not_accepted(
        ctx, states.invalid_token(ctx), "invalid", ("Invalid", "Unknown"), "C01.FR.07"
    )


@testcase("TC_C_06_CSMS")
async def test_authorize_blocked(ctx: CaseContext) -> None:
    """C01.FR.07: the CSMS reports a blocked idToken as Blocked (or Invalid)."""
    await _authorize_not_accepted(
        ctx, states.blocked_token(ctx), "blocked", ("Blocked", "Invalid"), "C01.FR.07"
    )


@testcase("TC_C_07_CSMS")
async def test_authorize_expired(ctx: CaseContext) -> None:
    """C01.FR.07: the CSMS reports an expired idToken as Expired (or Invalid)."""
    await _authorize_not_accepted(
        ctx, states.expired_token(ctx), "expired", ("Expired", "Invalid"), "C01.FR.07"
    )


@testcase("TC_C_08_CSMS")
async def test_cache_authorized_accepted(ctx: CaseContext) -> None:
    """C12.FR.03: a valid idToken the station took from its cache (no AuthorizeRequest) is
    Accepted in the TransactionEventResponse."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.parking_bay_occupied(ctx, st, tx)  # TxStartPoint ParkingBayOccupancy
    token = states.valid_token(ctx)
    tx.id_token = token
    res = await st.transaction_event(tx, "Updated", "Authorized", id_token=token)
    status = states.token_status(ctx, res, "TransactionEventResponse to the Authorized event")
    ctx.check(
        status == "Accepted",
        f"TransactionEventResponse idTokenInfo.status is {status!r} for the valid idToken "
        f"{token['idToken']!r} from the station's authorization cache, expected Accepted",
        requirement="C12.FR.03",
    )


@testcase("TC_C_20_CSMS")
async def test_cache_authorized_invalid(ctx: CaseContext) -> None:
    """C12: TC_C_08_CSMS with an idToken the CSMS does not accept (the station authorized it
    from its cache); the TransactionEventResponse must say Invalid so the station stops the
    transaction and updates its cache (the official text of this case was not available)."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.parking_bay_occupied(ctx, st, tx)
    token = states.invalid_token(ctx)
    tx.id_token = token
    res = await st.transaction_event(tx, "Updated", "Authorized", id_token=token)
    status = states.token_status(ctx, res, "TransactionEventResponse to the Authorized event")
    ctx.check(
        status in ("Invalid", "Unknown"),
        f"TransactionEventResponse idTokenInfo.status is {status!r} for the configured invalid "
        f"idToken {token['idToken']!r} the station took from its cache, expected Invalid",
    )
    await st.transaction_event(tx, "Ended", "Deauthorized", stopped_reason="DeAuthorized")


@testcase("TC_C_37_CSMS", verbs=("clear_cache",))
async def test_clear_cache_accepted(ctx: CaseContext) -> None:
    """C11.FR.01: the operator clears the station's authorization cache (ClearCacheRequest);
    the station accepts."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(ctx, st, "ClearCache", "clear_cache")
    await msg.reply({"status": "Accepted"})


@testcase("TC_C_38_CSMS", verbs=("clear_cache",))
async def test_clear_cache_rejected(ctx: CaseContext) -> None:
    """C11.FR.04: the station rejects the ClearCacheRequest (its cache is disabled); the CSMS
    takes the answer and keeps serving the station."""
    st = await states.booted_station(ctx)
    msg = await states.operator_request(ctx, st, "ClearCache", "clear_cache")
    await msg.reply({"status": "Rejected"})
    res = await st.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"HeartbeatResponse has no currentTime: {res}")


def _check_group(
    ctx: CaseContext,
    res: Mapping[str, Any],
    what: str,
    token: Mapping[str, str],
    group: str,
    requirement: str,
) -> None:
    """idTokenInfo says Accepted and names `group` as the token's groupIdToken."""
    status = states.token_status(ctx, res, what)
    ctx.check(
        status == "Accepted",
        f"{what}: idTokenInfo.status is {status!r} for idToken {token['idToken']!r}, "
        f"expected Accepted",
        requirement=requirement,
    )
    got = (res.get("idTokenInfo") or {}).get("groupIdToken")
    ctx.check(
        isinstance(got, Mapping) and got.get("idToken") == group,
        f"{what}: idTokenInfo.groupIdToken is {got!r} for idToken {token['idToken']!r}, "
        f"expected idToken {group!r}: without it the station cannot match the group",
        requirement=requirement,
    )


@testcase("TC_C_39_CSMS")
async def test_group_id_authorization(ctx: CaseContext) -> None:
    """C09.FR.02, C09.FR.03: two valid idTokens of one group; the CSMS names the group in
    every answer, so the second token may stop the transaction the first one started."""
    st = await states.booted_station(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.ev_connected_pre_session(ctx, st, tx)
    group = ctx.dut.pixit.group_idtoken
    first, second = states.valid_token(ctx), states.valid_token2(ctx)
    res = await st.conn.call("Authorize", {"idToken": second})
    _check_group(ctx, res, "AuthorizeResponse (valid idToken 2)", second, group, "C09.FR.02")
    tx.id_token = first
    res = await st.transaction_event(tx, "Updated", "Authorized", id_token=first)
    _check_group(ctx, res, "TransactionEventResponse (Authorized)", first, group, "C09.FR.02")
    await states.energy_transfer_started(ctx, st, tx, ev_connected=True)
    res = await st.conn.call("Authorize", {"idToken": second})
    _check_group(ctx, res, "AuthorizeResponse (valid idToken 2)", second, group, "C09.FR.03")
    res = await st.transaction_event(tx, "Updated", "StopAuthorized", id_token=second)
    _check_group(ctx, res, "TransactionEventResponse (StopAuthorized)", second, group, "C09.FR.03")
    await states.ev_connected_post_session(ctx, st, tx)
    await states.ev_disconnected(ctx, st, tx)


async def _master_pass_stop(ctx: CaseContext, *, stop_all: bool, requirement: str) -> None:
    """EnergyTransferStarted on EVSE 1 (valid idToken) and EVSE 2 (valid idToken 2); the
    master pass is presented (Authorize), then the chosen transactions end with
    stoppedReason MasterPass and the master pass as idToken."""
    st = await states.booted_station(ctx)
    tokens = [states.valid_token(ctx), states.valid_token2(ctx)]
    txs = [
        await states.energy_transfer_session(ctx, st, evse_id, id_token=token)
        for evse_id, token in zip(sorted(st.model.evses)[:2], tokens, strict=False)
    ]
    master = states.masterpass_token(ctx)
    res = await st.conn.call("Authorize", {"idToken": master})
    group = ctx.dut.pixit.master_pass_group_id
    _check_group(ctx, res, "AuthorizeResponse (master pass)", master, group, requirement)
    for tx in txs if stop_all else txs[:1]:
        res = await st.transaction_event(
            tx,
            "Ended",
            "StopAuthorized",
            charging_state="EVConnected",
            stopped_reason="MasterPass",
            id_token=master,
        )
        status = states.token_status(ctx, res, "TransactionEventResponse (MasterPass)")
        ctx.check(
            status == "Accepted",
            f"TransactionEventResponse to the MasterPass Ended event on EVSE {tx.evse_id}: "
            f"idTokenInfo.status is {status!r} for the master pass, expected Accepted",
            requirement=requirement,
        )


@testcase("TC_C_47_CSMS")
async def test_master_pass_ui_all(ctx: CaseContext) -> None:
    """C16.FR.01: a master pass (groupIdToken = MasterPassGroupId) stops every transaction
    the user selected at the station's UI: here all of them."""
    await _master_pass_stop(ctx, stop_all=True, requirement="C16.FR.01")


@testcase("TC_C_48_CSMS")
async def test_master_pass_ui_specific(ctx: CaseContext) -> None:
    """C16.FR.01: the user selects one transaction (EVSE 1) at the UI; the other goes on."""
    await _master_pass_stop(ctx, stop_all=False, requirement="C16.FR.01")


@testcase("TC_C_49_CSMS")
async def test_master_pass_no_ui(ctx: CaseContext) -> None:
    """C16.FR.02: a station without UI stops all its transactions for a master pass."""
    await _master_pass_stop(ctx, stop_all=True, requirement="C16.FR.02")


# -- C09 with a Local Authorization List (Local Auth List Management profile) ---------------


@testcase("TC_C_40_CSMS", verbs=("send_local_list",))
async def test_group_id_local_list(ctx: CaseContext) -> None:
    """C09.FR.02, C09.FR.03: the CSMS put both valid idTokens of one group on the station's
    Local Authorization List (memory state; each entry's idTokenInfo names the group), so the
    station authorizes both locally, without AuthorizeRequest; the CSMS names the group in
    its TransactionEventResponses, and the second idToken stops the first one's transaction."""
    st = await states.booted_station(ctx)
    group = ctx.dut.pixit.group_idtoken
    first, second = states.valid_token(ctx), states.valid_token2(ctx)
    entries = await locallist.list_installed(ctx, st, [first, second])
    for token in (first, second):
        entry = next(e for e in entries if locallist.token_of(e) == token["idToken"])
        what = f"SendLocalListRequest entry of {token['idToken']!r}"
        _check_group(ctx, entry, what, token, group, "C09.FR.02")
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.ev_connected_pre_session(ctx, st, tx)
    tx.id_token = first
    res = await st.transaction_event(tx, "Updated", "Authorized", id_token=first)
    _check_group(ctx, res, "TransactionEventResponse (Authorized)", first, group, "C09.FR.02")
    await states.energy_transfer_started(ctx, st, tx, ev_connected=True)
    res = await st.transaction_event(tx, "Updated", "StopAuthorized", id_token=second)
    _check_group(ctx, res, "TransactionEventResponse (StopAuthorized)", second, group, "C09.FR.03")
    await states.ev_connected_post_session(ctx, st, tx)
    await states.ev_disconnected(ctx, st, tx)


@testcase("TC_C_43_CSMS")
async def test_group_id_local_list_invalid(ctx: CaseContext) -> None:
    """C09.FR.02, C09.FR.03: the transaction starts with the valid idToken, authorized
    locally (no AuthorizeRequest); idToken 2 of the same group is not valid on the station's
    list, so the station asks the CSMS (AuthorizeRequest) before it stops the transaction with
    it. The CSMS must answer Accepted and name the group both times. (The official text was
    not available: the steps follow two published transcriptions of it, which agree; reading
    "Invalid status" as the reason for the AuthorizeRequest is this case's interpretation.)"""
    st = await states.booted_station(ctx)
    group = ctx.dut.pixit.group_idtoken
    first, second = states.valid_token(ctx), states.valid_token2(ctx)
    tx = st.new_transaction(EVSE, CONNECTOR)
    await states.ev_connected_pre_session(ctx, st, tx)
    tx.id_token = first
    res = await st.transaction_event(tx, "Updated", "Authorized", id_token=first)
    _check_group(ctx, res, "TransactionEventResponse (Authorized)", first, group, "C09.FR.02")
    await states.energy_transfer_started(ctx, st, tx, ev_connected=True)
    res = await st.conn.call("Authorize", {"idToken": second})
    _check_group(ctx, res, "AuthorizeResponse (valid idToken 2)", second, group, "C09.FR.03")
    res = await st.transaction_event(tx, "Updated", "StopAuthorized", id_token=second)
    _check_group(ctx, res, "TransactionEventResponse (StopAuthorized)", second, group, "C09.FR.03")
    await states.ev_connected_post_session(ctx, st, tx)
    await states.ev_disconnected(ctx, st, tx)
