"""OCPP 2.0.1, DUT = charging station, functional block E (Transactions), Core profile:
offline behaviour (E08, E12) and the retry of transaction messages (E13).

Offline periods are made with the go_offline / go_online operator verbs (the network is cut
and restored), which is what the official "the OCTT closes the WebSocket connection and does
not accept a reconnect" achieves from the station's point of view. Every TransactionEvent the
station generated meanwhile must arrive after the reconnect, in order, with offline true and
seqNo continuing where the transaction left off.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import states

_OFFLINE_VERBS = ("plug_in", "present_id_token", "unplug", "go_offline", "go_online")

# Retry timing is measured on our side of the wire: allow the jitter of two event loops.
TIMING_SLACK = 0.05


def _tx_events(sessions: list[Session], tx_id: str) -> list[Incoming]:
    return [
        m
        for s in sessions
        for m in s.received("TransactionEvent")
        if m.payload.get("transactionInfo", {}).get("transactionId") == tx_id
    ]


def _check_queued(ctx: CaseContext, queued: list[Incoming], requirement: str) -> None:
    """Every TransactionEvent generated while offline says so."""
    for m in queued:
        ctx.check(
            m.payload.get("offline") is True,
            f"TransactionEvent ({m.payload.get('eventType')}, {m.payload.get('triggerReason')}, "
            f"seqNo {m.payload.get('seqNo')}) was generated while the station was offline but "
            f"has offline {m.payload.get('offline')!r}; it must be true",
            requirement=requirement,
            frame=m.text,
        )


def _check_seq(ctx: CaseContext, events: list[Incoming], tx_id: str) -> None:
    """seqNo over the whole transaction, both connections: 0, 1, 2, ... in order."""
    seq = [m.payload.get("seqNo") for m in events]
    ctx.check(
        seq == list(range(len(events))),
        f"transaction {tx_id}: TransactionEvent seqNo values {seq} across the offline period; "
        f"they must start at 0 and increase by one per message, in the order sent",
        requirement="E12",
    )


async def _offline_auth_configured(ctx: CaseContext, s: Session) -> None:
    """An idToken can be authorized offline: from the cache / local list
    (LocalAuthorizeOffline) or as an unknown id (OfflineTxForUnknownIdEnabled)."""
    await states.local_auth_configured(ctx, s)
    await states.configure_if_implemented(ctx, s, "AuthCtrlr", "LocalAuthorizeOffline", "true")
    await states.configure_if_implemented(
        ctx, s, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true"
    )


async def _present(ctx: CaseContext, token: Mapping[str, str] | None = None) -> None:
    token = token or states.valid_token(ctx)
    await ctx.operator.present_id_token(
        id_token=token["idToken"], type=token["type"], evse_id=states.EVSE
    )


@testcase("TC_E_44_CS", verbs=_OFFLINE_VERBS)
async def test_offline_stop_transaction(ctx: CaseContext) -> None:
    """E08.FR.01, E08.FR.04-08: a transaction stopped (idToken presented, EV disconnected)
    while the station is offline: after the reconnect the queued TransactionEvents arrive with
    offline true, the stop reported (StopAuthorized) and the transaction Ended, seqNo
    continuous with the events sent before the connection was lost."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    tx_id = await states.charging_session(ctx, s)
    period = await states.offline(ctx, s)
    await _present(ctx)
    await ctx.operator.unplug(evse_id=states.EVSE, connector_id=states.CONNECTOR)
    s2 = await period.end()
    await _check_offline_stop(ctx, s, s2, tx_id)


async def _check_offline_stop(ctx: CaseContext, s: Session, s2: Session, tx_id: str) -> None:
    """After the reconnect: the stop made while offline arrives queued (offline true), as
    StopAuthorized, the Ended with stoppedReason Local (or EVDisconnected), seqNo continuous."""
    ended = await s2.expect(
        "TransactionEvent",
        {"eventType": "Ended", "transactionInfo": {"transactionId": tx_id}},
        why="the transaction ended while offline and its messages were queued",
    )
    queued = [m for m in _tx_events([s2], tx_id) if m.received <= ended.received]
    _check_queued(ctx, queued, "E08")
    stop = next((m for m in queued if m.payload.get("triggerReason") == "StopAuthorized"), None)
    ctx.check(
        stop is not None,
        f"none of the queued TransactionEvents {[m.payload.get('triggerReason') for m in queued]} "
        f"reports the stop authorization (triggerReason StopAuthorized)",
        requirement="E08",
    )
    got = ended.payload.get("transactionInfo", {}).get("stoppedReason", "Local")
    ctx.check(
        got in ("Local", "EVDisconnected"),
        f"the queued TransactionEvent Ended has stoppedReason {got!r}; the driver stopped it "
        f"locally (Local) and then unplugged (EVDisconnected)",
        requirement="E08",
        frame=ended.text,
    )
    _check_seq(ctx, _tx_events([s, s2], tx_id), tx_id)


@testcase("TC_E_45_CS", verbs=_OFFLINE_VERBS)
async def test_offline_stop_transaction_same_group(ctx: CaseContext) -> None:
    """E08.FR.02, E08.FR.04-08: a transaction started with one idToken is stopped, while the
    station is offline, with another idToken of the same group known from the authorization
    cache; after the reconnect the queued TransactionEvents arrive with offline true, the stop
    (StopAuthorized) and the Ended, seqNo continuous."""
    p = ctx.dut.pixit
    if len(p.evse_ids) < 2:
        raise NotApplicable("the case fills the authorization cache through a second EVSE")
    s = await states.booted(ctx)
    cache = await states.get_variable(ctx, s, "AuthCacheCtrlr", "Enabled")
    if cache.get("attributeStatus") != "Accepted":
        raise NotApplicable("prerequisite not met: the station has no authorization cache")
    states.end_transactions_afterwards(ctx)
    await states.configure(ctx, s, "AuthCacheCtrlr", "Enabled", "true", prerequisite=True)
    await _offline_auth_configured(ctx, s)
    first = states.valid_token(ctx)
    second = {"idToken": p.valid_idtoken2_idtoken, "type": p.valid_idtoken2_type}
    group = {"idToken": p.group_idtoken, "type": "Central"}
    members = {first["idToken"], second["idToken"]}

    def with_group(token: Mapping[str, Any] | None) -> dict[str, Any]:
        known = token is not None and token.get("idToken") in members
        info: dict[str, Any] = {"status": "Accepted" if known else "Invalid"}
        if known:
            info["groupIdToken"] = group
        return {"idTokenInfo": info}

    def authorize(msg: Incoming) -> Mapping[str, Any]:
        return with_group(msg.payload.get("idToken"))

    def tx_event(msg: Incoming) -> Mapping[str, Any]:
        return with_group(msg.payload["idToken"]) if "idToken" in msg.payload else {}

    s.on("Authorize", authorize)
    s.on("TransactionEvent", tx_event)
    states.answer_next_connections(ctx, "TransactionEvent", tx_event)
    # Memory state IdTokenCached for the second idToken with the group: a session on EVSE 2.
    other = states.EVSE + 1
    t0 = time.monotonic()
    await states.ev_connected_pre_session(ctx, s, other)
    await states.authorized(ctx, s, evse=other, token=second)
    cached = await states.energy_transfer_started(ctx, s, evse=other, since=t0)
    cached_tx = str(cached.payload["transactionInfo"]["transactionId"])
    await states.stop_authorized(ctx, s, cached_tx, evse=other, token=second)
    await states.ev_disconnected(ctx, s, evse=other, tx_id=cached_tx)
    # Authorized with the group (first idToken), EnergyTransferStarted, then offline.
    tx_id = await states.charging_session(ctx, s)
    period = await states.offline(ctx, s)
    await _present(ctx, second)
    await ctx.operator.unplug(evse_id=states.EVSE, connector_id=states.CONNECTOR)
    s2 = await period.end()
    await _check_offline_stop(ctx, s, s2, tx_id)


@testcase("TC_E_43_CS", verbs=_OFFLINE_VERBS)
async def test_offline_transaction(ctx: CaseContext) -> None:
    """E12.FR.01, E12.FR.02, E12.FR.06: a whole transaction while offline (authorized
    locally, started, stopped, cable out): after the reconnect the station empties its queue;
    every TransactionEvent has offline true, one is Started (with evse and idToken), one is
    Ended, seqNo 0, 1, 2, ..."""
    s = await states.booted(ctx)
    await _offline_auth_configured(ctx, s)
    period = await states.offline(ctx, s)
    await _present(ctx)
    await states.plug_in(ctx, s)
    await _present(ctx)
    await ctx.operator.unplug(evse_id=states.EVSE, connector_id=states.CONNECTOR)
    s2 = await period.end()
    ended = await s2.expect(
        "TransactionEvent",
        {"eventType": "Ended"},
        why="a transaction took place while offline and its messages were queued",
    )
    tx_id = str(ended.payload.get("transactionInfo", {}).get("transactionId"))
    events = _tx_events([s2], tx_id)
    _check_queued(ctx, events, "E12")
    started = [m for m in events if m.payload.get("eventType") == "Started"]
    ctx.check(
        bool(started),
        f"the queued TransactionEvents of transaction {tx_id} have eventTypes "
        f"{[m.payload.get('eventType') for m in events]}; one must be Started",
        requirement="E12",
    )
    if started:
        states.check_started_evse(ctx, started[0])
        with_token = [m for m in events if "idToken" in m.payload]
        ctx.check(
            bool(with_token),
            "none of the queued TransactionEvents carries the idToken that authorized the "
            "offline transaction",
            requirement="E12",
        )
    _check_seq(ctx, events, tx_id)


@testcase("TC_E_16_CS", verbs=_OFFLINE_VERBS)
async def test_stop_option_deauthorized_invalid_id(ctx: CaseContext) -> None:
    """E06.FR.04, E06.FR.15, C15.FR.04: a transaction started offline with an idToken the
    CSMS then answers Invalid in the TransactionEventResponse ends (StopTxOnInvalidId true):
    Ended with triggerReason Deauthorized, stoppedReason DeAuthorized."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    value = (await states.get_variable(ctx, s, "TxCtrlr", "TxStopPoint")).get("attributeValue")
    if not {p.strip() for p in str(value or "").split(",")} & {"Authorized", "PowerPathClosed"}:
        await states.tx_stop_point(ctx, s, "PowerPathClosed")
    await states.configure(ctx, s, "TxCtrlr", "StopTxOnInvalidId", "true", prerequisite=True)
    await _offline_auth_configured(ctx, s)

    def invalid(msg: Incoming) -> Mapping[str, Any]:
        return {"idTokenInfo": {"status": "Invalid"}} if "idToken" in msg.payload else {}

    # StartOfflineTransaction: authorized and started while offline.
    period = await states.offline(ctx, s)
    await _present(ctx)
    await states.plug_in(ctx, s)
    states.answer_next_connections(ctx, "TransactionEvent", invalid)
    s2 = await period.end()
    started = await s2.expect(
        "TransactionEvent",
        {"eventType": "Started"},
        why="a transaction was started while offline",
    )
    _check_queued(ctx, [started], "E12")
    tx_id = str(started.payload.get("transactionInfo", {}).get("transactionId"))
    ended = await s2.expect(
        "TransactionEvent",
        {"eventType": "Ended", "transactionInfo": {"transactionId": tx_id}},
        why="the CSMS answered the idToken of the offline transaction Invalid",
    )
    states.check_tx_event(
        ctx,
        ended,
        trigger="Deauthorized",
        stopped_reason="DeAuthorized",
        requirement="E06.FR.04",
    )
    _check_seq(ctx, _tx_events([s2], tx_id), tx_id)


# -- retries (E13) ------------------------------------------------------------------------------


async def _retry_configured(ctx: CaseContext, s: Session) -> tuple[int, int]:
    """OCPPCommCtrlr.MessageAttempts / MessageAttemptInterval for TransactionEvent."""
    p = ctx.dut.pixit
    attempts = p.transaction_message_attempts
    interval = p.transaction_message_retry_interval
    await states.configure(
        ctx, s, "OCPPCommCtrlr", "MessageAttempts", str(attempts), instance="TransactionEvent"
    )
    await states.configure(
        ctx,
        s,
        "OCPPCommCtrlr",
        "MessageAttemptInterval",
        str(interval),
        instance="TransactionEvent",
    )
    return attempts, interval


async def _failing_start(ctx: CaseContext, s: Session) -> Incoming:
    """A charging session whose first TransactionEvent is held, to be answered by the case."""
    s.hold("TransactionEvent")

    async def answer_held() -> None:  # if the case ends early, the station must not be stuck
        s.release("TransactionEvent")
        await s.answer_held_with_defaults()

    ctx.defer(answer_held)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    t0 = time.monotonic()
    await states.ev_connected_pre_session(ctx, s)
    await states.authorized(ctx, s, evse=states.EVSE)
    return await states.next_tx_event(ctx, s, since=t0, why="a charging session started")


async def _retry(
    ctx: CaseContext,
    s: Session,
    first: Incoming,
    previous: Incoming,
    n: int,
    interval: int,
    *,
    message_timeout: float | None = None,
) -> Incoming:
    """The n-th retry of `first` after `previous` failed: the same message, no earlier than
    MessageAttemptInterval x n after the failure. The failure is the CALLERROR answer, or,
    with `message_timeout`, the station's MessageTimeout expiring without an answer."""
    unanswered = message_timeout is not None
    retry = await states.next_tx_event(
        ctx,
        s,
        since=previous.received + 1e-6,
        timeout=(message_timeout or 0) + interval * n + ctx.timeouts.message,
        why=f"the TransactionEvent was "
        f"{'not answered' if unanswered else 'answered with a CALLERROR'} (attempt {n})",
    )
    same = all(
        retry.payload.get(k) == first.payload.get(k)
        for k in ("eventType", "seqNo", "triggerReason", "timestamp", "transactionInfo")
    )
    ctx.require(
        same,
        f"after a CALLERROR the station sent a different TransactionEvent (seqNo "
        f"{retry.payload.get('seqNo')}, {retry.payload.get('eventType')}) instead of retrying "
        f"seqNo {first.payload.get('seqNo')}",
        requirement="E13",
        frame=retry.text,
    )
    if message_timeout is not None:
        waited = retry.received - previous.received
        due = message_timeout + interval * n
        what = f"the unanswered attempt; MessageTimeout ({message_timeout:g} s) + "
    else:
        assert previous.replied is not None
        waited = retry.received - previous.replied
        due = interval * n
        what = "the CALLERROR; "
    ctx.check(
        waited >= due - TIMING_SLACK,
        f"retry {n} came {waited:.2f} s after {what}MessageAttemptInterval ({interval} s) x "
        f"{n} previous attempt(s) = {due:g} s must pass first",
        requirement="E13",
        frame=retry.text,
    )
    return retry


async def _next_after_stop(
    ctx: CaseContext, s: Session, tx_id: str, retried: Incoming, *, after_timeout: float = 0.0
) -> None:
    """Ask for the next message of the transaction (a remote stop); it must be that next
    message, not one more retry of `retried`. (`after_timeout`: the last attempt is still
    waiting for its MessageTimeout, so the next message may come that much later.)"""
    t0 = time.monotonic()
    result = await s.call("RequestStopTransaction", {"transactionId": tx_id})
    ctx.require(
        result.get("status") == "Accepted",
        f"set-up: RequestStopTransaction answered {result.get('status')!r}",
    )
    nxt = await states.next_tx_event(
        ctx,
        s,
        since=t0,
        tx_id=tx_id,
        timeout=after_timeout + ctx.timeouts.message,
        why="RequestStopTransaction ends the transaction",
    )
    await nxt.reply({})
    s.release("TransactionEvent")
    ctx.check(
        nxt.payload.get("seqNo") != retried.payload.get("seqNo"),
        f"the station sent seqNo {retried.payload.get('seqNo')} once more after it was "
        f"answered (or after MessageAttempts transmissions)",
        requirement="E13",
        frame=nxt.text,
    )


@testcase("TC_E_50_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_retry_max_attempts_call_error(ctx: CaseContext) -> None:
    """E13: every transmission of a TransactionEvent is answered with a CALLERROR: the station
    sends it MessageAttempts times in all, waiting MessageAttemptInterval x the number of
    attempts so far before each retry, and then gives it up."""
    s = await states.booted(ctx)
    attempts, interval = await _retry_configured(ctx, s)
    first = await _failing_start(ctx, s)
    tx_id = str(first.payload.get("transactionInfo", {}).get("transactionId"))
    last = first
    for n in range(1, attempts):
        await last.reply_error("InternalError", "the CSMS fails to process the message")
        last = await _retry(ctx, s, first, last, n, interval)
    await last.reply_error("InternalError", "the CSMS fails to process the message")
    await _next_after_stop(ctx, s, tx_id, first)


@testcase("TC_E_51_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_retry_success_call_error(ctx: CaseContext) -> None:
    """E13: a TransactionEvent answered once with a CALLERROR is retried after
    MessageAttemptInterval; once the retry is accepted the station moves on to the next
    message and does not send it again."""
    s = await states.booted(ctx)
    attempts, interval = await _retry_configured(ctx, s)
    ctx.require(attempts >= 2, "configuration: MessageAttempts must allow at least one retry")
    first = await _failing_start(ctx, s)
    tx_id = str(first.payload.get("transactionInfo", {}).get("transactionId"))
    await first.reply_error("InternalError", "the CSMS fails to process the message")
    retry = await _retry(ctx, s, first, first, 1, interval)
    await retry.reply({"idTokenInfo": {"status": "Accepted"}} if "idToken" in retry.payload else {})
    await _next_after_stop(ctx, s, tx_id, first)


# A short MessageTimeout keeps the unanswered-message cases fast; a station that does not take
# it keeps its own, and the case waits that long.
SHORT_MESSAGE_TIMEOUT = "1"


async def _message_timeout(ctx: CaseContext, s: Session) -> float:
    await states.try_configure(
        ctx, s, "OCPPCommCtrlr", "MessageTimeout", SHORT_MESSAGE_TIMEOUT, instance="Default"
    )
    value = await states.get_variable(ctx, s, "OCPPCommCtrlr", "MessageTimeout", "Default")
    try:
        return float(value.get("attributeValue") or 0)
    except ValueError:
        raise ctx.fail(
            f"OCPPCommCtrlr.MessageTimeout reads {value.get('attributeValue')!r}, not a number"
        ) from None


@testcase("TC_E_41_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_retry_max_attempts_no_answer(ctx: CaseContext) -> None:
    """E13: a TransactionEvent is never answered: after each MessageTimeout the station waits
    MessageAttemptInterval x the attempts so far and sends it again, MessageAttempts times in
    all, and then gives it up."""
    s = await states.booted(ctx)
    attempts, interval = await _retry_configured(ctx, s)
    timeout = await _message_timeout(ctx, s)
    first = await _failing_start(ctx, s)
    tx_id = str(first.payload.get("transactionInfo", {}).get("transactionId"))
    last = first
    for n in range(1, attempts):
        last.abandon()
        last = await _retry(ctx, s, first, last, n, interval, message_timeout=timeout)
    last.abandon()
    await _next_after_stop(ctx, s, tx_id, first, after_timeout=timeout)


@testcase("TC_E_42_CS", verbs=("plug_in", "present_id_token", "unplug"))
async def test_retry_success_no_answer(ctx: CaseContext) -> None:
    """E13: a TransactionEvent left unanswered once is sent again after MessageTimeout and
    MessageAttemptInterval; once that retry is answered the station moves on to the next
    message and does not send it again."""
    s = await states.booted(ctx)
    attempts, interval = await _retry_configured(ctx, s)
    ctx.require(attempts >= 2, "configuration: MessageAttempts must allow at least one retry")
    timeout = await _message_timeout(ctx, s)
    first = await _failing_start(ctx, s)
    tx_id = str(first.payload.get("transactionInfo", {}).get("transactionId"))
    first.abandon()
    retry = await _retry(ctx, s, first, first, 1, interval, message_timeout=timeout)
    await retry.reply({"idTokenInfo": {"status": "Accepted"}} if "idToken" in retry.payload else {})
    await _next_after_stop(ctx, s, tx_id, first)


@testcase("TC_E_40_CS", verbs=(*_OFFLINE_VERBS, "ev_suspend", "ev_resume"))
async def test_offline_connection_loss_during_transaction(ctx: CaseContext) -> None:
    """E12 (queueing of transaction messages while offline): the connection is lost while
    charging and the transaction goes on; what happens meanwhile (the EV suspends charging)
    is queued and delivered after the reconnect with offline true, in order, seqNo continuing
    from before the loss; the transaction is still ongoing afterwards."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    await states.local_auth_configured(ctx, s)
    tx_id = await states.charging_session(ctx, s)
    period = await states.offline(ctx, s)
    await ctx.operator.ev_suspend(evse_id=states.EVSE)

    async def resume() -> None:
        await ctx.operator.ev_resume(evse_id=states.EVSE)

    ctx.defer(resume)
    s2 = await period.end()
    queued = await s2.expect(
        "TransactionEvent",
        {"transactionInfo": {"transactionId": tx_id}},
        why="the EV suspended charging while the station was offline",
    )
    _check_queued(ctx, [queued], "E12")
    states.check_tx_event(
        ctx, queued, event_type="Updated", trigger="ChargingStateChanged", requirement="E12"
    )
    status = await s2.call("GetTransactionStatus", {"transactionId": tx_id})
    ctx.check(
        status.get("ongoingIndicator") is True,
        f"after the reconnect GetTransactionStatus says ongoingIndicator "
        f"{status.get('ongoingIndicator')!r}; the connection loss must not end the transaction",
        requirement="E12",
    )
    _check_seq(ctx, _tx_events([s, s2], tx_id), tx_id)
