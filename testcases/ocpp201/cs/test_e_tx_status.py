"""OCPP 2.0.1, DUT = charging station, functional block E (Transactions), Core profile:
GetTransactionStatus (E14).

"With message in queue" is set up by leaving one TransactionEventRequest of the transaction
unanswered: until the CSMS confirms it, that message is not delivered and stays queued at the
station (E12), so GetTransactionStatus, which the station answers meanwhile, must say
messagesInQueue true. The held message is answered afterwards.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from testcases.ocpp201.cs import states

_VERBS = ("plug_in", "present_id_token", "unplug")


async def _status(ctx: CaseContext, s: Session, tx_id: str | None) -> Mapping[str, Any]:
    request = {"transactionId": tx_id} if tx_id is not None else {}
    return await s.call("GetTransactionStatus", request)


def _check_status(
    ctx: CaseContext,
    result: Mapping[str, Any],
    *,
    ongoing: bool | None,
    queued: bool,
    requirement: str,
) -> None:
    if ongoing is None:
        ctx.check(
            "ongoingIndicator" not in result,
            f"GetTransactionStatusResponse without a transactionId carries ongoingIndicator "
            f"{result.get('ongoingIndicator')!r}; it is only given for a named transaction",
            requirement="E14",
        )
    else:
        ctx.check(
            result.get("ongoingIndicator") is ongoing,
            f"GetTransactionStatusResponse ongoingIndicator is "
            f"{result.get('ongoingIndicator')!r}, expected {str(ongoing).lower()}",
            requirement=requirement,
        )
    ctx.check(
        result.get("messagesInQueue") is queued,
        f"GetTransactionStatusResponse messagesInQueue is {result.get('messagesInQueue')!r}, "
        f"expected {str(queued).lower()}",
        requirement=requirement,
    )


async def _held_event(ctx: CaseContext, s: Session, tx_id: str, *, end: bool) -> Incoming:
    """Make the station send one more TransactionEvent of `tx_id` and leave it unanswered:
    a triggered Updated (F06) for an ongoing transaction, or the Ended of a remote stop."""
    s.hold("TransactionEvent")

    async def answer_held() -> None:  # if the case ends early, the station must not be stuck
        s.release("TransactionEvent")
        await s.answer_held_with_defaults()

    ctx.defer(answer_held)
    t0 = time.monotonic()
    if end:
        result = await s.call("RequestStopTransaction", {"transactionId": tx_id})
        why = "RequestStopTransaction ends the transaction"
    else:
        result = await s.call(
            "TriggerMessage",
            {"requestedMessage": "TransactionEvent", "evse": {"id": states.EVSE}},
        )
        why = "TriggerMessage asked for a TransactionEvent"
    ctx.require(
        result.get("status") == "Accepted",
        f"set-up: the request to make the station send a TransactionEvent was answered "
        f"{result.get('status')!r}",
    )
    msg = await states.next_tx_event(ctx, s, since=t0, tx_id=tx_id, why=why)
    if end:
        ctx.require(
            msg.payload.get("eventType") == "Ended",
            f"set-up: the TransactionEvent after RequestStopTransaction has eventType "
            f"{msg.payload.get('eventType')!r}, expected Ended",
            frame=msg.text,
        )
    return msg


async def _release(s: Session, msg: Incoming) -> None:
    s.release("TransactionEvent")
    await msg.reply({})


@testcase("TC_E_28_CS")
async def test_tx_status_unknown_id(ctx: CaseContext) -> None:
    """E14: for a transactionId the station does not know, ongoingIndicator
    is false and there are no messages in queue."""
    s = await states.booted(ctx)
    result = await _status(ctx, s, f"unknown-{uuid.uuid4().hex[:12]}")
    _check_status(ctx, result, ongoing=False, queued=False, requirement="E14")


@testcase("TC_E_29_CS", verbs=_VERBS)
async def test_tx_status_ongoing_with_queue(ctx: CaseContext) -> None:
    """E14: an ongoing transaction with an undelivered TransactionEvent:
    ongoingIndicator true, messagesInQueue true."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    tx_id = await states.charging_session(ctx, s)
    held = await _held_event(ctx, s, tx_id, end=False)
    result = await _status(ctx, s, tx_id)
    await _release(s, held)
    _check_status(ctx, result, ongoing=True, queued=True, requirement="E14")


@testcase("TC_E_30_CS", verbs=_VERBS)
async def test_tx_status_ongoing_without_queue(ctx: CaseContext) -> None:
    """E14: an ongoing transaction whose messages were all confirmed:
    ongoingIndicator true, messagesInQueue false."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    tx_id = await states.charging_session(ctx, s)
    result = await _status(ctx, s, tx_id)
    _check_status(ctx, result, ongoing=True, queued=False, requirement="E14")


@testcase("TC_E_31_CS", verbs=_VERBS)
async def test_tx_status_ended_with_queue(ctx: CaseContext) -> None:
    """E14: a transaction that ended but whose Ended event is not delivered
    yet: ongoingIndicator false, messagesInQueue true."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    tx_id = await states.charging_session(ctx, s)
    held = await _held_event(ctx, s, tx_id, end=True)
    result = await _status(ctx, s, tx_id)
    await _release(s, held)
    _check_status(ctx, result, ongoing=False, queued=True, requirement="E14")


@testcase("TC_E_32_CS", verbs=_VERBS)
async def test_tx_status_ended_without_queue(ctx: CaseContext) -> None:
    """E14: a transaction that ended and whose messages were all confirmed:
    ongoingIndicator false, messagesInQueue false."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    tx_id = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    result = await s.call("RequestStopTransaction", {"transactionId": tx_id})
    ctx.require(
        result.get("status") == "Accepted",
        f"set-up: RequestStopTransaction answered {result.get('status')!r}",
    )
    ended = await states.next_tx_event(
        ctx, s, since=t0, tx_id=tx_id, why="RequestStopTransaction ends the transaction"
    )
    ctx.require(
        ended.payload.get("eventType") == "Ended",
        f"set-up: the TransactionEvent after RequestStopTransaction has eventType "
        f"{ended.payload.get('eventType')!r}, expected Ended",
        frame=ended.text,
    )
    status = await _status(ctx, s, tx_id)
    _check_status(ctx, status, ongoing=False, queued=False, requirement="E14")


@testcase("TC_E_33_CS", verbs=_VERBS)
async def test_tx_status_no_id_with_queue(ctx: CaseContext) -> None:
    """E14: without a transactionId, with an undelivered TransactionEvent:
    messagesInQueue true, and no ongoingIndicator."""
    s = await states.booted(ctx)
    states.end_transactions_afterwards(ctx)
    tx_id = await states.charging_session(ctx, s)
    held = await _held_event(ctx, s, tx_id, end=False)
    result = await _status(ctx, s, None)
    await _release(s, held)
    _check_status(ctx, result, ongoing=None, queued=True, requirement="E14")


@testcase("TC_E_34_CS")
async def test_tx_status_no_id_without_queue(ctx: CaseContext) -> None:
    """E14: without a transactionId and nothing undelivered:
    messagesInQueue false, and no ongoingIndicator."""
    s = await states.booted(ctx)
    result = await _status(ctx, s, None)
    _check_status(ctx, result, ongoing=None, queued=False, requirement="E14")
