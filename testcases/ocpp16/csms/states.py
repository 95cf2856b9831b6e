"""Reusable states of the OCPP 1.6 Central System test cases, played by the mock charge point.

The 1.6 test case document builds CSMS cases from a few states (Booted, Authorized, Charging)
and from the Central System's requests that an operator starts. Each function here drives the
charge point's side of one of them and checks what the state requires of the Central System's
answers; a case composes them in the order its scenario gives.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.station import Transaction16
from conformance.session import Incoming, Reject

CONNECTOR = 1  # <Configured ConnectorId>


def valid_id_tag(ctx: CaseContext) -> str:
    """<Configured valid IdTag>."""
    return ctx.dut.pixit.valid_idtoken_idtoken


def id_tag_status(ctx: CaseContext, response: Mapping[str, Any], what: str) -> str | None:
    """idTagInfo.status of an Authorize / StartTransaction answer (a missing one is a finding)."""
    info = response.get("idTagInfo")
    ctx.check(
        isinstance(info, Mapping),
        f"{what} has no idTagInfo, so the charge point cannot tell whether the idTag is "
        f"authorized (got {dict(response)})",
    )
    return str(info.get("status")) if isinstance(info, Mapping) else None


def check_id_tag_status(
    ctx: CaseContext, response: Mapping[str, Any], what: str, id_tag: str, expected: str
) -> None:
    status = id_tag_status(ctx, response, what)
    if status is not None:
        ctx.check(
            status == expected,
            f"{what} idTagInfo.status is {status!r} for idTag {id_tag!r}, expected {expected}",
        )


async def booted(ctx: CaseContext, st: MockStation) -> dict[str, Any]:
    """Booted: BootNotification Accepted (with a heartbeat interval), then StatusNotification
    for connectorId 0 and every connector (OCPP 1.6 sections 4.2 and 4.9)."""
    boot = await st.boot()
    ctx.require(
        boot.get("status") == "Accepted",
        f"BootNotification.conf status is {boot.get('status')!r}, expected Accepted for a "
        f"charge point the Central System knows",
    )
    await st.report_all_connectors()
    return boot


async def booted_station(ctx: CaseContext) -> MockStation:
    """A new mock charge point from the profile's pool, in state Booted."""
    st = await ctx.mock_station()
    await booted(ctx, st)
    return st


async def authorized(ctx: CaseContext, st: MockStation, id_tag: str | None = None) -> str:
    """Authorized: the EV driver presents the configured valid idTag; Authorize.conf Accepted."""
    tag = id_tag or valid_id_tag(ctx)
    res = await st.authorize16(tag)
    check_id_tag_status(ctx, res, "Authorize.conf", tag, "Accepted")
    return tag


async def start_transaction(
    ctx: CaseContext,
    st: MockStation,
    id_tag: str,
    *,
    connector: int = CONNECTOR,
    expected: str = "Accepted",
    timestamp: str | None = None,
) -> Transaction16:
    """StartTransaction; the Central System must assign a transactionId and judge the idTag."""
    tx, res = await st.start_transaction(connector, id_tag, timestamp=timestamp)
    ctx.require(
        tx.transaction_id is not None,
        f"StartTransaction.conf carries no integer transactionId (got {res}); the charge point "
        f"cannot report on the transaction without it",
    )
    check_id_tag_status(ctx, res, "StartTransaction.conf", id_tag, expected)

    async def stop_if_open() -> None:
        # Leave the Central System as the case found it: no transaction stays open.
        if not tx.ended and st.session is not None and not st.conn.closed.is_set():
            await st.stop_transaction(tx, "Local")

    ctx.defer(stop_if_open)
    return tx


async def charging(
    ctx: CaseContext, st: MockStation, *, connector: int = CONNECTOR, authorize: bool = True
) -> Transaction16:
    """Charging: (Authorized,) cable plugged in (Preparing), StartTransaction Accepted, the
    connector Charging, and a periodic MeterValues sample for the transaction."""
    tag = await authorized(ctx, st) if authorize else valid_id_tag(ctx)
    await st.status16(connector, "Preparing")
    tx = await start_transaction(ctx, st, tag, connector=connector)
    await st.status16(connector, "Charging")
    await st.meter_values16(tx, tx.meter_start + 250)
    return tx


async def finishing(
    ctx: CaseContext, st: MockStation, tx: Transaction16, reason: str, *, id_tag: str | None = None
) -> None:
    """The transaction ends: StopTransaction with `reason`, connector Finishing, then the EV
    driver unplugs (Available)."""
    await st.stop_transaction(tx, reason, id_tag=id_tag)
    await st.status16(tx.connector_id, "Finishing")
    await st.status16(tx.connector_id, "Available")


async def reconnect(ctx: CaseContext, st: MockStation) -> MockStation:
    """The connection comes back (same charge point id, same state, no reboot)."""
    await st.close()
    again = await ctx.mock_station(station_id=st.station_id, connect=False)
    again.cp = st.cp  # before connecting: the default answers work on this state
    try:
        await again.connect()
    except Exception as exc:
        raise ctx.fail(
            f"could not reconnect to the Central System as {st.station_id}: {exc}"
        ) from None
    return again


async def csms_request(ctx: CaseContext, st: MockStation, action: str) -> Incoming:
    """The Central System's next `action` request, within the operator deadline plus a
    response time."""
    timeout = ctx.dut.timeouts.operator + ctx.timeouts.message
    return await st.conn.expect(action, timeout=timeout, why="the operator asked for it")


async def operator_request(
    ctx: CaseContext, st: MockStation, action: str, verb: str, **args: Any
) -> Incoming:
    """Hold `action`, ask the Central System's operator for `verb`, return the request.

    The charge point answers only after the case has looked at the request.
    """
    st.conn.hold(action)
    await ctx.operator.do(verb, station_id=st.station_id, **args)
    return await csms_request(ctx, st, action)


async def reply_default(st: MockStation, msg: Incoming) -> Mapping[str, Any] | Reject:
    """Answer a held request as a correct charge point would, and return the answer."""
    result = st.conn.defaults[msg.action](msg)
    if inspect.isawaitable(result):
        result = await result
    if isinstance(result, Reject):
        await msg.reply_error(result.code, result.description)
    else:
        await msg.reply(result)
    return result


async def still_serving(ctx: CaseContext, st: MockStation, why: str) -> None:
    """The Central System took the charge point's answer and goes on: its next Heartbeat is
    answered with the current time."""
    res = await st.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"Heartbeat.conf has no currentTime after {why}: {res}")


def check_field(ctx: CaseContext, msg: Incoming, name: str, expected: Any, why: str) -> None:
    got = msg.payload.get(name)
    ctx.check(
        got == expected,
        f"{msg.action}.req {name} is {got!r}, expected {expected!r} ({why})",
        frame=msg.text,
    )
