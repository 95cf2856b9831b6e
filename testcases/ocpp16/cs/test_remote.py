"""OCPP 1.6, DUT = charge point: RemoteStartTransaction / RemoteStopTransaction, happy and
non-happy flows (Core Profile - Remote actions), Core profile."""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Session
from testcases.ocpp16.cs import states

TIMING_SLACK = states.TIMING_SLACK


async def _authorize_remote_tx_requests(ctx: CaseContext, s: Session) -> bool:
    """GetConfiguration AuthorizeRemoteTxRequests (a required Core key)."""
    value = await states.get_configuration(ctx, s, "AuthorizeRemoteTxRequests")
    ctx.require(
        value is not None,
        "GetConfiguration.conf does not report AuthorizeRemoteTxRequests, a required Core "
        "configuration key (section 9.1.3)",
    )
    return str(value).lower() == "true"


async def _remote_start(
    ctx: CaseContext, s: Session, *, connector: int | None = states.CONNECTOR, expect: str
) -> float:
    t0 = time.monotonic()
    payload: dict[str, object] = {"idTag": states.valid_id_tag(ctx)}
    if connector is not None:
        payload["connectorId"] = connector
    answer = await s.call("RemoteStartTransaction", payload)
    ctx.check(
        answer.get("status") == expect,
        f"RemoteStartTransaction.conf (connectorId {connector}) status is "
        f"{answer.get('status')!r}, expected {expect}",
    )
    return t0


async def _remote_authorize(ctx: CaseContext, s: Session, t0: float, required: bool) -> None:
    """[If AuthorizeRemoteTxRequests is true] an Authorize.req for the remote idTag."""
    if not required:
        return
    auth = await s.expect(
        "Authorize",
        predicate=states.after(t0),
        why="AuthorizeRemoteTxRequests is true, so a remote start is authorized first "
        "(section 5.11)",
    )
    ctx.check(
        auth.payload.get("idTag") == states.valid_id_tag(ctx),
        f"Authorize.req idTag is {auth.payload.get('idTag')!r}, expected the remote idTag",
        frame=auth.text,
    )


REMOTE_VERBS = ("plug_in", "unplug")


@testcase("TC_010_CS", verbs=REMOTE_VERBS)
async def test_remote_start_cable_first(ctx: CaseContext) -> None:
    """Section 5.11: with the cable in, RemoteStartTransaction is Accepted, the idTag is
    authorized when AuthorizeRemoteTxRequests is true, and the transaction starts."""
    s = await states.booted(ctx)
    authorize = await _authorize_remote_tx_requests(ctx, s)
    t0 = await states.plug_in(ctx)
    await states.status(ctx, s, "Preparing", since=t0, why="the cable is in")
    t1 = await _remote_start(ctx, s, expect="Accepted")
    await _remote_authorize(ctx, s, t1, authorize)
    await states.charging(ctx, s, since=t1)


@testcase("TC_011_1_CS", verbs=REMOTE_VERBS)
async def test_remote_start_first(ctx: CaseContext) -> None:
    """Section 5.11: RemoteStartTransaction before the cable: Accepted, Authorize.req (when
    AuthorizeRemoteTxRequests is true), Preparing; the cable then starts the transaction."""
    s = await states.booted(ctx)
    authorize = await _authorize_remote_tx_requests(ctx, s)
    t0 = await _remote_start(ctx, s, expect="Accepted")
    await _remote_authorize(ctx, s, t0, authorize)
    await states.status(ctx, s, "Preparing", since=t0, why="a remote start was accepted")
    t1 = await states.plug_in(ctx)
    await states.charging(ctx, s, since=t1)


@testcase("TC_011_2_CS")
async def test_remote_start_timeout(ctx: CaseContext) -> None:
    """Sections 5.11, 9.1.8: a remote start without a cable is cancelled after
    ConnectionTimeOut seconds; the connector is Available again."""
    s = await states.booted(ctx)
    timeout = ctx.dut.pixit.ev_connection_timeout
    await states.configure(ctx, s, "ConnectionTimeOut", str(timeout))
    authorize = await _authorize_remote_tx_requests(ctx, s)
    t0 = await _remote_start(ctx, s, expect="Accepted")
    await _remote_authorize(ctx, s, t0, authorize)
    preparing = await states.status(
        ctx, s, "Preparing", since=t0, why="a remote start was accepted"
    )
    available = await states.status(
        ctx,
        s,
        "Available",
        since=preparing.received,
        timeout=timeout + ctx.timeouts.message,
        why=f"no cable came within ConnectionTimeOut ({timeout} s)",
    )
    waited = available.received - preparing.received
    ctx.check(
        waited >= timeout - TIMING_SLACK,
        f"the connector went back to Available {waited:.2f} s after Preparing; "
        f"ConnectionTimeOut is {timeout} s",
        frame=available.text,
    )


@testcase("TC_012_CS", verbs=("plug_in", "unplug", "present_id_token"))
async def test_remote_stop(ctx: CaseContext) -> None:
    """Section 5.12: RemoteStopTransaction of the running transaction is Accepted; the
    charge point stops it (reason Remote) and reports Finishing."""
    s = await states.booted(ctx)
    started = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    answer = await s.call("RemoteStopTransaction", {"transactionId": started.transaction_id})
    ctx.check(
        answer.get("status") == "Accepted",
        f"RemoteStopTransaction.conf status is {answer.get('status')!r}, expected Accepted",
    )
    await states.transaction_stopped(ctx, s, started, reason="Remote", since=t0)
    await states.status(ctx, s, "Finishing", since=t0, why="the transaction was stopped")


@testcase("TC_026_CS", verbs=("plug_in", "unplug", "present_id_token"))
async def test_remote_start_rejected(ctx: CaseContext) -> None:
    """Section 5.11: a RemoteStartTransaction for a connector that already has a transaction
    is Rejected (and starts nothing)."""
    s = await states.booted(ctx)
    await states.configure(ctx, s, "LocalPreAuthorize", "false")
    await states.charging_session(ctx, s)
    t0 = await _remote_start(ctx, s, expect="Rejected")
    extra = s.received("StartTransaction", since=t0)
    ctx.check(
        not extra,
        "a second StartTransaction.req was sent after the rejected remote start",
        frame=extra[0].text if extra else None,
    )


@testcase("TC_027_CS")
async def test_remote_start_connector_zero(ctx: CaseContext) -> None:
    """Section 5.11: connectorId 0 is no connector (connectorId SHALL be > 0), so a
    RemoteStartTransaction for it is Rejected."""
    s = await states.booted(ctx)
    t0 = await _remote_start(ctx, s, connector=0, expect="Rejected")
    started = s.received("StartTransaction", since=t0)
    ctx.check(
        not started,
        "a StartTransaction.req followed the remote start for connectorId 0",
        frame=started[0].text if started else None,
    )


@testcase("TC_028_CS", verbs=("plug_in", "unplug", "present_id_token"))
async def test_remote_stop_rejected(ctx: CaseContext) -> None:
    """Section 5.12: RemoteStopTransaction with an unknown transactionId is Rejected and the
    running transaction goes on."""
    s = await states.booted(ctx)
    started = await states.charging_session(ctx, s)
    unknown = started.transaction_id + 1000
    answer = await s.call("RemoteStopTransaction", {"transactionId": unknown})
    ctx.check(
        answer.get("status") == "Rejected",
        f"RemoteStopTransaction.conf for the unknown transactionId {unknown} is "
        f"{answer.get('status')!r}, expected Rejected",
    )
    ctx.check(
        states.stopped(s, started) is None,
        "the running transaction was stopped by a RemoteStopTransaction for another id",
    )


@testcase("TC_024_CS", verbs=("plug_in_halfway", "unplug"))
async def test_lock_failure(ctx: CaseContext) -> None:
    """Sections 4.9, 7.6 (ConnectorLockFailure): after a remote start, a cable the connector
    cannot lock is reported Faulted with errorCode ConnectorLockFailure, and no transaction
    starts."""
    s = await states.booted(ctx)
    authorize = await _authorize_remote_tx_requests(ctx, s)
    t0 = await _remote_start(ctx, s, expect="Accepted")
    await _remote_authorize(ctx, s, t0, authorize)
    await states.status(ctx, s, "Preparing", since=t0, why="a remote start was accepted")
    t1 = await states.plug_in(ctx, halfway=True)
    faulted = await states.status(
        ctx, s, "Faulted", since=t1, why="the cable is only halfway in, the lock cannot close"
    )
    ctx.check(
        faulted.payload.get("errorCode") == "ConnectorLockFailure",
        f"the Faulted StatusNotification has errorCode {faulted.payload.get('errorCode')!r}, "
        f"expected ConnectorLockFailure",
        frame=faulted.text,
    )
    await s.expect_none(
        "StartTransaction",
        during=ctx.timeouts.message,
        why="the connector could not be locked, so no transaction may start",
    )
