"""OCPP 2.0.1, DUT = charging station, functional block N (Diagnostics), Core profile.

Retrieve log information (N01: GetLog, LogStatusNotification) and get / clear customer
information (N09 / N10: CustomerInformation, NotifyCustomerInformation). The log server is
the harness's own HTTP server (file_transfer), on the address the station already reaches;
the customer data of a case is what the case itself gave the station (a charging session with
the valid idToken fills the authorization cache; the operator stores a customer identifier).
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp201.cs import file_transfer, states

# Timer slack between the station's retry timer and our clock (two event loops, one socket).
TIMING_SLACK = 0.1
RETRIES = 3  # TC_N_26_CS: GetLogRequest.retries


def _request_id() -> int:
    return uuid.uuid4().int % 1_000_000


# -- N01 Retrieve Log Information -------------------------------------------------------------


async def _log_server(ctx: CaseContext, s: Session) -> file_transfer.HeldUploadServer:
    """Prerequisite: a log server with one of the station's FileTransferProtocols. The
    harness's server speaks HTTP, so a station that does not list HTTP is NOT APPLICABLE."""
    protocols = await states.get_variable(ctx, s, "OCPPCommCtrlr", "FileTransferProtocols")
    listed = str(protocols.get("attributeValue", "")).replace(" ", "").split(",")
    if protocols.get("attributeStatus") == "Accepted" and "HTTP" not in listed:
        raise NotApplicable(
            f"prerequisite not met: the harness's log server speaks HTTP, the station's "
            f"FileTransferProtocols are {protocols.get('attributeValue')!r}"
        )
    return await file_transfer.upload_server(ctx)


async def _get_log(
    ctx: CaseContext, s: Session, log_type: str, location: str, request_id: int, **extra: Any
) -> dict[str, Any]:
    return await s.call(
        "GetLog",
        {
            "logType": log_type,
            "requestId": request_id,
            "log": {"remoteLocation": location},
            **extra,
        },
    )


def _require_status(ctx: CaseContext, result: dict[str, Any], expected: str, why: str) -> None:
    ctx.require(
        result.get("status") == expected,
        f"GetLogResponse status is {result.get('status')!r}, expected {expected}: {why}",
    )


async def _log_status(
    ctx: CaseContext, s: Session, request_id: int, since: float, why: str
) -> Incoming:
    """The next LogStatusNotification of the upload of GetLog `request_id` after `since`."""
    return await s.expect(
        "LogStatusNotification", {"requestId": request_id}, predicate=states.after(since), why=why
    )


def _check_log_status(
    ctx: CaseContext,
    msg: Incoming,
    status: str,
    request_id: int,
    step: str,
    requirement: str | None = None,
) -> None:
    ctx.check(
        msg.payload.get("status") == status,
        f"{step}: LogStatusNotificationRequest status is {msg.payload.get('status')!r}, "
        f"expected {status}",
        requirement=requirement,
        frame=msg.text,
    )
    ctx.check(
        msg.payload.get("requestId") == request_id,
        f"{step}: LogStatusNotificationRequest requestId is {msg.payload.get('requestId')!r}; "
        f"every notification of an upload carries the requestId {request_id} of its GetLog",
        frame=msg.text,
    )


async def _wait_upload(ctx: CaseContext, server: file_transfer.HeldUploadServer) -> None:
    try:
        await asyncio.wait_for(server.received.wait(), ctx.timeouts.message)
    except TimeoutError:
        raise ctx.fail(
            f"the station did not upload the log to {server.url} within "
            f"{ctx.timeouts.message:g} s of its LogStatusNotification Uploading"
        ) from None


async def _upload_succeeds(ctx: CaseContext, log_type: str) -> None:
    """GetLog for `log_type` to the harness's server: Accepted, Uploading, the file arrives,
    Uploaded, each notification with the GetLog's requestId."""
    s = await states.booted(ctx)
    server = await _log_server(ctx, s)
    server.release()  # take the upload at once
    request_id = _request_id()
    t0 = time.monotonic()
    result = await _get_log(ctx, s, log_type, server.url, request_id)
    _require_status(ctx, result, "Accepted", f"the station has {log_type} information to upload")
    first = await _log_status(ctx, s, request_id, t0, "the GetLog was accepted: upload starts")
    _check_log_status(ctx, first, "Uploading", request_id, "step 3")
    done = await s.expect(
        "LogStatusNotification",
        predicate=states.after(first.received),
        why="the upload ends with a LogStatusNotification saying how it went",
    )
    _check_log_status(ctx, done, "Uploaded", request_id, "step 5", "N01.FR.09")
    ctx.check(
        bool(server.uploads),
        f"the station reports the log uploaded, but nothing arrived at {server.url}",
        frame=done.text,
    )


@testcase("TC_N_25_CS")
async def test_get_diagnostics_log(ctx: CaseContext) -> None:
    """N01.FR.01/.02/.04/.07/.08/.09/.13: GetLog for the DiagnosticsLog is Accepted; the station
    reports Uploading, uploads the file to the remoteLocation and reports Uploaded, both with
    the GetLog's requestId."""
    await _upload_succeeds(ctx, "DiagnosticsLog")


@testcase("TC_N_35_CS")
async def test_get_security_log(ctx: CaseContext) -> None:
    """N01: GetLog for the SecurityLog is Accepted; the station reports Uploading, uploads the
    security log to the remoteLocation and reports Uploaded, both with the GetLog's requestId
    (the Security Log counterpart of TC_N_25_CS)."""
    await _upload_succeeds(ctx, "SecurityLog")


@testcase("TC_N_26_CS")
async def test_get_diagnostics_log_upload_failed(ctx: CaseContext) -> None:
    """N01.FR.01/.02/.04/.07/.08/.10/.13: GetLog with retries 3 and <Configured retryInterval>
    to a location with a non-existing path (the server answers 404). The station tries the
    upload 1 + 3 times, <retryInterval> s apart (GetLogRequest.retries / retryInterval), and
    ends with UploadFailure; Uploading and the failure are each reported once or once per
    attempt."""
    s = await states.booted(ctx)
    server = await _log_server(ctx, s)
    interval = ctx.dut.pixit.log_retry_interval
    request_id = _request_id()
    t0 = time.monotonic()
    result = await _get_log(
        ctx,
        s,
        "DiagnosticsLog",
        server.missing_url,
        request_id,
        retries=RETRIES,
        retryInterval=interval,
    )
    _require_status(ctx, result, "Accepted", "the station has diagnostics information")
    first = await _log_status(ctx, s, request_id, t0, "the GetLog was accepted: upload starts")
    _check_log_status(ctx, first, "Uploading", request_id, "step 3")
    attempts = 1 + RETRIES
    for n in range(1, attempts + 1):
        wait = ctx.timeouts.message + (interval if n > 1 else 0)
        if not await server.wait_requests(n, wait):
            ctx.check(
                False,
                f"the station tried the upload {len(server.requests)} time(s); with retries "
                f"{RETRIES} it must try {attempts} times before giving up (none came within "
                f"{wait:g} s of the last)",
            )
            break
    times = [when for when, _ in server.requests]
    for a, b in itertools.pairwise(times):
        ctx.check(
            b - a >= interval - TIMING_SLACK,
            f"the station retried the upload {b - a:.2f} s after the failed attempt, before "
            f"the retryInterval of {interval} s",
        )
    last = times[-1] if times else first.received
    done = await s.expect(
        "LogStatusNotification",
        {"requestId": request_id},
        predicate=lambda m: m.received >= last and m.payload.get("status") != "Uploading",
        why="every upload attempt failed, so the station reports the failure",
    )
    _check_log_status(ctx, done, "UploadFailure", request_id, "step 5", "N01.FR.10")
    sent = [
        m
        for m in s.received("LogStatusNotification", since=t0)
        if m.payload.get("requestId") == request_id
    ]
    uploading = sum(m.payload.get("status") == "Uploading" for m in sent)
    failed = sum(m.payload.get("status") == "UploadFailure" for m in sent)
    allowed = {1, attempts}
    ctx.check(
        uploading in allowed,
        f"LogStatusNotification Uploading was sent {uploading} times; it must be sent once or "
        f"once per attempt ({attempts})",
    )
    ctx.check(
        failed in allowed,
        f"LogStatusNotification UploadFailure was sent {failed} times; it must be sent once or "
        f"once per attempt ({attempts})",
    )


@testcase("TC_N_36_CS")
async def test_get_log_second_request(ctx: CaseContext) -> None:
    """N01.FR.01/.02/.03/.07/.08/.09/.12/.13: a second GetLog while the first upload runs (the
    harness's server holds that transfer open) is answered AcceptedCanceled; the first upload
    is reported AcceptedCanceled under its own requestId (that notification may come before
    the GetLogResponse), and the second is uploaded: Uploading, Uploaded with its requestId."""
    s = await states.booted(ctx)
    server = await _log_server(ctx, s)
    first_id, second_id = _request_id(), _request_id() + 1_000_000
    t0 = time.monotonic()
    result = await _get_log(ctx, s, "DiagnosticsLog", server.url, first_id)
    _require_status(ctx, result, "Accepted", "no upload is running yet")
    uploading = await _log_status(ctx, s, first_id, t0, "the GetLog was accepted: upload starts")
    _check_log_status(ctx, uploading, "Uploading", first_id, "step 3")
    await _wait_upload(ctx, server)  # the first upload is in progress, held by the server
    server.received.clear()
    t1 = time.monotonic()
    second = await _get_log(ctx, s, "DiagnosticsLog", server.url, second_id)
    ctx.check(
        second.get("status") == "AcceptedCanceled",
        f"step 6: GetLogResponse status is {second.get('status')!r}; a GetLog while an upload "
        f"runs cancels it and is answered AcceptedCanceled",
        requirement="N01.FR.03",
    )
    canceled = await _log_status(
        ctx, s, first_id, t1, "the second GetLog cancelled the running upload"
    )
    _check_log_status(ctx, canceled, "AcceptedCanceled", first_id, "step 7", "N01.FR.03")
    started = await _log_status(ctx, s, second_id, t1, "the second GetLog's upload starts")
    _check_log_status(ctx, started, "Uploading", second_id, "step 9")
    await _wait_upload(ctx, server)
    server.release()
    done = await s.expect(
        "LogStatusNotification",
        {"requestId": second_id},
        predicate=lambda m: (
            m.received >= started.received and m.payload.get("status") != "Uploading"
        ),
        why="the harness completed the second log transfer",
    )
    _check_log_status(ctx, done, "Uploaded", second_id, "step 11", "N01.FR.09")


# -- N09 Get / N10 Clear Customer Information -----------------------------------------------

_SESSION_VERBS = ("plug_in", "present_id_token", "unplug")


def _id_token(ctx: CaseContext) -> dict[str, Any]:
    """The customer as the cases name it: idToken <Configured valid idToken fields>."""
    return {"idToken": states.valid_token(ctx)}


async def _customer_information(
    ctx: CaseContext, s: Session, customer: dict[str, Any], *, report: bool, clear: bool
) -> tuple[int, float, dict[str, Any]]:
    """Send a CustomerInformationRequest; (its requestId, when it was sent, the response)."""
    request_id = _request_id()
    t0 = time.monotonic()
    result = await s.call(
        "CustomerInformation",
        {"requestId": request_id, "report": report, "clear": clear, **customer},
    )
    return request_id, t0, result


def _check_accepted(ctx: CaseContext, result: dict[str, Any], step: str, requirement: str) -> None:
    ctx.require(
        result.get("status") == "Accepted",
        f"{step}: CustomerInformationResponse status is {result.get('status')!r}, expected "
        f"Accepted",
        requirement=requirement,
    )


async def _notifications(
    ctx: CaseContext, s: Session, request_id: int, since: float, why: str
) -> list[Incoming]:
    """Every NotifyCustomerInformationRequest of one request: seqNo 0, 1, ... until tbc is
    not true (the case answers each, as the default responder does)."""
    parts: list[Incoming] = []
    while True:
        msg = await s.expect(
            "NotifyCustomerInformation",
            {"requestId": request_id},
            predicate=states.after(since),
            why=why if not parts else "the previous part said tbc true: more follow",
        )
        ctx.check(
            msg.payload.get("seqNo") == len(parts),
            f"NotifyCustomerInformationRequest seqNo is {msg.payload.get('seqNo')!r}, expected "
            f"{len(parts)}: the messages of one request are numbered from 0",
            frame=msg.text,
        )
        parts.append(msg)
        if msg.payload.get("tbc") is not True:
            return parts


def _data(parts: list[Incoming]) -> str:
    return "".join(str(m.payload.get("data", "")) for m in parts)


async def _no_customer_data(ctx: CaseContext, s: Session, customer: dict[str, Any]) -> None:
    """Memory state / prerequisite "no customer information available": the CSMS asks the
    station to clear the customer's information first (CustomerInformation clear=true)."""
    _, _, result = await _customer_information(ctx, s, customer, report=False, clear=True)
    ctx.require(
        result.get("status") == "Accepted",
        f"preparation: clearing the customer's information was answered "
        f"{result.get('status')!r}, so the case cannot start from no data",
    )


async def _id_token_cached(ctx: CaseContext, s: Session) -> None:
    """Prerequisite, configuration and memory state of TC_N_27 / TC_N_30: the station has an
    authorization cache; LocalAuthListCtrlr.Enabled, AuthCacheCtrlr.Enabled and
    AuthCtrlr.LocalPreAuthorize true (where implemented); IdTokenCached for the valid idToken
    (a charging session with it, answered Accepted by the CSMS, stopped and unplugged). The
    cache is cleared when the case ends. (The IdTokenLocalAuthList memory state, "if
    implemented", is not set up: the cached entry is the customer's data here.)"""
    cache = await states.get_variable(ctx, s, "AuthCacheCtrlr", "Enabled")
    if cache.get("attributeStatus") != "Accepted":
        raise NotApplicable(
            "prerequisite not met: the station has no authorization cache to hold the "
            "customer's data"
        )

    async def clear_cache() -> None:
        conn = await ctx.station()
        await conn.call("ClearCache", {})

    ctx.defer(clear_cache)
    await states.configure_if_implemented(ctx, s, "LocalAuthListCtrlr", "Enabled", "true")
    await states.configure(ctx, s, "AuthCacheCtrlr", "Enabled", "true", prerequisite=True)
    await states.local_auth_configured(ctx, s)
    tx_id = await states.charging_session(ctx, s)
    await states.stop_authorized(ctx, s, tx_id)
    await states.ev_disconnected(ctx, s, tx_id=tx_id)
    # Set after the session, so its idToken was sent to the CSMS (and so cached) for certain.
    await states.configure_if_implemented(ctx, s, "AuthCtrlr", "LocalPreAuthorize", "true")


async def _report_with_data(
    ctx: CaseContext, s: Session, customer: dict[str, Any], *, clear: bool, requirement: str
) -> str:
    """CustomerInformation report=true for a customer with data: Accepted, and the data in
    one or more NotifyCustomerInformationRequests; returns the data."""
    request_id, t0, result = await _customer_information(ctx, s, customer, report=True, clear=clear)
    _check_accepted(ctx, result, "step 2", requirement)
    parts = await _notifications(
        ctx, s, request_id, t0, "report=true: the station reports the customer's data"
    )
    data = _data(parts)
    ctx.check(
        bool(data.strip()),
        "step 3: NotifyCustomerInformationRequest data is empty; the station holds data of "
        "this customer, which the report must contain",
        requirement="N09.FR.05" if not clear else None,
        frame=parts[0].text,
    )
    return data


async def _report_after_clear(
    ctx: CaseContext,
    s: Session,
    customer: dict[str, Any],
    before: str,
    requirement: str | None = None,
) -> None:
    """Steps 5-8 of the clear-and-report cases: a new report (clear=false) must no longer
    show what the station reported, and removed, at step 3."""
    request_id, t0, result = await _customer_information(ctx, s, customer, report=True, clear=False)
    _check_accepted(ctx, result, "step 6", "N09.FR.02")
    parts = await _notifications(
        ctx, s, request_id, t0, "report=true: the station reports what is left of the customer"
    )
    after = _data(parts)
    ctx.check(
        bool(after) and after != before and before not in after,
        f"step 7: after the clear the station still reports the customer's data it reported "
        f"(and had to remove) at step 3: {after[:200]!r}",
        requirement=requirement,
        frame=parts[0].text,
    )


@testcase("TC_N_27_CS", verbs=_SESSION_VERBS)
async def test_get_customer_information_data(ctx: CaseContext) -> None:
    """N09.FR.02, N09.FR.05: with the valid idToken in the authorization cache,
    CustomerInformation report=true for it is Accepted and the station reports the data in
    NotifyCustomerInformationRequests (seqNo from 0, tbc until the last), data not empty."""
    s = await states.booted(ctx)
    await _id_token_cached(ctx, s)
    await _report_with_data(ctx, s, _id_token(ctx), clear=False, requirement="N09.FR.02")


@testcase("TC_N_28_CS")
async def test_get_customer_information_no_data(ctx: CaseContext) -> None:
    """N09.FR.02, N09.FR.06: after the CSMS cleared the valid idToken's customer information,
    CustomerInformation report=true for it is Accepted and one NotifyCustomerInformationRequest
    (tbc not true) says that no data was found."""
    s = await states.booted(ctx)
    customer = _id_token(ctx)
    await _no_customer_data(ctx, s, customer)
    request_id, t0, result = await _customer_information(ctx, s, customer, report=True, clear=False)
    _check_accepted(ctx, result, "step 2", "N09.FR.02")
    msg = await s.expect(
        "NotifyCustomerInformation",
        {"requestId": request_id},
        predicate=states.after(t0),
        why="report=true: even with no data the station sends one message saying so (N09.FR.06)",
    )
    ctx.check(
        msg.payload.get("tbc") is not True,
        "step 3: NotifyCustomerInformationRequest says tbc true; with no data found a single "
        "message tells so",
        requirement="N09.FR.06",
        frame=msg.text,
    )
    ctx.check(
        msg.payload.get("seqNo") == 0,
        f"step 3: NotifyCustomerInformationRequest seqNo is {msg.payload.get('seqNo')!r}, "
        f"expected 0 for the only message",
        frame=msg.text,
    )


@testcase("TC_N_30_CS", verbs=_SESSION_VERBS)
async def test_clear_customer_information_report_data(ctx: CaseContext) -> None:
    """N10.FR.01: with the valid idToken in the authorization cache, CustomerInformation
    report=true, clear=true is Accepted; the station reports the customer's data and removes
    it, so a following report (clear=false) no longer contains it."""
    s = await states.booted(ctx)
    await _id_token_cached(ctx, s)
    customer = _id_token(ctx)
    before = await _report_with_data(ctx, s, customer, clear=True, requirement="N10.FR.01")
    await _report_after_clear(ctx, s, customer, before)


@testcase("TC_N_31_CS")
async def test_clear_customer_information_report_no_data(ctx: CaseContext) -> None:
    """N10.FR.01, N10.FR.04: with no information of the valid idToken at the station,
    CustomerInformation report=true, clear=true is Accepted and a NotifyCustomerInformationRequest
    says that no data was found."""
    s = await states.booted(ctx)
    customer = _id_token(ctx)
    await _no_customer_data(ctx, s, customer)
    request_id, t0, result = await _customer_information(ctx, s, customer, report=True, clear=True)
    _check_accepted(ctx, result, "step 2", "N10.FR.01")
    await _notifications(
        ctx, s, request_id, t0, "report=true: the station says that no data was found (N10.FR.04)"
    )


@testcase("TC_N_32_CS")
async def test_clear_customer_information_no_report(ctx: CaseContext) -> None:
    """N10.FR.01, N10.FR.06: CustomerInformation report=false, clear=true for the valid idToken
    is Accepted, and one NotifyCustomerInformationRequest says the data is cleared."""
    s = await states.booted(ctx)
    customer = _id_token(ctx)
    await _no_customer_data(ctx, s, customer)
    request_id, t0, result = await _customer_information(ctx, s, customer, report=False, clear=True)
    _check_accepted(ctx, result, "step 2", "N10.FR.01")
    await _notifications(
        ctx,
        s,
        request_id,
        t0,
        "clear=true without report: the station still says that the data is cleared (N10.FR.06)",
    )


@testcase("TC_N_62_CS", verbs=("store_customer_identifier",))
async def test_clear_customer_information_identifier(ctx: CaseContext) -> None:
    """N10.FR.01, N10.FR.03: the operator stores <Configured customerIdentifier> at the
    station; CustomerInformation report=true, clear=true for it is Accepted, the station
    reports the customer's data and removes it: a following report (clear=false) no longer
    contains it."""
    s = await states.booted(ctx)
    ident = ctx.dut.pixit.customer_identifier
    await ctx.operator.store_customer_identifier(customer_identifier=ident)
    customer = {"customerIdentifier": ident}
    before = await _report_with_data(ctx, s, customer, clear=True, requirement="N10.FR.01")
    await _report_after_clear(ctx, s, customer, before, "N10.FR.03")
