"""OCPP 2.0.1, DUT = charging station, functional block C (Authorization), Core profile:
local authorization refused by the CSMS (C01: Invalid, Unknown, Blocked, Expired), a local
stop attempt with a different idToken (C01 / E07), and clearing the authorization cache (C11).

The refused-authorization cases present the idToken with the EV already connected
(EVConnectedPreSession), answer the AuthorizeRequest with the status under test, and then
watch for <Configured message timeout> seconds that no TransactionEventRequest follows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import states

_LOCAL_VERBS = ("plug_in", "present_id_token", "unplug")


def _after_quietly(t0: float) -> Callable[[Incoming], bool]:
    """Messages received from `t0` on, meter-value samples left out (they are not a reaction)."""
    return lambda m: m.received >= t0 and not states.is_periodic(m)


async def _refused(ctx: CaseContext, token: dict[str, str], status: str) -> None:
    """C01.FR.02: EVConnectedPreSession, the idToken is presented, the CSMS answers `status`;
    the station sends the idToken in an AuthorizeRequest and then starts no transaction."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    await states.ev_connected_pre_session(ctx, s)
    s.on("Authorize", {"idTokenInfo": {"status": status}})
    auth = await states.authorized(ctx, s, evse=states.EVSE, token=token)
    got = auth.payload.get("idToken", {}).get("type")
    ctx.check(
        got == token["type"],
        f"AuthorizeRequest carries idToken.type {got!r}, expected {token['type']!r}",
        requirement="C01.FR.01",
        frame=auth.text,
    )
    await s.expect_none(
        "TransactionEvent",
        predicate=_after_quietly(auth.received),
        during=ctx.timeouts.message,
        why=f"the CSMS answered the AuthorizeRequest with idTokenInfo.status {status}, so "
        f"the idToken is not authorized and no transaction may start or change (C01.FR.02)",
    )


def _token(ctx: CaseContext, id_token: str) -> dict[str, str]:
    # The profile has one idToken type for the refused tokens: <Configured invalid_idtoken_type>.
    return {"idToken": id_token, "type": ctx.dut.pixit.invalid_idtoken_type}


@testcase("TC_C_02_CS", verbs=_LOCAL_VERBS)
async def test_local_start_invalid(ctx: CaseContext) -> None:
    """C01.FR.02: an idToken the CSMS answers Invalid does not start a transaction."""
    await _refused(ctx, _token(ctx, ctx.dut.pixit.invalid_idtoken_idtoken), "Invalid")


@testcase("TC_C_06_CS", verbs=_LOCAL_VERBS)
async def test_local_start_blocked(ctx: CaseContext) -> None:
    """C01.FR.02: an idToken the CSMS answers Blocked does not start a transaction."""
    await _refused(ctx, _token(ctx, ctx.dut.pixit.blocked_idtoken_idtoken), "Blocked")


@testcase("TC_C_07_CS", verbs=_LOCAL_VERBS)
async def test_local_start_expired(ctx: CaseContext) -> None:
    """C01.FR.02: an idToken the CSMS answers Expired does not start a transaction."""
    await _refused(ctx, _token(ctx, ctx.dut.pixit.expired_idtoken_idtoken), "Expired")


@testcase("TC_C_56_CS", verbs=_LOCAL_VERBS)
async def test_local_start_unknown(ctx: CaseContext) -> None:
    """C01.FR.02: an idToken the CSMS answers Unknown does not start a transaction."""
    await _refused(ctx, _token(ctx, ctx.dut.pixit.invalid_idtoken_idtoken), "Unknown")


@testcase("TC_C_04_CS", verbs=_LOCAL_VERBS)
async def test_local_stop_different_token(ctx: CaseContext) -> None:
    """C01, E07.FR.02: in EnergyTransferStarted, an idToken other than the one that started
    the transaction is presented at that EVSE (the CSMS would accept it, with no group in
    common); the transaction is not stopped: no TransactionEventRequest about it follows."""
    p = ctx.dut.pixit
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    tx_id = await states.charging_session(ctx, s)
    other = {"idToken": p.valid_idtoken2_idtoken, "type": p.valid_idtoken2_type}
    s.on("Authorize", {"idTokenInfo": {"status": "Accepted"}})
    t0 = time.monotonic()
    await ctx.operator.present_id_token(
        id_token=other["idToken"], type=other["type"], evse_id=states.EVSE
    )
    await s.expect_none(
        "TransactionEvent",
        {"transactionInfo": {"transactionId": tx_id}},
        predicate=_after_quietly(t0),
        during=ctx.timeouts.message,
        why=f"idToken {other['idToken']!r} is not the one that started transaction {tx_id} "
        f"and shares no group with it, so it must not stop it (E07.FR.02)",
    )


# -- authorization cache (C10 / C11) -----------------------------------------------------------


async def _cache_available(ctx: CaseContext, s: Session) -> None:
    """Prerequisite: the station has an authorization cache (AuthCacheCtrlr.Enabled exists)."""
    cache = await states.get_variable(ctx, s, "AuthCacheCtrlr", "Enabled")
    if cache.get("attributeStatus") != "Accepted":
        raise NotApplicable("prerequisite not met: the station has no authorization cache")


async def _cache_emptied(ctx: CaseContext, s: Session) -> None:
    """The case starts from an empty cache and leaves one (ClearCache before and after), so
    what a case cached cannot decide another case's authorization."""
    await s.call("ClearCache", {})

    async def clear() -> None:
        conn = await ctx.station()
        await conn.call("ClearCache", {})

    ctx.defer(clear)


async def _id_token_cached(ctx: CaseContext, s: Session) -> None:
    """Memory state IdTokenCached for <Configured valid idtoken fields>: a charging session
    with the valid idToken (accepted by the CSMS, so cached), stopped and unplugged again."""
    tx_id = await states.charging_session(ctx, s)
    await states.stop_authorized(ctx, s, tx_id)
    await states.ev_disconnected(ctx, s, tx_id=tx_id)


@testcase("TC_C_37_CS", verbs=_LOCAL_VERBS)
async def test_clear_cache_accepted(ctx: CaseContext) -> None:
    """C11.FR.01, C11.FR.02, C11.FR.03: with the cache enabled and the valid idToken cached,
    ClearCache is Accepted and empties the cache: presenting that idToken again makes the
    station ask the CSMS (AuthorizeRequest) before the transaction is authorized. With
    AuthCtrlr.LocalPreAuthorize true (set where implemented) a station whose cache still held
    the idToken would authorize it without asking."""
    s = await states.booted(ctx)
    await _cache_available(ctx, s)
    states.end_transactions_afterwards(ctx)
    await states.configure(ctx, s, "AuthCacheCtrlr", "Enabled", "true", prerequisite=True)
    await _cache_emptied(ctx, s)
    await states.local_auth_configured(ctx, s)
    await _id_token_cached(ctx, s)
    await states.configure_if_implemented(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true")
    result = await s.call("ClearCache", {})
    ctx.require(
        result.get("status") == "Accepted",
        f"ClearCacheResponse status is {result.get('status')!r}; with AuthCacheCtrlr.Enabled "
        f"true the station must clear its cache and answer Accepted",
        requirement="C11.FR.02",
    )
    await states.ev_connected_pre_session(ctx, s)
    token = states.valid_token(ctx)
    t0 = time.monotonic()
    await ctx.operator.present_id_token(
        id_token=token["idToken"], type=token["type"], evse_id=states.EVSE
    )
    auth = await s.expect(
        "Authorize",
        predicate=states.after(t0),
        why="the authorization cache was cleared, so the idToken is unknown to the station "
        "and must be authorized by the CSMS (C11.FR.03)",
    )
    started = await states.next_tx_event(
        ctx, s, since=t0, why="the idToken was accepted with the cable connected"
    )
    ctx.check(
        started.received >= auth.received,
        "the transaction was authorized before the AuthorizeRequest was sent: the idToken "
        "must have come from the cache that ClearCache was to empty",
        requirement="C11.FR.03",
        frame=started.text,
    )
    states.check_tx_event(ctx, started, trigger="Authorized", requirement="C11.FR.03")
    if started.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=started.received)


@testcase("TC_C_38_CS", verbs=_LOCAL_VERBS)
async def test_clear_cache_rejected(ctx: CaseContext) -> None:
    """C11.FR.01, C11.FR.04: with the valid idToken cached and then AuthCacheCtrlr.Enabled
    set false, the station answers ClearCache with Rejected."""
    s = await states.booted(ctx)
    await _cache_available(ctx, s)
    states.end_transactions_afterwards(ctx)
    await states.configure(ctx, s, "AuthCacheCtrlr", "Enabled", "true", prerequisite=True)
    await _cache_emptied(ctx, s)
    await states.local_auth_configured(ctx, s)
    await _id_token_cached(ctx, s)
    await states.configure(ctx, s, "AuthCacheCtrlr", "Enabled", "false", prerequisite=True)
    result = await s.call("ClearCache", {})
    ctx.check(
        result.get("status") == "Rejected",
        f"ClearCacheResponse status is {result.get('status')!r}; with AuthCacheCtrlr.Enabled "
        f"false the station must answer Rejected",
        requirement="C11.FR.04",
    )


async def _cache_configured(ctx: CaseContext, s: Session, pre_authorize: str) -> None:
    """Configuration state of the cache cases: AuthCacheCtrlr.Enabled true (if implemented),
    AuthCtrlr.LocalPreAuthorize `pre_authorize`, AuthCacheCtrlr.DisablePostAuthorize false
    (if implemented), on top of the local authorization settings."""
    await _cache_available(ctx, s)
    states.end_transactions_afterwards(ctx)
    await states.configure(ctx, s, "AuthCacheCtrlr", "Enabled", "true", prerequisite=True)
    await _cache_emptied(ctx, s)
    await states.local_auth_configured(ctx, s)
    await states.configure_if_implemented(ctx, s, "AuthCacheCtrlr", "DisablePostAuthorize", "false")
    await states.configure_if_implemented(ctx, s, "AuthCtrlr", "LocalPreAuthorize", pre_authorize)


async def _present(ctx: CaseContext, token: dict[str, str]) -> float:
    t0 = time.monotonic()
    await ctx.operator.present_id_token(
        id_token=token["idToken"], type=token["type"], evse_id=states.EVSE
    )
    return t0


@testcase("TC_C_08_CS", verbs=_LOCAL_VERBS)
async def test_cache_accepted(ctx: CaseContext) -> None:
    """C12.FR.02, C12.FR.03: LocalPreAuthorize true and the valid idToken cached as Accepted:
    presented with the EV connected, it is authorized from the cache at once, with no
    AuthorizeRequest; the transaction event reports triggerReason Authorized and the idToken
    (the CSMS answers Accepted), and energy transfer starts."""
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "false")
    await _id_token_cached(ctx, s)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    await states.ev_connected_pre_session(ctx, s)
    token = states.valid_token(ctx)
    t0 = await _present(ctx, token)
    msg = await states.next_tx_event(
        ctx, s, since=t0, why="a cached Accepted idToken was presented with the EV connected"
    )
    asked = s.received("Authorize", since=t0)
    ctx.check(
        not asked,
        "the station sent an AuthorizeRequest for an idToken its cache holds as Accepted; "
        "with LocalPreAuthorize true it must authorize from the cache without asking",
        requirement="C12.FR.02",
        frame=asked[0].text if asked else None,
    )
    states.check_tx_event(ctx, msg, trigger="Authorized", requirement="C12.FR.03")
    states.check_id_token(ctx, msg, token, "C12.FR.03")
    if msg.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=msg.received)


async def _cached_refused(
    ctx: CaseContext, token: dict[str, str], status: str, now: str | None = None
) -> tuple[Session, Incoming]:
    """C12.FR.05, C10.FR.03: LocalPreAuthorize true and `token` cached with `status` (it was
    answered so once): presented again with the EV connected, the station does not trust the
    cache but sends an AuthorizeRequest with the idToken (answered `now`, by default `status`
    again)."""
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "true")
    s.on("Authorize", {"idTokenInfo": {"status": status}})
    # Memory state IdTokenCached for the token: presented once and answered `status`.
    await states.authorized(ctx, s, evse=states.EVSE, token=token)
    await states.ev_connected_pre_session(ctx, s)
    s.on("Authorize", {"idTokenInfo": {"status": now or status}})
    t0 = await _present(ctx, token)
    auth = await s.expect(
        "Authorize",
        predicate=states.after(t0),
        why=f"the idToken is cached with status {status}, which does not authorize it, so "
        f"the station must ask the CSMS (C12.FR.05)",
    )
    got = auth.payload.get("idToken") or {}
    ctx.check(
        got.get("idToken") == token["idToken"] and got.get("type") == token["type"],
        f"AuthorizeRequest carries idToken {auth.payload.get('idToken')!r}, expected {token!r}",
        requirement="C12.FR.05",
        frame=auth.text,
    )
    return s, auth


@testcase("TC_C_09_CS", verbs=_LOCAL_VERBS)
async def test_cache_invalid(ctx: CaseContext) -> None:
    """C12.FR.05, C10.FR.03: an idToken cached as Invalid is authorized at the CSMS."""
    await _cached_refused(ctx, _token(ctx, ctx.dut.pixit.invalid_idtoken_idtoken), "Invalid")


@testcase("TC_C_10_CS", verbs=_LOCAL_VERBS)
async def test_cache_blocked(ctx: CaseContext) -> None:
    """C12.FR.05, C10.FR.03: an idToken cached as Blocked is authorized at the CSMS."""
    await _cached_refused(ctx, _token(ctx, ctx.dut.pixit.blocked_idtoken_idtoken), "Blocked")


@testcase("TC_C_11_CS", verbs=_LOCAL_VERBS)
async def test_cache_expired(ctx: CaseContext) -> None:
    """C12.FR.05, C10.FR.03: an idToken cached as Expired is authorized at the CSMS."""
    await _cached_refused(ctx, _token(ctx, ctx.dut.pixit.expired_idtoken_idtoken), "Expired")


@testcase("TC_C_12_CS", verbs=_LOCAL_VERBS)
async def test_cache_invalid_now_accepted(ctx: CaseContext) -> None:
    """C12.FR.05, C10.FR.03: an idToken cached as Invalid is authorized at the CSMS, which now
    answers Accepted: the transaction is authorized (triggerReason Authorized, with the
    idToken) and energy transfer starts."""
    token = _token(ctx, ctx.dut.pixit.invalid_idtoken_idtoken)
    s = await states.booted(ctx)

    def tx_event(msg: Incoming) -> dict[str, Any]:
        # The CSMS now accepts the idToken in the transaction too.
        return {"idTokenInfo": {"status": "Accepted"}} if "idToken" in msg.payload else {}

    s.on("TransactionEvent", tx_event)
    s, auth = await _cached_refused(ctx, token, "Invalid", now="Accepted")
    msg = await states.next_tx_event(
        ctx, s, since=auth.received, why="the CSMS accepted the idToken with the EV connected"
    )
    states.check_tx_event(ctx, msg, trigger="Authorized", requirement="C12.FR.05")
    states.check_id_token(ctx, msg, token, "C12.FR.05")
    if msg.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=msg.received)


@testcase("TC_C_36_CS", verbs=_LOCAL_VERBS)
async def test_cache_without_pre_authorize(ctx: CaseContext) -> None:
    """C10.FR.11: with the cache enabled but LocalPreAuthorize false, a cached Accepted
    idToken is still sent in an AuthorizeRequest (answered Invalid)."""
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "false")
    await _id_token_cached(ctx, s)
    await states.ev_connected_pre_session(ctx, s)
    s.on("Authorize", {"idTokenInfo": {"status": "Invalid"}})
    token = states.valid_token(ctx)
    t0 = await _present(ctx, token)
    auth = await s.expect(
        "Authorize",
        predicate=states.after(t0),
        why="LocalPreAuthorize is false, so even a cached Accepted idToken must be authorized "
        "by the CSMS (C10.FR.11)",
    )
    got = auth.payload.get("idToken") or {}
    ctx.check(
        got.get("idToken") == token["idToken"] and got.get("type") == token["type"],
        f"AuthorizeRequest carries idToken {auth.payload.get('idToken')!r}, expected {token!r}",
        requirement="C10.FR.11",
        frame=auth.text,
    )


@testcase("TC_C_57_CS", verbs=_LOCAL_VERBS)
async def test_cache_disable_post_authorize(ctx: CaseContext) -> None:
    """C12.FR.05, C10.FR.03: with LocalPreAuthorize true and AuthCacheCtrlr.
    DisablePostAuthorize true (prerequisite), an idToken cached as Invalid is judged from the
    cache alone: presented with the EV connected, no AuthorizeRequest is sent for it (and no
    transaction starts)."""
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "true")
    token = _token(ctx, ctx.dut.pixit.invalid_idtoken_idtoken)
    s.on("Authorize", {"idTokenInfo": {"status": "Invalid"}})
    # Memory state IdTokenCached for the invalid idToken: presented once, answered Invalid.
    await states.authorized(ctx, s, evse=states.EVSE, token=token)
    await states.configure(
        ctx, s, "AuthCacheCtrlr", "DisablePostAuthorize", "true", prerequisite=True
    )
    await states.ev_connected_pre_session(ctx, s)
    t0 = await _present(ctx, token)
    await s.expect_none(
        "Authorize",
        predicate=states.after(t0),
        during=ctx.timeouts.message,
        why="the idToken is cached as Invalid and AuthCacheCtrlr.DisablePostAuthorize is "
        "true, so the station must not ask the CSMS about it again",
    )
    started = s.received("TransactionEvent", since=t0)
    ctx.check(
        not any(not states.is_periodic(m) for m in started),
        "a TransactionEvent followed the presentation of an idToken cached as Invalid; it "
        "must not be authorized",
        requirement="C12.FR.05",
        frame=started[0].text if started else None,
    )
