"""OCPP 2.0.1, DUT = charging station, functional block C (Authorization), Core profile:
local authorization refused by the CSMS (C01: Invalid, Unknown, Blocked, Expired), a local
stop attempt with a different idToken (C01 / E07), the authorization cache (C10 / C12: use,
persistence over a reboot, updates from AuthorizeResponse and TransactionEventResponse,
AuthCacheCtrlr.LifeTime), clearing it (C11), offline authorization answered Invalid
afterwards (C12 / C15 with TxCtrlr.StopTxOnInvalidId and MaxEnergyOnInvalidId), GroupId
(C09) and the Master Pass (C16) with and without a user interface.

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
from testcases.ocpp201.cs import local_list, states

_LOCAL_VERBS = ("plug_in", "present_id_token", "unplug")


def _after_quietly(t0: float) -> Callable[[Incoming], bool]:
    """Messages received from `t0` on, meter-value samples left out (they are not a reaction)."""
    return lambda m: m.received >= t0 and not states.is_periodic(m)


def _cable_lock(ctx: CaseContext, wanted: bool) -> None:
    """Prerequisite: the station has (TC_C_05) or has not (the plug-in-first cases) a cable
    lock that keeps the EV driver from connecting the EV before authorization."""
    if ctx.dut.pixit.cable_lock != wanted:
        has = "has a" if ctx.dut.pixit.cable_lock else "has no"
        raise NotApplicable(
            f"prerequisite not met: the station {has} cable lock that keeps the EV from "
            f"connecting before authorization (PIXIT cable_lock)"
        )


async def _refused(
    ctx: CaseContext, token: dict[str, str], status: str, *, cable_lock: bool = False
) -> None:
    """C01.FR.02: EVConnectedPreSession, the idToken is presented, the CSMS answers `status`;
    the station sends the idToken in an AuthorizeRequest and then starts no transaction.
    `cable_lock`: the EV cannot be connected before authorization, so the idToken comes
    first, with Authorized among the TxStartPoints (set if it was not: the prerequisite is
    that it can be), so that an accepted idToken would start the transaction at once."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    if cable_lock:
        if "Authorized" not in await _tx_start_points(ctx, s):
            await states.tx_start_point(ctx, s, "Authorized")
    else:
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


@testcase("TC_C_05_CS", verbs=("present_id_token",))
async def test_local_start_invalid_cable_lock(ctx: CaseContext) -> None:
    """C01.FR.02: on a station whose cable lock keeps the EV from connecting before
    authorization, the invalid idToken is presented with no EV connected and the CSMS answers
    Invalid: no TransactionEventRequest follows (with TxStartPoint Authorized an accepted
    idToken would have started one)."""
    _cable_lock(ctx, True)
    await _refused(
        ctx, _token(ctx, ctx.dut.pixit.invalid_idtoken_idtoken), "Invalid", cable_lock=True
    )


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
    """C01.FR.02: an idToken the CSMS answers Unknown does not start a transaction (on a
    station without a cable lock: the EV is connected first)."""
    _cable_lock(ctx, False)
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


# -- authorization cache: use, persistence, updates and lifetime (C10 / C12) -----------------


async def _tx_start_points(ctx: CaseContext, s: Session) -> set[str]:
    """TxCtrlr.TxStartPoint as the station reports it (empty if it does not)."""
    got = await states.get_variable(ctx, s, "TxCtrlr", "TxStartPoint")
    if got.get("attributeStatus") != "Accepted":
        return set()
    return {v.strip() for v in str(got.get("attributeValue", "")).split(",") if v.strip()}


def _no_authorize_since(ctx: CaseContext, s: Session, t0: float, why: str, req: str) -> None:
    asked = [
        m
        for m in s.received("Authorize", since=t0)
        if (m.payload.get("idToken") or {}).get("idToken") == ctx.dut.pixit.valid_idtoken_idtoken
    ]
    ctx.check(
        not asked,
        f"the station sent an AuthorizeRequest for the valid idToken; {why}",
        requirement=req,
        frame=asked[0].text if asked else None,
    )


async def _cached_start_without_cable(
    ctx: CaseContext, s: Session, token: dict[str, str], requirement: str, why: str
) -> None:
    """The cached Accepted `token` is presented with no cable in: the station does not ask
    the CSMS; with TxStartPoint Authorized (or ParkingBayOccupied) it reports the
    authorization at once (triggerReason Authorized, with the idToken); energy flows only
    once the cable is plugged in (EVConnectedPreSession, EnergyTransferStarted)."""
    points = await _tx_start_points(ctx, s)
    t0 = await _present(ctx, token)
    reported = bool(points & {"Authorized", "ParkingBayOccupied"})
    if reported:
        msg = await states.next_tx_event(
            ctx,
            s,
            since=t0,
            why="a cached Accepted idToken was presented and TxStartPoint contains Authorized",
        )
        states.check_tx_event(ctx, msg, trigger="Authorized", requirement=requirement)
        states.check_id_token(ctx, msg, token, requirement)
        state = msg.payload.get("transactionInfo", {}).get("chargingState")
        ctx.check(
            state != "Charging",
            "the transaction reports chargingState Charging before any cable was plugged in",
            requirement=requirement,
            frame=msg.text,
        )
    t_plug = time.monotonic()
    await states.ev_connected_pre_session(ctx, s)
    first = await states.next_tx_event(
        ctx,
        s,
        since=t_plug if reported else t0,
        why="the idToken was authorized from the cache and the cable is in",
    )
    if not reported:
        # No event before the cable: the first one after it carries the authorization.
        states.check_id_token(ctx, first, token, requirement)
    if first.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=t_plug)
    _no_authorize_since(ctx, s, t0, why, requirement)


@testcase("TC_C_13_CS", verbs=_LOCAL_VERBS)
async def test_cache_accepted_cable_later(ctx: CaseContext) -> None:
    """C12.FR.02, C12.FR.04: LocalPreAuthorize true and the valid idToken cached as Accepted:
    presented before the cable is plugged in, it is authorized from the cache (no
    AuthorizeRequest); energy transfer starts once the EV is connected."""
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "false")
    await _id_token_cached(ctx, s)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    await _cached_start_without_cable(
        ctx,
        s,
        states.valid_token(ctx),
        "C12.FR.02",
        "it is cached as Accepted and LocalPreAuthorize is true, so it must be authorized from "
        "the cache even before the cable is plugged in",
    )


@testcase("TC_C_32_CS", verbs=(*_LOCAL_VERBS, "reboot"))
async def test_cache_persistent_over_reboot(ctx: CaseContext) -> None:
    """C10.FR.02: the authorization cache survives a reboot: with LocalPreAuthorize true, the
    valid idToken cached before the reboot is authorized from the cache afterwards (no
    AuthorizeRequest) and energy transfer starts once the EV is connected."""
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "false")
    await _id_token_cached(ctx, s)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    s, boot = await states.reboot(ctx)
    await states.connectors_reported(ctx, s, since=boot.received)
    await _cached_start_without_cable(
        ctx,
        s,
        states.valid_token(ctx),
        "C10.FR.02",
        "it was cached as Accepted before the reboot, and the cache must persist over a "
        "reboot, so with LocalPreAuthorize true it is authorized from the cache",
    )


@testcase("TC_C_33_CS", verbs=_LOCAL_VERBS)
async def test_cache_updated_on_authorize(ctx: CaseContext) -> None:
    """C10.FR.04, C12.FR.02: from an empty cache with LocalPreAuthorize true, the valid
    idToken is authorized at the CSMS (Accepted) and a session runs; the AuthorizeResponse
    was cached, so when the idToken is presented again for a new session the station starts
    it from the cache, with no second AuthorizeRequest."""
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "true")
    token = states.valid_token(ctx)
    tx_id = await states.charging_session(ctx, s)
    await states.stop_authorized(ctx, s, tx_id)
    await states.ev_disconnected(ctx, s, tx_id=tx_id)
    await states.ev_connected_pre_session(ctx, s)
    t0 = await _present(ctx, token)
    msg = await states.next_tx_event(
        ctx, s, since=t0, why="the idToken, cached from the AuthorizeResponse, was presented"
    )
    states.check_tx_event(ctx, msg, trigger="Authorized", requirement="C12.FR.02")
    states.check_id_token(ctx, msg, token, "C12.FR.02")
    if msg.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=msg.received)
    _no_authorize_since(
        ctx,
        s,
        t0,
        "the earlier AuthorizeResponse (Accepted) must have been stored in the cache "
        "(C10.FR.04), so with LocalPreAuthorize true it is authorized from there",
        "C10.FR.04",
    )


@testcase("TC_C_34_CS", verbs=_LOCAL_VERBS)
async def test_cache_updated_on_transaction_response(ctx: CaseContext) -> None:
    """C10.FR.05, C12.FR.05: the valid idToken cached as Accepted starts a transaction from
    the cache; the TransactionEventResponse says Invalid, which updates the cache; presented
    again for a new session, the station no longer trusts the cache and sends an
    AuthorizeRequest (answered Invalid: no transaction starts)."""
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "false")
    await _id_token_cached(ctx, s)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    token = states.valid_token(ctx)

    def tx_event(msg: Incoming) -> dict[str, Any]:
        # The CSMS now holds the idToken Invalid.
        return {"idTokenInfo": {"status": "Invalid"}} if "idToken" in msg.payload else {}

    s.on("TransactionEvent", tx_event)
    await states.ev_connected_pre_session(ctx, s)
    t0 = await _present(ctx, token)
    msg = await states.next_tx_event(
        ctx, s, since=t0, why="a cached Accepted idToken was presented with the EV connected"
    )
    states.check_id_token(ctx, msg, token, "C12.FR.02")
    tx_id = str(msg.payload.get("transactionInfo", {}).get("transactionId"))
    await states.ev_disconnected(ctx, s, tx_id=tx_id)
    await states.ev_connected_pre_session(ctx, s)
    s.on("Authorize", {"idTokenInfo": {"status": "Invalid"}})
    t1 = await _present(ctx, token)
    await s.expect(
        "Authorize",
        {"idToken": token},
        predicate=states.after(t1),
        why="the TransactionEventResponse said Invalid, which must have replaced the cached "
        "Accepted (C10.FR.05), and an idToken cached as not Accepted is authorized at the "
        "CSMS (C12.FR.05)",
    )


@testcase("TC_C_46_CS", verbs=_LOCAL_VERBS)
async def test_cache_lifetime(ctx: CaseContext) -> None:
    """C10.FR.08: with AuthCacheCtrlr.LifeTime <Configured TransactionDuration>, the cached
    valid idToken not used for that long is removed: presented afterwards (EV connected), it
    is authorized at the CSMS again (Authorized (local): an AuthorizeRequest)."""
    lifetime = ctx.dut.pixit.transaction_duration
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "true")
    cache_life = await states.get_variable(ctx, s, "AuthCacheCtrlr", "LifeTime")
    if cache_life.get("attributeStatus") != "Accepted":
        raise NotApplicable("prerequisite not met: AuthCacheCtrlr.LifeTime is not implemented")
    await states.configure(ctx, s, "AuthCacheCtrlr", "LifeTime", str(lifetime), prerequisite=True)
    await _id_token_cached(ctx, s)
    await states.ev_connected_pre_session(ctx, s)
    # Step 1: <Configured TransactionDuration> passes; nothing is presented meanwhile.
    await s.expect_none(
        "Authorize",
        during=lifetime,
        why="no idToken was presented while the cache lifetime ran",
    )
    auth = await states.authorized(ctx, s, evse=states.EVSE)
    await states.energy_transfer_started(ctx, s, since=auth.received)


# -- GroupId (C09) and Master Pass (C16) -------------------------------------------------------


def _valid2(ctx: CaseContext) -> dict[str, str]:
    """<Configured valid_idtoken2_idtoken> / <Configured valid_idtoken2_type>."""
    p = ctx.dut.pixit
    return {"idToken": p.valid_idtoken2_idtoken, "type": p.valid_idtoken2_type}


def _answer_tokens(s: Session, table: dict[str, dict[str, Any]]) -> None:
    """The mock CSMS answers Authorize and TransactionEvent idTokens from `table`
    (idToken -> idTokenInfo); an idToken not in it is Invalid."""

    def info(token: Any) -> dict[str, Any]:
        key = str((token or {}).get("idToken", ""))
        return dict(table.get(key, {"status": "Invalid"}))

    s.on("Authorize", lambda m: {"idTokenInfo": info(m.payload.get("idToken"))})
    s.on(
        "TransactionEvent",
        lambda m: {"idTokenInfo": info(m.payload["idToken"])} if "idToken" in m.payload else {},
    )


def _grouped(status: str, group: str) -> dict[str, Any]:
    return {"status": status, "groupIdToken": {"idToken": group, "type": "Central"}}


async def _session(
    ctx: CaseContext, s: Session, token: dict[str, str], evse: int = states.EVSE
) -> str:
    """EVConnectedPreSession + Authorized (local, with `token`) + EnergyTransferStarted."""
    t0 = time.monotonic()
    await states.ev_connected_pre_session(ctx, s, evse)
    await states.authorized(ctx, s, evse=evse, token=token)
    msg = await states.energy_transfer_started(ctx, s, evse=evse, since=t0)
    return str(msg.payload["transactionInfo"]["transactionId"])


async def _cached_session(ctx: CaseContext, s: Session, token: dict[str, str]) -> None:
    """Memory state IdTokenCached for `token`: a session with it, stopped and unplugged."""
    tx_id = await _session(ctx, s, token)
    await states.stop_authorized(ctx, s, tx_id, token=token)
    await states.ev_disconnected(ctx, s, tx_id=tx_id)


async def _stopped_by_group(
    ctx: CaseContext, s: Session, tx_id: str, other: dict[str, str], t0: float, req: str
) -> None:
    """The transaction started with the first idToken is stopped by `other` (same group):
    a TransactionEvent with triggerReason StopAuthorized (Ended with stoppedReason Local when
    the stop ends it)."""
    msg = await states.next_tx_event(
        ctx,
        s,
        since=t0,
        tx_id=tx_id,
        why=f"idToken {other['idToken']!r} belongs to the group of the idToken that started "
        f"the transaction, so it may stop it",
    )
    states.check_tx_event(ctx, msg, trigger="StopAuthorized", requirement=req)
    if msg.payload.get("eventType") == "Ended":
        states.check_tx_event(ctx, msg, stopped_reason="Local", requirement=req)


async def _not_stopped(ctx: CaseContext, s: Session, tx_id: str, t0: float, why: str) -> None:
    await s.expect_none(
        "TransactionEvent",
        {"transactionInfo": {"transactionId": tx_id}},
        predicate=_after_quietly(t0),
        during=ctx.timeouts.message,
        why=why,
    )


@testcase("TC_C_39_CS", verbs=_LOCAL_VERBS)
async def test_group_id_stop(ctx: CaseContext) -> None:
    """C09.FR.02, C09.FR.03, C09.FR.05: the valid idToken (groupIdToken <Configured
    GroupId>) starts a transaction; a second valid idToken of the same group, authorized at
    the CSMS, stops it (StopAuthorized)."""
    group = ctx.dut.pixit.group_idtoken
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    token, other = states.valid_token(ctx), _valid2(ctx)
    _answer_tokens(
        s,
        {
            token["idToken"]: _grouped("Accepted", group),
            other["idToken"]: _grouped("Accepted", group),
        },
    )
    tx_id = await _session(ctx, s, token)
    t0 = await _present(ctx, other)
    auth = await s.expect(
        "Authorize",
        predicate=states.after(t0),
        why="a different idToken was presented; its group is known only to the CSMS",
    )
    ctx.check(
        (auth.payload.get("idToken") or {}).get("idToken") == other["idToken"],
        f"AuthorizeRequest carries idToken {auth.payload.get('idToken')!r}, expected {other!r}",
        requirement="C09.FR.02",
        frame=auth.text,
    )
    await _stopped_by_group(ctx, s, tx_id, other, t0, "C09.FR.03")


@testcase("TC_C_41_CS", verbs=_LOCAL_VERBS)
async def test_group_id_stop_cached(ctx: CaseContext) -> None:
    """C09.FR.02, C09.FR.03, C09.FR.07: both valid idTokens cached (Accepted, same group) and
    LocalPreAuthorize true: the first starts a transaction from the cache; the second, found
    in the cache with the same groupIdToken, stops it without an AuthorizeRequest."""
    group = ctx.dut.pixit.group_idtoken
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "false")
    token, other = states.valid_token(ctx), _valid2(ctx)
    _answer_tokens(
        s,
        {
            token["idToken"]: _grouped("Accepted", group),
            other["idToken"]: _grouped("Accepted", group),
        },
    )
    await _cached_session(ctx, s, token)
    await _cached_session(ctx, s, other)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    await states.ev_connected_pre_session(ctx, s)
    t0 = await _present(ctx, token)
    msg = await states.next_tx_event(
        ctx, s, since=t0, why="a cached Accepted idToken was presented with the EV connected"
    )
    states.check_id_token(ctx, msg, token, "C12.FR.02")
    if msg.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=msg.received)
    tx_id = str(msg.payload["transactionInfo"]["transactionId"])
    t1 = await _present(ctx, other)
    await _stopped_by_group(ctx, s, tx_id, other, t1, "C09.FR.07")
    asked = s.received("Authorize", since=t0)
    ctx.check(
        not asked,
        "the station sent an AuthorizeRequest although both idTokens are cached as Accepted "
        "with their groupIdToken and LocalPreAuthorize is true",
        requirement="C09.FR.07",
        frame=asked[0].text if asked else None,
    )


@testcase("TC_C_42_CS", verbs=_LOCAL_VERBS)
async def test_group_id_invalid_not_stopped(ctx: CaseContext) -> None:
    """C09.FR.11: the valid idToken (groupIdToken <Configured GroupId>) starts a transaction;
    a second idToken the CSMS answers Invalid, although with the same groupIdToken, does not
    stop it."""
    group = ctx.dut.pixit.group_idtoken
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    token, other = states.valid_token(ctx), _valid2(ctx)
    _answer_tokens(
        s,
        {
            token["idToken"]: _grouped("Accepted", group),
            other["idToken"]: _grouped("Invalid", group),
        },
    )
    tx_id = await _session(ctx, s, token)
    t0 = await _present(ctx, other)
    await s.expect(
        "Authorize",
        {"idToken": other},
        predicate=states.after(t0),
        why="a different idToken was presented; its status is known only to the CSMS",
    )
    await _not_stopped(
        ctx,
        s,
        tx_id,
        t0,
        f"idToken {other['idToken']!r} shares the group but the CSMS answered it Invalid, so "
        f"it must not stop the transaction (C09.FR.11)",
    )


@testcase("TC_C_44_CS", verbs=_LOCAL_VERBS)
async def test_group_id_invalid_cached_not_stopped(ctx: CaseContext) -> None:
    """C09.FR.11, C12.FR.05: the valid idToken is cached Accepted and a second idToken cached
    Invalid, both with groupIdToken <Configured GroupId>; with LocalPreAuthorize true the
    first starts a transaction from the cache; the second does not stop it (if the station
    asks the CSMS about it, the answer is Invalid again)."""
    group = ctx.dut.pixit.group_idtoken
    s = await states.booted(ctx)
    await _cache_configured(ctx, s, "false")
    token, other = states.valid_token(ctx), _valid2(ctx)
    _answer_tokens(
        s,
        {
            token["idToken"]: _grouped("Accepted", group),
            other["idToken"]: _grouped("Invalid", group),
        },
    )
    await _id_token_cached(ctx, s)
    # Memory state IdTokenCached for the second idToken: presented once, answered Invalid.
    await states.authorized(ctx, s, evse=states.EVSE, token=other)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    await states.ev_connected_pre_session(ctx, s)
    t0 = await _present(ctx, token)
    msg = await states.next_tx_event(
        ctx, s, since=t0, why="a cached Accepted idToken was presented with the EV connected"
    )
    tx_id = str(msg.payload["transactionInfo"]["transactionId"])
    if msg.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=msg.received)
    t1 = await _present(ctx, other)
    await _not_stopped(
        ctx,
        s,
        tx_id,
        t1,
        f"idToken {other['idToken']!r} shares the group but is Invalid, so it must not stop "
        f"the transaction (C09.FR.11)",
    )


def _master_token(ctx: CaseContext) -> dict[str, str]:
    """<Configured masterpass_idtoken_idtoken> / <Configured masterpass_idtoken_type>."""
    p = ctx.dut.pixit
    return {"idToken": p.masterpass_idtoken_idtoken, "type": p.masterpass_idtoken_type}


async def _master_pass_configured(ctx: CaseContext, s: Session) -> None:
    """Configuration state: AuthCtrlr.MasterPassGroupId is <Configured masterPassGroupId>
    (NOT APPLICABLE when the station has no such variable: no Master Pass feature)."""
    await states.configure(
        ctx,
        s,
        "AuthCtrlr",
        "MasterPassGroupId",
        ctx.dut.pixit.master_pass_group_id,
        prerequisite=True,
    )


@testcase("TC_C_45_CS", verbs=_LOCAL_VERBS)
async def test_master_pass_cannot_start(ctx: CaseContext) -> None:
    """C16.FR.03: an idToken the CSMS accepts with groupIdToken <Configured masterPassGroupId>
    starts no transaction. With TxStartPoint Authorized it would be reported at once; with
    PowerPathClosed only once the cable is in, so the EV is connected right after the
    AuthorizeResponse and the mock CSMS watches <Configured message timeout> seconds that no
    TransactionEvent follows."""
    p = ctx.dut.pixit
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    points = await _tx_start_points(ctx, s)
    if not points & {"Authorized", "PowerPathClosed"} or points & {
        "ParkingBayOccupied",
        "EVConnected",
    }:
        await states.tx_start_point(ctx, s, "PowerPathClosed")
    await _master_pass_configured(ctx, s)
    master = _master_token(ctx)
    _answer_tokens(s, {master["idToken"]: _grouped("Accepted", p.master_pass_group_id)})
    auth = await states.authorized(ctx, s, evse=states.EVSE, token=master)
    await states.ev_connected_pre_session(ctx, s)
    await s.expect_none(
        "TransactionEvent",
        predicate=_after_quietly(auth.received),
        during=ctx.timeouts.message,
        why="the idToken's groupIdToken is the MasterPassGroupId: a master pass may stop "
        "transactions but must not start one (C16.FR.03)",
    )


@testcase("TC_C_49_CS", verbs=_LOCAL_VERBS)
async def test_master_pass_stops_all(ctx: CaseContext) -> None:
    """C16.FR.02: with a transaction charging on EVSE 1 (valid idToken) and, if the station
    has more, on EVSE 2 (valid idToken 2), an idToken the CSMS accepts with groupIdToken
    <Configured masterPassGroupId> stops all of them (no UI to choose): each gets a
    TransactionEvent with triggerReason StopAuthorized (stoppedReason MasterPass when it
    ends)."""
    _master_pass_ui(ctx, False)
    s, running, t0 = await _master_pass_presented(ctx)
    for evse, tx_id in running.items():
        msg = await states.next_tx_event(
            ctx,
            s,
            since=t0,
            tx_id=tx_id,
            why=f"a master pass stops every ongoing transaction, also the one on EVSE {evse}",
        )
        states.check_tx_event(ctx, msg, trigger="StopAuthorized", requirement="C16.FR.02")
        if msg.payload.get("eventType") == "Ended":
            states.check_tx_event(ctx, msg, stopped_reason="MasterPass", requirement="C16.FR.02")


def _master_pass_ui(ctx: CaseContext, wanted: bool) -> None:
    """Prerequisite: the station has (TC_C_47/C_48) or has not (TC_C_49) a user interface on
    which a Master Pass holder selects the transactions to stop."""
    if ctx.dut.pixit.master_pass_ui != wanted:
        has = "has a" if ctx.dut.pixit.master_pass_ui else "has no"
        raise NotApplicable(
            f"prerequisite not met: the station {has} user interface to select the "
            f"transactions a Master Pass stops (PIXIT master_pass_ui)"
        )


async def _master_pass_presented(ctx: CaseContext) -> tuple[Session, dict[int, str], float]:
    """MasterPassGroupId configured; EnergyTransferStarted on EVSE 1 (valid idToken) and, if
    the station has more, on EVSE 2 (valid idToken 2); the master pass idToken is presented
    and the station asks the CSMS about it (Accepted, groupIdToken <Configured
    masterPassGroupId>). Returns the connection, the transactions by EVSE and the time the
    master pass was presented."""
    p = ctx.dut.pixit
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    await _master_pass_configured(ctx, s)
    master = _master_token(ctx)
    token, other = states.valid_token(ctx), _valid2(ctx)
    _answer_tokens(
        s,
        {
            token["idToken"]: {"status": "Accepted"},
            other["idToken"]: {"status": "Accepted"},
            master["idToken"]: _grouped("Accepted", p.master_pass_group_id),
        },
    )
    running = {states.EVSE: await _session(ctx, s, token, states.EVSE)}
    if len(p.evse_ids) > 1:
        running[2] = await _session(ctx, s, other, 2)
    t0 = await _present(ctx, master)
    await s.expect(
        "Authorize",
        {"idToken": master},
        predicate=states.after(t0),
        why="the master pass idToken was presented",
    )
    return s, running, t0


async def _stopped_by_master_pass(
    ctx: CaseContext, s: Session, evse: int, tx_id: str, t0: float, why: str
) -> None:
    """The transaction on `evse` is stopped: StopAuthorized, stoppedReason MasterPass when the
    stop ends it (C16.FR.01)."""
    msg = await states.next_tx_event(ctx, s, since=t0, tx_id=tx_id, why=why)
    states.check_tx_event(ctx, msg, trigger="StopAuthorized", requirement="C16.FR.01")
    if msg.payload.get("eventType") == "Ended":
        states.check_tx_event(ctx, msg, stopped_reason="MasterPass", requirement="C16.FR.01")


_UI_VERBS = (*_LOCAL_VERBS, "select_master_pass_stop")


@testcase("TC_C_47_CS", verbs=_UI_VERBS)
async def test_master_pass_ui_stops_all(ctx: CaseContext) -> None:
    """C16.FR.01: on a station with a user interface for the Master Pass, with a transaction
    charging on every EVSE (EVSE 1 and 2 at most), the master pass idToken is presented and
    accepted by the CSMS with groupIdToken <Configured masterPassGroupId>; the holder selects
    to stop all transactions: each gets a TransactionEvent with triggerReason StopAuthorized
    (stoppedReason MasterPass when it ends)."""
    _master_pass_ui(ctx, True)
    s, running, _t0 = await _master_pass_presented(ctx)
    t1 = time.monotonic()
    await ctx.operator.select_master_pass_stop(evse_id=None)
    for evse, tx_id in running.items():
        await _stopped_by_master_pass(
            ctx,
            s,
            evse,
            tx_id,
            t1,
            f"the Master Pass holder selected to stop all transactions, also the one on "
            f"EVSE {evse}",
        )


@testcase("TC_C_48_CS", verbs=_UI_VERBS)
async def test_master_pass_ui_stops_selected(ctx: CaseContext) -> None:
    """C16.FR.01: on a station with a user interface for the Master Pass, with a transaction
    charging on every EVSE (EVSE 1 and 2 at most), the master pass idToken is presented and
    accepted; the holder selects to stop the transaction on EVSE 1 only: it gets a
    TransactionEvent with triggerReason StopAuthorized (stoppedReason MasterPass when it
    ends) and the one on EVSE 2 goes on (GetTransactionStatus says it is ongoing)."""
    _master_pass_ui(ctx, True)
    s, running, _t0 = await _master_pass_presented(ctx)
    t1 = time.monotonic()
    await ctx.operator.select_master_pass_stop(evse_id=states.EVSE)
    await _stopped_by_master_pass(
        ctx,
        s,
        states.EVSE,
        running[states.EVSE],
        t1,
        f"the Master Pass holder selected to stop the transaction on EVSE {states.EVSE}",
    )
    for evse, tx_id in running.items():
        if evse == states.EVSE:
            continue
        status = await s.call("GetTransactionStatus", {"transactionId": tx_id})
        touched = [
            m
            for m in s.received("TransactionEvent", since=t1)
            if m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
            and m.payload.get("triggerReason") == "StopAuthorized"
        ]
        ctx.check(
            status.get("ongoingIndicator") is True and not touched,
            f"the transaction on EVSE {evse} ({tx_id}) was stopped too "
            f"(ongoingIndicator {status.get('ongoingIndicator')!r}); only the one on EVSE "
            f"{states.EVSE} was selected",
            requirement="C16.FR.01",
            frame=touched[0].text if touched else None,
        )


# -- offline authorization, answered Invalid afterwards (C12 / C15, StopTxOnInvalidId) ----------

_OFFLINE_VERBS = (*_LOCAL_VERBS, "go_offline", "go_online")


def _invalid_in_tx(msg: Incoming) -> dict[str, Any]:
    """The CSMS answers every TransactionEvent that carries an idToken with Invalid."""
    return {"idTokenInfo": {"status": "Invalid"}} if "idToken" in msg.payload else {}


async def _offline_started_then_refused(
    ctx: CaseContext, s: Session, token: dict[str, str]
) -> tuple[Session, str, Incoming]:
    """EVConnectedPreSession; the connection goes down; `token` is presented and authorized
    offline (from the cache or as an unknown id); back online, the station empties its
    queue (offline true) and the CSMS answers the TransactionEvent with the idToken Invalid.
    Returns the new connection, the transactionId and that TransactionEvent."""
    await states.ev_connected_pre_session(ctx, s)
    period = await states.offline(ctx, s)
    await _present(ctx, token)
    states.answer_next_connections(ctx, "TransactionEvent", _invalid_in_tx)
    s2 = await period.end()
    first = await s2.expect(
        "TransactionEvent",
        predicate=lambda m: "idToken" in m.payload,
        why="a transaction was authorized while offline, so its queued TransactionEvents "
        "(with the idToken) are sent once the connection is back",
    )
    ctx.check(
        first.payload.get("offline") is True,
        f"the TransactionEvent ({first.payload.get('eventType')}, "
        f"{first.payload.get('triggerReason')}) generated while offline has offline "
        f"{first.payload.get('offline')!r}; it must be true",
        requirement="E12.FR.02",
        frame=first.text,
    )
    states.check_id_token(ctx, first, token, "C15.FR.02")
    tx_id = str(first.payload.get("transactionInfo", {}).get("transactionId"))
    return s2, tx_id, first


async def _offline_cache_configured(ctx: CaseContext, s: Session, stop_tx: str) -> None:
    """AuthCacheCtrlr.Enabled, LocalPreAuthorize, LocalAuthorizeOffline true; StopTxOnInvalidId
    `stop_tx`; MaxEnergyOnInvalidId 0 (if implemented); the valid idToken cached."""
    await _cache_configured(ctx, s, "false")
    await _id_token_cached(ctx, s)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    await states.configure(ctx, s, "AuthCtrlr", "LocalAuthorizeOffline", "true", prerequisite=True)
    await states.configure(ctx, s, "TxCtrlr", "StopTxOnInvalidId", stop_tx, prerequisite=True)
    await states.configure_if_implemented(ctx, s, "TxCtrlr", "MaxEnergyOnInvalidId", "0")


@testcase("TC_C_16_CS", verbs=_OFFLINE_VERBS)
async def test_cache_offline_invalid_stop_tx(ctx: CaseContext) -> None:
    """C12.FR.02, C12.FR.04, StopTxOnInvalidId true: the valid idToken, cached Accepted, is
    authorized from the cache while offline and the transaction starts; back online the CSMS
    answers it Invalid in the TransactionEventResponse, so the station deauthorizes the
    transaction: a TransactionEvent with triggerReason Deauthorized (Ended with
    stoppedReason DeAuthorized, or Updated with the energy transfer stopped)."""
    s = await states.booted(ctx)
    await _offline_cache_configured(ctx, s, "true")
    s2, tx_id, _first = await _offline_started_then_refused(ctx, s, states.valid_token(ctx))
    msg = await s2.expect(
        "TransactionEvent",
        {"triggerReason": "Deauthorized", "transactionInfo": {"transactionId": tx_id}},
        why="the CSMS answered the idToken Invalid and StopTxOnInvalidId is true, so the "
        "transaction must be deauthorized",
    )
    if msg.payload.get("eventType") == "Ended":
        states.check_tx_event(ctx, msg, stopped_reason="DeAuthorized", requirement="E06.FR.04")
    else:
        state = msg.payload.get("transactionInfo", {}).get("chargingState")
        ctx.check(
            state not in ("Charging", None),
            f"the Deauthorized TransactionEvent says chargingState {state!r}; the energy "
            f"transfer must stop",
            frame=msg.text,
        )


@testcase("TC_C_17_CS", verbs=_OFFLINE_VERBS)
async def test_cache_offline_invalid_no_stop_tx(ctx: CaseContext) -> None:
    """C12.FR.02, C12.FR.04, StopTxOnInvalidId false (MaxEnergyOnInvalidId 0): the valid
    idToken, cached Accepted, starts a transaction while offline; back online the CSMS answers
    it Invalid; the station does not end or deauthorize the transaction but stops the energy
    delivery: chargingState SuspendedEVSE, no Deauthorized and no Ended event."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await _offline_cache_configured(ctx, s, "false")
    s2, tx_id, first = await _offline_started_then_refused(ctx, s, states.valid_token(ctx))
    msg = await s2.expect(
        "TransactionEvent",
        {"transactionInfo": {"transactionId": tx_id, "chargingState": "SuspendedEVSE"}},
        predicate=lambda m: m.received >= first.received,
        why="the CSMS answered the idToken Invalid and StopTxOnInvalidId is false, so the "
        "station stops the energy delivery (SuspendedEVSE) but keeps the transaction",
    )
    stopped = [
        m
        for m in s2.received("TransactionEvent", since=first.received)
        if m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
        and (
            m.payload.get("eventType") == "Ended"
            or m.payload.get("triggerReason") == "Deauthorized"
        )
    ]
    ctx.check(
        not stopped,
        "the transaction was deauthorized / ended after the Invalid answer although "
        "StopTxOnInvalidId is false",
        frame=stopped[0].text if stopped else msg.text,
    )


@testcase("TC_C_26_CS", verbs=_OFFLINE_VERBS)
async def test_offline_unknown_id(ctx: CaseContext) -> None:
    """C15.FR.02, C15.FR.06, C15.FR.08, C13.FR.04: with OfflineTxForUnknownIdEnabled true
    (StopTxOnInvalidId false, MaxEnergyOnInvalidId 0) an idToken the station does not know
    starts a transaction while offline (StartOfflineTransaction); back online its queued
    TransactionEvents say offline true and the CSMS answers the idToken Invalid; the
    transaction stays (no Deauthorized, no Ended); presenting the idToken again stops it
    (StopAuthorized)."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.configure(
        ctx, s, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true", prerequisite=True
    )
    await states.configure_if_implemented(ctx, s, "LocalAuthListCtrlr", "Enabled", "true")
    await states.configure_if_implemented(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true")
    await states.configure(ctx, s, "AuthCtrlr", "LocalAuthorizeOffline", "true", prerequisite=True)
    await states.configure_if_implemented(ctx, s, "TxCtrlr", "MaxEnergyOnInvalidId", "0")
    await states.configure(ctx, s, "TxCtrlr", "StopTxOnInvalidId", "false", prerequisite=True)
    cache = await states.get_variable(ctx, s, "AuthCacheCtrlr", "Enabled")
    if cache.get("attributeStatus") == "Accepted":
        await _cache_emptied(ctx, s)  # the idToken must be unknown to the station
    token = states.valid_token(ctx)
    s2, tx_id, first = await _offline_started_then_refused(ctx, s, token)
    queued = [
        m
        for m in s2.received("TransactionEvent")
        if m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
        and m.received <= first.received
    ]
    for m in queued:
        ctx.check(
            m.payload.get("offline") is True,
            f"TransactionEvent ({m.payload.get('eventType')}, seqNo {m.payload.get('seqNo')}) "
            f"was generated while offline but has offline {m.payload.get('offline')!r}",
            requirement="C15.FR.02",
            frame=m.text,
        )
    t0 = await _present(ctx, token)
    msg = await s2.expect(
        "TransactionEvent",
        {"triggerReason": "StopAuthorized", "transactionInfo": {"transactionId": tx_id}},
        predicate=states.after(t0),
        why="the idToken that started the transaction was presented again to stop it (C15.FR.08)",
    )
    refused = [
        m
        for m in s2.received("TransactionEvent", since=first.received)
        if m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
        and m.received < msg.received
        and (
            m.payload.get("eventType") == "Ended"
            or m.payload.get("triggerReason") == "Deauthorized"
        )
    ]
    ctx.check(
        not refused,
        "the offline transaction was deauthorized / ended when the CSMS answered Invalid, "
        "although StopTxOnInvalidId is false",
        requirement="C15.FR.06",
        frame=refused[0].text if refused else None,
    )
    await states.ev_disconnected(ctx, s2, tx_id=tx_id)


async def _energy_register(ctx: CaseContext, s: Session) -> float | None:
    """Energy.Active.Import.Register of <Configured evseId> now (TriggerMessage MeterValues)."""
    t0 = time.monotonic()
    result = await s.call(
        "TriggerMessage", {"requestedMessage": "MeterValues", "evse": {"id": states.EVSE}}
    )
    if result.get("status") != "Accepted":
        return None
    msg = await s.expect(
        "MeterValues",
        predicate=states.after(t0),
        why="TriggerMessage MeterValues was accepted",
    )
    for value in msg.payload.get("meterValue") or []:
        for sample in value.get("sampledValue") or []:
            if (
                sample.get("measurand", "Energy.Active.Import.Register")
                == ("Energy.Active.Import.Register")
                and sample.get("phase") is None
            ):
                multiplier = (sample.get("unitOfMeasure") or {}).get("multiplier", 0)
                unit = (sample.get("unitOfMeasure") or {}).get("unit", "Wh")
                wh = float(sample["value"]) * 10 ** int(multiplier)
                return wh * 1000 if unit == "kWh" else wh
    return None


async def _max_energy_then(ctx: CaseContext, stop_tx: str, match: dict[str, Any]) -> None:
    """C_15 / C_18: MaxEnergyOnInvalidId <Configured MaxEnergyOnInvalidId>: the valid idToken,
    cached Accepted, starts a transaction while offline; the CSMS answers it Invalid once the
    station is back; the EV may still draw that much energy, then the station reacts as
    StopTxOnInvalidId `stop_tx` says (a TransactionEvent matching `match`). The energy drawn
    meanwhile is read from the EVSE's register (TriggerMessage MeterValues) before and
    after; the wait allows for an EV drawing at least 1 kW."""
    limit = ctx.dut.pixit.max_energy_on_invalid_id
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await _cache_configured(ctx, s, "false")
    await _id_token_cached(ctx, s)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    await states.configure(ctx, s, "AuthCtrlr", "LocalAuthorizeOffline", "true", prerequisite=True)
    await states.configure_if_implemented(
        ctx, s, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true"
    )
    await states.configure(ctx, s, "TxCtrlr", "StopTxOnInvalidId", stop_tx, prerequisite=True)
    await states.configure(ctx, s, "TxCtrlr", "MaxEnergyOnInvalidId", str(limit), prerequisite=True)
    s2, tx_id, first = await _offline_started_then_refused(ctx, s, states.valid_token(ctx))
    before = await _energy_register(ctx, s2)
    msg = await s2.expect(
        "TransactionEvent",
        {**match, "transactionInfo": {**match.get("transactionInfo", {}), "transactionId": tx_id}},
        predicate=lambda m: m.received >= first.received,
        timeout=ctx.timeouts.message + 3600.0 * limit / 1000.0,
        why=f"the CSMS answered the idToken Invalid; once MaxEnergyOnInvalidId ({limit} Wh) "
        f"is delivered the station must act on it (StopTxOnInvalidId {stop_tx})",
    )
    after = await _energy_register(ctx, s2)
    if before is None or after is None:
        ctx.warn(
            False,
            "the station did not report its energy register on TriggerMessage "
            "MeterValues, so the energy drawn after the refusal was not measured",
        )
        return
    # The first reading comes a moment after the answer: allow a fifth of the limit for that.
    ctx.check(
        after - before >= 0.8 * limit,
        f"only {after - before:.1f} Wh were delivered between the refusal of the idToken and "
        f"the station's reaction ({msg.payload.get('triggerReason')}); with "
        f"MaxEnergyOnInvalidId {limit} Wh the EV may draw that much first",
        frame=msg.text,
    )


@testcase("TC_C_15_CS", verbs=_OFFLINE_VERBS)
async def test_cache_offline_invalid_max_energy(ctx: CaseContext) -> None:
    """C12.FR.02, C12.FR.04, StopTxOnInvalidId false, MaxEnergyOnInvalidId > 0: after the
    CSMS refuses the offline-started transaction's idToken, energy delivery continues up to
    MaxEnergyOnInvalidId and then stops (chargingState SuspendedEVSE); the transaction is not
    ended."""
    await _max_energy_then(ctx, "false", {"transactionInfo": {"chargingState": "SuspendedEVSE"}})


@testcase("TC_C_18_CS", verbs=_OFFLINE_VERBS)
async def test_cache_offline_invalid_max_energy_stop_tx(ctx: CaseContext) -> None:
    """C12.FR.02, C12.FR.04, StopTxOnInvalidId true, MaxEnergyOnInvalidId > 0: after the
    CSMS refuses the offline-started transaction's idToken, energy delivery continues up to
    MaxEnergyOnInvalidId and then the transaction is deauthorized (triggerReason
    Deauthorized)."""
    await _max_energy_then(ctx, "true", {"triggerReason": "Deauthorized"})


# -- Local Authorization List (C13 offline, C14 online; C09 with the list) ---------------------

_LOCAL_LIST = (local_list.LOCAL_LIST_PROFILE,)


async def _local_list_configured(ctx: CaseContext, s: Session, *, offline: bool) -> None:
    """Configuration state of the local list cases: LocalAuthListCtrlr.Enabled true,
    AuthCtrlr.LocalPreAuthorize true, OfflineTxForUnknownIdEnabled false (if implemented) and
    then LocalAuthorizeOffline true (offline cases) or LocalAuthListCtrlr.DisablePostAuthorize
    false (if implemented; online cases), on top of the local authorization settings. The
    authorization cache is emptied, so only the list knows the case's idTokens."""
    states.end_transactions_afterwards(ctx)
    await local_list.enabled(ctx, s)
    await states.local_auth_configured(ctx, s)
    await states.configure(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true", prerequisite=True)
    await states.configure_if_implemented(
        ctx, s, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false"
    )
    if offline:
        await states.configure(
            ctx, s, "AuthCtrlr", "LocalAuthorizeOffline", "true", prerequisite=True
        )
    else:
        await states.configure_if_implemented(
            ctx, s, "LocalAuthListCtrlr", "DisablePostAuthorize", "false"
        )
    await local_list.cache_emptied(ctx, s)


def _carries(token: dict[str, str]) -> Callable[[Incoming], bool]:
    """A TransactionEvent that reports an authorization with `token`."""
    return lambda m: (m.payload.get("idToken") or {}).get("idToken") == token["idToken"]


@testcase("TC_C_21_CS", features=_LOCAL_LIST, verbs=_OFFLINE_VERBS)
async def test_local_list_offline_accepted(ctx: CaseContext) -> None:
    """C13.FR.01: the valid idToken is Accepted in the local list (and not cached); with the
    EV connected and the station offline it is presented and authorized from the list: the
    transaction starts. Back online, its queued TransactionEvents say offline true and carry
    the idToken; the idToken then stops it (StopAuthorized) and the EV is unplugged."""
    s = await states.booted(ctx)
    await _local_list_configured(ctx, s, offline=True)
    token = states.valid_token(ctx)
    await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)])
    await states.ev_connected_pre_session(ctx, s)
    period = await states.offline(ctx, s)
    await _present(ctx, token)
    s2 = await period.end()
    first = await s2.expect(
        "TransactionEvent",
        predicate=_carries(token),
        why="the idToken is Accepted in the local authorization list and LocalAuthorizeOffline "
        "is true, so it was authorized offline and its queued TransactionEvents are sent now "
        "(C13.FR.01)",
    )
    ctx.check(
        first.payload.get("offline") is True,
        f"the TransactionEvent ({first.payload.get('eventType')}, "
        f"{first.payload.get('triggerReason')}) generated while offline has offline "
        f"{first.payload.get('offline')!r}; it must be true",
        requirement="E12.FR.02",
        frame=first.text,
    )
    states.check_id_token(ctx, first, token, "C13.FR.01")
    tx_id = str(first.payload.get("transactionInfo", {}).get("transactionId"))
    if first.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s2, since=first.received)
    await states.stop_authorized(ctx, s2, tx_id)
    await states.ev_disconnected(ctx, s2, tx_id=tx_id)


async def _local_list_offline_refused(ctx: CaseContext, token: dict[str, str], status: str) -> None:
    """C13.FR.04: `token` is in the local list with `status`; offline, with the EV connected,
    it is presented; back online, no TransactionEvent reports an authorization with it."""
    s = await states.booted(ctx)
    await _local_list_configured(ctx, s, offline=True)
    await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token, status)])
    await _not_authorized_offline(
        ctx,
        s,
        token,
        f"the idToken is {status} in the local authorization list, so offline it must not "
        f"be authorized (C13.FR.04)",
    )


async def _not_authorized_offline(
    ctx: CaseContext, s: Session, token: dict[str, str], why: str
) -> None:
    """EV connected, then offline, `token` presented: back online, no TransactionEvent
    reports an authorization with it."""
    await states.ev_connected_pre_session(ctx, s)
    period = await states.offline(ctx, s)
    await _present(ctx, token)
    s2 = await period.end()
    await s2.expect_none(
        "TransactionEvent",
        predicate=lambda m: _carries(token)(m) or m.payload.get("triggerReason") == "Authorized",
        during=ctx.timeouts.message,
        why=why,
    )


@testcase("TC_C_22_CS", features=_LOCAL_LIST, verbs=_OFFLINE_VERBS)
async def test_local_list_offline_invalid(ctx: CaseContext) -> None:
    """C13.FR.04: offline, an idToken Invalid in the local list is not authorized."""
    p = ctx.dut.pixit
    await _local_list_offline_refused(ctx, _token(ctx, p.invalid_idtoken_idtoken), "Invalid")


@testcase("TC_C_23_CS", features=_LOCAL_LIST, verbs=_OFFLINE_VERBS)
async def test_local_list_offline_blocked(ctx: CaseContext) -> None:
    """C13.FR.04: offline, an idToken Blocked in the local list is not authorized."""
    p = ctx.dut.pixit
    await _local_list_offline_refused(ctx, _token(ctx, p.blocked_idtoken_idtoken), "Blocked")


@testcase("TC_C_24_CS", features=_LOCAL_LIST, verbs=_OFFLINE_VERBS)
async def test_local_list_offline_expired(ctx: CaseContext) -> None:
    """C13.FR.04: offline, an idToken Expired in the local list is not authorized."""
    p = ctx.dut.pixit
    await _local_list_offline_refused(ctx, _token(ctx, p.expired_idtoken_idtoken), "Expired")


@testcase("TC_C_25_CS", features=_LOCAL_LIST, verbs=_OFFLINE_VERBS)
async def test_local_list_offline_above_cache(ctx: CaseContext) -> None:
    """C13.FR.04, C14.FR.01: the valid idToken is cached as Accepted (a session with it) and
    then put in the local list as Invalid (OfflineTxForUnknownIdEnabled true and
    StopTxOnInvalidId false where implemented); offline, with the EV connected, it is
    presented: the list takes precedence over the cache, so it is not authorized and, back
    online, no TransactionEvent reports an authorization with it."""
    s = await states.booted(ctx)
    await _cache_available(ctx, s)
    await _local_list_configured(ctx, s, offline=True)
    await states.configure(ctx, s, "AuthCacheCtrlr", "Enabled", "true", prerequisite=True)
    await states.configure_if_implemented(
        ctx, s, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true"
    )
    await states.configure_if_implemented(ctx, s, "TxCtrlr", "StopTxOnInvalidId", "false")
    token = states.valid_token(ctx)
    await _id_token_cached(ctx, s)
    await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token, "Invalid")])
    await _not_authorized_offline(
        ctx,
        s,
        token,
        "the idToken is Invalid in the local authorization list, which takes precedence "
        "over its Accepted entry in the authorization cache",
    )


@testcase("TC_C_27_CS", features=_LOCAL_LIST, verbs=_LOCAL_VERBS)
async def test_local_list_online_accepted(ctx: CaseContext) -> None:
    """C14.FR.02: LocalPreAuthorize true and the valid idToken Accepted in the local list:
    presented (then the EV connected), it is authorized from the list with no
    AuthorizeRequest, and energy transfer starts."""
    s = await states.booted(ctx)
    await _local_list_configured(ctx, s, offline=False)
    token = states.valid_token(ctx)
    await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)])
    await _cached_start_without_cable(
        ctx,
        s,
        token,
        "C14.FR.02",
        "it is Accepted in the local authorization list and LocalPreAuthorize is true, so it "
        "must be authorized from the list without asking the CSMS",
    )


async def _local_list_asked(
    ctx: CaseContext, s: Session, token: dict[str, str], status: str, answer: str
) -> Incoming:
    """`token` is in the local list with `status` (not Accepted); presented, the station asks
    the CSMS (an AuthorizeRequest with the idToken), which answers `answer`."""
    await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token, status)])
    s.on("Authorize", {"idTokenInfo": {"status": answer}})
    t0 = await _present(ctx, token)
    return await s.expect(
        "Authorize",
        {"idToken": token},
        predicate=states.after(t0),
        why=f"the idToken is {status} in the local authorization list, not Accepted, and "
        f"DisablePostAuthorize is false, so the station must ask the CSMS (C14.FR.03)",
    )


async def _local_list_online_refused(ctx: CaseContext, token: dict[str, str], status: str) -> None:
    """C14.FR.03: EVConnectedPreSession; `token`, `status` in the local list, is presented;
    the station sends an AuthorizeRequest, the CSMS answers `status` too, and no transaction
    starts."""
    s = await states.booted(ctx)
    await _local_list_configured(ctx, s, offline=False)
    await states.ev_connected_pre_session(ctx, s)
    auth = await _local_list_asked(ctx, s, token, status, status)
    await s.expect_none(
        "TransactionEvent",
        predicate=_after_quietly(auth.received),
        during=ctx.timeouts.message,
        why=f"the idToken is {status} in the local list and the CSMS answered {status}, so it "
        f"is not authorized and no transaction may start",
    )


@testcase("TC_C_28_CS", features=_LOCAL_LIST, verbs=_LOCAL_VERBS)
async def test_local_list_online_invalid(ctx: CaseContext) -> None:
    """C14.FR.03: an idToken Invalid in the local list is asked at the CSMS (Invalid)."""
    p = ctx.dut.pixit
    await _local_list_online_refused(ctx, _token(ctx, p.invalid_idtoken_idtoken), "Invalid")


@testcase("TC_C_29_CS", features=_LOCAL_LIST, verbs=_LOCAL_VERBS)
async def test_local_list_online_blocked(ctx: CaseContext) -> None:
    """C14.FR.03: an idToken Blocked in the local list is asked at the CSMS (Blocked)."""
    p = ctx.dut.pixit
    await _local_list_online_refused(ctx, _token(ctx, p.blocked_idtoken_idtoken), "Blocked")


@testcase("TC_C_30_CS", features=_LOCAL_LIST, verbs=_LOCAL_VERBS)
async def test_local_list_online_expired(ctx: CaseContext) -> None:
    """C14.FR.03: an idToken Expired in the local list is asked at the CSMS (Expired)."""
    p = ctx.dut.pixit
    await _local_list_online_refused(ctx, _token(ctx, p.expired_idtoken_idtoken), "Expired")


@testcase("TC_C_31_CS", features=_LOCAL_LIST, verbs=_LOCAL_VERBS)
async def test_local_list_online_invalid_accepted(ctx: CaseContext) -> None:
    """C14.FR.03: the valid idToken is Invalid in the (outdated) local list; presented, the
    station asks the CSMS, which answers Accepted; with the EV connected the transaction is
    authorized with the idToken and energy transfer starts."""
    s = await states.booted(ctx)
    await _local_list_configured(ctx, s, offline=False)
    token = states.valid_token(ctx)
    auth = await _local_list_asked(ctx, s, token, "Invalid", "Accepted")
    await states.ev_connected_pre_session(ctx, s)
    msg = await states.next_tx_event(
        ctx, s, since=auth.received, why="the CSMS accepted the idToken and the EV is connected"
    )
    states.check_id_token(ctx, msg, token, "C14.FR.03")
    if msg.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=msg.received)


@testcase("TC_C_58_CS", features=_LOCAL_LIST, verbs=_LOCAL_VERBS)
async def test_local_list_disable_post_authorize(ctx: CaseContext) -> None:
    """C14.FR.03, LocalAuthListCtrlr.DisablePostAuthorize true (prerequisite): an idToken
    Invalid in the local list is judged from the list alone: presented with the EV connected,
    no AuthorizeRequest is sent for it and no transaction starts."""
    s = await states.booted(ctx)
    await _local_list_configured(ctx, s, offline=False)
    await states.configure(
        ctx, s, "LocalAuthListCtrlr", "DisablePostAuthorize", "true", prerequisite=True
    )
    token = _token(ctx, ctx.dut.pixit.invalid_idtoken_idtoken)
    await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token, "Invalid")])
    await states.ev_connected_pre_session(ctx, s)
    t0 = await _present(ctx, token)
    await s.expect_none(
        "Authorize",
        predicate=states.after(t0),
        during=ctx.timeouts.message,
        why="the idToken is Invalid in the local authorization list and LocalAuthListCtrlr."
        "DisablePostAuthorize is true, so the station must not ask the CSMS about it",
    )
    started = [m for m in s.received("TransactionEvent", since=t0) if not states.is_periodic(m)]
    ctx.check(
        not started,
        "a TransactionEvent followed the presentation of an idToken Invalid in the local "
        "list; it must not be authorized",
        requirement="C14.FR.03",
        frame=started[0].text if started else None,
    )


async def _group_session_from_local_list(
    ctx: CaseContext, second: str
) -> tuple[Session, dict[str, str], float, str]:
    """Both valid idTokens in the local list with groupIdToken <Configured GroupId>, the
    first Accepted and the second `second` (the CSMS answers the same); EV connected, the
    first, presented, starts a transaction from the list with energy transfer. Returns the
    session, the second idToken, when the first was presented and the transactionId."""
    group = ctx.dut.pixit.group_idtoken
    s = await states.booted(ctx)
    await _local_list_configured(ctx, s, offline=False)
    token, other = states.valid_token(ctx), _valid2(ctx)
    _answer_tokens(
        s,
        {
            token["idToken"]: _grouped("Accepted", group),
            other["idToken"]: _grouped(second, group),
        },
    )
    await local_list.id_tokens_in_list(
        ctx,
        s,
        [
            local_list.entry(token, "Accepted", group),
            local_list.entry(other, second, group),
        ],
    )
    await states.ev_connected_pre_session(ctx, s)
    t0 = await _present(ctx, token)
    msg = await states.next_tx_event(
        ctx, s, since=t0, why="an idToken Accepted in the local list was presented"
    )
    states.check_id_token(ctx, msg, token, "C14.FR.02")
    if msg.payload.get("transactionInfo", {}).get("chargingState") != "Charging":
        await states.energy_transfer_started(ctx, s, since=msg.received)
    return s, other, t0, str(msg.payload["transactionInfo"]["transactionId"])


@testcase("TC_C_40_CS", features=_LOCAL_LIST, verbs=_LOCAL_VERBS)
async def test_group_id_stop_local_list(ctx: CaseContext) -> None:
    """C09.FR.03, C09.FR.07, C14.FR.02: both valid idTokens are Accepted in the local list
    with groupIdToken <Configured GroupId> and LocalPreAuthorize is true: the first starts a
    transaction from the list; the second, of the same group, stops it (StopAuthorized), and
    neither is sent in an AuthorizeRequest."""
    s, other, t0, tx_id = await _group_session_from_local_list(ctx, "Accepted")
    t1 = await _present(ctx, other)
    await _stopped_by_group(ctx, s, tx_id, other, t1, "C09.FR.07")
    asked = s.received("Authorize", since=t0)
    ctx.check(
        not asked,
        "the station sent an AuthorizeRequest although both idTokens are Accepted in the "
        "local authorization list with their groupIdToken and LocalPreAuthorize is true",
        requirement="C14.FR.02",
        frame=asked[0].text if asked else None,
    )


@testcase("TC_C_43_CS", features=_LOCAL_LIST, verbs=_LOCAL_VERBS)
async def test_group_id_invalid_local_list(ctx: CaseContext) -> None:
    """C09.FR.11, C14.FR.03: the valid idToken is Accepted and the second valid idToken
    Invalid in the local list, both with groupIdToken <Configured GroupId>; the first starts a
    transaction from the list; the second does not stop it (when the station asks the CSMS
    about it, the answer is Invalid again)."""
    s, other, _t0, tx_id = await _group_session_from_local_list(ctx, "Invalid")
    t1 = await _present(ctx, other)
    await _not_stopped(
        ctx,
        s,
        tx_id,
        t1,
        f"idToken {other['idToken']!r} shares the group but is Invalid in the local list "
        f"(and at the CSMS), so it must not stop the transaction (C09.FR.11)",
    )
